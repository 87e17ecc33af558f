// The SMSO → Requesting Party hand-over file (docs/SMSO.md; the TMAD does not specify this interface,
// docs/SPEC-DECISIONS.md). The SMSO writes it; the Requesting Party reads it and copies its elements into
// the MEF (TMAD 5.12(g)). Parties never import each other: this codec is the agreement.
//
// JSON Lines, UTF-8, one JSON object per LF-terminated line:
//   line 1        {"format":"s1mig-smso-handover","version":1,"smso":…,"groupId":…,"createdAt":…,"keys":[…]}
//   lines 2..n-1  one per installation: {"chfIdentifier":…,"encryptedS1spGroupInformation":{…}?,
//                 "encryptedMasterKeys":[…],"suaKeyDetails":[…],"plaintext":"<xml>"?}
//   line n        {"end":true,"installations":<count>}   (a truncated file is detected)
//
// TMAD 11.1: the Requesting Party sees only ciphertext, except that for GroupIDs EB and EC the
// installation line also carries the plaintext (DecryptedS1SPDPGroupInformation). A reader rejects a
// plaintext for any other GroupID.
import type {
  EncryptedMasterKey,
  EncryptedS1spGroupInformationElement,
  MefInstallation,
  SuaKeyDetails,
} from '../migration-files/types.js';
import { isGroupId, type GroupId } from '../../ids/reference.js';
import type { SmsoCsvProblem } from './csv.js';

export const HANDOVER_FORMAT = 's1mig-smso-handover';
export const HANDOVER_VERSION = 1;
/** GroupIDs for which the Requesting Party may see the plaintext (TMAD 11.1). */
export const PLAINTEXT_GROUP_IDS: readonly GroupId[] = ['EB', 'EC'];

export interface HandoverHeader {
  format: typeof HANDOVER_FORMAT;
  version: typeof HANDOVER_VERSION;
  smso: string;
  groupId: GroupId;
  /** UTC instant, ISO 8601. */
  createdAt: string;
  /** The TMAD 5.1(a) keys used, by purpose. */
  keys: Array<{ purpose: string; keyIdentifier: string; validFrom: string; validTo: string }>;
}

export interface HandoverInstallation {
  chfIdentifier: string;
  encryptedS1spGroupInformation?: EncryptedS1spGroupInformationElement;
  encryptedMasterKeys: EncryptedMasterKey[];
  suaKeyDetails: SuaKeyDetails[];
  /** EB / EC only: the DecryptedS1SPDPGroupInformation XML (TMAD 11.1). */
  plaintext?: string;
}

export function handoverHeaderLine(h: HandoverHeader): string {
  return JSON.stringify(h) + '\n';
}

export function handoverInstallationLine(groupId: GroupId, i: HandoverInstallation): string {
  if (i.plaintext !== undefined && !PLAINTEXT_GROUP_IDS.includes(groupId))
    throw new Error(`TMAD 11.1: no plaintext may be handed over for GroupID ${groupId}`);
  return JSON.stringify(i) + '\n';
}

export function handoverEndLine(count: number): string {
  return JSON.stringify({ end: true, installations: count }) + '\n';
}

/** The MEF entry for an installation of the hand-over (TMAD 5.12(g)); the plaintext never goes in it. */
export function toMefInstallation(i: HandoverInstallation): MefInstallation {
  return {
    chfIdentifier: i.chfIdentifier,
    ...(i.encryptedS1spGroupInformation
      ? { encryptedS1spGroupInformation: i.encryptedS1spGroupInformation }
      : {}),
    encryptedMasterKeys: i.encryptedMasterKeys,
    suaKeyDetails: i.suaKeyDetails,
  };
}

export interface HandoverParseResult {
  header: HandoverHeader | null;
  installations: HandoverInstallation[];
  problems: SmsoCsvProblem[];
}

const RULE = 'docs/SMSO.md hand-over format';
const B64 = /^[A-Za-z0-9+/]*={0,2}$/;
const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const isStr = (v: unknown): v is string => typeof v === 'string';

