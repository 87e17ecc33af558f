// Sample migration files (TMAD 10.1, Table 10.2) with realistic, schema-valid content, for tests, demos and
// benchmarks. Content is reproducible from `seed` (device IDs, MPANs, models, outcomes); key material in
// MEF files is genuinely random and genuinely encrypted (TMAD 11.2, 11.3, 11.3B, 11.4) so the DCO/S1SP code
// paths can decrypt it with the returned private keys.
//
// The same seed gives the same CHF/device IDs in every file type, so an MVF/MGF/MEF/SCF/COF generated with
// the MCF's seed refers to the MCF's installations.
import 'reflect-metadata';
import { generateKeyPairSync, randomBytes, webcrypto, type KeyObject } from 'node:crypto';
import type { Writable } from 'node:stream';
import * as x509 from '@peculiar/x509';
import { mpanWithCheckDigit, NULL_CERTIFICATE_ID, type CertificateId } from '../core/ids/index.js';
import {
  encryptMasterKey,
  encryptS1spGroupInformationXml,
  encryptSuaKey,
  formatSuaPublicKey,
  wrapPrepaymentKey,
} from '../core/crypto/index.js';
import {
  createMigrationFileWriter,
  decryptedS1spDpGroupInformationToXml,
  decryptedS1spGroupInformationToXml,
} from '../core/formats/migration-files/writer.js';
import type {
  DeviceDetail,
  FailedCheck,
  HeaderByFileType,
  InstallationByFileType,
  McfInstallation,
  MefInstallation,
  MgfInstallation,
  OutcomeInstallation,
  ScfInstallation,
  SignedMigrationFileType,
} from '../core/formats/migration-files/types.js';

x509.cryptoProvider.set(webcrypto as never);

export interface SampleCertificatePair {
  critical: CertificateId;
  nonCritical: CertificateId;
}

export interface SampleFileOptions {
  installations: number;
  /** Called after each SMETS1Installation is written, with the number written so far. */
  onInstallation?: (written: number) => void;
  /** RequestingPartyID (every file type carries it). */
  requestingPartyId: string;
  /** MVF/SCF: ReportingPartyID (the S1SP). Default 70-B3-D5-1F-30-11-00-01. */
  reportingPartyId?: string;
  /** MCF: CommissioningPartyIdentifier (optional element); COF: CommissioningPartyID. */
  commissioningPartyId?: string;
  /** The file's own counter (MVF/MGF/MEF/SCF/COF Counter). */
  counter: bigint | number;
  /** MCFCounter. */
  mcfCounter: bigint | number;
  /** GroupID (default 'AA'). */
  groupId?: string;
  /** MCF: ToBeCommissionedByDCC (default true). */
  toBeCommissionedByDcc?: boolean;
  supplierCertificates?: SampleCertificatePair;
  /** Default: the Null Certificate ID for both (TMAD 2). */
  networkOperatorCertificates?: SampleCertificatePair;
  /** Reproducible content (default 1). */
  seed?: number;
  /** MEF: RSA public keys of the S1SP (group information) and DCO (Master Keys, SUA keys); generated if absent. */
  s1spPublicKey?: KeyObject;
  dcoPublicKey?: KeyObject;
  /** Indent the XML (default none). */
  indent?: string;
}

export interface SampleFileResult<T extends SignedMigrationFileType = SignedMigrationFileType> {
  fileType: T;
  header: HeaderByFileType[T];
  installations: number;
  /** MEF only, when the keys were generated here: the private keys that decrypt its contents. */
  generatedKeys?: { s1spPrivateKey?: KeyObject; dcoPrivateKey?: KeyObject };
}

// ---------------------------------------------------------------------------------------------
// Reproducible randomness

/** mulberry32: a small, fast, seedable PRNG (not for keys). */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function installationRng(seed: number, index: number): () => number {
  return prng(Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(index + 1, 0xc2b2ae35));
}

const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
const digits = (r: () => number, n: number): string => {
  let s = '';
  for (let i = 0; i < n; i++) s += Math.floor(r() * 10);
  return s;
};
const hex = (n: number, width: number): string => n.toString(16).toUpperCase().padStart(width, '0');

