// A test SMKI PKI on disk (file I/O; the certificate logic is in issue.ts). Layout others rely on:
//   <dir>/root-ca.cert.pem  root-ca.key.pem  issuing-ca.cert.pem  issuing-ca.key.pem  issuing-ca.crl.pem
//   <dir>/parties.json      [{ name, entityId, partySignifier?, kind, certificates: [...] }]
//   <dir>/<party>/<role>[-ds|-ka].cert.pem and .key.pem (PKCS#8 PEM, mode 0600)
import 'reflect-metadata';
import { type KeyObject } from 'node:crypto';
import { constants as FS } from 'node:fs';
import { lstat, mkdir, open, readFile, readdir, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import { parseEui64, type Eui64 } from '../core/ids/eui64.js';
import type { CertificateId } from '../core/ids/certificate-id.js';
import { parseCertificate, type OrganisationCertificate } from '../core/pki/certificate.js';
import {
  createCrl,
  createIssuingCa,
  createOrganisationCertificate,
  createRootCa,
  crlEntries,
  generateP256KeyPair,
  type KeyPair,
} from '../core/pki/issue.js';
import type { RemotePartyRole } from '../core/pki/roles.js';
import { loadPrivateKey } from '../files/trust-store.js';
import { configuration } from '../config.js';

export const ROOT_CA_NAME = 'CN=s1mig Test SMKI Root CA,OU=00,O=s1mig Test';
export const ISSUING_CA_NAME = 'CN=s1mig Test SMKI Issuing CA,OU=07,O=s1mig Test';

export const FILES = Object.freeze({
  rootCert: 'root-ca.cert.pem',
  rootKey: 'root-ca.key.pem',
  issuingCert: 'issuing-ca.cert.pem',
  issuingKey: 'issuing-ca.key.pem',
  crl: 'issuing-ca.crl.pem',
  parties: 'parties.json',
});

export type TestPartyKind =
  'supplier' | 'networkOperator' | 'requestingParty' | 's1sp' | 'commissioningParty' | (string & {});

export interface TestPkiCertificateSpec {
  role: RemotePartyRole;
  keyUsage: 'digitalSignature' | 'keyAgreement';
}

export interface TestPkiPartySpec {
  name: string;
  entityId: string;
  kind: TestPartyKind;
  partySignifier?: string;
  /** Subject CN (default: the name). */
  commonName?: string;
  certificates: TestPkiCertificateSpec[];
}

export interface TestPkiCertificate {
  role: string;
  keyUsage: string;
  /** Paths relative to the PKI directory. */
  cert: string;
  key: string;
  serialNumber: string;
  issuerName: string;
}

export interface TestPkiParty {
  name: string;
  entityId: Eui64;
  kind: string;
  partySignifier?: string;
  certificates: TestPkiCertificate[];
}

/** The first party of `kind` in parties.json (e.g. the supplier, the requesting party). */
export function partyOfKind(parties: readonly TestPkiParty[], kind: TestPartyKind): TestPkiParty | undefined {
  return parties.find((p) => p.kind === kind);
}

/** The party's certificate in `role` (of `keyUsage`, when given): e.g. its file-signing certificate. */
export function certificateOfRole(
  party: TestPkiParty | undefined,
  role: string,
  keyUsage?: 'digitalSignature' | 'keyAgreement',
): TestPkiCertificate | undefined {
  return party?.certificates.find(
    (c) => c.role === role && (keyUsage === undefined || c.keyUsage === keyUsage),
  );
}

/**
 * The party's Critical / Non-Critical Certificate IDs in `role` (MAM 7.2.3, TMAD 2): Critical = the
 * digital-signing certificate, Non-Critical = the key-agreement certificate (SMKI). Undefined when
 * the party has not both.
 */
export function certificatePair(
  party: TestPkiParty | undefined,
  role: string,
): { critical: CertificateId; nonCritical: CertificateId } | undefined {
  const ds = certificateOfRole(party, role, 'digitalSignature');
  const ka = certificateOfRole(party, role, 'keyAgreement');
  if (!ds || !ka) return undefined;
  return {
    critical: { issuerName: ds.issuerName, serialNumber: ds.serialNumber },
    nonCritical: { issuerName: ka.issuerName, serialNumber: ka.serialNumber },
  };
}

const ds = (role: RemotePartyRole): TestPkiCertificateSpec => ({ role, keyUsage: 'digitalSignature' });
const ka = (role: RemotePartyRole): TestPkiCertificateSpec => ({ role, keyUsage: 'keyAgreement' });

/**
 * Default parties: every Remote Party Role the migration uses (TMAD 3.16, Table 5.5, MAM 7.5.3).
 * The DCO holds no Remote Party Role in TMAD 3.16 (it verifies, it does not sign), so it has no
 * Organisation Certificate here. Organisational Numbers (MAM 7.2.2) differ between the parties.
 */
export const DEFAULT_TEST_PARTIES: readonly TestPkiPartySpec[] = Object.freeze([
  {
    name: 'supplier-a',
    commonName: 'Supplier A',
    entityId: '70-B3-D5-1F-30-01-00-01',
    kind: 'supplier',
    partySignifier: 'SUPA',
    certificates: [ds('supplier'), ka('supplier'), ds('ikiFileSigning')],
  },
  {
    name: 'supplier-b',
    commonName: 'Supplier B',
    entityId: '70-B3-D5-1F-30-02-00-01',
    kind: 'supplier',
    partySignifier: 'SUPB',
    certificates: [ds('supplier'), ka('supplier'), ds('ikiFileSigning')],
  },
  {
    name: 'network-operator',
    commonName: 'Electricity Distributor A',
    entityId: '70-B3-D5-1F-30-03-00-01',
    kind: 'networkOperator',
    partySignifier: 'DNOA',
    certificates: [ds('networkOperator'), ka('networkOperator')],
  },
  {
    name: 'gas-transporter',
    commonName: 'Gas Transporter A',
    entityId: '70-B3-D5-1F-30-04-00-01',
    kind: 'networkOperator',
    partySignifier: 'GTA',
    certificates: [ds('networkOperator'), ka('networkOperator')],
  },
  {
    name: 'requesting-party',
    commonName: 'Requesting Party',
    entityId: '70-B3-D5-1F-30-10-00-01',
    kind: 'requestingParty',
    partySignifier: 'DCCRP',
    certificates: [ds('requestingPartyFileSigning')],
  },
  {
    name: 's1sp',
    commonName: 'S1SP',
    entityId: '70-B3-D5-1F-30-11-00-01',
    kind: 's1sp',
    partySignifier: 'DCCS1SP',
    certificates: [ds('s1SPMigrationSigning'), ds('s1SPxmlSigning')],
  },
  {
    name: 'commissioning-party',
    commonName: 'Commissioning Party',
    entityId: '70-B3-D5-1F-30-12-00-01',
    kind: 'commissioningParty',
    partySignifier: 'DCCCP',
    certificates: [ds('commissioningPartyFileSigning'), ds('commissioningPartyXmlSigning')],
  },
]);

export interface InitTestPkiOptions {
  parties?: readonly TestPkiPartySpec[];
  /** Validity of Organisation Certificates and the CRL's nextUpdate horizon (default 3650 days). */
  validDays?: number;
  /** Time of issue (default now). Certificates start one hour before it. */
  now?: Date;
  /** Replace the PKI in an existing non-empty directory (default: refuse). */
  force?: boolean;
  /**
   * The serial number (hex) of each Organisation Certificate (default random): a generated estate
   * makes them follow from its seed, so the files that name Certificate IDs are reproducible.
   */
  serialOf?: (party: string, role: string, keyUsage: string) => string;
}

const DAY = 86_400_000;

function fileBase(role: string, keyUsage: string): string {
  // Roles held with both key usages (supplier, networkOperator) get -ds / -ka suffixes.
  if (role === 'supplier' || role === 'networkOperator')
    return `${role}-${keyUsage === 'keyAgreement' ? 'ka' : 'ds'}`;
  return role;
}

function safeName(name: string, what: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(name))
    throw new RangeError(`${what} '${name}': expected letters, digits, '.', '_' or '-'`);
  return name;
}

