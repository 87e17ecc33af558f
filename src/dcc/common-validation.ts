// The DCC's Common Validation Checks (TMAD 5.10, Table 5.10) and the Migration Common Validation File
// (MVF, TMAD 5.10(b)–(d)).
//
// For each SMETS1Installation of an authenticated MCF, all 18 checks run (5.10(c): no short-circuit);
// each failure is a FailedCheck with the FailedStepNumber and the SupportingData its Table 5.10 row
// names. Skips:
//   - TMAD 2 Null Certificate ID: 5.10.5–5.10.7 skip each Null Certificate ID; 5.10.8–5.10.17 are not
//     run when the Certificate ID their row names ("Unless the value of …") is Null;
//   - dependent checks (spec README): 5.10.9/5.10.10 need the 'ESME Supplier Party' of 5.10.8,
//     5.10.12 the 'ESME Network Party' of 5.10.11, 5.10.14/5.10.15 the 'Gas Supplier Party' of
//     5.10.13, 5.10.17 the 'Gas Network Party' of 5.10.16; when that check failed the dependent one is
//     skipped (one fault, one FailedCheck).
// Every failure also carries a Problem (rule, element path, field, what was expected) for people.
import {
  criticalNetworkOperatorId,
  criticalSupplierId,
  hasRole,
  nonCriticalNetworkOperatorId,
  nonCriticalSupplierId,
  requiredSigningRole,
  type CertificateValidity,
  type OrganisationCertificate,
  type RemotePartyRole,
} from '../core/pki/index.js';
import type { Problem } from '../core/problem.js';
import { migrationFileToXmlString } from '../core/formats/migration-files/writer.js';
import type {
  CertificateId,
  DeviceDetail,
  DeviceWithoutCertificates,
  FailedCheck,
  McfInstallation,
  MigrationCommonHeader,
  MigrationValidationHeader,
  OutcomeInstallation,
  SupportingData,
} from '../core/formats/migration-files/types.js';
import type { KeyObject } from 'node:crypto';
import { signXmlString } from '../lib/xmldsig/index.js';
import type { CommonValidationContext, ProductCombination } from './common-validation-context.js';

export * from './common-validation-context.js';

/** Default look-ahead of 5.10.10 and 5.10.15 ("within the next 14 days"; spec README: configurable). */
export const DEFAULT_LOOK_AHEAD_DAYS = 14;

export const COMMON_VALIDATION_STEPS = Array.from({ length: 18 }, (_, i) => `5.10.${i + 1}`);
export type CommonValidationStep = (typeof COMMON_VALIDATION_STEPS)[number];

export interface CommonValidationOptions {
  /** The time of validation: certificates, Registration Data "current" (default now). */
  at?: Date;
  /** 5.10.10 / 5.10.15 look-ahead in days (default 14): a change in (at, at + days] fails. */
  lookAheadDays?: number;
}

/** One failed check: what goes into the MVF, and why, for people. */
export interface CommonValidationFailure {
  failedCheck: FailedCheck;
  problem: Problem & { rule: string; element: string; step: string };
}

/** A check that was not run for an installation, and why (Null Certificate ID, or a failed input). */
export interface SkippedCheck {
  step: string;
  reason: string;
}

export interface InstallationValidation {
  /** Position in the MCF (0-based). */
  index: number;
  /** The CHF's DeviceID (the MVF's CHFIdentifier, 5.10(c)). */
  chfIdentifier: string;
  failures: CommonValidationFailure[];
  skipped: SkippedCheck[];
}

export interface CommonValidationResult {
  header: MigrationCommonHeader;
  at: Date;
  lookAheadDays: number;
  installations: InstallationValidation[];
}

/** A parsed MCF: its header and installations (src/core/formats/migration-files reader). */
export interface ParsedMcf {
  header: MigrationCommonHeader;
  installations: Iterable<McfInstallation>;
}

const DAY_MS = 86_400_000;
const ROOT = 'MigrationCommon';

/** TMAD 2: the Null Certificate ID is serial 0 with issuer NULL (a serial written '00' is still 0). */
function isNull(id: CertificateId): boolean {
  return /^0+$/.test(id.serialNumber) && id.issuerName === 'NULL';
}

