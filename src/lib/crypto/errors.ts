// Errors raised by the TMAD section 11 file-content cryptography.
// Messages never contain key material, plaintext or decoded padding details.

export type FileCryptoErrorCode =
  | 'BAD_KEY' // wrong key type or size for the operation
  | 'BAD_INPUT' // wrong length or shape of a message, key or ciphertext
  | 'BAD_BASE64' // an XML base64Binary value that is not canonical base64
  | 'MESSAGE_TOO_LONG' // RSAES-OAEP: mLen > k - 2hLen - 2 (RFC 8017 7.1.1 step 1b)
  | 'DECRYPTION_ERROR' // RSAES-OAEP decryption failed (RFC 8017 7.1.2: one indistinguishable error)
  | 'AUTHENTICATION_FAILED' // AES-GCM tag did not verify (NIST SP 800-38D 7.2: FAIL)
  | 'UNWRAP_FAILED'; // AES Key Wrap integrity check failed (RFC 3394 2.2.3)

export class FileCryptoError extends Error {
  readonly code: FileCryptoErrorCode;
  constructor(code: FileCryptoErrorCode, message: string) {
    super(message);
    this.name = 'FileCryptoError';
    this.code = code;
  }
}

export function isFileCryptoError(e: unknown, code?: FileCryptoErrorCode): e is FileCryptoError {
  return e instanceof FileCryptoError && (code === undefined || e.code === code);
}
