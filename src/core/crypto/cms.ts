// Detached CMS (PKCS#7, RFC 5652) signatures: the Digital Signature on the MA password file
// (MAM 7.5.3, TMAD 4.39; spec README: CMS detached signature, ECDSA P-256 / SHA-256, accepted by
// `openssl cms -verify`).
//
// pkijs/asn1js only encode and decode the ASN.1; every hash and signature operation is node:crypto's.
// (pkijs' own SignedData.verify throws on a bad digest but returns false on a bad signature, adds no
// signed attributes and ignores keyUsage: doing the checks here avoids those traps.)
//
// Pure: no I/O. Certificate trust is either a list of trusted certificates (a minimal built-in chain
// check: issuer signature, CA flag, validity dates at `at`) or a `CertificateTrust` supplied by the
// caller (the PKI module's confirmValidity: chain, dates, CRLs, key usage).
import {
  createHash,
  sign as nodeSign,
  verify as nodeVerify,
  X509Certificate,
  type KeyObject,
} from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { eui64FromBytes } from '../ids/eui64.js';
import { roleFromOu } from '../pki/roles.js';

const OID = {
  data: '1.2.840.113549.1.7.1',
  signedData: '1.2.840.113549.1.7.2',
  contentType: '1.2.840.113549.1.9.3',
  messageDigest: '1.2.840.113549.1.9.4',
  signingTime: '1.2.840.113549.1.9.5',
  sha256: '2.16.840.1.101.3.4.2.1',
  sha384: '2.16.840.1.101.3.4.2.2',
  sha512: '2.16.840.1.101.3.4.2.3',
  ecdsaSha256: '1.2.840.10045.4.3.2',
  ecdsaSha384: '1.2.840.10045.4.3.3',
  ecdsaSha512: '1.2.840.10045.4.3.4',
  ecPublicKey: '1.2.840.10045.2.1',
  rsaEncryption: '1.2.840.113549.1.1.1',
  sha256WithRsa: '1.2.840.113549.1.1.11',
  sha384WithRsa: '1.2.840.113549.1.1.12',
  sha512WithRsa: '1.2.840.113549.1.1.13',
} as const;

const HASH_BY_OID: Readonly<Record<string, string>> = {
  [OID.sha256]: 'sha256',
  [OID.sha384]: 'sha384',
  [OID.sha512]: 'sha512',
};
/** Signature algorithm → (hash, key type). A bare key OID means "hash from the digestAlgorithm". */
const SIG_ALGS: Readonly<Record<string, { hash?: string; key: 'ec' | 'rsa' }>> = {
  [OID.ecdsaSha256]: { hash: 'sha256', key: 'ec' },
  [OID.ecdsaSha384]: { hash: 'sha384', key: 'ec' },
  [OID.ecdsaSha512]: { hash: 'sha512', key: 'ec' },
  [OID.ecPublicKey]: { key: 'ec' },
  [OID.sha256WithRsa]: { hash: 'sha256', key: 'rsa' },
  [OID.sha384WithRsa]: { hash: 'sha384', key: 'rsa' },
  [OID.sha512WithRsa]: { hash: 'sha512', key: 'rsa' },
  [OID.rsaEncryption]: { key: 'rsa' },
};

export interface SignDetachedOptions {
  /** The signingTime signed attribute (default: now). */
  signingTime?: Date;
}

/**
 * Sign `content` with a detached CMS SignedData (DER): SHA-256, ECDSA (or RSA PKCS#1 v1.5 for an RSA
 * key), signed attributes contentType (id-data), signingTime and messageDigest, signer identified by
 * issuer and serial number, the signer's certificate included.
 */