function describeId(id: CertificateId): string {
  return `(serial ${id.serialNumber}, issuer '${id.issuerName}')`;
}

type Slot = 'CHF' | 'GPF' | 'ESME' | 'GSME' | 'PPMID' | 'IHD' | 'CAD';
const DETAIL_ELEMENT: Record<Slot, string> = {
  CHF: 'CHFDetail',
  GPF: 'GPFDetail',
  ESME: 'ESMEDetail',
  GSME: 'GSMEDetail',
  PPMID: 'PPMIDDetail',
  IHD: 'IHDDetail',
  CAD: 'CADDetail',
};

function devices(inst: McfInstallation, slots: readonly Slot[]): Array<[Slot, DeviceWithoutCertificates]> {
  const bySlot: Record<Slot, DeviceWithoutCertificates | undefined> = {
    CHF: inst.chfDetail,
    GPF: inst.gpfDetail,
    ESME: inst.esmeDetail,
    GSME: inst.gsmeDetail,
    PPMID: inst.ppmidDetail,
    IHD: inst.ihdDetail,
    CAD: inst.cadDetail,
  };
  return slots.flatMap((s) => (bySlot[s] ? [[s, bySlot[s]] as [Slot, DeviceWithoutCertificates]] : []));
}

const describeDevice = (d: DeviceDetail): string =>
  `${d.deviceManufacturer} / ${d.deviceModel} / firmware ${d.firmwareVersion} / DeviceType ${d.deviceType}`;