/** Write via a temporary file and rename, so a concurrent reader never sees a half-written CRL or manifest. */
async function writeAtomic(file: string, data: string): Promise<void> {
  const tmp = `${file}.${process.pid}.${Math.random().toString(16).slice(2)}.tmp`;
  await writeNewFile(tmp, data, 0o644);
  await rename(tmp, file);
}

/**
 * Write a new file without ever following a symlink: a file (or symlink) already at `file` is removed
 * first (unlink removes a link itself, never its target), then the file is created with O_CREAT |
 * O_EXCL | O_NOFOLLOW, so a link planted in between makes the write fail instead of being followed.
 */
async function writeNewFile(file: string, data: string, mode: number): Promise<void> {
  await unlink(file).catch((e: NodeJS.ErrnoException) => {
    if (e.code !== 'ENOENT') throw e;
  });
  const fh = await open(file, FS.O_WRONLY | FS.O_CREAT | FS.O_EXCL | FS.O_NOFOLLOW, mode);
  try {
    await fh.writeFile(data);
    await fh.chmod(mode);
  } finally {
    await fh.close();
  }
}

/**
 * Private keys at rest: PKCS#8 PEM, mode 0600, encrypted (PBES2: PBKDF2 + AES-256-CBC) when
 * S1MIG_KEY_PASSPHRASE is set — loadPrivateKey reads them back with the same variable. Never follows
 * a symlink at `file` (see writeNewFile).
 */
