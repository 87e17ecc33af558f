// Parsing Organisation Certificates (SEC Appendix A / SMKI Organisation Certificate Policy as far as
// public material shows) into the facts the TMAD uses: Certificate ID (TMAD 2: X509SerialNumber in
// decimal + X509IssuerName as RFC 4514), Entity Identifier, Remote Party Role (TMAD 3.16), keyUsage
// and the Key Identifier (TMAD 2: SHA-1 of the public key). Pure: no I/O.
import 'reflect-metadata';
import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import * as asn1js from 'asn1js';
import { eui64FromBytes, parseEui64, type Eui64 } from '../ids/eui64.js';
import { DEFAULT_ROLE_CODES, roleFromOu, type RemotePartyRole, type RoleCodeTable } from './roles.js';

export const OID = Object.freeze({
  commonName: '2.5.4.3',
  organizationalUnitName: '2.5.4.11',
  x500UniqueIdentifier: '2.5.4.45',
  keyUsage: '2.5.29.15',
  basicConstraints: '2.5.29.19',
  certificatePolicies: '2.5.29.32',
  subjectKeyIdentifier: '2.5.29.14',
  authorityKeyIdentifier: '2.5.29.35',
  subjectAltName: '2.5.29.17',
  extKeyUsage: '2.5.29.37',
  crlNumber: '2.5.29.20',
});

/**
 * Policy OID in the certificatePolicies extension of the DCC's published test Organisation Certificates
 * (1.2.826.0.1.8641679.1.2.1.4). s1mig's test PKI uses it so that its certificates look like SMKI ones.
 */
export const SMKI_ORGANISATION_CERTIFICATE_POLICY_OID = '1.2.826.0.1.8641679.1.2.1.4';

export type KeyUsageName =
  | 'digitalSignature'
  | 'nonRepudiation'
  | 'keyEncipherment'
  | 'dataEncipherment'
  | 'keyAgreement'
  | 'keyCertSign'
  | 'cRLSign'
  | 'encipherOnly'
  | 'decipherOnly';

const KEY_USAGE_BITS: ReadonlyArray<[KeyUsageName, number]> = [
  ['digitalSignature', x509.KeyUsageFlags.digitalSignature],
  ['nonRepudiation', x509.KeyUsageFlags.nonRepudiation],
  ['keyEncipherment', x509.KeyUsageFlags.keyEncipherment],
  ['dataEncipherment', x509.KeyUsageFlags.dataEncipherment],
  ['keyAgreement', x509.KeyUsageFlags.keyAgreement],
  ['keyCertSign', x509.KeyUsageFlags.keyCertSign],
  ['cRLSign', x509.KeyUsageFlags.cRLSign],
  ['encipherOnly', x509.KeyUsageFlags.encipherOnly],
  ['decipherOnly', x509.KeyUsageFlags.decipherOnly],
];

export function keyUsageFlags(names: readonly string[]): number {
  let flags = 0;
  for (const n of names) {
    const bit = KEY_USAGE_BITS.find(([k]) => k === n);
    if (!bit) throw new RangeError(`unknown keyUsage '${n}'`);
    flags |= bit[1];
  }
  return flags;
}

export interface CertificateExtensionInfo {
  oid: string;
  critical: boolean;
}

export interface OrganisationCertificate {
  der: Uint8Array;
  pem: string;
  /** X509SerialNumber: decimal, no leading zeros (TMAD 2 Certificate ID). */
  serialNumber: string;
  /** X509IssuerName: RFC 4514, as `openssl x509 -issuer -nameopt RFC2253` and xmlsec1 print it. */
  issuerName: string;
  /** Subject in the same RFC 4514 form. */
  subjectName: string;
  /** Entity Identifier of the subject (x500UniqueIdentifier holding the EUI-64), if any. */
  entityId: Eui64 | null;
  /** Remote Party Role (TMAD 3.16) from the subject OU role code, if any. */
  role: RemotePartyRole | null;
  keyUsage: Array<KeyUsageName | string>;
  /** keyUsage extension present and marked critical. */
  keyUsageCritical: boolean;
  /** basicConstraints cA. */
  isCa: boolean;
  pathLength: number | null;
  notBefore: Date;
  notAfter: Date;
  /** TMAD 2 Key Identifier: hex SHA-1 of the subjectPublicKey bits (RFC 5280 4.2.1.2 method 1). */
  keyIdentifier: string;
  /** subjectKeyIdentifier extension value (hex), if present. */
  subjectKeyIdentifier: string | null;
  /** authorityKeyIdentifier keyIdentifier (hex), if present. */
  authorityKeyIdentifier: string | null;
  policies: string[];
  extensions: CertificateExtensionInfo[];
  /** Self-signed: subject equals issuer (the signature is checked by confirmValidity, not here). */
  selfIssued: boolean;
  publicKey: KeyObject;
  /** Signature algorithm OID and node hash name, for chain checks. */
  signatureAlgorithmOid: string;
  /** DER of tbsCertificate and the signature value, for chain checks. */
  tbsDer: Uint8Array;
  signatureValue: Uint8Array;
  /** DER of the issuer and subject Names (exact match for chain building). */
  issuerDer: Uint8Array;
  subjectDer: Uint8Array;
}

