// Organisation Certificates and CRLs as rows of the certificates registry (TMAD 2 Certificate ID).
// Every row carries the DER; the other columns are what the DER says, so an imported CSV whose columns
// disagree with its DER is refused, and a row made from a PEM/DER file always agrees.
import { createPublicKey } from 'node:crypto';
import { CertificateParseError, parseCertificate, type OrganisationCertificate } from '../pki/certificate.js';
import { parseCrl, type Crl } from '../pki/validity.js';
import { subjectPublicKeyBits } from '../pki/certificate.js';
import { createHash } from 'node:crypto';

const iso = (d: Date): string => d.toISOString().slice(0, 19) + 'Z';

/** The certificates-registry fields of a parsed certificate (column order of docs/REFERENCE-DATA.md). */
export function certificateFields(c: OrganisationCertificate): string[] {
  return [
    'Certificate',
    c.serialNumber,
    c.issuerName,
    c.subjectName,
    c.entityId ?? '',
    c.role ?? '',
    iso(c.notBefore),
    iso(c.notAfter),
    Buffer.from(c.der).toString('base64'),
  ];
}

export function crlFields(c: Crl): string[] {
  return [
    'CRL',
    '',
    c.issuerName,
    '',
    '',
    '',
    iso(c.thisUpdate),
    c.nextUpdate ? iso(c.nextUpdate) : '',
    Buffer.from(c.der).toString('base64'),
  ];
}

/** Why the columns disagree with the DER (column, expected), or null. */
export function checkCertificateColumns(
  f: Readonly<Record<string, string>>,
): { field: string; message: string } | null {
  const der = new Uint8Array(Buffer.from(f['DER'] ?? '', 'base64'));
  let want: string[];
  try {
    want = f['Kind'] === 'CRL' ? crlFields(parseCrl(der)) : certificateFields(parseCertificate(der));
  } catch (e) {
    if (e instanceof CertificateParseError || e instanceof Error)
      return {
        field: 'DER',
        message: `not a DER ${f['Kind'] === 'CRL' ? 'X.509 CRL' : 'X.509 certificate'}: ${e.message}`,
      };
    throw e;
  }
  const names = [
    'Kind',
    'Serial Number',
    'Issuer Name',
    'Subject Name',
    'Entity ID',
    'Role',
    'Not Before',
    'Not After',
  ];
  for (let i = 0; i < names.length; i++) {
    const have = f[names[i]!] ?? '';
    if (have !== want[i])
      return {
        field: names[i]!,
        message: `'${have}' but the DER says '${want[i]}': expected the value of the DER`,
      };
  }
  return null;
}

/** TMAD 2 Key Identifier (X509SKI) of a DER SubjectPublicKeyInfo, or an error. */
export function spkiKeyIdentifier(
  spkiDer: Uint8Array,
): { ok: true; value: string } | { ok: false; error: string } {
  try {
    createPublicKey({ key: Buffer.from(spkiDer), format: 'der', type: 'spki' });
    return { ok: true, value: createHash('sha1').update(subjectPublicKeyBits(spkiDer)).digest('hex') };
  } catch (e) {
    return { ok: false, error: (e as Error).message };
  }
}

/** The CN of an RFC 4514 name (first CN attribute), for matching Certificate IDs by serial + issuer CN. */
export function commonNameOf(rfc4514: string): string | null {
  // RFC 4514: ',' separates RDNs unless escaped with a backslash.
  for (const part of rfc4514.split(/(?<!\\),/)) {
    const m = /^\s*(?:CN|cn|2\.5\.4\.3)=(.*)$/.exec(part);
    if (m) return m[1]!.replace(/\\(.)/g, '$1');
  }
  return null;
}
