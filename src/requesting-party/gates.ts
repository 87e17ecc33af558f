// The Requesting Party's gates (TMAD 4.16-4.48, 5.8; MAM 3.4, 7.2.2): pure functions that decide, one
// installation at a time, whether it goes into an MCF and how. Each gate either passes (with what it
// found) or names the clause and the reason the installation is held back or refused. The builder
// (mcf-builder.ts) asks the reference data and calls these in order.
import type { SmsoDevice, SmsoInstallation } from '../core/formats/smso/inventory.js';
import type { CertificateId } from '../core/ids/certificate-id.js';
import { NULL_CERTIFICATE_ID, isNullCertificateId } from '../core/ids/certificate-id.js';
import { organisationalNumber, parseEui64 } from '../core/ids/eui64.js';
import type { DeviceType, GroupId } from '../core/ids/reference.js';
import type { MaCertificateKey } from '../core/formats/ma/fields.js';
import type { DeviceCombination, EpcEntry } from '../core/reference/registries.js';
import type { MeterStatus as InstallationMeters } from '../core/reference/rules.js';

export type { InstallationMeters };

/** Where an installation went. */
export type OutcomeKind = 'included' | 'held' | 'refused';

/** Why a gate stopped an installation: the clause and the words. */
export interface GateStop {
  ok: false;
  outcome: 'held' | 'refused';
  rule: string;
  reason: string;
}
export type GateResult<T> = ({ ok: true } & T) | GateStop;

const held = (rule: string, reason: string): GateStop => ({ ok: false, outcome: 'held', rule, reason });
const refused = (rule: string, reason: string): GateStop => ({ ok: false, outcome: 'refused', rule, reason });

/** One row of a valid Migration Authorisation received by the DCC (MAM 7.2), with its file's header. */
export interface AuthorisationRow {
  maId: number;
  line: number;
  /** The Responsible Supplier's User ID (MAM 7.2.2 header line 1). */
  userId: string;
  smso: string | null;
  /** MAM 7.2.2 header line 2 (TMAD 4.35(b)). */
  commissionedByDcc: boolean | null;
  mpan: string | null;
  mprn: string | null;
  /** The Monday `YYYY-MM-DD` of the week the row is for. */
  migrationWeek: string | null;
  /** `YYYY-MM-DD` (MAM 7.2.3 Migrate on) or null. */
  migrateOn: string | null;
  priority: boolean;
  /** The certificate IDs the row gives (absent: the field was empty). */
  certificates: Partial<Record<MaCertificateKey, CertificateId>>;
}

/** An installation of the SMSO's inventory with the MA rows that name its MPAN and MPRN. */
export interface Candidate {
  installation: SmsoInstallation;
  /** The newest MA row naming the installation's MPAN. */
  electricity?: AuthorisationRow;
  /** The newest MA row naming the installation's MPRN. */
  gas?: AuthorisationRow;
}

export const deviceOf = (i: SmsoInstallation, t: DeviceType): SmsoDevice | undefined =>
  i.devices.find((d) => d.deviceType === t);

/** MAM 3.4 (shared/spec decision): gas-only installations are out of scope; refused without an ESME. */
export function gasOnlyGate(i: SmsoInstallation): GateResult<{ esme: SmsoDevice }> {
  const esme = deviceOf(i, 'ESME');
  if (!esme)
    return refused(
      'MAM 3.4',
      'the installation has no ESME: gas-only SMETS1 Installations are not migrated (expected an ESME)',
    );
  return { ok: true, esme };
}

/** TMAD 2 Active/Dormant Meter, 3.6: all Active, all Dormant, or Mixed. */
export function metersOf(i: SmsoInstallation): InstallationMeters {
  const s = i.devices
    .filter((d) => d.deviceType === 'ESME' || d.deviceType === 'GSME')
    .map((d) => d.status ?? 'Active');
  if (s.every((x) => x === 'Active')) return 'Active';
  if (s.every((x) => x === 'Dormant')) return 'Dormant';
  return 'Mixed';
}

/** The CHF/ESME/GSME/PPMID models the EPC list matches on (TMAD 3.6; the selected PPMID, 4.34A). */
export function combinationOf(i: SmsoInstallation, ppmid: SmsoDevice | undefined): DeviceCombination {
  const m = (d: SmsoDevice) => ({
    manufacturer: d.manufacturer,
    model: d.model,
    firmwareVersion: d.firmwareVersion,
  });
  const chf = deviceOf(i, 'CHF')!;
  const esme = deviceOf(i, 'ESME')!;
  const gsme = deviceOf(i, 'GSME');
  const c: DeviceCombination = { CHF: m(chf), ESME: m(esme) };
  if (gsme) c.GSME = m(gsme);
  if (ppmid) c.PPMID = m(ppmid);
  return c;
}