// ---------------------------------------------------------------------------------------------
// Devices

/** Organisationally Unique Identifiers seen in ZigBee smart-metering devices (first three octets). */
const OUIS = ['00-0D-6F', '00-12-4B', '00-1B-C5', '00-15-8D', '70-B3-D5'] as const;

const DEVICE_SLOTS = ['CHF', 'GPF', 'ESME', 'GSME', 'PPMID', 'IHD', 'CAD'] as const;
type DeviceSlot = (typeof DEVICE_SLOTS)[number];

/** EUI-64 of a device of installation `index`: OUI + 5 octets unique per (seed, index, slot). */
export function sampleDeviceId(seed: number, index: number, slot: DeviceSlot): string {
  const oui = OUIS[(seed >>> 0) % OUIS.length]!;
  // 40 bits: 8 bits of seed, 29 bits of index, 3 bits of slot; unique for index < 2^29.
  const s = DEVICE_SLOTS.indexOf(slot);
  // An odd multiplier permutes 0 .. 2^29-1, so IDs look scattered but never collide.
  const perm = (Math.imul(index, 0x2545f491) + Math.imul(seed, 0x9e3779b1)) & 0x1fffffff;
  const v = (seed & 0xff) * 2 ** 32 + perm * 8 + s;
  const h = hex(v, 10);
  return `${oui}-${h.slice(0, 2)}-${h.slice(2, 4)}-${h.slice(4, 6)}-${h.slice(6, 8)}-${h.slice(8, 10)}`;
}

interface Model {
  manufacturer: string;
  model: string;
  firmware: readonly string[];
}
/** A small list of SMETS1-era device models (sample data, not the CPL). */
const MODELS: Readonly<Record<DeviceSlot, readonly Model[]>> = {
  CHF: [
    { manufacturer: 'Toshiba', model: 'TCH-GBCH-S1', firmware: ['1.4.2', '1.5.0'] },
    { manufacturer: 'Telit', model: 'CH-EDMI-S1', firmware: ['3.02', '3.10'] },
    { manufacturer: 'Landis+Gyr', model: 'E470-CH', firmware: ['2.18.4'] },
  ],
  GPF: [
    { manufacturer: 'Toshiba', model: 'TCH-GBCH-S1-GPF', firmware: ['1.4.2', '1.5.0'] },
    { manufacturer: 'Landis+Gyr', model: 'E470-GPF', firmware: ['2.18.4'] },
  ],
  ESME: [
    { manufacturer: 'Secure Meters', model: 'Liberty 100', firmware: ['L100-6.1', 'L100-6.3'] },
    { manufacturer: 'Landis+Gyr', model: 'E470 5394', firmware: ['4.4.1'] },
    { manufacturer: 'EDMI', model: 'Atlas Mk7A', firmware: ['7.11'] },
    { manufacturer: 'Aclara', model: 'SGM1410', firmware: ['02.05'] },
  ],
  GSME: [
    { manufacturer: 'Secure Meters', model: 'Liberty 100 Gas', firmware: ['G100-2.2'] },
    { manufacturer: 'Landis+Gyr', model: 'G470', firmware: ['1.9.0'] },
    { manufacturer: 'Elster', model: 'BK-G4 E', firmware: ['5.1'] },
  ],
  PPMID: [{ manufacturer: 'Secure Meters', model: 'Horizon PPMID', firmware: ['H-3.4'] }],
  IHD: [
    { manufacturer: 'Chameleon Technology', model: 'IHD3-S1', firmware: ['3.1.7'] },
    { manufacturer: 'Geo', model: 'Trio II', firmware: ['2.40'] },
  ],
  CAD: [{ manufacturer: 'Chameleon Technology', model: 'IHD-CAD', firmware: ['1.0.2'] }],
};

function deviceDetail(r: () => number, slot: DeviceSlot): DeviceDetail {
  const m = pick(r, MODELS[slot]);
  return {
    firmwareVersion: pick(r, m.firmware),
    deviceModel: m.model,
    deviceManufacturer: m.manufacturer,
    deviceType: slot,
  };
}

