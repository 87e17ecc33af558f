// `s1mig demo week`: generate an estate, create the run (seed, week, options) and run its stages to
// completion on the store; run again in the same directory, it resumes where the last one stopped.
// Layout of <dir>: estate/ (s1mig estate generate), s1mig.sqlite (the embedded store, unless another
// is given), files/ (every file the run wrote: mcc/…, the parties' mailboxes).
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { configuration } from '../../config.js';
import { planEstate, type EstatePlan, type EstateProblem } from '../../estate/estate.js';
import { writeEstate } from '../../estate/write-estate.js';
import type { Store, WeekJobRecord } from '../../store/index.js';
import { createRun, runInProcess, WeekError, type WeekEnv, type WeekStage } from './engine.js';
import { FIRST_HALF, firstHalfAt, firstHalfStages } from './chain-stages.js';
import { dcoStage } from './dco-stage.js';
import { s1spStage } from './s1sp-stage.js';
import { commissionStage, DEMO_WEEK_FAULTS } from './commission-stage.js';
import { planStage } from './plan-stage.js';
import { cpStage } from './cp-stage.js';
import { timersStage, TIMERS_REPORT, type TimersReport } from './timers-stage.js';
import { TERMINAL_STATES } from './states.js';

/**
 * The stages of a Migration Week, in order, as far as they exist: the TMAD steps listed in
 * NOT_YET_STAGES have no stage yet and are reported as not run.
 */
export function weekStages(opts: { capacityShare: number; store: Store; passphrase?: string }): WeekStage[] {
  // The DCO receives 10 minutes after the receivers' Table 5.9 of the first half (one step later).
  const dcoAt = (week: string): Date => firstHalfAt(week, FIRST_HALF.length);
  const s1spAt = (week: string): Date => firstHalfAt(week, FIRST_HALF.length + 1);
  const commissionAt = (week: string): Date => firstHalfAt(week, FIRST_HALF.length + 2);
  const cpAt = (week: string): Date => firstHalfAt(week, FIRST_HALF.length + 3);
  // The timers run on to 61 days after the Commissioning Party's stage: past every 24-hour, 192-hour
  // and 60-day timer the week started (TMAD 5.16-5.18, 5.24, 6.2).
  const timersAt = (week: string): Date => new Date(cpAt(week).getTime() + 61 * 86_400_000);
  return [
    planStage(opts),
    ...firstHalfStages(opts),
    dcoStage({ ...opts, at: dcoAt }),
    s1spStage({ ...opts, at: s1spAt }),
    commissionStage({ ...opts, at: commissionAt }),
    cpStage({ ...opts, at: cpAt }),
    timersStage({ ...opts, at: timersAt, takes: TERMINAL_STATES }),
  ];
}

/** The TMAD steps of a Migration Week that no stage runs yet (the summary names them). */
export const NOT_YET_STAGES: readonly string[] = [];

export interface DemoWeekOptions {
  dir: string;
  installations: number;
  seed: string;
  /** The SMSOs' daily capacity as a share of the demand (1: the commitments equal the demand). */
  capacityShare: number;
  /** Share of installations per planted estate problem (docs/ESTATE.md); DEMO_WEEK_PROBLEMS by default. */
  problems?: Partial<Record<EstateProblem, number>>;
  /** Fault rules of the simulated devices (`CODE[.SUBSTEP][@RATE|@chf=ID]`); DEMO_WEEK_FAULTS by default. */
  faults?: readonly string[];
}

/**
 * The estate problems a demo week plants by default: about 2 % of the installations, each stopped at
 * its own step of the first half (TMAD 4.17-4.24, 5.10 Table 5.10; docs/WEEK.md).
 */
export const DEMO_WEEK_PROBLEMS: Readonly<Partial<Record<EstateProblem, number>>> = {
  'unknown-model': 0.004,
  'in-smi': 0.004,
  'wrong-supplier': 0.004,
  'revoked-certificate': 0.002,
  'stale-wan': 0.004,
  dormant: 0.002,
};