export async function writePrivateKeyFile(file: string, key: KeyObject): Promise<void> {
  const passphrase = configuration().keyPassphrase;
  const pem = passphrase
    ? key.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase })
    : key.export({ type: 'pkcs8', format: 'pem' });
  await writeNewFile(file, pem as string, 0o600);
}

const writeKey = writePrivateKeyFile;

/** mkdir -p, then require a real directory (not a symlink to one), so no write goes elsewhere. */
async function realDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  const st = await lstat(dir);
  if (st.isSymbolicLink() || !st.isDirectory())
    throw new Error(`${dir}: not a directory (a symbolic link is not followed)`);
}

/** Check a parties specification (from JSON); returns messages, empty when it is usable. */
export function validatePartySpecs(specs: unknown): string[] {
  const problems: string[] = [];
  if (!Array.isArray(specs))
    return ['parties: expected a JSON array of { name, entityId, kind, certificates: [{ role, keyUsage }] }'];
  const names = new Set<string>();
  specs.forEach((s: Partial<TestPkiPartySpec>, i) => {
    const at = `parties[${i}]`;
    if (!s || typeof s !== 'object') return void problems.push(`${at}: expected an object`);
    if (typeof s.name !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(s.name))
      problems.push(`${at}.name: expected letters, digits, '.', '_' or '-'`);
    else if (names.has(s.name)) problems.push(`${at}.name: '${s.name}' appears twice`);
    else names.add(s.name);
    if (typeof s.entityId !== 'string' || !parseEui64(s.entityId).ok)
      problems.push(`${at}.entityId: expected an EUI-64 such as 70-B3-D5-1F-30-01-00-01`);
    if (typeof s.kind !== 'string' || s.kind === '')
      problems.push(`${at}.kind: expected a string such as 'supplier'`);
    if (
      s.commonName !== undefined &&
      (typeof s.commonName !== 'string' || !/^[\x20-\x7e]{1,64}$/.test(s.commonName))
    )
      problems.push(`${at}.commonName: expected 1 to 64 printable ASCII characters`);
    if (!Array.isArray(s.certificates))
      problems.push(`${at}.certificates: expected an array of { role, keyUsage }`);
    else
      s.certificates.forEach((c: Partial<TestPkiCertificateSpec>, j) => {
        if (!c || typeof c.role !== 'string' || !/^[A-Za-z0-9]{1,64}$/.test(c.role))
          problems.push(`${at}.certificates[${j}].role: expected a Remote Party Role name`);
        if (!c || (c.keyUsage !== 'digitalSignature' && c.keyUsage !== 'keyAgreement'))
          problems.push(`${at}.certificates[${j}].keyUsage: expected 'digitalSignature' or 'keyAgreement'`);
      });
  });
  return problems;
}

