// s1mig pki: a test SMKI PKI (init, issue, revoke) and certificate inspection/checks (show, verify).
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { EXIT, UsageError, commandGroup, parseInstant, printJson, printLines, setExit } from '../io.js';
import type { OrganisationCertificate } from '../../core/pki/index.js';
import type { TestPkiPartySpec } from '../../estate/test-pki.js';

// The PKI library (@peculiar/x509) is loaded only when a pki command runs, not on every CLI start.
type PkiLib = typeof import('../../core/pki/index.js') &
  typeof import('../../estate/test-pki.js') &
  typeof import('../../files/trust-store.js');
const lib = async (): Promise<PkiLib> => ({
  ...(await import('../../core/pki/index.js')),
  ...(await import('../../estate/test-pki.js')),
  ...(await import('../../files/trust-store.js')),
});

function parseDays(v: string): number {
  const n = Number(v);
  if (!/^\d+$/.test(v) || n < 1 || n > 36500)
    throw new UsageError(`--valid-days '${v}': expected a whole number of days from 1 to 36500`);
  return n;
}

async function readText(p: string, what: string): Promise<string> {
  try {
    return await readFile(p, 'latin1');
  } catch (e) {
    throw new UsageError(
      `${p}: cannot read ${what} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
    );
  }
}

async function readCert(p: string): Promise<OrganisationCertificate> {
  const L = await lib();
  const text = await readText(p, 'certificate');
  try {
    return L.parseCertificate(
      text.includes('-----BEGIN') ? text : new Uint8Array(Buffer.from(text, 'latin1')),
    );
  } catch (e) {
    if (e instanceof L.CertificateParseError)
      throw new UsageError(`${p}: ${e.message}: expected a PEM or DER X.509 certificate`);
    throw e;
  }
}

async function readParties(p: string): Promise<TestPkiPartySpec[]> {
  const L = await lib();
  const text = await readText(p, 'parties file');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`${p}: not JSON (${(e as Error).message})`);
  }
  const problems = L.validatePartySpecs(json);
  if (problems.length) throw new UsageError(`${p}: ${problems.join('; ')}`);
  return json as TestPkiPartySpec[];
}

function describeCert(L: PkiLib, c: OrganisationCertificate) {
  return {
    certificateId: L.certificateIdOf(c),
    subjectName: c.subjectName,
    entityId: c.entityId,
    role: c.role,
    keyUsage: c.keyUsage,
    isCa: c.isCa,
    keyIdentifier: c.keyIdentifier,
    subjectKeyIdentifier: c.subjectKeyIdentifier,
    authorityKeyIdentifier: c.authorityKeyIdentifier,
    notBefore: c.notBefore.toISOString(),
    notAfter: c.notAfter.toISOString(),
    policies: c.policies,
    criticalSupplierId: L.criticalSupplierId(c),
    nonCriticalSupplierId: L.nonCriticalSupplierId(c),
    criticalNetworkOperatorId: L.criticalNetworkOperatorId(c),
    nonCriticalNetworkOperatorId: L.nonCriticalNetworkOperatorId(c),
  };
}

export function register(program: Command): void {
  const pki = commandGroup(program, 'pki');

  pki
    .command('init')
    .description(
      'Create a test SMKI PKI: root CA, issuing CA, CRL and Organisation Certificates for the parties',
    )
    .argument(
      '<dir>',
      'directory to create (a PKI already there is kept; any other non-empty directory is refused unless --force)',
    )
    .option('--force', 'replace the PKI in an existing non-empty directory')
    .option(
      '--parties <file>',
      'JSON array of { name, entityId, kind, partySignifier?, commonName?, certificates: [{ role, keyUsage }] }',
    )
    .option('--valid-days <n>', 'validity of the Organisation Certificates in days', '3650')
    .option('--json', 'print parties.json content as JSON')
    .action(
      async (dir: string, o: { parties?: string; validDays: string; force?: boolean; json?: boolean }) => {
        const L = await lib();
        const validDays = parseDays(o.validDays);
        const parties = o.parties ? await readParties(o.parties) : [...L.DEFAULT_TEST_PARTIES];
        // Running init again over a PKI it made keeps that PKI (so a walk-through can be pasted twice);
        // --force replaces it, and any other non-empty directory is refused.
        const existing = o.force ? undefined : await L.readTestPkiParties(dir).catch(() => undefined);
        const r = existing
          ? { dir, parties: existing, kept: true }
          : await L.initTestPki(dir, { parties, validDays, ...(o.force ? { force: true } : {}) }).catch(
              (e: Error) => {
                throw new UsageError(e.message);
              },
            );
        if (o.json) printJson(r);
        else
          printLines(
            `${'kept' in r ? 'Kept the existing test' : 'Test'} SMKI PKI in ${dir}${'kept' in r ? ' (--force replaces it)' : ''}: root CA, issuing CA, CRL, ${r.parties.reduce((n, p) => n + p.certificates.length, 0)} Organisation Certificates`,
            ...r.parties.map(
              (p) =>
                `  ${p.name} (${p.kind}, ${p.entityId}): ${p.certificates.map((c) => `${c.role}/${c.keyUsage}`).join(', ')}`,
            ),
          );
      },
    );

  pki
    .command('issue')
    .description('Issue one more Organisation Certificate in a test PKI (chosen role, key usage and dates)')
    .argument('<dir>', 'test PKI directory (from pki init)')
    .requiredOption(
      '--key-usage <usage>',
      'digitalSignature or keyAgreement (comma-separate several for negative tests)',
    )
    .option('--role <role>', 'Remote Party Role (TMAD 3.16), e.g. supplier, s1SPMigrationSigning')
    .option('--role-code <hex>', 'raw two-hex-digit role code for the subject OU (overrides --role)')
    .option(
      '--party <name>',
      'party in parties.json (its Entity Identifier and name; the certificate is recorded there)',
    )
    .option('--entity-id <eui64>', 'Entity Identifier (EUI-64), overriding the party')
    .option('--no-entity-id', 'leave the Entity Identifier out of the subject')
    .option('--not-before <iso>', 'start of validity (default one hour ago)')
    .option('--not-after <iso>', 'end of validity (default --valid-days after --not-before)')
    .option('--valid-days <n>', 'validity in days when --not-after is not given', '365')
    .option('--name <base>', 'file base name under the party directory')
    .option(
      '--issuer-cert <pem>',
      'sign with this CA certificate instead of the issuing CA (needs --issuer-key)',
    )
    .option('--issuer-key <pem>', 'private key of --issuer-cert')
    .option('--json', 'print the new certificate entry as JSON')
    .action(
      async (
        dir: string,
        o: {
          keyUsage: string;
          role?: string;
          roleCode?: string;
          party?: string;
          entityId?: string | boolean;
          notBefore?: string;
          notAfter?: string;
          validDays: string;
          name?: string;
          issuerCert?: string;
          issuerKey?: string;
          json?: boolean;
        },
      ) => {
        const L = await lib();
        const usages = o.keyUsage.split(',').map((s) => s.trim());
        const knownUsages = [
          'digitalSignature',
          'keyAgreement',
          'nonRepudiation',
          'keyEncipherment',
          'dataEncipherment',
          'keyCertSign',
          'cRLSign',
        ];
        for (const u of usages)
          if (!knownUsages.includes(u))
            throw new UsageError(`--key-usage '${u}': expected one of ${knownUsages.join(', ')}`);
        if (o.roleCode !== undefined && !/^[0-9A-Fa-f]{2}$/.test(o.roleCode))
          throw new UsageError(`--role-code '${o.roleCode}': expected two hex digits`);
        if (!!o.issuerCert !== !!o.issuerKey)
          throw new UsageError('--issuer-cert and --issuer-key go together');
        const notBefore = o.notBefore
          ? parseInstant(o.notBefore, '--not-before')
          : new Date(Date.now() - 3_600_000);
        const notAfter = o.notAfter
          ? parseInstant(o.notAfter, '--not-after')
          : new Date(notBefore.getTime() + parseDays(o.validDays) * 86_400_000);
        try {
          const entry = await L.issueOrganisationCertificate(dir, {
            party: o.party,
            entityId: o.entityId === false ? null : typeof o.entityId === 'string' ? o.entityId : undefined,
            role: o.role ?? null,
            roleOu: o.roleCode?.toUpperCase(),
            keyUsage: usages,
            notBefore,
            notAfter,
            fileName: o.name,
            issuerCertPath: o.issuerCert,
            issuerKeyPath: o.issuerKey,
          });
          if (o.json) printJson(entry);
          else printLines(`Issued ${entry.cert} (serial ${entry.serialNumber}, issuer ${entry.issuerName})`);
        } catch (e) {
          if (e instanceof RangeError || e instanceof L.CertificateParseError)
            throw new UsageError(e.message);
          throw e;
        }
      },
    );

  pki
    .command('revoke')
    .description("Revoke a certificate of a test PKI: re-issue the issuing CA's CRL with it listed")
    .argument('<dir>', 'test PKI directory')
    .argument('<cert>', 'certificate to revoke (PEM)')
    .option('--json', 'print the result as JSON')
    .action(async (dir: string, certPath: string, o: { json?: boolean }) => {
      const L = await lib();
      await readCert(certPath);
      try {
        const r = await L.revokeCertificate(dir, certPath);
        if (o.json) printJson(r);
        else
          printLines(`Revoked serial ${r.serialNumber}; ${r.crl} now lists ${r.revokedCount} certificate(s)`);
      } catch (e) {
        if (e instanceof RangeError || e instanceof L.CertificateParseError) throw new UsageError(e.message);
        throw e;
      }
    });

  pki
    .command('show')
    .description(
      'Show an Organisation Certificate: Certificate ID, Entity Identifier, role, key usage, Key Identifier, dates',
    )
    .argument('<cert>', 'certificate file (PEM or DER)')
    .option('--json', 'print as JSON')
    .action(async (certPath: string, o: { json?: boolean }) => {
      const L = await lib();
      const d = describeCert(L, await readCert(certPath));
      if (o.json) return printJson(d);
      printLines(
        `Certificate ID (TMAD 2): X509SerialNumber ${d.certificateId.serialNumber}`,
        `                         X509IssuerName   ${d.certificateId.issuerName}`,
        `Subject:                 ${d.subjectName}`,
        `Entity Identifier:       ${d.entityId ?? '(none)'}`,
        `Remote Party Role:       ${d.role ?? '(none)'}`,
        `keyUsage:                ${d.keyUsage.join(', ') || '(none)'}${d.isCa ? ' (CA)' : ''}`,
        `Key Identifier (SHA-1):  ${d.keyIdentifier}`,
        `Valid:                   ${d.notBefore} to ${d.notAfter}`,
      );
    });

  pki
    .command('verify')
    .description(
      'Confirm Validity of a certificate (TMAD 5.9.4): chain to a trusted root, dates, CRL, key usage; optionally the Table 5.5 role (5.9.3)',
    )
    .argument('<cert>', 'certificate file (PEM or DER)')
    .requiredOption(
      '--trust <path>',
      'trust store: PEM file or directory (CA certificates and CRLs; *.key.pem ignored)',
    )
    .option('--at <iso>', 'time of the check (default now)')
    .option('--role <role>', 'required Remote Party Role (TMAD 5.9.3)')
    .option(
      '--file-type <type>',
      'required role from Table 5.5 for this file type (MCF, MGF, MEF, MVF, SCF, COF, DUIS)',
    )
    .option('--no-require-crl', 'accept the certificate when no CRL of its issuer is available')
    .option('--json', 'print the result as JSON')
    .action(
      async (
        certPath: string,
        o: {
          trust: string;
          at?: string;
          role?: string;
          fileType?: string;
          requireCrl: boolean;
          json?: boolean;
        },
      ) => {
        const L = await lib();
        const cert = await readCert(certPath);
        const at = o.at ? parseInstant(o.at, '--at') : new Date();
        let trust;
        try {
          trust = await L.loadTrustStore(o.trust);
        } catch (e) {
          throw new UsageError(`--trust ${(e as Error).message}`);
        }
        let role = o.role;
        if (o.fileType) {
          role = L.requiredSigningRole(o.fileType);
          if (!role)
            throw new UsageError(
              `--file-type '${o.fileType}': expected one of MCF, MGF, MEF, MVF, SCF, COF, DUIS`,
            );
        }
        const result = role
          ? L.checkSigningCertificate(cert, role, trust, at, { requireCrl: o.requireCrl })
          : L.confirmValidity(cert, trust, at, { requireCrl: o.requireCrl });
        const out = {
          file: certPath,
          certificateId: L.certificateIdOf(cert),
          at: at.toISOString(),
          ...(role ? { requiredRole: role } : {}),
          valid: result.valid,
          problems: result.problems.map((p) => (p.step ? `${p.step}: ${p.message}` : p.message)),
        };
        if (o.json) printJson(out);
        else if (result.valid) printLines(`${certPath}: valid at ${out.at}`);
        else printLines(`${certPath}: NOT valid at ${out.at}`, ...out.problems.map((p) => `  ${p}`));
        setExit(result.valid ? EXIT.OK : EXIT.INVALID);
      },
    );
}