export interface ParseCertificateOptions {
  roleCodes?: RoleCodeTable;
}

/** Error for input that is not a certificate (callers report it; it never crashes the CLI). */
export class CertificateParseError extends Error {
  override name = 'CertificateParseError';
}

/** All PEM blocks with the given label in a text. */
export function pemBlocks(text: string, label: string): Uint8Array[] {
  const re = new RegExp(`-----BEGIN ${label}-----([\\s\\S]*?)-----END ${label}-----`, 'g');
  const out: Uint8Array[] = [];
  for (const m of text.matchAll(re))
    out.push(Uint8Array.from(Buffer.from(m[1]!.replace(/[^A-Za-z0-9+/=]/g, ''), 'base64')));
  return out;
}

export function toPem(der: Uint8Array, label: string): string {
  const b64 = Buffer.from(der).toString('base64');
  return `-----BEGIN ${label}-----\n${b64.match(/.{1,64}/g)!.join('\n')}\n-----END ${label}-----\n`;
}

/** The first PEM block with this label in a text, as DER; `DER bytes` pass through unchanged. */
export function pemToDer(pemOrDer: string | Uint8Array, label: string): Uint8Array {
  if (typeof pemOrDer !== 'string') {
    // A PEM given as bytes.
    if (pemOrDer.length > 0 && pemOrDer[0] === 0x2d)
      return pemToDer(Buffer.from(pemOrDer).toString('latin1'), label);
    return pemOrDer;
  }
  const der = pemBlocks(pemOrDer, label)[0];
  if (!der) throw new CertificateParseError(`no PEM ${label} block found`);
  return der;
}

/** Whether two DER encodings are byte-for-byte equal. */
export function sameDer(a: Uint8Array, b: Uint8Array): boolean {
  return (
    Buffer.compare(
      Buffer.from(a.buffer, a.byteOffset, a.byteLength),
      Buffer.from(b.buffer, b.byteOffset, b.byteLength),
    ) === 0
  );
}

function hex(b: ArrayBuffer | Uint8Array): string {
  return Buffer.from(b instanceof Uint8Array ? b : new Uint8Array(b)).toString('hex');
}

/** Decimal form of a DER INTEGER's content bytes (serial numbers are positive in the profile). */
export function serialHexToDecimal(serialHex: string): string {
  const clean = serialHex.replace(/[^0-9a-fA-F]/g, '');
  return clean === '' ? '0' : BigInt('0x' + clean).toString(10);
}

export function serialDecimalToHex(serial: string): string {
  let h = BigInt(serial).toString(16);
  if (h.length % 2) h = '0' + h;
  return h;
}

/** The elements of a SEQUENCE/SET (empty for anything else). */
export function seqChildren(el: asn1js.AsnType | undefined): asn1js.AsnType[] {
  const vb = (el as asn1js.Sequence | undefined)?.valueBlock as { value?: asn1js.AsnType[] } | undefined;
  return vb?.value ?? [];
}

function berOf(el: asn1js.AsnType): Uint8Array {
  return new Uint8Array(el.valueBeforeDecodeView);
}

// ---------------------------------------------------------------------------------------------------
// Distinguished names: RFC 4514 as OpenSSL's -nameopt RFC2253 prints them (what xmlsec1 matches).

const SHORT_NAMES: Readonly<Record<string, string>> = {
  '2.5.4.3': 'CN',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '2.5.4.6': 'C',
  '2.5.4.9': 'street',
  '0.9.2342.19200300.100.1.25': 'DC',
  '0.9.2342.19200300.100.1.1': 'UID',
  '2.5.4.5': 'serialNumber',
  '2.5.4.45': 'x500UniqueIdentifier',
  '1.2.840.113549.1.9.1': 'emailAddress',
  '2.5.4.4': 'SN',
  '2.5.4.42': 'GN',
  '2.5.4.12': 'title',
  '2.5.4.97': 'organizationIdentifier',
};

const STRING_TAGS = new Set([12, 19, 20, 22, 26, 28, 30]); // UTF8, Printable, T61, IA5, Visible, Universal, BMP

