// The DCO's own formats (docs/DCO.md): the signed ET02 package (TMAD Appendix A A1 ET02) and the
// simulated Single Use Authorisation instructions for GroupID DA (Appendix C ET03/GT03, ET06/GT06).
// The TMAD fixes neither: s1mig's forms are JSON envelopes around a base64 payload (so that the signed
// bytes are exactly the bytes carried), signed with ECDSA P-256 / SHA-256 (DER signatures).
import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  createPublicKey,
  randomBytes,
  sign,
  verify,
  type KeyObject,
} from 'node:crypto';
import { formatSuaPublicKey } from '../core/crypto/master-key.js';

export const ET02_FORMAT = 's1mig-dco-et02/1';

/** The installation a package or instruction belongs to. */
export interface PackageSubject {
  requestingPartyId: string;
  mcfCounter: string;
  groupId: string;
  chfIdentifier: string;
}

/** ET02 payload: the Master Key re-encrypted under the DCO's secret key (AES-256-GCM). */
export interface Et02Payload extends PackageSubject {
  format: typeof ET02_FORMAT;
  /** The Device IDs of the MCF the Master Key belongs to (A1 ET02 "packages with MCF Device IDs"). */
  deviceIds: string[];
  /** Which DCO secret key encrypted it. */
  secretKeyId: string;
  iv: string;
  ciphertext: string;
  tag: string;
  createdAt: string;
}

export interface SignedEnvelope {
  /** base64 of the UTF-8 JSON payload: the signed bytes. */
  payload: string;
  /** base64 DER ECDSA-SHA256 signature over the payload bytes. */
  signature: string;
  /** base64 of the signer's uncompressed P-256 public key (0x04 || X || Y). */
  signer: string;
  /** SUA instructions only: base64 HMAC-SHA256 of the payload bytes under the SUA Symmetric Key. */
  mac?: string;
}

const b64 = (b: Buffer | Uint8Array): string => Buffer.from(b).toString('base64');

/** The identity fields bound as additional authenticated data of the re-encrypted Master Key. */
function et02Aad(s: PackageSubject, deviceIds: readonly string[]): Buffer {
  return Buffer.from(
    JSON.stringify([s.requestingPartyId, s.mcfCounter, s.groupId, s.chfIdentifier, [...deviceIds]]),
    'utf8',
  );
}

function envelope(payload: object, signer: KeyObject, mac?: Buffer): Uint8Array {
  const bytes = Buffer.from(JSON.stringify(payload), 'utf8');
  const env: SignedEnvelope = {
    payload: b64(bytes),
    signature: b64(sign('sha256', bytes, signer)),
    signer: formatSuaPublicKey(signer),
    ...(mac ? { mac: b64(createHmac('sha256', mac).update(bytes).digest()) } : {}),
  };
  return Buffer.from(JSON.stringify(env), 'utf8');
}

/** A1 ET02: re-encrypt `masterKey` under the DCO's `secretKey` and sign the package. */
export function buildEt02Package(
  subject: PackageSubject,
  deviceIds: readonly string[],
  masterKey: Buffer,
  secretKey: Buffer,
  secretKeyId: string,
  signer: KeyObject,
  now: Date,
): Uint8Array {
  const iv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', secretKey, iv);
  c.setAAD(et02Aad(subject, deviceIds));
  const ct = Buffer.concat([c.update(masterKey), c.final()]);
  const payload: Et02Payload = {
    format: ET02_FORMAT,
    ...subject,
    deviceIds: [...deviceIds],
    secretKeyId,
    iv: b64(iv),
    ciphertext: b64(ct),
    tag: b64(c.getAuthTag()),
    createdAt: now.toISOString(),
  };
  return envelope(payload, signer);
}

/** Parse and verify a signed envelope; undefined when it is not one or the signature fails. */
export function verifyEnvelope(
  bytes: Uint8Array,
  signerPublicKey?: KeyObject,
): { payload: unknown; env: SignedEnvelope } | undefined {
  let env: SignedEnvelope;
  try {
    env = JSON.parse(Buffer.from(bytes).toString('utf8')) as SignedEnvelope;
  } catch {
    return undefined;
  }
  if (typeof env?.payload !== 'string' || typeof env.signature !== 'string' || typeof env.signer !== 'string')
    return undefined;
  const data = Buffer.from(env.payload, 'base64');
  let key: KeyObject;
  try {
    key =
      signerPublicKey ??
      createPublicKey({
        key: {
          kty: 'EC',
          crv: 'P-256',
          x: Buffer.from(env.signer, 'base64').subarray(1, 33).toString('base64url'),
          y: Buffer.from(env.signer, 'base64').subarray(33).toString('base64url'),
        },
        format: 'jwk',
      });
    if (!verify('sha256', data, key, Buffer.from(env.signature, 'base64'))) return undefined;
    return { payload: JSON.parse(data.toString('utf8')) as unknown, env };
  } catch {
    return undefined;
  }
}

/** The DCO opening its own ET02 package (the Master Key back), or undefined if it does not open. */
export function openEt02Package(bytes: Uint8Array, secretKey: Buffer, signer: KeyObject): Buffer | undefined {
  const v = verifyEnvelope(bytes, signer);
  const p = v?.payload as Et02Payload | undefined;
  if (!p || p.format !== ET02_FORMAT) return undefined;
  try {
    const d = createDecipheriv('aes-256-gcm', secretKey, Buffer.from(p.iv, 'base64'));
    d.setAAD(et02Aad(p, p.deviceIds));
    d.setAuthTag(Buffer.from(p.tag, 'base64'));
    return Buffer.concat([d.update(Buffer.from(p.ciphertext, 'base64')), d.final()]);
  } catch {
    return undefined;
  }
}

/** Verify a device's ECDSA-SHA256 signature (DER or IEEE P1363 r||s) over `data`. */
export function verifyDeviceSignature(data: Uint8Array, signature: Uint8Array, key: KeyObject): boolean {
  for (const dsaEncoding of ['der', 'ieee-p1363'] as const) {
    try {
      if (verify('sha256', data, { key, dsaEncoding }, signature)) return true;
    } catch {
      // not this encoding
    }
  }
  return false;
}