/** Run the 18 checks of Table 5.10 on one installation (TMAD 5.10(c)). */
export function validateInstallation(
  inst: McfInstallation,
  index: number,
  header: Pick<MigrationCommonHeader, 'groupId'>,
  ctx: CommonValidationContext,
  opts: CommonValidationOptions = {},
): InstallationValidation {
  const at = opts.at ?? new Date();
  const lookAheadDays = opts.lookAheadDays ?? DEFAULT_LOOK_AHEAD_DAYS;
  const until = new Date(at.getTime() + lookAheadDays * DAY_MS);
  const path = `${ROOT}/SMETS1Installation[${index + 1}]`;
  const failures: CommonValidationFailure[] = [];
  const skipped: SkippedCheck[] = [];
  const fail = (
    step: string,
    supportingData: SupportingData | undefined,
    where: { element: string; field?: string },
    message: string,
  ): void => {
    failures.push({
      failedCheck: { failedStepNumber: step, ...(supportingData ? { supportingData } : {}) },
      problem: {
        rule: `TMAD ${step} (Table 5.10)`,
        step,
        element: `${path}/${where.element}`,
        ...(where.field ? { field: where.field } : {}),
        message,
      },
    });
  };
  const skip = (step: string, reason: string): void => void skipped.push({ step, reason });
  const { groupId } = header;

  // 5.10.1: CHF, ESME, GSME?, PPMID? — the DeviceDetail equates to a CPL entry of the required DeviceType.
  for (const [slot, d] of devices(inst, ['CHF', 'ESME', 'GSME', 'PPMID'])) {
    const types = ctx.cplDeviceTypes(d.deviceDetail);
    if (d.deviceDetail.deviceType === slot && types.includes(slot)) continue;
    fail(
      '5.10.1',
      { deviceId: d.deviceId },
      { element: `${DETAIL_ELEMENT[slot]}/DeviceDetail`, field: 'DeviceDetail' },
      types.length === 0
        ? `Device Model ${describeDevice(d.deviceDetail)} of ${slot} ${d.deviceId} is not on the Central Products List`
        : `${slot} ${d.deviceId} (${describeDevice(d.deviceDetail)}): expected a Central Products List entry of Device Type ${slot}; the CPL has this model as ${types.join(', ')}`,
    );
  }

  // 5.10.2: the same four devices are allowed for the GroupID by the Group Device Model Combination List.
  for (const [slot, d] of devices(inst, ['CHF', 'ESME', 'GSME', 'PPMID'])) {
    if (ctx.groupAllowsDevice(groupId, d.deviceDetail)) continue;
    fail(
      '5.10.2',
      { deviceId: d.deviceId },
      { element: `${DETAIL_ELEMENT[slot]}/DeviceDetail`, field: 'DeviceDetail' },
      `${slot} ${d.deviceId} (${describeDevice(d.deviceDetail)}) is not a Device Model the Group Device Model Combination List allows for GroupID ${groupId}`,
    );
  }

  // 5.10.3: an SMETS1 Eligible Product Combinations entry with this combination and this GroupID. SD: none.
  const combination: ProductCombination = {
    chf: inst.chfDetail.deviceDetail,
    esme: inst.esmeDetail.deviceDetail,
    ...(inst.gsmeDetail ? { gsme: inst.gsmeDetail.deviceDetail } : {}),
    ...(inst.ppmidDetail ? { ppmid: inst.ppmidDetail.deviceDetail } : {}),
  };
  const epcGroups = ctx.eligibleCombinationGroupIds(combination);
  if (!epcGroups.includes(groupId))
    fail(
      '5.10.3',
      undefined,
      { element: 'CHFDetail', field: 'DeviceDetail' },
      epcGroups.length === 0
        ? `no SMETS1 Eligible Product Combinations entry has this combination of CHF, ESME${inst.gsmeDetail ? ', GSME' : ''}${inst.ppmidDetail ? ', PPMID' : ''} Device Models and Device Types`
        : `the SMETS1 Eligible Product Combinations entries with this combination are for GroupID ${epcGroups.join(', ')}, not ${groupId}`,
    );

  // 5.10.4: CHF, GPF, ESME, GSME?, PPMID?, IHD?, CAD? — not already in the Smart Metering Inventory.
  for (const [slot, d] of devices(inst, ['CHF', 'GPF', 'ESME', 'GSME', 'PPMID', 'IHD', 'CAD'])) {
    if (!ctx.inSmartMeteringInventory(d.deviceId)) continue;
    fail(
      '5.10.4',
      { deviceId: d.deviceId },
      { element: `${DETAIL_ELEMENT[slot]}/DeviceID`, field: 'DeviceID' },
      `${slot} Device ID ${d.deviceId} is already recorded in the Smart Metering Inventory: expected a Device not yet recorded`,
    );
  }

  // Certificates by Certificate ID (looked up once per installation).
  const certs = new Map<string, OrganisationCertificate | undefined>();
  const cert = (id: CertificateId): OrganisationCertificate | undefined => {
    const k = `${id.serialNumber}|${id.issuerName}`;
    if (!certs.has(k)) certs.set(k, isNull(id) ? undefined : ctx.certificate(id));
    return certs.get(k);
  };

  // 5.10.5–5.10.7: Confirm Validity of each non-Null Certificate ID of the ESME (4), GPF (4), GSME (2).
  const validity = (
    step: string,
    element: string,
    ids: ReadonlyArray<[field: string, id: CertificateId]>,
  ): void => {
    for (const [field, id] of ids) {
      if (isNull(id)) {
        skip(step, `${element}/${field} is the Null Certificate ID`);
        continue;
      }
      const c = cert(id);
      const problems = c
        ? ctx.confirmValidity(c, at).problems.map((p) => p.message)
        : ['no Organisation Certificate with this Certificate ID is known'];
      if (problems.length === 0) continue;
      fail(
        step,
        { certificateId: { serialNumber: id.serialNumber, issuerName: id.issuerName } },
        { element: `${element}/${field}`, field },
        `Confirm Validity of certificate ${describeId(id)} at ${at.toISOString()} failed: ${problems.join('; ')}`,
      );
    }
  };
  const e = inst.esmeDetail;
  const g = inst.gpfDetail;
  const s = inst.gsmeDetail;
  validity('5.10.5', 'ESMEDetail', [
    ['CriticalSupplierCertificateID', e.criticalSupplierCertificateId],
    ['NonCriticalSupplierCertificateID', e.nonCriticalSupplierCertificateId],
    ['CriticalNetworkOperatorCertificateID', e.criticalNetworkOperatorCertificateId],
    ['NonCriticalNetworkOperatorCertificateID', e.nonCriticalNetworkOperatorCertificateId],
  ]);
  validity('5.10.6', 'GPFDetail', [
    ['CriticalSupplierCertificateID', g.criticalSupplierCertificateId],
    ['NonCriticalSupplierCertificateID', g.nonCriticalSupplierCertificateId],
    ['CriticalNetworkOperatorCertificateID', g.criticalNetworkOperatorCertificateId],
    ['NonCriticalNetworkOperatorCertificateID', g.nonCriticalNetworkOperatorCertificateId],
  ]);
  if (s)
    validity('5.10.7', 'GSMEDetail', [
      ['CriticalSupplierCertificateID', s.criticalSupplierCertificateId],
      ['NonCriticalSupplierCertificateID', s.nonCriticalSupplierCertificateId],
    ]);
  else skip('5.10.7', 'no GSME in this installation');

  /**
   * The party that a set of (critical, non-critical) Certificate IDs identifies (5.10.8/11/13/16), or
   * the reasons it does not: an ID is the null value (TMAD 2: wrong role or key usage, unknown
   * certificate, Null Certificate ID), a User ID is allocated to no party, or the parties differ.
   */
  const identifyParty = (
    kind: 'supplier' | 'networkOperator',
    pairs: ReadonlyArray<{ label: string; critical: CertificateId; nonCritical: CertificateId }>,
  ): { party?: string; faults: string[]; faultyPairs: number[] } => {
    const [critId, nonCritId, partyOf, idName, role] =
      kind === 'supplier'
        ? [
            criticalSupplierId,
            nonCriticalSupplierId,
            (id: string) => ctx.supplierPartyOf(id),
            'Supplier ID',
            'supplier',
          ]
        : [
            criticalNetworkOperatorId,
            nonCriticalNetworkOperatorId,
            (id: string) => ctx.networkPartyOf(id),
            'Network Operator ID',
            'networkOperator',
          ];
    const faults: string[] = [];
    const faultyPairs = new Set<number>();
    const found: Array<{ pair: number; party: string | undefined }> = [];
    pairs.forEach((p, i) => {
      for (const [which, id, fn] of [
        ['Critical', p.critical, critId],
        ['Non-Critical', p.nonCritical, nonCritId],
      ] as const) {
        const c = cert(id);
        const userId = fn(c ?? null);
        if (userId === null) {
          faultyPairs.add(i);
          faults.push(
            `the ${which} ${idName} of ${p.label} ${describeId(id)} has the null value (${
              isNull(id)
                ? 'Null Certificate ID'
                : !c
                  ? 'no such certificate'
                  : `expected role ${role} with key usage ${which === 'Critical' ? 'digitalSignature' : 'keyAgreement'}; found role ${c.role ?? 'none'}, key usage ${c.keyUsage.join(', ') || 'none'}`
            })`,
          );
          continue;
        }
        const party = partyOf(userId);
        if (party === undefined) {
          faultyPairs.add(i);
          faults.push(
            `User ID ${userId} (the ${which} ${idName} of ${p.label}) is allocated to no ${kind === 'supplier' ? 'Supplier' : 'Network'} Party`,
          );
        }
        found.push({ pair: i, party });
      }
    });
    const parties = new Set(found.map((f) => f.party).filter((x) => x !== undefined));
    if (parties.size > 1)
      faults.push(
        `the ${idName}s identify different ${kind === 'supplier' ? 'Supplier' : 'Network'} Parties (${[...parties].join(', ')}): expected the same one`,
      );
    const party = faults.length === 0 ? [...parties][0] : undefined;
    return { ...(party !== undefined ? { party } : {}), faults, faultyPairs: [...faultyPairs] };
  };
  const pairData = (critical: CertificateId, nonCritical: CertificateId): SupportingData => ({
    certificatePair: {
      certificateIds: [
        { serialNumber: critical.serialNumber, issuerName: critical.issuerName },
        { serialNumber: nonCritical.serialNumber, issuerName: nonCritical.issuerName },
      ],
    },
  });
  const certData = (id: CertificateId): SupportingData => ({
    certificateId: { serialNumber: id.serialNumber, issuerName: id.issuerName },
  });

  /** 5.10.9/10/12/14/15/17: party registered now, and no change within the look-ahead. */
  const registered = (
    step: string,
    party: string | undefined,
    dependsOn: string,
    lookup: { at(m: string, t: Date): string | undefined },
    mpxn: string,
    what: string,
    supportingData: SupportingData,
    where: { element: string; field: string },
  ): void => {
    if (party === undefined) return skip(step, `${dependsOn} failed, so no party is defined to compare`);
    const current = lookup.at(mpxn, at);
    if (current === party) return;
    fail(
      step,
      supportingData,
      where,
      current === undefined
        ? `Registration Data records no ${what} for ${mpxn} at ${at.toISOString()}: expected ${party}`
        : `according to Registration Data the ${what} of ${mpxn} at ${at.toISOString()} is ${current}: expected ${party}`,
    );
  };
  const noChange = (
    step: string,
    party: string | undefined,
    dependsOn: string,
    lookup: { changeWithin(m: string, from: Date, to: Date): Date | undefined },
    mpxn: string,
    what: string,
    where: { element: string; field: string },
  ): void => {
    if (party === undefined)
      return skip(step, `${dependsOn} failed, so the check is not made (one fault, one FailedCheck)`);
    const change = lookup.changeWithin(mpxn, at, until);
    if (change === undefined) return;
    fail(
      step,
      undefined,
      where,
      `Registration Data has a change of ${what} of ${mpxn} at ${change.toISOString()}, within the next ${lookAheadDays} days of ${at.toISOString()}: expected none until ${until.toISOString()}`,
    );
  };

  // 5.10.8–5.10.10: ESME Supplier Party.
  if (isNull(e.criticalSupplierCertificateId))
    for (const step of ['5.10.8', '5.10.9', '5.10.10'])
      skip(step, 'ESMEDetail/CriticalSupplierCertificateID is the Null Certificate ID');
  else {
    const r = identifyParty('supplier', [
      {
        label: 'the ESME',
        critical: e.criticalSupplierCertificateId,
        nonCritical: e.nonCriticalSupplierCertificateId,
      },
    ]);
    if (r.faults.length)
      fail(
        '5.10.8',
        pairData(e.criticalSupplierCertificateId, e.nonCriticalSupplierCertificateId),
        { element: 'ESMEDetail/CriticalSupplierCertificateID', field: 'CriticalSupplierCertificateID' },
        `the ESME's Supplier certificates must identify one Supplier Party: ${r.faults.join('; ')}`,
      );
    registered(
      '5.10.9',
      r.party,
      '5.10.8',
      ctx.importSupplier,
      e.importMpan,
      'Import Supplier',
      certData(e.criticalSupplierCertificateId),
      { element: 'ESMEDetail/ImportMPAN', field: 'ImportMPAN' },
    );
    noChange('5.10.10', r.party, '5.10.8', ctx.importSupplier, e.importMpan, 'Import Supplier', {
      element: 'ESMEDetail/ImportMPAN',
      field: 'ImportMPAN',
    });
  }

  // 5.10.11–5.10.12: ESME Network Party.
  if (isNull(e.criticalNetworkOperatorCertificateId))
    for (const step of ['5.10.11', '5.10.12'])
      skip(step, 'ESMEDetail/CriticalNetworkOperatorCertificateID is the Null Certificate ID');
  else {
    const r = identifyParty('networkOperator', [
      {
        label: 'the ESME',
        critical: e.criticalNetworkOperatorCertificateId,
        nonCritical: e.nonCriticalNetworkOperatorCertificateId,
      },
    ]);
    if (r.faults.length)
      fail(
        '5.10.11',
        pairData(e.criticalNetworkOperatorCertificateId, e.nonCriticalNetworkOperatorCertificateId),
        {
          element: 'ESMEDetail/CriticalNetworkOperatorCertificateID',
          field: 'CriticalNetworkOperatorCertificateID',
        },
        `the ESME's Network Operator certificates must identify one Network Party: ${r.faults.join('; ')}`,
      );
    registered(
      '5.10.12',
      r.party,
      '5.10.11',
      ctx.electricityDistributor,
      e.importMpan,
      'Electricity Distributor',
      certData(e.criticalNetworkOperatorCertificateId),
      { element: 'ESMEDetail/ImportMPAN', field: 'ImportMPAN' },
    );
  }

  // 5.10.13–5.10.15: Gas Supplier Party (GSME and GPF supplier certificates).
  if (!s) for (const step of ['5.10.13', '5.10.14', '5.10.15']) skip(step, 'no GSME in this installation');
  else if (isNull(s.criticalSupplierCertificateId))
    for (const step of ['5.10.13', '5.10.14', '5.10.15'])
      skip(step, 'GSMEDetail/CriticalSupplierCertificateID is the Null Certificate ID');
  else {
    const r = identifyParty('supplier', [
      {
        label: 'the GSME',
        critical: s.criticalSupplierCertificateId,
        nonCritical: s.nonCriticalSupplierCertificateId,
      },
      {
        label: 'the GPF',
        critical: g.criticalSupplierCertificateId,
        nonCritical: g.nonCriticalSupplierCertificateId,
      },
    ]);
    if (r.faults.length) {
      // SupportingData names one pair (SPEC-DECISIONS): the GPF's when only the GPF's pair is at fault.
      const gpfOnly = r.faultyPairs.length === 1 && r.faultyPairs[0] === 1;
      const [sd, element] = gpfOnly
        ? [pairData(g.criticalSupplierCertificateId, g.nonCriticalSupplierCertificateId), 'GPFDetail']
        : [pairData(s.criticalSupplierCertificateId, s.nonCriticalSupplierCertificateId), 'GSMEDetail'];
      fail(
        '5.10.13',
        sd,
        { element: `${element}/CriticalSupplierCertificateID`, field: 'CriticalSupplierCertificateID' },
        `the GSME's and GPF's Supplier certificates must identify one Supplier Party: ${r.faults.join('; ')}`,
      );
    }
    registered(
      '5.10.14',
      r.party,
      '5.10.13',
      ctx.gasSupplier,
      s.mprn,
      'Gas Supplier',
      certData(s.criticalSupplierCertificateId),
      { element: 'GSMEDetail/MPRN', field: 'MPRN' },
    );
    noChange('5.10.15', r.party, '5.10.13', ctx.gasSupplier, s.mprn, 'Gas Supplier', {
      element: 'GSMEDetail/MPRN',
      field: 'MPRN',
    });
  }

  // 5.10.16–5.10.17: Gas Network Party (GPF network operator certificates).
  if (isNull(g.criticalNetworkOperatorCertificateId))
    for (const step of ['5.10.16', '5.10.17'])
      skip(step, 'GPFDetail/CriticalNetworkOperatorCertificateID is the Null Certificate ID');
  else {
    const r = identifyParty('networkOperator', [
      {
        label: 'the GPF',
        critical: g.criticalNetworkOperatorCertificateId,
        nonCritical: g.nonCriticalNetworkOperatorCertificateId,
      },
    ]);
    if (r.faults.length)
      fail(
        '5.10.16',
        pairData(g.criticalNetworkOperatorCertificateId, g.nonCriticalNetworkOperatorCertificateId),
        {
          element: 'GPFDetail/CriticalNetworkOperatorCertificateID',
          field: 'CriticalNetworkOperatorCertificateID',
        },
        `the GPF's Network Operator certificates must identify one Network Party: ${r.faults.join('; ')}`,
      );
    if (r.party !== undefined && !s)
      // No GSME, so no MPRN whose Gas Transporter could be the Gas Network Party (SPEC-DECISIONS).
      fail(
        '5.10.17',
        certData(g.criticalNetworkOperatorCertificateId),
        {
          element: 'GPFDetail/CriticalNetworkOperatorCertificateID',
          field: 'CriticalNetworkOperatorCertificateID',
        },
        `the GPF names a Gas Network Party (${r.party}) but the installation has no GSME, so no MPRN: expected a GSME or the Null Certificate ID`,
      );
    else
      registered(
        '5.10.17',
        r.party,
        '5.10.16',
        ctx.gasTransporter,
        s?.mprn ?? '',
        'Gas Transporter',
        certData(g.criticalNetworkOperatorCertificateId),
        { element: 'GSMEDetail/MPRN', field: 'MPRN' },
      );
  }

  // 5.10.18: the IHD's and CAD's DeviceType has the required value.
  for (const [slot, d] of devices(inst, ['IHD', 'CAD'])) {
    if (d.deviceDetail.deviceType === slot) continue;
    fail(
      '5.10.18',
      { deviceId: d.deviceId },
      { element: `${DETAIL_ELEMENT[slot]}/DeviceDetail/DeviceType`, field: 'DeviceType' },
      `${DETAIL_ELEMENT[slot]} ${d.deviceId} has DeviceType '${d.deviceDetail.deviceType}': expected '${slot}'`,
    );
  }

  // FailedChecks in Table 5.10 order (each check's devices/certificates in the order its row lists them).
  const order = (st: string): number => COMMON_VALIDATION_STEPS.indexOf(st);
  failures.sort((a, b) => order(a.failedCheck.failedStepNumber) - order(b.failedCheck.failedStepNumber));
  return { index, chfIdentifier: inst.chfDetail.deviceId, failures, skipped };
}

