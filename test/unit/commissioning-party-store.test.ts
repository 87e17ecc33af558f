// The Commissioning Party over the store, on SQLite and PostgreSQL (TMAD 6.1-6.4, 8.6): signed MCFs
// and SCFs written with the migration-file codec and the test PKI (the S1SP's certificate for the
// SCF), the DCC answering Commissioning Requests from the store's Smart Metering Inventory; the COF
// checked with xmllint against schema/ and verified with xmlsec1.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { openStore, type Store } from '../../src/store/index.js';
import { onEveryEngine } from '../support/store-engines.js';
import { makeTestPki, type TestPkiFixture } from '../support/signed-files.js';
import {
  certificateOf,
  failure,
  hubDevices,
  installation,
  mcfHeader,
  pkiIds,
  registration,
  signerOf,
  success,
  writeMcf,
  writeScf,
} from '../support/commissioning.js';
import { createReadStream } from 'node:fs';
import { authenticateReceived } from '../../src/core/commissioning-requests/index.js';
import {
  receiveFile,
  repairCofs,
  resumeInstallations,
  status,
  tick,
  type CommissioningPartyOptions,
  type CommissioningPartyRepositories,
} from '../../src/commissioning-party/index.js';
import {
  dccCommissioningRequestPort,
  type CommissioningFaultRule,
} from '../../src/dcc/commissioning-requests.js';
import {
  readCommissioningOutcomesFile,
  type OutcomeInstallation,
} from '../../src/core/formats/migration-files/index.js';

/** After the test certificates' notBefore (issued when the suite starts). */
const BASE = Date.now() + 3_600_000;
const XSD = path.resolve('schema/smets1-migration.xsd');
const hasTools =
  spawnSync('xmllint', ['--version']).status === 0 && spawnSync('xmlsec1', ['--version']).status === 0;

let pki: TestPkiFixture;
before(async () => {
  pki = await makeTestPki();
});
after(() => pki?.cleanup());

