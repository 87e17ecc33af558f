// Test support for the S1SP's commissioning (TMAD 5.27): S1SP Viable Installations of every GroupID
// built the way the chain builds them (SMSO key material → the SMSO's plaintext and TMAD 11
// encryption → MEF), the simulated devices for the same key material, and
// `createInMemoryTestDcoRequests`: an in-memory stand-in for the DCO's half of DcoRequests that does
// the real crypto (unwraps the MEF's EncryptedMasterKeys and EncryptedSUAKeys with the estate's DCO
// keys, wraps with RFC 3394). It is for unit tests only; the end-to-end run wires the real DCO.
import {
  createECDH,
  generateKeyPairSync,
  randomBytes,
  sign,
  createCipheriv,
  type KeyObject,
} from 'node:crypto';
import { generateSmsoEstate } from '../../src/estate/smso-inventory.js';
import {
  createSimulatedEstate,
  type FaultRule,
  type SimulatedEstate,
} from '../../src/estate/devices/index.js';
import { masterKeyGroups, plaintextFor } from '../../src/smso/encrypt.js';
import {
  decryptMasterKey,
  decryptSuaKey,
  encryptMasterKey,
  encryptSuaKey,
} from '../../src/core/crypto/index.js';
import { aesKeyWrap } from '../../src/lib/crypto/key-wrap.js';
import {
  parseDecryptedS1spDpGroupInformation,
  parseDecryptedS1spGroupInformation,
} from '../../src/core/formats/migration-files/reader.js';
import type {
  McfInstallation,
  MefInstallation,
  MgfInstallation,
} from '../../src/core/formats/migration-files/index.js';
import type { DcoRequests, InstallationRef } from '../../src/core/dco-requests/index.js';
import type { SmiChfRequests } from '../../src/core/head-end/index.js';
import {
  encodeSuaInstruction,
  p256PublicKey,
  suaDeviceSignatureValid,
  suaInstructionMac,
  suaRotationKey,
} from '../../src/core/head-end/sua-instruction.js';
import type { GroupId } from '../../src/core/ids/reference.js';
import type { SmsoInstallation } from '../../src/core/formats/smso/inventory.js';
import type { InstallationKeyMaterial } from '../../src/core/formats/smso/key-material.js';
import type { S1spViableInstallation } from '../../src/s1sp/commissioning-contract.js';

const CERT = { serialNumber: '1', issuerName: 'CN=Test Issuing CA' };
export const TEST_DEVICE_CERTIFICATE = Buffer.from('test CHF device certificate').toString('base64');

/** The DCO's key pairs of TMAD 5.1(a) for a test world (RSA 2048, made once per process). */
let dcoKeys:
  { masterKey: { pub: KeyObject; priv: KeyObject }; suaKey: { pub: KeyObject; priv: KeyObject } } | undefined;
export function testDcoKeys(): NonNullable<typeof dcoKeys> {
  if (!dcoKeys) {
    const a = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const b = generateKeyPairSync('rsa', { modulusLength: 2048 });
    dcoKeys = {
      masterKey: { pub: a.publicKey, priv: a.privateKey },
      suaKey: { pub: b.publicKey, priv: b.privateKey },
    };
  }
  return dcoKeys;
}

export interface WorldInstallation {
  viable: S1spViableInstallation;
  smso: SmsoInstallation;
  keyMaterial: InstallationKeyMaterial;
}

const dev = (
  type: string,
  d: { deviceId: string; manufacturer: string; model: string; firmwareVersion: string },
) => ({
  deviceId: d.deviceId,
  deviceDetail: {
    firmwareVersion: d.firmwareVersion,
    deviceModel: d.model,
    deviceManufacturer: d.manufacturer,
    deviceType: type,
  },
});

