// Secrets at rest under a passphrase: scrypt (RFC 7914) derives a 256-bit key from the passphrase and a
// random salt, AES-256-GCM (NIST SP 800-38D) seals each secret with a fresh random 96-bit IV, and the
// caller's context (e.g. which record the secret belongs to) is the additional authenticated data, so a
// sealed value copied onto another record does not open there.
//
// Sealed form (ASCII, one token): `s1seal1.<log2 N>.<r>.<p>.<salt b64url>.<iv b64url>.<ct b64url>.<tag b64url>`.
// The derived key is cached per (passphrase, salt, parameters) for the life of the process, so that a
// whole import sealed under one salt pays for scrypt once. Messages never contain the passphrase, the key
// or the plaintext.
import { createCipheriv, createDecipheriv, createHash, randomBytes, scryptSync } from 'node:crypto';

const PREFIX = 's1seal1';
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const SALT_BYTES = 16;

export interface ScryptParameters {
  /** log2 of the scrypt cost N. */
  log2N: number;
  r: number;
  p: number;
}

/** scrypt N = 2^15, r = 8, p = 1 (OWASP's minimum for scrypt; ~100 ms, 32 MiB, once per salt). */
export const DEFAULT_SCRYPT: Readonly<ScryptParameters> = Object.freeze({ log2N: 15, r: 8, p: 1 });

export class SealError extends Error {
  override name = 'SealError';
  constructor(
    readonly code: 'NO_PASSPHRASE' | 'MALFORMED' | 'WRONG_PASSPHRASE_OR_ALTERED',
    message: string,
  ) {
    super(message);
  }
}

const keyCache = new Map<string, Buffer>();

function derive(passphrase: string, salt: Buffer, prm: ScryptParameters): Buffer {
  // The cache key is a hash: the passphrase itself is never kept as a map key.
  const id = createHash('sha256')
    .update(passphrase, 'utf8')
    .update('\0')
    .update(salt)
    .update(`${prm.log2N}.${prm.r}.${prm.p}`)
    .digest('hex');
  let key = keyCache.get(id);
  if (!key) {
    const N = 2 ** prm.log2N;
    key = scryptSync(passphrase, salt, KEY_BYTES, { N, r: prm.r, p: prm.p, maxmem: 256 * N * prm.r + 1024 });
    keyCache.set(id, key);
  }
  return key;
}

/** A sealer bound to one passphrase and one fresh salt: every `seal` uses a new IV. */
export interface Sealer {
  seal(plaintext: Buffer, context: string): string;
}

export function createSealer(passphrase: string | undefined, prm: ScryptParameters = DEFAULT_SCRYPT): Sealer {
  if (passphrase === undefined)
    throw new SealError('NO_PASSPHRASE', 'no passphrase configured to encrypt secrets at rest');
  const salt = randomBytes(SALT_BYTES);
  const key = derive(passphrase, salt, prm);
  return {
    seal(plaintext, context) {
      const iv = randomBytes(IV_BYTES);
      const c = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
      c.setAAD(Buffer.from(context, 'utf8'));
      const ct = Buffer.concat([c.update(plaintext), c.final()]);
      const b = (x: Buffer): string => x.toString('base64url');
      return [PREFIX, prm.log2N, prm.r, prm.p, b(salt), b(iv), b(ct), b(c.getAuthTag())].join('.');
    },
  };
}

/** Open a sealed value; `context` must be the one it was sealed with. */
export function openSealed(sealed: string, passphrase: string | undefined, context: string): Buffer {
  if (passphrase === undefined)
    throw new SealError('NO_PASSPHRASE', 'no passphrase configured to decrypt secrets at rest');
  const parts = sealed.split('.');
  const num = (s: string | undefined, max: number): number => {
    const n = Number(s);
    if (!/^[0-9]{1,3}$/.test(s ?? '') || n < 1 || n > max)
      throw new SealError('MALFORMED', 'not a sealed value');
    return n;
  };
  if (parts.length !== 8 || parts[0] !== PREFIX) throw new SealError('MALFORMED', 'not a sealed value');
  const prm = { log2N: num(parts[1], 20), r: num(parts[2], 32), p: num(parts[3], 16) };
  const [salt, iv, ct, tag] = parts.slice(4).map((s) => Buffer.from(s, 'base64url'));
  if (salt!.length !== SALT_BYTES || iv!.length !== IV_BYTES || tag!.length !== TAG_BYTES)
    throw new SealError('MALFORMED', 'not a sealed value');
  const d = createDecipheriv('aes-256-gcm', derive(passphrase, salt!, prm), iv!, {
    authTagLength: TAG_BYTES,
  });
  d.setAAD(Buffer.from(context, 'utf8'));
  d.setAuthTag(tag!);
  const out = d.update(ct!);
  try {
    return Buffer.concat([out, d.final()]);
  } catch {
    out.fill(0);
    throw new SealError(
      'WRONG_PASSPHRASE_OR_ALTERED',
      'the sealed value does not open: wrong passphrase, or the stored value was altered or moved',
    );
  }
}
