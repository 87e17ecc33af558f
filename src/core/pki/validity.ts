// Trust stores, CRLs, Certificate ID look-up (TMAD 2) and "Confirm Validity" (TMAD 5.9.4, 5.10.5–5.10.7).
// Pure: callers supply the certificates, CRLs and the time.
//
// Confirm Validity is a SEC defined term the TMAD text does not repeat. s1mig reads it as RFC 5280
// path validation to a trusted SMKI root plus revocation checking (docs/SPEC-DECISIONS.md "PKI: Confirm
// Validity"): every link's signature, CA flag and keyCertSign, dates of every link at the time given,
// no unknown critical extension, the CRL of the leaf's issuer present, signed by that issuer, not past
// its nextUpdate, and not listing the certificate; and the Organisation Certificate's keyUsage as the profile requires
// (critical, exactly one of digitalSignature / keyAgreement).
import 'reflect-metadata';
import { verify as cryptoVerify, type KeyObject } from 'node:crypto';
import * as asn1js from 'asn1js';
import type { Eui64 } from '../ids/eui64.js';
import { certificateIdMatches } from '../ids/certificate-id.js';
import {
  CertificateParseError,
  OID,
  formatName,
  normaliseRfc4514,
  pemToDer,
  sameDer,
  seqChildren as children,
  serialHexToDecimal,
  toPem,
  type OrganisationCertificate,
} from './certificate.js';
import type { RemotePartyRole } from './roles.js';
import type { Problem } from '../problem.js';

export interface Crl {
  /** RFC 4514 issuer name. */
  issuerName: string;
  revokedSerials: Set<string>;
  thisUpdate: Date;
  nextUpdate: Date | null;
  der: Uint8Array;
  /** authorityKeyIdentifier of the CRL (hex), if present. */
  authorityKeyIdentifier?: string | null;
}

export interface TrustStore {
  /** Trusted self-signed CA certificates (the SMKI Root). */
  roots: OrganisationCertificate[];
  /** Untrusted CA certificates that may complete a chain (the Issuing OCA). */
  intermediates: OrganisationCertificate[];
  /** Known leaf Organisation Certificates, as in an SMKI repository (for Certificate ID look-ups). */
  certificates: OrganisationCertificate[];
  crls: Crl[];
}

export function emptyTrustStore(): TrustStore {
  return { roots: [], intermediates: [], certificates: [], crls: [] };
}

/** Add a parsed certificate to the right list (roots if self-issued CA, intermediates if CA, else leaf). */
export function addToTrustStore(trust: TrustStore, cert: OrganisationCertificate): void {
  const list = cert.isCa ? (cert.selfIssued ? trust.roots : trust.intermediates) : trust.certificates;
  if (!list.some((c) => sameDer(c.der, cert.der))) list.push(cert);
}

// ---------------------------------------------------------------------------------------------------
// CRLs

const SIG_HASH: Readonly<Record<string, string>> = {
  '1.2.840.10045.4.3.2': 'sha256',
  '1.2.840.10045.4.3.3': 'sha384',
  '1.2.840.10045.4.3.4': 'sha512',
  '1.2.840.113549.1.1.11': 'sha256',
  '1.2.840.113549.1.1.12': 'sha384',
  '1.2.840.113549.1.1.13': 'sha512',
};

function timeOf(el: asn1js.AsnType | undefined): Date | null {
  if (el instanceof asn1js.UTCTime || el instanceof asn1js.GeneralizedTime) return el.toDate();
  return null;
}

interface ParsedCrl extends Crl {
  tbsDer: Uint8Array;
  signatureValue: Uint8Array;
  signatureAlgorithmOid: string;
  issuerDer: Uint8Array;
}