/** S1SP Viable Installations of a GroupID from a seeded SMSO estate (every key through the real code). */
export async function worldInstallations(
  groupId: GroupId,
  n: number,
  seed: string,
  filter: (i: SmsoInstallation) => boolean = () => true,
): Promise<WorldInstallation[]> {
  const e = generateSmsoEstate({ installations: n * 30, seed: `${seed}/${groupId}` });
  const keys = testDcoKeys();
  const out: WorldInstallation[] = [];
  for (let k = 0; k < e.installations.length && out.length < n; k++) {
    const inst = e.installations[k]!;
    if (!filter(inst)) continue;
    const km = e.keyMaterial[k]!;
    const of = (t: string) => inst.devices.find((d) => d.deviceType === t);
    const chf = of('CHF')!;
    const esme = of('ESME')!;
    const gsme = of('GSME');
    const gpf = of('GPF');
    const ppmid = of('PPMID');
    const mcf: McfInstallation = {
      chfDetail: dev('CHF', chf),
      gpfDetail: {
        ...dev('GPF', gpf ?? { ...chf, deviceId: chf.deviceId.replace(/^00-DB/, '00-DC') }),
        criticalSupplierCertificateId: CERT,
        nonCriticalSupplierCertificateId: CERT,
        criticalNetworkOperatorCertificateId: CERT,
        nonCriticalNetworkOperatorCertificateId: CERT,
      },
      esmeDetail: {
        ...dev('ESME', esme),
        esmeVariant: 'A',
        importMpan: inst.mpan ?? '',
        criticalSupplierCertificateId: CERT,
        nonCriticalSupplierCertificateId: CERT,
        criticalNetworkOperatorCertificateId: CERT,
        nonCriticalNetworkOperatorCertificateId: CERT,
      },
      ...(gsme
        ? {
            gsmeDetail: {
              ...dev('GSME', gsme),
              mprn: inst.mprn ?? '1',
              criticalSupplierCertificateId: CERT,
              nonCriticalSupplierCertificateId: CERT,
            },
          }
        : {}),
      ...(ppmid ? { ppmidDetail: dev('PPMID', ppmid) } : {}),
    };
    const mgf: MgfInstallation = {
      chfIdentifier: chf.deviceId,
      chfDetail: {
        imsi: '234150000000001',
        previousApn: 'smso.apn',
        ...(groupId === 'CA' || groupId === 'CB' ? { ipAddr: '10.0.0.1' } : {}),
        serialNumbers: {
          chf: chf.serialNumber!,
          esme: esme.serialNumber!,
          ...(gsme ? { gsme: gsme.serialNumber! } : {}),
          ...(gpf ? { gpf: gpf.serialNumber! } : {}),
        },
        ...(groupId === 'EA' || groupId === 'EB' || groupId === 'EC'
          ? { deviceCertificate: TEST_DEVICE_CERTIFICATE }
          : {}),
      },
    };
    let mef: MefInstallation;
    let groupInformation: S1spViableInstallation['groupInformation'];
    if (groupId === 'DA') {
      mef = {
        chfIdentifier: chf.deviceId,
        encryptedMasterKeys: [],
        suaKeyDetails: (['ESME', 'GSME'] as const).flatMap((t) => {
          const d = of(t);
          const k = km.devices.find((x) => x.deviceType === t)?.keys;
          if (!d || !k?.SUAKey) return [];
          return [
            {
              deviceType: t,
              serialNumber: d.serialNumber!,
              publicKey: Buffer.from(k.SUAPublicKey!, 'hex').toString('base64'),
              encryptedSuaKey: encryptSuaKey(Buffer.from(k.SUAKey, 'hex'), keys.suaKey.pub).toString(
                'base64',
              ),
            },
          ];
        }),
      };
    } else {
      mef = {
        chfIdentifier: chf.deviceId,
        encryptedMasterKeys: masterKeyGroups(km).map((g) => ({
          encryptedKey: encryptMasterKey(Buffer.from(g.key, 'hex'), keys.masterKey.pub).toString('base64'),
          deviceIds: g.deviceIds,
        })),
        suaKeyDetails: [],
      };
      const xml = plaintextFor(groupId, km);
      groupInformation =
        groupId === 'EA' || groupId === 'EB' || groupId === 'EC'
          ? await parseDecryptedS1spDpGroupInformation(xml)
          : await parseDecryptedS1spGroupInformation(xml);
    }
    const ref: InstallationRef = {
      requestingPartyId: '70-B3-D5-1F-30-00-00-01',
      mcfCounter: 7n,
      groupId,
      chfIdentifier: chf.deviceId,
    };
    out.push({
      viable: {
        ref,
        header: {
          requestingPartyId: ref.requestingPartyId,
          mcfCounter: 7n,
          groupId,
          toBeCommissionedByDcc: true,
        },
        mcf,
        ...(groupId === 'DA' ? {} : { mgf }),
        mef,
        ...(groupInformation ? { groupInformation } : {}),
      },
      smso: inst,
      keyMaterial: km,
    });
  }
  return out;
}

