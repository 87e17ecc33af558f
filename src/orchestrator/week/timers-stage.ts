// Stage `week-timers` (DCO, S1SP, Commissioning Party; TMAD 5.16-5.18, 5.24, 6.2): the week's last
// stage moves each party's clock on to every instant one of its timers reaches, in order, on the run's
// clock, until none is left within the stage's time (60 days and a day after the commissioning):
//
//   DCO   5.18 a DCO Required File Set not complete 24 hours after its first MVF is discarded;
//         5.16 192 hours from authenticating the MEF without an S1SP request, the set is discarded;
//         5.17 60 days from the first S1SP request, the details of installations never requested are
//         discarded — each with its key material deleted (src/dco, Dco.tick);
//   S1SP  5.24 an S1SP Required File Set not complete 24 hours after its first MVF is discarded with
//         its group information and commissioning keys (S1spFileHandling.tick);
//   CP    6.2 an MCF held 60 days is discarded (src/commissioning-party, tick).
//
// Each action is an event at the instant it was due. The installations' states do not change (their
// week has ended); files/orchestrator/timers.json reports, from the parties' stores, what each timer
// discarded and the key material the DCO still holds, for the summary. Restartable: a timer that has
// run is not due again (its set or MCF is discarded), and the report is read from the stores.
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { Dco, loadDcoKeys } from '../../dco/index.js';
import { setDeadlines } from '../../dco/timers.js';
import { tick as cpTick, MCF_HOLD_DAYS } from '../../commissioning-party/index.js';
import type { CommissioningRequestPort } from '../../core/commissioning-requests/index.js';
import { S1spFileHandling } from '../../s1sp/file-handling.js';
import type { Store } from '../../store/index.js';
import { weekCommissioningParty } from './cp-stage.js';
import type { StageOutcome, WeekStage } from './engine.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** TMAD 5.24: the S1SP Required File Set's timer. */
const S1SP_SET_HOURS = 24;

export const TIMERS_REPORT = 'orchestrator/timers.json';

/** What the week's timers discarded (files/orchestrator/timers.json). */
export interface TimersReport {
  until: string;
  dco: {
    /** Sets discarded, by clause (5.16, 5.18). */
    setsDiscarded: Record<string, number>;
    /** Sets whose never-requested installations' details were discarded (5.17). */
    unrequestedExpired: number;
    /** Key material the DCO still holds at the end (sealed). */
    keysHeld: number;
  };
  s1sp: { setsDiscarded: number };
  commissioningParty: { mcfsDiscarded: Record<string, number>; mcfsHeld: number };
}