/** Parse a CRL (PEM `X509 CRL` or DER). Throws CertificateParseError on malformed input. */
export function parseCrl(pemOrDer: string | Uint8Array): ParsedCrl {
  const der = pemToDer(pemOrDer, 'X509 CRL');
  const parsed = asn1js.fromBER(der);
  if (parsed.offset === -1) throw new CertificateParseError('malformed CRL');
  const [tbs, sigAlg, sig] = children(parsed.result);
  if (!tbs || !sigAlg || !(sig instanceof asn1js.BitString)) throw new CertificateParseError('malformed CRL');
  const parts = children(tbs);
  let i = 0;
  if (parts[0] instanceof asn1js.Integer) i++; // version
  i++; // signature AlgorithmIdentifier
  const issuerEl = parts[i++];
  const thisUpdate = timeOf(parts[i++]);
  let nextUpdate: Date | null = null;
  const maybeNext = timeOf(parts[i]);
  if (maybeNext) {
    nextUpdate = maybeNext;
    i++;
  }
  if (!issuerEl || !thisUpdate) throw new CertificateParseError('malformed TBSCertList');
  const revokedSerials = new Set<string>();
  let authorityKeyIdentifier: string | null = null;
  for (; i < parts.length; i++) {
    const p = parts[i]!;
    if (p.idBlock.tagClass === 3) {
      // [0] crlExtensions
      for (const ext of children(children(p)[0])) {
        const [oid, ...rest] = children(ext);
        const val = rest[rest.length - 1];
        if (
          oid instanceof asn1js.ObjectIdentifier &&
          oid.valueBlock.toString() === OID.authorityKeyIdentifier &&
          val instanceof asn1js.OctetString
        ) {
          const inner = asn1js.fromBER(val.valueBlock.valueHexView);
          for (const c of children(inner.result))
            if (c.idBlock.tagClass === 3 && c.idBlock.tagNumber === 0)
              authorityKeyIdentifier = Buffer.from((c as asn1js.Primitive).valueBlock.valueHexView).toString(
                'hex',
              );
        }
      }
    } else {
      for (const entry of children(p)) {
        const [serial] = children(entry);
        if (serial instanceof asn1js.Integer)
          revokedSerials.add(serialHexToDecimal(Buffer.from(serial.valueBlock.valueHexView).toString('hex')));
      }
    }
  }
  const issuerDer = new Uint8Array(issuerEl.valueBeforeDecodeView);
  const [sigOid] = children(sigAlg);
  return {
    issuerName: formatName(issuerDer),
    revokedSerials,
    thisUpdate,
    nextUpdate,
    der: new Uint8Array(der),
    authorityKeyIdentifier,
    tbsDer: new Uint8Array(tbs.valueBeforeDecodeView),
    signatureValue: new Uint8Array(sig.valueBlock.valueHexView),
    signatureAlgorithmOid: sigOid instanceof asn1js.ObjectIdentifier ? sigOid.valueBlock.toString() : '',
    issuerDer,
  };
}

export function crlToPem(der: Uint8Array): string {
  return toPem(der, 'X509 CRL');
}

