// s1mig file: signed migration files (TMAD 5, 10, 11). This module adds `generate` and `inspect`;
// `authenticate` is added to the same group by src/cli/commands/authenticate.ts.
import { createPublicKey, type KeyObject } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readFile, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import {
  EXIT,
  UsageError,
  commandGroup,
  describePathProblem,
  printErrLines,
  printJson,
  printLines,
  requireFile,
  setExit,
  jsonSafe,
  parseCounter,
} from '../io.js';
import { createProgress } from '../progress.js';
import { requiredSigningRole } from '../../core/pki/index.js';
import { loadPrivateKey } from '../../files/trust-store.js';
import {
  certificateOfRole,
  certificatePair,
  partyOfKind,
  readTestPkiParties,
  writePrivateKeyFile,
  type TestPkiParty,
} from '../../estate/test-pki.js';
import { signXmlFile } from '../../lib/xmldsig/index.js';
import { PARTY_ALIASES } from '../../core/authentication/index.js';
import { XmlSyntaxError } from '../../lib/xml/sax.js';
import { MIGRATION_FILE_TYPES } from '../../core/schema/index.js';
import {
  MigrationFileReadError,
  migrationFileName,
  parseMigrationFileName,
  readMigrationFile,
  type FailedCheck,
  type SignedMigrationFileType,
} from '../../core/formats/migration-files/index.js';
import {
  generateSampleFile,
  sampleFileHeader,
  type SampleFileOptions,
} from '../../estate/migration-file-samples.js';

/** The kind of party in parties.json that creates each file type; its role comes from Table 5.5. */
const CREATOR_KIND: Record<SignedMigrationFileType, string> = {
  MCF: 'requestingParty',
  MGF: 'requestingParty',
  MEF: 'requestingParty',
  MVF: 's1sp',
  SCF: 's1sp',
  COF: 'commissioningParty',
};
const SIGNER = Object.fromEntries(
  Object.entries(CREATOR_KIND).map(([t, kind]) => [t, { kind, role: requiredSigningRole(t)! }]),
) as Record<SignedMigrationFileType, { kind: string; role: string }>;

const DEFAULTS = {
  requestingPartyId: '70-B3-D5-1F-30-10-00-01',
  reportingPartyId: '70-B3-D5-1F-30-11-00-01',
  commissioningPartyId: '70-B3-D5-1F-30-12-00-01',
};

function parseType(v: string): SignedMigrationFileType {
  const t = v.toUpperCase();
  if (!(MIGRATION_FILE_TYPES as readonly string[]).includes(t))
    throw new UsageError(`file type '${v}': expected one of ${MIGRATION_FILE_TYPES.join(', ')} (Table 10.2)`);
  return t as SignedMigrationFileType;
}

function parseWhole(v: string, flag: string, min: number, max: number): number {
  const n = Number(v);
  if (!/^\d+$/.test(v) || n < min || n > max)
    throw new UsageError(`${flag} '${v}': expected a whole number from ${min} to ${max}`);
  return n;
}

async function readPublicKey(p: string, flag: string): Promise<KeyObject> {
  try {
    return createPublicKey(await readFile(p, 'utf8'));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code) throw new UsageError(`${flag} ${describePathProblem(p, e)}`);
    throw new UsageError(`${flag} ${p}: not an RSA public key in PEM`);
  }
}

/** Why a private key could not be loaded: file problem, wrong passphrase, not a key (no OpenSSL codes). */
export function keyProblem(p: string, e: unknown): string {
  if ((e as NodeJS.ErrnoException).code) return describePathProblem(p, e, 'key file');
  return (e as Error).message;
}

interface PkiContext {
  dir: string;
  parties: TestPkiParty[];
}

async function isDirectory(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isDirectory();
  } catch {
    return false;
  }
}

interface GenerateFlags {
  out: string;
  installations: string;
  counter?: string;
  mcfCounter?: string;
  groupId: string;
  pki?: string;
  party?: string;
  sign?: boolean;
  seed: string;
  supplierSignifier?: string;
  s1spPublicKey?: string;
  dcoPublicKey?: string;
  keysOut?: string;
  indent?: boolean;
  force?: boolean;
  quiet?: boolean;
  json?: boolean;
}

async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch {
    return false;
  }
}

