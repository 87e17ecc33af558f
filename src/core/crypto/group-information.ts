// TMAD 11.2, Tables 11.2.1 and 11.2.2: EncryptedS1SPGroupInformation.
//   ProtectedData / AuthenticationTag: AES-GCM-128 (NIST SP 800-38D) of the DecryptedS1SPGroupInformation
//   (or DecryptedS1SPDPGroupInformation) XML, under a fresh random 128-bit key, all-zero IV, empty AAD,
//   128-bit tag.
//   WrappedTransportKey: that key under RSAES-OAEP (RFC 8017), label hash SHA-256, MGF1-SHA-1, empty label,
//   to the S1SP's public key notified under TMAD 5.1(a).
import { createCipheriv, createDecipheriv, randomBytes, type KeyObject } from 'node:crypto';
import { fromBase64Strict, toBase64 } from '../../lib/crypto/base64.js';
import { FileCryptoError } from '../../lib/crypto/errors.js';
import { rsaOaepDecrypt, rsaOaepEncrypt, type OaepOptions } from '../../lib/crypto/oaep.js';

/** Table 11.2.2 parameters. */
export const GROUP_INFORMATION_OAEP: Readonly<OaepOptions> = Object.freeze({
  hash: 'sha256',
  mgf1Hash: 'sha1',
});

/** TMAD 11.2: 128-bit symmetric key. */
export const TRANSPORT_KEY_BYTES = 16;
/** NIST SP 800-38D: a 128-bit authentication tag (Table 11.2.1). */
export const GCM_TAG_BYTES = 16;
/**
 * Table 11.2.1 prints the IV as `0x` followed by 36 zero hex digits (144 bits). GCM's native IV is
 * 96 bits (SP 800-38D 5.2.1.1); s1mig uses 12 zero octets (docs/SPEC-DECISIONS.md). Safe because
 * every key encrypts exactly one message (11.2(a)).
 */
export const GCM_IV: Readonly<Buffer> = Buffer.alloc(12);

export interface EncryptedS1spGroupInformation {
  protectedData: Buffer;
  authenticationTag: Buffer;
  wrappedTransportKey: Buffer;
}

/** The same parts as they appear in the XML (xs:base64Binary text), named as the elements. */
export interface EncryptedS1spGroupInformationXml {
  ProtectedData: string;
  AuthenticationTag: string;
  WrappedTransportKey: string;
}

/** AES-GCM-128 with the Table 11.2.1 IV and empty AAD. Exposed for known-answer tests. */
export function aesGcm128Encrypt(key: Buffer, plaintext: Buffer): { ciphertext: Buffer; tag: Buffer } {
  if (key.length !== TRANSPORT_KEY_BYTES)
    throw new FileCryptoError('BAD_KEY', 'AES-GCM-128 needs a 16-octet key');
  const c = createCipheriv('aes-128-gcm', key, GCM_IV, { authTagLength: GCM_TAG_BYTES });
  const ciphertext = Buffer.concat([c.update(plaintext), c.final()]);
  return { ciphertext, tag: c.getAuthTag() };
}

/** Inverse of {@link aesGcm128Encrypt}; a wrong tag is `AUTHENTICATION_FAILED`. */
export function aesGcm128Decrypt(key: Buffer, ciphertext: Buffer, tag: Buffer): Buffer {
  if (key.length !== TRANSPORT_KEY_BYTES)
    throw new FileCryptoError('BAD_KEY', 'AES-GCM-128 needs a 16-octet key');
  // Without this check (and authTagLength) Node accepts truncated tags down to 4 octets.
  if (tag.length !== GCM_TAG_BYTES) {
    throw new FileCryptoError(
      'BAD_INPUT',
      `AuthenticationTag must be ${GCM_TAG_BYTES * 8} bits, got ${tag.length * 8}`,
    );
  }
  const d = createDecipheriv('aes-128-gcm', key, GCM_IV, { authTagLength: GCM_TAG_BYTES });
  d.setAuthTag(tag);
  const out = d.update(ciphertext);
  try {
    const last = d.final();
    return last.length ? Buffer.concat([out, last]) : out;
  } catch {
    out.fill(0);
    throw new FileCryptoError(
      'AUTHENTICATION_FAILED',
      'EncryptedS1SPGroupInformation: AuthenticationTag does not verify (ProtectedData or tag altered, or wrong key)',
    );
  }
}