function verifySignature(oid: string, tbs: Uint8Array, signature: Uint8Array, key: KeyObject): boolean {
  const hash = SIG_HASH[oid];
  if (!hash) return false;
  try {
    return cryptoVerify(hash, tbs, key, signature);
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------------
// Certificate ID look-up (TMAD 2)

// Decimal serials compare as numbers: equal once leading zeros are dropped (linear; BigInt() of an
// untrusted X509SerialNumber of a million digits takes a quarter of a second).
function sameSerial(a: string, b: string): boolean {
  if (!/^\d+$/.test(a) || !/^\d+$/.test(b)) return false;
  return a.replace(/^0+(?=\d)/, '') === b.replace(/^0+(?=\d)/, '');
}

/**
 * The known certificate with this Certificate ID (X509IssuerName + X509SerialNumber, TMAD 2): leaves
 * first, then CA certificates. Issuer names compare exactly, then after RFC 4514 spacing/case
 * normalisation, then by the TMAD 2 rule (`certificateIdMatches`: the Issuer X520 Common Name, so a
 * bare 'Z1' finds a certificate issued by 'CN=Z1,OU=07'). The Null Certificate ID never matches.
 */
export function findCertificate(
  trust: TrustStore,
  issuerName: string,
  serialNumber: string,
): OrganisationCertificate | undefined {
  if (serialNumber === '0' && issuerName === 'NULL') return undefined;
  const all = [...trust.certificates, ...trust.intermediates, ...trust.roots];
  const exact = all.find((c) => c.issuerName === issuerName && sameSerial(c.serialNumber, serialNumber));
  if (exact) return exact;
  const norm = normaliseRfc4514(issuerName);
  const byDn = all.find(
    (c) => normaliseRfc4514(c.issuerName) === norm && sameSerial(c.serialNumber, serialNumber),
  );
  if (byDn) return byDn;
  // TMAD 2: serial + Issuer X520 Common Name.
  return all.find((c) => certificateIdMatches({ serialNumber, issuerName }, c));
}

// ---------------------------------------------------------------------------------------------------
// Confirm Validity

/** The clause of Confirm Validity (TMAD 5.9.4) and of the Remote Party Role (TMAD 5.9.3 per Table 5.5). */
export const CONFIRM_VALIDITY_RULE = 'TMAD 5.9.4';
export const REMOTE_PARTY_ROLE_RULE = 'TMAD 5.5 Table 5.5';

/** A Problem (src/core/problem.ts) with a certificate (no location); `step` is the Table 5.9 step it fails. */
export interface CertificateProblem extends Pick<Problem, 'rule' | 'message'> {
  step?: '5.9.3' | '5.9.4';
}

export interface CertificateValidity {
  valid: boolean;
  /** Each with rule CONFIRM_VALIDITY_RULE. */
  problems: CertificateProblem[];
}

export interface ConfirmValidityOptions {
  /** Require a CRL from the leaf's issuer (default true: without one revocation cannot be confirmed). */
  requireCrl?: boolean;
  /** Accept a CRL whose nextUpdate has passed (default false). */
  allowStaleCrl?: boolean;
  /** Maximum number of CA certificates between leaf and root (default 4). */
  maxDepth?: number;
}

const KNOWN_EXTENSIONS = new Set<string>([
  OID.keyUsage,
  OID.basicConstraints,
  OID.certificatePolicies,
  OID.subjectKeyIdentifier,
  OID.authorityKeyIdentifier,
  OID.subjectAltName,
  OID.extKeyUsage,
]);

function describe(cert: OrganisationCertificate): string {
  return `certificate serial ${cert.serialNumber} issued by '${cert.issuerName}'`;
}

function signedBy(cert: OrganisationCertificate, issuer: OrganisationCertificate): boolean {
  return verifySignature(cert.signatureAlgorithmOid, cert.tbsDer, cert.signatureValue, issuer.publicKey);
}

function issuerCandidates(cert: OrganisationCertificate, trust: TrustStore): OrganisationCertificate[] {
  const byName = [...trust.intermediates, ...trust.roots].filter(
    (c) => sameDer(c.subjectDer, cert.issuerDer) && !sameDer(c.der, cert.der),
  );
  // Prefer a key-identifier match (AKI = issuer's SKI), as RFC 5280 4.2.1.1 intends.
  return byName.sort((a, b) => {
    const am = cert.authorityKeyIdentifier && a.subjectKeyIdentifier === cert.authorityKeyIdentifier ? 0 : 1;
    const bm = cert.authorityKeyIdentifier && b.subjectKeyIdentifier === cert.authorityKeyIdentifier ? 0 : 1;
    return am - bm;
  });
}

function checkDates(cert: OrganisationCertificate, at: Date, what: string, problems: string[]): void {
  if (at.getTime() < cert.notBefore.getTime())
    problems.push(
      `${what} is not yet valid: notBefore ${cert.notBefore.toISOString()} is after ${at.toISOString()}`,
    );
  if (at.getTime() > cert.notAfter.getTime())
    problems.push(
      `${what} has expired: notAfter ${cert.notAfter.toISOString()} is before ${at.toISOString()}`,
    );
}

function checkCriticalExtensions(cert: OrganisationCertificate, what: string, problems: string[]): void {
  for (const e of cert.extensions)
    if (e.critical && !KNOWN_EXTENSIONS.has(e.oid))
      problems.push(`${what} has an unrecognised critical extension ${e.oid}`);
}

/**
 * Confirm Validity (TMAD 5.9.4, 5.10.5–5.10.7) of a certificate at a time against a trust store.
 * Never throws; lists every problem found (empty when valid).
 */
export function confirmValidity(
  cert: OrganisationCertificate,
  trust: TrustStore,
  at: Date,
  opts: ConfirmValidityOptions = {},
): CertificateValidity {
  const problems: string[] = [];
  const requireCrl = opts.requireCrl ?? true;
  const maxDepth = opts.maxDepth ?? 4;
  const leafWhat = describe(cert);

  // The Organisation Certificate itself (SMKI profile): an end-entity with exactly one key usage.
  if (cert.isCa) problems.push(`${leafWhat} is a CA certificate, not an Organisation Certificate`);
  else {
    const main = cert.keyUsage.filter((k) => k === 'digitalSignature' || k === 'keyAgreement');
    if (cert.keyUsage.length === 0) problems.push(`${leafWhat} has no keyUsage extension`);
    else if (main.length !== 1 || cert.keyUsage.length !== 1)
      problems.push(
        `${leafWhat} keyUsage is [${cert.keyUsage.join(', ')}]: expected exactly one of digitalSignature, keyAgreement`,
      );
    if (cert.keyUsage.length > 0 && !cert.keyUsageCritical)
      problems.push(`${leafWhat} keyUsage extension is not critical`);
  }
  checkDates(cert, at, leafWhat, problems);
  checkCriticalExtensions(cert, leafWhat, problems);

  // Build and check the chain upwards.
  const chain: OrganisationCertificate[] = [cert];
  let current = cert;
  let anchored = false;
  let broken = false; // the chain stopped at a missing or non-verifying issuer (already reported)
  for (let depth = 0; depth <= maxDepth; depth++) {
    const rootHit = trust.roots.find((r) => sameDer(r.der, current.der));
    if (rootHit) {
      if (!signedBy(current, current))
        problems.push(`trusted root '${current.subjectName}' has a broken self-signature`);
      anchored = true;
      break;
    }
    const candidates = issuerCandidates(current, trust);
    if (candidates.length === 0) {
      problems.push(
        `no CA certificate found for issuer '${current.issuerName}' of ${describe(current)} (unknown CA)`,
      );
      broken = true;
      break;
    }
    const issuer = candidates.find((c) => signedBy(current, c));
    if (!issuer) {
      problems.push(
        `signature of ${describe(current)} does not verify with the key of '${current.issuerName}'`,
      );
      broken = true;
      break;
    }
    const what = `CA certificate '${issuer.subjectName}'`;
    if (!issuer.isCa) problems.push(`${what} is not a CA (basicConstraints cA is not set)`);
    if (issuer.keyUsage.length > 0 && !issuer.keyUsage.includes('keyCertSign'))
      problems.push(`${what} keyUsage lacks keyCertSign`);
    const casBelow = chain.length - 1; // CA certificates between this issuer and the leaf
    if (issuer.pathLength !== null && casBelow > issuer.pathLength)
      problems.push(`${what} pathLenConstraint ${issuer.pathLength} is exceeded`);
    checkDates(issuer, at, what, problems);
    checkCriticalExtensions(issuer, what, problems);
    chain.push(issuer);
    current = issuer;
  }
  if (!anchored && !broken)
    problems.push(`chain of ${leafWhat} does not end at a trusted root within ${maxDepth} CA certificates`);

  // Revocation: each non-root link against its issuer's CRL (required for the leaf's issuer).
  for (let i = 0; i + 1 < chain.length; i++) {
    const subject = chain[i]!;
    const issuer = chain[i + 1]!;
    const crls = trust.crls.filter((c) => {
      const d = (c as Partial<ParsedCrl>).issuerDer;
      return d ? sameDer(d, issuer.subjectDer) : c.issuerName === issuer.subjectName;
    });
    const usable: Crl[] = [];
    for (const crl of crls) {
      const p = crl as Partial<ParsedCrl>;
      const parsed: ParsedCrl = p.tbsDer ? (crl as ParsedCrl) : parseCrl(crl.der);
      if (
        !verifySignature(parsed.signatureAlgorithmOid, parsed.tbsDer, parsed.signatureValue, issuer.publicKey)
      ) {
        problems.push(
          `CRL issued by '${crl.issuerName}' has a signature that does not verify with that CA's key`,
        );
        continue;
      }
      if (issuer.keyUsage.length > 0 && !issuer.keyUsage.includes('cRLSign'))
        problems.push(`CA certificate '${issuer.subjectName}' signs CRLs but its keyUsage lacks cRLSign`);
      // A CRL issued after the time of interest is still used: it lists revocations up to its issue.
      if (crl.nextUpdate && crl.nextUpdate.getTime() < at.getTime() && !opts.allowStaleCrl) {
        problems.push(
          `CRL issued by '${crl.issuerName}' is out of date: nextUpdate ${crl.nextUpdate.toISOString()} is before ${at.toISOString()}`,
        );
        continue;
      }
      usable.push(crl);
    }
    if (usable.some((c) => c.revokedSerials.has(subject.serialNumber)))
      problems.push(`${describe(subject)} is revoked (listed on the CRL of '${issuer.subjectName}')`);
    if (i === 0 && requireCrl && usable.length === 0 && crls.length === 0)
      problems.push(
        `no CRL from '${issuer.subjectName}' is available, so revocation of ${leafWhat} cannot be checked`,
      );
    else if (i === 0 && requireCrl && usable.length === 0)
      problems.push(
        `no current, correctly signed CRL from '${issuer.subjectName}' is available for ${leafWhat}`,
      );
  }

  return {
    valid: problems.length === 0,
    problems: problems.map((message) => ({ rule: CONFIRM_VALIDITY_RULE, message })),
  };
}

// ---------------------------------------------------------------------------------------------------
// Roles and TMAD 2 identifiers

/** TMAD 3.16 / 5.5: whether the certificate carries this Remote Party Role. */
export function hasRole(cert: Pick<OrganisationCertificate, 'role'>, role: RemotePartyRole): boolean {
  return cert.role !== null && cert.role === role;
}

type IdSource = Pick<OrganisationCertificate, 'role' | 'keyUsage' | 'entityId'>;

function idFor(cert: IdSource | null | undefined, role: string, usage: string): Eui64 | null {
  if (!cert || cert.role !== role) return null;
  if (cert.keyUsage.length !== 1 || cert.keyUsage[0] !== usage) return null;
  return cert.entityId;
}

/** TMAD 2 Critical Supplier ID: Entity Identifier iff role 'supplier' and keyUsage 'digitalSignature'. */
export function criticalSupplierId(cert: IdSource | null | undefined): Eui64 | null {
  return idFor(cert, 'supplier', 'digitalSignature');
}
/** TMAD 2 Non-Critical Supplier ID: Entity Identifier iff role 'supplier' and keyUsage 'keyAgreement'. */
export function nonCriticalSupplierId(cert: IdSource | null | undefined): Eui64 | null {
  return idFor(cert, 'supplier', 'keyAgreement');
}
/** TMAD 2 Critical Network Operator ID: iff role 'networkOperator' and keyUsage 'digitalSignature'. */
export function criticalNetworkOperatorId(cert: IdSource | null | undefined): Eui64 | null {
  return idFor(cert, 'networkOperator', 'digitalSignature');
}
/** TMAD 2 Non-Critical Network Operator ID: iff role 'networkOperator' and keyUsage 'keyAgreement'. */
export function nonCriticalNetworkOperatorId(cert: IdSource | null | undefined): Eui64 | null {
  return idFor(cert, 'networkOperator', 'keyAgreement');
}

export interface SigningCertificateCheck {
  valid: boolean;
  /** Role problems (step '5.9.3') first, then Confirm Validity problems (step '5.9.4'). */
  problems: Array<CertificateProblem & { step: '5.9.3' | '5.9.4' }>;
}

/**
 * TMAD 5.9.3 + 5.9.4 for the certificate that checked a file's signature: the Remote Party Role
 * required by Table 5.5 (and keyUsage digitalSignature, since it verified a signature), then Confirm
 * Validity.
 */
export function checkSigningCertificate(
  cert: OrganisationCertificate,
  requiredRole: RemotePartyRole,
  trust: TrustStore,
  at: Date,
  opts: ConfirmValidityOptions = {},
): SigningCertificateCheck {
  const problems: SigningCertificateCheck['problems'] = [];
  const role = (message: string): void => {
    problems.push({ step: '5.9.3', rule: REMOTE_PARTY_ROLE_RULE, message });
  };
  if (!hasRole(cert, requiredRole))
    role(
      `certificate serial ${cert.serialNumber} has Remote Party Role '${cert.role ?? 'none'}': Table 5.5 requires '${requiredRole}'`,
    );
  if (!cert.keyUsage.includes('digitalSignature'))
    role(
      `certificate serial ${cert.serialNumber} keyUsage is [${cert.keyUsage.join(', ')}]: a signing certificate needs digitalSignature`,
    );
  for (const p of confirmValidity(cert, trust, at, opts).problems) problems.push({ step: '5.9.4', ...p });
  return { valid: problems.length === 0, problems };
}