/**
 * Create a test SMKI PKI in `dir` (created if missing). An existing non-empty `dir` is refused unless
 * opts.force (then the PKI's files are replaced); no file is written through a symlink.
 */
export async function initTestPki(
  dir: string,
  opts: InitTestPkiOptions = {},
): Promise<{ dir: string; parties: TestPkiParty[] }> {
  const specs = opts.parties ?? DEFAULT_TEST_PARTIES;
  const problems = validatePartySpecs(specs);
  if (problems.length) throw new RangeError(problems.join('; '));
  const now = opts.now ?? new Date();
  const validDays = opts.validDays ?? 3650;
  if (!Number.isInteger(validDays) || validDays < 1)
    throw new RangeError(`validDays ${validDays}: expected a positive whole number of days`);
  const notBefore = new Date(now.getTime() - 3_600_000);
  const existing = await readdir(dir).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return [];
    throw e;
  });
  if (existing.length > 0 && !opts.force)
    throw new Error(`${dir} is not empty: an existing PKI is never overwritten (use --force to replace it)`);
  await realDir(dir);

  const rootKeys = generateP256KeyPair();
  const root = await createRootCa({
    subject: ROOT_CA_NAME,
    keys: rootKeys,
    notBefore,
    notAfter: new Date(notBefore.getTime() + (validDays + 730) * DAY),
  });
  const issuingKeys = generateP256KeyPair();
  const issuing = await createIssuingCa({
    subject: ISSUING_CA_NAME,
    keys: issuingKeys,
    issuer: root.cert,
    issuerKey: rootKeys.privateKey,
    notBefore,
    notAfter: new Date(notBefore.getTime() + (validDays + 365) * DAY),
  });
  await writeNewFile(path.join(dir, FILES.rootCert), root.pem, 0o644);
  await writeKey(path.join(dir, FILES.rootKey), rootKeys.privateKey);
  await writeNewFile(path.join(dir, FILES.issuingCert), issuing.pem, 0o644);
  await writeKey(path.join(dir, FILES.issuingKey), issuingKeys.privateKey);

  const parties: TestPkiParty[] = [];
  for (const spec of specs) {
    const entityId = parseEui64(spec.entityId);
    if (!entityId.ok) throw new RangeError(entityId.error);
    await realDir(path.join(dir, safeName(spec.name, 'party name')));
    const party: TestPkiParty = {
      name: spec.name,
      entityId: entityId.value,
      kind: spec.kind,
      ...(spec.partySignifier ? { partySignifier: spec.partySignifier } : {}),
      certificates: [],
    };
    for (const c of spec.certificates) {
      const base = path.join(spec.name, fileBase(c.role, c.keyUsage));
      party.certificates.push(
        await issueInto(dir, issuing.cert, issuingKeys.privateKey, base, {
          commonName: spec.commonName ?? spec.name,
          entityId: entityId.value,
          role: c.role,
          keyUsage: c.keyUsage,
          notBefore,
          notAfter: new Date(notBefore.getTime() + validDays * DAY),
          ...(opts.serialOf ? { serialHex: opts.serialOf(spec.name, c.role, c.keyUsage) } : {}),
        }),
      );
    }
    parties.push(party);
  }
  await writeParties(dir, parties);
  await writeCrl(dir, issuing.cert, issuingKeys.privateKey, [], 1n, now, validDays);
  return { dir, parties };
}

async function writeParties(dir: string, parties: TestPkiParty[]): Promise<void> {
  await writeAtomic(path.join(dir, FILES.parties), JSON.stringify(parties, null, 2) + '\n');
}

async function writeCrl(
  dir: string,
  issuer: OrganisationCertificate,
  issuerKey: KeyObject,
  revoked: Parameters<typeof createCrl>[0]['revoked'],
  crlNumber: bigint,
  now: Date,
  validDays: number,
): Promise<void> {
  const crl = await createCrl({
    issuer,
    issuerKey,
    revoked,
    thisUpdate: new Date(now.getTime() - 3_600_000),
    nextUpdate: new Date(now.getTime() + validDays * DAY),
    crlNumber,
  });
  await writeAtomic(path.join(dir, FILES.crl), crl.pem);
}