/**
 * TMAD 4.16 with 3.6 and 5.2: never start an installation that matches no SMETS1 Eligible Product
 * Combination entry of its SMSO and applicability (Dormant only / Active only / either); the entry gives
 * the GroupID. `entries` are the Eligible entries matching devices, SMSO, meters and date. Where entries
 * of different GroupIDs match, the lowest Entry ID decides (docs/SPEC-DECISIONS.md).
 */
export function epcGate(
  entries: readonly EpcEntry[],
  smso: string,
  meters: InstallationMeters,
): GateResult<{ groupId: GroupId; entryId: string }> {
  if (entries.length === 0)
    return held(
      'TMAD 4.16, 3.6',
      `no SMETS1 Eligible Product Combination entry for these device models with SMSO ${smso} and ${meters} meters (expected an entry matching every characteristic)`,
    );
  const e = [...entries].sort((a, b) => (a.entryId < b.entryId ? -1 : a.entryId > b.entryId ? 1 : 0))[0]!;
  return { ok: true, groupId: e.groupId, entryId: e.entryId };
}

/** MAM 7.2.2: two User IDs with equal Organisational Numbers are one organisation (not a split site). */
export function sameOrganisation(a: string, b: string): boolean {
  const x = parseEui64(a);
  const y = parseEui64(b);
  if (!x.ok || !y.ok) return a === b;
  return organisationalNumber(x.value) === organisationalNumber(y.value);
}

export interface Authorisation {
  /** MAM 7.2.2: an electricity and a gas MA from different organisations. */
  split: boolean;
  /** The rows authorising the installation (none: dormant-only, deemed, TMAD 4.27). */
  rows: AuthorisationRow[];
  /** `YYYY-MM-DD`, or null: any day of the week (4.19: the later of two days). */
  migrateOn: string | null;
  priority: boolean;
}

/**
 * TMAD 4.17-4.19, 4.27, 4.28 and MAM 4, 7.2.2: every Active meter needs its Responsible Supplier's MA
 * (a dormant meter carries a deemed one, 4.27); a split site (the gas MA from another organisation,
 * MAM 7.2.2) with Active meters on both sides needs both MAs (MAM 4: hold); two Migrate-on days → the
 * later (4.19).
 */
export function authorisationGate(c: Candidate, meters: InstallationMeters): GateResult<Authorisation> {
  const i = c.installation;
  const esme = deviceOf(i, 'ESME');
  const gsme = deviceOf(i, 'GSME');
  const esmeActive = esme !== undefined && esme.status !== 'Dormant';
  const gsmeActive = gsme !== undefined && gsme.status !== 'Dormant';
  const e = c.electricity;
  const g = c.gas;
  const split = e !== undefined && g !== undefined && e !== g && !sameOrganisation(e.userId, g.userId);
  if (esmeActive && !e)
    return held(
      meters === 'Mixed' ? 'TMAD 4.17, 4.28' : 'TMAD 4.17',
      `no Migration Authorisation names the Active ESME's MPAN ${i.mpan ?? '(none)'}: expected one from its Responsible Supplier`,
    );
  if (gsmeActive && !g)
    return held(
      esmeActive ? 'TMAD 4.17; MAM 4 (Active-Active split supply)' : 'TMAD 4.17, 4.28',
      `no Migration Authorisation names the Active GSME's MPRN ${i.mprn ?? '(none)'}: expected one from its Responsible Supplier`,
    );
  const rows = [...new Set([e, g].filter((r): r is AuthorisationRow => r !== undefined))];
  // 4.19: the later of two Migrate-on days; the earlier MA is deemed amended.
  const days = rows.map((r) => r.migrateOn).filter((d): d is string => d !== null);
  const migrateOn = days.length === 0 ? null : days.sort().at(-1)!;
  return { ok: true, split, rows, migrateOn, priority: rows.some((r) => r.priority) };
}

/** The supplier certificate slots of an installation (Table 10.1). */
export interface SupplierCertificates {
  esmeCritical: CertificateId;
  esmeNonCritical: CertificateId;
  gpfCritical: CertificateId;
  gpfNonCritical: CertificateId;
  gsmeCritical?: CertificateId;
  gsmeNonCritical?: CertificateId;
}

