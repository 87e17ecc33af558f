// s1mig estate: generate a reproducible simulated estate (issue #11; docs/ESTATE.md). Thin: parses the
// options, calls src/estate/write-estate.ts, prints a summary.
import type { Command } from 'commander';
import { UsageError, commandGroup, parseInstant, printJson, printLines } from '../io.js';
import { escapeControls } from '../ma-files.js';

/** `unknown-model=0.02,in-smi=0.01`: problem → share. */
export function parseProblemShares(v: string): Record<string, number> {
  const out: Record<string, number> = {};
  if (v.trim() === '') return out;
  for (const part of v.split(',')) {
    const m = /^\s*([a-z-]+)\s*=\s*([0-9]*\.?[0-9]+)\s*$/.exec(part);
    if (!m)
      throw new UsageError(
        `--problems '${escapeControls(part)}': expected name=share, e.g. unknown-model=0.02`,
      );
    if (m[1]! in out) throw new UsageError(`--problems: ${m[1]!} is given twice`);
    out[m[1]!] = Number(m[2]);
  }
  return out;
}

export function register(program: Command): void {
  const g = commandGroup(program, 'estate');
  g.command('generate')
    .description(
      'Write a reproducible simulated estate into a new directory: test PKI, reference-data CSVs, group keys, SMSO ' +
        "inventories and key material, suppliers' MPxN lists and Migration Authorisations across all eight GroupIDs, " +
        'with a chosen share of planted problems and manifest.json naming them. The same seed gives byte-identical data files.',
    )
    .requiredOption('--installations <n>', 'how many installations (1 to 1,000,000)')
    .requiredOption('--seed <s>', 'the seed')
    .requiredOption('--out <dir>', 'the directory to write (new or empty)')
    .option(
      '--problems <list>',
      'share of installations per planted problem, e.g. unknown-model=0.02,in-smi=0.01 (unknown-model, in-smi, ' +
        'wrong-supplier, revoked-certificate, change-of-supplier, dormant, split-supply, stale-wan); at most one each',
      '',
    )
    .option('--as-of <iso>', 'the time the estate describes (default 2026-01-05T00:00:00Z)')
    .option('--json', 'print JSON')
    .action(
      async (o: {
        installations: string;
        seed: string;
        out: string;
        problems: string;
        asOf?: string;
        json?: boolean;
      }) => {
        const n = Number(o.installations);
        if (!/^\d+$/.test(o.installations) || n < 1 || n > 1_000_000)
          throw new UsageError(
            `--installations '${escapeControls(o.installations)}': expected a whole number from 1 to 1,000,000`,
          );
        const problems = parseProblemShares(o.problems);
        const { checkProblemShares } = await import('../../estate/estate.js');
        const bad = checkProblemShares(problems);
        if (bad) throw new UsageError(`--problems: ${escapeControls(bad)}`);
        const { writeEstate } = await import('../../estate/write-estate.js');
        let w: Awaited<ReturnType<typeof writeEstate>>;
        try {
          w = await writeEstate(o.out, {
            installations: n,
            seed: o.seed,
            problems,
            ...(o.asOf !== undefined ? { asOf: parseInstant(o.asOf, '--as-of') } : {}),
          });
        } catch (e) {
          const err = e as NodeJS.ErrnoException;
          throw new UsageError(`${o.out}: ${err.code ? `cannot write (${err.code})` : err.message}`);
        }
        const summary = {
          dir: o.out,
          installations: n,
          seed: o.seed,
          problems: w.plan.counts,
          smsos: Object.fromEntries([...w.plan.smsos].map(([c, s]) => [c, s.installations.length])),
          migrationAuthorisations: w.plan.mas.length,
          dataFiles: Object.keys(w.dataFiles).length,
          seconds: Math.round(w.millis / 100) / 10,
        };
        if (o.json) printJson(summary);
        else
          printLines(
            `wrote ${o.out}: ${n} installation(s), seed ${o.seed}, in ${summary.seconds} s`,
            `SMSOs: ${Object.entries(summary.smsos)
              .map(([c, k]) => `${c} ${k}`)
              .join(', ')}; ${summary.migrationAuthorisations} MA file(s)`,
            `planted: ${
              Object.entries(w.plan.counts)
                .filter(([, k]) => k > 0)
                .map(([p, k]) => `${p} ${k}`)
                .join(', ') || 'none'
            } (manifest.json)`,
          );
      },
    );
}