interface InstallationShape {
  r: () => number;
  ids: Record<DeviceSlot, string>;
  hasGsme: boolean;
  hasPpmid: boolean;
  hasIhd: boolean;
  hasCad: boolean;
}

function shape(seed: number, index: number): InstallationShape {
  const r = installationRng(seed, index);
  const ids = Object.fromEntries(DEVICE_SLOTS.map((s) => [s, sampleDeviceId(seed, index, s)])) as Record<
    DeviceSlot,
    string
  >;
  return { r, ids, hasGsme: r() < 0.8, hasPpmid: r() < 0.1, hasIhd: r() < 0.9, hasCad: r() < 0.05 };
}

const ISSUER = 'CN=s1mig Test SMKI Issuing CA,OU=07,O=s1mig Test';

function mcfInstallation(
  sh: InstallationShape,
  sup: SampleCertificatePair,
  no: SampleCertificatePair,
): McfInstallation {
  const { r, ids } = sh;
  const distributor = String(10 + Math.floor(r() * 14));
  // TMAD 10.1 Table 10.1 GPFDetail: without a GSME the GPF's four certificate IDs are the Null Certificate ID.
  const gpfSup = sh.hasGsme ? sup : { critical: NULL_CERTIFICATE_ID, nonCritical: NULL_CERTIFICATE_ID };
  const gpfNo = sh.hasGsme ? no : { critical: NULL_CERTIFICATE_ID, nonCritical: NULL_CERTIFICATE_ID };
  const inst: McfInstallation = {
    chfDetail: { deviceId: ids.CHF, deviceDetail: deviceDetail(r, 'CHF') },
    gpfDetail: {
      deviceId: ids.GPF,
      deviceDetail: deviceDetail(r, 'GPF'),
      criticalSupplierCertificateId: gpfSup.critical,
      nonCriticalSupplierCertificateId: gpfSup.nonCritical,
      criticalNetworkOperatorCertificateId: gpfNo.critical,
      nonCriticalNetworkOperatorCertificateId: gpfNo.nonCritical,
    },
    esmeDetail: {
      deviceId: ids.ESME,
      deviceDetail: deviceDetail(r, 'ESME'),
      esmeVariant: pick(r, ['A', 'A', 'A', 'B', 'C']),
      importMpan: mpanWithCheckDigit(distributor + digits(r, 10)),
      criticalSupplierCertificateId: sup.critical,
      nonCriticalSupplierCertificateId: sup.nonCritical,
      criticalNetworkOperatorCertificateId: no.critical,
      nonCriticalNetworkOperatorCertificateId: no.nonCritical,
    },
  };
  if (sh.hasGsme)
    inst.gsmeDetail = {
      deviceId: ids.GSME,
      deviceDetail: deviceDetail(r, 'GSME'),
      mprn: String(1 + Math.floor(r() * 9)) + digits(r, 9),
      criticalSupplierCertificateId: sup.critical,
      nonCriticalSupplierCertificateId: sup.nonCritical,
    };
  if (sh.hasPpmid) inst.ppmidDetail = { deviceId: ids.PPMID, deviceDetail: deviceDetail(r, 'PPMID') };
  if (sh.hasIhd) inst.ihdDetail = { deviceId: ids.IHD, deviceDetail: deviceDetail(r, 'IHD') };
  if (sh.hasCad) inst.cadDetail = { deviceId: ids.CAD, deviceDetail: deviceDetail(r, 'CAD') };
  return inst;
}

function ipv4(r: () => number, prefix: string): string {
  return `${prefix}.${Math.floor(r() * 256)}.${1 + Math.floor(r() * 254)}`;
}

