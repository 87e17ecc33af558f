// s1mig demo week: one Migration Week on a generated estate, run by the durable engine
// (src/orchestrator/week, docs/WEEK.md) on the embedded database; run again in the same directory,
// it resumes an interrupted week. A progress bar per stage on a TTY's stderr, plain lines otherwise.
import path from 'node:path';
import type { Command } from 'commander';
import { UsageError, printJson, printLines } from '../io.js';
import { createProgress, progressMode, type Progress } from '../progress.js';

const NO_PROGRESS: Progress = { tick: () => undefined, update: () => undefined, done: () => undefined };
import { openStore } from '../../store/index.js';
import { checkProblemShares } from '../../estate/estate.js';
import { parseProblemShares } from './estate.js';
import { parseFaultRule } from '../../estate/devices/index.js';
import {
  ensureEstate,
  ensurePassphrase,
  runWeek,
  startRun,
  summarise,
  weekEnv,
  type DemoWeekOptions,
  type WeekSummary,
} from '../../orchestrator/week/run-week.js';

function positiveInt(v: string, flag: string, max: number): number {
  if (!/^[0-9]+$/.test(v) || Number(v) < 1 || Number(v) > max)
    throw new UsageError(`${flag} '${v}': expected a whole number from 1 to ${max}`);
  return Number(v);
}

export function registerWeek(demo: Command): void {
  demo
    .command('week')
    .description(
      'One Migration Week end to end on a generated estate: plan it with the MCC planning code (TMAD ' +
        '4.8-4.11) and run every stage that exists, durably (kill it and run it again: it resumes); ' +
        'prints a summary table (docs/WEEK.md)',
    )
    .option('--installations <n>', 'installations in the estate', '5000')
    .option('--seed <seed>', 'the seed of the estate and the run', 's1mig')
    .option('--dir <dir>', 'working directory: estate/, files/, s1mig.sqlite', 'data/week')
    .option('--capacity-share <x>', "SMSOs' daily capacity as a share of the demand (TMAD 4.11)", '1')
    .option(
      '--problems <list>',
      'share of installations per planted estate problem, e.g. in-smi=0.01,stale-wan=0.005 (default: about 2 % ' +
        'spread over unknown-model, in-smi, wrong-supplier, revoked-certificate, stale-wan, dormant; "" for none)',
    )
    .option(
      '--faults <list>',
      'fault rules of the simulated devices for the S1SP commissioning, comma-separated ' +
        'CODE[.SUBSTEP][@RATE|@chf=ID], e.g. ET05@0.01,DP01@chf=00-DB-… (default: about 1 % over ET05, ET08, ' +
        'GT02, DP01; "" for none; docs/S1SP-COMMISSIONING.md)',
    )
    .option('--json', 'print the summary as JSON')
    .action(
      async (o: {
        installations: string;
        seed: string;
        dir: string;
        capacityShare: string;
        problems?: string;
        faults?: string;
        json?: boolean;
      }) => {
        let problems: DemoWeekOptions['problems'];
        if (o.problems !== undefined) {
          problems = parseProblemShares(o.problems);
          const bad = checkProblemShares(problems);
          if (bad) throw new UsageError(`--problems: ${bad}`);
        }
        const faults =
          o.faults === undefined
            ? undefined
            : o.faults
                .split(',')
                .map((x) => x.trim())
                .filter((x) => x !== '');
        for (const f of faults ?? []) {
          const r = parseFaultRule(f);
          if (typeof r === 'string') throw new UsageError(`--faults: ${r}`);
        }
        const share = Number(o.capacityShare);
        if (!/^[0-9.]+$/.test(o.capacityShare) || !(share > 0 && share <= 1))
          throw new UsageError(`--capacity-share '${o.capacityShare}': expected a number in (0, 1]`);
        if (!/^[A-Za-z0-9_.-]{1,64}$/.test(o.seed))
          throw new UsageError(`--seed '${o.seed}': expected 1-64 letters, digits, '.', '_' or '-'`);
        const opts: DemoWeekOptions = {
          dir: path.resolve(o.dir),
          installations: positiveInt(o.installations, '--installations', 1_000_000),
          seed: o.seed,
          capacityShare: share,
          ...(problems ? { problems } : {}),
          ...(faults ? { faults } : {}),
        };
        const estateBar = createProgress({ label: 'estate', json: o.json ?? false });
        const plan = await ensureEstate(opts.dir, opts);
        estateBar.done();
        const store = await openStore({ url: '', dataDir: opts.dir });
        try {
          const env = weekEnv(store, { ...opts, passphrase: await ensurePassphrase(opts.dir) });
          const created = await startRun(env, plan, opts);
          // One bar per stage on a terminal; one line per stage otherwise (none with --json).
          const mode = progressMode({ json: o.json ?? false });
          let current: { stage: string; bar: Progress; t0: number; n: number } | undefined;
          const finish = (): void => {
            if (!current) return;
            current.bar.done();
            if (mode === 'plain')
              process.stderr.write(
                `${current.stage}: ${current.n} installation(s) in ${((Date.now() - current.t0) / 1000).toFixed(1)} s\n`,
              );
            current = undefined;
          };
          await runWeek(env, {
            onStart: async (job) => {
              if (job.stage === current?.stage) return;
              finish();
              const c = (await store.week.jobCounts(env.runId)).find((x) => x.stage === job.stage);
              const bar =
                mode === 'tty'
                  ? createProgress({
                      label: job.stage,
                      unit: 'installations',
                      json: o.json ?? false,
                      ...(c ? { total: c.installations } : {}),
                    })
                  : NO_PROGRESS;
              bar.update(c?.doneInstallations ?? 0);
              current = { stage: job.stage, bar, t0: Date.now(), n: c?.doneInstallations ?? 0 };
            },
            onCommit: (job) => {
              current?.bar.tick(job.installations.length);
              if (current) current.n += job.installations.length;
            },
          });
          finish();
          const summary = await summarise(env, !created, store.location);
          if (o.json) printJson(summary);
          else printSummary(summary);
        } finally {
          await store.close();
        }
      },
    );
}

