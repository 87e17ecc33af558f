// s1mig demo supplier: the supplier walk-through of the README on sample data, end to end:
// test PKI → build an MA (MAM 7.2) → validate → seal (MAM 7.5) → the DCC opens, verifies, validates
// and stores it. Each step prints the equivalent s1mig command.
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { EXIT, UsageError, commandGroup, printJson, printLines, setExit } from '../io.js';
import { certificateOfRole, initTestPki, partyOfKind, readTestPkiParties } from '../../estate/test-pki.js';
import { loadPrivateKey } from '../../files/trust-store.js';
import { validateMigrationAuthorisation } from '../../core/formats/ma/index.js';
import {
  buildMigrationAuthorisation,
  certificatesFromTestPki,
  parseMpxnCsv,
} from '../../supplier/ma-builder.js';
import { shellQuote } from '../ma-files.js';
import { seal } from '../../supplier/ma-seal.js';
import { loadTrust, open } from '../../mcc/ma-intake.js';
import { openStore } from '../../store/index.js';
import { registerWeek } from './demo-week.js';

/** The package root (samples/ lives there), from dist/src/cli/commands or src/cli/commands. */
function packageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json'))) {
    const up = path.dirname(dir);
    if (up === dir) throw new UsageError('cannot find the s1mig package root (samples/)');
    dir = up;
  }
  return dir;
}

