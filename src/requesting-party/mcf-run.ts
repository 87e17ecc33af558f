// One `rp build-mcf` run on the store (TMAD 4.16-4.48, 5.6, 5.8, 10.2): the valid MAs the MCC recorded,
// the SMSO's inventory and the reference data go through the gates (mcf-builder.ts); the signed MCFs are
// written (mcf-files.ts) with MCFCounters from the store (5.6), and every installation's outcome is
// recorded under one run id (migration 007). The CLI (`s1mig rp build-mcf`) and the migration chain
// (src/orchestrator) both call this function.
import { randomUUID } from 'node:crypto';
import type { SmsoInstallation } from '../core/formats/smso/inventory.js';
import type { Store } from '../store/index.js';
import { authorisationRowOf, buildMigrationCommonFiles, summarisePlan, type McfPlan } from './mcf-builder.js';
import { writeMigrationCommonFiles, type McfSigner, type WrittenMcf } from './mcf-files.js';
import type { AuthorisationRow } from './gates.js';

export interface McfRunInput {
  /** The Migration Week, its Monday YYYY-MM-DD. */
  week: string;
  /** Only this day of the week (MAM 7.2.3). */
  day?: string;
  smso: string;
  inventory: Iterable<SmsoInstallation>;
  /** The requestingPartyFileSigning key and its certificate's Entity Identifier (Table 5.5). */
  signer: McfSigner & { requestingPartyId: string };
  outDir: string;
  /** The time the reference data is read at. */
  at: Date;
}

export interface McfRun {
  runId: string;
  plan: McfPlan;
  files: WrittenMcf[];
  summary: ReturnType<typeof summarisePlan>;
}

/** The rows of every accepted MA in the store, as the gates read them. */
export async function storedAuthorisations(store: Store): Promise<AuthorisationRow[]> {
  const out: AuthorisationRow[] = [];
  for (const ma of await store.receivedMas.list())
    if (ma.outcome === 'accepted')
      for (const r of await store.receivedMas.rows(ma.id)) out.push(authorisationRowOf(ma, r));
  return out;
}

/**
 * Build, sign and write the week's MCFs for one SMSO and record every outcome. Throws McfWriteError when
 * a file of an MCF's name exists (nothing replaced).
 */
export async function buildAndRecordMcfs(
  store: Store,
  input: McfRunInput,
  authorisations?: readonly AuthorisationRow[],
): Promise<McfRun> {
  const { week, day, smso, at, signer } = input;
  const plan = await buildMigrationCommonFiles({
    week,
    ...(day !== undefined ? { day } : {}),
    smso,
    inventory: input.inventory,
    authorisations: authorisations ?? (await storedAuthorisations(store)),
    reference: store.reference.data,
    at,
    // TMAD 4.23, 4.23A: the stop requests received by the time of the build.
    stopRequests: await store.stopRequests.list({ until: at }),
    // TMAD 4.32, 4.32A: the week's responses to the Dormant Meter Migration Schedule that count (a
    // supplier replaced by a re-notified new one after a change of supplier no longer answers, 4.29/4.30).
    dormantResponses: await store.dormantResponses.listInForce(week),
  });
  const files = await writeMigrationCommonFiles(plan, {
    requestingPartyId: signer.requestingPartyId,
    signer,
    counters: { next: (id, ft) => store.rpOutcomes.nextCounter(id, ft) },
    outDir: input.outDir,
  });
  const runId = randomUUID();
  await store.rpOutcomes.record(
    plan.outcomes.map((x) => ({
      runId,
      builtAt: at,
      requestingPartyId: signer.requestingPartyId,
      migrationWeek: week,
      smso,
      chfDeviceId: x.chfDeviceId,
      mpan: x.mpan,
      mprn: x.mprn,
      outcome: x.outcome,
      rule: x.rule,
      reason: x.reason,
      groupId: x.groupId,
      migrateOn: x.migrateOn,
      mcfCounter: x.mcf === null ? null : files[x.mcf]!.mcfCounter,
      mcfFile: x.mcf === null ? null : files[x.mcf]!.name,
      notes: x.notes,
    })),
  );
  return { runId, plan, files, summary: summarisePlan(plan) };
}