function printSummary(s: WeekSummary): void {
  const c = s.counts;
  const row = (k: string, v: number | string): string => `  ${k.padEnd(32)} ${String(v).padStart(8)}`;
  printLines(
    `Migration Week ${s.migrationWeek}: run ${s.runId} (seed ${s.seed})${s.resumed ? ', resumed' : ''}${s.done ? '' : ', NOT finished'}`,
    '',
    'Stages run:',
    ...s.stagesRun.map(
      (x) =>
        `  ${x.stage.padEnd(24)} ${x.party.padEnd(19)} ${String(x.installations).padStart(8)} installations in ${x.jobs} job(s)${x.done ? '' : ' (pending)'}`,
    ),
    ...(s.stagesNotYetBuilt.length
      ? ['Stages not built yet (not run):', ...s.stagesNotYetBuilt.map((x) => `  ${x}`)]
      : []),
    '',
    row('authorised (in an MA)', c.authorised),
    row('commenced', c.commenced),
    row('not committed (TMAD 4.11)', c.notCommitted),
    row('migrated', c.migrated),
    row('failed', c.failed),
    row('rolled back', c.rolledBack),
    row('commissioned (TMAD 6.3(d), 6.6)', c.commissioned),
    row('commissioning halted (8.6)', c.commissioningHalted),
    row('not commissioned yet', c.awaitingCommissioning),
    ...(s.failedByStepAndGroup.length > 0
      ? [
          '',
          'Failed, rolled back or halted, by step and GroupID:',
          ...s.failedByStepAndGroup.map((f) => row(`${f.step} ${f.groupId}`, f.installations)),
        ]
      : []),
    ...(s.timers
      ? [
          '',
          `Timers to ${s.timers.until} (TMAD 5.16-5.18, 5.24, 6.2):`,
          `  DCO sets discarded: ${
            Object.entries(s.timers.dco.setsDiscarded)
              .map(([k, v]) => `${v} (${k})`)
              .join(', ') || '0'
          }; never-requested details discarded in ${s.timers.dco.unrequestedExpired} set(s) (5.17); DCO keys held: ${s.timers.dco.keysHeld}`,
          `  S1SP sets discarded (5.24): ${s.timers.s1sp.setsDiscarded}`,
          `  Commissioning Party MCFs discarded: ${
            Object.entries(s.timers.commissioningParty.mcfsDiscarded)
              .map(([k, v]) => `${v} (${k})`)
              .join(', ') || '0'
          }; held: ${s.timers.commissioningParty.mcfsHeld}`,
        ]
      : []),
    '',
    `Events logged: ${s.events}`,
    `Files (${s.files.count}): ${s.files.root}`,
    `Mailboxes (TMAD 9): ${s.files.mailboxes}`,
    `Estate: ${s.files.estate}`,
    `Database: ${s.files.database}`,
  );
}