export function signDetached(
  content: Uint8Array,
  key: KeyObject,
  certDer: Uint8Array,
  opts: SignDetachedOptions = {},
): Uint8Array {
  if (key.type !== 'private') throw new Error('signDetached needs a private key');
  const keyType = key.asymmetricKeyType;
  if (keyType !== 'ec' && keyType !== 'rsa')
    throw new Error(`unsupported signing key type ${String(keyType)}`);
  const cert = pkijs.Certificate.fromBER(certDer);
  const x509 = new X509Certificate(certDer);
  if (!x509.checkPrivateKey(key)) throw new Error('the private key does not match the certificate');

  const digest = createHash('sha256').update(content).digest();
  const signingTime = opts.signingTime ?? new Date();
  const attributes = [
    new pkijs.Attribute({
      type: OID.contentType,
      values: [new asn1js.ObjectIdentifier({ value: OID.data })],
    }),
    new pkijs.Attribute({ type: OID.signingTime, values: [timeValue(signingTime)] }),
    new pkijs.Attribute({ type: OID.messageDigest, values: [new asn1js.OctetString({ valueHex: digest })] }),
  ];
  // DER: a SET OF is sorted by the encodings of its elements.
  attributes.sort((a, b) => compareBytes(der(a.toSchema()), der(b.toSchema())));
  const signedAttrs = new pkijs.SignedAndUnsignedAttributes({ type: 0, attributes });
  // The signature covers the DER of the attributes with an explicit SET OF tag (RFC 5652 5.4).
  const toSign = der(new asn1js.Set({ value: attributes.map((a) => a.toSchema()) }));
  const signature = nodeSign('sha256', toSign, key);

  const sha256 = () => new pkijs.AlgorithmIdentifier({ algorithmId: OID.sha256 });
  const signerInfo = new pkijs.SignerInfo({
    version: 1,
    sid: new pkijs.IssuerAndSerialNumber({ issuer: cert.issuer, serialNumber: cert.serialNumber }),
    digestAlgorithm: sha256(),
    signedAttrs,
    signatureAlgorithm: new pkijs.AlgorithmIdentifier(
      keyType === 'ec'
        ? { algorithmId: OID.ecdsaSha256 }
        : { algorithmId: OID.sha256WithRsa, algorithmParams: new asn1js.Null() },
    ),
    signature: new asn1js.OctetString({ valueHex: signature }),
  });
  const signedData = new pkijs.SignedData({
    version: 1,
    digestAlgorithms: [sha256()],
    encapContentInfo: new pkijs.EncapsulatedContentInfo({ eContentType: OID.data }),
    certificates: [cert],
    signerInfos: [signerInfo],
  });
  const contentInfo = new pkijs.ContentInfo({
    contentType: OID.signedData,
    content: signedData.toSchema(true),
  });
  return der(contentInfo.toSchema());
}

/** A caller-supplied trust decision for the signer's certificate (e.g. the PKI module's confirmValidity). */
export interface CertificateTrust {
  /**
   * Decide whether `certDer` is trusted at `at`. `intermediates` are the other certificates carried in
   * the SignedData (untrusted, may help build the chain).
   */
  confirm(certDer: Uint8Array, at: Date, intermediates: Uint8Array[]): { valid: boolean; problems: string[] };
}

export interface VerifyDetachedOptions {
  /** Trusted certificates (DER or PEM: roots, issuing CAs, or the signer's own), or a CertificateTrust. */
  trusted: CertificateTrust | ReadonlyArray<Uint8Array | string>;
  /** Time at which the signer's certificate must be valid (default: now). */
  at?: Date;
  /**
   * Remote Party Role the signer must hold (e.g. 'ikiFileSigning', MAM 7.5.3). Enforced when the
   * certificate carries a role (a subject OU of two hex digits, src/core/pki/roles.ts); a certificate
   * with no role OU is accepted and `signer.roles` is empty.
   */
  requiredRole?: string;
}

export interface SignerDescription {
  /** Decimal X509SerialNumber. */
  serialNumber: string;
  /** RFC 4514 issuer (X509IssuerName). */
  issuerName: string;
  /** RFC 4514 subject. */
  subjectName: string;
  /** EUI-64 from the subject's x500UniqueIdentifier, if present. */
  entityId?: string;
  /** Remote Party Roles carried in the subject OU. */
  roles: string[];
  /** The signer's certificate (DER). */
  certificate: Uint8Array;
}

