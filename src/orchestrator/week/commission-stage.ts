// Stage `s1sp-commission` (S1SP with the DCO; TMAD 5.27, 5.28): the S1SP commissions each S1SP
// Viable Installation (src/s1sp/commissioning: the 'S1SP / DCO Commissioning' table of its GroupID,
// Appendices A-C, Installation Rollback on a Critical failure) against the simulated SMETS1 devices of
// the week's estate (src/estate/devices, with the run's fault rules), asking the real DCO (src/dco, its
// DcoRequests) for what only the DCO can do, with the commissioning keys sealed in the store
// (createStoredKeyStore, deleted on rollback). It then writes the signed SCFs (5.28) and the engine
// delivers them to the Requesting Party and the Commissioning Party or Responsible Suppliers.
// Restartable: each outcome is recorded in the S1SP's store as it is known, a re-run commissions only
// the installations still waiting, the SCFs are kept in parties/s1sp/scf and written again (recognised
// by SHA-256), and every installation's state is read from the store, never from one attempt.
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { Dco, loadDcoKeys } from '../../dco/index.js';
import { planEstate, type EstateProblem } from '../../estate/estate.js';
import {
  createSimulatedEstate,
  parseFaultRule,
  simulatedInstallationsOf,
  type FaultRule,
} from '../../estate/devices/index.js';
import { parseCertificate } from '../../core/pki/index.js';
import { loadPrivateKey } from '../../files/trust-store.js';
import { mailboxDirectory, type MailboxAddress } from '../../files/mailbox.js';
import { S1spFileHandling } from '../../s1sp/file-handling.js';
import { createCommissioner } from '../../s1sp/commissioning/index.js';
import { createStoredKeyStore } from '../../s1sp/commissioning/key-store.js';
import type { Store } from '../../store/index.js';
import type { StageOutcome, WeekStage } from './engine.js';

/**
 * The fault rules a demo week applies to the simulated devices by default: about 1 % of the
 * installations, over a few Appendix error codes (docs/WEEK.md, docs/S1SP-COMMISSIONING.md).
 */
export const DEMO_WEEK_FAULTS: readonly string[] = ['ET05@0.004', 'ET08@0.003', 'GT02@0.002', 'DP01@0.001'];

/** Parse fault rules (`CODE[.SUBSTEP][@RATE|@chf=ID]`); the first problem is thrown as a RangeError. */
export function parseFaultRules(texts: readonly string[]): FaultRule[] {
  return texts.map((t) => {
    const r = parseFaultRule(t);
    if (typeof r === 'string') throw new RangeError(r);
    return r;
  });
}

