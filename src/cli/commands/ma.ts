// `s1mig ma validate` and `s1mig ma build` (MAM 4, 7.1–7.2; TMAD 4.35–4.40). The `ma seal` / `ma open`
// sub-commands live in another module and join the same group through commandGroup.
import { closeSync, createReadStream, existsSync, mkdirSync, openSync, statSync, writeSync } from 'node:fs';
import path from 'node:path';
import { type Command, Option } from 'commander';
import {
  EXIT,
  UsageError,
  commandGroup,
  parseInstant,
  jsonPerFile,
  printErrLines,
  printJson,
  printLines,
  setExit,
} from '../io.js';
import { omittedSummary, type OmittedProblems } from '../../core/bounded-problems.js';
import {
  validateMaStream,
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
  MpxnCsvLines,
  parseMpxnJson,
  type MaCertificateConfig,
  type MpxnEntry,
  certificatesFromTestPki,
} from '../../supplier/ma-builder.js';
import { readTestPkiParties } from '../../estate/test-pki.js';
import {
  checkInputFile,
  escapeControls,
  fileKind,
  fileLines,
  isPasswordFileName,
  readHead,
  readInputFile,
  shellQuote,
  shown,
} from '../ma-files.js';

function formatProblem(file: string, p: MaProblem, kind: 'error' | 'warning'): string {
  const where = p.line === null ? `${shown(file)}:` : `${shown(file)}:${p.line}:`;
  return escapeControls(
    `${where} ${kind === 'warning' ? 'warning: ' : ''}${p.field ? `${p.field}: ` : ''}${p.message} (${p.rule})`,
  );
}

const plural = (n: number, w: string) => `${n} ${w}${n === 1 ? '' : 's'}`;

const MA_EXPECTED = 'the MA_<SMSO>_<User ID>_<YYYYMMDD>_<HHMMSS>.csv file';

/** Default of --max-errors, as for `file validate`. */
const DEFAULT_MAX_ERRORS = '100';

function parseMaxErrors(v: string): number {
  const n = Number(v);
  if (!/^\d{1,9}$/.test(v) || !Number.isInteger(n) || n < 1)
    throw new UsageError(`--max-errors '${escapeControls(v)}': expected a whole number of at least 1`);
  return n;
}

interface MaVerdict {
  file: string;
  valid: boolean;
  errors: MaProblem[];
  warnings: MaProblem[];
  /** Errors found but not listed (over --max-errors). */
  moreErrors: number;
  /** Those errors, and the warnings not listed, counted per rule. */
  omittedErrors: OmittedProblems[];
  omittedWarnings: OmittedProblems[];
  rows: number;
}

/** MAM 7.1: the MA is a text CSV; a zip, a signature or another binary file is named as such. */
function wrongKind(file: string, head: Uint8Array): string | null {
  const kind = fileKind(head);
  const name = path.basename(file);
  if (kind.kind === 'zip')
    return `this is a zip archive (starts with PK\\x03\\x04), not a Migration Authorisation CSV: did you mean \`s1mig ma open ${shellQuote(file)}\`?`;
  if (/\.p7s$/i.test(name) || (kind.kind === 'binary' && head[0] === 0x30))
    return `this looks like a detached signature (${name}), not a Migration Authorisation CSV: expected the MA_….csv`;
  if (kind.kind === 'binary')
    return `this is a binary file (${kind.detail} in its first KiB), not a Migration Authorisation CSV: expected a text file MA_<SMSO>_<User ID>_<YYYYMMDD>_<HHMMSS>.csv`;
  return null;
}