async function generate(typeArg: string, o: GenerateFlags): Promise<void> {
  const type = parseType(typeArg);
  const installations = parseWhole(o.installations, '--installations', 1, 10_000_000);
  // An MCF's own counter is its MCFCounter: --counter sets it unless --mcf-counter is given.
  const counter = parseCounter(o.counter ?? '1', '--counter');
  const mcfCounter = parseCounter(
    o.mcfCounter ?? (type === 'MCF' ? o.counter : undefined) ?? '1',
    o.mcfCounter !== undefined || type !== 'MCF' ? '--mcf-counter' : '--counter',
  );
  const seed = parseWhole(o.seed, '--seed', 0, 2 ** 31 - 1);
  if (!/^[A-Z]{2}$/.test(o.groupId))
    throw new UsageError(`--group-id '${o.groupId}': expected two upper-case letters such as AA (TMAD 2)`);
  if (o.sign && !o.pki) throw new UsageError('--sign needs --pki <dir> (the signing key comes from the PKI)');
  if (o.party && !o.pki) throw new UsageError('--party needs --pki <dir>');

  let pki: PkiContext | undefined;
  if (o.pki) {
    try {
      pki = { dir: o.pki, parties: await readTestPkiParties(o.pki) };
    } catch (e) {
      throw new UsageError(`--pki ${o.pki}: cannot read parties.json (${(e as Error).message})`);
    }
  }
  const requestingParty = pki && partyOfKind(pki.parties, 'requestingParty');
  const s1sp = pki && partyOfKind(pki.parties, 's1sp');
  const commissioningParty = pki && partyOfKind(pki.parties, 'commissioningParty');
  const supplier = pki && partyOfKind(pki.parties, 'supplier');
  const networkOperator = pki && partyOfKind(pki.parties, 'networkOperator');

  const opts: SampleFileOptions = {
    installations,
    requestingPartyId: requestingParty?.entityId ?? DEFAULTS.requestingPartyId,
    reportingPartyId: s1sp?.entityId ?? DEFAULTS.reportingPartyId,
    commissioningPartyId: commissioningParty?.entityId ?? DEFAULTS.commissioningPartyId,
    counter: type === 'MCF' ? mcfCounter : counter,
    mcfCounter,
    groupId: o.groupId,
    seed,
    ...(o.indent ? { indent: '  ' } : {}),
  };
  const sup = certificatePair(supplier, 'supplier');
  if (sup) opts.supplierCertificates = sup;
  const no = certificatePair(networkOperator, 'networkOperator');
  if (no) opts.networkOperatorCertificates = no;
  if (o.s1spPublicKey) opts.s1spPublicKey = await readPublicKey(o.s1spPublicKey, '--s1sp-public-key');
  if (o.dcoPublicKey) opts.dcoPublicKey = await readPublicKey(o.dcoPublicKey, '--dco-public-key');

  // Signer (Table 5.5).
  let signer:
    | { party: TestPkiParty; issuerName: string; serialNumber: string; key: KeyObject; role: string }
    | undefined;
  if (o.sign && pki) {
    const { kind, role } = SIGNER[type];
    const wanted = o.party && (PARTY_ALIASES[o.party.toLowerCase()] ?? o.party);
    const party = wanted ? pki.parties.find((p) => p.name === wanted) : partyOfKind(pki.parties, kind);
    if (!party)
      throw new UsageError(
        o.party
          ? `--party '${o.party}' is not in ${path.join(pki.dir, 'parties.json')}: expected one of ${pki.parties.map((p) => p.name).join(', ')}`
          : `no party of kind '${kind}' in ${path.join(pki.dir, 'parties.json')} to sign the ${type}`,
      );
    const cert = certificateOfRole(party, role);
    if (!cert)
      throw new UsageError(
        `party '${party.name}' has no ${role} certificate: a ${type} is signed in that role (TMAD Table 5.5)`,
      );
    let key: KeyObject;
    try {
      key = await loadPrivateKey(path.join(pki.dir, cert.key));
    } catch (e) {
      throw new UsageError(`cannot load the signing key: ${keyProblem(path.join(pki.dir, cert.key), e)}`);
    }
    signer = { party, issuerName: cert.issuerName, serialNumber: cert.serialNumber, key, role };
  }

  // Output path: a directory gets the TMAD 10.2 name.
  let outPath = o.out;
  if (o.out.endsWith('/') || o.out.endsWith(path.sep) || (await isDirectory(o.out))) {
    await mkdir(o.out, { recursive: true });
    const supplierSignifier = o.supplierSignifier ?? supplier?.partySignifier;
    let name: string;
    try {
      name = migrationFileName(type, sampleFileHeader(type, opts), {
        ...(supplierSignifier ? { supplierSignifier } : {}),
        scfReportingPartyId: opts.reportingPartyId!,
      });
    } catch (e) {
      throw new UsageError(`${(e as Error).message}: pass --supplier-signifier or --pki`);
    }
    outPath = path.join(o.out, name);
  } else {
    await mkdir(path.dirname(path.resolve(o.out)), { recursive: true });
  }
  if (!o.force && (await exists(outPath)))
    throw new UsageError(`${outPath}: exists; pass --force to overwrite it`);

  const target = signer ? `${outPath}.unsigned-${process.pid}` : outPath;
  const progressOpts = { json: !!o.json, quiet: !!o.quiet };
  const writing = createProgress({
    label: `writing ${type}`,
    total: installations,
    unit: 'installations',
    ...progressOpts,
  });
  opts.onInstallation = (n) => writing.update(n);
  let result;
  try {
    const ws = createWriteStream(target);
    result = await generateSampleFile(type, opts, ws).finally(() => writing.done());
    if (signer) {
      const size = (await stat(target)).size;
      const passes = [1, 2].map((pass) =>
        createProgress({
          label: `signing ${type}, pass ${pass} of 2 (${pass === 1 ? 'digest' : 'copy'})`,
          total: size,
          unit: 'bytes',
          ...progressOpts,
        }),
      );
      try {
        await signXmlFile(target, outPath, {
          privateKey: signer.key,
          issuerName: signer.issuerName,
          serialNumber: signer.serialNumber,
          onProgress: (pass, bytes) => {
            if (pass === 2) passes[0]!.done();
            passes[pass - 1]!.update(bytes);
          },
        });
      } finally {
        for (const p of passes) p.done();
      }
    }
  } finally {
    if (signer) await unlink(target).catch(() => undefined);
  }
  const keysWritten: string[] = [];
  if (result.generatedKeys && o.keysOut) {
    await mkdir(o.keysOut, { recursive: true });
    // Like pki init: PKCS#8, mode 0600, encrypted when S1MIG_KEY_PASSPHRASE is set, no symlink followed.
    for (const [name, k] of [
      ['s1sp-group-information.key.pem', result.generatedKeys.s1spPrivateKey],
      ['dco-master-key.key.pem', result.generatedKeys.dcoPrivateKey],
    ] as const) {
      if (!k) continue;
      const p = path.join(o.keysOut, name);
      await writePrivateKeyFile(p, k);
      keysWritten.push(p);
    }
  }
  const bytes = (await stat(outPath)).size;
  const summary = {
    file: outPath,
    fileType: type,
    installations: result.installations,
    bytes,
    header: jsonSafe(result.header),
    signed: !!signer,
    ...(signer
      ? {
          signer: {
            party: signer.party.name,
            role: signer.role,
            issuerName: signer.issuerName,
            serialNumber: signer.serialNumber,
          },
        }
      : {}),
    ...(keysWritten.length ? { keys: keysWritten } : {}),
  };
  if (o.json) printJson(signer ? summary : { ...summary, note: UNSIGNED_NOTE });
  else
    printLines(
      `${outPath}: ${type}, ${result.installations} installation(s), ${bytes} bytes${signer ? `, signed by ${signer.party.name} (${signer.role})` : ', unsigned'}`,
      ...keysWritten.map((k) => `private key written: ${k}`),
    );
  // Tell the user at once, not at the next `file validate`: an unsigned file is not a Table 5.5 file.
  if (!signer && !o.quiet) printErrLines(`s1mig: note: ${outPath}: ${UNSIGNED_NOTE}`);
}

