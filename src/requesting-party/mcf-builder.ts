// The Requesting Party's MCF building (TMAD 4.16-4.48, 5.6, 5.8, 10.2): from the valid Migration
// Authorisations of a Migration Week, the SMSO's inventory and the reference data, the McfInstallation
// lists per GroupID and Supplier Party (one MCF each, TMAD 2 "Supplier Signifier", 5.9.10), and a recorded
// outcome with the clause for every installation held back or refused. Writing and signing the files is
// mcf-files.ts.
import type { SmsoDevice, SmsoInstallation } from '../core/formats/smso/inventory.js';
import type { DeviceWithoutCertificates, McfInstallation } from '../core/formats/migration-files/types.js';
import { MA_CERTIFICATE_KEYS, certificateFields, type MaCertificateKey } from '../core/formats/ma/fields.js';
import {
  NULL_CERTIFICATE_ID,
  certificateIdKey,
  isNullCertificateId,
  type CertificateId,
} from '../core/ids/certificate-id.js';
import type { GroupId } from '../core/ids/reference.js';
import type { ReferenceData } from '../core/reference/reference-data.js';
import type { ReceivedMaRow, ReceivedMaSummary } from '../store/types.js';
import {
  authorisationGate,
  combinationOf,
  daSameDayGate,
  deviceOf,
  dormantCertificatesGate,
  dormantResponsesByChf,
  gasAuthorisationGate,
  migrationRank,
  sameOrganisation,
  stopRequestGate,
  stopRequestNames,
  epcGate,
  gasOnlyGate,
  metersOf,
  migrateOnGate,
  migrationOrder,
  networkOperatorDefaults,
  selectDevices,
  supplierCertificateList,
  supplierCertificates,
  toBeCommissionedByDcc,
  unsolicitedHalfHourlyGate,
  type AuthorisationRow,
  type Candidate,
  type DaStop,
  type DormantResponseRow,
  type GateStop,
  type StopRequest,
  type StopRequestFacts,
  type InstallationMeters,
  type OutcomeKind,
} from './gates.js';

/** One installation's outcome (recorded in the store, migration 007). */
export interface InstallationOutcome {
  chfDeviceId: string;
  mpan: string | null;
  mprn: string | null;
  outcome: OutcomeKind;
  /** The clause of the gate that held it back or refused it (null when included). */
  rule: string | null;
  reason: string | null;
  groupId: GroupId | null;
  meters: InstallationMeters | null;
  migrateOn: string | null;
  /** What was decided on the way (devices left out, 4.48 defaults, 4.19 day). */
  notes: string[];
  /** Index into McfPlan.mcfs when included. */
  mcf: number | null;
}

/** One MCF to write: GroupID, Supplier Party, file-level flag and day are the same for each entry. */
export interface PlannedMcf {
  groupId: GroupId;
  /** The Supplier Party of its Supplier Certificate IDs ('' when any is Null; 'A+B' for a split site). */
  supplierParty: string;
  /** TMAD 2 Supplier Signifier: '' if any Supplier Certificate ID is Null. */
  supplierSignifier: string;
  toBeCommissionedByDcc: boolean;
  /** The Migrate-on day every installation shares, or null (any day of the week). */
  migrateOn: string | null;
  /** In migration order (TMAD 4.24, 4.3). */
  installations: McfInstallation[];
}

export interface McfPlan {
  week: string;
  smso: string;
  mcfs: PlannedMcf[];
  outcomes: InstallationOutcome[];
}

export interface BuildMcfInput {
  /** The Migration Week: its Monday, YYYY-MM-DD. */
  week: string;
  /** Only this day of the week (YYYY-MM-DD): installations due on another day are held (MAM 7.2.3). */
  day?: string;
  smso: string;
  inventory: Iterable<SmsoInstallation>;
  authorisations: Iterable<AuthorisationRow>;
  reference: ReferenceData;
  /** The time the reference data is read at (registration, EPC dates, 4.48 notifications). */
  at: Date;
  /** The Responsible Suppliers' stop requests (TMAD 4.23, 4.23A). */
  stopRequests?: Iterable<StopRequest>;
  /** The week's responses to the Dormant Meter Migration Schedule (TMAD 4.32, 4.32A; migration 008). */
  dormantResponses?: Iterable<DormantResponseRow>;
}

