// Certificate ID (TMAD 2): an Organisation Certificate is identified by X509SerialNumber (decimal
// integer) + X509IssuerName (RFC 4514 string). The Null Certificate ID is serial '0' with issuer
// 'NULL'; both parts must match (a serial of 0 with a real issuer is NOT Null).
import { type Result, ok, err } from '../result.js';

export interface CertificateId {
  /** Decimal integer, no sign, no leading zeros (except '0'). */
  readonly serialNumber: string;
  /** RFC 4514 distinguished name of the issuer, or 'NULL' in the Null Certificate ID. */
  readonly issuerName: string;
}

export const NULL_CERTIFICATE_ID: CertificateId = Object.freeze({ serialNumber: '0', issuerName: 'NULL' });

export function isNullCertificateId(id: CertificateId | null | undefined): boolean {
  return !!id && id.serialNumber === '0' && id.issuerName === 'NULL';
}

/** A stable string key for maps and database columns: `<serial>|<issuer>`. */
export function certificateIdKey(id: CertificateId): string {
  return `${id.serialNumber}|${id.issuerName}`;
}

export function sameCertificateId(a: CertificateId, b: CertificateId): boolean {
  return a.serialNumber === b.serialNumber && a.issuerName === b.issuerName;
}

/** X509SerialNumber as MAM Table 7.2.3 and TMAD 10.1 allow: a decimal integer of at most 44 characters. */
export const MAX_SERIAL_LENGTH = 44;

export function parseSerialNumber(input: string): Result<string> {
  if (!/^\d+$/.test(input)) return err(`'${input}' is not an X509SerialNumber: expected a decimal integer`);
  if (input.length > MAX_SERIAL_LENGTH)
    return err(`X509SerialNumber has ${input.length} characters: at most ${MAX_SERIAL_LENGTH} allowed`);
  // Canonical form (no leading zeros), so '007' and '7' name the same certificate in comparisons and keys.
  return ok(input.replace(/^0+(?=\d)/, ''));
}

export function parseCertificateId(serialNumber: string, issuerName: string): Result<CertificateId> {
  if (serialNumber === '0' && issuerName === 'NULL') return ok(NULL_CERTIFICATE_ID);
  const s = parseSerialNumber(serialNumber);
  if (!s.ok) return s;
  if (issuerName.trim() === '')
    return err('X509IssuerName is empty: an issuer name is required with a serial number');
  // TMAD 2: 'NULL' is the issuer of the Null Certificate ID only; with any other serial it is neither Null nor real.
  if (issuerName === 'NULL' && s.value === '0') return ok(NULL_CERTIFICATE_ID); // e.g. serial '00'
  if (issuerName === 'NULL')
    return err(
      `issuer 'NULL' with serial ${serialNumber}: the Null Certificate ID is serial 0 with issuer NULL (TMAD 2)`,
    );
  return ok({ serialNumber: s.value, issuerName });
}