export interface VerifyDetachedResult {
  valid: boolean;
  signer?: SignerDescription;
  signingTime?: Date;
  /** Why the signature is not valid (empty when valid). */
  problems: string[];
}

/**
 * Verify a detached CMS signature over `content`: structure, messageDigest, signature, the signer's
 * certificate (trust and validity at `opts.at`) and, when asked, its role. Never throws on bad input.
 */
export function verifyDetached(
  signature: Uint8Array,
  content: Uint8Array,
  opts: VerifyDetachedOptions,
): VerifyDetachedResult {
  const problems: string[] = [];
  const at = opts.at ?? new Date();
  let signedData: pkijs.SignedData;
  try {
    const input = pemToDer(signature, 'CMS', 'PKCS7');
    const ci = pkijs.ContentInfo.fromBER(input);
    if (ci.contentType !== OID.signedData) {
      return { valid: false, problems: [`not a CMS SignedData (contentType ${ci.contentType})`] };
    }
    signedData = new pkijs.SignedData({ schema: ci.content });
  } catch (e) {
    return { valid: false, problems: [`signature is not a readable CMS structure (${errMessage(e)})`] };
  }

  if (signedData.encapContentInfo.eContent)
    problems.push('signature is not detached: it encapsulates content');
  if (signedData.signerInfos.length !== 1) {
    return {
      valid: false,
      problems: [`expected exactly one signer, found ${signedData.signerInfos.length}`],
    };
  }
  const si = signedData.signerInfos[0]!;
  const carried = (signedData.certificates ?? []).filter(
    (c): c is pkijs.Certificate => c instanceof pkijs.Certificate,
  );
  const carriedDer = carried.map((c) => der(c.toSchema()));
  const trustedDer = Array.isArray(opts.trusted)
    ? (opts.trusted as ReadonlyArray<Uint8Array | string>).flatMap((t) => pemCertificates(t))
    : [];

  // Find the signer's certificate among those carried (or, failing that, the trusted ones).
  const signerDer = [...carriedDer, ...trustedDer].find((d) => matchesSid(d, si.sid));
  if (!signerDer) {
    return {
      valid: false,
      problems: [...problems, "the signer's certificate is not in the signature or the trust list"],
    };
  }
  let signerX509: X509Certificate;
  try {
    signerX509 = new X509Certificate(signerDer);
  } catch (e) {
    return { valid: false, problems: [...problems, `signer certificate unreadable (${errMessage(e)})`] };
  }
  const signer = describe(signerDer);

  // Signed attributes: contentType, messageDigest (RFC 5652 5.3: mandatory when present at all).
  const hashName = HASH_BY_OID[si.digestAlgorithm.algorithmId];
  if (!hashName) problems.push(`unsupported digest algorithm ${si.digestAlgorithm.algorithmId}`);
  let signingTime: Date | undefined;
  let signedBytes: Uint8Array | undefined;
  if (!si.signedAttrs) {
    problems.push('no signed attributes (contentType and messageDigest are required)');
  } else {
    const attrs = si.signedAttrs.attributes;
    const ct = attrs.filter((a) => a.type === OID.contentType);
    const md = attrs.filter((a) => a.type === OID.messageDigest);
    const st = attrs.find((a) => a.type === OID.signingTime);
    if (ct.length !== 1) problems.push('signed attributes must hold exactly one contentType');
    else {
      const v: unknown = ct[0]!.values[0];
      const oid = v instanceof asn1js.ObjectIdentifier ? v.valueBlock.toString() : undefined;
      if (oid !== signedData.encapContentInfo.eContentType) {
        problems.push(
          `contentType attribute ${oid} differs from eContentType ${signedData.encapContentInfo.eContentType}`,
        );
      }
    }
    if (md.length !== 1) problems.push('signed attributes must hold exactly one messageDigest');
    else if (hashName) {
      const v: unknown = md[0]!.values[0];
      const got = v instanceof asn1js.OctetString ? new Uint8Array(v.valueBlock.valueHexView) : undefined;
      const want = createHash(hashName).update(content).digest();
      if (!got || compareBytes(got, want) !== 0) {
        problems.push('messageDigest does not match the content: the signed file was altered');
      }
    }
    if (st) {
      const v: unknown = st.values[0];
      if (v instanceof asn1js.UTCTime || v instanceof asn1js.GeneralizedTime) signingTime = v.toDate();
    }
    // Verify over the attributes as received, re-tagged as SET OF (RFC 5652 5.4).
    const raw = new Uint8Array(si.signedAttrs.encodedValue);
    if (raw.length > 0) {
      signedBytes = raw.slice();
      signedBytes[0] = 0x31;
    } else {
      signedBytes = der(new asn1js.Set({ value: attrs.map((a) => a.toSchema()) }));
    }
  }

  // The signature itself.
  const alg = SIG_ALGS[si.signatureAlgorithm.algorithmId];
  if (!alg) problems.push(`unsupported signature algorithm ${si.signatureAlgorithm.algorithmId}`);
  else if (signedBytes && hashName) {
    const keyType = signerX509.publicKey.asymmetricKeyType;
    if (keyType !== alg.key)
      problems.push(`signature algorithm needs a ${alg.key} key, certificate holds ${keyType}`);
    else {
      let ok = false;
      try {
        ok = nodeVerify(
          alg.hash ?? hashName,
          signedBytes,
          signerX509.publicKey,
          si.signature.valueBlock.valueHexView,
        );
      } catch {
        ok = false;
      }
      if (!ok) problems.push("signature value does not verify with the signer's certificate");
    }
  }

  // Key usage: digitalSignature (or nonRepudiation) if the extension is present.
  const ku = keyUsageOf(signerDer);
  if (ku !== undefined && !ku.digitalSignature && !ku.nonRepudiation) {
    problems.push('signer certificate keyUsage allows neither digitalSignature nor nonRepudiation');
  }

  // Role (MAM 7.5.3: IKI File Signing Key).
  if (opts.requiredRole && signer.roles.length > 0 && !signer.roles.includes(opts.requiredRole)) {
    problems.push(`signer certificate role ${signer.roles.join(', ')} is not ${opts.requiredRole}`);
  }

  // Trust and validity at `at`.
  const trust = Array.isArray(opts.trusted) ? builtInTrust(trustedDer) : (opts.trusted as CertificateTrust);
  const intermediates = carriedDer.filter((d) => compareBytes(d, signerDer) !== 0);
  try {
    const verdict = trust.confirm(signerDer, at, intermediates);
    if (!verdict.valid)
      problems.push(...(verdict.problems.length ? verdict.problems : ['signer certificate not trusted']));
  } catch (e) {
    problems.push(`signer certificate could not be checked (${errMessage(e)})`);
  }

  return { valid: problems.length === 0, signer, ...(signingTime ? { signingTime } : {}), problems };
}