/** TMAD 11.2 (a)–(c): encrypt one DecryptedS1SPGroupInformation / DecryptedS1SPDPGroupInformation. */
export function encryptS1spGroupInformation(
  plaintext: Buffer,
  recipientPublicKey: KeyObject,
): EncryptedS1spGroupInformation {
  const key = randomBytes(TRANSPORT_KEY_BYTES); // 11.2(a) new per element, (b) CSPRNG
  try {
    const { ciphertext, tag } = aesGcm128Encrypt(key, plaintext);
    const wrappedTransportKey = rsaOaepEncrypt(recipientPublicKey, key, GROUP_INFORMATION_OAEP);
    return { protectedData: ciphertext, authenticationTag: tag, wrappedTransportKey };
  } finally {
    key.fill(0);
  }
}

/**
 * TMAD 5.23(a): the S1SP's decryption. Throws `FileCryptoError` with code `DECRYPTION_ERROR`
 * (WrappedTransportKey does not unwrap under this key), `BAD_INPUT` (unwrapped key not 128 bits,
 * tag not 128 bits) or `AUTHENTICATION_FAILED` (tag mismatch).
 */
export function decryptS1spGroupInformation(
  parts: EncryptedS1spGroupInformation,
  recipientPrivateKey: KeyObject,
): Buffer {
  let key: Buffer;
  try {
    key = rsaOaepDecrypt(recipientPrivateKey, parts.wrappedTransportKey, GROUP_INFORMATION_OAEP);
  } catch (e) {
    if (e instanceof FileCryptoError && e.code === 'DECRYPTION_ERROR') {
      throw new FileCryptoError(
        'DECRYPTION_ERROR',
        'EncryptedS1SPGroupInformation: WrappedTransportKey cannot be decrypted with this private key (Table 11.2.2)',
      );
    }
    throw e;
  }
  try {
    if (key.length !== TRANSPORT_KEY_BYTES) {
      throw new FileCryptoError(
        'BAD_INPUT',
        'EncryptedS1SPGroupInformation: WrappedTransportKey is not a 128-bit key',
      );
    }
    return aesGcm128Decrypt(key, parts.protectedData, parts.authenticationTag);
  } finally {
    key.fill(0);
  }
}

export function groupInformationToXml(
  parts: EncryptedS1spGroupInformation,
): EncryptedS1spGroupInformationXml {
  return {
    ProtectedData: toBase64(parts.protectedData),
    AuthenticationTag: toBase64(parts.authenticationTag),
    WrappedTransportKey: toBase64(parts.wrappedTransportKey),
  };
}

export function groupInformationFromXml(
  xml: EncryptedS1spGroupInformationXml,
): EncryptedS1spGroupInformation {
  return {
    protectedData: fromBase64Strict(xml.ProtectedData, 'ProtectedData'),
    authenticationTag: fromBase64Strict(xml.AuthenticationTag, 'AuthenticationTag'),
    wrappedTransportKey: fromBase64Strict(xml.WrappedTransportKey, 'WrappedTransportKey'),
  };
}

/** Base64 convenience: `encryptS1spGroupInformation` then `groupInformationToXml`. */
export function encryptS1spGroupInformationXml(
  plaintext: Buffer,
  recipientPublicKey: KeyObject,
): EncryptedS1spGroupInformationXml {
  return groupInformationToXml(encryptS1spGroupInformation(plaintext, recipientPublicKey));
}

/** Base64 convenience: `groupInformationFromXml` then `decryptS1spGroupInformation`. */
export function decryptS1spGroupInformationXml(
  xml: EncryptedS1spGroupInformationXml,
  recipientPrivateKey: KeyObject,
): Buffer {
  return decryptS1spGroupInformation(groupInformationFromXml(xml), recipientPrivateKey);
}