/** The simulated devices of world installations. */
export function worldDevices(
  ws: readonly WorldInstallation[],
  o: { seed: string; faults?: FaultRule[]; now: () => Date; prepaymentShare?: number },
): SimulatedEstate {
  return createSimulatedEstate({
    seed: o.seed,
    now: o.now,
    ...(o.faults ? { faults: o.faults } : {}),
    ...(o.prepaymentShare !== undefined ? { prepaymentShare: o.prepaymentShare } : {}),
    installations: ws.map((w) => ({
      groupId: w.viable.ref.groupId,
      installation: w.smso,
      keyMaterial: w.keyMaterial,
      ...(w.viable.ref.groupId.startsWith('E') ? { deviceCertificate: TEST_DEVICE_CERTIFICATE } : {}),
    })),
  });
}

/** A test stand-in for the DCC's Smart Metering Inventory (DP01): records the CHFs added. */
export function testSmi(
  refuse: (chf: string) => string | undefined = () => undefined,
): SmiChfRequests & { added: string[] } {
  const added: string[] = [];
  return {
    added,
    async addChf(r) {
      const why = refuse(r.chfDeviceId);
      if (why === 'Pending') return { ok: true, status: 'Pending' };
      if (why) return { ok: false, reason: why };
      added.push(r.chfDeviceId);
      return { ok: true, status: 'Commissioned' };
    },
  };
}

export type TestDcoOperation = keyof DcoRequests;

/** What a refusal may look at in a request (B6 ET05 vs ET08: the association; C5 vs C6: the device type). */
export interface TestDcoRequestSummary {
  associationName?: string;
  deviceType?: string;
}

/**
 * An in-memory test stand-in for the DCO behind DcoRequests, with the real crypto. `refuse` names the
 * operations to refuse for an installation (to produce ET02, ET08.2, B ET05/ET08, C GT03/GT06.2).
 */