/** Describe a certificate (DER): serial, issuer, subject, EUI-64 entity ID, roles. */
export function describe(certDer: Uint8Array): SignerDescription {
  const cert = pkijs.Certificate.fromBER(certDer);
  const serialNumber = BigInt('0x' + (toHex(cert.serialNumber.valueBlock.valueHexView) || '0')).toString(10);
  const roles: string[] = [];
  let entityId: string | undefined;
  for (const tv of cert.subject.typesAndValues) {
    if (tv.type === '2.5.4.11') {
      const role = roleFromOu(stringValue(tv.value));
      if (role) roles.push(role);
    }
    if (tv.type === '2.5.4.45') entityId = eui64Of(tv.value) ?? entityId;
  }
  return {
    serialNumber,
    issuerName: rfc4514(cert.issuer),
    subjectName: rfc4514(cert.subject),
    ...(entityId ? { entityId } : {}),
    roles,
    certificate: certDer,
  };
}

/** All certificates in PEM text (or a DER certificate) as DER. */
export function pemCertificates(input: Uint8Array | string): Uint8Array[] {
  const text =
    typeof input === 'string' ? input : looksLikePem(input) ? new TextDecoder().decode(input) : undefined;
  if (text === undefined) return [input as Uint8Array];
  const out: Uint8Array[] = [];
  for (const m of text.matchAll(/-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g)) {
    out.push(new Uint8Array(Buffer.from(m[1]!.replace(/\s+/g, ''), 'base64')));
  }
  return out;
}