/**
 * The checks of one MCF run at one instant, so a certificate's look-up and its Confirm Validity are the
 * same for every installation that names it: make each once (an MCF names a handful of certificates
 * in up to 100,000 installations; Confirm Validity verifies a chain and a CRL each time).
 */
export function memoiseCertificates(ctx: CommonValidationContext): CommonValidationContext {
  const certs = new Map<string, OrganisationCertificate | undefined>();
  const validity = new Map<OrganisationCertificate, Map<number, CertificateValidity>>();
  return {
    cplDeviceTypes: (m) => ctx.cplDeviceTypes(m),
    groupAllowsDevice: (g, d) => ctx.groupAllowsDevice(g, d),
    eligibleCombinationGroupIds: (c) => ctx.eligibleCombinationGroupIds(c),
    inSmartMeteringInventory: (id) => ctx.inSmartMeteringInventory(id),
    certificate(id) {
      const k = `${id.serialNumber}|${id.issuerName}`;
      if (!certs.has(k)) certs.set(k, ctx.certificate(id));
      return certs.get(k);
    },
    confirmValidity(cert, at) {
      const byTime = validity.get(cert) ?? new Map<number, CertificateValidity>();
      validity.set(cert, byTime);
      let v = byTime.get(at.getTime());
      if (!v) byTime.set(at.getTime(), (v = ctx.confirmValidity(cert, at)));
      return v;
    },
    supplierPartyOf: (id) => ctx.supplierPartyOf(id),
    networkPartyOf: (id) => ctx.networkPartyOf(id),
    importSupplier: ctx.importSupplier,
    electricityDistributor: ctx.electricityDistributor,
    gasSupplier: ctx.gasSupplier,
    gasTransporter: ctx.gasTransporter,
    ...(ctx.prefetchRegistrations
      ? { prefetchRegistrations: (mpxns: readonly string[]) => ctx.prefetchRegistrations!(mpxns) }
      : {}),
  };
}

