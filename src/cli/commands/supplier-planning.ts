// s1mig supplier …: the Responsible Supplier's planning files (TMAD 4.8(a); docs/PLANNING.md).
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import {
  EXIT,
  UsageError,
  commandGroup,
  describePathProblem,
  printJson,
  printLines,
  setExit,
} from '../io.js';
import { isMonday } from '../../core/calendar/index.js';
import { parseEui64 } from '../../core/ids/index.js';
import { buildDemand } from '../../supplier/demand.js';

export function register(program: Command): void {
  commandGroup(program, 'supplier')
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
    .action((o: { supplierId: string; week: string; input: string; out: string; json?: boolean }) => {
      const id = parseEui64(o.supplierId);
      if (!id.ok) throw new UsageError(`--supplier-id: ${id.error}`);
      if (!isMonday(o.week))
        throw new UsageError(`--week '${o.week}': expected the Monday of a Migration Week (YYYY-MM-DD)`);
      let input: string;
      try {
        if (!statSync(o.input).isFile()) throw new UsageError(`${o.input}: not a regular file`);
        input = readFileSync(o.input, 'utf8');
      } catch (e) {
        if (e instanceof UsageError) throw e;
        throw new UsageError(describePathProblem(o.input, e));
      }
      const r = buildDemand(id.value, o.week, input, path.basename(o.input));
      if (!r.ok) {
        if (o.json) printJson({ ok: false, problems: r.problems });
        else
          printLines(
            `${o.input}: ${r.problems.length} problem(s)`,
            ...r.problems.map(
              (p) =>
                `  ${p.file}:${p.line ?? '-'}${p.column ? `:${p.column}` : ''} ${p.field ?? ''}: ${p.message} (${p.rule})`,
            ),
          );
        setExit(EXIT.INVALID);
        return;
      }
      let file = o.out;
      try {
        if (o.out.endsWith('/') || (statSafe(o.out)?.isDirectory() ?? false)) {
          mkdirSync(o.out, { recursive: true });
          file = path.join(o.out, r.fileName);
        }
        writeFileSync(file, r.text);
      } catch (e) {
        throw new UsageError(describePathProblem(file, e));
      }
      const total = r.file.rows.reduce((s, x) => s + x.quantity, 0);
      if (o.json)
        printJson({ ok: true, file, supplierId: id.value, week: o.week, rows: r.file.rows.length, total });
      else
        printLines(
          `wrote ${file}: ${r.file.rows.length} rows, ${total} installations for ${o.week} (TMAD 4.8(a))`,
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