/**
 * Minimal trust: the signer is a trusted certificate, or chains to one through CA certificates (trusted
 * or carried) whose signatures verify; every certificate on the path is within its dates at `at`.
 */
export function builtInTrust(trustedDer: Uint8Array[]): CertificateTrust {
  const trusted = trustedDer.map((d) => new X509Certificate(d));
  return {
    confirm(certDer, at, intermediates) {
      const pool = [...trusted, ...intermediates.map((d) => new X509Certificate(d))];
      let current = new X509Certificate(certDer);
      for (let depth = 0; depth < 8; depth++) {
        const dateProblem = outsideDates(current, at);
        if (dateProblem) return { valid: false, problems: [dateProblem] };
        if (trusted.some((t) => t.fingerprint256 === current.fingerprint256))
          return { valid: true, problems: [] };
        const issuer = pool.find(
          (c) =>
            c.fingerprint256 !== current.fingerprint256 &&
            c.ca &&
            current.checkIssued(c) &&
            safeVerify(current, c),
        );
        if (!issuer) {
          return {
            valid: false,
            problems: [
              `certificate ${JSON.stringify(current.subject.replace(/\n/g, ','))} does not chain to a trusted certificate`,
            ],
          };
        }
        current = issuer;
      }
      return { valid: false, problems: ['certificate chain too long'] };
    },
  };
}

function safeVerify(cert: X509Certificate, issuer: X509Certificate): boolean {
  try {
    return cert.verify(issuer.publicKey);
  } catch {
    return false;
  }
}

function outsideDates(cert: X509Certificate, at: Date): string | undefined {
  const from = new Date(cert.validFrom);
  const to = new Date(cert.validTo);
  const who = JSON.stringify(cert.subject.replace(/\n/g, ','));
  if (at < from)
    return `certificate ${who} is not yet valid at ${at.toISOString()} (valid from ${from.toISOString()})`;
  if (at > to) return `certificate ${who} expired at ${to.toISOString()} (checked at ${at.toISOString()})`;
  return undefined;
}

function matchesSid(certDer: Uint8Array, sid: unknown): boolean {
  try {
    const cert = pkijs.Certificate.fromBER(certDer);
    if (sid instanceof pkijs.IssuerAndSerialNumber) {
      return cert.issuer.isEqual(sid.issuer) && cert.serialNumber.isEqual(sid.serialNumber);
    }
    // [0] SubjectKeyIdentifier
    if (
      sid instanceof asn1js.Constructed ||
      sid instanceof asn1js.Primitive ||
      sid instanceof asn1js.BaseBlock
    ) {
      const want = toHex((sid as asn1js.Primitive).valueBlock?.valueHexView ?? new Uint8Array());
      const ski = cert.extensions?.find((e) => e.extnID === '2.5.29.14');
      if (!ski) return false;
      const inner = asn1js.fromBER(ski.extnValue.valueBlock.valueHexView).result;
      return (
        inner instanceof asn1js.OctetString && toHex(inner.valueBlock.valueHexView) === want && want !== ''
      );
    }
  } catch {
    return false;
  }
  return false;
}

function keyUsageOf(certDer: Uint8Array): { digitalSignature: boolean; nonRepudiation: boolean } | undefined {
  const cert = pkijs.Certificate.fromBER(certDer);
  const ext = cert.extensions?.find((e) => e.extnID === '2.5.29.15');
  if (!ext) return undefined;
  const bits = asn1js.fromBER(ext.extnValue.valueBlock.valueHexView).result;
  if (!(bits instanceof asn1js.BitString)) return { digitalSignature: false, nonRepudiation: false };
  const first = bits.valueBlock.valueHexView[0] ?? 0;
  return { digitalSignature: (first & 0x80) !== 0, nonRepudiation: (first & 0x40) !== 0 };
}