const UNSIGNED_NOTE =
  'written unsigned (no ds:Signature): `file validate` and `file authenticate` reject it (TMAD 10.1, Table 5.5) ' +
  'until it is signed with `s1mig xml sign <in> <out> --key <pem> --cert <pem>`, or generate it with --pki <dir> --sign; ' +
  '`s1mig file validate --unsigned` checks it as it is';

async function inspect(file: string, o: { json?: boolean }): Promise<void> {
  await requireFile(file, 'migration file');
  let withFailedChecks = 0;
  let failedChecks = 0;
  const stream = createReadStream(file, { highWaterMark: 256 * 1024 });
  let summary;
  try {
    summary = await readMigrationFile(
      stream,
      {
        onInstallation: (inst) => {
          const f = (inst as { failedChecks?: FailedCheck[] }).failedChecks;
          if (f && f.length) {
            withFailedChecks++;
            failedChecks += f.length;
          }
        },
      },
      { fileName: file },
    );
  } catch (e) {
    if (e instanceof MigrationFileReadError || e instanceof XmlSyntaxError) {
      if (o.json) printJson({ file, ok: false, error: e.message });
      else printErrLines(`s1mig: ${e.message}`);
      setExit(EXIT.INVALID);
      return;
    }
    throw e;
  } finally {
    stream.destroy();
  }
  const parsedName = parseMigrationFileName(path.basename(file));
  const parts = parsedName.ok ? parsedName.value : undefined;
  const outcome = ['MVF', 'SCF', 'COF'].includes(summary.fileType);
  const out = {
    file,
    ok: true,
    fileType: summary.fileType,
    rootElement: summary.rootElement,
    header: jsonSafe(summary.header) as Record<string, unknown>,
    installations: summary.installations,
    ...(outcome ? { installationsWithFailedChecks: withFailedChecks, failedChecks } : {}),
    signaturePresent: summary.signed,
    fileName: parts ? { ...parts, fileTypeMatches: parts.fileType === summary.fileType } : null,
  };
  if (o.json) printJson(out);
  else {
    printLines(
      `${file}: ${summary.fileType} (${summary.rootElement})${summary.signed ? ', ds:Signature present (not verified)' : ', no ds:Signature'}`,
      ...Object.entries(out.header).map(([k, v]) => `  ${k}: ${String(v)}`),
      `  installations: ${summary.installations}`,
      ...(outcome
        ? [`  installations with failed checks: ${withFailedChecks} (${failedChecks} failed checks)`]
        : []),
      parts
        ? `  file name (TMAD 10.2): type ${parts.fileType}, requester ${parts.requesterId}, MCF counter ${parts.mcfCounter}, additional ${parts.additionalId}`
        : '  file name is not of the TMAD 10.2 form FileType_RequesterID_MCFCounter_AdditionalID.xml',
    );
  }
}