export interface WeekSummary {
  runId: string;
  seed: string;
  migrationWeek: string;
  installations: number;
  resumed: boolean;
  stagesRun: Array<{ stage: string; party: string; jobs: number; installations: number; done: boolean }>;
  stagesNotYetBuilt: string[];
  counts: {
    authorised: number;
    commenced: number;
    notCommitted: number;
    migrated: number;
    failed: number;
    rolledBack: number;
    /** Table 6.3 answered to Commission Device: in a COF (TMAD 6.3(d), 6.4), or by its supplier (6.6). */
    commissioned: number;
    /** Migrated, but a Table 6.3 request's error Response halted it (TMAD 8.6). */
    commissioningHalted: number;
    /** S1SP Viable (5.25) or commissioned by the S1SP (5.27(c)), waiting for Table 6.3 (the run is not finished). */
    awaitingCommissioning: number;
  };
  byState: Record<string, number>;
  /** What the timers discarded by the end of the run (stage week-timers; null before it ran). */
  timers: TimersReport | null;
  failedByStepAndGroup: Array<{ step: string; groupId: string; installations: number }>;
  events: number;
  files: { root: string; mailboxes: string; estate: string; count: number; database: string };
  done: boolean;
}

export const runIdOf = (o: Pick<DemoWeekOptions, 'seed' | 'installations'>): string =>
  `week-${o.seed.replace(/[^A-Za-z0-9_-]/g, '_')}-${o.installations}`;

const exists = (p: string): Promise<boolean> =>
  stat(p).then(
    () => true,
    () => false,
  );

