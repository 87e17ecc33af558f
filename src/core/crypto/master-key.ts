// TMAD 11.3 (Table 11.3): EncryptedMasterKey/EncryptedKey, and TMAD 11.3B (Table 11.3B): the DA
// group's SUAKeyDetails (EncryptedSUAKey, PublicKey).
import { createPublicKey, type KeyObject } from 'node:crypto';
import { fromBase64Strict } from '../../lib/crypto/base64.js';
import { FileCryptoError } from '../../lib/crypto/errors.js';
import { rsaOaepDecrypt, rsaOaepEncrypt, type OaepOptions } from '../../lib/crypto/oaep.js';

/** Table 11.3: RSAES-OAEP, label hash SHA-256, MGF1 with SHA-256, empty label. */
export const MASTER_KEY_OAEP: Readonly<OaepOptions> = Object.freeze({ hash: 'sha256', mgf1Hash: 'sha256' });

/**
 * Table 11.3B: RSAES-OAEP, "Hash SHA-256", "MGF1" with no hash named. s1mig uses MGF1-SHA-256 (the
 * same hash, as in RFC 8017's default pairing and in Table 11.3) — docs/SPEC-DECISIONS.md.
 */
export const SUA_KEY_OAEP: Readonly<OaepOptions> = Object.freeze({ hash: 'sha256', mgf1Hash: 'sha256' });

/**
 * Master Key "with its DLMS COSEM meaning": the AES key-encrypting key of DLMS security suite 0/1
 * (AES-128) or 2 (AES-256). 16 octets in SMETS1 practice; 32 accepted.
 */
export const MASTER_KEY_SIZES: readonly number[] = [16, 32];
/** The SUA symmetric key for the DCO (Table 11.3B): AES-128 or AES-256. */
export const SUA_KEY_SIZES: readonly number[] = [16, 32];

function checkSize(key: Buffer, sizes: readonly number[], what: string): void {
  if (!sizes.includes(key.length)) {
    throw new FileCryptoError(
      'BAD_INPUT',
      `${what} must be ${sizes.map((s) => s * 8).join(' or ')} bits, got ${key.length * 8}`,
    );
  }
}

function asBytes(c: Buffer | string, what: string): Buffer {
  return typeof c === 'string' ? fromBase64Strict(c, what) : c;
}

function decryptKey(
  privateKey: KeyObject,
  ciphertext: Buffer | string,
  opts: OaepOptions,
  sizes: readonly number[],
  what: string,
  clause: string,
): Buffer {
  let key: Buffer;
  try {
    key = rsaOaepDecrypt(privateKey, asBytes(ciphertext, what), opts);
  } catch (e) {
    if (e instanceof FileCryptoError && e.code === 'DECRYPTION_ERROR') {
      throw new FileCryptoError(
        'DECRYPTION_ERROR',
        `${what} cannot be decrypted with this private key (${clause})`,
      );
    }
    throw e;
  }
  try {
    checkSize(key, sizes, `${what} plaintext`);
  } catch (e) {
    key.fill(0);
    throw e;
  }
  return key;
}

/** TMAD 11.3: EncryptedKey for one Master Key, to the DCO's public key (5.1(a), 5.3). */
export function encryptMasterKey(masterKey: Buffer, recipientPublicKey: KeyObject): Buffer {
  checkSize(masterKey, MASTER_KEY_SIZES, 'Master Key');
  return rsaOaepEncrypt(recipientPublicKey, masterKey, MASTER_KEY_OAEP);
}

/** TMAD 5.15(a) / 11.3: the DCO's decryption. Accepts the raw ciphertext or the element's base64 text. */
export function decryptMasterKey(encryptedKey: Buffer | string, recipientPrivateKey: KeyObject): Buffer {
  return decryptKey(
    recipientPrivateKey,
    encryptedKey,
    MASTER_KEY_OAEP,
    MASTER_KEY_SIZES,
    'EncryptedKey',
    'Table 11.3',
  );
}

/** TMAD 11.3B: EncryptedSUAKey for GroupID DA, to the DCO's DA key (5.4A). */
export function encryptSuaKey(suaKey: Buffer, recipientPublicKey: KeyObject): Buffer {
  checkSize(suaKey, SUA_KEY_SIZES, 'SUA key');
  return rsaOaepEncrypt(recipientPublicKey, suaKey, SUA_KEY_OAEP);
}

/** TMAD 11.3B: the DCO's decryption of EncryptedSUAKey (raw or base64). */
export function decryptSuaKey(encryptedSuaKey: Buffer | string, recipientPrivateKey: KeyObject): Buffer {
  return decryptKey(
    recipientPrivateKey,
    encryptedSuaKey,
    SUA_KEY_OAEP,
    SUA_KEY_SIZES,
    'EncryptedSUAKey',
    'Table 11.3B',
  );
}

/**
 * Table 11.3B SUAKeyDetails/PublicKey: base64 of the uncompressed P-256 point 0x04 || X || Y
 * (65 octets). Accepts a P-256 public or private KeyObject.
 */
export function formatSuaPublicKey(key: KeyObject): string {
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new FileCryptoError('BAD_KEY', 'SUAKeyDetails PublicKey must be an EC P-256 key');
  }
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  const jwk = pub.export({ format: 'jwk' });
  const x = Buffer.from(String(jwk.x), 'base64url');
  const y = Buffer.from(String(jwk.y), 'base64url');
  if (x.length !== 32 || y.length !== 32)
    throw new FileCryptoError('BAD_KEY', 'P-256 coordinates must be 32 octets');
  return Buffer.concat([Buffer.from([0x04]), x, y]).toString('base64');
}

/**
 * Parse SUAKeyDetails/PublicKey back into a KeyObject. Rejects bad base64, a length other than 65,
 * a first octet other than 0x04 (compressed or hybrid forms) and points not on P-256.
 */
export function parseSuaPublicKey(value: string): KeyObject {
  const raw = fromBase64Strict(value, 'PublicKey');
  if (raw.length !== 65 || raw[0] !== 0x04) {
    throw new FileCryptoError(
      'BAD_INPUT',
      'PublicKey: expected the uncompressed P-256 point 0x04 || X || Y (65 octets, Table 11.3B)',
    );
  }
  try {
    return createPublicKey({
      key: {
        kty: 'EC',
        crv: 'P-256',
        x: raw.subarray(1, 33).toString('base64url'),
        y: raw.subarray(33).toString('base64url'),
      },
      format: 'jwk',
    });
  } catch {
    throw new FileCryptoError('BAD_INPUT', 'PublicKey: not a point on the P-256 curve (Table 11.3B)');
  }
}
