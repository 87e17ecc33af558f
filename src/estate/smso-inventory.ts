// The simulated estate: a reproducible SMSO inventory (and its key material) from a seed. The same seed,
// count, SMSO and as-of time give the same CSV files byte for byte: every choice comes from a seeded PRNG
// (sfc32 seeded by SHA-256 of the seed), never from Math.random or the clock. The key material is test
// data: never use it for real devices.
import { createECDH, createHash } from 'node:crypto';
import { DISTRIBUTOR_IDS, mpanWithCheckDigit } from '../core/ids/mpxn.js';
import { eui64FromBytes } from '../core/ids/eui64.js';
import {
  writeSmsoInventoryCsv,
  type SmsoDevice,
  type SmsoInstallation,
} from '../core/formats/smso/inventory.js';
import {
  ASSOCIATION_NAMES,
  writeSmsoKeyMaterialCsv,
  type DeviceKeys,
  type InstallationKeyMaterial,
} from '../core/formats/smso/key-material.js';
import { utcSeconds } from '../core/formats/smso/csv.js';
import type { DeviceType } from '../core/ids/reference.js';

/** A seeded PRNG (sfc32, 128-bit state from SHA-256 of the seed): numbers in [0, 1). */
export function seededRandom(seed: string): () => number {
  const h = createHash('sha256').update(`s1mig estate ${seed}`).digest();
  let a = h.readUInt32LE(0);
  let b = h.readUInt32LE(4);
  let c = h.readUInt32LE(8);
  let d = h.readUInt32LE(12);
  const next = (): number => {
    a >>>= 0;
    b >>>= 0;
    c >>>= 0;
    d >>>= 0;
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  for (let i = 0; i < 15; i++) next();
  return next;
}

export interface SmsoEstateOptions {
  installations: number;
  seed: string;
  /** SMSO code (default CGI). */
  smso?: string;
  /** The time the inventory describes (default 2026-01-05T00:00:00Z): WAN contact times lie before it. */
  asOf?: Date;
}

export interface SmsoEstate {
  installations: SmsoInstallation[];
  keyMaterial: InstallationKeyMaterial[];
}

/** Fictional device models per device type (manufacturer, model, firmware). */
const MODELS: Readonly<Record<DeviceType, ReadonlyArray<readonly [string, string, string]>>> = {
  CHF: [
    ['Telegesis', 'CHF-S1-A', '2.1.4'],
    ['Toshiba', 'HUB-S1-200', '1.8.0'],
  ],
  ESME: [
    ['Landis+Gyr', 'E470-S1', '03.2A'],
    ['Secure', 'Liberty-100', '5.12'],
    ['EDMI', 'Atlas-S1', '1.0.7'],
  ],
  GSME: [
    ['Landis+Gyr', 'G470-S1', '02.9'],
    ['Secure', 'Europa-G', '4.4'],
  ],
  GPF: [['Telegesis', 'GPF-S1', '2.1.4']],
  PPMID: [['Chameleon', 'PPMID-S1', '1.3']],
  IHD: [
    ['Chameleon', 'IHD-S1', '3.0'],
    ['Geo', 'Trio-S1', '2.2'],
  ],
  CAD: [['Hildebrand', 'Glow-S1', '1.1']],
};

const TYPE_CODE: Readonly<Record<DeviceType, number>> = {
  CHF: 1,
  ESME: 2,
  GSME: 3,
  GPF: 4,
  PPMID: 5,
  IHD: 6,
  CAD: 7,
};

export function generateSmsoEstate(o: SmsoEstateOptions): SmsoEstate {
  if (!Number.isSafeInteger(o.installations) || o.installations < 0 || o.installations > 10_000_000)
    throw new RangeError('installations must be a whole number from 0 to 10,000,000');
  const r = seededRandom(`${o.seed}/${o.smso ?? 'CGI'}`);
  const asOf = (o.asOf ?? new Date('2026-01-05T00:00:00Z')).getTime();
  const bytes = (n: number): Buffer => {
    const b = Buffer.alloc(n);
    for (let i = 0; i < n; i++) b[i] = Math.floor(r() * 256);
    return b;
  };
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const digits = (n: number): string => Array.from({ length: n }, () => Math.floor(r() * 10)).join('');
  const prefix = bytes(2);
  const distributors = Object.keys(DISTRIBUTOR_IDS);
  const hanStart = Date.UTC(2014, 0, 1);
  const hanSpan = Date.UTC(2019, 0, 1) - hanStart;
  const time = (ms: number): string => utcSeconds(new Date(Math.floor(ms / 1000) * 1000));

  const installations: SmsoInstallation[] = [];
  const keyMaterial: InstallationKeyMaterial[] = [];
  for (let n = 0; n < o.installations; n++) {
    let ordinal = 0;
    const id = (type: DeviceType): string => {
      const b = Buffer.alloc(8);
      b[0] = 0x00;
      b[1] = 0xdb;
      prefix.copy(b, 2);
      b[4] = (TYPE_CODE[type] << 4) | (ordinal++ & 0x0f);
      b.writeUIntBE(n, 5, 3);
      return eui64FromBytes(b);
    };
    const joined = hanStart + Math.floor(r() * hanSpan);
    const device = (type: DeviceType, status: SmsoDevice['status'], joinOffsetDays = 0): SmsoDevice => {
      const [manufacturer, model, firmwareVersion] = pick(MODELS[type]);
      return {
        deviceType: type,
        deviceId: id(type),
        manufacturer,
        model,
        firmwareVersion,
        serialNumber: `${manufacturer.slice(0, 3).toUpperCase()}${digits(9)}`,
        status,
        hanJoinedAt: type === 'CHF' ? null : time(joined + joinOffsetDays * 86_400_000),
      };
    };
    const devices: SmsoDevice[] = [device('CHF', null)];
    devices.push(device('ESME', r() < 0.88 ? 'Active' : 'Dormant'));
    const gas = r() < 0.7;
    if (gas) {
      devices.push(device('GSME', r() < 0.9 ? 'Active' : 'Dormant', 1));
      devices.push(device('GPF', 'Active', 0));
    }
    if (r() < 0.6) devices.push(device('PPMID', null, 2));
    if (r() < 0.95) devices.push(device('IHD', null, 2));
    if (r() < 0.05) devices.push(device('IHD', null, 400 + Math.floor(r() * 600))); // a replacement IHD (4.34A)
    if (r() < 0.1) devices.push(device('CAD', null, 100 + Math.floor(r() * 1000)));
    const chf = devices[0]!.deviceId;
    const contact = r() < 0.02 ? null : time(asOf - Math.floor(r() * 10 * 86_400_000));
    installations.push({
      chfDeviceId: chf,
      mpan: mpanWithCheckDigit(pick(distributors) + digits(10)),
      mprn: gas ? String(1 + Math.floor(r() * 9)) + digits(9) : null,
      lastWanContactAt: contact,
      unsolicitedHalfHourlyData: r() < 0.03,
      devices,
    });

    keyMaterial.push(generateKeyMaterial(chf, devices, r));
  }
  return { installations, keyMaterial };
}

/**
 * Test key material of one installation from the PRNG `r`. One Master Key shared by the CHF, GPF and
 * ESME (Table 10.1 EncryptedMasterKey), one per PPMID; the association keys of Table 11.2.1's
 * plaintexts; prepayment and DA SUA keys.
 */
export function generateKeyMaterial(
  chf: string,
  devices: readonly SmsoDevice[],
  r: () => number,
): InstallationKeyMaterial {
  const bytes = (n: number): Buffer => {
    const b = Buffer.alloc(n);
    for (let i = 0; i < n; i++) b[i] = Math.floor(r() * 256);
    return b;
  };
  const hex = (n: number): string => bytes(n).toString('hex').toUpperCase();
  const master = hex(16);
  const assoc = (): Record<string, string> =>
    Object.fromEntries(
      ASSOCIATION_NAMES.flatMap((a) => [
        [`${a}.AuthenticationKey`, hex(16)],
        [`${a}.EncryptionKey`, hex(16)],
      ]),
    );
  const sua = (): Record<string, string> => {
    bytes(32); // drawn and unused: keeps the PRNG sequence of earlier versions
    const suaKey = hex(16);
    const { publicKey } = suaDeviceKeyPair(suaKey);
    return { SUAKey: suaKey, SUAPublicKey: publicKey.toString('hex').toUpperCase() };
  };
  const keysFor = (d: SmsoDevice): Record<string, string> | undefined => {
    switch (d.deviceType) {
      case 'CHF':
      case 'GPF':
        return { MasterKey: master, ...assoc() };
      case 'ESME':
        return {
          MasterKey: master,
          ...assoc(),
          'HighLevelAssociation.AuthenticationKey': hex(16),
          'HighLevelAssociation.EncryptionKey': hex(16),
          PrepaymentKey: hex(16),
          PrepaymentWrapperKey: hex(16),
          ...sua(),
        };
      case 'GSME': {
        const prepaymentKey = hex(16);
        return {
          ...assoc(),
          PrepaymentKey: prepaymentKey,
          // Appendix A A2 GT02.9 (GroupID CA) needs a prepayment GSME's PrepaymentWrapperKey too; it is
          // derived, not drawn, so the PRNG sequence (and every other key) stays that of earlier versions.
          PrepaymentWrapperKey: createHash('sha256')
            .update('s1mig estate gsme prepayment wrapper key')
            .update(prepaymentKey)
            .digest()
            .subarray(0, 16)
            .toString('hex')
            .toUpperCase(),
          ...sua(),
        };
      }
      case 'PPMID':
        return { MasterKey: hex(16) };
      default:
        return undefined;
    }
  };
  const devKeys: DeviceKeys[] = [];
  for (const d of devices) {
    const k = keysFor(d);
    if (k) devKeys.push({ deviceType: d.deviceType, deviceId: d.deviceId, keys: k });
  }
  return { chfDeviceId: chf, devices: devKeys };
}

/**
 * The permanent P-256 key pair of a simulated ESME or GSME (Appendix C C5/C6: the device signs its
 * new public key with it; SUAKeyDetails PublicKey is its public half). Test data only: derived from
 * the device's SUA key, so the simulated device (src/estate/devices) can be rebuilt from the key
 * material alone. A real device's private key never leaves it.
 */
export function suaDeviceKeyPair(suaKeyHex: string): { privateKey: Buffer; publicKey: Buffer } {
  const priv = createHash('sha256')
    .update('s1mig estate sua device key')
    .update(suaKeyHex.toUpperCase())
    .digest();
  priv[0] = (priv[0]! & 0x7f) | 0x01; // non-zero and below the P-256 group order
  const ecdh = createECDH('prime256v1');
  ecdh.setPrivateKey(priv);
  return { privateKey: priv, publicKey: ecdh.getPublicKey(undefined, 'uncompressed') };
}

/** The inventory CSV and key-material CSV of a generated estate. */
export function generateSmsoInventoryFiles(o: SmsoEstateOptions): { inventoryCsv: string; keysCsv: string } {
  const e = generateSmsoEstate(o);
  return {
    inventoryCsv: writeSmsoInventoryCsv(e.installations),
    keysCsv: writeSmsoKeyMaterialCsv(e.keyMaterial),
  };
}
