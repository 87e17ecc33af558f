// Base64 for the XML elements of TMAD Tables 11.2.1–11.4 (xs:base64Binary).
import { FileCryptoError } from './errors.js';

const B64 = /^[A-Za-z0-9+/]*={0,2}$/;

export function toBase64(bytes: Buffer | Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

/**
 * Decode xs:base64Binary strictly: whitespace (allowed by XML Schema) is removed, then the value
 * must be canonical padded base64. `Buffer.from(s, 'base64')` alone silently skips bad characters.
 * `what` names the element in the error (e.g. 'WrappedTransportKey').
 */
export function fromBase64Strict(value: string, what = 'value'): Buffer {
  const r = decodeBase64(value);
  if (r === 'invalid')
    throw new FileCryptoError('BAD_BASE64', `${what}: not valid base64 (xs:base64Binary expected)`);
  if (r === 'non-canonical')
    throw new FileCryptoError('BAD_BASE64', `${what}: non-canonical base64 (bad padding bits)`);
  return r;
}

/**
 * The one xs:base64Binary decoder of s1mig (fromBase64Strict throws with its result; the XML
 * signature verifier reports it): whitespace removed, then canonical padded base64 or a reason.
 */
export function decodeBase64(value: string): Buffer | 'invalid' | 'non-canonical' {
  const s = value.replace(/[ \t\r\n]+/g, '');
  if (s.length % 4 !== 0 || !B64.test(s)) return 'invalid';
  const out = Buffer.from(s, 'base64');
  return out.toString('base64') === s ? out : 'non-canonical';
}