export function createInMemoryTestDcoRequests(
  mefs: readonly MefInstallation[],
  o: {
    refuse?: (op: TestDcoOperation, chf: string, request: TestDcoRequestSummary) => boolean;
  } = {},
): DcoRequests & { commissioned: string[]; rolledBack: string[]; held: (chf: string) => number } {
  const keys = testDcoKeys();
  const mefOf = new Map(mefs.map((m) => [m.chfIdentifier, m]));
  const signing = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const secret = randomBytes(32); // "a secret key known only to the DCO"
  /** Per installation: Device ID → current Master Key; device serial → DCO key pair. */
  const state = new Map<
    string,
    { master: Map<string, Buffer>; dco: Map<string, { priv: Buffer; pub: Buffer }> }
  >();
  const st = (chf: string) => {
    let s = state.get(chf);
    if (!s) state.set(chf, (s = { master: new Map(), dco: new Map() }));
    return s;
  };
  const no = (clause: string, reason: string) => ({ ok: false as const, clause, reason });
  const refused = (op: TestDcoOperation, chf: string, request: TestDcoRequestSummary = {}) =>
    o.refuse?.(op, chf, request) === true;
  const commissioned: string[] = [];
  const rolledBack: string[] = [];
  return {
    commissioned,
    rolledBack,
    held: (chf) => {
      const s = state.get(chf);
      return s ? s.master.size + s.dco.size : 0;
    },
    async processEncryptedMasterKey(ref, emk) {
      const mef = mefOf.get(ref.chfIdentifier);
      if (!mef) return no('TMAD 5.20', 'not a DCO Viable Installation');
      if (refused('processEncryptedMasterKey', ref.chfIdentifier))
        return no('Appendix A ET02', 'refused by the test');
      const same = mef.encryptedMasterKeys.find(
        (m) => m.encryptedKey === emk.encryptedKey && m.deviceIds.join() === emk.deviceIds.join(),
      );
      if (!same) return no('Appendix A ET02', 'not semantically identical to the MEF');
      const mk = decryptMasterKey(emk.encryptedKey, keys.masterKey.priv);
      for (const d of emk.deviceIds) st(ref.chfIdentifier).master.set(d, mk);
      const iv = randomBytes(12);
      const c = createCipheriv('aes-256-gcm', secret, iv);
      const body = Buffer.concat([
        iv,
        c.update(mk),
        c.final(),
        c.getAuthTag(),
        Buffer.from(emk.deviceIds.join(',')),
      ]);
      return {
        ok: true,
        value: { signedPackage: Buffer.concat([body, sign('sha256', body, signing.privateKey)]) },
      };
    },
    async createKeyChange(ref, r) {
      if (refused('createKeyChange', ref.chfIdentifier, { associationName: r.associationName }))
        return no('Appendix A ET08', 'refused by the test');
      const s = st(ref.chfIdentifier);
      let mk = s.master.get(r.deviceId);
      if (!mk) {
        // EA/EB/EC: ET05 asks for the ESME directly; decrypt its EncryptedMasterKey now.
        const emk = mefOf
          .get(ref.chfIdentifier)
          ?.encryptedMasterKeys.find((m) => m.deviceIds.includes(r.deviceId));
        if (!emk) return no('TMAD 5.20', `no Master Key for ${r.deviceId}`);
        mk = decryptMasterKey(emk.encryptedKey, keys.masterKey.priv);
        s.master.set(r.deviceId, mk);
      }
      const protectedKey = aesKeyWrap(mk, Buffer.from(r.newKey));
      if (r.associationName === 'MasterKey') s.master.set(r.deviceId, Buffer.from(r.newKey));
      return { ok: true, value: { protectedKey } };
    },
    async createSuaAuthorisation(ref, r) {
      if (refused('createSuaAuthorisation', ref.chfIdentifier, { deviceType: r.deviceType }))
        return no('Appendix C GT03', 'refused by the test');
      const d = mefOf
        .get(ref.chfIdentifier)
        ?.suaKeyDetails.find((x) => x.serialNumber === r.serialNumber && x.deviceType === r.deviceType);
      if (!d) return no('TMAD 5.20', 'the serial number is in no DCO Viable Installation');
      const sua = decryptSuaKey(d.encryptedSuaKey, keys.suaKey.priv);
      const ecdh = createECDH('prime256v1');
      ecdh.generateKeys();
      const pair = { priv: ecdh.getPrivateKey(), pub: ecdh.getPublicKey(undefined, 'uncompressed') };
      st(ref.chfIdentifier).dco.set(r.serialNumber, pair);
      const i = {
        kind: 'authorisation' as const,
        deviceType: r.deviceType,
        serialNumber: r.serialNumber,
        dcoPublicKey: pair.pub,
      };
      return {
        ok: true,
        value: {
          instruction: encodeSuaInstruction({ ...i, mac: suaInstructionMac(sua, i) }),
          dcoPublicKey: pair.pub,
        },
      };
    },
    async createSuaRotation(ref, r) {
      if (refused('createSuaRotation', ref.chfIdentifier, { deviceType: r.deviceType }))
        return no('Appendix C GT06', 'refused by the test');
      const d = mefOf.get(ref.chfIdentifier)?.suaKeyDetails.find((x) => x.serialNumber === r.serialNumber);
      const pair = st(ref.chfIdentifier).dco.get(r.serialNumber);
      if (!d || !pair || Buffer.compare(pair.pub, Buffer.from(r.dcoPublicKey)) !== 0)
        return no('Appendix C GT06', 'no authorisation of this DCO Public Key');
      if (!suaDeviceSignatureValid(Buffer.from(d.publicKey, 'base64'), r.devicePublicKey, r.deviceSignature))
        return no(
          'Appendix C GT06',
          "the device's signature does not verify against the installation's PublicKey",
        );
      p256PublicKey(r.devicePublicKey);
      const ecdh = createECDH('prime256v1');
      ecdh.setPrivateKey(pair.priv);
      const k = suaRotationKey(ecdh.computeSecret(Buffer.from(r.devicePublicKey)));
      const i = {
        kind: 'rotation' as const,
        deviceType: r.deviceType,
        serialNumber: r.serialNumber,
        dcoPublicKey: pair.pub,
        devicePublicKey: Buffer.from(r.devicePublicKey),
      };
      return {
        ok: true,
        value: { instruction: encodeSuaInstruction({ ...i, mac: suaInstructionMac(k, i) }) },
      };
    },
    async chfCommissioned(ref) {
      commissioned.push(ref.chfIdentifier);
    },
    async commissioningRestarted() {},
    async installationRolledBack(ref) {
      rolledBack.push(ref.chfIdentifier);
      state.delete(ref.chfIdentifier);
    },
  };
}
