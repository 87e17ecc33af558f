// s1mig supplier dormant respond: the Responsible Supplier's response to the Dormant Meter Migration
// Schedule (TMAD 4.32; MAM 6, 7.4, 7.5; docs/DORMANT.md).
import { statSync } from 'node:fs';
import type { Command } from 'commander';
import {
  EXIT,
  UsageError,
  commandGroup,
  describePathProblem,
  escapeForTerminal,
  parseInstant,
  printJson,
  printLines,
  setExit,
} from '../io.js';
import { readFileSync } from 'node:fs';
import { parseEui64 } from '../../core/ids/index.js';
import { formatLondonIso } from '../../core/calendar/index.js';
import { loadPrivateKey } from '../../files/trust-store.js';
import { respondToSchedule } from '../../supplier/dormant-response.js';
import { SealError } from '../../supplier/ma-seal.js';

function checkFile(file: string, what: string): void {
  try {
    if (!statSync(file).isFile()) throw new UsageError(`${file}: not a regular file, expected ${what}`);
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(describePathProblem(file, e, what));
  }
}

interface RespondOpts {
  certificates?: string;
  userId: string;
  key: string;
  cert: string;
  out: string;
  at?: string;
  json?: boolean;
}

export function register(program: Command): void {
  commandGroup(program, 'supplier')
    .command('dormant')
    .description('Responses to dormant notices (TMAD 4.32; MAM 6, 7.5; docs/DORMANT.md)')
    .command('respond')
    .description(
      'Fill in the Dormant Meter Migration Schedule (Priority, Supplier and Network Operator Certificate IDs; TMAD 4.32) ' +
        'from a CSV and seal it per MAM 7.5: the response .xlsx, an AES-256 zip whose password is its MD5, the password ' +
        'file and its signature. Due by 10:00 UK time on the Thursday before the Migration Week (MAM 6). ' +
        'Exit 0 written, 1 the schedule or the certificates CSV has problems, 2 usage or I/O error',
    )
    .argument('<schedule.xlsx>', 'the schedule received from the DCC')
    .option('--certificates <csv>', 'CHF Device ID, then MAM Table 7.4.2 response columns (docs/DORMANT.md)')
    .requiredOption('--user-id <eui64>', "the supplier's DCC User ID (password file, MAM Table 7.5.1)")
    .requiredOption('--key <pem>', 'private key (PEM) of the IKI File Signing certificate')
    .requiredOption('--cert <pem>', 'IKI File Signing certificate (PEM)')
    .requiredOption('--out <dir>', 'output directory')
    .option('--at <instant>', 'signing time (default now)')
    .option('--json', 'print JSON')
    .action(async (schedule: string, o: RespondOpts) => {
      const id = parseEui64(o.userId);
      if (!id.ok) throw new UsageError(`--user-id: ${id.error}`);
      checkFile(schedule, 'the schedule workbook (.xlsx)');
      if (o.certificates) checkFile(o.certificates, 'the certificates CSV');
      checkFile(o.key, 'the private key PEM');
      checkFile(o.cert, 'the certificate PEM');
      const at = o.at === undefined ? new Date() : parseInstant(o.at, '--at');
      let key;
      try {
        key = await loadPrivateKey(o.key);
      } catch {
        throw new UsageError(
          `--key ${escapeForTerminal(o.key)}: not a readable private key (expected PKCS#8 PEM)`,
        );
      }
      let r;
      try {
        r = await respondToSchedule(schedule, o.certificates, {
          userId: id.value,
          key,
          cert: readFileSync(o.cert, 'utf8'),
          outDir: o.out,
          at,
        });
      } catch (e) {
        if (
          e instanceof SealError ||
          (e as NodeJS.ErrnoException).code ||
          /certificate/.test((e as Error).message)
        )
          throw new UsageError(escapeForTerminal((e as Error).message));
        throw e;
      }
      if (o.json) printJson({ ...r, deadline: r.deadline ? formatLondonIso(r.deadline) : undefined });
      else if (!r.ok)
        printLines(
          `${escapeForTerminal(schedule)}: not written, ${r.problems.length} problem(s)`,
          ...r.problems.map((p) =>
            escapeForTerminal(
              `  ${p.file}${p.line !== null ? `:${p.line}` : ''}${p.column !== null ? `:${p.column}` : ''}${p.field ? ` ${p.field}` : ''}: ${p.message} (${p.rule})`,
            ),
          ),
        );
      else
        printLines(
          ...Object.values(r.files!).map(escapeForTerminal),
          `${r.installations} installation(s), ${r.filled} filled in; due ${r.deadline ? formatLondonIso(r.deadline) : '?'} (MAM 6)${r.late ? ': LATE (TMAD 4.32: the DCC may still use it if practicable)' : ''}`,
        );
      if (!r.ok) setExit(EXIT.INVALID);
    });
}