function mgfInstallation(
  sh: InstallationShape,
  deviceCerts: readonly string[],
  index: number,
): MgfInstallation {
  const { r, ids } = sh;
  const sn = (p: string): string => `${p}${digits(r, 8)}`;
  return {
    chfIdentifier: ids.CHF,
    chfDetail: {
      imsi: '23430' + digits(r, 10),
      ipAddr: ipv4(r, '10.' + Math.floor(r() * 256)),
      dnsServer: '10.0.0.53',
      pingServer: '10.0.0.1',
      previousApn: pick(r, ['smets1.s1sp-a.apn', 'smets1.s1sp-b.apn', 'm2m.smets1.net']),
      serialNumbers: {
        chf: sn('CH'),
        gpf: sn('GP'),
        esme: sn('EM'),
        ...(sh.hasGsme ? { gsme: sn('GM') } : {}),
        ...(sh.hasPpmid ? { ppmid: sn('PP') } : {}),
      },
      deviceCertificate: deviceCerts[index % deviceCerts.length]!,
    },
  };
}

const FAILURES_MVF: ReadonlyArray<(sh: InstallationShape, sup: SampleCertificatePair) => FailedCheck> = [
  (sh) => ({ failedStepNumber: '5.10.2', supportingData: { deviceId: sh.ids.ESME } }),
  (sh) => ({ failedStepNumber: '5.10.3', supportingData: { deviceId: sh.ids.CHF } }),
  (_sh, sup) => ({
    failedStepNumber: '5.10.8',
    supportingData: { certificatePair: { certificateIds: [sup.critical, sup.nonCritical] } },
  }),
  (_sh, sup) => ({ failedStepNumber: '5.10.9', supportingData: { certificateId: sup.critical } }),
  () => ({ failedStepNumber: '5.10.18' }),
];

function outcomeInstallation(
  sh: InstallationShape,
  kind: 'MVF' | 'COF',
  sup: SampleCertificatePair,
): OutcomeInstallation {
  const { r } = sh;
  const failedChecks: FailedCheck[] = [];
  if (r() < 0.05) {
    if (kind === 'MVF') failedChecks.push(pick(r, FAILURES_MVF)(sh, sup));
    else
      failedChecks.push(
        pick(r, [
          { failedStepNumber: '6.3.4', supportingData: { deviceId: sh.ids.ESME } },
          { failedStepNumber: '6.3.12', supportingData: { errorCode: 'E' + digits(r, 3) } },
        ]),
      );
  }
  return { chfIdentifier: sh.ids.CHF, failedChecks };
}

function scfInstallation(sh: InstallationShape): ScfInstallation {
  const { r } = sh;
  const inst: ScfInstallation = { chfIdentifier: sh.ids.CHF, prepayFlag: r() < 0.15, failedChecks: [] };
  if (r() < 0.04)
    inst.failedChecks.push({
      failedStepNumber: pick(r, ['12.9.1', '12.10.1', '13.11.1']),
      supportingData: {
        errorCode: 'ET0' + (1 + Math.floor(r() * 8)),
        subStep: String(1 + Math.floor(r() * 5)),
      },
    });
  return inst;
}

const keyHex = (): string => randomBytes(16).toString('hex').toUpperCase();
const assoc = (): { authenticationKey: string; encryptionKey: string } => ({
  authenticationKey: keyHex(),
  encryptionKey: keyHex(),
});

interface MefKeys {
  s1sp: KeyObject;
  dco: KeyObject;
}