/** The certificate IDs an MA row gives (MAM Table 7.2.3; `0`/`NULL` is the Null Certificate ID). */
export function maRowCertificates(
  fields: Readonly<Record<string, string>>,
): Partial<Record<MaCertificateKey, CertificateId>> {
  const out: Partial<Record<MaCertificateKey, CertificateId>> = {};
  for (const k of MA_CERTIFICATE_KEYS) {
    const [sf, nf] = certificateFields(k);
    const s = (fields[sf] ?? '').trim();
    const n = (fields[nf] ?? '').trim();
    if (s === '') continue;
    const serial = s.replace(/^0+(?=\d)/, '');
    out[k] = serial === '0' && n === 'NULL' ? NULL_CERTIFICATE_ID : { serialNumber: serial, issuerName: n };
  }
  return out;
}

/** A stored MA row with its receipt's header, as the gates read it. */
export function authorisationRowOf(ma: ReceivedMaSummary, r: ReceivedMaRow): AuthorisationRow {
  return {
    maId: ma.id,
    line: r.line,
    userId: ma.userId,
    smso: ma.smsoCode,
    commissionedByDcc: ma.commissionedByDcc,
    mpan: r.mpan,
    mprn: r.mprn,
    migrationWeek: r.migrationWeek,
    migrateOn: r.migrateOn,
    priority: r.priority,
    certificates: maRowCertificates(r.fields),
    receivedAt: ma.receivedAt,
  };
}

const DEVICE_DETAIL = (d: SmsoDevice): DeviceWithoutCertificates => ({
  deviceId: d.deviceId,
  deviceDetail: {
    firmwareVersion: d.firmwareVersion,
    deviceModel: d.model,
    deviceManufacturer: d.manufacturer,
    deviceType: d.deviceType,
  },
});

/** Later MA (higher receipt id), then later line, wins for the same MPxN (a re-sent MA replaces). */
const newer = (a: AuthorisationRow | undefined, b: AuthorisationRow): AuthorisationRow =>
  !a || b.maId > a.maId || (b.maId === a.maId && b.line > a.line) ? b : a;

/** The ESME variant the MCF carries (DUIS variant; the SMSO inventory does not state it). */
export const DEFAULT_ESME_VARIANT = 'A';

/**
 * The inventory, 400 installations at a time, with the registrations of their MPAN and MPRN read in one
 * go before each window (when the reference data can): the gates' look-ups by MPxN (TMAD 4.17, 4.48)
 * then need no round trip per installation.
 */
async function* withRegistrationsPrefetched(
  inventory: Iterable<SmsoInstallation>,
  ref: ReferenceData,
): AsyncGenerator<SmsoInstallation> {
  if (!ref.prefetchRegistrations) {
    yield* inventory;
    return;
  }
  let window: SmsoInstallation[] = [];
  const flush = async (): Promise<SmsoInstallation[]> => {
    const mpxns: string[] = [];
    for (const i of window) {
      if (i.mpan !== null) mpxns.push(i.mpan);
      if (i.mprn !== null) mpxns.push(i.mprn);
    }
    await ref.prefetchRegistrations!(mpxns);
    const out = window;
    window = [];
    return out;
  };
  try {
    for (const inst of inventory) {
      window.push(inst);
      if (window.length >= 400) yield* await flush();
    }
    if (window.length) yield* await flush();
  } finally {
    await ref.prefetchRegistrations([]); // nothing kept after the build
  }
}

