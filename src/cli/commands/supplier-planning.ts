// s1mig supplier …: the Responsible Supplier's planning files (TMAD 4.5, 4.8(a); docs/PLANNING.md).
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import {
  EXIT,
  UsageError,
  commandGroup,
  describePathProblem,
  escapeForTerminal,
  printJson,
  printLines,
  setExit,
} from '../io.js';
import { isMonday } from '../../core/calendar/index.js';
import { parseEui64 } from '../../core/ids/index.js';
import { buildDemand, buildForecast, type BuiltDemand } from '../../supplier/demand.js';

function readInputFile(file: string): string {
  try {
    if (!statSync(file).isFile()) throw new UsageError(`${file}: not a regular file`);
    return readFileSync(file, 'utf8');
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(describePathProblem(file, e));
  }
}

/** Print the problems of a built file (exit 1), or write it to `out` (a file, or a directory). */
function writeBuilt(
  r: BuiltDemand,
  input: string,
  out: string,
  json: boolean | undefined,
): { file: string; rows: number; total: number } | undefined {
  if (!r.ok) {
    if (json) printJson({ ok: false, problems: r.problems });
    else
      printLines(
        escapeForTerminal(`${input}: ${r.problems.length} problem(s)`),
        ...r.problems.map((p) =>
          escapeForTerminal(
            `  ${p.file}:${p.line ?? '-'}${p.column ? `:${p.column}` : ''} ${p.field ?? ''}: ${p.message} (${p.rule})`,
          ),
        ),
      );
    setExit(EXIT.INVALID);
    return undefined;
  }
  let file = out;
  try {
    if (out.endsWith('/') || (statSafe(out)?.isDirectory() ?? false)) {
      mkdirSync(out, { recursive: true });
      file = path.join(out, r.fileName);
    }
    writeFileSync(file, r.text);
  } catch (e) {
    throw new UsageError(describePathProblem(file, e));
  }
  return { file, rows: r.file.rows.length, total: r.file.rows.reduce((s, x) => s + x.quantity, 0) };
}

interface BuildOpts {
  supplierId: string;
  input: string;
  out: string;
  json?: boolean;
}

export function register(program: Command): void {
  const supplier = commandGroup(program, 'supplier');
  supplier
    .command('demand')
    .description(
      'Write a Daily Migration Demand CSV (TMAD 4.8(a)) from a simple input: SMSO,ElectricityDistributor,PerWorkingDay ' +
        '(the same number each Working Day) or SMSO,ElectricityDistributor,Mon,…,Sun; due 10:00 on the Tuesday 3 weeks 6 days before the week',
    )
    .requiredOption('--supplier-id <eui64>', "the supplier's DCC User ID")
    .requiredOption('--week <monday>', 'the Monday of the Migration Week')
    .requiredOption('--input <csv>', 'the simple input')
    .requiredOption('--out <file-or-dir>', 'the file to write, or a directory (named DMD_<id>_<week>.csv)')
    .option('--json', 'print JSON')
    .action((o: BuildOpts & { week: string }) => {
      const id = parseEui64(o.supplierId);
      if (!id.ok) throw new UsageError(`--supplier-id: ${id.error}`);
      if (!isMonday(o.week))
        throw new UsageError(`--week '${o.week}': expected the Monday of a Migration Week (YYYY-MM-DD)`);
      const input = readInputFile(o.input);
      const w = writeBuilt(
        buildDemand(id.value, o.week, input, path.basename(o.input)),
        o.input,
        o.out,
        o.json,
      );
      if (!w) return;
      if (o.json)
        printJson({
          ok: true,
          file: w.file,
          supplierId: id.value,
          week: o.week,
          rows: w.rows,
          total: w.total,
        });
      else
        printLines(
          escapeForTerminal(
            `wrote ${w.file}: ${w.rows} rows, ${w.total} installations for ${o.week} (TMAD 4.8(a))`,
          ),
        );
    });

  supplier
    .command('forecast')
    .description(
      'Write an Indicative Migration Forecast CSV (TMAD 4.5; the file mcc forecast receive reads) from one line per ' +
        'Migration Week: SMSO,ElectricityDistributor,MigrationWeek,PerWorkingDay (the number on each Working Day of that ' +
        'week, 0 on the others), for weeks within the month and the six after it; due by the end of the 20th of the month',
    )
    .requiredOption('--supplier-id <eui64>', "the supplier's DCC User ID")
    .requiredOption('--month <YYYY-MM>', 'the month the forecast is given in (ForecastMonth)')
    .requiredOption('--input <csv>', 'the weekly input')
    .requiredOption('--out <file-or-dir>', 'the file to write, or a directory (named IMF_<id>_<month>.csv)')
    .option('--json', 'print JSON')
    .action((o: BuildOpts & { month: string }) => {
      const id = parseEui64(o.supplierId);
      if (!id.ok) throw new UsageError(`--supplier-id: ${id.error}`);
      if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(o.month))
        throw new UsageError(
          `--month '${o.month}': expected the month the forecast is given in, YYYY-MM (TMAD 4.5)`,
        );
      const input = readInputFile(o.input);
      const w = writeBuilt(
        buildForecast(id.value, o.month, input, path.basename(o.input)),
        o.input,
        o.out,
        o.json,
      );
      if (!w) return;
      if (o.json)
        printJson({
          ok: true,
          file: w.file,
          supplierId: id.value,
          month: o.month,
          rows: w.rows,
          total: w.total,
        });
      else
        printLines(
          escapeForTerminal(
            `wrote ${w.file}: ${w.rows} rows, ${w.total} installations forecast in ${o.month} (TMAD 4.5; due by the end of the 20th)`,
          ),
        );
    });
}

function statSafe(p: string): ReturnType<typeof statSync> | undefined {
  try {
    return statSync(p);
  } catch {
    return undefined;
  }
}
