// The look-up rules of the reference data, pure (the store finds the candidate entries, these decide).
import type { CertificateId } from '../ids/certificate-id.js';
import type { GroupId } from '../ids/reference.js';
import { parseRefDate } from './columns.js';
import { commonNameOf } from './certificates.js';
import {
  COMBINATION_SLOTS,
  type Applicability,
  type DeviceCombination,
  type DeviceModel,
  type EpcEntry,
  type EpcList,
  type GroupKeyEntry,
  type GroupModelEntry,
  type NetworkOperatorIdsEntry,
  type RegistrationEntry,
  type RegistrationRole,
  combinationKey,
} from './registries.js';

const DAY_MS = 86_400_000;

/** [start, end) of a period given by reference-data dates (an end day is inclusive; no end: open). */
export function period(from: string, to: string | null): { start: number; end: number } {
  return {
    start: parseRefDate(from)!.start.getTime(),
    end: to === null ? Number.POSITIVE_INFINITY : parseRefDate(to)!.endExclusive.getTime(),
  };
}

const inPeriod = (p: { start: number; end: number }, t: number): boolean => p.start <= t && t < p.end;

/**
 * The party registered in `role` for the meter point at instant t (TMAD 5.10.9, 5.10.12, 5.10.14,
 * 5.10.17), or null. Where periods overlap (a future-dated change recorded before the old period was
 * closed) the period that started last wins.
 */
export function registeredPartyAt(
  entries: readonly RegistrationEntry[],
  role: RegistrationRole,
  t: Date,
): string | null {
  let best: { start: number; party: string } | null = null;
  for (const e of entries) {
    if (e.role !== role) continue;
    const p = period(e.effectiveFrom, e.effectiveTo);
    if (inPeriod(p, t.getTime()) && (best === null || p.start >= best.start))
      best = { start: p.start, party: e.party };
  }
  return best?.party ?? null;
}

export interface RegistrationChange {
  /** The instant the registered party changes. */
  at: Date;
  from: string | null;
  to: string | null;
}

/**
 * Every change of the party registered in `role` within (t, t + days] (TMAD 5.10.10 and 5.10.15: "any
 * change ... within the next 14 days"), in time order; [] when the party stays the same. A period that
 * ends without a successor counts as a change to null (no registered party).
 */
export function registrationChangesWithin(
  entries: readonly RegistrationEntry[],
  role: RegistrationRole,
  t: Date,
  days: number,
): RegistrationChange[] {
  const lo = t.getTime();
  const hi = lo + days * DAY_MS;
  const instants = new Set<number>();
  for (const e of entries) {
    if (e.role !== role) continue;
    const p = period(e.effectiveFrom, e.effectiveTo);
    if (p.start > lo && p.start <= hi) instants.add(p.start);
    if (p.end > lo && p.end <= hi) instants.add(p.end);
  }
  const out: RegistrationChange[] = [];
  let current = registeredPartyAt(entries, role, t);
  for (const at of [...instants].sort((a, b) => a - b)) {
    const next = registeredPartyAt(entries, role, new Date(at));
    if (next !== current) out.push({ at: new Date(at), from: current, to: next });
    current = next;
  }
  return out;
}

/** TMAD 4.48: the IDs the distributor notified last at or before t (4.47 keeps every notification). */
export function latestNotifiedAt(
  entries: readonly NetworkOperatorIdsEntry[],
  t: Date,
): NetworkOperatorIdsEntry | null {
  let best: { at: number; e: NetworkOperatorIdsEntry } | null = null;
  for (const e of entries) {
    const at = parseRefDate(e.notifiedAt)!.start.getTime();
    if (at <= t.getTime() && (best === null || at >= best.at)) best = { at, e };
  }
  return best?.e ?? null;
}

/** TMAD 5.1(a)(ii): a group public key may be used only within its inclusive start and end dates. */
export function groupKeyUsableAt(e: GroupKeyEntry, t: Date): boolean {
  return inPeriod(period(e.validFrom, e.validTo), t.getTime());
}

export function sameDeviceModel(listed: DeviceModel, device: DeviceModel): boolean {
  return (
    listed.manufacturer === device.manufacturer &&
    listed.model === device.model &&
    (listed.firmwareVersion === null || listed.firmwareVersion === device.firmwareVersion)
  );
}

