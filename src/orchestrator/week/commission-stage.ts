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
import type { StageContext, StageOutcome, WeekStage } from './engine.js';
import type { KeyObject } from 'node:crypto';
import type { OrganisationCertificate } from '../../core/pki/index.js';
import { createSealer, type Sealer } from '../../lib/crypto/seal.js';

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

/**
 * Installations per commissioning job: jobs of one stage run side by side on several PostgreSQL
 * workers, and each job's SCFs report its own installations (TMAD 5.28 allows several SCFs per set).
 */
export const COMMISSION_BATCH = 250;

/**
 * The installations a job reports in its SCFs (TMAD 5.28): its batch, and the Table 5.25 failures
 * (received, never commissioned) of each set whose smallest other CHFIdentifier is in the batch; the
 * sets with nothing but such failures go with the batch holding the smallest such CHFIdentifier of all.
 * Exactly one job of the stage reports each installation, whichever order the jobs run in.
 */
export function reportedBy(
  batch: ReadonlySet<string>,
  sets: ReadonlyArray<ReadonlyArray<{ chfIdentifier: string; state: string }>>,
): Set<string> {
  const out = new Set(batch);
  const least = (xs: readonly string[]): string | undefined =>
    xs.reduce<string | undefined>((m, x) => (m === undefined || x < m ? x : m), undefined);
  const overall = least(
    sets.flatMap((rows) => rows.filter((r) => r.state !== 'failed').map((r) => r.chfIdentifier)),
  );
  for (const rows of sets) {
    const owner = least(rows.filter((r) => r.state !== 'failed').map((r) => r.chfIdentifier)) ?? overall;
    if (owner !== undefined && batch.has(owner))
      for (const r of rows) if (r.state === 'failed') out.add(r.chfIdentifier);
  }
  return out;
}

interface Shared {
  key: string;
  dco: Dco;
  installations: ReturnType<typeof simulatedInstallationsOf>;
  certs: Map<string, string>;
  trust: Awaited<ReturnType<Store['reference']['data']['trustStore']>>;
  signer: { key: KeyObject; cert: OrganisationCertificate };
  sealer: Sealer | undefined;
}

export function commissionStage(o: {
  store: Store;
  passphrase?: string;
  at: (week: string) => Date;
}): WeekStage {
  // Read once per process, shared by its jobs: the estate's plan, the MGF's device certificates, the
  // DCO's keys, the trust store, the S1SP's signer and one sealer (one scrypt, not one per job).
  let sharedOf: { key: string; value: Promise<Shared> } | undefined;
  const keyOf = (ctx: StageContext): string => `${ctx.runId}|${ctx.filesRoot}|${ctx.at.toISOString()}`;
  async function loadShared(ctx: StageContext, key: string): Promise<Shared> {
    const estateDir = path.join(path.dirname(ctx.filesRoot), 'estate');
    const options = ctx.options as {
      installations?: number;
      problems?: Partial<Record<EstateProblem, number>>;
    };
    const plan = planEstate({
      installations: options.installations ?? 0,
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
    const pki = path.join(estateDir, 'pki', 's1sp');
    const trust = await o.store.reference.data.trustStore();
    const at = ctx.at;
    return {
      key,
      installations: simulatedInstallationsOf(plan),
      certs,
      // The DCO answers the S1SP's DcoRequests at the stage's time (the same for every job).
      dco: new Dco({
        store: o.store,
        keys: await loadDcoKeys(path.join(estateDir, 'group-keys'), o.passphrase),
        trust,
        passphrase: o.passphrase,
        clock: () => at,
      }),
      trust,
      signer: {
        key: await loadPrivateKey(path.join(pki, 's1SPMigrationSigning.key.pem')),
        cert: parseCertificate(await readFile(path.join(pki, 's1SPMigrationSigning.cert.pem'), 'latin1')),
      },
      sealer: o.passphrase === undefined ? undefined : createSealer(o.passphrase),
    };
  }
  const stage: WeekStage = {
    name: 's1sp-commission',
    party: 'S1SP',
    takes: ['s1sp-viable'],
    batchSize: COMMISSION_BATCH,
    // An MCF's installations together (one S1SP Required File Set per SMSO and GroupID in the week).
    batchKey: (i) => `${i.smso}|${i.groupId}`,
    at: o.at,
    async run(ctx, batch) {
      const runDir = path.dirname(ctx.filesRoot);
      if (sharedOf?.key !== keyOf(ctx)) {
        const key = keyOf(ctx);
        sharedOf = {
          key,
          value: loadShared(ctx, key).catch((e: unknown) => {
            sharedOf = undefined;
            throw e;
          }),
        };
      }
      const shared = await sharedOf.value;
      const wanted = new Set(batch.map((i) => i.installationId));
      const options = ctx.options as { faults?: string[] };
      const estate = createSimulatedEstate({
        seed: ctx.seed,
        now: () => ctx.at,
        faults: parseFaultRules(options.faults ?? DEMO_WEEK_FAULTS),
        installations: shared.installations
          .filter((i) => wanted.has(i.installation.chfDeviceId))
          .map((i) =>
            /^E[ABC]$/.test(i.groupId) && shared.certs.has(i.installation.chfDeviceId)
              ? { ...i, deviceCertificate: shared.certs.get(i.installation.chfDeviceId)! }
              : i,
          ),
      });
      const dco = shared.dco;
      const commission = createCommissioner({
        headEnd: estate.headEnd,
        inventory: estate.inventory,
        keyStore: createStoredKeyStore(o.store.s1spKeys),
        passphrase: o.passphrase,
        ...(shared.sealer ? { sealer: shared.sealer } : {}),
      });
      const signer = shared.signer;
      const party = path.join(runDir, 'parties', 's1sp');
      const scfDir = path.join(party, 'scf');
      const s1sp = new S1spFileHandling({
        store: o.store,
        trust: shared.trust,
        groupKeys: [],
        sealPassphrase: o.passphrase,
        heldDir: path.join(party, 'held'),
        scfDir,
        signer,
        commission,
        dco,
      });
      const sets = await o.store.s1sp.listSets();
      const rowsOf = new Map<number, Awaited<ReturnType<Store['s1sp']['installations']>>>();
      for (const set of sets) rowsOf.set(set.id, await o.store.s1sp.installations(set.id));
      const only = reportedBy(wanted, [...rowsOf.values()]);
      const tick = await s1sp.commissionWaiting(ctx.at, { only });
      const events: StageOutcome['events'] = tick.problems.map((p) => ({
        party: 'S1SP',
        groupId: null,
        installationId: null,
        outcome: 'scf-not-written',
        step: p.rule,
        detail: { set: p.set, message: p.message },
      }));

      // TMAD 5.28(a)-(c): every SCF the S1SP wrote (this attempt or one cut short) into the mailboxes.
      const state = new Map<string, { state: string; step: string | null; rolledBack: boolean }>();
      const scfTo = new Map<string, MailboxAddress[]>();
      for (const set of sets)
        for (const i of await o.store.s1sp.installations(set.id)) {
          if (!only.has(i.chfIdentifier)) continue;
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
  // Each installation's steps write the S1SP's keys, the DCO's records and the outcome one by one;
  // synced together at the job's commit (a lost job is commissioned again, docs/WEEK.md), not each alone.
  const run = stage.run.bind(stage);
  return { ...stage, run: (ctx, batch) => o.store.deferredSync(() => run(ctx, batch)) };
}