interface IssueFields {
  commonName?: string;
  entityId?: Eui64 | null;
  role?: RemotePartyRole | null;
  keyUsage: string | string[];
  notBefore: Date;
  notAfter: Date;
  roleOu?: string;
  keyUsageCritical?: boolean;
  publicKey?: KeyObject;
  serialHex?: string;
}

async function issueInto(
  dir: string,
  issuer: OrganisationCertificate,
  issuerKey: KeyObject,
  base: string,
  f: IssueFields,
  keys: KeyPair = generateP256KeyPair(),
): Promise<TestPkiCertificate> {
  const usage = Array.isArray(f.keyUsage) ? f.keyUsage : [f.keyUsage];
  const issued = await createOrganisationCertificate({
    issuer,
    issuerKey,
    publicKey: f.publicKey ?? keys.publicKey,
    commonName: f.commonName,
    entityId: f.entityId ?? null,
    role: f.role ?? null,
    roleOu: f.roleOu,
    keyUsage: usage,
    keyUsageCritical: f.keyUsageCritical,
    notBefore: f.notBefore,
    notAfter: f.notAfter,
    ...(f.serialHex !== undefined ? { serialHex: f.serialHex } : {}),
  });
  const certRel = `${base}.cert.pem`;
  const keyRel = `${base}.key.pem`;
  await writeNewFile(path.join(dir, certRel), issued.pem, 0o644);
  await writeKey(path.join(dir, keyRel), keys.privateKey);
  return {
    role: f.role ?? '',
    keyUsage: usage.join(','),
    cert: certRel.split(path.sep).join('/'),
    key: keyRel.split(path.sep).join('/'),
    serialNumber: issued.cert.serialNumber,
    issuerName: issued.cert.issuerName,
  };
}

/** The parties.json of a test PKI. */
export async function readTestPkiParties(dir: string): Promise<TestPkiParty[]> {
  const file = path.join(dir, FILES.parties);
  let parties: unknown;
  try {
    parties = JSON.parse(await readFile(file, 'utf8'));
  } catch (e) {
    if (!(e instanceof SyntaxError)) throw e;
    throw new RangeError(`${file}: not JSON (${e.message})`);
  }
  if (!Array.isArray(parties)) throw new RangeError(`${file}: expected a JSON array of parties`);
  return parties as TestPkiParty[];
}

export interface IssueOrganisationCertificateOptions {
  /** Party name in parties.json; its entityId and CN are used unless overridden. */
  party?: string;
  entityId?: string | null;
  commonName?: string;
  role?: RemotePartyRole | null;
  keyUsage: 'digitalSignature' | 'keyAgreement' | string | string[];
  notBefore?: Date;
  notAfter?: Date;
  /** File base name under the party directory (default `<role>[-ds|-ka]-<last 8 serial digits>`). */
  fileName?: string;
  /** Sign with another CA (cert + key paths) instead of the PKI's issuing CA: wrong-CA tests. */
  issuerCertPath?: string;
  issuerKeyPath?: string;
  /** Put this raw two-hex-digit code in the subject OU (unknown-role tests). */
  roleOu?: string;
  keyUsageCritical?: boolean;
  /** Record the certificate in parties.json (default true when `party` is given). */
  record?: boolean;
  now?: Date;
  /** The serial number as hex (default random). */
  serialHex?: string;
}

/**
 * Issue one more Organisation Certificate in an existing test PKI, with chosen dates, role and key
 * usage (for expired, not-yet-valid, wrong-role and wrong-CA cases). Returns the manifest entry.
 */