const SHORT_NAMES: Readonly<Record<string, string>> = {
  '2.5.4.3': 'CN',
  '2.5.4.6': 'C',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.9': 'STREET',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '0.9.2342.19200300.100.1.25': 'DC',
  '0.9.2342.19200300.100.1.1': 'UID',
};

/** RFC 4514 string of a Name: RDNs in reverse DER order, comma-separated, values escaped. */
export function rfc4514(name: pkijs.RelativeDistinguishedNames): string {
  return name.typesAndValues
    .map((tv) => {
      const short = SHORT_NAMES[tv.type];
      if (!short || !isStringValue(tv.value)) return `${tv.type}=#${toHex(der(tv.value))}`;
      return `${short}=${escape4514(stringValue(tv.value))}`;
    })
    .reverse()
    .join(',');
}

function escape4514(v: string): string {
  let s = v
    .replace(/[\\,+"<>;=]/g, (c) => '\\' + c)
    .split(String.fromCharCode(0))
    .join('\\00');
  if (s.startsWith(' ') || s.startsWith('#')) s = '\\' + s;
  if (s.endsWith(' ') && !s.endsWith('\\ ')) s = s.slice(0, -1) + '\\ ';
  return s;
}

function isStringValue(v: unknown): boolean {
  return (
    v instanceof asn1js.Utf8String ||
    v instanceof asn1js.PrintableString ||
    v instanceof asn1js.IA5String ||
    v instanceof asn1js.TeletexString ||
    v instanceof asn1js.BmpString ||
    v instanceof asn1js.UniversalString ||
    v instanceof asn1js.VisibleString
  );
}

function stringValue(v: unknown): string {
  const block = (v as { valueBlock?: { value?: unknown } }).valueBlock;
  return typeof block?.value === 'string' ? block.value : '';
}

function eui64Of(v: unknown): string | undefined {
  if (v instanceof asn1js.BitString) {
    const bytes = v.valueBlock.valueHexView;
    if (bytes.length === 8) return eui64FromBytes(bytes);
  }
  if (v instanceof asn1js.OctetString && v.valueBlock.valueHexView.length === 8) {
    return eui64FromBytes(v.valueBlock.valueHexView);
  }
  const s = stringValue(v).replace(/[-\s:]/g, '');
  if (/^[0-9A-Fa-f]{16}$/.test(s)) return eui64FromBytes(new Uint8Array(Buffer.from(s, 'hex')));
  return undefined;
}

function timeValue(d: Date): asn1js.UTCTime | asn1js.GeneralizedTime {
  // RFC 5652 11.3: UTCTime for 1950–2049, GeneralizedTime otherwise.
  const y = d.getUTCFullYear();
  const whole = new Date(Math.floor(d.getTime() / 1000) * 1000);
  return y >= 1950 && y < 2050
    ? new asn1js.UTCTime({ valueDate: whole })
    : new asn1js.GeneralizedTime({ valueDate: whole });
}

function der(obj: { toBER(sizeOnly?: boolean): ArrayBuffer }): Uint8Array {
  return new Uint8Array(obj.toBER(false));
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

function toHex(b: Uint8Array | ArrayBuffer): string {
  return Buffer.from(b instanceof ArrayBuffer ? new Uint8Array(b) : b).toString('hex');
}

function looksLikePem(b: Uint8Array): boolean {
  return new TextDecoder().decode(b.subarray(0, 64)).includes('-----BEGIN');
}

function pemToDer(input: Uint8Array, ...labels: string[]): Uint8Array {
  if (!looksLikePem(input)) return input;
  const text = new TextDecoder().decode(input);
  for (const label of labels) {
    const m = new RegExp(`-----BEGIN ${label}-----([\\s\\S]*?)-----END ${label}-----`).exec(text);
    if (m) return new Uint8Array(Buffer.from(m[1]!.replace(/\s+/g, ''), 'base64'));
  }
  throw new Error('PEM without a CMS or PKCS7 block');
}

function errMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
