// The first half of the migration chain as Migration Week stages (issue #13; docs/WEEK.md): after
// `mcc-plan`, the commenced installations go MA seal and intake (MAM 7.5) -> MCF (TMAD 4.16-4.48, 5.6)
// -> Table 5.9 -> Table 5.10 and the MVF -> the SMSO hand-over (TMAD 11, 5.12(g)) -> MGF/MEF (TMAD 5.12)
// (the receivers' Table 5.9 is theirs: dco-stage.ts, s1sp-stage.ts; the chain's
// group-files-authenticate would record the bytes as received and leave the parties nothing to
// do). Each week stage runs one stage of src/orchestrator/chain.ts (the
// party's own function) as one job over the run's commenced installations:
//
// - The chain's state is handed from stage to stage as a file the engine commits with the job
//   (files/orchestrator/chain/<stage>.json), so a stage always starts from the committed state of the
//   one before, never from an uncommitted attempt.
// - A stage works in a scratch tree (work/<stage>/, emptied at each attempt) holding hard links of the
//   mailboxes' delivered files; what it delivers and writes is then written by the engine
//   (ctx.writeFile) under files/: mailboxes/<role>/<party>/inbox/<name> is every delivery (TMAD 9), the
//   parties' own files keep their place (requesting-party/mcf/, dcc/mvf/, smso/…).
// - Restartable (killed after a party recorded something but before the commit): Table 5.9 on the same
//   bytes returns the earlier verdict (TMAD 5.9.5-5.9.9), an MA's CSV is recognised by its SHA-256
//   (MAM 7.5), imports replace in place; the Requesting Party's counters (TMAD 5.6) are taken from the
//   stage's time on the run's clock, so a re-run builds files of the same names, and the outcomes of an
//   MCF build already recorded at that time are not recorded again; MVFCounters likewise.
import { link, mkdir, readFile, readdir, rm, copyFile } from 'node:fs/promises';
import path from 'node:path';
import type { Store, WeekInstallationRecord } from '../../store/index.js';
import type { RpOutcomeRepository } from '../../store/repositories/rp-outcomes.js';
import {
  CHAIN_STAGES,
  ChainStageError,
  fateOf,
  prepareChain,
  type ChainStage,
  type ChainState,
} from '../chain.js';
import { WeekError, type StageContext, type StageOutcome, type WeekStage } from './engine.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const MINUTE = 60_000;

/** Where the chain's state after each stage is committed (under files/). */
export const chainStatePath = (stage: string): string => `orchestrator/chain/${stage}.json`;

/**
 * The first-half stages: chain stage, the state it takes and gives, the fates it decides (an
 * installation whose fate is one of them has failed at that step; see chain.ts fateOf).
 */
export const FIRST_HALF: ReadonlyArray<{ chain: string; takes: string; gives: string; decides: string[] }> = [
  { chain: 'ref-import', takes: 'commenced', gives: 'reference-imported', decides: [] },
  { chain: 'smso-import', takes: 'reference-imported', gives: 'inventory-imported', decides: [] },
  { chain: 'ma-seal', takes: 'inventory-imported', gives: 'ma-sealed', decides: [] },
  { chain: 'ma-open', takes: 'ma-sealed', gives: 'ma-recorded', decides: [] },
  { chain: 'rp-build-mcf', takes: 'ma-recorded', gives: 'in-mcf', decides: ['ma', 'rp-build-mcf'] },
  { chain: 'dcc-authenticate-mcf', takes: 'in-mcf', gives: 'mcf-authenticated', decides: [] },
  { chain: 'dcc-validate-mcf', takes: 'mcf-authenticated', gives: 'mcf-validated', decides: [] },
  {
    chain: 'rp-record-mvf',
    takes: 'mcf-validated',
    gives: 'mvf-passed',
    decides: ['dcc-authenticate-mcf', 'dcc-validate-mcf'],
  },
  { chain: 'smso-encrypt', takes: 'mvf-passed', gives: 'handed-over', decides: [] },
  {
    chain: 'rp-build-group-files',
    takes: 'handed-over',
    gives: 'in-mef',
    decides: ['rp-build-group-files'],
  },
];

/** The step an installation failed at, as the summary reports it. */
function failedStepOf(fate: { stage: string; clauses: string[] }): string {
  switch (fate.stage) {
    case 'ma':
      return 'MAM 7.5 (not in an accepted MA)';
    case 'dcc-authenticate-mcf':
      return 'TMAD 5.9 (MCF not authenticated)';
    case 'dcc-validate-mcf':
      return `TMAD 5.10 ${[...fate.clauses].sort().join('+')}`;
    default:
      return fate.clauses[0] ?? fate.stage;
  }
}

/**
 * The store as the week's Requesting Party sees it: its counters (TMAD 5.6) from the stage's time, so
 * that an attempt run again takes the same ones (the store's counter still advances); outcomes of an
 * MCF build already recorded at the same time for the same week and SMSO are not recorded twice.
 */
