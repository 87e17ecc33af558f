// Test helpers for the Commissioning Party and the DCC's Commissioning Requests: MCF installations
// built by hand (every optional device and Null Certificate ID choosable), the registration and
// organisations of the test PKI, and signed MCF / SCF files written with the migration-file codec.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { NULL_CERTIFICATE_ID, type CertificateId } from '../../src/core/ids/index.js';
import {
  migrationFileName,
  migrationFileToXmlString,
  type McfInstallation,
  type MigrationCommonHeader,
  type S1spOutcomesHeader,
  type ScfInstallation,
} from '../../src/core/formats/migration-files/index.js';
import { parseCertificate, type OrganisationCertificate } from '../../src/core/pki/index.js';
import { certificatePair } from '../../src/estate/test-pki.js';
import type { CommissioningRegistration } from '../../src/dcc/commissioning-requests.js';
import type { InventoryDevice } from '../../src/core/commissioning-requests/index.js';
import { loadPrivateKey } from '../../src/files/trust-store.js';
import { signWith, type TestPkiFixture } from './signed-files.js';

export const MPAN = '1200000000017';
export const MPRN = '1234567';

export interface InstallationShape {
  gsme?: boolean;
  ppmid?: boolean;
  ihd?: boolean;
  cad?: boolean;
  nullEsmeSupplier?: boolean;
  nullGsmeSupplier?: boolean;
  nullGpfSupplier?: boolean;
  nullEsmeNetwork?: boolean;
  /** Default: Null without a GSME (no gas meter point for the Gas Transporter). */
  nullGpfNetwork?: boolean;
  /** Only the Critical ID of the ESME Supplier pair is Null. */
  halfNullEsmeSupplier?: boolean;
}

const hex = (n: number): string => n.toString(16).toUpperCase().padStart(2, '0');
export const deviceId = (n: number, slot: number): string => `00-1A-2B-3C-4D-5E-${hex(n)}-${hex(slot)}`;
const SLOTS = { CHF: 1, GPF: 2, ESME: 3, GSME: 4, PPMID: 5, IHD: 6, CAD: 7 } as const;

export interface PkiIds {
  supplier: { critical: CertificateId; nonCritical: CertificateId };
  electricity: { critical: CertificateId; nonCritical: CertificateId };
  gas: { critical: CertificateId; nonCritical: CertificateId };
}

export function pkiIds(pki: TestPkiFixture): PkiIds {
  return {
    supplier: certificatePair(pki.party('supplier-a'), 'supplier')!,
    electricity: certificatePair(pki.party('network-operator'), 'networkOperator')!,
    gas: certificatePair(pki.party('gas-transporter'), 'networkOperator')!,
  };
}

export function installation(n: number, ids: PkiIds, s: InstallationShape = {}): McfInstallation {
  const dev = (slot: keyof typeof SLOTS) => ({
    deviceId: deviceId(n, SLOTS[slot]),
    deviceDetail: {
      firmwareVersion: '1.0',
      deviceModel: `M-${slot}`,
      deviceManufacturer: 'MF',
      deviceType: slot,
    },
  });
  const nul = NULL_CERTIFICATE_ID;
  const pair = (p: { critical: CertificateId; nonCritical: CertificateId }, isNull?: boolean) =>
    isNull ? [nul, nul] : [p.critical, p.nonCritical];
  const [esC, esN] = s.halfNullEsmeSupplier
    ? [nul, ids.supplier.nonCritical]
    : pair(ids.supplier, s.nullEsmeSupplier);
  const [enC, enN] = pair(ids.electricity, s.nullEsmeNetwork);
  const [gpsC, gpsN] = pair(ids.supplier, s.nullGpfSupplier || !s.gsme);
  const [gpnC, gpnN] = pair(ids.gas, s.nullGpfNetwork ?? !s.gsme);
  const [gsC, gsN] = pair(ids.supplier, s.nullGsmeSupplier);
  return {
    chfDetail: dev('CHF'),
    gpfDetail: {
      ...dev('GPF'),
      criticalSupplierCertificateId: gpsC!,
      nonCriticalSupplierCertificateId: gpsN!,
      criticalNetworkOperatorCertificateId: gpnC!,
      nonCriticalNetworkOperatorCertificateId: gpnN!,
    },
    esmeDetail: {
      ...dev('ESME'),
      esmeVariant: 'A',
      importMpan: MPAN,
      criticalSupplierCertificateId: esC!,
      nonCriticalSupplierCertificateId: esN!,
      criticalNetworkOperatorCertificateId: enC!,
      nonCriticalNetworkOperatorCertificateId: enN!,
    },
    ...(s.gsme
      ? {
          gsmeDetail: {
            ...dev('GSME'),
            mprn: MPRN,
            criticalSupplierCertificateId: gsC!,
            nonCriticalSupplierCertificateId: gsN!,
          },
        }
      : {}),
    ...(s.ppmid ? { ppmidDetail: dev('PPMID') } : {}),
    ...(s.ihd ? { ihdDetail: dev('IHD') } : {}),
    ...(s.cad ? { cadDetail: dev('CAD') } : {}),
  };
}