function mefInstallation(sh: InstallationShape, groupId: string, keys: MefKeys): MefInstallation {
  const { ids } = sh;
  const esmeMasterKey = randomBytes(16);
  let plaintext: string;
  if (groupId === 'EA' || groupId === 'EB' || groupId === 'EC') {
    plaintext = decryptedS1spDpGroupInformationToXml({
      chfIdentifier: ids.CHF,
      esmeDetail: { highLevelAssociation: assoc(), prepaymentKey: keyHex() },
      ...(sh.hasGsme ? { gsmeDetail: { prePayDetails: { prepaymentKey: keyHex() } } } : {}),
    });
  } else {
    const prepaymentKey = randomBytes(16);
    const dev = devKeys;
    plaintext = decryptedS1spGroupInformationToXml({
      chfIdentifier: ids.CHF,
      chfDetail: dev(),
      gpfDetail: dev(),
      esmeDetail: {
        ...dev(),
        prepaymentKey: prepaymentKey.toString('hex').toUpperCase(),
        wrappedPrepaymentKey: wrapPrepaymentKey(prepaymentKey, esmeMasterKey).toString('base64'),
      },
      ...(sh.hasGsme ? { gsmeDetail: dev() } : {}),
    });
  }
  const g = encryptS1spGroupInformationXml(Buffer.from(plaintext, 'utf8'), keys.s1sp);
  const inst: MefInstallation = {
    chfIdentifier: ids.CHF,
    encryptedS1spGroupInformation: {
      protectedData: g.ProtectedData,
      authenticationTag: g.AuthenticationTag,
      wrappedTransportKey: g.WrappedTransportKey,
    },
    encryptedMasterKeys: [
      {
        encryptedKey: encryptMasterKey(esmeMasterKey, keys.dco).toString('base64'),
        deviceIds: [ids.ESME, ids.GPF, ids.CHF],
      },
    ],
    suaKeyDetails: [],
  };
  if (sh.hasPpmid)
    inst.encryptedMasterKeys.push({
      encryptedKey: encryptMasterKey(randomBytes(16), keys.dco).toString('base64'),
      deviceIds: [ids.PPMID],
    });
  if (groupId === 'DA') {
    const meters: Array<['ESME' | 'GSME', string]> = [['ESME', ids.ESME]];
    if (sh.hasGsme) meters.push(['GSME', ids.GSME]);
    for (const [deviceType, id] of meters) {
      const sua = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      inst.suaKeyDetails.push({
        deviceType,
        serialNumber: id.replace(/-/g, ''),
        publicKey: formatSuaPublicKey(sua.publicKey),
        encryptedSuaKey: encryptSuaKey(randomBytes(16), keys.dco).toString('base64'),
      });
    }
  }
  esmeMasterKey.fill(0);
  return inst;
}

function devKeys(): {
  dataCollectionAssociation: { authenticationKey: string; encryptionKey: string };
  managementAssociation: { authenticationKey: string; encryptionKey: string };
  firmwareAssociation: { authenticationKey: string; encryptionKey: string };
} {
  return { dataCollectionAssociation: assoc(), managementAssociation: assoc(), firmwareAssociation: assoc() };
}

/** A few self-signed P-256 certificates standing in for CHF device certificates (base64 DER). */
async function sampleDeviceCertificates(seed: number, count: number): Promise<string[]> {
  const out: string[] = [];
  const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
  for (let i = 0; i < count; i++) {
    const keys = await webcrypto.subtle.generateKey(alg, false, ['sign', 'verify']);
    const cert = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: hex(seed & 0xffff, 4) + hex(i + 1, 4),
      name: `CN=${sampleDeviceId(seed, i, 'CHF').replace(/-/g, '')},O=SMETS1 Sample CHF`,
      notBefore: new Date('2016-01-01T00:00:00Z'),
      notAfter: new Date('2036-01-01T00:00:00Z'),
      keys: keys as never,
      signingAlgorithm: alg,
    });
    out.push(Buffer.from(cert.rawData).toString('base64'));
  }
  return out;
}

/** The header generateSampleFile writes for these options (e.g. to name the file before writing it). */
export function sampleFileHeader<T extends SignedMigrationFileType>(
  type: T,
  o: SampleFileOptions,
): HeaderByFileType[T] {
  const mcfCounter = BigInt(o.mcfCounter);
  const counter = BigInt(o.counter);
  const groupId = o.groupId ?? 'AA';
  const reportingPartyId = o.reportingPartyId ?? '70-B3-D5-1F-30-11-00-01';
  const h: Record<SignedMigrationFileType, () => unknown> = {
    MCF: () => ({
      requestingPartyId: o.requestingPartyId,
      mcfCounter,
      groupId,
      toBeCommissionedByDcc: o.toBeCommissionedByDcc ?? true,
      ...(o.commissioningPartyId ? { commissioningPartyIdentifier: o.commissioningPartyId } : {}),
    }),
    MVF: () => ({
      requestingPartyId: o.requestingPartyId,
      mcfCounter,
      reportingPartyId,
      mvfCounter: counter,
      groupId,
    }),
    MGF: () => ({ requestingPartyId: o.requestingPartyId, mcfCounter, mgfCounter: counter, groupId }),
    MEF: () => ({ requestingPartyId: o.requestingPartyId, mcfCounter, mefCounter: counter, groupId }),
    SCF: () => ({
      requestingPartyId: o.requestingPartyId,
      mcfCounter,
      reportingPartyId,
      scfCounter: counter,
      groupId,
    }),
    COF: () => ({
      requestingPartyId: o.requestingPartyId,
      mcfCounter,
      commissioningPartyId: o.commissioningPartyId ?? '70-B3-D5-1F-30-12-00-01',
      cofCounter: counter,
      groupId,
    }),
  };
  return h[type]() as HeaderByFileType[T];
}