await onEveryEngine('cp', (name, open, teardown, skip) => {
  describe(`Commissioning Party on ${name}`, { skip }, () => {
    let store: Store;
    let dir: string;
    let counter = 100n;
    before(async () => {
      store = await openStore(open());
      dir = await mkdtemp(path.join(os.tmpdir(), 's1mig-cp-'));
    });
    after(async () => {
      await store?.close();
      await rm(dir, { recursive: true, force: true });
      await teardown();
    });

    const repos = (): CommissioningPartyRepositories => ({
      counters: store.counters,
      incidents: store.incidents,
      acceptedFiles: store.acceptedFiles,
      cp: store.commissioningParty,
    });
    async function options(
      now: Date,
      faults: CommissioningFaultRule[] = [],
      batchMinutes = 0,
    ): Promise<CommissioningPartyOptions> {
      const bySig = new Map(pki.parties.map((p) => [p.entityId.toUpperCase(), p.partySignifier]));
      return {
        trust: pki.trust,
        now,
        requireCrl: false,
        fileSigner: await signerOf(pki, 'commissioning-party', 'commissioningPartyFileSigning'),
        requestSigner: await certificateOf(pki, 'commissioning-party', 'commissioningPartyXmlSigning'),
        dcc: dccCommissioningRequestPort({
          inventory: store.smartMeteringInventory,
          registration: registration(pki),
          now: () => now,
          faults,
        }),
        heldDir: path.join(dir, 'held'),
        outDir: path.join(dir, 'out'),
        discardTo: path.join(dir, 'discarded'),
        mailboxes: path.join(dir, 'mailboxes'),
        batchMinutes,
        supplierPartyOf: async (u) => bySig.get(u.toUpperCase()),
      };
    }
    const ids = () => pkiIds(pki);
    async function seedHubs(insts: ReturnType<typeof installation>[]) {
      for (const i of insts) for (const d of hubDevices(i)) await store.smartMeteringInventory.put(d);
    }

    test('TMAD 6.1: an MCF with ToBeCommissionedByDCC False is discarded, no Incident', async () => {
      const before = (await store.incidents.list()).length;
      const h = mcfHeader(pki, ++counter, { toBeCommissionedByDcc: false });
      const f = await writeMcf(pki, dir, h, [installation(1, ids())]);
      const r = await receiveFile(f, await options(new Date()), repos());
      assert.equal(r.outcome, 'discarded');
      assert.equal(r.rule, 'TMAD 6.1');
      assert.match(r.disposition!, /moved to/);
      assert.equal((await store.incidents.list()).length, before);
    });

    test('TMAD 6.1, Table 5.9: a file signed by the wrong party is rejected with an Incident', async () => {
      const h = mcfHeader(pki, ++counter);
      const f = await writeMcf(pki, dir, h, [installation(1, ids())]);
      const bad = f.replace(/\.xml$/, '') + '.xml';
      const text = (await readFile(f, 'utf8')).replace('<GroupID>AA</GroupID>', '<GroupID>BA</GroupID>');
      await import('node:fs/promises').then((fs) => fs.writeFile(bad, text));
      const r = await receiveFile(bad, await options(new Date()), repos());
      assert.equal(r.outcome, 'rejected');
      assert.ok(r.incidentId);
    });

    test('TMAD 6.3(a): an SCF without its MCF is discarded and raises an Incident', async () => {
      const h = mcfHeader(pki, ++counter);
      const f = await writeScf(pki, dir, h, 1n, [success(installation(1, ids()))]);
      const r = await receiveFile(f, await options(new Date()), repos());
      assert.equal(r.rule, 'TMAD 6.3(a)');
      assert.ok(r.incidentId);
      const inc = (await store.incidents.list()).find((i) => i.id === r.incidentId)!;
      assert.equal(inc.kind, 'scf-without-mcf');
    });

    test('TMAD 6.3(b): an SCF with no successful installation is discarded, no Incident', async () => {
      const h = mcfHeader(pki, ++counter);
      const inst = installation(2, ids());
      await receiveFile(await writeMcf(pki, dir, h, [inst]), await options(new Date()), repos());
      const r = await receiveFile(
        await writeScf(pki, dir, h, 2n, [failure(inst)]),
        await options(new Date()),
        repos(),
      );
      assert.equal(r.rule, 'TMAD 6.3(b)');
      assert.equal(r.incidentId, undefined);
    });

    test('TMAD 6.3(c): a successful SCF installation missing from the MCF: discarded, Incident', async () => {
      const h = mcfHeader(pki, ++counter);
      await receiveFile(
        await writeMcf(pki, dir, h, [installation(3, ids())]),
        await options(new Date()),
        repos(),
      );
      const r = await receiveFile(
        await writeScf(pki, dir, h, 3n, [success(installation(3, ids())), success(installation(4, ids()))]),
        await options(new Date()),
        repos(),
      );
      assert.equal(r.rule, 'TMAD 6.3(c)');
      const inc = (await store.incidents.list()).find((i) => i.id === r.incidentId)!;
      assert.equal(inc.kind, 'scf-installation-not-in-mcf');
    });

    test('TMAD 6.3(d), 6.4, 8.6, 6.2: requests in sequence; Handover error continues, another error halts with an Incident; signed COF to the RP and the Supplier; MCF released', async (t) => {
      const h = mcfHeader(pki, ++counter);
      const a = installation(10, ids(), { gsme: true, ppmid: true, ihd: true });
      const b = installation(11, ids()); // a Handover error (8.6: carry on)
      const c = installation(12, ids()); // a Commission Device error (8.6: halt)
      const d = installation(13, ids()); // failed in the SCF
      await seedHubs([a, b, c, d]);
      const now = new Date(BASE);
      const faults: CommissioningFaultRule[] = [
        {
          request: 'Request Handover Of DCC Controlled Device',
          deviceId: b.esmeDetail.deviceId,
          remotePartyRole: 'Supplier',
          responseCode: 'C062196',
        },
        { request: 'Commission Device', deviceId: c.esmeDetail.deviceId, responseCode: 'C4' },
      ];
      const held = await receiveFile(
        await writeMcf(pki, dir, h, [a, b, c, d]),
        await options(now, faults),
        repos(),
      );
      assert.equal(held.outcome, 'held', held.reason);
      const r = await receiveFile(
        await writeScf(pki, dir, h, 10n, [success(a), success(b), success(c), failure(d)]),
        await options(now, faults),
        repos(),
      );
      assert.equal(r.outcome, 'processed', r.reason);
      const by = new Map(r.installations!.map((i) => [i.chf, i]));
      // Every step but 6.3.9 / 6.3.10 (no CAD), each answered I0, in the Table 6.3 order.
      assert.deepEqual(
        by.get(a.chfDetail.deviceId)!.requests.map((q) => `${q.step} ${q.responseCode}`),
        Array.from({ length: 20 }, (_, k) => `6.3.${k + 1}`)
          .filter((x) => x !== '6.3.9' && x !== '6.3.10')
          .map((x) => `${x} I0`),
      );
      assert.deepEqual(by.get(a.chfDetail.deviceId)!.failedChecks, []);
      assert.deepEqual(by.get(b.chfDetail.deviceId)!.failedChecks, [
        {
          failedStepNumber: '6.3.11',
          supportingData: { deviceId: b.esmeDetail.deviceId, errorCode: 'C062196' },
        },
      ]);
      assert.equal(by.get(b.chfDetail.deviceId)!.state, 'commissioned');
      assert.ok(
        by.get(b.chfDetail.deviceId)!.requests.some((q) => q.step === '6.3.13' && q.responseCode === 'I0'),
      );
      const halted = by.get(c.chfDetail.deviceId)!;
      assert.equal(halted.state, 'halted');
      assert.equal(halted.requests.at(-1)!.step, '6.3.13');
      assert.ok(halted.incidentId);
      assert.equal(
        (await store.incidents.list()).find((i) => i.id === halted.incidentId)!.kind,
        'commissioning-request-rejected',
      );
      // SMI: the commissioned ESME (3.3: added only after the successful SCF).
      assert.equal(
        (await store.smartMeteringInventory.device(a.esmeDetail.deviceId))!.status,
        'Commissioned',
      );
      assert.equal(await store.smartMeteringInventory.device(d.esmeDetail.deviceId), undefined);
      // 6.4: one COF (same MCF, SCF and Supplier Party), to the RP and SUPA.
      assert.equal(r.cofs!.length, 1);
      const cof = r.cofs![0]!;
      assert.equal(cof.installations, 3);
      assert.deepEqual(cof.delivered.map((x) => `${x.to.role}/${x.to.party}`).sort(), [
        `requesting-party/${h.requestingPartyId}`,
        'responsible-supplier/SUPA',
      ]);
      assert.match(
        cof.name,
        new RegExp(`^COF_SUPA_${pki.party('s1sp').entityId}_${h.mcfCounter}_\\d+\\.xml$`),
      );
      const read: OutcomeInstallation[] = [];
      const s = await readCommissioningOutcomesFile(await readFile(cof.path), {
        onInstallation: (i) => void read.push(i),
      });
      assert.equal(s.header.requestingPartyId, h.requestingPartyId);
      assert.equal(s.header.mcfCounter, h.mcfCounter);
      assert.equal(s.header.groupId, 'AA');
      assert.equal(s.header.commissioningPartyId, pki.party('commissioning-party').entityId);
      assert.deepEqual(
        read.map((x) => x.chfIdentifier),
        [a, b, c].map((x) => x.chfDetail.deviceId),
      );
      // 6.2: every installation covered → MCF discarded.
      const mcfs = await store.commissioningParty.listMcfs({ includeDiscarded: true });
      const m = mcfs.find((x) => x.mcfCounter === h.mcfCounter)!;
      assert.match(m.discardReason!, /TMAD 6.2/);
      if (!hasTools) return t.skip('xmllint / xmlsec1 not installed');
      const lint = spawnSync('xmllint', ['--noout', '--schema', XSD, cof.path], { encoding: 'utf8' });
      assert.equal(lint.status, 0, lint.stderr);
      const cert = pki
        .party('commissioning-party')
        .certificates.find((x) => x.role === 'commissioningPartyFileSigning')!;
      const v = spawnSync(
        'xmlsec1',
        ['--verify', '--pubkey-cert-pem', path.join(pki.dir, cert.cert), cof.path],
        { encoding: 'utf8' },
      );
      assert.equal(v.status, 0, v.stderr);
      // And the COF passes Table 5.9 as the Requesting Party would check it (counter 5.9.9A).
      const other = pki.party('requesting-party').certificates[0]!;
      assert.notEqual(
        spawnSync('xmlsec1', ['--verify', '--pubkey-cert-pem', path.join(pki.dir, other.cert), cof.path])
          .status,
        0,
      );
    });

    test('TMAD 8.6: a halted installation, its Incident resolved, resumes at the erroneous request (not from the start); a new COF entry', async () => {
      const h = mcfHeader(pki, ++counter);
      const a = installation(40, ids(), { gsme: true });
      await seedHubs([a]);
      const now = new Date(BASE);
      // Join Service (Non-Critical) GSME -> GPF, step 6.3.17: an error other than a Handover's halts.
      const faults: CommissioningFaultRule[] = [
        { request: 'Join Service (Non-Critical)', deviceId: a.gsmeDetail!.deviceId, responseCode: 'C4' },
      ];
      assert.equal(
        (await receiveFile(await writeMcf(pki, dir, h, [a]), await options(now, faults), repos())).outcome,
        'held',
      );
      const r = await receiveFile(
        await writeScf(pki, dir, h, 40n, [success(a)]),
        await options(now, faults),
        repos(),
      );
      const halted = r.installations![0]!;
      assert.equal(halted.state, 'halted');
      assert.equal(halted.requests.at(-1)!.step, '6.3.17');
      const sentBefore = halted.requests.map((q) => q.step);
      assert.deepEqual(sentBefore, [
        '6.3.1',
        '6.3.2',
        '6.3.3',
        '6.3.4',
        '6.3.11',
        '6.3.12',
        '6.3.13',
        '6.3.14',
        '6.3.17',
      ]);
      assert.equal(r.cofs![0]!.installations, 1); // the halt is reported at once (6.4)
      // An unknown CHF is named, nothing else happens.
      const later = new Date(BASE + 3_600_000);
      const none = await resumeInstallations(['00-00-00-00-00-00-00-00'], await options(later), repos());
      assert.match(none[0]!.problem!, /TMAD 8\.6: no halted installation/);
      // The Incident resolved (the fault gone): the resumed run starts at 6.3.17.
      const [res] = await resumeInstallations(
        [a.chfDetail.deviceId.toLowerCase()],
        await options(later),
        repos(),
      );
      assert.equal(res!.resumedAt, '6.3.17');
      assert.equal(res!.installation!.state, 'commissioned');
      const resent = res!.installation!.requests.slice(sentBefore.length);
      assert.deepEqual(
        resent.map((q) => `${q.step} ${q.responseCode}`),
        ['6.3.17 I0', '6.3.18 I0', '6.3.19 I0', '6.3.20 I0'], // from the halted step on, once each
      );
      assert.deepEqual(res!.installation!.failedChecks, []);
      assert.equal(res!.cofs!.length, 1);
      const read: OutcomeInstallation[] = [];
      await readCommissioningOutcomesFile(await readFile(res!.cofs![0]!.path), {
        onInstallation: (i) => void read.push(i),
      });
      assert.deepEqual(read, [{ chfIdentifier: a.chfDetail.deviceId, failedChecks: [] }]);
      assert.equal(
        (
          await store.commissioningParty.installationStates(
            (await store.commissioningParty.listMcfs({ includeDiscarded: true })).find(
              (m) => m.mcfCounter === h.mcfCounter,
            )!.id,
            [a.chfDetail.deviceId],
          )
        ).get(a.chfDetail.deviceId.toUpperCase()),
        'commissioned',
      );
      // Nothing halted is left to resume.
      const again = await resumeInstallations([a.chfDetail.deviceId], await options(later), repos());
      assert.match(again[0]!.problem!, /no halted installation/);
    });

    test('TMAD 6.2, 6.4 restarted: an MCF accepted (Table 5.9) but not held is held on receipt again; a COF recorded but not written is written again with its counter; nothing twice', async () => {
      const t0 = new Date(BASE + 3 * 3_600_000);
      const h = mcfHeader(pki, ++counter);
      const insts = [installation(30, ids()), installation(31, ids())];
      await seedHubs(insts);
      const mcf = await writeMcf(pki, dir, h, insts);
      // The MCF's Table 5.9 recorded as accepted, then a kill before it was held (6.2).
      const opts = await options(t0);
      await authenticateReceived(() => createReadStream(mcf), path.basename(mcf), {
        as: 'commissioning-party',
        trust: pki.trust,
        now: t0,
        requireCrl: false,
        repos: repos(),
      });
      assert.equal((await receiveFile(mcf, opts, repos())).outcome, 'held');
      assert.equal((await receiveFile(mcf, opts, repos())).outcome, 'already-accepted');
      const scf = await writeScf(
        pki,
        dir,
        h,
        30n,
        insts.map((i) => success(i)),
      );
      const first = await receiveFile(scf, opts, repos());
      assert.equal(first.outcome, 'processed');
      const cof = first.cofs![0]!;
      assert.equal(cof.installations, 2);
      // The SCF again: already accepted, nothing awaits it, no second COF entry.
      const again = await receiveFile(scf, opts, repos());
      assert.equal(again.outcome, 'already-accepted');
      // The COF file lost (a kill after it was recorded as sent): written again, same name and entries.
      await rm(cof.path);
      const repaired = await repairCofs(opts, repos());
      assert.deepEqual(
        repaired.map((c) => [c.name, c.cofCounter, c.installations]),
        [[cof.name, cof.cofCounter, 2]],
      );
      const entries: OutcomeInstallation[] = [];
      const read = await readCommissioningOutcomesFile(await readFile(cof.path), {
        onInstallation: (i) => void entries.push(i),
      });
      assert.equal(read.header.cofCounter, BigInt(cof.cofCounter));
      assert.deepEqual(
        entries.map((e) => e.chfIdentifier).sort(),
        insts.map((i) => i.chfDetail.deviceId).sort(),
      );
      assert.deepEqual(await repairCofs(opts, repos()), []);
    });

    test('TMAD 6.4: with batching, outcomes wait until the oldest is due; COFCounter increases', async () => {
      const t0 = new Date(BASE + 2 * 3_600_000);
      const h = mcfHeader(pki, ++counter);
      const insts = [installation(20, ids()), installation(21, ids())];
      await seedHubs(insts);
      await receiveFile(await writeMcf(pki, dir, h, insts), await options(t0, [], 60), repos());
      const r1 = await receiveFile(
        await writeScf(pki, dir, h, 20n, [success(insts[0]!)]),
        await options(t0, [], 60),
        repos(),
      );
      assert.deepEqual(r1.cofs, []);
      const t1 = new Date(t0.getTime() + 30 * 60_000);
      const r2 = await receiveFile(
        await writeScf(pki, dir, h, 21n, [success(insts[1]!)]),
        await options(t1, [], 60),
        repos(),
      );
      assert.deepEqual(r2.cofs, []);
      const st = await status({ batchMinutes: 60 }, repos());
      assert.equal(st.pendingOutcomes, 2);
      assert.equal(st.nextCofDue, new Date(t0.getTime() + 60 * 60_000).toISOString());
      assert.equal(
        (await tick(await options(new Date(t0.getTime() + 59 * 60_000), [], 60), repos())).cofs.length,
        0,
      );
      const due = await tick(await options(new Date(t0.getTime() + 60 * 60_000), [], 60), repos());
      assert.equal(due.cofs.length, 1);
      assert.equal(due.cofs[0]!.installations, 2);
      assert.ok(BigInt(due.cofs[0]!.cofCounter) > 1n);
    });

    test('TMAD 6.2: an MCF held 60 days is discarded by tick; its SCF afterwards is an Incident (6.3(a))', async () => {
      const t0 = new Date(BASE + 4 * 3_600_000);
      const h = mcfHeader(pki, ++counter);
      const inst = installation(30, ids());
      await receiveFile(await writeMcf(pki, dir, h, [inst]), await options(t0), repos());
      const early = await tick(await options(new Date(t0.getTime() + 59 * 86_400_000)), repos());
      assert.equal(early.expired.filter((e) => e.receivedAt === t0.toISOString()).length, 0);
      const late = await tick(await options(new Date(t0.getTime() + 60 * 86_400_000)), repos());
      assert.equal(late.expired.filter((e) => e.receivedAt === t0.toISOString()).length, 1);
      assert.ok(
        !(await readdir(path.join(dir, 'held'))).some((n) =>
          n.endsWith(path.basename(`MCF_${h.requestingPartyId}_${h.mcfCounter}_0.xml`)),
        ),
      );
      const r = await receiveFile(
        await writeScf(pki, dir, h, 30n, [success(inst)]),
        await options(new Date(t0.getTime() + 61 * 86_400_000)),
        repos(),
      );
      assert.equal(r.rule, 'TMAD 6.3(a)');
    });
  });
});
