// `s1mig ma validate` and `s1mig ma build` (MAM 4, 7.1–7.2; TMAD 4.35–4.40). The `ma seal` / `ma open`
// sub-commands live in another module and join the same group through commandGroup.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { type Command, Option } from 'commander';
import { EXIT, UsageError, commandGroup, parseInstant, printJson, setExit } from '../io.js';
import {
  validateMigrationAuthorisation,
  MA_CERTIFICATE_KEYS,
  type MaCertificateKey,
  type MaProblem,
} from '../../core/formats/ma/index.js';
import {
  DEFAULT_SMSO_CODES,
  isHyphenatedEui64,
  parseCertificateId,
  parseEui64,
  parseSmsoCode,
} from '../../core/ids/index.js';
import { isIsoDate } from '../../core/calendar/index.js';
import {
  buildMigrationAuthorisation,
  parseCertificatesJson,
  parseMpxnCsv,
  parseMpxnJson,
  type MaCertificateConfig,
} from '../../supplier/ma-builder.js';

function readInput(file: string, what: string): Buffer {
  try {
    return readFileSync(file);
  } catch (e) {
    throw new UsageError(`cannot read ${what} '${file}': ${(e as Error).message}`);
  }
}

function formatProblem(file: string, p: MaProblem, kind: 'error' | 'warning'): string {
  const where = p.line === null ? `${file}:` : `${file}:${p.line}:`;
  return `${where} ${kind === 'warning' ? 'warning: ' : ''}${p.field ? `${p.field}: ` : ''}${p.message} (${p.rule})`;
}

const plural = (n: number, w: string) => `${n} ${w}${n === 1 ? '' : 's'}`;

function registerValidate(ma: Command) {
  ma.command('validate')
    .description(
      'Check a Migration Authorisation CSV against MAM 7.1-7.2 (header, 25 body fields, quoting, ASCII, LF, lengths, ' +
        'MPAN check digits, dates, certificate IDs, duplicates, file name) and report every problem. ' +
        'Rows received after the 10:00 Thursday cut-off of their Migration Week get a lateness warning (MAM 4, TMAD 4.37). ' +
        'Exit 0 valid, 1 invalid, 2 usage or I/O error.',
    )
    .argument('<file>', 'the MA file (its name is checked too: MA_<SMSO>_<User ID>_<YYYYMMDD>_<HHMMSS>.csv)')
    .option('--json', 'print {"valid", "errors", "warnings"} as JSON')
    .option('--received-at <time>', 'when the DCC received the file, ISO 8601 with offset (default: now)')
    .action((file: string, opts: { json?: boolean; receivedAt?: string }) => {
      const receivedAt =
        opts.receivedAt !== undefined ? parseInstant(opts.receivedAt, '--received-at') : new Date();
      const bytes = readInput(file, 'Migration Authorisation');
      const report = validateMigrationAuthorisation(bytes, { fileName: path.basename(file), receivedAt });
      if (opts.json) {
        printJson({ valid: report.valid, errors: report.errors, warnings: report.warnings });
      } else {
        const out = [
          ...report.errors.map((p) => formatProblem(file, p, 'error')),
          ...report.warnings.map((p) => formatProblem(file, p, 'warning')),
        ];
        const rows = report.authorisation?.rows.length;
        out.push(
          report.valid
            ? `${file}: valid: ${plural(rows ?? 0, 'authorisation row')}, ${plural(report.warnings.length, 'warning')}`
            : `${file}: INVALID: ${plural(report.errors.length, 'error')}, ${plural(report.warnings.length, 'warning')}`,
        );
        process.stdout.write(out.join('\n') + '\n');
      }
      setExit(report.valid ? EXIT.OK : EXIT.INVALID);
    });
}

function collect(v: string, prev: string[]): string[] {
  return [...prev, v];
}