export function commissionStage(o: {
  store: Store;
  passphrase?: string;
  at: (week: string) => Date;
}): WeekStage {
  return {
    name: 's1sp-commission',
    party: 'S1SP',
    takes: ['s1sp-viable'],
    batchSize: Infinity,
    at: o.at,
    async run(ctx, batch) {
      const runDir = path.dirname(ctx.filesRoot);
      const estateDir = path.join(runDir, 'estate');
      const options = ctx.options as {
        installations?: number;
        problems?: Partial<Record<EstateProblem, number>>;
        faults?: string[];
      };
      const plan = planEstate({
        installations: options.installations ?? batch.length,
        seed: ctx.seed,
        ...(options.problems ? { problems: options.problems } : {}),
      });
      // The MGF's DeviceCertificate (EA, EB, EC) is the CHF's own (docs/RP-GROUP-FILES.md).
      const certs = new Map<string, string>();
      const details = await readFile(path.join(estateDir, 'requesting-party', 'chf-details.csv'), 'utf8');
      for (const line of details.split('\n').slice(1)) {
        const f = line.split(',');
        if (f.length >= 7 && f[6]) certs.set(f[0]!, f[6]);
      }
      const wanted = new Set(batch.map((i) => i.installationId));
      const estate = createSimulatedEstate({
        seed: ctx.seed,
        now: () => ctx.at,
        faults: parseFaultRules(options.faults ?? DEMO_WEEK_FAULTS),
        installations: simulatedInstallationsOf(plan)
          .filter((i) => wanted.has(i.installation.chfDeviceId))
          .map((i) =>
            /^E[ABC]$/.test(i.groupId) && certs.has(i.installation.chfDeviceId)
              ? { ...i, deviceCertificate: certs.get(i.installation.chfDeviceId)! }
              : i,
          ),
      });
      const dco = new Dco({
        store: o.store,
        keys: await loadDcoKeys(path.join(estateDir, 'group-keys'), o.passphrase),
        trust: await o.store.reference.data.trustStore(),
        passphrase: o.passphrase,
        clock: () => ctx.at,
      });
      const commission = createCommissioner({
        headEnd: estate.headEnd,
        inventory: estate.inventory,
        keyStore: createStoredKeyStore(o.store.s1spKeys),
        passphrase: o.passphrase,
      });
      const pki = path.join(estateDir, 'pki', 's1sp');
      const signer = {
        key: await loadPrivateKey(path.join(pki, 's1SPMigrationSigning.key.pem')),
        cert: parseCertificate(await readFile(path.join(pki, 's1SPMigrationSigning.cert.pem'), 'latin1')),
      };
      const party = path.join(runDir, 'parties', 's1sp');
      const scfDir = path.join(party, 'scf');
      const s1sp = new S1spFileHandling({
        store: o.store,
        trust: await o.store.reference.data.trustStore(),
        groupKeys: [],
        sealPassphrase: o.passphrase,
        heldDir: path.join(party, 'held'),
        scfDir,
        signer,
        commission,
        dco,
      });
      const tick = await s1sp.commissionWaiting(ctx.at);
      const events: StageOutcome['events'] = tick.problems.map((p) => ({
        party: 'S1SP',
        groupId: null,
        installationId: null,
        outcome: 'scf-not-written',
        step: p.rule,
        detail: { set: p.set, message: p.message },
      }));

      // TMAD 5.28(a)-(c): every SCF the S1SP wrote (this attempt or one cut short) into the mailboxes.
      const sets = await o.store.s1sp.listSets();
      const state = new Map<string, { state: string; step: string | null; rolledBack: boolean }>();
      const scfTo = new Map<string, MailboxAddress[]>();
      for (const set of sets)
        for (const i of await o.store.s1sp.installations(set.id)) {
          state.set(i.chfIdentifier, {
            state: i.state,
            step: i.failedChecks[0] ? `TMAD ${i.failedChecks[0].failedStepNumber}` : null,
            rolledBack: i.detail['rolledBack'] === true,
          });
          if (i.scfFile && !scfTo.has(i.scfFile) && set.mcf) {
            const to: MailboxAddress[] = [{ role: 'requesting-party', party: set.requestingPartyId }];
            if (set.mcf.toBeCommissionedByDcc)
              to.push({ role: 'commissioning-party', party: set.mcf.commissioningPartyIdentifier ?? 'DCC' });
            else
              for (const s of set.mcf.responsibleSuppliers)
                to.push({ role: 'responsible-supplier', party: s });
            scfTo.set(i.scfFile, to);
          }
        }
      const present = new Set(await readdir(scfDir).catch(() => [] as string[]));
      for (const [name, to] of [...scfTo].sort(([a], [b]) => (a < b ? -1 : 1))) {
        if (!present.has(name)) continue;
        const bytes = await readFile(path.join(scfDir, name));
        for (const a of to) {
          const box = mailboxDirectory(path.join(ctx.filesRoot, 'mailboxes'), a);
          const w = await ctx.writeFile(path.relative(ctx.filesRoot, path.join(box, 'inbox', name)), bytes);
          events.push({
            party: 'S1SP',
            groupId: null,
            installationId: null,
            outcome: 'scf-delivered',
            file: path.relative(ctx.filesRoot, w.path).split(path.sep).join('/'),
            sha256: w.sha256,
          });
        }
      }

      const changes: StageOutcome['changes'] = [];
      for (const i of batch) {
        const s = state.get(i.installationId);
        // 5.27(c): commissioned by the S1SP (a migrated installation; cp-stage.ts next); 5.27(b): failed at its FailedStepNumber,
        // rolled back when the group's Installation Rollback ran (12.10, 15.10, 16.11).
        const next =
          s?.state === 'commissioned'
            ? 's1sp-commissioned'
            : s?.state === 'commissioning-failed' && s.rolledBack
              ? 'rolled-back'
              : 'failed';
        const step =
          next === 's1sp-commissioned' ? null : (s?.step ?? 'TMAD 5.27 (no commissioning outcome)');
        changes.push({
          installationId: i.installationId,
          state: next,
          ...(step ? { failedStep: step } : {}),
        });
        events.push({
          party: 'S1SP',
          groupId: i.groupId,
          installationId: i.installationId,
          outcome: next,
          ...(step ? { step } : {}),
        });
      }
      return { changes, events };
    },
  };
}