/** The MPAN and MPRN of each installation (the Registration Data look-ups of 5.10.9-5.10.17). */
export function registrationKeysOf(installations: Iterable<McfInstallation>): string[] {
  const out: string[] = [];
  for (const i of installations) {
    out.push(i.esmeDetail.importMpan);
    if (i.gsmeDetail) out.push(i.gsmeDetail.mprn);
  }
  return out;
}

/** TMAD 5.10(c): the Table 5.10 checks for every installation of an MCF. */
export function commonValidationChecks(
  mcf: ParsedMcf,
  context: CommonValidationContext,
  options: CommonValidationOptions = {},
): CommonValidationResult {
  const at = options.at ?? new Date();
  const lookAheadDays = options.lookAheadDays ?? DEFAULT_LOOK_AHEAD_DAYS;
  if (!Number.isFinite(lookAheadDays) || lookAheadDays < 0)
    throw new RangeError(`look-ahead ${lookAheadDays} days: expected a number of days ≥ 0 (TMAD 5.10.10)`);
  const ctx = memoiseCertificates(context);
  if (ctx.prefetchRegistrations)
    throw new TypeError(
      'internal: commonValidationChecks takes a context with every registration loaded (inMemoryCommonValidationContext); a windowed one is for the MVF writer',
    );
  const installations: InstallationValidation[] = [];
  let i = 0;
  for (const inst of mcf.installations)
    installations.push(validateInstallation(inst, i++, mcf.header, ctx, { at, lookAheadDays }));
  return { header: mcf.header, at, lookAheadDays, installations };
}

