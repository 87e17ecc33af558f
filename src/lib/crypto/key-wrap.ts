// TMAD 11.4 (Table 11.4): WrappedPrepaymentKey = AES Key Wrap (IETF RFC 3394) of the PrepaymentKey
// under the device's Master Key (DLMS COSEM meaning). OpenSSL's id-aes{128,256}-wrap implement RFC
// 3394 with the default IV A6A6A6A6A6A6A6A6 (2.2.3.1).
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { fromBase64Strict } from './base64.js';
import { FileCryptoError } from './errors.js';

/** RFC 3394 2.2.3.1 default initial value. */
export const RFC3394_IV: Readonly<Buffer> = Buffer.from('A6A6A6A6A6A6A6A6', 'hex');

function cipherFor(kek: Buffer): string {
  switch (kek.length) {
    case 16:
      return 'id-aes128-wrap';
    case 24:
      return 'id-aes192-wrap';
    case 32:
      return 'id-aes256-wrap';
    default:
      throw new FileCryptoError(
        'BAD_KEY',
        `AES Key Wrap: key-encryption key must be 128, 192 or 256 bits, got ${kek.length * 8}`,
      );
  }
}

/** RFC 3394 2.2.1 Key Wrap. Plaintext: n ≥ 2 64-bit blocks. */
export function aesKeyWrap(kek: Buffer, plaintext: Buffer): Buffer {
  const alg = cipherFor(kek);
  if (plaintext.length < 16 || plaintext.length % 8 !== 0) {
    throw new FileCryptoError(
      'BAD_INPUT',
      'AES Key Wrap: key data must be a multiple of 64 bits and at least 128 bits',
    );
  }
  const c = createCipheriv(alg, kek, RFC3394_IV);
  return Buffer.concat([c.update(plaintext), c.final()]);
}

/** RFC 3394 2.2.2 Key Unwrap with the 2.2.3 integrity check; failure is `UNWRAP_FAILED`. */
export function aesKeyUnwrap(kek: Buffer, wrapped: Buffer): Buffer {
  const alg = cipherFor(kek);
  if (wrapped.length < 24 || wrapped.length % 8 !== 0) {
    throw new FileCryptoError(
      'BAD_INPUT',
      'AES Key Unwrap: ciphertext must be a multiple of 64 bits and at least 192 bits',
    );
  }
  const d = createDecipheriv(alg, kek, RFC3394_IV);
  let out: Buffer | undefined;
  try {
    out = d.update(wrapped);
    const last = d.final();
    return last.length ? Buffer.concat([out, last]) : out;
  } catch {
    out?.fill(0);
    throw new FileCryptoError(
      'UNWRAP_FAILED',
      'AES Key Unwrap: integrity check failed (wrong key or altered data)',
    );
  }
}

function checkMasterKey(masterKey: Buffer): void {
  if (masterKey.length !== 16 && masterKey.length !== 32) {
    throw new FileCryptoError('BAD_KEY', `Master Key must be 128 or 256 bits, got ${masterKey.length * 8}`);
  }
}

/**
 * TMAD 11.4: wrap the PrepaymentKey under the Master Key. The Master Key is 128-bit in SMETS1
 * (DLMS security suite 0); 256-bit Master Keys are accepted too (suite 2).
 */
export function wrapPrepaymentKey(prepaymentKey: Buffer, masterKey: Buffer): Buffer {
  checkMasterKey(masterKey);
  return aesKeyWrap(masterKey, prepaymentKey);
}

/** TMAD 11.4 inverse (the S1SP, GroupIDs that require WrappedPrepaymentKey). Accepts raw or base64. */
export function unwrapPrepaymentKey(wrappedPrepaymentKey: Buffer | string, masterKey: Buffer): Buffer {
  checkMasterKey(masterKey);
  const wrapped =
    typeof wrappedPrepaymentKey === 'string'
      ? fromBase64Strict(wrappedPrepaymentKey, 'WrappedPrepaymentKey')
      : wrappedPrepaymentKey;
  try {
    return aesKeyUnwrap(masterKey, wrapped);
  } catch (e) {
    if (e instanceof FileCryptoError && e.code === 'UNWRAP_FAILED') {
      throw new FileCryptoError(
        'UNWRAP_FAILED',
        'WrappedPrepaymentKey does not unwrap under this Master Key (Table 11.4)',
      );
    }
    throw e;
  }
}