function checkInstallation(v: unknown, groupId: GroupId | null): string | null {
  if (!isObj(v)) return 'expected a JSON object';
  if (!isStr(v.chfIdentifier) || !/^[0-9A-F]{2}(-[0-9A-F]{2}){7}$/.test(v.chfIdentifier))
    return 'chfIdentifier: expected an EUI-64 (eight upper-case hex octets joined by hyphens)';
  const g = v.encryptedS1spGroupInformation;
  if (g !== undefined) {
    if (
      !isObj(g) ||
      !['protectedData', 'authenticationTag', 'wrappedTransportKey'].every(
        (k) => isStr(g[k]) && B64.test(g[k]),
      )
    )
      return 'encryptedS1spGroupInformation: expected protectedData, authenticationTag and wrappedTransportKey as base64 (Tables 11.2.1, 11.2.2)';
  }
  if (
    !Array.isArray(v.encryptedMasterKeys) ||
    !v.encryptedMasterKeys.every(
      (k) =>
        isObj(k) &&
        isStr(k.encryptedKey) &&
        B64.test(k.encryptedKey) &&
        Array.isArray(k.deviceIds) &&
        k.deviceIds.length > 0 &&
        k.deviceIds.every(isStr),
    )
  )
    return 'encryptedMasterKeys: expected an array of {encryptedKey (base64), deviceIds (non-empty)} (Table 11.3)';
  if (
    !Array.isArray(v.suaKeyDetails) ||
    !v.suaKeyDetails.every(
      (k) =>
        isObj(k) && ['deviceType', 'serialNumber', 'publicKey', 'encryptedSuaKey'].every((f) => isStr(k[f])),
    )
  )
    return 'suaKeyDetails: expected an array of {deviceType, serialNumber, publicKey, encryptedSuaKey} (Table 11.3B)';
  if (v.plaintext !== undefined) {
    if (groupId === null || !PLAINTEXT_GROUP_IDS.includes(groupId))
      return `plaintext present for GroupID ${groupId ?? '?'} (TMAD 11.1): the Requesting Party may receive plaintext only for GroupIDs EB and EC`;
    if (!isStr(v.plaintext)) return 'plaintext: expected the DecryptedS1SPDPGroupInformation XML as a string';
  }
  return null;
}

/** Read a hand-over file (the Requesting Party's side). Every problem is reported with its line. */
export function parseHandover(text: string, file: string): HandoverParseResult {
  const problems: SmsoCsvProblem[] = [];
  const installations: HandoverInstallation[] = [];
  const problem = (line: number | null, message: string, rule = RULE, field: string | null = null): void => {
    problems.push({ file, line, column: null, field, rule, message });
  };
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  let header: HandoverHeader | null = null;
  let ended = false;
  lines.forEach((raw, k) => {
    const lineNo = k + 1;
    let v: unknown;
    try {
      v = JSON.parse(raw);
    } catch {
      problem(lineNo, 'not a JSON object on one line: expected JSON Lines');
      return;
    }
    if (ended) {
      problem(lineNo, 'a line after the end line: expected the end line last');
      return;
    }
    if (k === 0) {
      if (!isObj(v) || v.format !== HANDOVER_FORMAT || v.version !== HANDOVER_VERSION) {
        problem(1, `header: expected {"format":"${HANDOVER_FORMAT}","version":${HANDOVER_VERSION},…}`);
        return;
      }
      if (!isStr(v.groupId) || !isGroupId(v.groupId)) {
        problem(1, `groupId '${String(v.groupId)}': expected a GroupID`, 'TMAD 12-16 GroupIDs', 'groupId');
        return;
      }
      if (!isStr(v.smso) || !isStr(v.createdAt) || !Array.isArray(v.keys)) {
        problem(1, 'header: expected smso, createdAt and keys');
        return;
      }
      header = v as unknown as HandoverHeader;
      return;
    }
    if (isObj(v) && v.end === true) {
      ended = true;
      if (v.installations !== installations.length)
        problem(
          lineNo,
          `end line counts ${String(v.installations)} installations, the file has ${installations.length}: the file is incomplete or altered`,
        );
      return;
    }
    const why = checkInstallation(v, header?.groupId ?? null);
    if (why) problem(lineNo, why, why.includes('TMAD 11.1') ? 'TMAD 11.1' : RULE);
    else installations.push(v as HandoverInstallation);
  });
  if (lines.length === 0) problem(null, 'the file is empty: expected a header line');
  else if (!ended) problem(lines.length, 'no end line {"end":true,…}: the file is truncated');
  return { header, installations, problems };
}