export function weekStore(store: Store, at: Date): Store {
  const next = new Map<string, bigint>();
  const base = BigInt(at.getTime());
  const inner = store.rpOutcomes;
  const rpOutcomes: RpOutcomeRepository = {
    record: async (rows) => {
      const first = rows[0];
      if (!first) return 0;
      const prev = await inner.list({ migrationWeek: first.migrationWeek, smso: first.smso, limit: 1 });
      if (prev[0] && prev[0].builtAt.getTime() === first.builtAt.getTime()) return 0;
      return inner.record(rows);
    },
    list: (o) => inner.list(o),
    nextCounter: async (rp, ft, atLeast) => {
      const k = `${rp}\u0000${ft}`;
      const n = next.get(k) ?? 0n;
      next.set(k, n + 1n);
      const v = atLeast !== undefined && atLeast > base + n ? atLeast : base + n;
      await inner.nextCounter(rp, ft, v);
      return v;
    },
    lastCounter: (rp, ft) => inner.lastCounter(rp, ft),
  };
  return { ...store, rpOutcomes };
}

// --------------------------------------------------------------------------------------------------
// The chain's state as a committed file

const TAG = '\u0000s1mig';

export function serialise(state: ChainState, scratch: string, filesRoot: string): string {
  const prefix = scratch + path.sep;
  const rel = (p: string): string => {
    const r = p.slice(prefix.length).split(path.sep).join('/');
    const taken = /^mailboxes\/([^/]+)\/([^/]+)\/taken\/(.+)$/.exec(r);
    return path.join(filesRoot, taken ? `mailboxes/${taken[1]}/${taken[2]}/inbox/${taken[3]}` : r);
  };
  const { options: _o, manifest: _m, paths: _p, millis: _t, include: _i, ...rest } = state;
  void _o;
  void _m;
  void _p;
  void _t;
  void _i;
  return JSON.stringify(
    rest,
    (_k, v: unknown) => {
      if (typeof v === 'bigint') return { [TAG]: 'bigint', v: v.toString() };
      if (v instanceof Set) return { [TAG]: 'set', v: [...(v as Set<unknown>)] };
      if (v instanceof Map) return { [TAG]: 'map', v: [...(v as Map<unknown, unknown>).entries()] };
      if (typeof v === 'string' && v.startsWith(prefix)) return rel(v);
      return v;
    },
    1,
  );
}

export function deserialise(text: string): Partial<ChainState> {
  return JSON.parse(text, (_k, v: unknown) => {
    if (v && typeof v === 'object' && TAG in v) {
      const t = v as { [TAG]: string; v: unknown };
      if (t[TAG] === 'bigint') return BigInt(t.v as string);
      if (t[TAG] === 'set') return new Set(t.v as unknown[]);
      if (t[TAG] === 'map') return new Map(t.v as Array<[unknown, unknown]>);
    }
    return v;
  }) as Partial<ChainState>;
}

// --------------------------------------------------------------------------------------------------
// The scratch tree

async function walk(root: string, rel = ''): Promise<string[]> {
  const out: string[] = [];
  let entries;
  try {
    entries = await readdir(path.join(root, rel), { withFileTypes: true });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return out;
    throw e;
  }
  for (const e of entries) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...(await walk(root, r)));
    else if (e.isFile()) out.push(r);
  }
  return out.sort();
}

/**
 * Hard links of every delivered file (files/mailboxes/…/inbox/…) a committed job wrote, in the scratch
 * mailboxes. A file left there by an attempt that was killed before its commit is not linked: this
 * attempt writes it again (the engine replaces it), and a party must not find it delivered already.
 */
async function linkMailboxes(
  filesRoot: string,
  scratch: string,
  committed: ReadonlySet<string>,
): Promise<Set<string>> {
  const linked = new Set<string>();
  for (const r of await walk(path.join(filesRoot, 'mailboxes'))) {
    if (!/^[^/]+\/[^/]+\/inbox\/[^/]+$/.test(r)) continue;
    if (!committed.has(`mailboxes/${r}`)) continue;
    const to = path.join(scratch, 'mailboxes', r);
    await mkdir(path.dirname(to), { recursive: true, mode: 0o700 });
    const from = path.join(filesRoot, 'mailboxes', r);
    await link(from, to).catch(() => copyFile(from, to));
    linked.add(`mailboxes/${r}`);
  }
  return linked;
}

/** What the stage wrote in its scratch tree, as files/ paths (a taken delivery as its inbox path). */
async function written(scratch: string, linked: ReadonlySet<string>): Promise<Array<[string, string]>> {
  const out: Array<[string, string]> = [];
  for (const r of await walk(scratch)) {
    const box = /^mailboxes\/([^/]+)\/([^/]+)\/([^/]+)\/(.+)$/.exec(r);
    if (box) {
      const [, role, party, dir, name] = box;
      if (dir !== 'inbox' && dir !== 'taken') continue; // .incoming: a delivery never finished
      const target = `mailboxes/${role}/${party}/inbox/${name}`;
      if (linked.has(target)) continue;
      out.push([r, target]);
    } else out.push([r, r]);
  }
  return out;
}