/**
 * The Supplier Certificate IDs from the MAs: the ESME's from the electricity MA, the GSME's and GPF's
 * from the gas MA (MAM 7.2.3); a slot no MA fills is the Null Certificate ID (TMAD 2). Without a GSME
 * the GPF's are Null (Table 10.1 GPFDetail).
 */
export function supplierCertificates(c: Candidate, hasGsme: boolean): SupplierCertificates {
  const e = c.electricity?.certificates ?? {};
  const g = c.gas?.certificates ?? {};
  const n = NULL_CERTIFICATE_ID;
  return {
    esmeCritical: e.esmeSupplierCritical ?? n,
    esmeNonCritical: e.esmeSupplierNonCritical ?? n,
    gpfCritical: hasGsme ? (g.gpfSupplierCritical ?? n) : n,
    gpfNonCritical: hasGsme ? (g.gpfSupplierNonCritical ?? n) : n,
    ...(hasGsme
      ? { gsmeCritical: g.gsmeSupplierCritical ?? n, gsmeNonCritical: g.gsmeSupplierNonCritical ?? n }
      : {}),
  };
}

/** Every Supplier Certificate ID 5.9.10 counts (the GPF's only with a GSME), in a stable order. */
export function supplierCertificateList(s: SupplierCertificates, hasGsme: boolean): CertificateId[] {
  const out = [s.esmeCritical, s.esmeNonCritical];
  if (hasGsme) out.push(s.gpfCritical, s.gpfNonCritical, s.gsmeCritical!, s.gsmeNonCritical!);
  return out;
}

const E_GROUPS: readonly string[] = ['EA', 'EB', 'EC'];

/**
 * TMAD 4.32A: for GroupIDs EA, EB, EC an installation of only Dormant Meters proceeds only when every
 * required Supplier Certificate ID has been received and none is the Null Certificate ID (held back until
 * then; otherwise 5.9.10 rejects the whole MCF).
 */
export function dormantCertificatesGate(
  groupId: GroupId,
  meters: InstallationMeters,
  s: SupplierCertificates,
  hasGsme: boolean,
): GateResult<object> {
  if (!E_GROUPS.includes(groupId) || meters !== 'Dormant') return { ok: true };
  const missing = supplierCertificateList(s, hasGsme).filter(isNullCertificateId).length;
  if (missing > 0)
    return held(
      'TMAD 4.32A',
      `GroupID ${groupId}, only Dormant Meters: ${missing} Supplier Certificate ID(s) not yet received or the Null Certificate ID (expected all, none Null)`,
    );
  return { ok: true };
}

/**
 * TMAD 4.24A / 4.44B (shared/spec decision): GroupIDs EA and EB, devices pushing unsolicited half-hourly
 * data. Only Dormant Meters: never migrated (refused, 4.24A); an Active meter: the MA should not have
 * named it (4.44B): held back with the reason.
 */
export function unsolicitedHalfHourlyGate(
  groupId: GroupId,
  meters: InstallationMeters,
  i: SmsoInstallation,
): GateResult<object> {
  if (!i.unsolicitedHalfHourlyData || (groupId !== 'EA' && groupId !== 'EB')) return { ok: true };
  if (meters === 'Dormant')
    return refused(
      'TMAD 4.24A',
      `GroupID ${groupId}, only Dormant Meters, devices configured to send unsolicited half-hourly data: not migrated`,
    );
  return held(
    'TMAD 4.44B',
    `GroupID ${groupId}: devices configured to send unsolicited half-hourly data must not be in a Migration Authorisation (held until the SMSO reports them reconfigured)`,
  );
}

export interface DeviceSelection {
  ppmid?: SmsoDevice;
  ihd?: SmsoDevice;
  cad?: SmsoDevice;
  /** Devices left out, with why (4.34A "insufficient data", or not the most recently joined). */
  dropped: Array<{ deviceId: string; deviceType: DeviceType; reason: string }>;
}

/**
 * TMAD 4.34A, 4.44A, 16.17: at most one PPMID, one IHD and one CAD, each the most recently joined to the
 * HAN. A device without a HAN join time is insufficient data when there is more than one of its type
 * (docs/SPEC-DECISIONS.md); a lone device without one is kept.
 */
