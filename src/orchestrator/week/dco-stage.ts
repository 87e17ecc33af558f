// Stage `dco-receive` (DCO; TMAD 5.13-5.19): the DCO takes the MCFs, MVFs and MEFs the DCC and the
// Requesting Party delivered to its mailbox (files/mailboxes/dco/DCO/inbox, TMAD 9), with its own
// function (src/dco, the one `s1mig dco receive` calls): Table 5.9 as the DCO, the MEF's keys decrypted
// and sealed, each DCO Required File Set completed (5.19). Each installation is then DCO Viable, or
// failed at the 5.19 step the DCO names. Restartable: the DCO recognises bytes it received before
// ("already-received", TMAD 5.9.5-5.9.9) and the outcome is read from its store (`status`), never from
// the receipts of one attempt.
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { Dco, loadDcoKeys } from '../../dco/index.js';
import type { Store } from '../../store/index.js';
import type { StageOutcome, WeekStage } from './engine.js';

export function dcoStage(o: { store: Store; passphrase?: string; at: (week: string) => Date }): WeekStage {
  return {
    name: 'dco-receive',
    party: 'DCO',
    takes: ['in-mef'],
    batchSize: Infinity,
    at: o.at,
    async run(ctx, batch) {
      const runDir = path.dirname(ctx.filesRoot);
      const inbox = path.join(ctx.filesRoot, 'mailboxes', 'dco', 'DCO', 'inbox');
      const names = (await readdir(inbox).catch(() => [] as string[])).filter((n) => n.endsWith('.xml'));
      // The MVF first starts each set's 24-hour timer (5.18); every file arrives within it.
      const rank = (n: string): number => (n.startsWith('MVF') ? 0 : n.startsWith('MCF') ? 1 : 2);
      names.sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
      const dco = new Dco({
        store: o.store,
        keys: await loadDcoKeys(path.join(runDir, 'estate', 'group-keys'), o.passphrase),
        trust: await o.store.reference.data.trustStore(),
        passphrase: o.passphrase,
        clock: () => ctx.at,
      });
      const events: StageOutcome['events'] = [];
      for (const n of names) {
        const r = await dco.receive(path.join(inbox, n), ctx.at);
        if (r.outcome === 'refused')
          events.push({
            party: 'DCO',
            groupId: r.set?.groupId ?? null,
            installationId: null,
            outcome: 'file-refused',
            step: r.clause,
            file: `mailboxes/dco/DCO/inbox/${n}`,
            detail: { reason: r.reason },
          });
      }
      const viable = new Set<string>();
      const failed = new Map<string, string>();
      for (const s of await dco.status()) {
        for (const c of s.viable) viable.add(c);
        for (const x of s.notViable) failed.set(x.chfIdentifier, x.failures[0]?.step ?? 'TMAD 5.19');
      }
      const changes: StageOutcome['changes'] = [];
      for (const i of batch) {
        // DCO Viable (5.19): in the MCF, the MVF with no FailedCheck and the MEF, passing 5.19(c).
        const step = viable.has(i.installationId)
          ? null
          : (failed.get(i.installationId) ?? 'TMAD 5.19(a) (not in a complete DCO Required File Set)');
        changes.push({
          installationId: i.installationId,
          state: step === null ? 'dco-viable' : 'failed',
          ...(step === null ? {} : { failedStep: step }),
        });
        events.push({
          party: 'DCO',
          groupId: i.groupId,
          installationId: i.installationId,
          outcome: step === null ? 'dco-viable' : 'failed',
          ...(step === null ? {} : { step }),
        });
      }
      return { changes, events };
    },
  };
}