export function register(program: Command): void {
  const demo = commandGroup(program, 'demo');
  registerWeek(demo);
  demo
    .command('supplier', { isDefault: true })
    .description(
      "The supplier's Migration Authorisation walk-through: create a test SMKI PKI, build an MA from " +
        'samples/mpxns.csv (MAM 7.2), validate it, seal it (AES-256 zip, MD5 password file, CMS signature; ' +
        'MAM 7.5), then open it as the DCC would: verify, decrypt, validate and store (TMAD 4.35-4.40)',
    )
    .option('--dir <dir>', 'working directory for the PKI and the files', 'data/demo')
    .option('--json', 'print the outcome of each step as JSON')
    .action(async (o: { dir: string; json?: boolean }) => {
      const dir = path.resolve(o.dir);
      const pkiDir = path.join(dir, 'pki');
      const outbox = path.join(dir, 'outbox');
      const inbox = path.join(dir, 'inbox');
      await mkdir(outbox, { recursive: true });
      await mkdir(inbox, { recursive: true });
      // The printed commands work pasted into a POSIX shell: first the `cd` to this directory, then
      // paths relative to it (absolute when outside it), shell-quoted.
      const cwd = process.cwd();
      const root = packageRoot();
      const inPackage =
        !path.relative(root, cwd).startsWith('..') && !path.isAbsolute(path.relative(root, cwd));
      const prog = inPackage ? 'npx s1mig' : `node ${shellQuote(path.join(root, 'bin', 's1mig.js'))}`;
      const arg = (p: string): string => {
        const rel = path.relative(cwd, p);
        return shellQuote(rel === '' ? '.' : rel.startsWith('..') || path.isAbsolute(rel) ? p : rel);
      };
      const cmd = (...parts: string[]): string => [prog, ...parts].join(' ');
      if (!o.json)
        printLines(
          `Each step prints the command that does it; paste them from this directory:`,
          `$ cd ${shellQuote(cwd)}`,
        );
      const steps: Array<{ step: string; command: string; result: unknown }> = [];
      const say = (step: string, command: string, result: unknown, text: string[]): void => {
        steps.push({ step, command, result });
        if (!o.json) printLines('', `== ${step}`, `$ ${command}`, ...text.map((t) => `  ${t}`));
      };

      // 1. A test SMKI PKI (only the first time).
      if (!existsSync(path.join(pkiDir, 'parties.json'))) await initTestPki(pkiDir);
      const parties = await readTestPkiParties(pkiDir);
      const supplier = partyOfKind(parties, 'supplier');
      if (!supplier) throw new UsageError(`${pkiDir}/parties.json has no supplier`);
      say('1. Test SMKI PKI', cmd('pki init', arg(pkiDir)), { pkiDir, parties: parties.length }, [
        `${parties.length} parties; supplier ${supplier.name} has User ID ${supplier.entityId}`,
      ]);

      // 2. Build an MA from the sample MPxN list with the supplier's own certificate IDs.
      const listPath = path.join(root, 'samples', 'mpxns.csv');
      const list = parseMpxnCsv(await readFile(listPath, 'utf8'));
      if (list.problems.length)
        throw new UsageError(`${listPath}: ${list.problems.map((p) => p.message).join('; ')}`);
      const fromPki = certificatesFromTestPki(parties, supplier.entityId);
      if (fromPki.problems.length)
        throw new UsageError(`${pkiDir}: ${fromPki.problems.map((p) => p.message).join('; ')}`);
      const now = new Date();
      const built = buildMigrationAuthorisation({
        entries: list.value,
        userId: supplier.entityId,
        smsoCode: 'CGI',
        commissionedByDcc: true,
        certificates: fromPki.value,
        now,
      });
      if (!built.ok) throw new UsageError(`ma build: ${built.errors.map((e) => e.message).join('; ')}`);
      const csvPath = path.join(outbox, built.fileName);
      await writeFile(csvPath, built.content);
      say(
        '2. Build the Migration Authorisation (MAM 7.2)',
        cmd(
          'ma build --mpxns',
          arg(listPath),
          '--user-id',
          supplier.entityId,
          '--smso CGI --certificates-from-pki',
          arg(pkiDir),
          '--out',
          arg(outbox),
        ),
        { file: csvPath, rows: built.rows, migrationWeek: built.migrationWeek },
        [
          `${built.rows} rows for Migration Week ${built.migrationWeek} → ${path.relative(process.cwd(), csvPath)}`,
        ],
      );

      // 3. Validate it as the MAM says (every problem, not just the first).
      const report = validateMigrationAuthorisation(built.content, {
        fileName: built.fileName,
        receivedAt: now,
      });
      say(
        '3. Validate (MAM 7.1-7.2, TMAD 4.37)',
        cmd('ma validate', arg(csvPath)),
        { valid: report.valid, errors: report.errors, warnings: report.warnings },
        [`valid: ${report.valid}, ${report.errors.length} errors, ${report.warnings.length} warnings`],
      );

      // 4. Seal: AES-256 zip, password = MD5 of the CSV, password file signed with the IKI key.
      const iki = certificateOfRole(supplier, 'ikiFileSigning');
      if (!iki) throw new UsageError(`${supplier.name} has no ikiFileSigning certificate`);
      const sealed = await seal(csvPath, {
        key: await loadPrivateKey(path.join(pkiDir, iki.key)),
        cert: await readFile(path.join(pkiDir, iki.cert), 'utf8'),
        outDir: outbox,
        at: now,
      });
      say(
        '4. Seal for secure exchange (MAM 7.5)',
        cmd(
          'ma seal',
          arg(csvPath),
          '--key',
          arg(path.join(pkiDir, iki.key)),
          '--cert',
          arg(path.join(pkiDir, iki.cert)),
        ),
        { zip: sealed.zipPath, passwordFile: sealed.passwordFilePath, signature: sealed.signaturePath },
        [sealed.zipPath, sealed.passwordFilePath, sealed.signaturePath].map((p) =>
          path.relative(process.cwd(), p),
        ),
      );

      // 5. The DCC opens it: signature, password, MD5, validation, and records the receipt.
      const store = await openStore();
      try {
        const intake = await open(sealed.zipPath, sealed.passwordFilePath, sealed.signaturePath, {
          trust: await loadTrust(pkiDir),
          receivedAt: now,
          store,
        });
        say(
          '5. Open as the DCC (verify, decrypt, check MD5, validate, store)',
          cmd('ma open', arg(sealed.zipPath), '--trust', arg(pkiDir)),
          {
            outcome: intake.outcome,
            errors: intake.errors,
            warnings: intake.warnings,
            stored: intake.stored,
          },
          [
            `outcome: ${intake.outcome}${intake.stage ? ` at ${intake.stage}` : ''}; signed by User ID ${intake.signer?.entityId ?? '?'}`,
            `stored in ${store.location} as receipt ${intake.stored?.id ?? '-'}${intake.stored?.duplicate ? ' (duplicate)' : ''}`,
          ],
        );
        if (o.json) printJson({ steps });
        setExit(intake.outcome === 'accepted' && report.valid ? EXIT.OK : EXIT.INVALID);
      } finally {
        await store.close();
      }
    });
}