export function selectDevices(i: SmsoInstallation): DeviceSelection {
  const out: DeviceSelection = { dropped: [] };
  for (const t of ['PPMID', 'IHD', 'CAD'] as const) {
    const all = i.devices.filter((d) => d.deviceType === t);
    if (all.length === 0) continue;
    let chosen: SmsoDevice | undefined;
    if (all.length === 1) chosen = all[0];
    else {
      const known = all.filter((d) => d.hanJoinedAt !== null);
      // ISO UTC seconds: text order is time order; ties: the later line of the inventory.
      for (const d of known) if (!chosen || d.hanJoinedAt! >= chosen.hanJoinedAt!) chosen = d;
    }
    for (const d of all)
      if (d !== chosen)
        out.dropped.push({
          deviceId: d.deviceId,
          deviceType: t,
          reason:
            d.hanJoinedAt === null
              ? `TMAD 4.34A/4.44A: no HAN join time (insufficient data) among ${all.length} ${t}s`
              : `TMAD 4.34A/4.44A: ${chosen!.deviceId} joined the HAN more recently`,
        });
    if (chosen) out[t === 'PPMID' ? 'ppmid' : t === 'IHD' ? 'ihd' : 'cad'] = chosen;
  }
  return out;
}

export interface NetworkOperatorCertificates {
  critical: CertificateId;
  nonCritical: CertificateId;
  /** Whether 4.48 filled either from the distributor's latest notified IDs. */
  defaulted: boolean;
}

/**
 * TMAD 4.48: an ESME Network Operator Certificate ID the MA leaves unspecified (empty or Null) is filled
 * with the Electricity Distributor's latest notified ID (4.47), each of the pair on its own ("either or
 * both"); not for a Dormant ESME with an Active GSME, nor when the MPAN has no known distributor (or the
 * distributor notified none).
 */
export function networkOperatorDefaults(
  fromMa: { critical?: CertificateId; nonCritical?: CertificateId },
  esmeDormantWithActiveGsme: boolean,
  latest: { critical: CertificateId; nonCritical: CertificateId } | undefined,
): NetworkOperatorCertificates {
  const unspecified = (c: CertificateId | undefined) => c === undefined || isNullCertificateId(c);
  const useDefault = !esmeDormantWithActiveGsme && latest !== undefined;
  const pick = (c: CertificateId | undefined, d: CertificateId | undefined) =>
    unspecified(c) ? (useDefault ? d! : NULL_CERTIFICATE_ID) : c!;
  const critical = pick(fromMa.critical, latest?.critical);
  const nonCritical = pick(fromMa.nonCritical, latest?.nonCritical);
  const defaulted =
    useDefault && (unspecified(fromMa.critical) || unspecified(fromMa.nonCritical)) ? true : false;
  return { critical, nonCritical, defaulted };
}

/**
 * TMAD 5.8 (with 4.36): ToBeCommissionedByDCC is True unless (i) every meter is Active, (ii) the
 * Responsible Supplier(s) chose to commission themselves (MA header "Commissioned by DCC" NO), and (iii)
 * every Supplier Certificate ID belongs to one Supplier Party or its Affiliates. Any Dormant Meter: True.
 */
export function toBeCommissionedByDcc(
  meters: InstallationMeters,
  rows: readonly AuthorisationRow[],
  oneSupplierPartyOrAffiliates: boolean,
): boolean {
  if (meters !== 'Active') return true;
  if (rows.length === 0 || rows.some((r) => r.commissionedByDcc !== false)) return true;
  return !oneSupplierPartyOrAffiliates;
}

/** TMAD 4.24, 4.3: dormant-only installations first, then priority ones, then the rest (stable). */
export function migrationOrder(a: OrderKey, b: OrderKey): number {
  const rank = (k: OrderKey) => (k.meters === 'Dormant' ? 0 : k.priority ? 1 : 2);
  return rank(a) - rank(b) || (a.chfDeviceId < b.chfDeviceId ? -1 : a.chfDeviceId > b.chfDeviceId ? 1 : 0);
}
export interface OrderKey {
  meters: InstallationMeters;
  priority: boolean;
  chfDeviceId: string;
}

/** MAM 7.2.3 Migrate on: an installation due another day of the week waits for that day. */
export function migrateOnGate(migrateOn: string | null, day: string | undefined): GateResult<object> {
  if (day === undefined || migrateOn === null || migrateOn === day) return { ok: true };
  return held('MAM 7.2.3 Migrate on', `Migrate on ${migrateOn}: not migrated on ${day} (expected that day)`);
}
