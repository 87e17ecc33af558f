// RSAES-OAEP (IETF RFC 8017 section 7.1) with independently chosen label hash and MGF1 hash.
//
// TMAD Table 11.2.2 needs label hash SHA-256 with MGF1-SHA-1, which neither Node's
// `publicEncrypt({oaepHash})` (it ties MGF1 to the label hash) nor WebCrypto can express. So the
// EME-OAEP encoding (RFC 8017 7.1.1 step 2) and decoding (7.1.2 step 3) are done here, and the raw
// RSA primitives RSAEP/RSADP are OpenSSL's, through `RSA_NO_PADDING`.
import {
  constants,
  createHash,
  hash as oneShotHash,
  privateDecrypt,
  publicEncrypt,
  randomBytes,
  timingSafeEqual,
  type KeyObject,
} from 'node:crypto';
import { FileCryptoError } from './errors.js';

export type OaepHash = 'sha1' | 'sha256' | 'sha384' | 'sha512';

export interface OaepOptions {
  /** Hash for the label (lHash) and so the seed length hLen (RFC 8017 7.1). */
  hash: OaepHash;
  /** Hash inside MGF1 (RFC 8017 B.2.1). */
  mgf1Hash: OaepHash;
  /** Label L; empty when absent (every TMAD table says "Empty string"). */
  label?: Buffer;
}

/** Test hook only: a fixed seed (RFC 8017 7.1.1 step 2d) for known-answer tests. */
export interface OaepEncryptTestOptions extends OaepOptions {
  seed?: Buffer;
}

const HASH_LEN: Record<OaepHash, number> = { sha1: 20, sha256: 32, sha384: 48, sha512: 64 };

function hashLen(h: OaepHash): number {
  const n = HASH_LEN[h];
  if (n === undefined) throw new FileCryptoError('BAD_INPUT', `RSAES-OAEP: unsupported hash '${String(h)}'`);
  return n;
}

/** MGF1 (RFC 8017 B.2.1). */
export function mgf1(seed: Buffer, maskLen: number, hash: OaepHash): Buffer {
  const hLen = hashLen(hash);
  const out = Buffer.alloc(Math.ceil(maskLen / hLen) * hLen);
  // mgfSeed || C in one buffer, C rewritten per block; one-shot hashing (no Hash object per block).
  const input = Buffer.alloc(seed.length + 4);
  seed.copy(input, 0);
  for (let i = 0, off = 0; off < maskLen; i++, off += hLen) {
    input.writeUInt32BE(i, seed.length);
    oneShotHash(hash, input, 'buffer').copy(out, off);
  }
  input.fill(0);
  const mask = Buffer.from(out.subarray(0, maskLen));
  out.fill(0);
  return mask;
}

function xorInto(target: Buffer, mask: Buffer): void {
  for (let i = 0; i < target.length; i++) target[i] = target[i]! ^ mask[i]!;
}

/** Modulus length k in octets; refuses non-RSA keys. */
export function rsaModulusBytes(key: KeyObject): number {
  if (key.asymmetricKeyType !== 'rsa') {
    throw new FileCryptoError(
      'BAD_KEY',
      `RSAES-OAEP needs an RSA key, got ${key.asymmetricKeyType ?? key.type}`,
    );
  }
  const bits = key.asymmetricKeyDetails?.modulusLength;
  if (!bits) throw new FileCryptoError('BAD_KEY', 'RSAES-OAEP: RSA key has no modulus length');
  return Math.ceil(bits / 8);
}

/** Largest message RSAES-OAEP can carry for this key and hash (RFC 8017 7.1.1 step 1b). */
export function oaepMaxMessageLength(key: KeyObject, hash: OaepHash): number {
  return rsaModulusBytes(key) - 2 * hashLen(hash) - 2;
}

/** lHash of the empty label, per hash (every TMAD table's label is the empty string). */
const EMPTY_LABEL_HASH = new Map<OaepHash, Buffer>();
function labelHash(h: OaepHash, label: Buffer): Buffer {
  if (label.length > 0) return oneShotHash(h, label, 'buffer');
  let v = EMPTY_LABEL_HASH.get(h);
  if (!v) EMPTY_LABEL_HASH.set(h, (v = oneShotHash(h, label, 'buffer')));
  return v;
}