// --------------------------------------------------------------------------------------------------

export interface ChainWeekOptions {
  store: Store;
  /** The SMSO key material's passphrase at rest (default S1MIG_KEY_PASSPHRASE). */
  passphrase?: string;
}

/** The stage's time: 09:00 UTC on the estate's day (two weeks before the Migration Week), then +10 min each. */
export function firstHalfAt(week: string, index: number): Date {
  return new Date(Date.parse(`${week}T00:00:00Z`) - 14 * DAY + 9 * HOUR + index * 10 * MINUTE);
}

function chainWeekStage(o: ChainWeekOptions, index: number): WeekStage {
  const def = FIRST_HALF[index]!;
  const cs: ChainStage | undefined = CHAIN_STAGES.find((s) => s.name === def.chain);
  if (!cs) throw new WeekError(`chain stage ${def.chain} does not exist`);
  const before = index > 0 ? FIRST_HALF[index - 1]!.chain : undefined;
  return {
    name: cs.name,
    party: cs.party,
    takes: [def.takes],
    batchSize: Infinity,
    at: (week) => firstHalfAt(week, index),
    async run(ctx: StageContext, batch: WeekInstallationRecord[]): Promise<StageOutcome> {
      const runDir = path.dirname(ctx.filesRoot);
      const scratch = path.join(runDir, 'work', cs.name);
      await rm(scratch, { recursive: true, force: true });
      const store = weekStore(o.store, ctx.at);
      const state = await prepareChain(
        {
          estateDir: path.join(runDir, 'estate'),
          outDir: scratch,
          at: ctx.at,
          week: ctx.migrationWeek,
          ...(o.passphrase !== undefined ? { passphrase: o.passphrase } : {}),
        },
        store,
      );
      if (before) {
        const file = path.join(ctx.filesRoot, chainStatePath(before));
        Object.assign(state, deserialise(await readFile(file, 'utf8')));
      }
      state.at = ctx.at;
      state.mailboxes = path.join(scratch, 'mailboxes');
      state.include = new Set(batch.map((i) => i.installationId));
      state.mvfCounter = BigInt(ctx.at.getTime());
      const committed = new Set((await o.store.week.files(ctx.runId)).map((f) => f.path));
      const linked = await linkMailboxes(ctx.filesRoot, scratch, committed);
      const verdictsBefore = state.verdicts.length;
      try {
        await cs.run(state);
      } catch (e) {
        if (e instanceof ChainStageError) throw new WeekError(`stage ${cs.name}: ${e.message}`);
        throw e;
      }
      const events: StageOutcome['events'] = [];
      for (const [from, to] of await written(scratch, linked)) {
        const w = await ctx.writeFile(to, await readFile(path.join(scratch, from)));
        const box = /^mailboxes\/([^/]+)\/([^/]+)\/inbox\//.exec(to);
        events.push({
          party: box ? `${box[1]}/${box[2]}` : cs.party,
          groupId: null,
          installationId: null,
          outcome: box ? 'delivered' : 'written',
          file: to,
          sha256: w.sha256,
        });
      }
      for (const v of state.verdicts.slice(verdictsBefore))
        if (!v.accepted)
          events.push({
            party: v.as,
            groupId: null,
            installationId: null,
            outcome: 'file-rejected',
            step: v.failedStep,
            detail: { file: v.file, problems: v.problems.slice(0, 5) },
          });
      await ctx.writeFile(chainStatePath(cs.name), serialise(state, scratch, ctx.filesRoot));
      const changes: StageOutcome['changes'] = [];
      for (const i of batch) {
        const mpan = typeof i.detail.mpan === 'string' ? i.detail.mpan : '';
        const mprn = typeof i.detail.mprn === 'string' ? i.detail.mprn : null;
        const fate = def.decides.length ? fateOf(state, i.installationId, mpan, mprn) : undefined;
        if (fate && def.decides.includes(fate.stage)) {
          const step = failedStepOf(fate);
          changes.push({ installationId: i.installationId, state: 'failed', failedStep: step });
          events.push({
            party: cs.party,
            groupId: i.groupId,
            installationId: i.installationId,
            outcome: 'failed',
            step,
            detail: { clauses: fate.clauses },
          });
        } else {
          changes.push({ installationId: i.installationId, state: def.gives });
          events.push({
            party: cs.party,
            groupId: i.groupId,
            installationId: i.installationId,
            outcome: def.gives,
          });
        }
      }
      await rm(scratch, { recursive: true, force: true });
      return { changes, events };
    },
  };
}

/** The week stages of the first half of the chain, in order. */
export function firstHalfStages(o: ChainWeekOptions): WeekStage[] {
  return FIRST_HALF.map((_, i) => chainWeekStage(o, i));
}
