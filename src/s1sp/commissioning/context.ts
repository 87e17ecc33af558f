// The shared machinery of the step tables (TMAD 5.27; Appendices A, B, C): a step failure with its
// Supporting Data, the calls to the head-end that turn a device failure into one, and the sealed
// storing of keys ("securely store ...").
import type { DcoRequests, DcoResponse, InstallationRef } from '../../core/dco-requests/index.js';
import type { HeadEnd, HeadEndResult, StepRef, WhitelistEntry } from '../../core/head-end/index.js';
import type { SupportingData } from '../../core/formats/migration-files/index.js';
import type { GroupId } from '../../core/ids/reference.js';
import type { Sealer } from '../../lib/crypto/seal.js';
import type { S1spViableInstallation } from '../commissioning-contract.js';
import { sealContext, type CommissioningKeyStore, type StoredKeyName } from './key-store.js';

/** A failed Appendix step: its error code and sub-step, the reason, and its SupportingData. */
export class StepFailure extends Error {
  override name = 'StepFailure';
  constructor(
    readonly errorCode: string,
    readonly subStep: number | undefined,
    readonly reason: string,
    /** What the Appendix's SupportingData column gives besides the error code. */
    readonly supportingData: Omit<SupportingData, 'errorCode'>,
  ) {
    super(`${errorCode}${subStep !== undefined ? `.${subStep}` : ''}: ${reason}`);
  }
}

/** A group-table check without an Appendix error code (12.9.4-12.9.6, 15.9.4, 16.9.4). */
export class TableCheckFailure extends Error {
  override name = 'TableCheckFailure';
  constructor(
    readonly stepNumber: string,
    readonly reason: string,
  ) {
    super(`${stepNumber}: ${reason}`);
  }
}

/** What an Appendix row puts in its SupportingData (besides the error code). */
export type SupportingDataKind =
  'subStep' | 'deviceId' | 'deviceAndAssociation' | 'encryptedMasterKey' | 'none';

export interface StepContext {
  installation: S1spViableInstallation;
  ref: InstallationRef;
  chf: string;
  groupId: GroupId;
  headEnd: HeadEnd;
  dco: DcoRequests;
  now: () => Date;
  keyStore: CommissioningKeyStore;
  sealer: Sealer;
  /**
   * The plaintext of the current stored key of that name (opened from its sealed form), or undefined;
   * `at`: the step that retrieves it (the key store may fail it).
   */
  openStored(name: StoredKeyName, at?: StepRef): Promise<Buffer | undefined>;
  /** The CHF Whitelist as last read (12.9.1 "the information returned shall be that used in subsequent steps"). */
  whitelist?: WhitelistEntry[];
  /** Appendix A ET07 / A2 GT02, B2 ET02 / B3 GT02, C1 ET01 / C2 GT02: PrepayFlag for the SCF. */
  prepayFlag: boolean;
  /** Serial numbers read from the devices (Device ID → serial). */
  serials: Map<string, string>;
  /** Which sub-steps of each error code are reported in SupportingData (by error code). */
  kinds: Readonly<Record<string, SupportingDataKind>>;
}

/** The SupportingData of a failure at `code`.`sub` per the Appendix's column. */
export function supportingDataFor(
  ctx: StepContext,
  code: string,
  sub: number | undefined,
  extra: Omit<SupportingData, 'errorCode'> = {},
): Omit<SupportingData, 'errorCode'> {
  const kind = ctx.kinds[code] ?? 'none';
  switch (kind) {
    case 'subStep':
      return sub !== undefined ? { subStep: String(sub) } : {};
    case 'deviceId':
      return extra.deviceId !== undefined ? { deviceId: extra.deviceId } : {};
    case 'deviceAndAssociation':
      return {
        ...(extra.deviceId !== undefined ? { deviceId: extra.deviceId } : {}),
        ...(extra.applicationAssociation !== undefined
          ? { applicationAssociation: extra.applicationAssociation }
          : {}),
      };
    case 'encryptedMasterKey':
      return extra.encryptedMasterKey ? { encryptedMasterKey: extra.encryptedMasterKey } : {};
    default:
      return {};
  }
}