export async function issueOrganisationCertificate(
  dir: string,
  opts: IssueOrganisationCertificateOptions,
): Promise<TestPkiCertificate & { party: string | null; entityId: Eui64 | null }> {
  const parties = await readTestPkiParties(dir);
  const party = opts.party !== undefined ? parties.find((p) => p.name === opts.party) : undefined;
  if (opts.party !== undefined && !party)
    throw new RangeError(
      `party '${opts.party}' is not in ${path.join(dir, FILES.parties)}: expected one of ${parties.map((p) => p.name).join(', ')}`,
    );
  let entityId: Eui64 | null = party?.entityId ?? null;
  if (opts.entityId !== undefined) {
    if (opts.entityId === null) entityId = null;
    else {
      const r = parseEui64(opts.entityId);
      if (!r.ok) throw new RangeError(r.error);
      entityId = r.value;
    }
  }
  const issuerCertPath = opts.issuerCertPath ?? path.join(dir, FILES.issuingCert);
  const issuerKeyPath = opts.issuerKeyPath ?? path.join(dir, FILES.issuingKey);
  const issuer = parseCertificate(await readFile(issuerCertPath, 'latin1'));
  const issuerKey = await loadPrivateKey(issuerKeyPath);
  const now = opts.now ?? new Date();
  const notBefore = opts.notBefore ?? new Date(now.getTime() - 3_600_000);
  const notAfter = opts.notAfter ?? new Date(notBefore.getTime() + 365 * DAY);
  const usage = Array.isArray(opts.keyUsage) ? opts.keyUsage : opts.keyUsage.split(',').map((s) => s.trim());
  const partyDir = party?.name ?? 'extra';
  await realDir(path.join(dir, partyDir));
  const keys = generateP256KeyPair();
  const suffix = Math.random().toString(16).slice(2, 10);
  const base = path.join(
    partyDir,
    safeName(opts.fileName ?? `${fileBase(opts.role ?? 'norole', usage[0] ?? '')}-${suffix}`, 'file name'),
  );
  const entry = await issueInto(
    dir,
    issuer,
    issuerKey,
    base,
    {
      commonName: opts.commonName ?? (party ? party.name : 'Extra'),
      entityId,
      role: opts.role ?? null,
      roleOu: opts.roleOu,
      keyUsage: usage,
      keyUsageCritical: opts.keyUsageCritical,
      notBefore,
      notAfter,
      ...(opts.serialHex !== undefined ? { serialHex: opts.serialHex } : {}),
    },
    keys,
  );
  if (party && (opts.record ?? true)) {
    party.certificates.push(entry);
    await writeParties(dir, parties);
  }
  return { ...entry, party: party?.name ?? null, entityId };
}

/**
 * Revoke a certificate issued by the PKI's issuing CA: re-issue `issuing-ca.crl.pem` with it added
 * (CRL number incremented). Returns the revoked serial number and the CRL path.
 */
export async function revokeCertificate(
  dir: string,
  certPath: string,
  opts: { at?: Date; now?: Date; validDays?: number } = {},
): Promise<{ serialNumber: string; issuerName: string; crl: string; revokedCount: number }> {
  const cert = parseCertificate(await readFile(certPath, 'latin1'));
  const issuer = parseCertificate(await readFile(path.join(dir, FILES.issuingCert), 'latin1'));
  if (cert.issuerName !== issuer.subjectName)
    throw new RangeError(
      `${certPath}: issued by '${cert.issuerName}', not by this PKI's issuing CA '${issuer.subjectName}'`,
    );
  const issuerKey = await loadPrivateKey(path.join(dir, FILES.issuingKey));
  const crlPath = path.join(dir, FILES.crl);
  let revoked: Awaited<ReturnType<typeof crlEntries>>['revoked'] = [];
  let crlNumber = 0n;
  try {
    ({ revoked, crlNumber } = crlEntries(await readFile(crlPath, 'latin1')));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  const now = opts.now ?? new Date();
  if (!revoked.some((r) => r.serialNumber === cert.serialNumber))
    revoked.push({
      serialNumber: cert.serialNumber,
      revocationDate: opts.at ?? new Date(now.getTime() - 60_000),
    });
  await writeCrl(dir, issuer, issuerKey, revoked, crlNumber + 1n, now, opts.validDays ?? 3650);
  return {
    serialNumber: cert.serialNumber,
    issuerName: cert.issuerName,
    crl: crlPath,
    revokedCount: revoked.length,
  };
}