/**
 * A listed combination matches an installation's devices when every slot matches: a listed model
 * (firmware empty = any firmware) equals the device's, and a slot the list leaves empty matches only an
 * installation without that device (exact match: docs/SPEC-DECISIONS.md, TMAD 5.10.3 "if present").
 */
export function combinationMatches(listed: DeviceCombination, devices: DeviceCombination): boolean {
  for (const slot of COMBINATION_SLOTS) {
    const l = listed[slot];
    const d = devices[slot];
    if (!l || !d) {
      if (l || d) return false;
      continue;
    }
    if (!sameDeviceModel(l, d)) return false;
  }
  return true;
}

/** The meters of an installation (TMAD 3.6): all Active, all Dormant, or some of each. */
export type MeterStatus = 'Active' | 'Dormant' | 'Mixed';

/** TMAD 3.6 (i)-(iii). */
export function applicabilityAllows(a: Applicability, meters: MeterStatus): boolean {
  if (a === 'Either') return true;
  return (a === 'ActiveOnly' && meters === 'Active') || (a === 'DormantOnly' && meters === 'Dormant');
}

export interface CombinationQuery {
  devices: DeviceCombination;
  /** TMAD 5.10.3: the file's GroupID. */
  groupId?: GroupId;
  /** TMAD 3.6 / 4.16: the SMSO and the meters' status must match too. */
  smso?: string;
  meters?: MeterStatus;
  /** Only entries on the list at this instant (Entry Date to Removal Date). */
  at?: Date;
  /** Default: Eligible. */
  list?: EpcList;
}

/** TMAD 3.6, 4.16, 5.10.3: does the EPC entry match all the characteristics asked for? */
export function epcEntryMatches(e: EpcEntry, q: CombinationQuery): boolean {
  if (e.list !== (q.list ?? 'Eligible')) return false;
  if (q.groupId !== undefined && e.groupId !== q.groupId) return false;
  if (q.smso !== undefined && e.smso !== q.smso) return false;
  if (q.meters !== undefined && !applicabilityAllows(e.applicability, q.meters)) return false;
  if (q.at !== undefined && !inPeriod(period(e.entryDate, e.removalDate), q.at.getTime())) return false;
  return combinationMatches(e.devices, q.devices);
}

/** A disagreement between the Group Device Model Combination List and the EPC list (TMAD 2 definition). */
export interface ListDisagreement {
  message: string;
  groupId: GroupId;
  combination: string;
}

/**
 * TMAD 2: the Group Device Model Combination List holds combinations that are EPC entries. Reports each
 * group combination with no EPC entry (Eligible or Pending) of that GroupID and those models, and each
 * EPC entry whose combination is on no group list of its GroupID.
 */
export function compareGroupModelsWithEpc(
  groups: readonly GroupModelEntry[],
  epcEntries: readonly EpcEntry[],
): ListDisagreement[] {
  const out: ListDisagreement[] = [];
  const epcKeys = new Set(epcEntries.map((e) => `${e.groupId}#${combinationKey(e.devices)}`));
  const groupKeys = new Set(groups.map((g) => `${g.groupId}#${combinationKey(g.devices)}`));
  for (const g of groups) {
    const k = `${g.groupId}#${combinationKey(g.devices)}`;
    if (!epcKeys.has(k))
      out.push({
        groupId: g.groupId,
        combination: combinationKey(g.devices),
        message: `Group ${g.groupId} lists ${combinationKey(g.devices)}, which is on no EPC entry with GroupID ${g.groupId}`,
      });
  }
  const reported = new Set<string>();
  for (const e of epcEntries) {
    const k = `${e.groupId}#${combinationKey(e.devices)}`;
    if (!groupKeys.has(k) && !reported.has(k)) {
      reported.add(k);
      out.push({
        groupId: e.groupId,
        combination: combinationKey(e.devices),
        message: `EPC entry ${e.entryId} (GroupID ${e.groupId}, ${combinationKey(e.devices)}) is not on the Group Device Model Combination List`,
      });
    }
  }
  return out;
}

/** Certificate IDs match by serial number and issuer CN (the issuer's other attributes may be written differently). */
export function certificateIdMatches(stored: CertificateId, wanted: CertificateId): boolean {
  if (stored.serialNumber !== wanted.serialNumber) return false;
  const a = commonNameOf(stored.issuerName);
  const b = commonNameOf(wanted.issuerName);
  return a !== null && a === b;
}
