// Reference codes of the TMAD: GroupIDs, device types, SMSO codes, SEC Party Signifiers.
import { type Result, ok, err } from '../result.js';

/** GroupIDs (TMAD 12–16, Appendices A–C). */
export const GROUP_IDS = ['AA', 'BA', 'CA', 'CB', 'DA', 'EA', 'EB', 'EC'] as const;
export type GroupId = (typeof GROUP_IDS)[number];
export const isGroupId = (s: string): s is GroupId => (GROUP_IDS as readonly string[]).includes(s);
/** GroupIDs whose MCFs the S1SP authenticates with the strictly-increasing column of Table 5.9. */
export const S1SP_COUNTER_GROUP_IDS: readonly GroupId[] = ['EA', 'EB', 'EC'];

/** SMETS1 device types (TMAD 2 SMETS1 Installation). */
export const DEVICE_TYPES = ['CHF', 'GPF', 'ESME', 'GSME', 'PPMID', 'IHD', 'CAD'] as const;
export type DeviceType = (typeof DEVICE_TYPES)[number];
export const isDeviceType = (s: string): s is DeviceType => (DEVICE_TYPES as readonly string[]).includes(s);

/**
 * SMSO codes used in MA file names and headers (MAM 7.2.2). Reference data, not code: the default
 * list is below and deployments may replace it (shared/spec README decision).
 */
export const DEFAULT_SMSO_CODES: Readonly<Record<string, string>> = {
  BRG: 'British Gas',
  BTG: 'British Gas',
  CGI: 'CGI',
  EDM: 'EDMI',
  MDS: 'MDS',
  NPW: 'npower',
  SCM: 'Secure Meters',
  TRL: 'Trilliant',
};

export function parseSmsoCode(
  input: string,
  known: Readonly<Record<string, string>> = DEFAULT_SMSO_CODES,
): Result<string> {
  if (!/^[A-Z]{3}$/.test(input))
    return err(`'${input}' is not an SMSO code: expected three upper-case letters`);
  if (!(input in known))
    return err(`'${input}' is not a known SMSO code: expected one of ${Object.keys(known).join(', ')}`);
  return ok(input);
}

/** SEC Party Signifier: a short upper-case alphanumeric code naming a SEC Party (MRR file names). */
export function parsePartySignifier(input: string): Result<string> {
  if (!/^[A-Z0-9]{1,8}$/.test(input))
    return err(`'${input}' is not a SEC Party Signifier: expected 1 to 8 upper-case letters or digits`);
  return ok(input);
}