function escapeRfc2253(value: string): string {
  const bytes = Buffer.from(value, 'utf8');
  let out = '';
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    const ch = String.fromCharCode(b);
    if (b < 0x20 || b >= 0x7f) out += '\\' + b.toString(16).toUpperCase().padStart(2, '0');
    else if (',+"\\<>;'.includes(ch)) out += '\\' + ch;
    else if ((i === 0 && (ch === '#' || ch === ' ')) || (i === bytes.length - 1 && ch === ' '))
      out += '\\' + ch;
    else out += ch;
  }
  return out;
}

interface NameAttribute {
  oid: string;
  tag: number;
  text: string | null;
  der: Uint8Array;
  content: Uint8Array;
}

function nameRdns(nameDer: Uint8Array): NameAttribute[][] {
  const parsed = asn1js.fromBER(nameDer);
  if (parsed.offset === -1) throw new CertificateParseError('malformed Name');
  const rdns: NameAttribute[][] = [];
  for (const set of seqChildren(parsed.result)) {
    const attrs: NameAttribute[] = [];
    for (const atv of seqChildren(set)) {
      const [oidEl, valEl] = seqChildren(atv);
      if (!(oidEl instanceof asn1js.ObjectIdentifier) || !valEl)
        throw new CertificateParseError('malformed RDN');
      const tag = valEl.idBlock.tagNumber;
      const der = berOf(valEl);
      let content: Uint8Array;
      if (valEl instanceof asn1js.BitString) content = new Uint8Array(valEl.valueBlock.valueHexView);
      else content = new Uint8Array((valEl as asn1js.OctetString).valueBlock.valueHexView ?? []);
      let text: string | null = null;
      if (valEl.idBlock.tagClass === 1 && STRING_TAGS.has(tag)) {
        const s = valEl as unknown as { valueBlock: { value: string } };
        text = typeof s.valueBlock.value === 'string' ? s.valueBlock.value : null;
      }
      attrs.push({ oid: oidEl.valueBlock.toString(), tag, text, der, content });
    }
    rdns.push(attrs);
  }
  return rdns;
}

/** RFC 4514 string of a DER Name: RDNs in reverse order, `,` between, `+` inside multi-valued RDNs. */
export function formatName(nameDer: Uint8Array): string {
  return nameRdns(nameDer)
    .reverse()
    .map((rdn) =>
      // OpenSSL (XN_FLAG_DN_REV) also reverses the attributes inside a multi-valued RDN.
      [...rdn]
        .reverse()
        .map((a) => {
          const type = SHORT_NAMES[a.oid] ?? a.oid;
          const value = a.text !== null ? escapeRfc2253(a.text) : '#' + hex(a.der).toUpperCase();
          return `${type}=${value}`;
        })
        .join('+'),
    )
    .join(',');
}

/**
 * Loose comparison key for RFC 4514 strings: no spaces around separators, attribute types upper-case.
 * TMAD 2 makes X509IssuerName part of the Certificate ID; files written by other tools may differ in
 * this spacing or case only.
 */
export function normaliseRfc4514(name: string): string {
  return name
    .split(/(?<!\\),/)
    .map((rdn) =>
      rdn
        .split(/(?<!\\)\+/)
        .map((atv) => {
          const i = atv.indexOf('=');
          if (i < 0) return atv.trim();
          return atv.slice(0, i).trim().toUpperCase() + '=' + atv.slice(i + 1).trim();
        })
        .join('+'),
    )
    .join(',');
}

function entityIdFromSubject(rdns: NameAttribute[][]): Eui64 | null {
  for (const rdn of rdns)
    for (const a of rdn) {
      if (a.oid !== OID.x500UniqueIdentifier) continue;
      if (a.tag === 3 && a.content.length === 8) return eui64FromBytes(a.content);
      if (a.text !== null) {
        const r = parseEui64(a.text);
        if (r.ok) return r.value;
      }
    }
  return null;
}

function roleFromSubject(rdns: NameAttribute[][], table: RoleCodeTable): RemotePartyRole | null {
  for (const rdn of rdns)
    for (const a of rdn)
      if (a.oid === OID.organizationalUnitName && a.text !== null) {
        const r = roleFromOu(a.text, table);
        if (r) return r;
      }
  return null;
}

// ---------------------------------------------------------------------------------------------------

/** The subjectPublicKey bits of a SubjectPublicKeyInfo (for EC: the uncompressed point). */
export function subjectPublicKeyBits(spkiDer: Uint8Array): Uint8Array {
  const parsed = asn1js.fromBER(spkiDer);
  const [, bits] = seqChildren(parsed.result);
  if (!(bits instanceof asn1js.BitString)) throw new CertificateParseError('malformed SubjectPublicKeyInfo');
  return new Uint8Array(bits.valueBlock.valueHexView);
}

