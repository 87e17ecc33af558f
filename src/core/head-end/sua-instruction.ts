// The form of the DCO's Single Use Authorisation instructions (Appendix C C5 GT03 / GT06, C6 ET03 /
// ET06) as s1mig's simulated estate understands them. The TMAD names the instructions but not their
// bytes (those are the device manufacturers'); this is the agreement between whoever creates them
// (the DCO, behind DcoRequests) and whoever executes them (a SMETS1 ESME or GSME, simulated in
// src/estate/devices). docs/S1SP-COMMISSIONING.md describes it. Pure: node:crypto only.
//
// - authorisation (GT03 / ET03): "containing a DCO Public Key, using the decrypted EncryptedSUAKey":
//   MAC = HMAC-SHA256(SUAKey, "s1mig-sua/authorisation" | deviceType | serialNumber | dcoPublicKey).
// - rotation (GT06 / ET06): "using the key derived from the device's Public Key and the Private Key
//   corresponding to the supplied DCO Public Key": k = SHA-256(ECDH-P256(dcoPrivate, devicePublic)),
//   MAC = HMAC-SHA256(k, "s1mig-sua/rotation" | deviceType | serialNumber | dcoPublicKey | devicePublicKey).
// - the device's answer: a new P-256 public key and an ECDSA-SHA256 signature on it by the device's
//   permanent private key (whose public key is SUAKeyDetails PublicKey, Table 11.3B).
import {
  createHash,
  createHmac,
  createPublicKey,
  timingSafeEqual,
  verify,
  type KeyObject,
} from 'node:crypto';

export const SUA_INSTRUCTION_FORMAT = 's1mig-sua';

export interface SuaInstruction {
  kind: 'authorisation' | 'rotation';
  deviceType: 'ESME' | 'GSME';
  serialNumber: string;
  /** Uncompressed P-256 point of the DCO key, 65 octets. */
  dcoPublicKey: Uint8Array;
  /** rotation only: the device public key the rotation was derived from. */
  devicePublicKey?: Uint8Array;
  mac: Uint8Array;
}

const b64 = (u: Uint8Array): string => Buffer.from(u).toString('base64');

function macInput(i: Omit<SuaInstruction, 'mac'>): Buffer {
  const parts = [
    `s1mig-sua/${i.kind}`,
    i.deviceType,
    i.serialNumber,
    b64(i.dcoPublicKey),
    ...(i.kind === 'rotation' ? [b64(i.devicePublicKey ?? new Uint8Array())] : []),
  ];
  return Buffer.from(parts.join('|'), 'utf8');
}

/** The MAC of an instruction under `key` (the SUA key, or the rotation key). */
export function suaInstructionMac(key: Uint8Array, i: Omit<SuaInstruction, 'mac'>): Buffer {
  return createHmac('sha256', key).update(macInput(i)).digest();
}

/** The rotation key from an ECDH shared secret (GT06 / ET06). */
export function suaRotationKey(sharedSecret: Uint8Array): Buffer {
  return createHash('sha256').update('s1mig-sua/rotation-key').update(sharedSecret).digest();
}

export function encodeSuaInstruction(i: SuaInstruction): Uint8Array {
  return Buffer.from(
    JSON.stringify({
      format: SUA_INSTRUCTION_FORMAT,
      version: 1,
      kind: i.kind,
      deviceType: i.deviceType,
      serialNumber: i.serialNumber,
      dcoPublicKey: b64(i.dcoPublicKey),
      ...(i.devicePublicKey ? { devicePublicKey: b64(i.devicePublicKey) } : {}),
      mac: b64(i.mac),
    }),
    'utf8',
  );
}

/** Decode an instruction; null when it is not one (a device refuses it). */
export function decodeSuaInstruction(bytes: Uint8Array): SuaInstruction | null {
  let o: unknown;
  try {
    o = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    return null;
  }
  if (typeof o !== 'object' || o === null) return null;
  const r = o as Record<string, unknown>;
  const str = (k: string): string | undefined => (typeof r[k] === 'string' ? r[k] : undefined);
  const kind = str('kind');
  const deviceType = str('deviceType');
  const serialNumber = str('serialNumber');
  const dco = str('dcoPublicKey');
  const mac = str('mac');
  if (r.format !== SUA_INSTRUCTION_FORMAT || r.version !== 1) return null;
  if (kind !== 'authorisation' && kind !== 'rotation') return null;
  if (deviceType !== 'ESME' && deviceType !== 'GSME') return null;
  if (serialNumber === undefined || dco === undefined || mac === undefined) return null;
  const dev = str('devicePublicKey');
  if (kind === 'rotation' && dev === undefined) return null;
  return {
    kind,
    deviceType,
    serialNumber,
    dcoPublicKey: Buffer.from(dco, 'base64'),
    ...(dev !== undefined ? { devicePublicKey: Buffer.from(dev, 'base64') } : {}),
    mac: Buffer.from(mac, 'base64'),
  };
}

/** Whether `i` carries the right MAC under `key` (constant time). */
export function suaInstructionMacValid(key: Uint8Array, i: SuaInstruction): boolean {
  const want = suaInstructionMac(key, i);
  return want.length === i.mac.length && timingSafeEqual(want, Buffer.from(i.mac));
}

/** An uncompressed P-256 point (65 octets, 04 || X || Y) as a public KeyObject. */
export function p256PublicKey(point: Uint8Array): KeyObject {
  const p = Buffer.from(point);
  if (p.length !== 65 || p[0] !== 0x04)
    throw new RangeError('expected an uncompressed P-256 point (65 octets)');
  return createPublicKey({
    key: {
      kty: 'EC',
      crv: 'P-256',
      x: p.subarray(1, 33).toString('base64url'),
      y: p.subarray(33).toString('base64url'),
    },
    format: 'jwk',
  });
}

/** Appendix C GT06 / ET06 (DCO column): the device's signature on its public key, by its permanent key. */
export function suaDeviceSignatureValid(
  permanentPublicKey: Uint8Array,
  devicePublicKey: Uint8Array,
  signature: Uint8Array,
): boolean {
  try {
    return verify('sha256', devicePublicKey, p256PublicKey(permanentPublicKey), signature);
  } catch {
    return false;
  }
}
