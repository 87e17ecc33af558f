// Issuing a test SMKI PKI in memory: root CA, issuing CA, Organisation Certificates and CRLs
// (ECDSA P-256 / SHA-256). No file I/O here; src/core/pki/test-pki.ts writes the directory layout.
//
// Organisation Certificate profile (docs/SPEC-DECISIONS.md "PKI: Organisation Certificate profile"),
// following the DCC's published GBCS test certificates: subject CN (organisation), OU = Remote Party
// Role code as two hex digits (TMAD 3.16), x500UniqueIdentifier = the Entity Identifier as an 8-byte
// BIT STRING; keyUsage critical with exactly one of digitalSignature / keyAgreement;
// certificatePolicies critical with the SMKI Organisation Certificate policy OID; SKI and AKI; no
// basicConstraints. CA names are plain ASCII (xmlsec1 matches X509IssuerName only for those).
import 'reflect-metadata';
import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  randomBytes,
  webcrypto,
  type KeyObject,
} from 'node:crypto';
import * as x509 from '@peculiar/x509';
import * as asn1js from 'asn1js';
import { eui64ToBytes, type Eui64 } from '../ids/eui64.js';
import {
  OID,
  SMKI_ORGANISATION_CERTIFICATE_POLICY_OID,
  keyIdentifier,
  keyUsageFlags,
  parseCertificate,
  serialDecimalToHex,
  serialHexToDecimal,
  type OrganisationCertificate,
} from './certificate.js';
import { crlToPem, parseCrl } from './validity.js';
import { DEFAULT_ROLE_CODES, roleCodeOu, type RemotePartyRole, type RoleCodeTable } from './roles.js';

x509.cryptoProvider.set(webcrypto as never);

const ECDSA_SHA256 = { name: 'ECDSA', hash: 'SHA-256' } as never;

export interface KeyPair {
  privateKey: KeyObject;
  publicKey: KeyObject;
}

/** A fresh ECDSA P-256 key pair (GBCS / SMKI curve). */
export function generateP256KeyPair(): KeyPair {
  // Through DER: a KeyObject straight from generateKeyPairSync can deadlock Node 20 when its
  // asymmetricKeyDetails are read while the collector frees the generation job (seen: the main thread waiting in ~KeyGenJob under GetEcKeyDetail, every worker idle).
  const der = generateKeyPairSync('ec', {
    namedCurve: 'P-256',
    privateKeyEncoding: { type: 'pkcs8', format: 'der' },
    publicKeyEncoding: { type: 'spki', format: 'der' },
  });
  const privateKey = createPrivateKey({ key: der.privateKey, format: 'der', type: 'pkcs8' });
  der.privateKey.fill(0);
  return { privateKey, publicKey: createPublicKey({ key: der.publicKey, format: 'der', type: 'spki' }) };
}

const CURVES: Readonly<Record<string, string>> = {
  prime256v1: 'P-256',
  secp384r1: 'P-384',
  secp521r1: 'P-521',
};

// WebCrypto key types are not in this project's lib (no DOM): the peculiar API gets them as `never`.
async function toSigningKey(key: KeyObject): Promise<never> {
  if (key.type !== 'private') throw new RangeError('signing key must be a private key');
  const k = key;
  const curve = CURVES[k.asymmetricKeyDetails?.namedCurve ?? ''];
  if (k.asymmetricKeyType !== 'ec' || !curve)
    throw new RangeError('signing key must be an EC key on P-256, P-384 or P-521');
  const der = k.export({ type: 'pkcs8', format: 'der' });
  return webcrypto.subtle.importKey('pkcs8', der, { name: 'ECDSA', namedCurve: curve }, false, [
    'sign',
  ]) as Promise<never>;
}

function spki(key: KeyObject): Uint8Array {
  return new Uint8Array(key.export({ type: 'spki', format: 'der' }));
}

/** A random positive 16-byte serial number as hex (SMKI profile: up to 16 octets). */
export function randomSerialHex(): string {
  const b = randomBytes(16);
  b[0] = (b[0]! & 0x7f) | 0x01;
  return b.toString('hex');
}