/**
 * TMAD 2 Key Identifier: SHA-1 (FIPS 180-4) of the public key, taken as the subjectPublicKey BIT STRING
 * value (RFC 5280 4.2.1.2 method 1, what `openssl` writes as subjectKeyIdentifier=hash). Lower-case hex.
 */
export function keyIdentifier(publicKey: KeyObject): string {
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha1')
    .update(subjectPublicKeyBits(new Uint8Array(spki)))
    .digest('hex');
}

/** Parse a PEM or DER X.509 certificate. Throws CertificateParseError on anything that is not one. */
export function parseCertificate(
  pemOrDer: string | Uint8Array,
  opts: ParseCertificateOptions = {},
): OrganisationCertificate {
  const der = pemToDer(pemOrDer, 'CERTIFICATE');
  let cert: x509.X509Certificate;
  try {
    cert = new x509.X509Certificate(der);
  } catch (e) {
    throw new CertificateParseError(`not an X.509 certificate: ${(e as Error).message}`);
  }
  // Raw pieces (tbs, names, signature) straight from the DER so that nothing is re-encoded.
  const top = asn1js.fromBER(der);
  const [tbsEl, sigAlgEl, sigEl] = seqChildren(top.result);
  if (!tbsEl || !sigAlgEl || !(sigEl instanceof asn1js.BitString))
    throw new CertificateParseError('malformed Certificate');
  const tbsParts = seqChildren(tbsEl);
  const off = tbsParts[0]?.idBlock.tagClass === 3 ? 1 : 0; // [0] version
  const issuerEl = tbsParts[off + 2];
  const subjectEl = tbsParts[off + 4];
  const spkiEl = tbsParts[off + 5];
  if (!issuerEl || !subjectEl || !spkiEl) throw new CertificateParseError('malformed TBSCertificate');
  const [sigOidEl] = seqChildren(sigAlgEl);
  const issuerDer = berOf(issuerEl);
  const subjectDer = berOf(subjectEl);
  const spkiDer = berOf(spkiEl);
  const subjectRdns = nameRdns(subjectDer);

  let publicKey: KeyObject;
  try {
    publicKey = createPublicKey({ key: Buffer.from(spkiDer), format: 'der', type: 'spki' });
  } catch (e) {
    throw new CertificateParseError(`unsupported public key: ${(e as Error).message}`);
  }

  const extensions: CertificateExtensionInfo[] = cert.extensions.map((e) => ({
    oid: e.type,
    critical: e.critical,
  }));
  const ku = cert.getExtension(x509.KeyUsagesExtension);
  const bc = cert.getExtension(x509.BasicConstraintsExtension);
  const ski = cert.getExtension(x509.SubjectKeyIdentifierExtension);
  const aki = cert.getExtension(x509.AuthorityKeyIdentifierExtension);
  const cp = cert.getExtension(x509.CertificatePolicyExtension);
  const keyUsage: string[] = ku
    ? KEY_USAGE_BITS.filter(([, bit]) => (ku.usages & bit) !== 0).map(([n]) => n)
    : [];

  return {
    der,
    pem: toPem(der, 'CERTIFICATE'),
    serialNumber: serialHexToDecimal(cert.serialNumber),
    issuerName: formatName(issuerDer),
    subjectName: formatName(subjectDer),
    entityId: entityIdFromSubject(subjectRdns),
    role: roleFromSubject(subjectRdns, opts.roleCodes ?? DEFAULT_ROLE_CODES),
    keyUsage,
    keyUsageCritical: !!ku?.critical,
    isCa: !!bc?.ca,
    pathLength: bc?.pathLength ?? null,
    notBefore: cert.notBefore,
    notAfter: cert.notAfter,
    keyIdentifier: keyIdentifier(publicKey),
    subjectKeyIdentifier: ski ? ski.keyId.toLowerCase() : null,
    authorityKeyIdentifier: aki?.keyId ? aki.keyId.toLowerCase() : null,
    policies: cp ? [...cp.policies] : [],
    extensions,
    selfIssued: sameDer(issuerDer, subjectDer),
    publicKey,
    signatureAlgorithmOid: sigOidEl instanceof asn1js.ObjectIdentifier ? sigOidEl.valueBlock.toString() : '',
    tbsDer: berOf(tbsEl),
    signatureValue: new Uint8Array(sigEl.valueBlock.valueHexView),
    issuerDer,
    subjectDer,
  };
}

/** The Certificate ID (TMAD 2) of a parsed certificate. */
export function certificateIdOf(cert: Pick<OrganisationCertificate, 'serialNumber' | 'issuerName'>): {
  serialNumber: string;
  issuerName: string;
} {
  return { serialNumber: cert.serialNumber, issuerName: cert.issuerName };
}
