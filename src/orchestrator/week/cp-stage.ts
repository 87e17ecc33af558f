// Stage `cp-commission` (Commissioning Party, or the Responsible Supplier; TMAD 6, 8): the second half
// of an installation's commissioning, after the S1SP's (5.27, 5.28).
//
// - ToBeCommissionedByDCC = True: the Commissioning Party takes the MCFs and SCFs in its mailbox
//   (files/mailboxes/commissioning-party/<id>/inbox, TMAD 9) with its own function
//   (src/commissioning-party, the one `s1mig cp receive` calls): Table 5.9 as the Authenticator (6.1),
//   the MCF held (6.2), the checks of 6.3(a)-(c), the Table 6.3 requests in sequence with the Table
//   8.7.4 values against the DCC's handling of Commissioning Requests (src/dcc: Tables 8.7.1 and 8.7.3,
//   the zero anomaly threshold of 3.14, the Smart Metering Inventory, the S1SP Alert S1MC1 of 6.5 /
//   Table 6.5), and the signed COFs with their COFCounter (6.3(d), 6.4), which the engine delivers to
//   the Requesting Party and the Supplier Party (6.4(b)).
// - ToBeCommissionedByDCC = False: each Responsible Supplier takes the MCF and SCFs in its own mailbox
//   (5.10(a), 5.28(c)) and commissions its installations itself (6.6, src/supplier/self-commissioning),
//   with Service Requests signed by its supplier certificate; no COF is written (6.6).
//
// An installation is `commissioned` once its Table 6.3 sequence ran to its end (Commission Device
// answered: the COF reports it, its Handover errors as FailedChecks, 8.6); `commissioning-halted` at
// the request whose error Response halted it (8.6; the Commissioning Party raised an Incident; `s1mig
// cp resume --incident-resolved` carries on), its failedStep the clause and Response Code.
//
// TMAD 3.3(a): only the S1SP adds a SMETS1 CHF to the Smart Metering Inventory. The simulated estate
// answers the S1SP's instruction (Appendix A A4, B5, C4 DP01) in memory; this stage first records, as
// the DCC, the CHF and the GPF of every installation the S1SP commissioned in the store's Smart
// Metering Inventory (docs/SPEC-DECISIONS.md), so that Table 8.7.1 C4/C5 find them.
//
// Restartable: Table 5.9 on the same bytes returns the earlier verdict and the Commissioning Party
// carries on with an accepted file whose processing was cut short (an MCF not yet held, an SCF with
// installations still awaiting it); an outcome is recorded before its installation's state, a COF as
// sent before its file is written (and written again when missing); the COFs live in
// parties/commissioning-party/cof and are delivered again (recognised by SHA-256); the DCC's handling
// of a request submitted twice leaves the inventory as once; the week states are read from the
// Commissioning Party's store and, for 6.6, from the supplier's results of this attempt.
import { createReadStream } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import {
  cofRecipients,
  receiveFiles,
  sentCofs,
  type CommissioningPartyOptions,
} from '../../commissioning-party/index.js';
import type {
  CommissioningRequestPort,
  CpInstallationState,
} from '../../core/commissioning-requests/index.js';
import {
  iterateMigrationFile,
  parseMigrationFileName,
  type FailedCheck,
  type McfInstallation,
} from '../../core/formats/migration-files/index.js';
import { parseCertificate, type TrustStore } from '../../core/pki/index.js';
import {
  commissioningRegistrationOf,
  dccCommissioningRequestPort,
  type DccCommissioningOptions,
} from '../../dcc/commissioning-requests.js';
import { loadPrivateKey } from '../../files/trust-store.js';
import { mailboxDirectory } from '../../files/mailbox.js';
import type { Store } from '../../store/index.js';
import { selfCommission, type SelfCommissionedInstallation } from '../../supplier/self-commissioning.js';
import type { StageOutcome, WeekStage } from './engine.js';

const rel = (root: string, p: string): string => path.relative(root, p).split(path.sep).join('/');

async function xmlFilesIn(dir: string): Promise<string[]> {
  return (await readdir(dir).catch(() => [] as string[]))
    .filter((n) => n.endsWith('.xml'))
    .sort()
    .map((n) => path.join(dir, n));
}