export function register(program: Command): void {
  const file = commandGroup(program, 'file');

  file
    .command('generate')
    .description(
      "Generate a realistic, schema-valid sample migration file (MCF, MGF, MEF, MVF, SCF or COF; TMAD 10.1, Table 10.2), optionally signed with the PKI party's file-signing key (Table 5.5)",
    )
    .argument('<type>', 'file type: MCF, MGF, MEF, MVF, SCF or COF')
    .requiredOption('--out <path>', 'output file, or a directory (then named per TMAD 10.2)')
    .option('--installations <n>', 'number of SMETS1Installation elements', '10')
    .option('--counter <c>', "the file's own counter (Table 5.7; for an MCF its MCFCounter); default 1")
    .option(
      '--mcf-counter <c>',
      'MCFCounter of the triggering MCF (TMAD 10.2); default --counter for an MCF, else 1',
    )
    .option('--group-id <id>', 'GroupID', 'AA')
    .option(
      '--pki <dir>',
      'test PKI directory (s1mig pki init): party IDs and certificate IDs from parties.json',
    )
    .option(
      '--party <name>',
      "sign as this party of parties.json, e.g. requesting-party, s1sp, commissioning-party (cp) (default: the file type's signer, Table 5.5)",
    )
    .option('--sign', "sign (enveloped XMLDSig, TMAD 10.1) with the signer's file-signing key from --pki")
    .option('--seed <n>', 'seed for reproducible content', '1')
    .option(
      '--supplier-signifier <s>',
      'Supplier Signifier for SCF/COF file names (default: first supplier in --pki)',
    )
    .option(
      '--s1sp-public-key <pem>',
      'MEF: S1SP RSA public key for EncryptedS1SPGroupInformation (default: generated)',
    )
    .option(
      '--dco-public-key <pem>',
      'MEF: DCO RSA public key for Master Keys and SUA keys (default: generated)',
    )
    .option(
      '--keys-out <dir>',
      'MEF: write the generated RSA private keys here (PKCS#8 PEM, mode 0600, encrypted when $S1MIG_KEY_PASSPHRASE is set)',
    )
    .option('--indent', 'indent the XML')
    .option('--force', 'overwrite the output file if it exists')
    .option('--quiet', 'no progress display and no note on stderr')
    .option('--json', 'print a summary as JSON')
    .action(generate);

  file
    .command('inspect')
    .description(
      'Read a migration file streaming and print its root, file type, header values and installation count (exit 0 readable, 1 not a well-formed Table 10.2 file, 2 I/O error). Does not verify the signature',
    )
    .argument('<file>', 'migration file')
    .option('--json', 'print as JSON')
    .action(inspect);
}