/** What the S1SP leaves in the SMI (TMAD 3.3(a)): the CHF and its GPF. */
export function hubDevices(inst: McfInstallation): InventoryDevice[] {
  return [
    {
      deviceId: inst.chfDetail.deviceId,
      deviceType: 'CHF',
      status: 'Commissioned',
      gpfDeviceId: inst.gpfDetail.deviceId,
    },
    {
      deviceId: inst.gpfDetail.deviceId,
      deviceType: 'GPF',
      status: 'Commissioned',
      chfDeviceId: inst.chfDetail.deviceId,
    },
  ];
}

/** Registration Data and organisations of the test PKI: SUPA supplies both meters, DNOA and GTA distribute. */
export function registration(
  pki: TestPkiFixture,
  over: Partial<Record<'importSupplier' | 'gasSupplier' | 'distributor' | 'transporter', string | null>> = {},
): CommissioningRegistration {
  const bySignifier = new Map(pki.parties.map((p) => [p.entityId.toUpperCase(), p.partySignifier]));
  const v = (k: keyof typeof over, d: string) => (k in over ? (over[k] ?? null) : d);
  return {
    importSupplierAt: async (mp) => (mp === MPAN ? v('importSupplier', 'SUPA') : null),
    gasSupplierAt: async (mp) => (mp === MPRN ? v('gasSupplier', 'SUPA') : null),
    electricityDistributorAt: async (mp) => (mp === MPAN ? v('distributor', 'DNOA') : null),
    gasTransporterAt: async (mp) => (mp === MPRN ? v('transporter', 'GTA') : null),
    partySignifierOf: async (u) => bySignifier.get(u.toUpperCase()) ?? undefined,
  };
}

export async function certificateOf(
  pki: TestPkiFixture,
  party: string,
  role: string,
): Promise<OrganisationCertificate> {
  const c = pki.party(party).certificates.find((x) => x.role === role)!;
  return parseCertificate(await readFile(path.join(pki.dir, c.cert), 'latin1'));
}

export async function signerOf(pki: TestPkiFixture, party: string, role: string) {
  const c = pki.party(party).certificates.find((x) => x.role === role)!;
  return {
    certificate: parseCertificate(await readFile(path.join(pki.dir, c.cert), 'latin1')),
    privateKey: await loadPrivateKey(path.join(pki.dir, c.key)),
  };
}

export function mcfHeader(
  pki: TestPkiFixture,
  counter: bigint,
  over: Partial<MigrationCommonHeader> = {},
): MigrationCommonHeader {
  return {
    requestingPartyId: pki.party('requesting-party').entityId,
    mcfCounter: counter,
    groupId: 'AA',
    toBeCommissionedByDcc: true,
    ...over,
  };
}

/** A signed MCF (the Requesting Party's certificate), named per TMAD 10.2, in dir. */
export async function writeMcf(
  pki: TestPkiFixture,
  dir: string,
  header: MigrationCommonHeader,
  installations: McfInstallation[],
): Promise<string> {
  const xml = await migrationFileToXmlString('MCF', header, installations);
  const signed = await signWith(
    pki,
    pki.party('requesting-party').certificates.find((c) => c.role === 'requestingPartyFileSigning')!,
    xml,
  );
  const file = path.join(dir, migrationFileName('MCF', header));
  await writeFile(file, signed);
  return file;
}

/** A signed SCF (the S1SP's s1SPMigrationSigning certificate), named per TMAD 10.2 with Supplier Signifier SUPA. */
export async function writeScf(
  pki: TestPkiFixture,
  dir: string,
  mcf: MigrationCommonHeader,
  scfCounter: bigint,
  entries: ScfInstallation[],
): Promise<string> {
  const header: S1spOutcomesHeader = {
    requestingPartyId: mcf.requestingPartyId,
    mcfCounter: mcf.mcfCounter,
    reportingPartyId: pki.party('s1sp').entityId,
    scfCounter,
    groupId: mcf.groupId,
  };
  const xml = await migrationFileToXmlString('SCF', header, entries);
  const signed = await signWith(
    pki,
    pki.party('s1sp').certificates.find((c) => c.role === 's1SPMigrationSigning')!,
    xml,
  );
  const file = path.join(dir, migrationFileName('SCF', header, { supplierSignifier: 'SUPA' }));
  await writeFile(file, signed);
  return file;
}

export const success = (inst: McfInstallation): ScfInstallation => ({
  chfIdentifier: inst.chfDetail.deviceId,
  prepayFlag: false,
  failedChecks: [],
});
export const failure = (inst: McfInstallation): ScfInstallation => ({
  chfIdentifier: inst.chfDetail.deviceId,
  prepayFlag: false,
  failedChecks: [{ failedStepNumber: '12.9.1.ET05', supportingData: { errorCode: 'E1' } }],
});