/** A FailedCheck as the summary's step: `TMAD 6.3.13 E4` (the clause, then the Response Code). */
const stepOf = (f: FailedCheck): string =>
  `TMAD ${f.failedStepNumber}${f.supportingData?.errorCode ? ` ${f.supportingData.errorCode}` : ''}`;

/** The week's Commissioning Party (its certificates from the estate, its files in parties/commissioning-party). */
export async function weekCommissioningParty(
  runDir: string,
  trust: TrustStore,
  now: Date,
  dcc: CommissioningRequestPort,
  supplierPartyOf: (userId: string) => Promise<string | undefined>,
): Promise<CommissioningPartyOptions> {
  const pki = path.join(runDir, 'estate', 'pki', 'commissioning-party');
  const party = path.join(runDir, 'parties', 'commissioning-party');
  return {
    trust,
    now,
    fileSigner: {
      certificate: parseCertificate(
        await readFile(path.join(pki, 'commissioningPartyFileSigning.cert.pem'), 'latin1'),
      ),
      privateKey: await loadPrivateKey(path.join(pki, 'commissioningPartyFileSigning.key.pem')),
    },
    requestSigner: parseCertificate(
      await readFile(path.join(pki, 'commissioningPartyXmlSigning.cert.pem'), 'latin1'),
    ),
    dcc,
    heldDir: path.join(party, 'held'),
    outDir: path.join(party, 'cof'),
    // 6.4: a COF per SCF at once (the week's clock does not wait for a batch).
    batchMinutes: 0,
    supplierPartyOf,
  };
}