function registerBuild(ma: Command) {
  ma.command('build')
    .description(
      'Build a Migration Authorisation CSV (MAM 7.2) from a list of MPxNs and write MA_<SMSO>_<User ID>_<YYYYMMDD>_<HHMMSS>.csv ' +
        '(UTC time stamp) into --out; prints its path. The list is CSV (mpan,mprn per line, title line optional; a gas-only ' +
        'line is ",<mprn>") or a JSON array of MPANs or {mpan, mprn, priority?, migrateOn?, migrationWeek?} objects. ' +
        'Supplier certificate IDs come from --certificates and/or --cert. Default Migration Week: the next week whose MA ' +
        'cut-off (10:00 UK time on the Thursday before it, MAM 4) has not passed. The file is validated before it is written.',
    )
    .requiredOption('--mpxns <file>', 'MPxN list: .csv or .json')
    .requiredOption('--user-id <eui64>', "the Supplier's User ID (EUI-64, e.g. 70-B3-D5-1F-30-00-A0-08)")
    .requiredOption('--smso <code>', `SMSO code (${Object.keys(DEFAULT_SMSO_CODES).join(', ')})`)
    .addOption(
      new Option(
        '--commissioned-by-dcc <yes|no>',
        'header line 2: should the DCC Commission the Devices (TMAD 4.35(b))',
      )
        .choices(['yes', 'no', 'YES', 'NO'])
        .default('yes'),
    )
    .option('--priority', 'flag every row as a priority (TMAD 4.40)')
    .option(
      '--migrate-on <date>',
      'Migrate on date YYYY-MM-DD for every row (its Monday becomes the Migration Week)',
    )
    .option(
      '--migration-week <date>',
      'Migration Week (a Monday, YYYY-MM-DD); default: the next week still open',
    )
    .option(
      '--certificates <file>',
      'JSON: {"esmeSupplierCritical": {"serialNumber", "issuerName"}, …, "esmeNetworkOperatorByDistributor": {"<dist>": {…}}}',
    )
    .option(
      '--cert <key:serial:issuer>',
      `one certificate ID, repeatable, overrides --certificates; key is one of ${MA_CERTIFICATE_KEYS.join(', ')}`,
      collect,
      [] as string[],
    )
    .option('--out <dir>', 'directory to write the file into (default: current directory)')
    .option('--json', 'print {"file", "rows", "migrationWeek", "warnings"} (or {"errors"}) as JSON')
    .action(
      (opts: {
        mpxns: string;
        userId: string;
        smso: string;
        commissionedByDcc: string;
        priority?: boolean;
        migrateOn?: string;
        migrationWeek?: string;
        certificates?: string;
        cert: string[];
        out?: string;
        json?: boolean;
      }) => {
        if (!isHyphenatedEui64(opts.userId)) {
          const p = parseEui64(opts.userId);
          throw new UsageError(
            `--user-id '${opts.userId}' is not an EUI-64: ${p.ok ? 'write it as 8 hyphen-separated hex octets' : p.error}`,
          );
        }
        const userId = parseEui64(opts.userId);
        if (!userId.ok) throw new UsageError(`--user-id: ${userId.error}`);
        const smso = parseSmsoCode(opts.smso);
        if (!smso.ok) throw new UsageError(`--smso: ${smso.error}`);
        for (const [flag, v] of [
          ['--migrate-on', opts.migrateOn],
          ['--migration-week', opts.migrationWeek],
        ] as const)
          if (v !== undefined && !isIsoDate(v))
            throw new UsageError(`${flag} '${v}' is not a date: expected YYYY-MM-DD`);

        const listText = readInput(opts.mpxns, 'MPxN list').toString('utf8');
        const list = /\.json$/i.test(opts.mpxns) ? parseMpxnJson(listText) : parseMpxnCsv(listText);
        const problems: Array<{ file: string; p: MaProblem }> = list.problems.map((p) => ({
          file: opts.mpxns,
          p,
        }));

        let certs: MaCertificateConfig = { certificates: {}, esmeNetworkOperatorByDistributor: {} };
        if (opts.certificates) {
          const c = parseCertificatesJson(readInput(opts.certificates, 'certificates file').toString('utf8'));
          certs = c.value;
          problems.push(...c.problems.map((p) => ({ file: opts.certificates!, p })));
        }
        for (const spec of opts.cert) {
          const m = /^([A-Za-z]+):(\d+):(.+)$/.exec(spec);
          if (!m || !(MA_CERTIFICATE_KEYS as readonly string[]).includes(m[1]!))
            throw new UsageError(
              `--cert '${spec}': expected <key>:<serial>:<issuer> with key one of ${MA_CERTIFICATE_KEYS.join(', ')}`,
            );
          const id = parseCertificateId(m[2]!, m[3]!);
          if (!id.ok) throw new UsageError(`--cert '${spec}': ${id.error}`);
          certs.certificates[m[1] as MaCertificateKey] = id.value;
        }

        const now = new Date();
        if (problems.length === 0) {
          const r = buildMigrationAuthorisation({
            entries: list.value,
            userId: userId.value,
            smsoCode: smso.value,
            commissionedByDcc: opts.commissionedByDcc.toLowerCase() === 'yes',
            priority: !!opts.priority,
            ...(opts.migrateOn ? { migrateOn: opts.migrateOn } : {}),
            ...(opts.migrationWeek ? { migrationWeek: opts.migrationWeek } : {}),
            certificates: certs,
            now,
          });
          if (r.ok) {
            const dir = opts.out ?? process.cwd();
            const file = path.join(dir, r.fileName);
            try {
              mkdirSync(dir, { recursive: true });
              writeFileSync(file, r.content, { flag: 'wx' });
            } catch (e) {
              throw new UsageError(`cannot write '${file}': ${(e as Error).message}`);
            }
            if (opts.json)
              printJson({ file, rows: r.rows, migrationWeek: r.migrationWeek, warnings: r.warnings });
            else {
              for (const w of r.warnings) process.stderr.write(formatProblem(file, w, 'warning') + '\n');
              process.stdout.write(file + '\n');
            }
            setExit(EXIT.OK);
            return;
          }
          problems.push(
            ...r.errors.map((p) => ({
              file: p.line === null ? (p.field ? (opts.certificates ?? '--cert') : opts.mpxns) : opts.mpxns,
              p,
            })),
          );
        }
        if (opts.json) printJson({ errors: problems.map(({ file, p }) => ({ file, ...p })) });
        else {
          for (const { file, p } of problems) process.stdout.write(formatProblem(file, p, 'error') + '\n');
          process.stdout.write(`s1mig ma build: ${plural(problems.length, 'problem')}; no file written\n`);
        }
        setExit(EXIT.INVALID);
      },
    );
}

export function register(program: Command): void {
  const ma = commandGroup(program, 'ma');
  registerValidate(ma);
  registerBuild(ma);
}