// ---------------------------------------------------------------------------------------------
// The Migration Common Validation File (TMAD 5.10(b)–(d))

/** The MVF's signer: the S1SP's s1SPMigrationSigning certificate and key (Table 5.5; spec README). */
export interface MvfSigner {
  certificate: OrganisationCertificate;
  privateKey: KeyObject;
}

export class MvfSignerError extends Error {
  override name = 'MvfSignerError';
}

/** Table 5.5: the Remote Party Role the MVF's signing certificate must hold. */
export const MVF_SIGNING_ROLE = requiredSigningRole('MVF') as RemotePartyRole;

/**
 * Table 5.5 / Table 10.1: the MVF's signing certificate must carry s1SPMigrationSigning, sign
 * (digitalSignature) and name its Entity Identifier, which becomes ReportingPartyID. Throws MvfSignerError.
 */
export function mvfSignerEntityId(c: OrganisationCertificate): string {
  if (!hasRole(c, MVF_SIGNING_ROLE))
    throw new MvfSignerError(
      `the MVF signing certificate (serial ${c.serialNumber}, issuer '${c.issuerName}') has role ${c.role ?? 'none'}: expected ${MVF_SIGNING_ROLE} (TMAD 5.5 Table 5.5)`,
    );
  if (!c.keyUsage.includes('digitalSignature'))
    throw new MvfSignerError(
      `the MVF signing certificate (serial ${c.serialNumber}) has no digitalSignature key usage (TMAD 5.5)`,
    );
  if (!c.entityId)
    throw new MvfSignerError(
      `the MVF signing certificate (serial ${c.serialNumber}) has no Entity Identifier for ReportingPartyID (Table 10.1)`,
    );
  return c.entityId;
}