/** The estate of the run: written once (into a temporary directory renamed into place). */
export async function ensureEstate(dir: string, o: DemoWeekOptions): Promise<EstatePlan> {
  const estate = path.join(dir, 'estate');
  if (!(await exists(path.join(estate, 'manifest.json')))) {
    const tmp = path.join(dir, 'estate.partial');
    await rm(tmp, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    await writeEstate(tmp, {
      installations: o.installations,
      seed: o.seed,
      problems: o.problems ?? DEMO_WEEK_PROBLEMS,
    });
    await rm(estate, { recursive: true, force: true });
    await rename(tmp, estate);
  }
  return planEstate({
    installations: o.installations,
    seed: o.seed,
    problems: o.problems ?? DEMO_WEEK_PROBLEMS,
  });
}

/**
 * The passphrase the run's key material is sealed under at rest: S1MIG_KEY_PASSPHRASE when set, else
 * (a demo on a fresh machine) a random one made once and kept in DIR/key-passphrase (mode 0600, never
 * printed). A real deployment sets S1MIG_KEY_PASSPHRASE (docs/WEEK.md).
 */
export async function ensurePassphrase(dir: string): Promise<string> {
  const set = configuration().keyPassphrase;
  if (set !== undefined) return set;
  const file = path.join(dir, 'key-passphrase');
  try {
    return (await readFile(file, 'utf8')).trim();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  await mkdir(dir, { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, `${randomBytes(24).toString('base64url')}\n`, { mode: 0o600, flag: 'w' });
  await rename(tmp, file);
  return (await readFile(file, 'utf8')).trim();
}

export function weekEnv(
  store: Store,
  o: DemoWeekOptions & { passphrase?: string },
  extra: Partial<WeekEnv> = {},
): WeekEnv {
  return {
    store,
    runId: runIdOf(o),
    stages: weekStages({
      capacityShare: o.capacityShare,
      store,
      ...(o.passphrase !== undefined ? { passphrase: o.passphrase } : {}),
    }),
    filesRoot: path.join(path.resolve(o.dir), 'files'),
    ...extra,
  };
}

/** Create the run if it is new; refuse a directory whose run had other options. */
export async function startRun(env: WeekEnv, plan: EstatePlan, o: DemoWeekOptions): Promise<boolean> {
  const existing = await env.store.week.run(env.runId);
  const options = {
    installations: o.installations,
    capacityShare: o.capacityShare,
    problems: o.problems ?? DEMO_WEEK_PROBLEMS,
    faults: [...(o.faults ?? DEMO_WEEK_FAULTS)],
  };
  if (existing) {
    if (JSON.stringify(existing.options) !== JSON.stringify(options))
      throw new WeekError(
        `run ${env.runId} in this store was started with options ${JSON.stringify(existing.options)}, not ${JSON.stringify(options)}: use another --dir`,
      );
    return false;
  }
  const userId = new Map(plan.suppliers.map((s) => [s.name, s.userId]));
  await createRun(
    env,
    { seed: o.seed, migrationWeek: plan.migrationWeek, options, createdAt: plan.asOf },
    plan.records.map((r) => ({
      installationId: r.chfDeviceId,
      groupId: r.groupId,
      smso: r.smso,
      supplier: userId.get(r.supplier) ?? r.supplier,
      state: 'authorised',
      detail: { mpan: r.mpan, mprn: r.mprn, problems: r.problems },
    })),
  );
  return true;
}

/** Run every pending job in this process (SQLite; or PostgreSQL without workers). */
export async function runWeek(
  env: WeekEnv,
  hooks?: ((job: WeekJobRecord) => void) | Pick<WeekEnv, 'onCommit' | 'onStart'>,
): Promise<void> {
  const h = typeof hooks === 'function' ? { onCommit: hooks } : (hooks ?? {});
  await runInProcess({ ...env, ...h });
}

export async function summarise(env: WeekEnv, resumed: boolean, database: string): Promise<WeekSummary> {
  const { store, runId } = env;
  const run = await store.week.run(runId);
  if (!run) throw new WeekError(`run ${runId} does not exist`);
  const inst = await store.week.allInstallations(runId);
  const byState: Record<string, number> = {};
  const failed = new Map<string, number>();
  for (const i of inst) {
    byState[i.state] = (byState[i.state] ?? 0) + 1;
    if (i.state === 'failed' || i.state === 'rolled-back' || i.state === 'commissioning-halted') {
      const k = `${i.failedStep ?? '?'}\u0000${i.groupId}`;
      failed.set(k, (failed.get(k) ?? 0) + 1);
    }
  }
  const n = (s: string): number => byState[s] ?? 0;
  const jobs = await store.week.jobCounts(runId);
  const stageParty = new Map(env.stages.map((s) => [s.name, s.party]));
  return {
    runId,
    seed: run.seed,
    migrationWeek: run.migrationWeek,
    installations: inst.length,
    resumed,
    stagesRun: env.stages
      .filter((s) => jobs.some((j) => j.stage === s.name))
      .map((s) => {
        const j = jobs.find((x) => x.stage === s.name)!;
        return {
          stage: s.name,
          party: stageParty.get(s.name)!,
          jobs: j.jobs,
          installations: j.installations,
          done: j.done === j.jobs,
        };
      }),
    stagesNotYetBuilt: [...NOT_YET_STAGES],
    counts: {
      authorised: inst.length,
      commenced: inst.length - n('authorised') - n('not-committed'),
      notCommitted: n('not-committed'),
      // Migrated: commissioned by the S1SP into the DCC's network (TMAD 5.27(c)), whatever its Table
      // 6.3 requests then answered; commissioned: those requests answered to Commission Device (6.3(d)).
      migrated: n('s1sp-commissioned') + n('commissioned') + n('commissioning-halted'),
      failed: n('failed'),
      rolledBack: n('rolled-back'),
      commissioned: n('commissioned'),
      commissioningHalted: n('commissioning-halted'),
      awaitingCommissioning: n('s1sp-viable') + n('s1sp-commissioned'),
    },
    byState,
    timers: await readFile(path.join(env.filesRoot, TIMERS_REPORT), 'utf8').then(
      (t) => JSON.parse(t) as TimersReport,
      () => null,
    ),
    failedByStepAndGroup: [...failed.entries()]
      .map(([k, v]) => {
        const [step, groupId] = k.split('\u0000') as [string, string];
        return { step, groupId, installations: v };
      })
      .sort((a, b) => (a.step + a.groupId < b.step + b.groupId ? -1 : 1)),
    events: await store.week.eventCount(runId),
    files: {
      root: env.filesRoot,
      mailboxes: path.join(env.filesRoot, 'mailboxes'),
      estate: path.join(path.dirname(env.filesRoot), 'estate'),
      count: (await store.week.files(runId)).length,
      database,
    },
    done: run.status === 'done',
  };
}

export { TERMINAL_STATES, DEMO_WEEK_FAULTS };