/** RSAES-OAEP-ENCRYPT (RFC 8017 7.1.1). `publicKey` may be a public or private RSA KeyObject. */
export function rsaOaepEncrypt(publicKey: KeyObject, message: Buffer, opts: OaepEncryptTestOptions): Buffer {
  const k = rsaModulusBytes(publicKey);
  const hLen = hashLen(opts.hash);
  hashLen(opts.mgf1Hash);
  const label = opts.label ?? Buffer.alloc(0);
  if (message.length > k - 2 * hLen - 2) {
    throw new FileCryptoError(
      'MESSAGE_TOO_LONG',
      `RSAES-OAEP: message of ${message.length} octets exceeds ${Math.max(0, k - 2 * hLen - 2)} for a ${k * 8}-bit key`,
    );
  }
  // 2a–2c: DB = lHash || PS || 0x01 || M
  const lHash = labelHash(opts.hash, label);
  const db = Buffer.alloc(k - hLen - 1);
  lHash.copy(db, 0);
  db[db.length - message.length - 1] = 0x01;
  message.copy(db, db.length - message.length);
  // 2d: random seed
  let seed: Buffer;
  if (opts.seed) {
    if (opts.seed.length !== hLen)
      throw new FileCryptoError('BAD_INPUT', `RSAES-OAEP: seed must be ${hLen} octets`);
    seed = Buffer.from(opts.seed);
  } else {
    seed = randomBytes(hLen);
  }
  // 2e–2h
  const dbMask = mgf1(seed, k - hLen - 1, opts.mgf1Hash);
  xorInto(db, dbMask); // db is now maskedDB
  const seedMask = mgf1(db, hLen, opts.mgf1Hash);
  xorInto(seed, seedMask); // seed is now maskedSeed
  // 2i: EM = 0x00 || maskedSeed || maskedDB
  const em = Buffer.concat([Buffer.alloc(1), seed, db]);
  try {
    // 3: RSAEP; EM < n because its first octet is zero
    return publicEncrypt({ key: publicKey, padding: constants.RSA_NO_PADDING }, em);
  } finally {
    for (const b of [db, dbMask, seed, seedMask, em]) b.fill(0);
  }
}

const decryptionError = (): FileCryptoError =>
  new FileCryptoError('DECRYPTION_ERROR', 'RSAES-OAEP: decryption error');

/**
 * RSAES-OAEP-DECRYPT (RFC 8017 7.1.2). Every failure — wrong length, c ≥ n, wrong key, bad
 * padding — is the same `DECRYPTION_ERROR` (RFC 8017 7.1.2 note; Manger's attack), and the
 * padding checks run over the whole block without early exit.
 */
export function rsaOaepDecrypt(privateKey: KeyObject, ciphertext: Buffer, opts: OaepOptions): Buffer {
  if (privateKey.type !== 'private')
    throw new FileCryptoError('BAD_KEY', 'RSAES-OAEP decryption needs a private key');
  const k = rsaModulusBytes(privateKey);
  const hLen = hashLen(opts.hash);
  hashLen(opts.mgf1Hash);
  const label = opts.label ?? Buffer.alloc(0);
  // 1b, 1c
  if (ciphertext.length !== k || k < 2 * hLen + 2) throw decryptionError();
  let raw: Buffer;
  try {
    raw = privateDecrypt({ key: privateKey, padding: constants.RSA_NO_PADDING }, ciphertext);
  } catch {
    throw decryptionError(); // e.g. c ≥ n
  }
  const em = Buffer.alloc(k);
  raw.copy(em, k - raw.length);
  raw.fill(0);
  const y = em[0]!;
  const maskedSeed = em.subarray(1, 1 + hLen);
  const maskedDb = em.subarray(1 + hLen);
  const seedMask = mgf1(maskedDb, hLen, opts.mgf1Hash);
  const seed = Buffer.from(maskedSeed);
  xorInto(seed, seedMask);
  const dbMask = mgf1(seed, k - hLen - 1, opts.mgf1Hash);
  const db = Buffer.from(maskedDb);
  xorInto(db, dbMask);
  const lHash = createHash(opts.hash).update(label).digest();
  let bad = timingSafeEqual(db.subarray(0, hLen), lHash) ? 0 : 1;
  bad |= ((y | -y) >>> 31) & 1; // y ≠ 0
  // Find the 0x01 after PS (zero octets) without branching on secret data.
  let found = 0;
  let index = 0;
  for (let i = hLen; i < db.length; i++) {
    const b = db[i]!;
    const isZero = ((b - 1) >>> 31) & 1;
    const isOne = (((b ^ 1) - 1) >>> 31) & 1;
    const notFound = found ^ 1;
    bad |= notFound & (isZero ^ 1) & (isOne ^ 1); // a non-zero, non-0x01 octet inside PS
    const take = -(notFound & isOne); // all ones when this is the separator
    index = (index & ~take) | (i & take);
    found |= isOne;
  }
  bad |= found ^ 1;
  try {
    if (bad !== 0) throw decryptionError();
    return Buffer.from(db.subarray(index + 1));
  } finally {
    for (const b of [em, seed, seedMask, db, dbMask]) b.fill(0);
  }
}