export function cpStage(o: { store: Store; at: (week: string) => Date }): WeekStage {
  return {
    name: 'cp-commission',
    party: 'Commissioning Party',
    takes: ['s1sp-commissioned'],
    batchSize: Infinity,
    at: o.at,
    async run(ctx, batch) {
      const store = o.store;
      const runDir = path.dirname(ctx.filesRoot);
      const estateDir = path.join(runDir, 'estate');
      const boxes = path.join(ctx.filesRoot, 'mailboxes');
      const trust = await store.reference.data.trustStore();
      const data = store.reference.data;
      const partyOf = async (u: string): Promise<string | undefined> =>
        (await data.partyOfUserId(u))?.partySignifier;
      const events: StageOutcome['events'] = [];
      const alerts = new Map<string, number>();
      const dccOptions = (requester: DccCommissioningOptions['requester']): DccCommissioningOptions => ({
        requester,
        inventory: store.smartMeteringInventory,
        registration: commissioningRegistrationOf(data),
        now: () => ctx.at,
        // TMAD 3.14: a request that is not a Commissioning Request exceeds the threshold of 0.
        onAnomaly: (a) => {
          events.push({
            party: 'DCC',
            groupId: null,
            installationId: null,
            outcome: 'anomaly-quarantined',
            step: 'TMAD 3.14',
            detail: { ...a, at: a.at.toISOString() },
          });
        },
        // TMAD 6.5, Table 6.5: the S1SP Alert S1MC1 after each successful Commission Device.
        onResponse: (_r, response) => {
          if (!response.alert) return;
          const chf = response.alert.additionalInformation.split(':')[1] ?? '';
          alerts.set(chf.toUpperCase(), (alerts.get(chf.toUpperCase()) ?? 0) + 1);
        },
      });

      // TMAD 3.3(a) as the DCC: the S1SP's CHFs (and their GPFs) in the Smart Metering Inventory.
      const wanted = new Set(batch.map((i) => i.installationId.toUpperCase()));
      for (const mcf of await xmlFilesIn(path.join(boxes, 'dcc', 'DCC', 'inbox'))) {
        if (!path.basename(mcf).startsWith('MCF_')) continue;
        for await (const item of iterateMigrationFile(createReadStream(mcf), { expect: 'MCF' })) {
          if (item.kind !== 'installation') continue;
          const inst = item.installation as McfInstallation;
          const chf = inst.chfDetail.deviceId.toUpperCase();
          if (!wanted.has(chf)) continue;
          if ((await store.smartMeteringInventory.device(chf))?.status !== 'Commissioned')
            await store.smartMeteringInventory.put({
              deviceId: chf,
              deviceType: 'CHF',
              status: 'Commissioned',
            });
          const gpf = inst.gpfDetail.deviceId.toUpperCase();
          if ((await store.smartMeteringInventory.device(gpf))?.status !== 'Commissioned')
            await store.smartMeteringInventory.put({
              deviceId: gpf,
              deviceType: 'GPF',
              status: 'Commissioned',
              chfDeviceId: chf,
            });
        }
      }

      // ---- ToBeCommissionedByDCC = True: the Commissioning Party (TMAD 6.1-6.5) -------------------
      const cpOpts = await weekCommissioningParty(
        runDir,
        trust,
        ctx.at,
        dccCommissioningRequestPort(dccOptions('commissioning-party')),
        partyOf,
      );
      const repos = {
        counters: store.counters,
        incidents: store.incidents,
        acceptedFiles: store.acceptedFiles,
        cp: store.commissioningParty,
      };
      const cpFiles: string[] = [];
      for (const id of (
        await readdir(path.join(boxes, 'commissioning-party')).catch(() => [] as string[])
      ).sort()) {
        const files = await xmlFilesIn(path.join(boxes, 'commissioning-party', id, 'inbox'));
        // 6.3(a): each MCF before the SCFs that answer it.
        cpFiles.push(...files.filter((f) => path.basename(f).startsWith('MCF_')));
        cpFiles.push(...files.filter((f) => path.basename(f).startsWith('SCF_')));
      }
      for (const r of await receiveFiles(cpFiles, cpOpts, repos))
        if (r.outcome === 'rejected' || (r.outcome === 'discarded' && r.rule !== 'TMAD 6.3(b)'))
          events.push({
            party: 'Commissioning Party',
            groupId: null,
            installationId: null,
            outcome: `file-${r.outcome}`,
            step: r.rule ?? null,
            file: rel(ctx.filesRoot, r.file),
            detail: { reason: r.reason ?? null, incidentId: r.incidentId ?? null },
          });

      // 6.4(b): every COF recorded as sent (this attempt or one cut short), into the mailboxes.
      const inCof = new Map<string, { failedChecks: FailedCheck[]; cof: string }>();
      for (const c of (await sentCofs(repos)).sort((a, b) => (a.file < b.file ? -1 : 1))) {
        const name = path.basename(c.file);
        const bytes = await readFile(c.file);
        for (const oc of c.outcomes)
          inCof.set(oc.chfDeviceId.toUpperCase(), { failedChecks: oc.failedChecks, cof: name });
        for (const a of cofRecipients(c.mcf, c.outcomes[0]!)) {
          const box = mailboxDirectory(boxes, a);
          const w = await ctx.writeFile(rel(ctx.filesRoot, path.join(box, 'inbox', name)), bytes);
          events.push({
            party: 'Commissioning Party',
            groupId: c.mcf.groupId,
            installationId: null,
            outcome: 'cof-delivered',
            file: rel(ctx.filesRoot, w.path),
            sha256: w.sha256,
            detail: { installations: c.outcomes.length },
          });
        }
      }
      const cpState = new Map<string, CpInstallationState>();
      for (const m of await store.commissioningParty.listMcfs({ includeDiscarded: true }))
        for (const [chf, st] of await store.commissioningParty.installationStates(
          m.id,
          batch.map((i) => i.installationId),
        ))
          cpState.set(chf.toUpperCase(), st);

      // ---- ToBeCommissionedByDCC = False: each Responsible Supplier (TMAD 6.6) ----------------------
      const manifest = JSON.parse(await readFile(path.join(estateDir, 'manifest.json'), 'utf8')) as {
        suppliers: Array<{ name: string; signifier: string; userId: string }>;
      };
      const self = new Map<string, SelfCommissionedInstallation & { supplier: string }>();
      for (const s of manifest.suppliers) {
        const files = await xmlFilesIn(path.join(boxes, 'responsible-supplier', s.signifier, 'inbox'));
        const mcfs = files.filter((f) => path.basename(f).startsWith('MCF_'));
        if (!mcfs.length) continue;
        const requestSigner = parseCertificate(
          await readFile(path.join(estateDir, 'pki', s.name, 'supplier-ds.cert.pem'), 'latin1'),
        );
        const selfId = requestSigner.entityId ?? s.userId;
        // The SCFs answering an MCF carry its MCFCounter in their names (Table 10.2).
        const counterOf = (f: string): string | null => {
          const p = parseMigrationFileName(path.basename(f));
          return p.ok ? p.value.mcfCounter : null;
        };
        const scfs = files.filter((f) => path.basename(f).startsWith('SCF_'));
        for (const mcf of mcfs) {
          const answering = scfs.filter((f) => counterOf(f) === counterOf(mcf));
          if (!answering.length) continue;
          const results = await selfCommission(
            mcf,
            answering,
            {
              trust,
              now: ctx.at,
              supplierParty: s.signifier,
              requestSigner,
              dcc: dccCommissioningRequestPort(dccOptions('responsible-supplier')),
              supplierPartyOf: partyOf,
              nextCounter: (name) => store.commissioningParty.nextCounter(selfId, name),
            },
            { counters: store.counters, incidents: store.incidents, acceptedFiles: store.acceptedFiles },
          );
          for (const r of results) {
            if (!r.accepted && !r.rule?.includes('6.3(b)'))
              events.push({
                party: 'Supplier',
                groupId: null,
                installationId: null,
                outcome: 'file-refused',
                step: r.rule ?? null,
                file: rel(ctx.filesRoot, r.file),
                detail: { supplier: s.signifier, reason: r.reason ?? null },
              });
            for (const i of r.installations ?? [])
              if (i.state !== 'another-supplier' || !self.has(i.chf.toUpperCase()))
                self.set(i.chf.toUpperCase(), { ...i, supplier: s.signifier });
          }
        }
      }

      // ---- Each installation's end of the week -------------------------------------------------------
      const changes: StageOutcome['changes'] = [];
      for (const i of batch) {
        const key = i.installationId.toUpperCase();
        const cp = cpState.get(key);
        const cof = inCof.get(key);
        const mine = self.get(key);
        let next: 'commissioned' | 'commissioning-halted';
        let step: string | null = null;
        let who: string;
        let detail: Record<string, unknown>;
        if (cp !== undefined) {
          who = 'Commissioning Party';
          const checks = cof?.failedChecks ?? [];
          // 6.3(d), 8.6: commissioned when the sequence ran to its end and the COF reports it.
          next = cp === 'commissioned' && cof ? 'commissioned' : 'commissioning-halted';
          if (next !== 'commissioned')
            step =
              cp === 'halted' && checks.length
                ? stepOf(checks[checks.length - 1]!)
                : cof
                  ? `TMAD 6.3(d) (${cp})`
                  : 'TMAD 6.4 (in no COF)';
          detail = {
            cof: cof?.cof ?? null,
            failedChecks: checks.map(stepOf),
            s1mc1: alerts.get(key) ?? 0,
          };
        } else if (mine) {
          who = 'Supplier';
          next = mine.state === 'commissioned' ? 'commissioned' : 'commissioning-halted';
          if (next !== 'commissioned')
            step =
              mine.state === 'halted' && mine.failedChecks.length
                ? stepOf(mine.failedChecks[mine.failedChecks.length - 1]!)
                : `TMAD 6.6 (${mine.state})`;
          detail = {
            supplier: mine.supplier,
            failedChecks: mine.failedChecks.map(stepOf),
            requests: mine.requests.length,
            s1mc1: alerts.get(key) ?? 0,
          };
        } else {
          who = 'Commissioning Party';
          next = 'commissioning-halted';
          step = 'TMAD 6.3(a) (no MCF and SCF reached its Commissioning Party or Responsible Supplier)';
          detail = {};
        }
        changes.push({
          installationId: i.installationId,
          state: next,
          ...(step ? { failedStep: step } : {}),
        });
        events.push({
          party: who,
          groupId: i.groupId,
          installationId: i.installationId,
          outcome: next,
          ...(step ? { step } : {}),
          detail,
        });
      }
      return { changes, events };
    },
  };
}
