// Stage `s1sp-receive` (S1SP; TMAD 5.22-5.25): the S1SP takes the MCFs, MVFs, MGFs and MEFs in its
// mailbox (files/mailboxes/s1sp/<id>/inbox, TMAD 9) with its own function (src/s1sp/file-handling.ts,
// the one `s1mig s1sp receive` calls): Table 5.9 as the S1SP, the group information decrypted with
// its group keys and sealed (5.23), each S1SP Required File Set completed and Table 5.25 run on it.
// Each installation is then an S1SP Viable Installation, or failed at its Table 5.25 step. The S1SP's
// commissioning (5.27) and its SCFs (5.28) are the next stage (commission-stage.ts).
// Restartable: the S1SP recognises bytes it received before (TMAD 5.9.5-5.9.9), its held files live
// in the run's directory (parties/s1sp/), and the outcome is read from its store, never from the
// receipts of one attempt.
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import type { KeyObject } from 'node:crypto';
import { S1spFileHandling } from '../../s1sp/file-handling.js';
import { loadPrivateKey } from '../../files/trust-store.js';
import type { Store } from '../../store/index.js';
import type { StageOutcome, WeekStage } from './engine.js';

export function s1spStage(o: { store: Store; passphrase?: string; at: (week: string) => Date }): WeekStage {
  return {
    name: 's1sp-receive',
    party: 'S1SP',
    takes: ['dco-viable'],
    batchSize: Infinity,
    at: o.at,
    async run(ctx, batch) {
      const runDir = path.dirname(ctx.filesRoot);
      const boxes = path.join(ctx.filesRoot, 'mailboxes', 's1sp');
      const files: string[] = [];
      for (const id of (await readdir(boxes).catch(() => [] as string[])).sort()) {
        const inbox = path.join(boxes, id, 'inbox');
        for (const n of (await readdir(inbox)).filter((x) => x.endsWith('.xml')))
          files.push(path.join(inbox, n));
      }
      // TMAD 5.24: the MVF starts each set's 24 hours; MCF, MGF, MEF follow (names sort within a type).
      const rank = (f: string): number =>
        ['MVF', 'MCF', 'MGF', 'MEF'].indexOf(path.basename(f).slice(0, 3)) + 1 || 9;
      files.sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
      const keyDir = path.join(runDir, 'estate', 'group-keys');
      const groupKeys: KeyObject[] = [];
      for (const n of (await readdir(keyDir))
        .filter((x) => x.startsWith('S1SP-') && x.endsWith('.key.pem'))
        .sort())
        groupKeys.push(await loadPrivateKey(path.join(keyDir, n)));
      const party = path.join(runDir, 'parties', 's1sp');
      const s1sp = new S1spFileHandling({
        store: o.store,
        trust: await o.store.reference.data.trustStore(),
        groupKeys,
        sealPassphrase: o.passphrase,
        heldDir: path.join(party, 'held'),
        scfDir: path.join(party, 'scf'),
      });
      const events: StageOutcome['events'] = [];
      const { reports } = await s1sp.receive(files, ctx.at);
      // A file refused after Table 5.9 accepted it is refused again on a re-run (its set does not hold
      // it, so its receipt goes on): only bytes the S1SP already has ("nothing to do") give no event.
      for (const r of reports)
        if ((!r.accepted || r.problem) && r.problem?.rule !== 'TMAD 5.9.5-5.9.9')
          events.push({
            party: 'S1SP',
            groupId: null,
            installationId: null,
            outcome: 'file-refused',
            step: r.problem?.rule ?? r.verdict.failedStep ?? null,
            file: path.relative(ctx.filesRoot, r.file).split(path.sep).join('/'),
            detail: { message: r.problem?.message ?? null },
          });
      const state = new Map<string, { state: string; step: string | null }>();
      for (const set of await o.store.s1sp.listSets())
        for (const i of await o.store.s1sp.installations(set.id))
          state.set(i.chfIdentifier, {
            state: i.state,
            step: i.failedChecks[0] ? `TMAD ${i.failedChecks[0].failedStepNumber}` : null,
          });
      const changes: StageOutcome['changes'] = [];
      for (const i of batch) {
        const s = state.get(i.installationId);
        // S1SP Viable (5.25): in a complete S1SP Required File Set, passing Table 5.25.
        const step =
          s?.state === 'viable' ? null : (s?.step ?? 'TMAD 5.24 (not in a complete S1SP Required File Set)');
        changes.push({
          installationId: i.installationId,
          state: step === null ? 's1sp-viable' : 'failed',
          ...(step === null ? {} : { failedStep: step }),
        });
        events.push({
          party: 'S1SP',
          groupId: i.groupId,
          installationId: i.installationId,
          outcome: step === null ? 's1sp-viable' : 'failed',
          ...(step === null ? {} : { step }),
        });
      }
      return { changes, events };
    },
  };
}