/** Throw the step failure of `at`. */
export function failAt(
  ctx: StepContext,
  at: StepRef,
  reason: string,
  extra: Omit<SupportingData, 'errorCode'> = {},
): never {
  throw new StepFailure(
    at.errorCode,
    at.subStep,
    reason,
    supportingDataFor(ctx, at.errorCode, at.subStep, extra),
  );
}

/** The value of a head-end answer, or the failure of the step it was made for. */
export function need<T>(
  ctx: StepContext,
  r: HeadEndResult<T>,
  at: StepRef,
  extra: Omit<SupportingData, 'errorCode'> = {},
): T {
  if (!r.ok) failAt(ctx, at, r.reason, extra);
  return r.value;
}

/** The value of a DCO answer, or the failure of the step (the DCO's clause in the reason). */
export function needDco<T>(
  ctx: StepContext,
  r: DcoResponse<T>,
  at: StepRef,
  extra: Omit<SupportingData, 'errorCode'> = {},
): T {
  if (!r.ok) failAt(ctx, at, `the DCO refused (${r.clause}): ${r.reason}`, extra);
  return r.value;
}

/** Check `cond`, else the step fails at `at`. */
export function check(
  ctx: StepContext,
  cond: boolean,
  at: StepRef,
  reason: string,
  extra: Omit<SupportingData, 'errorCode'> = {},
): void {
  if (!cond) failAt(ctx, at, reason, extra);
}

/** "Securely store": seal the value and put it in the key store; a store failure fails `at`. */
export async function storeKey(
  ctx: StepContext,
  name: StoredKeyName & { serialNumber?: string },
  value: Uint8Array,
  at: StepRef,
  extra: Omit<SupportingData, 'errorCode'> = {},
): Promise<void> {
  try {
    const sealed = ctx.sealer.seal(Buffer.from(value), sealContext(ctx.ref, name));
    await ctx.keyStore.put(ctx.ref, { ...name, sealed, storedAt: at });
  } catch (e) {
    failAt(ctx, at, `the key could not be stored: ${e instanceof Error ? e.message : String(e)}`, extra);
  }
}

/** Invalidate the replaced key(s) of that name; a failure fails `at`. */
export async function invalidateKey(
  ctx: StepContext,
  name: StoredKeyName,
  at: StepRef,
  extra: Omit<SupportingData, 'errorCode'> = {},
): Promise<void> {
  try {
    await ctx.keyStore.invalidate(ctx.ref, name, at);
  } catch (e) {
    failAt(
      ctx,
      at,
      `the replaced key could not be invalidated: ${e instanceof Error ? e.message : String(e)}`,
      extra,
    );
  }
}

/** A key from the plaintext (hex), or undefined when absent or not valid hex (12.8.1: "populated validly"). */
export function keyBytes(hex: string | undefined): Buffer | undefined {
  if (hex === undefined || hex.length === 0 || hex.length % 2 !== 0 || !/^[0-9A-Fa-f]+$/.test(hex))
    return undefined;
  return Buffer.from(hex, 'hex');
}

/** Whether a whitelist lists the device, and (with `within`) heard it in the last `within` ms. */
export function onWhitelist(
  list: readonly WhitelistEntry[] | undefined,
  deviceId: string,
  now?: Date,
  within?: number,
): boolean {
  const e = list?.find((x) => x.deviceId.toUpperCase() === deviceId.toUpperCase());
  if (!e) return false;
  if (within === undefined || now === undefined) return true;
  return e.lastCommunicatedAt !== null && now.getTime() - e.lastCommunicatedAt.getTime() <= within;
}

/** Close a channel at `at` (a failed close fails the step that asks for it). */
export async function closeAt(
  ctx: StepContext,
  ch: Parameters<HeadEnd['close']>[0],
  at: StepRef,
  extra: Omit<SupportingData, 'errorCode'> = {},
): Promise<void> {
  need(ctx, await ctx.headEnd.close(ch, at), at, extra);
}