export function timersStage(o: {
  store: Store;
  passphrase?: string;
  at: (week: string) => Date;
  takes: readonly string[];
}): WeekStage {
  return {
    name: 'week-timers',
    party: 'DCO',
    takes: o.takes,
    batchSize: Infinity,
    at: o.at,
    async run(ctx) {
      const store = o.store;
      const runDir = path.dirname(ctx.filesRoot);
      const estateDir = path.join(runDir, 'estate');
      const trust = await store.reference.data.trustStore();
      const until = ctx.at;
      let now = until;
      const dco = new Dco({
        store,
        keys: await loadDcoKeys(path.join(estateDir, 'group-keys'), o.passphrase),
        trust,
        passphrase: o.passphrase,
        clock: () => now,
      });
      const s1spParty = path.join(runDir, 'parties', 's1sp');
      const s1sp = new S1spFileHandling({
        store,
        trust,
        groupKeys: [],
        sealPassphrase: o.passphrase,
        heldDir: path.join(s1spParty, 'held'),
        scfDir: path.join(s1spParty, 'scf'),
      });
      // The Commissioning Party's tick sends due COFs and discards MCFs: it submits no request.
      const noRequests: CommissioningRequestPort = {
        submit: () => Promise.reject(new Error('TMAD 6.2: no Commissioning Request at a timer')),
      };
      const cpRepos = { cp: store.commissioningParty };
      const hasCp =
        (await readdir(path.join(estateDir, 'pki', 'commissioning-party')).catch(() => [])).length > 0;

      /** Every instant a timer of a party reaches, after `after` and no later than `until`. */
      const due = async (after: number): Promise<number[]> => {
        const t: number[] = [];
        for (const s of await store.dco.listSets()) {
          const d = setDeadlines(s);
          for (const x of [d.completeBy, d.firstRequestBy, d.unrequestedDiscardAt])
            if (x) t.push(x.getTime());
        }
        for (const s of await store.s1sp.listSets({ state: 'collecting' }))
          if (s.firstMvfAt) t.push(s.firstMvfAt.getTime() + S1SP_SET_HOURS * HOUR);
        for (const m of await store.commissioningParty.listMcfs())
          t.push(m.receivedAt.getTime() + MCF_HOLD_DAYS * DAY);
        return [...new Set(t)].filter((x) => x > after && x <= until.getTime()).sort((a, b) => a - b);
      };

      const events: StageOutcome['events'] = [];
      let last = -Infinity;
      for (let guard = 0; guard < 10_000; guard++) {
        const next = (await due(last))[0];
        if (next === undefined) break;
        last = next;
        now = new Date(next);
        for (const a of await dco.tick(now))
          events.push({
            at: now,
            party: 'DCO',
            groupId: a.set.groupId,
            installationId: null,
            outcome: a.action,
            step: a.clause,
            detail: {
              set: `${a.set.requestingPartyId}/${a.set.mcfCounter}/${a.set.groupId}`,
              reason: a.reason,
              keysDeleted: a.keysDeleted,
              ...(a.installations !== undefined ? { installations: a.installations } : {}),
            },
          });
        const t = await s1sp.tick(now);
        for (const d of t.discarded)
          events.push({
            at: now,
            party: 'S1SP',
            groupId: null,
            installationId: null,
            outcome: 'discard-set',
            step: 'TMAD 5.24',
            detail: { set: d.set, reason: d.reason },
          });
        if (hasCp) {
          const cp = await weekCommissioningParty(runDir, trust, now, noRequests, async () => undefined);
          const r = await cpTick(cp, cpRepos);
          for (const e of r.expired)
            events.push({
              at: now,
              party: 'Commissioning Party',
              groupId: null,
              installationId: null,
              outcome: 'discard-mcf',
              step: 'TMAD 6.2',
              detail: { mcf: e.fileName, receivedAt: e.receivedAt },
            });
        }
      }

      // The report, from the stores (whatever attempt ran the timers).
      const report: TimersReport = {
        until: until.toISOString(),
        dco: { setsDiscarded: {}, unrequestedExpired: 0, keysHeld: await store.dco.keyCount() },
        s1sp: { setsDiscarded: (await store.s1sp.listSets({ state: 'discarded' })).length },
        commissioningParty: { mcfsDiscarded: {}, mcfsHeld: 0 },
      };
      for (const s of await store.dco.listSets()) {
        if (s.discardedAt && s.discardClause)
          report.dco.setsDiscarded[s.discardClause] = (report.dco.setsDiscarded[s.discardClause] ?? 0) + 1;
        if (s.unrequestedExpiredAt) report.dco.unrequestedExpired++;
      }
      for (const m of await store.commissioningParty.listMcfs({ includeDiscarded: true })) {
        if (!m.discardedAt) {
          report.commissioningParty.mcfsHeld++;
          continue;
        }
        const clause = m.discardReason?.match(/^TMAD [0-9.()a-z]+/)?.[0] ?? 'other';
        const k = /60 days/.test(m.discardReason ?? '') ? `${clause} (60 days)` : clause;
        report.commissioningParty.mcfsDiscarded[k] = (report.commissioningParty.mcfsDiscarded[k] ?? 0) + 1;
      }
      await ctx.writeFile(TIMERS_REPORT, JSON.stringify(report, null, 2) + '\n');
      return { changes: [], events };
    },
  };
}