async function validateOne(file: string, receivedAt: Date, maxErrors: number): Promise<MaVerdict> {
  const size = await checkInputFile(file, 'Migration Authorisation', MA_EXPECTED);
  const head = size > 0 ? await readHead(file) : new Uint8Array(0);
  const wrong = wrongKind(file, head);
  if (wrong)
    return {
      file,
      valid: false,
      errors: [{ line: null, field: null, rule: 'MAM 7.1', message: wrong }],
      warnings: [],
      moreErrors: 0,
      omittedErrors: [],
      omittedWarnings: [],
      rows: 0,
    };
  const name = path.basename(file);
  // Streamed line by line: memory flat in the rows, bounded per line (issue #10).
  let report;
  try {
    report = await validateMaStream(createReadStream(file), { fileName: name, receivedAt, maxErrors });
  } catch (e) {
    throw new UsageError(
      `cannot read Migration Authorisation '${shown(file)}' (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
    );
  }
  const errors = [...report.errors];
  if (isPasswordFileName(name) && !report.valid)
    errors.unshift({
      line: null,
      field: null,
      rule: 'MAM 7.5.2 Table 7.5.1',
      message: `${name} is the password file of a sealed MA, not the MA itself: validate the MA_….csv (\`s1mig ma open\` checks the password file)`,
    });
  return {
    file,
    valid: report.valid,
    errors,
    warnings: report.warnings,
    moreErrors: report.errorCount - report.errors.length,
    omittedErrors: report.omittedErrors,
    omittedWarnings: report.omittedWarnings,
    rows: report.validRowCount,
  };
}

function registerValidate(ma: Command) {
  ma.command('validate')
    .description(
      'Check Migration Authorisation CSVs against MAM 7.1-7.2 (header, 25 body fields, quoting, ASCII, LF, lengths, ' +
        'MPAN check digits, dates, certificate IDs, duplicates, file name) and report every problem, a verdict per file. ' +
        'Rows received after the 10:00 Thursday cut-off of their Migration Week get a lateness warning (MAM 4, TMAD 4.37). ' +
        'Exit 0 all valid, 1 any invalid, 2 usage or I/O error.',
    )
    .argument(
      '<files...>',
      'MA files (their names are checked too: MA_<SMSO>_<User ID>_<YYYYMMDD>_<HHMMSS>.csv)',
    )
    .option(
      '--max-errors <n>',
      'stop listing errors (and warnings) of a file after this many; the rest are counted per rule',
      DEFAULT_MAX_ERRORS,
    )
    .option(
      '--json',
      'print {"valid", "errors", "warnings"} as JSON (JSON Lines of {"file", "valid", "errors", "warnings"}, one per file as it is decided, for several files)',
    )
    .option('--received-at <time>', 'when the DCC received the file, ISO 8601 with offset (default: now)')
    .action(async (files: string[], opts: { json?: boolean; receivedAt?: string; maxErrors: string }) => {
      const receivedAt =
        opts.receivedAt !== undefined ? parseInstant(opts.receivedAt, '--received-at') : new Date();
      const maxErrors = parseMaxErrors(opts.maxErrors);
      // Every file is checked for existence first, so a typo is reported before any verdict.
      for (const file of files) await checkInputFile(file, 'Migration Authorisation', MA_EXPECTED);
      const verdicts: MaVerdict[] = [];
      // One file: its object; several: JSON Lines with `file`, one per file as it is decided.
      const emitJson = jsonPerFile(files.length);
      const json = (v: MaVerdict, withFile: boolean) => ({
        ...(withFile ? { file: v.file } : {}),
        valid: v.valid,
        errors: v.errors,
        warnings: v.warnings,
        ...(v.moreErrors > 0 ? { moreErrors: v.moreErrors, omittedErrors: v.omittedErrors } : {}),
        ...(v.omittedWarnings.length > 0 ? { omittedWarnings: v.omittedWarnings } : {}),
      });
      for (const file of files) {
        const v = await validateOne(file, receivedAt, maxErrors);
        verdicts.push(v);
        if (opts.json) {
          await emitJson(json(v, files.length > 1));
          continue;
        }
        const out = [
          ...v.errors.map((p) => formatProblem(file, p, 'error')),
          ...(v.moreErrors > 0
            ? [
                `${shown(file)}: … and ${plural(v.moreErrors, 'more error')} not listed (--max-errors ${maxErrors})`,
                ...omittedSummary(v.omittedErrors, 'error').map((l) => `${shown(file)}:   ${l}`),
              ]
            : []),
          ...v.warnings.map((p) => formatProblem(file, p, 'warning')),
          ...omittedSummary(v.omittedWarnings, 'warning').map(
            (l) => `${shown(file)}: warning: … ${l} (--max-errors ${maxErrors})`,
          ),
        ];
        const total = v.errors.length + v.moreErrors;
        out.push(
          v.valid
            ? `${shown(file)}: valid: ${plural(v.rows, 'authorisation row')}, ${plural(v.warnings.length, 'warning')}`
            : `${shown(file)}: INVALID: ${plural(total, 'error')}, ${plural(v.warnings.length, 'warning')}`,
        );
        printLines(...out);
      }
      setExit(verdicts.every((v) => v.valid) ? EXIT.OK : EXIT.INVALID);
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
      '--certificates-from-pki <dir>',
      'take the certificate IDs from a test PKI (`s1mig pki init <dir>`): the supplier whose User ID is --user-id, ' +
        'and its first network operator; --certificates and --cert override it',
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
      async (opts: {
        mpxns: string;
        userId: string;
        smso: string;
        commissionedByDcc: string;
        priority?: boolean;
        migrateOn?: string;
        migrationWeek?: string;
        certificates?: string;
        certificatesFromPki?: string;
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

        // A JSON list is parsed whole; a CSV list is streamed from its file, line by line, on each
        // pass (a check here, then the builder's passes): never held in memory (issue #10).
        let list: { value: Iterable<MpxnEntry>; problems: MaProblem[] };
        if (/\.json$/i.test(opts.mpxns))
          list = parseMpxnJson((await readInputFile(opts.mpxns, 'MPxN list')).toString('utf8'));
        else {
          await checkInputFile(opts.mpxns, 'MPxN list');
          const lines = fileLines(opts.mpxns, 'MPxN list');
          const check = new MpxnCsvLines();
          for (const l of lines) check.line(l);
          list = {
            problems: check.end(),
            value: {
              *[Symbol.iterator]() {
                const reader = new MpxnCsvLines();
                for (const l of lines) {
                  const e = reader.line(l);
                  if (e) yield e;
                }
              },
            },
          };
        }
        const problems: Array<{ file: string; p: MaProblem }> = list.problems.map((p) => ({
          file: opts.mpxns,
          p,
        }));

        let certs: MaCertificateConfig = { certificates: {}, esmeNetworkOperatorByDistributor: {} };
        if (opts.certificatesFromPki) {
          const dir = opts.certificatesFromPki;
          const partiesFile = path.join(dir, 'parties.json');
          await checkInputFile(
            partiesFile,
            '--certificates-from-pki parties file (made by `s1mig pki init`)',
          );
          let parties;
          try {
            parties = await readTestPkiParties(dir);
          } catch (e) {
            throw new UsageError(
              `--certificates-from-pki ${shown(dir)}: ${escapeControls((e as Error).message)}`,
            );
          }
          const c = certificatesFromTestPki(parties, userId.value);
          certs = c.value;
          problems.push(...c.problems.map((p) => ({ file: partiesFile, p })));
        }
        if (opts.certificates) {
          const c = parseCertificatesJson(
            (await readInputFile(opts.certificates, 'certificates file')).toString('utf8'),
          );
          certs = {
            certificates: { ...certs.certificates, ...c.value.certificates },
            esmeNetworkOperatorByDistributor: {
              ...certs.esmeNetworkOperatorByDistributor,
              ...c.value.esmeNetworkOperatorByDistributor,
            },
          };
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
            if (existsSync(dir) && !statSync(dir).isDirectory())
              throw new UsageError(
                `--out '${shown(dir)}' is a file: expected a directory to write the MA into`,
              );
            try {
              mkdirSync(dir, { recursive: true });
              // Written piece by piece: a large MA is never one string in memory (issue #10).
              const fd = openSync(file, 'wx');
              try {
                for (const piece of r.chunks()) writeSync(fd, piece, null, 'latin1');
              } finally {
                closeSync(fd);
              }
            } catch (e) {
              const code = (e as NodeJS.ErrnoException).code;
              throw new UsageError(
                code === 'EEXIST'
                  ? `'${shown(file)}' already exists (built in the same second): not overwritten; run again`
                  : code === 'ENOTDIR'
                    ? `--out '${shown(dir)}' is not a directory`
                    : `cannot write '${shown(file)}' (${code ?? (e as Error).message})`,
              );
            }
            if (opts.json)
              printJson({ file, rows: r.rows, migrationWeek: r.migrationWeek, warnings: r.warnings });
            else {
              for (const w of r.warnings) printErrLines(formatProblem(file, w, 'warning'));
              printLines(shown(file));
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
          for (const { file, p } of problems) printLines(formatProblem(file, p, 'error'));
          printLines(`s1mig ma build: ${plural(problems.length, 'problem')}; no file written`);
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
