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
  /** When the DCC received the MA (a stop request applies to MAs received before it, TMAD 4.23). */
  receivedAt?: Date;
}

/** An installation of the SMSO's inventory with the MA rows that name its MPAN and MPRN. */
export interface Candidate {
  installation: SmsoInstallation;
  /** The newest MA row naming the installation's MPAN. */
  electricity?: AuthorisationRow;
  /** The newest MA row naming the installation's MPRN. */
  gas?: AuthorisationRow;
  /**
   * Dormant-only installations: the Certificate IDs the Responsible Supplier(s) gave in response to the
   * Dormant Meter Migration Schedule (TMAD 4.32; MAM Table 7.4.2 columns, read like an MA row's).
   */
  dormantCertificates?: Partial<Record<MaCertificateKey, CertificateId>>;
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
  const e = c.electricity?.certificates ?? c.dormantCertificates ?? {};
  const g = c.gas?.certificates ?? c.dormantCertificates ?? {};
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

/** The GroupIDs the Affiliate provisions of TMAD 2, 4.29-4.32, 4.35, 4.38 and 4.40 exclude. */
export const AFFILIATE_EXCEPTION_GROUP_IDS: readonly GroupId[] = ['EA', 'EB', 'EC'];
const E_GROUPS: readonly string[] = AFFILIATE_EXCEPTION_GROUP_IDS;

/** What the builder found out about the MA row that names an Active GSME's MPRN. */
export interface GasAuthorisationFacts {
  groupId: GroupId;
  mprn: string;
  /** Party Signifier of the organisation that sent the row (null: its User ID is in no organisation). */
  senderParty: string | null;
  /** Registration Data: the Gas Supplier of the MPRN at the time (null: none recorded). */
  gasSupplier: string | null;
  /** The row is the electricity MA's row: that MA includes the details of the Gas Smart Metering System. */
  fromElectricityMa: boolean;
  /** TMAD 2 Affiliate: the sender and the Gas Supplier are Affiliates of one another. */
  affiliates: boolean;
}

/**
 * TMAD 4.17 with TMAD 2 "Migration Authorisation": an Active GSME needs the MA of its Responsible
 * Supplier (the Gas Supplier of Registration Data). Except for GroupIDs EA, EB, EC, the electricity
 * Responsible Supplier's MA that also gives the gas details is deemed the Gas Supplier's when the two are
 * Affiliates. A row from any other organisation is no authorisation of the gas side: held back. Where
 * the sender or the Gas Supplier is unknown the row is taken as the Responsible Supplier's (MAM 3.2;
 * TMAD 5.10.14 checks it) (docs/SPEC-DECISIONS.md).
 */
export function gasAuthorisationGate(f: GasAuthorisationFacts): GateResult<{ deemed: boolean }> {
  if (f.senderParty === null || f.gasSupplier === null || f.senderParty === f.gasSupplier)
    return { ok: true, deemed: false };
  const excepted = E_GROUPS.includes(f.groupId);
  if (f.fromElectricityMa && f.affiliates && !excepted) return { ok: true, deemed: true };
  const rule = 'TMAD 4.17; TMAD 2 Migration Authorisation';
  if (!f.fromElectricityMa)
    return held(
      rule,
      `the Migration Authorisation naming the Active GSME's MPRN ${f.mprn} is from ${f.senderParty}, not its Gas Supplier ${f.gasSupplier} (expected an MA from ${f.gasSupplier})`,
    );
  if (f.affiliates)
    return held(
      rule,
      `the electricity Migration Authorisation of ${f.senderParty} names MPRN ${f.mprn}, but for GroupID ${f.groupId} an Affiliate's authorisation is not deemed the Gas Supplier ${f.gasSupplier}'s (expected an MA from ${f.gasSupplier})`,
    );
  return held(
    rule,
    `the electricity Migration Authorisation of ${f.senderParty} names MPRN ${f.mprn}, but ${f.senderParty} is not the Gas Supplier ${f.gasSupplier} nor its Affiliate (expected an MA from ${f.gasSupplier}, or from an Affiliate of it)`,
  );
}

/**
 * TMAD 4.32A: for GroupIDs EA, EB, EC an installation of only Dormant Meters proceeds only when every
 * required Supplier Certificate ID has been received (in the response to the Dormant Meter Migration
 * Schedule, TMAD 4.32) and none is the Null Certificate ID (held back until then; otherwise 5.9.10 rejects
 * the whole MCF). `responded`: whether any response for the installation is stored.
 */
export function dormantCertificatesGate(
  groupId: GroupId,
  meters: InstallationMeters,
  s: SupplierCertificates,
  hasGsme: boolean,
  responded = true,
): GateResult<object> {
  if (!E_GROUPS.includes(groupId) || meters !== 'Dormant') return { ok: true };
  if (!responded)
    return held(
      'TMAD 4.32A',
      `GroupID ${groupId}, only Dormant Meters: no response to the Dormant Meter Migration Schedule received (expected every Supplier Certificate ID, none Null)`,
    );
  const slots: Array<[string, CertificateId | undefined]> = [
    ['ESME Critical', s.esmeCritical],
    ['ESME Non-Critical', s.esmeNonCritical],
    ...(hasGsme
      ? ([
          ['GPF Critical', s.gpfCritical],
          ['GPF Non-Critical', s.gpfNonCritical],
          ['GSME Critical', s.gsmeCritical],
          ['GSME Non-Critical', s.gsmeNonCritical],
        ] as Array<[string, CertificateId | undefined]>)
      : []),
  ];
  const missing = slots.filter(([, id]) => id === undefined || isNullCertificateId(id)).map(([k]) => k);
  if (missing.length > 0)
    return held(
      'TMAD 4.32A',
      `GroupID ${groupId}, only Dormant Meters: ${missing.length} Supplier Certificate ID(s) not yet received or the Null Certificate ID (${missing.join(', ')}; expected all, none Null)`,
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

/**
 * TMAD 4.24, 4.3: dormant-only installations first (4.24), and among those and among the rest the
 * priority-flagged ones first (4.3 "subject to 4.24"); then by CHF Device ID (stable).
 */
export function migrationRank(k: Pick<OrderKey, 'meters' | 'priority'>): number {
  return (k.meters === 'Dormant' ? 0 : 2) + (k.priority ? 0 : 1);
}
export function migrationOrder(a: OrderKey, b: OrderKey): number {
  return (
    migrationRank(a) - migrationRank(b) ||
    (a.chfDeviceId < b.chfDeviceId ? -1 : a.chfDeviceId > b.chfDeviceId ? 1 : 0)
  );
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

// ---- stop requests (TMAD 4.23, 4.23A) ------------------------------------------------------------

/** A Responsible Supplier's request not to start the Migration of an installation (TMAD 4.23, 4.23A). */
export interface StopRequest {
  id: number;
  /** The requesting Responsible Supplier's DCC User ID (its organisation: MAM 7.2.2 Organisational Number). */
  userId: string;
  /** When the request was received. */
  requestedAt: Date;
  /** The installation, by its CHF Device ID, its MPAN or its MPRN (one of them). */
  chfDeviceId: string | null;
  mpan: string | null;
  mprn: string | null;
}

/** Does the request name this installation (its CHF, MPAN or MPRN)? */
export function stopRequestNames(r: StopRequest, i: SmsoInstallation): boolean {
  return (
    (r.chfDeviceId !== null && r.chfDeviceId === i.chfDeviceId) ||
    (r.mpan !== null && r.mpan === i.mpan) ||
    (r.mprn !== null && r.mprn === i.mprn)
  );
}

/** A request naming the installation, with what the builder established about its sender. */
export interface StopRequestFacts {
  request: StopRequest;
  /** The sender is the Responsible Supplier of an Active Meter of the installation (MA or Registration Data). */
  responsibleForActiveMeter: boolean;
  /** An MA row of the sender's organisation naming the installation was received after the request. */
  reauthorised: boolean;
}

const describeStop = (r: StopRequest): string =>
  `stop request #${r.id} from ${r.userId} received ${r.requestedAt.toISOString()}`;

/**
 * TMAD 4.23 (GroupIDs other than DA) and 4.23A (DA): an installation comprising an Active Meter whose
 * Responsible Supplier asked the DCC not to start it is held back, notwithstanding the MA received
 * before the request. A request from a party that is not the Responsible Supplier of an Active Meter,
 * or one followed by a new MA of the same organisation, is not honoured (a note says why).
 */
export function stopRequestGate(
  groupId: GroupId,
  facts: readonly StopRequestFacts[],
): GateResult<{ notes: string[]; honoured: StopRequest[] }> {
  const notes: string[] = [];
  const honoured: StopRequest[] = [];
  const clause = groupId === 'DA' ? 'TMAD 4.23A' : 'TMAD 4.23';
  for (const f of facts) {
    if (!f.responsibleForActiveMeter)
      notes.push(
        `${clause}: ${describeStop(f.request)} not honoured: the sender is not the Responsible Supplier of an Active Meter of this installation`,
      );
    else if (f.reauthorised)
      notes.push(
        `${clause}: ${describeStop(f.request)} superseded by a Migration Authorisation of the same organisation received after it`,
      );
    else honoured.push(f.request);
  }
  if (honoured.length === 0) return { ok: true, notes, honoured };
  return held(
    clause,
    `${honoured.map(describeStop).join('; ')}: the Responsible Supplier asked the DCC not to start this installation (expected a Migration Authorisation received after the request)`,
  );
}

/** Two due days are the same day; null is any day of the Migration Week (no Migrate on). */
export const sameDueDay = (a: string | null, b: string | null): boolean =>
  a === null || b === null || a === b;

/** An installation stopped by a DA stop request (TMAD 4.23A), with its due day. */
export interface DaStop {
  request: StopRequest;
  chfDeviceId: string;
  due: string | null;
}

/**
 * TMAD 4.23A: a stop request for a GroupID DA installation halts every not-yet-started DA installation
 * contained in any MA received from that Responsible Supplier (before the request) that is due on the
 * same day (docs/SPEC-DECISIONS.md: DA installations only; no Migrate on = any day of the week).
 */
export function daSameDayGate(
  groupId: GroupId,
  due: string | null,
  rows: readonly AuthorisationRow[],
  stops: readonly DaStop[],
): GateResult<object> {
  if (groupId !== 'DA') return { ok: true };
  const hit = stops.filter(
    (s) =>
      sameDueDay(due, s.due) &&
      rows.some(
        (r) =>
          sameOrganisation(r.userId, s.request.userId) &&
          (r.receivedAt === undefined || r.receivedAt <= s.request.requestedAt),
      ),
  );
  if (hit.length === 0) return { ok: true };
  return held(
    'TMAD 4.23A',
    `${hit.map((s) => `${describeStop(s.request)} for DA installation ${s.chfDeviceId}${s.due ? ` due ${s.due}` : ''}`).join('; ')}: no DA installation of that Responsible Supplier's Migration Authorisations due the same day${due ? ` (${due})` : ''} is started`,
  );
}

// ---- dormant responses (TMAD 4.32, 4.32A) --------------------------------------------------------

/** A stored response row to the Dormant Meter Migration Schedule (src/core/formats/dormant). */
export interface DormantResponseRow {
  id: number;
  chfDeviceId: string;
  priority: boolean;
  /** MAM Table 7.4.2 certificate column → value (the columns given). */
  certificates: Record<string, string>;
  onTime: boolean;
}

/** What the responses say for one installation: the certificate columns and the priority flag. */
export interface DormantResponse {
  priority: boolean;
  certificates: Record<string, string>;
  /** The ids of the rows it was taken from. */
  rows: number[];
}

/**
 * TMAD 4.32, MAM 6: the responses in force for each installation. Both Responsible Suppliers of a split
 * site may respond, each for its own meter: per certificate column the value of the latest on-time row
 * that gives it (a late row only where no on-time one does, 4.32 "may use"); priority if any row in force
 * flags it (docs/SPEC-DECISIONS.md).
 */
export function dormantResponsesByChf(rows: Iterable<DormantResponseRow>): Map<string, DormantResponse> {
  const byChf = new Map<string, DormantResponseRow[]>();
  for (const r of rows) byChf.set(r.chfDeviceId, [...(byChf.get(r.chfDeviceId) ?? []), r]);
  const out = new Map<string, DormantResponse>();
  for (const [chf, list] of byChf) {
    const onTime = list.filter((r) => r.onTime);
    const inForce = onTime.length > 0 ? onTime : list;
    // Later rows first within on-time, then late rows (only for columns no on-time row gives).
    const order = [
      ...[...onTime].sort((a, b) => b.id - a.id),
      ...list.filter((r) => !r.onTime).sort((a, b) => b.id - a.id),
    ];
    const certificates: Record<string, string> = {};
    const used = new Set<number>();
    for (const r of order)
      for (const [k, v] of Object.entries(r.certificates))
        if (v !== '' && certificates[k] === undefined) {
          certificates[k] = v;
          used.add(r.id);
        }
    for (const r of inForce) used.add(r.id);
    out.set(chf, {
      priority: inForce.some((r) => r.priority),
      certificates,
      rows: [...used].sort((a, b) => a - b),
    });
  }
  return out;
}
