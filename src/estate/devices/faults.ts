// Fault injection for the simulated SMETS1 estate: rules by rate and by installation, so that every
// error code and sub-step of Appendices A, B and C can be produced on purpose (docs/S1SP-COMMISSIONING.md).
//
// A rule names an error code and optionally a sub-step, and which installations it hits: a `rate`
// (the share of installations, chosen by a seeded hash of the seed, the rule and the CHF, so the same
// seed hits the same installations whatever the order of calls) or a `chf` (that installation only).
// When a head-end call is made at the rule's error code:
//   - at the rule's sub-step (or any sub-step when the rule names none): the call fails;
//   - when the rule's sub-step is one that checks the call's result (StepRef.checkedBy): the call
//     succeeds with a plausible but wrong result (a whitelist without the device, a different serial
//     number, an Add Credit refused, a key change not applied...), so the S1SP's check fails there.
// Sub-steps that only store (e.g. A1 ET05.7) are the S1SP's own: `storeFails` answers for them, for a
// key store wrapper to use.
import { createHash } from 'node:crypto';
import type { StepRef } from '../../core/head-end/index.js';
import type { GroupId } from '../../core/ids/reference.js';

export interface FaultRule {
  /** ET01 … ET10, GT01 … GT07, DP01 (Appendix A, B or C, told apart by `groupIds` if needed). */
  errorCode: string;
  /** The sub-step that fails; absent: the first call of the error code fails. */
  subStep?: number;
  /** Share of installations hit (0..1), seeded; default 1 (every matching installation). */
  rate?: number;
  /** Only this installation (CHF Device ID). */
  chf?: string;
  /** Only installations of these GroupIDs. */
  groupIds?: readonly GroupId[];
  /** Only calls about this device (Device ID). */
  deviceId?: string;
}

export type FaultEffect = 'fail' | 'corrupt' | null;

export interface FaultPlan {
  readonly rules: readonly FaultRule[];
  /** What the rules do to a call at `at` about `deviceId` on installation `chf` of `groupId`. */
  effect(chf: string, groupId: GroupId, at: StepRef, deviceId?: string): FaultEffect;
  /** Whether a store step (an S1SP-only sub-step) at `at` fails for this installation. */
  storeFails(chf: string, groupId: GroupId, at: StepRef): boolean;
  /** The rules that hit this installation (by index), for a test to know what to expect. */
  hits(chf: string, groupId: GroupId): FaultRule[];
}

const ERROR_CODE = /^(ET(0[1-9]|10)|GT0[1-7]|DP01)$/;

/** A rule's problem in words, or null (CLI and tests validate rules before use). */
export function checkFaultRule(r: FaultRule): string | null {
  if (!ERROR_CODE.test(r.errorCode))
    return `errorCode '${r.errorCode}': expected ET01-ET10, GT01-GT07 or DP01 (Appendices A-C)`;
  if (r.subStep !== undefined && (!Number.isInteger(r.subStep) || r.subStep < 1 || r.subStep > 15))
    return `subStep ${r.subStep}: expected a whole number from 1 to 15 (the largest sub-step is A2 GT02.15)`;
  if (r.rate !== undefined && !(r.rate >= 0 && r.rate <= 1)) return `rate ${r.rate}: expected 0 to 1`;
  return null;
}

export function createFaultPlan(seed: string, rules: readonly FaultRule[] = []): FaultPlan {
  for (const r of rules) {
    const bad = checkFaultRule(r);
    if (bad) throw new RangeError(bad);
  }
  const selected = (i: number, chf: string, groupId: GroupId): boolean => {
    const r = rules[i]!;
    if (r.chf !== undefined && r.chf !== chf) return false;
    if (r.groupIds && !r.groupIds.includes(groupId)) return false;
    const rate = r.rate ?? 1;
    if (rate >= 1) return true;
    const h = createHash('sha256').update(`s1mig fault ${seed}/${i}/${chf}`).digest();
    return h.readUInt32BE(0) / 2 ** 32 < rate;
  };
  return {
    rules,
    effect(chf, groupId, at, deviceId) {
      let out: FaultEffect = null;
      rules.forEach((r, i) => {
        if (out === 'fail' || r.errorCode !== at.errorCode) return;
        if (r.deviceId !== undefined && deviceId !== undefined && r.deviceId !== deviceId) return;
        if (!selected(i, chf, groupId)) return;
        if (r.subStep === undefined || r.subStep === at.subStep) out = 'fail';
        else if (at.checkedBy?.includes(r.subStep)) out = 'corrupt';
      });
      return out;
    },
    storeFails(chf, groupId, at) {
      return rules.some(
        (r, i) =>
          r.errorCode === at.errorCode &&
          r.subStep !== undefined &&
          r.subStep === at.subStep &&
          selected(i, chf, groupId),
      );
    },
    hits(chf, groupId) {
      return rules.filter((_, i) => selected(i, chf, groupId));
    },
  };
}

/** Parse `ET05.5@0.01`, `GT01`, `ET07.12@chf=00-DB-…` (the CLI's form). */
export function parseFaultRule(text: string): FaultRule | string {
  const m = /^([A-Z]{2}\d{2})(?:\.(\d{1,2}))?(?:@(.+))?$/.exec(text.trim());
  if (!m) return `fault '${text}': expected CODE[.SUBSTEP][@RATE|@chf=DEVICE-ID], e.g. ET05.5@0.01`;
  const rule: FaultRule = { errorCode: m[1]! };
  if (m[2] !== undefined) rule.subStep = Number(m[2]);
  const where = m[3];
  if (where !== undefined) {
    if (where.startsWith('chf=')) rule.chf = where.slice(4);
    else if (/^(0|1|0?\.\d+)$/.test(where)) rule.rate = Number(where);
    else return `fault '${text}': '@${where}': expected a rate from 0 to 1 or chf=<CHF Device ID>`;
  }
  return checkFaultRule(rule) ?? rule;
}