export async function buildMigrationCommonFiles(input: BuildMcfInput): Promise<McfPlan> {
  const { reference: ref, at, smso, week } = input;
  // The week's authorisations for this SMSO, indexed by MPAN and MPRN.
  const byMpan = new Map<string, AuthorisationRow>();
  const byMprn = new Map<string, AuthorisationRow>();
  // Every row naming an MPRN, newest first: the Gas Supplier's own may be older than another's (TMAD 4.17).
  const allByMprn = new Map<string, AuthorisationRow[]>();
  for (const r of input.authorisations) {
    if (r.smso !== null && r.smso !== smso) continue;
    if (r.migrationWeek !== week) continue;
    if (r.mpan !== null) byMpan.set(r.mpan, newer(byMpan.get(r.mpan), r));
    if (r.mprn !== null) {
      byMprn.set(r.mprn, newer(byMprn.get(r.mprn), r));
      const list = allByMprn.get(r.mprn);
      if (list) list.push(r);
      else allByMprn.set(r.mprn, [r]);
    }
  }
  for (const list of allByMprn.values()) list.sort((a, b) => b.maId - a.maId || b.line - a.line);
  const stopRequests = [...(input.stopRequests ?? [])];
  const dormantResponses = dormantResponsesByChf(input.dormantResponses ?? []);
  const senderCache = new Map<string, string | null>();
  const senderParty = async (userId: string): Promise<string | null> => {
    if (!senderCache.has(userId))
      senderCache.set(userId, (await ref.partyOfUserId(userId))?.partySignifier ?? null);
    return senderCache.get(userId)!;
  };

  const partyCache = new Map<string, string | null>();
  const partyOfCertificate = async (id: CertificateId): Promise<string | null> => {
    const k = certificateIdKey(id);
    if (partyCache.has(k)) return partyCache.get(k)!;
    const cert = await ref.certificate(id);
    let party: string | null = null;
    if (cert?.entityId) party = (await ref.partyOfUserId(cert.entityId))?.partySignifier ?? cert.entityId;
    partyCache.set(k, party);
    return party;
  };
  // Affiliation (TMAD 2 Affiliate) of two parties, looked up once per pair per run.
  const affiliateCache = new Map<string, boolean>();
  const areAffiliates = async (a: string, b: string): Promise<boolean> => {
    const k = `${a}\0${b}`;
    let v = affiliateCache.get(k);
    if (v === undefined) affiliateCache.set(k, (v = await ref.areAffiliates(a, b)));
    return v;
  };
  const noCache = new Map<string, { critical: CertificateId; nonCritical: CertificateId } | undefined>();
  const latestNoIds = async (mpan: string) => {
    const dist = await ref.electricityDistributorAt(mpan, at);
    if (dist === null) return undefined;
    if (!noCache.has(dist)) {
      const e = await ref.latestNetworkOperatorCertificateIds(dist, at);
      noCache.set(dist, e ? { critical: e.critical, nonCritical: e.nonCritical } : undefined);
    }
    return noCache.get(dist);
  };

  // TMAD 4.16, 3.6: the EPC entries of each model combination, looked up once per run (same SMSO and time).
  const epcCache = new Map<string, Awaited<ReturnType<ReferenceData['eligibleCombinations']>>>();

  const outcomes: InstallationOutcome[] = [];
  interface Entry {
    key: string;
    groupId: GroupId;
    due: string | null;
    rows: AuthorisationRow[];
    mcf: Omit<PlannedMcf, 'installations'>;
    order: { meters: InstallationMeters; priority: boolean; chfDeviceId: string };
    installation: McfInstallation;
    outcome: InstallationOutcome;
  }
  const entries: Entry[] = [];
  const daStops: DaStop[] = [];

  for await (const inst of withRegistrationsPrefetched(input.inventory, ref)) {
    const o: InstallationOutcome = {
      chfDeviceId: inst.chfDeviceId,
      mpan: inst.mpan,
      mprn: inst.mprn,
      outcome: 'included',
      rule: null,
      reason: null,
      groupId: null,
      meters: null,
      migrateOn: null,
      notes: [],
      mcf: null,
    };
    outcomes.push(o);
    const stop = (s: GateStop): void => {
      o.outcome = s.outcome;
      o.rule = s.rule;
      o.reason = s.reason;
    };
    const c: Candidate = {
      installation: inst,
      ...(inst.mpan !== null && byMpan.has(inst.mpan) ? { electricity: byMpan.get(inst.mpan)! } : {}),
      ...(inst.mprn !== null && byMprn.has(inst.mprn) ? { gas: byMprn.get(inst.mprn)! } : {}),
    };
    const response = dormantResponses.get(inst.chfDeviceId);
    const esmeGate = gasOnlyGate(inst);
    if (!esmeGate.ok) {
      stop(esmeGate);
      continue;
    }
    const esme = esmeGate.esme;
    const meters = metersOf(inst);
    o.meters = meters;
    const devices = selectDevices(inst);
    for (const d of devices.dropped) o.notes.push(`${d.deviceType} ${d.deviceId} left out: ${d.reason}`);
    const combination = combinationOf(inst, devices.ppmid);
    const epcKey = JSON.stringify([combination, meters]);
    let eligible = epcCache.get(epcKey);
    if (!eligible)
      epcCache.set(
        epcKey,
        (eligible = await ref.eligibleCombinations({ devices: combination, smso, meters, at })),
      );
    const epc = epcGate(eligible, smso, meters);
    if (!epc.ok) {
      stop(epc);
      continue;
    }
    o.groupId = epc.groupId;
    // TMAD 4.17, TMAD 2 Migration Authorisation: the row naming an Active GSME's MPRN must be its Gas
    // Supplier's, or (not EA/EB/EC) the electricity MA of an Affiliate that gives the gas details.
    const gsmeOf = deviceOf(inst, 'GSME');
    if (gsmeOf && gsmeOf.status !== 'Dormant' && inst.mprn !== null && allByMprn.has(inst.mprn)) {
      const gasSupplier = await ref.gasSupplierAt(inst.mprn, at);
      let first: GateStop | undefined;
      let chosen: AuthorisationRow | undefined;
      for (const r of allByMprn.get(inst.mprn)!) {
        const sender = await senderParty(r.userId);
        const fromElectricityMa = r.mpan !== null && r.mpan === inst.mpan;
        const g = gasAuthorisationGate({
          groupId: epc.groupId,
          mprn: inst.mprn,
          senderParty: sender,
          gasSupplier,
          fromElectricityMa,
          affiliates:
            sender !== null && gasSupplier !== null ? await areAffiliates(sender, gasSupplier) : false,
        });
        if (g.ok) {
          chosen = r;
          if (g.deemed)
            o.notes.push(
              `TMAD 2 Migration Authorisation: the electricity MA of ${sender} (line ${r.line}) is deemed the authorisation of its Affiliate, the Gas Supplier ${gasSupplier}`,
            );
          break;
        }
        first ??= g;
      }
      if (!chosen) {
        stop(first!);
        continue;
      }
      c.gas = chosen;
    }
    const auth = authorisationGate(c, meters);
    if (!auth.ok) {
      stop(auth);
      continue;
    }
    if (auth.split) o.notes.push('MAM 7.2.2: split supply (electricity and gas MAs from two organisations)');
    if (
      c.electricity &&
      c.gas &&
      c.electricity !== c.gas &&
      c.electricity.migrateOn !== c.gas.migrateOn &&
      c.electricity.migrateOn !== null &&
      c.gas.migrateOn !== null
    )
      o.notes.push(`TMAD 4.19: two Migrate-on days, the later ${auth.migrateOn} is used`);
    o.migrateOn = auth.migrateOn;
    // TMAD 4.23, 4.23A: the Responsible Supplier's stop requests for this installation.
    const naming = stopRequests.filter((r) => stopRequestNames(r, inst));
    if (naming.length > 0) {
      const facts: StopRequestFacts[] = [];
      for (const request of naming)
        facts.push({
          request,
          responsibleForActiveMeter: await responsibleForActiveMeter(request, inst, c),
          reauthorised: auth.rows.some(
            (r) =>
              sameOrganisation(r.userId, request.userId) &&
              r.receivedAt !== undefined &&
              r.receivedAt > request.requestedAt,
          ),
        });
      const sg = stopRequestGate(epc.groupId, facts);
      if (!sg.ok) {
        stop(sg);
        if (epc.groupId === 'DA')
          for (const request of facts.filter((f) => f.responsibleForActiveMeter && !f.reauthorised))
            daStops.push({
              request: request.request,
              chfDeviceId: inst.chfDeviceId,
              due: input.day ?? auth.migrateOn,
            });
        continue;
      }
      o.notes.push(...sg.notes);
    }
    const hh = unsolicitedHalfHourlyGate(epc.groupId, meters, inst);
    if (!hh.ok) {
      stop(hh);
      continue;
    }
    const gsme = deviceOf(inst, 'GSME');
    const gpf = deviceOf(inst, 'GPF');
    if (!gpf) {
      // TMAD 2 SMETS1 Installation / Table 10.1: every MCF installation has a GPFDetail; no Device ID is invented.
      stop({
        ok: false,
        outcome: 'held',
        rule: 'TMAD 2 SMETS1 Installation; Table 10.1 GPFDetail',
        reason:
          "the SMSO's inventory lists no GPF for this installation (expected one: every MCF installation has a GPFDetail)",
      });
      continue;
    }
    const hasGsme = gsme !== undefined;
    // TMAD 4.32: a dormant-only installation's Certificate IDs come from the response to the schedule.
    if (meters === 'Dormant' && response) {
      c.dormantCertificates = maRowCertificates(response.certificates);
      o.notes.push(
        `TMAD 4.32: Certificate IDs${response.priority ? ' and priority' : ''} from the response to the Dormant Meter Migration Schedule (row ${response.rows.join(', ')})`,
      );
    }
    const sc = supplierCertificates(c, hasGsme);
    const dormant = dormantCertificatesGate(epc.groupId, meters, sc, hasGsme, response !== undefined);
    if (!dormant.ok) {
      stop(dormant);
      continue;
    }
    const day = migrateOnGate(auth.migrateOn, input.day);
    if (!day.ok) {
      stop(day);
      continue;
    }
    // Supplier Party of every Supplier Certificate ID (TMAD 5.9.10, TMAD 2 Supplier Signifier).
    const list = supplierCertificateList(sc, hasGsme);
    const parties: string[] = [];
    let unknown: CertificateId | undefined;
    let anyNull = false;
    for (const id of list) {
      if (isNullCertificateId(id)) {
        anyNull = true;
        continue;
      }
      const p = await partyOfCertificate(id);
      if (p === null) unknown ??= id;
      else if (!parties.includes(p)) parties.push(p);
    }
    if (unknown) {
      stop({
        ok: false,
        outcome: 'held',
        rule: 'TMAD 5.9.10',
        reason: `Supplier Certificate ID (serial ${unknown.serialNumber}, issuer '${unknown.issuerName}') is not a known Organisation Certificate with a User ID (expected one in the reference data)`,
      });
      continue;
    }
    let affiliated = !anyNull && parties.length > 0;
    for (let a = 1; affiliated && a < parties.length; a++)
      affiliated = await areAffiliates(parties[0]!, parties[a]!);
    const flag = toBeCommissionedByDcc(meters, auth.rows, affiliated);
    // TMAD 4.48: ESME Network Operator Certificate IDs.
    const e = c.electricity?.certificates ?? c.dormantCertificates ?? {};
    const g = c.gas?.certificates ?? c.dormantCertificates ?? {};
    const latest = inst.mpan !== null ? await latestNoIds(inst.mpan) : undefined;
    const esmeDormantWithActiveGsme =
      esme.status === 'Dormant' && gsme !== undefined && gsme.status !== 'Dormant';
    const no = networkOperatorDefaults(
      {
        ...(e.esmeNetworkOperatorCritical ? { critical: e.esmeNetworkOperatorCritical } : {}),
        ...(e.esmeNetworkOperatorNonCritical ? { nonCritical: e.esmeNetworkOperatorNonCritical } : {}),
      },
      esmeDormantWithActiveGsme,
      latest,
    );
    if (no.defaulted)
      o.notes.push(
        "TMAD 4.48: ESME Network Operator Certificate ID(s) from the distributor's latest notification",
      );
    const chf = deviceOf(inst, 'CHF')!;
    const n = NULL_CERTIFICATE_ID;
    const mcfInst: McfInstallation = {
      chfDetail: DEVICE_DETAIL(chf),
      gpfDetail: {
        ...DEVICE_DETAIL(gpf),
        criticalSupplierCertificateId: sc.gpfCritical,
        nonCriticalSupplierCertificateId: sc.gpfNonCritical,
        criticalNetworkOperatorCertificateId: hasGsme ? (g.gpfNetworkOperatorCritical ?? n) : n,
        nonCriticalNetworkOperatorCertificateId: hasGsme ? (g.gpfNetworkOperatorNonCritical ?? n) : n,
      },
      esmeDetail: {
        ...DEVICE_DETAIL(esme),
        esmeVariant: DEFAULT_ESME_VARIANT,
        importMpan: inst.mpan ?? '',
        criticalSupplierCertificateId: sc.esmeCritical,
        nonCriticalSupplierCertificateId: sc.esmeNonCritical,
        criticalNetworkOperatorCertificateId: no.critical,
        nonCriticalNetworkOperatorCertificateId: no.nonCritical,
      },
      ...(gsme
        ? {
            gsmeDetail: {
              ...DEVICE_DETAIL(gsme),
              mprn: inst.mprn ?? '',
              criticalSupplierCertificateId: sc.gsmeCritical!,
              nonCriticalSupplierCertificateId: sc.gsmeNonCritical!,
            },
          }
        : {}),
      ...(devices.ppmid ? { ppmidDetail: DEVICE_DETAIL(devices.ppmid) } : {}),
      ...(devices.ihd ? { ihdDetail: DEVICE_DETAIL(devices.ihd) } : {}),
      ...(devices.cad ? { cadDetail: DEVICE_DETAIL(devices.cad) } : {}),
    };
    const supplierParty = anyNull ? '' : [...parties].sort().join('+');
    const supplierSignifier = anyNull ? '' : parties[0]!;
    const migrateOn = input.day ?? auth.migrateOn;
    const key = [epc.groupId, supplierParty, flag ? 'T' : 'F', migrateOn ?? ''].join('|');
    entries.push({
      key,
      groupId: epc.groupId,
      due: input.day ?? auth.migrateOn,
      rows: auth.rows,
      mcf: {
        groupId: epc.groupId,
        supplierParty,
        supplierSignifier,
        toBeCommissionedByDcc: flag,
        migrateOn,
      },
      order: {
        meters,
        priority: auth.priority || (meters === 'Dormant' && response?.priority === true),
        chfDeviceId: inst.chfDeviceId,
      },
      installation: mcfInst,
      outcome: o,
    });
  }

  // TMAD 4.23A: a DA stop request halts the same Responsible Supplier's DA installations due that day.
  const started: Entry[] = [];
  for (const e of entries) {
    const g = daSameDayGate(e.groupId, e.due, e.rows, daStops);
    if (g.ok) started.push(e);
    else {
      e.outcome.outcome = g.outcome;
      e.outcome.rule = g.rule;
      e.outcome.reason = g.reason;
    }
  }

  // One MCF per key; within a file dormant-only first, then priority, then the rest (4.24, 4.3); files
  // in the order of their first installation (so a file with dormant-only ones comes first), then by key.
  started.sort((a, b) => migrationOrder(a.order, b.order));
  const groups = new Map<string, Entry[]>();
  for (const e of started) {
    const list = groups.get(e.key);
    if (list) list.push(e);
    else groups.set(e.key, [e]);
  }
  const ordered = [...groups.entries()].sort(([ka, a], [kb, b]) => {
    return migrationRank(a[0]!.order) - migrationRank(b[0]!.order) || (ka < kb ? -1 : ka > kb ? 1 : 0);
  });
  const mcfs: PlannedMcf[] = [];
  for (const [, list] of ordered) {
    const index = mcfs.length;
    mcfs.push({ ...list[0]!.mcf, installations: list.map((e) => e.installation) });
    for (const e of list) e.outcome.mcf = index;
  }
  return { week, smso, mcfs, outcomes };

  /** TMAD 4.23: is the sender the Responsible Supplier of an Active Meter (its MA, or Registration Data)? */
  async function responsibleForActiveMeter(
    r: StopRequest,
    inst: SmsoInstallation,
    c: Candidate,
  ): Promise<boolean> {
    const party = await senderParty(r.userId);
    const esme = deviceOf(inst, 'ESME');
    const gsme = deviceOf(inst, 'GSME');
    if (esme && esme.status !== 'Dormant') {
      if (c.electricity && sameOrganisation(c.electricity.userId, r.userId)) return true;
      if (party !== null && inst.mpan !== null && (await ref.importSupplierAt(inst.mpan, at)) === party)
        return true;
    }
    if (gsme && gsme.status !== 'Dormant') {
      if (c.gas && sameOrganisation(c.gas.userId, r.userId)) return true;
      if (party !== null && inst.mprn !== null && (await ref.gasSupplierAt(inst.mprn, at)) === party)
        return true;
    }
    return false;
  }
}

/** How many installations went where and why (the CLI's summary). */
export function summarisePlan(plan: McfPlan): {
  installations: number;
  included: number;
  held: number;
  refused: number;
  byRule: Record<string, { held: number; refused: number }>;
} {
  const byRule: Record<string, { held: number; refused: number }> = {};
  let included = 0;
  let held = 0;
  let refused = 0;
  for (const o of plan.outcomes) {
    if (o.outcome === 'included') included++;
    else {
      if (o.outcome === 'held') held++;
      else refused++;
      const r = (byRule[o.rule!] ??= { held: 0, refused: 0 });
      r[o.outcome]++;
    }
  }
  return { installations: plan.outcomes.length, included, held, refused, byRule };
}