/** Write a realistic, schema-valid, UNSIGNED sample file of `type` to `out` (which is ended). */
export async function generateSampleFile<T extends SignedMigrationFileType>(
  type: T,
  opts: SampleFileOptions,
  out: Writable,
): Promise<SampleFileResult<T>> {
  if (!Number.isSafeInteger(opts.installations) || opts.installations < 1)
    throw new RangeError(
      `installations ${opts.installations}: expected a whole number of at least 1 (TMAD 10.1)`,
    );
  const seed = opts.seed ?? 1;
  const header = sampleFileHeader(type, opts);
  const groupId = opts.groupId ?? 'AA';
  const sup: SampleCertificatePair = opts.supplierCertificates ?? {
    critical: { issuerName: ISSUER, serialNumber: String(1_000_000 + (seed % 1000)) },
    nonCritical: { issuerName: ISSUER, serialNumber: String(2_000_000 + (seed % 1000)) },
  };
  const no: SampleCertificatePair = opts.networkOperatorCertificates ?? {
    critical: NULL_CERTIFICATE_ID,
    nonCritical: NULL_CERTIFICATE_ID,
  };
  let result: SampleFileResult<T> = { fileType: type, header, installations: opts.installations };
  let make: (sh: InstallationShape, i: number) => InstallationByFileType[SignedMigrationFileType];
  switch (type) {
    case 'MCF':
      make = (sh) => mcfInstallation(sh, sup, no);
      break;
    case 'MVF':
    case 'COF':
      make = (sh) => outcomeInstallation(sh, type, sup);
      break;
    case 'SCF':
      make = (sh) => scfInstallation(sh);
      break;
    case 'MGF': {
      const certs = await sampleDeviceCertificates(seed, Math.min(8, opts.installations));
      make = (sh, i) => mgfInstallation(sh, certs, i);
      break;
    }
    case 'MEF': {
      let s1sp = opts.s1spPublicKey;
      let dco = opts.dcoPublicKey;
      const generated: { s1spPrivateKey?: KeyObject; dcoPrivateKey?: KeyObject } = {};
      if (!s1sp) {
        const k = generateKeyPairSync('rsa', { modulusLength: 2048 });
        s1sp = k.publicKey;
        generated.s1spPrivateKey = k.privateKey;
      }
      if (!dco) {
        const k = generateKeyPairSync('rsa', { modulusLength: 2048 });
        dco = k.publicKey;
        generated.dcoPrivateKey = k.privateKey;
      }
      if (generated.s1spPrivateKey || generated.dcoPrivateKey)
        result = { ...result, generatedKeys: generated };
      const keys: MefKeys = { s1sp, dco };
      make = (sh) => mefInstallation(sh, groupId, keys);
      break;
    }
    default:
      throw new RangeError(`unknown file type ${String(type)}`);
  }
  const w = createMigrationFileWriter(
    type,
    out,
    header,
    opts.indent !== undefined ? { indent: opts.indent } : {},
  );
  for (let i = 0; i < opts.installations; i++) {
    await w.writeInstallation(make(shape(seed, i), i) as InstallationByFileType[T]);
    opts.onInstallation?.(i + 1);
  }
  await w.end();
  return result;
}
