// s1mig chain run: the first half of the migration chain on a generated estate (issue #11; docs/CHAIN.md).
// Thin: parses the options, picks the store, calls src/orchestrator/chain.ts stage by stage, prints the
// summary per GroupID and the comparison with the manifest's planted problems.
import path from 'node:path';
import type { Command } from 'commander';
import {
  EXIT,
  UsageError,
  commandGroup,
  jsonSafe,
  parseInstant,
  printJson,
  printLines,
  setExit,
} from '../io.js';
import { createProgress } from '../progress.js';
import { escapeControls } from '../ma-files.js';
import { isIsoDate, weekday } from '../../core/calendar/dates.js';
import { configuration } from '../../config.js';
import { openStore, type Store } from '../../store/index.js';
import {
  CHAIN_STAGES,
  ChainStageError,
  prepareChain,
  runChainStages,
  summariseChain,
  type ChainSummary,
} from '../../orchestrator/chain.js';
import { EstateInputError } from '../../orchestrator/estate-input.js';

interface Flags {
  estate: string;
  week?: string;
  out?: string;
  at?: string;
  quiet?: boolean;
  json?: boolean;
}

const rules = (r: Record<string, number>): string =>
  Object.entries(r)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([k, n]) => `${k} ${n}`)
    .join(', ') || '-';

function printSummary(s: ChainSummary): void {
  const lines = [
    `estate ${s.estate}: ${s.installations} installation(s), Migration Week ${s.week}, at ${s.at}`,
    ...s.stages.map(
      (x) => `  ${x.name.padEnd(25)} ${(x.millis / 1000).toFixed(1).padStart(7)} s  ${x.party}: ${x.note}`,
    ),
  ];
  for (const g of s.groups)
    lines.push(
      `GroupID ${g.groupId}: ${g.installations} installation(s), ${g.inMas} in MAs; Requesting Party: ${g.inMcfs} in ${g.mcfs} MCF(s)` +
        `${g.mcfsRejected ? ` (${g.mcfsRejected} rejected by Table 5.9)` : ''}`,
      `  held back by the Requesting Party: ${rules(g.rpHeld)}; refused: ${rules(g.rpRefused)}`,
      `  failed in the MVF (Table 5.10): ${g.mvfFailed} (${rules(g.mvfFailedByCheck)})`,
      `  held back after the MVF (TMAD 5.12): ${rules(g.groupFilesHeld)}`,
      `  in the MGF: ${g.groupId === 'DA' ? 'no MGF (TMAD 16.15)' : g.inMgf}; in the MEF: ${g.inMef}`,
    );
  lines.push(
    `files authenticated by their receivers (Table 5.9): ${s.verdicts.accepted} accepted, ${s.verdicts.rejected.length} rejected`,
    ...s.verdicts.rejected.map(
      (v) => `  REJECTED ${v.file} as ${v.as} at ${v.failedStep}: ${v.problems.join('; ')}`,
    ),
    ...s.maRejected.map(
      (r) => `  MA REJECTED ${r.file} at ${r.stage ?? '?'}: ${r.errors.slice(0, 3).join('; ')}`,
    ),
  );
  const e = s.expectation;
  if (e.disagree === 0)
    lines.push(
      `manifest: all ${e.agree} installation(s) ended where their planted problem says (docs/CHAIN.md)`,
    );
  else {
    lines.push(
      `manifest: ${e.disagree} installation(s) did not end where their planted problem says (docs/CHAIN.md):`,
      ...e.disagreements
        .slice(0, 100)
        .map(
          (d) => `  ${d.chfDeviceId} (${d.groupId}, ${d.problem}): expected ${d.expected}, got ${d.actual}`,
        ),
      ...(e.disagree > 100 ? [`  ... and ${e.disagree - 100} more (--json lists them all)`] : []),
    );
  }
  lines.push(`files and mailboxes: ${s.out}`);
  printLines(...lines.map(escapeControls));
}

async function run(o: Flags): Promise<void> {
  if (o.week !== undefined && (!isIsoDate(o.week) || weekday(o.week) !== 1))
    throw new UsageError(`--week '${escapeControls(o.week)}': expected a Monday YYYY-MM-DD (MAM 7.2.3)`);
  const at = o.at !== undefined ? parseInstant(o.at, '--at') : undefined;
  const out = o.out ?? path.join(o.estate, 'chain');
  // The store: S1MIG_DATABASE_URL when set (as every command), else a fresh SQLite file in the run's directory.
  const given = configuration().databaseUrl;
  let store: Store | undefined;
  const progress = createProgress({
    label: 'migration chain',
    total: CHAIN_STAGES.length,
    unit: 'stages',
    json: !!o.json,
    quiet: !!o.quiet,
  });
  try {
    const state = await prepareChain(
      { estateDir: o.estate, outDir: out, ...(o.week ? { week: o.week } : {}), ...(at ? { at } : {}) },
      async () => (store = await openStore(given ? {} : { url: `sqlite:${path.join(out, 's1mig.sqlite')}` })),
    );
    await runChainStages(state, { onStageEnd: () => progress.tick() });
    progress.done();
    const summary = summariseChain(state);
    if (o.json) printJson(jsonSafe({ ...summary, store: store!.location }));
    else printSummary(summary);
    setExit(
      summary.expectation.disagree === 0 && summary.verdicts.rejected.length === 0 ? EXIT.OK : EXIT.INVALID,
    );
  } catch (e) {
    progress.done();
    if (e instanceof EstateInputError) throw new UsageError(e.message);
    if (e instanceof ChainStageError) {
      if (e.stage === 'prepare') throw new UsageError(e.problems.join('; '));
      if (o.json) printJson({ ok: false, stage: e.stage, problems: e.problems });
      else
        printLines(
          ...[`the chain stopped at ${e.stage}:`, ...e.problems.map((p) => `  ${p}`)].map(escapeControls),
        );
      return setExit(EXIT.INVALID);
    }
    throw e;
  } finally {
    await store?.close();
  }
}

export function register(program: Command): void {
  commandGroup(program, 'chain')
    .command('run')
    .description(
      'Run the first half of the migration chain on an estate written by `s1mig estate generate`, each step the ' +
        "party's own function, the files moved between the parties' mailboxes (docs/MAILBOXES.md): reference data, " +
        'SMSO import, MAs sealed and opened, MCFs built, authenticated (Table 5.9) and validated (Table 5.10) into MVFs, ' +
        'the hand-over, MGF/MEF built and authenticated by the S1SP and the DCO. Prints per GroupID where the ' +
        "installations went and why, and compares it with the manifest's planted problems (docs/CHAIN.md). The store: " +
        'S1MIG_DATABASE_URL when set, else a fresh SQLite file in --out. Exit 0 all as expected, 1 any disagreement, ' +
        'rejected file or stopped stage, 2 usage',
    )
    .requiredOption('--estate <dir>', 'the estate directory (manifest.json)')
    .option('--week <monday>', "the Migration Week (default: the manifest's)")
    .option('--out <dir>', 'the run directory, new or empty (default <estate>/chain)')
    .option('--at <iso>', "the simulated time of every step (default 09:00 UTC on the estate's day)")
    .option('--quiet', 'no progress display on stderr')
    .option('--json', 'print the summary as JSON')
    .action(run);
}