// ---------------------------------------------------------------------------------------------------
// Names

const NAME_OIDS: Readonly<Record<string, string>> = {
  CN: '2.5.4.3',
  O: '2.5.4.10',
  OU: '2.5.4.11',
  C: '2.5.4.6',
  L: '2.5.4.7',
  ST: '2.5.4.8',
  DC: '0.9.2342.19200300.100.1.25',
};

type NameValue = string | { bitString: Uint8Array };

function printable(s: string): boolean {
  return /^[A-Za-z0-9 '()+,\-./:=?]*$/.test(s);
}

/** DER Name from attributes in DER order (most significant first). */
export function buildNameDer(attrs: ReadonlyArray<[oid: string, value: NameValue]>): Uint8Array {
  const rdns = attrs.map(([oid, value]) => {
    let v: asn1js.AsnType;
    if (typeof value === 'string') {
      if (oid === NAME_OIDS.C || printable(value)) v = new asn1js.PrintableString({ value });
      else v = new asn1js.Utf8String({ value });
    } else v = new asn1js.BitString({ valueHex: value.bitString, unusedBits: 0 });
    return new asn1js.Set({
      value: [new asn1js.Sequence({ value: [new asn1js.ObjectIdentifier({ value: oid }), v] })],
    });
  });
  return new Uint8Array(new asn1js.Sequence({ value: rdns }).toBER());
}

/**
 * DER Name from a plain RFC 4514 string such as `CN=s1mig Test SMKI Root CA,OU=00,O=s1mig Test`
 * (RFC 4514 lists the last RDN first). Only CN, O, OU, C, L, ST, DC and printable ASCII are accepted:
 * xmlsec1 cannot match issuer names with anything else (STACK-NOTES).
 */
export function caNameDer(rfc4514: string): Uint8Array {
  const parts = rfc4514.split(',').map((p) => p.trim());
  const attrs: Array<[string, string]> = [];
  for (const p of parts.reverse()) {
    const m = /^([A-Za-z]+)=(.+)$/.exec(p);
    const oid = m ? NAME_OIDS[m[1]!.toUpperCase()] : undefined;
    if (!m || !oid)
      throw new RangeError(
        `CA name part '${p}': expected TYPE=value with TYPE one of ${Object.keys(NAME_OIDS).join(', ')}`,
      );
    if (!/^[\x20-\x7e]+$/.test(m[2]!) || /[\\"+;<>#&]/.test(m[2]!))
      throw new RangeError(
        `CA name part '${p}': plain ASCII without \\ " + ; < > # & only (xmlsec1 issuer matching)`,
      );
    attrs.push([oid, m[2]!]);
  }
  return buildNameDer(attrs);
}

/** Organisation Certificate subject: CN, OU (role code), x500UniqueIdentifier (Entity Identifier). */
export function organisationSubjectDer(opts: {
  commonName?: string;
  role?: RemotePartyRole | null;
  entityId?: Eui64 | null;
  roleCodes?: RoleCodeTable;
  /** Override the OU value (tests: a role code the table does not know). */
  roleOu?: string;
}): Uint8Array {
  const attrs: Array<[string, NameValue]> = [];
  if (opts.commonName) attrs.push([OID.commonName, opts.commonName]);
  const ou =
    opts.roleOu ?? (opts.role ? roleCodeOu(opts.role, opts.roleCodes ?? DEFAULT_ROLE_CODES) : undefined);
  if (opts.role && ou === undefined)
    throw new RangeError(`Remote Party Role '${opts.role}' has no role code`);
  if (ou !== undefined) attrs.push([OID.organizationalUnitName, ou]);
  if (opts.entityId) attrs.push([OID.x500UniqueIdentifier, { bitString: eui64ToBytes(opts.entityId) }]);
  return buildNameDer(attrs);
}

// ---------------------------------------------------------------------------------------------------
// Certificates

/** authorityKeyIdentifier naming the issuer's key (its SKI, else the TMAD 2 Key Identifier). */
function authorityKeyId(issuer: OrganisationCertificate): x509.AuthorityKeyIdentifierExtension {
  return new x509.AuthorityKeyIdentifierExtension(issuer.subjectKeyIdentifier ?? issuer.keyIdentifier, false);
}

export interface IssuedCertificate {
  cert: OrganisationCertificate;
  pem: string;
}

function dayMs(days: number): number {
  return days * 86_400_000;
}

export interface CaOptions {
  /** Plain RFC 4514 subject, e.g. `CN=s1mig Test SMKI Root CA,OU=00,O=s1mig Test`. */
  subject: string;
  keys: KeyPair;
  notBefore: Date;
  notAfter: Date;
  serialHex?: string;
  /** pathLenConstraint (none when undefined). */
  pathLength?: number;
}

/** A self-signed root CA certificate (basicConstraints cA critical, keyCertSign + cRLSign). */
export async function createRootCa(opts: CaOptions): Promise<IssuedCertificate> {
  const kid = keyIdentifier(opts.keys.publicKey);
  const name = new x509.Name(caNameDer(opts.subject));
  const c = await x509.X509CertificateGenerator.create({
    serialNumber: opts.serialHex ?? randomSerialHex(),
    subject: name,
    issuer: name,
    notBefore: opts.notBefore,
    notAfter: opts.notAfter,
    publicKey: spki(opts.keys.publicKey),
    signingKey: await toSigningKey(opts.keys.privateKey),
    signingAlgorithm: ECDSA_SHA256,
    extensions: [
      new x509.BasicConstraintsExtension(true, opts.pathLength, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      new x509.SubjectKeyIdentifierExtension(kid),
    ],
  });
  const cert = parseCertificate(new Uint8Array(c.rawData));
  return { cert, pem: cert.pem };
}

export interface IssuingCaOptions extends CaOptions {
  issuer: OrganisationCertificate;
  issuerKey: KeyObject;
}

/** A subordinate (issuing) CA certificate signed by `issuer`. */
export async function createIssuingCa(opts: IssuingCaOptions): Promise<IssuedCertificate> {
  const kid = keyIdentifier(opts.keys.publicKey);
  const c = await x509.X509CertificateGenerator.create({
    serialNumber: opts.serialHex ?? randomSerialHex(),
    subject: new x509.Name(caNameDer(opts.subject)),
    issuer: new x509.Name(opts.issuer.subjectDer),
    notBefore: opts.notBefore,
    notAfter: opts.notAfter,
    publicKey: spki(opts.keys.publicKey),
    signingKey: await toSigningKey(opts.issuerKey),
    signingAlgorithm: ECDSA_SHA256,
    extensions: [
      new x509.BasicConstraintsExtension(true, opts.pathLength ?? 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      new x509.SubjectKeyIdentifierExtension(kid),
      authorityKeyId(opts.issuer),
    ],
  });
  const cert = parseCertificate(new Uint8Array(c.rawData));
  return { cert, pem: cert.pem };
}

export interface OrganisationCertificateOptions {
  issuer: OrganisationCertificate;
  issuerKey: KeyObject;
  publicKey: KeyObject;
  commonName?: string;
  entityId?: Eui64 | null;
  role?: RemotePartyRole | null;
  /** Exactly one of these in a conforming certificate; tests may pass others. */
  keyUsage: Array<'digitalSignature' | 'keyAgreement' | string>;
  keyUsageCritical?: boolean;
  notBefore: Date;
  notAfter: Date;
  serialHex?: string;
  policies?: string[];
  roleCodes?: RoleCodeTable;
  roleOu?: string;
  /** Mark the certificate as a CA (tests of the "not an Organisation Certificate" check). */
  ca?: boolean;
}

/** An Organisation Certificate (SMKI profile as above) signed by `issuer`. */
export async function createOrganisationCertificate(
  opts: OrganisationCertificateOptions,
): Promise<IssuedCertificate> {
  const extensions: x509.Extension[] = [
    new x509.KeyUsagesExtension(keyUsageFlags(opts.keyUsage), opts.keyUsageCritical ?? true),
    new x509.SubjectKeyIdentifierExtension(keyIdentifier(opts.publicKey)),
    new x509.CertificatePolicyExtension(opts.policies ?? [SMKI_ORGANISATION_CERTIFICATE_POLICY_OID], true),
    authorityKeyId(opts.issuer),
  ];
  if (opts.ca) extensions.push(new x509.BasicConstraintsExtension(true, undefined, true));
  const c = await x509.X509CertificateGenerator.create({
    serialNumber: opts.serialHex ?? randomSerialHex(),
    subject: new x509.Name(
      organisationSubjectDer({
        commonName: opts.commonName,
        role: opts.role ?? null,
        entityId: opts.entityId ?? null,
        roleCodes: opts.roleCodes,
        roleOu: opts.roleOu,
      }),
    ),
    issuer: new x509.Name(opts.issuer.subjectDer),
    notBefore: opts.notBefore,
    notAfter: opts.notAfter,
    publicKey: spki(opts.publicKey),
    signingKey: await toSigningKey(opts.issuerKey),
    signingAlgorithm: ECDSA_SHA256,
    extensions,
  });
  const cert = parseCertificate(new Uint8Array(c.rawData), { roleCodes: opts.roleCodes });
  return { cert, pem: cert.pem };
}

// ---------------------------------------------------------------------------------------------------
// CRLs

export interface RevocationEntry {
  /** Decimal serial number. */
  serialNumber: string;
  revocationDate: Date;
  reason?: x509.X509CrlReason;
}

export interface CrlOptions {
  issuer: OrganisationCertificate;
  issuerKey: KeyObject;
  revoked: RevocationEntry[];
  thisUpdate: Date;
  nextUpdate: Date;
  crlNumber: bigint | number;
}

/** A CRL (v2, with CRL number and AKI) signed by the issuing CA. Returns the PEM (`X509 CRL`) and DER. */
export async function createCrl(opts: CrlOptions): Promise<{ pem: string; der: Uint8Array }> {
  const crlNumber = new asn1js.Integer({ value: Number(opts.crlNumber) }).toBER();
  const crl = await x509.X509CrlGenerator.create({
    issuer: new x509.Name(opts.issuer.subjectDer),
    thisUpdate: opts.thisUpdate,
    nextUpdate: opts.nextUpdate,
    signingKey: await toSigningKey(opts.issuerKey),
    signingAlgorithm: ECDSA_SHA256,
    entries: opts.revoked.map((r) => ({
      serialNumber: serialDecimalToHex(r.serialNumber),
      revocationDate: r.revocationDate,
      ...(r.reason !== undefined ? { reason: r.reason } : {}),
    })),
    extensions: [authorityKeyId(opts.issuer), new x509.Extension(OID.crlNumber, false, crlNumber)],
  });
  const der = new Uint8Array(crl.rawData);
  parseCrl(der); // self-check: our own parser reads what we wrote
  return { der, pem: crlToPem(der) };
}

/** Revocation entries and CRL number of an existing CRL (to re-issue it with more entries). */
export function crlEntries(pemOrDer: string | Uint8Array): { revoked: RevocationEntry[]; crlNumber: bigint } {
  const parsed = parseCrl(pemOrDer);
  const crl = new x509.X509Crl(parsed.der);
  const revoked = crl.entries.map((e) => ({
    serialNumber: serialHexToDecimal(e.serialNumber),
    revocationDate: e.revocationDate,
    ...(e.reason !== undefined ? { reason: e.reason } : {}),
  }));
  let crlNumber = 0n;
  const ext = crl.extensions.find((e) => e.type === OID.crlNumber);
  if (ext) {
    const i = asn1js.fromBER(ext.value).result;
    if (i instanceof asn1js.Integer)
      crlNumber = BigInt('0x' + Buffer.from(i.valueBlock.valueHexView).toString('hex'));
  }
  return { revoked, crlNumber };
}

export { dayMs };