/** The MVF header: the MCF's Migration Header (5.10(b)), the signer's Entity Identifier, the MVFCounter. */
export function mvfHeader(
  mcf: MigrationCommonHeader,
  reportingPartyId: string,
  mvfCounter: bigint,
): MigrationValidationHeader {
  return {
    requestingPartyId: mcf.requestingPartyId,
    mcfCounter: mcf.mcfCounter,
    reportingPartyId,
    mvfCounter,
    groupId: mcf.groupId,
  };
}

/** One MVF SMETS1Installation per MCF installation (5.10(c)): CHFIdentifier and its FailedChecks. */
export function mvfInstallations(results: CommonValidationResult): OutcomeInstallation[] {
  return results.installations.map((r) => ({
    chfIdentifier: r.chfIdentifier,
    failedChecks: r.failures.map((f) => f.failedCheck),
  }));
}

/**
 * TMAD 5.10(b)–(d): the signed MVF for an MCF and its check results. The header is the MCF's
 * (RequestingPartyID, MCFCounter, GroupID), ReportingPartyID the signer's Entity Identifier (Table
 * 10.1), MVFCounter the DCC's current Migration Common Validation File Counter (Table 5.7).
 */
export async function buildMigrationCommonValidationFile(
  mcf: Pick<ParsedMcf, 'header'>,
  results: CommonValidationResult,
  signer: MvfSigner,
  opts: { mvfCounter: bigint; indent?: string },
): Promise<string> {
  const c = signer.certificate;
  const reportingPartyId = mvfSignerEntityId(c);
  const header = mvfHeader(mcf.header, reportingPartyId, opts.mvfCounter);
  const xml = await migrationFileToXmlString(
    'MVF',
    header,
    mvfInstallations(results),
    opts.indent !== undefined ? { indent: opts.indent } : {},
  );
  return signXmlString(xml, {
    privateKey: signer.privateKey,
    issuerName: c.issuerName,
    serialNumber: c.serialNumber,
  });
}
