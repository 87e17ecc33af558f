// The S1SP's file handling (src/s1sp/file-handling.ts) in process, on a controllable clock: signed MCF,
// MVF, MGF and MEF made here with the test PKI (the MEF's EncryptedS1SPGroupInformation encrypted per
// TMAD 11 to an RSA key made here and registered in the group-keys registry), received by
// S1spFileHandling over a fresh SQLite store per case.
//   TMAD 5.24  the 24-hour timer from the first MVF: a set completed 24 h - 1 s after it is processed;
//              at 24 h and at 24 h + 1 s it is discarded (its files, its sealed plaintext) and later
//              files for it are refused.
//   TMAD 5.23  every failure condition (no usable key: none notified, outside its dates (5.1(a)), not
//              the key it was encrypted to, altered ciphertext; plaintext not well formed, not valid)
//              ceases processing of the MEF, discards it and raises an Incident; the set stays open.
//   TMAD 5.28  SCFs go to the Requesting Party and, with ToBeCommissionedByDCC = True, to the
//              Commissioning Party (CommissioningPartyIdentifier, else the DCC); with False, to each
//              Responsible Supplier (the ESME's Supplier Party) and not to a Commissioning Party.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { openStore, type Store } from '../../src/store/index.js';
import { S1spFileHandling, type ReceiptReport } from '../../src/s1sp/file-handling.js';
import {
  migrationFileName,
  migrationFileToXmlString,
  type McfInstallation,
  type MefInstallation,
  type MigrationCommonHeader,
} from '../../src/core/formats/migration-files/index.js';
import { encryptS1spGroupInformationXml } from '../../src/core/crypto/group-information.js';
import { spkiKeyIdentifier } from '../../src/core/reference/certificates.js';
import { readReferenceCsv as parseReferenceCsv } from '../../src/core/reference/csv.js';
import { readCertificateRows, readReferenceCsv } from '../../src/files/reference-files.js';
import { REPO_ROOT } from '../support/cli.js';
import { makeTestPki, signWith, type TestPkiFixture } from '../support/signed-files.js';
import { installation, pkiIds, signerOf } from '../support/commissioning.js';
import * as samples from '../fixtures/schema/samples.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
// The test PKI's certificates start when it is made: every instant here is after that.
const T0 = new Date(Math.ceil(Date.now() / 1000) * 1000 + 60_000);
const at = (ms: number) => new Date(T0.getTime() + ms);
const day = (d: Date) => d.toISOString().slice(0, 10);

let pki: TestPkiFixture;
let s1spKey: KeyObject;
let expiredKey: KeyObject;
let strangerKey: KeyObject;
const work: string[] = [];

const rsa = () => generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
const kidOf = (k: KeyObject): string => {
  const r = spkiKeyIdentifier(new Uint8Array(createPublicKey(k).export({ type: 'spki', format: 'der' })));
  assert.ok(r.ok);
  return r.value;
};
const spki = (k: KeyObject) => createPublicKey(k).export({ type: 'spki', format: 'der' }).toString('base64');

before(async () => {
  pki = await makeTestPki();
  [s1spKey, expiredKey, strangerKey] = [rsa(), rsa(), rsa()];
});
after(async () => {
  await pki?.cleanup();
  for (const d of work) await rm(d, { recursive: true, force: true });
});

interface World {
  dir: string;
  store: Store;
  h: S1spFileHandling;
  /** The S1SP's file handling over another view of the store (e.g. one that crashes). */
  over(store: Store): S1spFileHandling;
  close(): Promise<void>;
}

/** A fresh store with the reference data the S1SP reads, and the S1SP over it. */
async function world(groupKeys: KeyObject[] = [s1spKey]): Promise<World> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 's1mig-s1sp-fh-'));
  work.push(dir);
  const store = await openStore({ url: '', dataDir: path.join(dir, 'db') });
  const certs = await readCertificateRows(pki.dir);
  await store.reference.import('certificates', certs.rows());
  const orgs = await readReferenceCsv(
    'organisations',
    path.join(REPO_ROOT, 'samples', 'dcc-reference', 'organisations.csv'),
  );
  await store.reference.import('organisations', orgs.rows());
  // TMAD 5.1(a): the S1SP key of GroupID AA valid around T0; another one that ended before T0.
  const csv =
    'Key Identifier,Holder,GroupID,Constraints,Valid From,Valid To,Public Key\n' +
    `${kidOf(s1spKey)},S1SP,AA,,${day(at(-30 * DAY))},${day(at(365 * DAY))},${spki(s1spKey)}\n` +
    `${kidOf(expiredKey)},S1SP,AA,,${day(at(-60 * DAY))},${day(at(-2 * DAY))},${spki(expiredKey)}\n`;
  const gk = parseReferenceCsv('group-keys', 'group-keys.csv', csv);
  assert.deepEqual(gk.problems, []);
  await store.reference.import('group-keys', gk.rows);
  const s1sp = await signerOf(pki, 's1sp', 's1SPMigrationSigning');
  const over = (st: Store): S1spFileHandling =>
    new S1spFileHandling({
      store: st,
      trust: pki.trust,
      groupKeys,
      sealPassphrase: 's1sp file handling test',
      heldDir: path.join(dir, 'held'),
      scfDir: path.join(dir, 'scf'),
      discardTo: path.join(dir, 'discarded'),
      mailboxes: path.join(dir, 'mb'),
      signer: { key: s1sp.privateKey, cert: s1sp.certificate },
      requireCrl: false,
    });
  return { dir, store, h: over(store), over, close: () => store.close() };
}

interface SetOptions {
  mcfCounter: bigint;
  toBeCommissionedByDcc?: boolean;
  commissioningPartyIdentifier?: string;
  /** The plaintext of EncryptedS1SPGroupInformation (default: the schema sample, valid). */
  plaintext?: Buffer;
  /** The key it is encrypted to (default: the S1SP's). */
  encryptTo?: KeyObject;
  /** Flip a bit of the ProtectedData. */
  alter?: boolean;
}

const sign = (role: 'requesting-party' | 's1sp', xml: string) =>
  signWith(
    pki,
    pki
      .party(role)
      .certificates.find(
        (c) => c.role === (role === 's1sp' ? 's1SPMigrationSigning' : 'requestingPartyFileSigning'),
      )!,
    xml,
  );

/** Signed MCF, MVF, MGF and MEF of one AA S1SP Required File Set (two installations). */
async function fileSet(w: World, o: SetOptions): Promise<Record<'MCF' | 'MVF' | 'MGF' | 'MEF', string>> {
  const rp = pki.party('requesting-party').entityId;
  const mcfHeader: MigrationCommonHeader = {
    requestingPartyId: rp,
    mcfCounter: o.mcfCounter,
    groupId: 'AA',
    toBeCommissionedByDcc: o.toBeCommissionedByDcc ?? true,
    ...(o.commissioningPartyIdentifier
      ? { commissioningPartyIdentifier: o.commissioningPartyIdentifier }
      : {}),
  };
  const n = Number(o.mcfCounter % 200n) * 2;
  const inst: McfInstallation[] = [installation(n, pkiIds(pki)), installation(n + 1, pkiIds(pki))];
  const chfs = inst.map((i) => i.chfDetail.deviceId);
  const c = o.mcfCounter;
  const out = {} as Record<'MCF' | 'MVF' | 'MGF' | 'MEF', string>;
  const write = async (type: keyof typeof out, header: object, xml: string) => {
    const file = path.join(w.dir, migrationFileName(type, header as never));
    await writeFile(file, xml);
    out[type] = file;
  };
  await write(
    'MCF',
    mcfHeader,
    await sign('requesting-party', await migrationFileToXmlString('MCF', mcfHeader, inst)),
  );
  const mvfHeader = {
    requestingPartyId: rp,
    mcfCounter: c,
    reportingPartyId: pki.party('s1sp').entityId,
    mvfCounter: c,
    groupId: 'AA',
  };
  await write(
    'MVF',
    mvfHeader,
    await sign(
      's1sp',
      await migrationFileToXmlString(
        'MVF',
        mvfHeader,
        chfs.map((chfIdentifier) => ({ chfIdentifier, failedChecks: [] })),
      ),
    ),
  );
  const mgfHeader = { requestingPartyId: rp, mcfCounter: c, mgfCounter: c, groupId: 'AA' };
  await write(
    'MGF',
    mgfHeader,
    await sign(
      'requesting-party',
      await migrationFileToXmlString(
        'MGF',
        mgfHeader,
        chfs.map((chfIdentifier) => ({
          chfIdentifier,
          chfDetail: {
            imsi: '234150000000001',
            previousApn: 'smso.apn',
            serialNumbers: { chf: 'C1', esme: 'E1' },
          },
        })),
      ),
    ),
  );
  const plain = o.plaintext ?? Buffer.from(samples.decrypted());
  const mef: MefInstallation[] = chfs.map((chfIdentifier) => {
    const e = encryptS1spGroupInformationXml(plain, createPublicKey(o.encryptTo ?? s1spKey));
    let protectedData = e.ProtectedData;
    if (o.alter) {
      const b = Buffer.from(protectedData, 'base64');
      b[0] = b[0]! ^ 1;
      protectedData = b.toString('base64');
    }
    return {
      chfIdentifier,
      encryptedS1spGroupInformation: {
        protectedData,
        authenticationTag: e.AuthenticationTag,
        wrappedTransportKey: e.WrappedTransportKey,
      },
      encryptedMasterKeys: [{ encryptedKey: 'AAEC', deviceIds: [chfIdentifier] }],
      suaKeyDetails: [],
    };
  });
  const mefHeader = { requestingPartyId: rp, mcfCounter: c, mefCounter: c, groupId: 'AA' };
  await write(
    'MEF',
    mefHeader,
    await sign('requesting-party', await migrationFileToXmlString('MEF', mefHeader, mef)),
  );
  return out;
}

const one = async (w: World, file: string, now: Date): Promise<ReceiptReport> => {
  const r = await w.h.receive([file], now);
  assert.equal(r.reports.length, 1);
  return r.reports[0]!;
};

describe('TMAD 5.24: the 24-hour timer of the S1SP Required File Set, from the first MVF', () => {
  test('TMAD 5.24: the set completed 24 h - 1 s after the first MVF is processed (Table 5.25 runs)', async () => {
    const w = await world();
    try {
      const f = await fileSet(w, { mcfCounter: 11n });
      assert.ok((await one(w, f.MCF, T0)).accepted);
      assert.ok((await one(w, f.MVF, at(HOUR))).accepted); // the timer starts here
      assert.ok((await one(w, f.MGF, at(2 * HOUR))).accepted);
      const t = await w.h.tick(at(HOUR + DAY - 1000));
      assert.deepEqual(t.discarded, []);
      const r = await w.h.receive([f.MEF], at(HOUR + DAY - 1000));
      assert.ok(r.reports[0]!.accepted, JSON.stringify(r.reports[0]!.problem));
      assert.equal(r.tick.processed.length, 1);
      assert.equal((await w.store.s1sp.listSets())[0]!.state, 'processed');
    } finally {
      await w.close();
    }
  });

  for (const [label, late] of [
    ['at exactly 24 h', 0],
    ['at 24 h + 1 s', 1000],
  ] as const)
    test(`TMAD 5.24: ${label} after the first MVF the incomplete set is discarded; its files and sealed plaintext go; a later file is refused`, async () => {
      const w = await world();
      try {
        const f = await fileSet(w, { mcfCounter: late === 0 ? 12n : 13n });
        assert.ok((await one(w, f.MVF, T0)).accepted);
        assert.ok((await one(w, f.MEF, at(HOUR))).accepted);
        const set = (await w.store.s1sp.listSets())[0]!;
        assert.equal(await w.store.s1sp.countGroupInformation(set.id), 2);
        assert.deepEqual((await w.h.tick(at(DAY - 1000))).discarded, []); // 24 h - 1 s: still open
        const t = await w.h.tick(at(DAY + late));
        assert.equal(t.discarded.length, 1);
        assert.match(
          t.discarded[0]!.reason,
          /TMAD 5\.24: .*not complete 24 hours after its first MVF.*held MVF, MEF/,
        );
        const after = (await w.store.s1sp.set(set.id))!;
        assert.equal(after.state, 'discarded');
        assert.equal(await w.store.s1sp.countGroupInformation(set.id), 0);
        assert.deepEqual(await w.store.s1sp.heldFiles(set.id), []);
        assert.deepEqual(await readdir(path.join(w.dir, 'held')), []);
        const r = await one(w, f.MCF, at(DAY + late + 1000));
        assert.equal(r.accepted, false);
        assert.equal(r.problem?.rule, 'TMAD 5.24');
      } finally {
        await w.close();
      }
    });

  test('TMAD 5.24: a file arriving at 24 h is too late even without a tick in between (receive checks the timer first)', async () => {
    const w = await world();
    try {
      const f = await fileSet(w, { mcfCounter: 14n });
      for (const x of [f.MCF, f.MVF, f.MGF]) assert.ok((await one(w, x, T0)).accepted);
      const r = await w.h.receive([f.MEF], at(DAY));
      assert.equal(r.tick.discarded.length, 1);
      assert.equal(r.reports[0]!.accepted, false);
      assert.equal(r.reports[0]!.problem?.rule, 'TMAD 5.24');
      assert.deepEqual(r.tick.processed, []);
    } finally {
      await w.close();
    }
  });

  test('TMAD 5.24: no timer before the first MVF (an MCF, MGF and MEF wait longer than 24 h)', async () => {
    const w = await world();
    try {
      const f = await fileSet(w, { mcfCounter: 15n });
      for (const x of [f.MCF, f.MGF, f.MEF]) assert.ok((await one(w, x, T0)).accepted);
      assert.deepEqual((await w.h.tick(at(3 * DAY))).discarded, []);
      const r = await w.h.receive([f.MVF], at(3 * DAY));
      assert.ok(r.reports[0]!.accepted);
      assert.equal(r.tick.processed.length, 1);
    } finally {
      await w.close();
    }
  });
});

describe('TMAD 5.23: decrypting EncryptedS1SPGroupInformation', () => {
  const CASES: Array<{
    name: string;
    rule: string;
    message: RegExp;
    keys?: () => KeyObject[];
    set: () => Omit<SetOptions, 'mcfCounter'>;
  }> = [
    {
      name: '5.23(a), 5.1(a): no S1SP key of the GroupID is notified',
      rule: 'TMAD 5.23(a), 5.1(a)',
      message: /no S1SP private key usable for GroupID AA/,
      keys: () => [strangerKey],
      set: () => ({ encryptTo: strangerKey }),
    },
    {
      name: '5.23(a), 5.1(a): the only key it was encrypted to is outside its dates',
      rule: 'TMAD 5.23(a), 5.1(a)',
      message: /no S1SP private key usable for GroupID AA on/,
      keys: () => [expiredKey],
      set: () => ({ encryptTo: expiredKey }),
    },
    {
      name: '5.23(a), 5.1(a): encrypted to the key that has ended: the current key does not decrypt it',
      rule: 'TMAD 5.23(a)',
      message: /does not decrypt with the S1SP keys usable for GroupID AA/,
      keys: () => [s1spKey, expiredKey],
      set: () => ({ encryptTo: expiredKey }),
    },
    {
      name: "5.23(a): encrypted to a key that is not the S1SP's",
      rule: 'TMAD 5.23(a)',
      message: /SMETS1Installation 1 .*does not decrypt/,
      set: () => ({ encryptTo: strangerKey }),
    },
    {
      name: '5.23(a): the ProtectedData was altered (the GCM tag does not verify)',
      rule: 'TMAD 5.23(a)',
      message: /does not decrypt/,
      set: () => ({ alter: true }),
    },
    {
      name: '5.23(b): the plaintext is not well formed',
      rule: 'TMAD 5.23(b)',
      message: /not a valid DecryptedS1SPGroupInformation/,
      set: () => ({ plaintext: Buffer.from('<DecryptedS1SPGroupInformation><CHFIdentifier>') }),
    },
    {
      name: '5.23(b): the plaintext is well formed but not valid against the schema',
      rule: 'TMAD 5.23(b)',
      message: /not a valid DecryptedS1SPGroupInformation \(Table 11\.2\.1\): line/,
      set: () => ({
        plaintext: Buffer.from(
          samples.decrypted().replace(/(<\/CHFIdentifier>)/, '$1<Unexpected>x</Unexpected>'),
        ),
      }),
    },
  ];
  let counter = 20n;
  for (const c of CASES)
    test(`TMAD ${c.name}: the MEF is discarded, an Incident raised, nothing sealed; the set waits for another MEF`, async () => {
      const w = await world(c.keys?.() ?? [s1spKey]);
      try {
        const f = await fileSet(w, { mcfCounter: counter++, ...c.set() });
        for (const x of [f.MCF, f.MVF, f.MGF]) assert.ok((await one(w, x, T0)).accepted);
        const r = await one(w, f.MEF, at(HOUR));
        assert.equal(r.accepted, false);
        assert.equal(r.problem?.rule, c.rule);
        assert.match(r.problem.message, c.message);
        assert.ok(r.incidentId !== null);
        const inc = (await w.store.incidents.list()).find((i) => i.id === r.incidentId);
        assert.equal(inc?.kind, 'file-decryption-failure');
        assert.equal(inc?.step, c.rule);
        assert.match(r.disposition ?? '', /^moved to /);
        assert.deepEqual(
          await readdir(path.join(w.dir, 'discarded')).then((l) => l.some((n) => n.startsWith('MEF_'))),
          true,
        );
        const set = (await w.store.s1sp.listSets())[0]!;
        assert.equal(set.state, 'collecting');
        assert.equal(await w.store.s1sp.countGroupInformation(set.id), 0);
        assert.deepEqual((await w.store.s1sp.heldFiles(set.id)).map((x) => x.fileType).sort(), [
          'MCF',
          'MGF',
          'MVF',
        ]);
      } finally {
        await w.close();
      }
    });

  test('TMAD 5.23, 5.1(a): the key is chosen by Key Identifier among several; the plaintext is sealed, never stored as is', async () => {
    const w = await world([expiredKey, strangerKey, s1spKey]);
    try {
      const f = await fileSet(w, { mcfCounter: 40n });
      // The MGF last: the set is incomplete while the MEF's plaintext is held.
      for (const x of [f.MCF, f.MVF]) assert.ok((await one(w, x, T0)).accepted);
      const r = await one(w, f.MEF, at(HOUR));
      assert.ok(r.accepted, JSON.stringify(r.problem));
      const set = (await w.store.s1sp.listSets())[0]!;
      assert.equal(await w.store.s1sp.countGroupInformation(set.id), 2);
      const mef = await readFile(f.MEF, 'utf8');
      const chf = /<CHFIdentifier>([^<]+)<\/CHFIdentifier>/.exec(mef)![1]!;
      const sealed = (await w.store.s1sp.groupInformation(set.id, chf))!;
      assert.match(sealed, /^s1seal1\./);
      for (const v of [
        'DecryptedS1SPGroupInformation',
        'AuthenticationKey',
        Buffer.from(samples.decrypted()).toString('base64').slice(0, 40),
      ])
        assert.ok(!sealed.includes(v));
      assert.deepEqual(await w.store.incidents.list(), []);
    } finally {
      await w.close();
    }
  });
});

describe('TMAD 5.28(c): where the SCFs go', () => {
  const deliveredTo = async (w: World, o: SetOptions) => {
    const f = await fileSet(w, o);
    const r = await w.h.receive([f.MCF, f.MVF, f.MGF, f.MEF], T0);
    assert.ok(r.reports.every((x) => x.accepted));
    // Both installations fail Table 5.25 (the sample's plaintext is for another CHF): none waits,
    // so the SCF is written at once (5.28).
    const t = r.tick;
    assert.deepEqual(t.problems, []);
    assert.equal(t.scfs.length, 1, JSON.stringify(t));
    return t.scfs[0]!.delivered.map((d) => `${d.to.role}/${d.to.party}`);
  };

  test('TMAD 5.28(a), (b): ToBeCommissionedByDCC = True: the Requesting Party and the Commissioning Party named in the MCF', async () => {
    const w = await world();
    try {
      const rp = pki.party('requesting-party').entityId;
      const cp = pki.party('commissioning-party').entityId;
      assert.deepEqual(await deliveredTo(w, { mcfCounter: 50n, commissioningPartyIdentifier: cp }), [
        `requesting-party/${rp}`,
        `commissioning-party/${cp}`,
      ]);
    } finally {
      await w.close();
    }
  });

  test('TMAD 5.28(b): ToBeCommissionedByDCC = True without CommissioningPartyIdentifier: the DCC as Commissioning Party', async () => {
    const w = await world();
    try {
      const rp = pki.party('requesting-party').entityId;
      assert.deepEqual(await deliveredTo(w, { mcfCounter: 51n }), [
        `requesting-party/${rp}`,
        'commissioning-party/DCC',
      ]);
    } finally {
      await w.close();
    }
  });

  test('TMAD 5.28(c): ToBeCommissionedByDCC = False: the Requesting Party and the Responsible Supplier, no Commissioning Party', async () => {
    const w = await world();
    try {
      const rp = pki.party('requesting-party').entityId;
      const to = await deliveredTo(w, { mcfCounter: 52n, toBeCommissionedByDcc: false });
      // The ESME's CriticalSupplierCertificateID is supplier-a's, whose Party Signifier is SUPA
      // (samples/dcc-reference/organisations.csv).
      assert.deepEqual(to, [`requesting-party/${rp}`, 'responsible-supplier/SUPA']);
      const scfs = await readdir(path.join(w.dir, 'mb', 'responsible-supplier', 'SUPA', 'inbox'));
      assert.equal(scfs.length, 1);
      // TMAD 10.2: the Supplier Signifier is '' as the MCF has Null CriticalSupplierCertificateIDs (its GPFs').
      assert.match(scfs[0]!, /^SCF__/);
      assert.match(
        await readFile(path.join(w.dir, 'mb', 'responsible-supplier', 'SUPA', 'inbox', scfs[0]!), 'utf8'),
        /<SCFCounter>1<\/SCFCounter>/,
      );
    } finally {
      await w.close();
    }
  });
});

describe('a crash between any two store writes of a receipt, then the same files again: as an uninterrupted receipt', () => {
  // The writes of the S1SP's receipt path (Table 5.9's counter and accepted record, the set, its held
  // files, sealed group information, timer, Table 5.25's outcomes, the SCF counter). A crash is
  // simulated by throwing before the (n+1)th write; every write before it stays in the store.
  const WRITES: Partial<Record<keyof Store, readonly string[]>> = {
    s1sp: [
      'openSet',
      'startTimer',
      'setMcf',
      'closeSet',
      'holdFile',
      'forgetHeldFiles',
      'storeGroupInformation',
      'deleteGroupInformation',
      'recordInstallations',
      'recordProcessed',
      'markSent',
      'nextScfCounter',
      'assignScf',
    ],
    acceptedFiles: ['transaction'],
    counters: ['acceptIfUnseen', 'acceptIfGreater'],
    incidents: ['raise'],
  };
  class Crash extends Error {}
  const crashing = (store: Store, after: number): { store: Store; writes: () => number } => {
    let n = 0;
    const wrap = <T extends object>(repo: T, names: readonly string[]): T =>
      new Proxy(repo, {
        get(t, k, r) {
          const v: unknown = Reflect.get(t, k, r);
          if (typeof v !== 'function' || !names.includes(String(k))) return v;
          return (...args: unknown[]) => {
            if (++n > after) throw new Crash(`crash before store write ${n} (${String(k)})`);
            return (v as (...a: unknown[]) => unknown).apply(t, args);
          };
        },
      });
    const view = { ...store } as Record<string, unknown>;
    for (const [repo, names] of Object.entries(WRITES)) view[repo] = wrap(view[repo] as object, names);
    return { store: view as unknown as Store, writes: () => n };
  };
  /** Everything the receipt leaves that an uninterrupted run fixes (no signatures, no paths). */
  const outcomeOf = async (w: World) => {
    const sets = [];
    for (const s of await w.store.s1sp.listSets())
      sets.push({
        set: `${s.requestingPartyId}/${s.mcfCounter}/${s.groupId}`,
        state: s.state,
        firstMvfAt: s.firstMvfAt?.toISOString() ?? null,
        closeReason: s.closeReason,
        mcf: s.mcf,
        held: (await w.store.s1sp.heldFiles(s.id))
          .map((h) => `${h.fileType} ${h.fileName} ${h.sha256}`)
          .sort(),
        sealed: await w.store.s1sp.countGroupInformation(s.id),
        installations: (await w.store.s1sp.installations(s.id)).map((i) => ({
          chf: i.chfIdentifier,
          state: i.state,
          failedChecks: i.failedChecks,
          scf: `${i.scfCounter} ${i.scfFile}`,
        })),
      });
    const list = async (d: string): Promise<string[]> =>
      (await readdir(path.join(w.dir, d), { recursive: true }).catch(() => [] as string[]))
        .filter((n) => n.endsWith('.xml') && !n.includes('.incoming'))
        .sort();
    return {
      sets,
      scfs: await list('scf'),
      mailboxes: await list('mb'),
      incidents: (await w.store.incidents.list()).length,
    };
  };

  for (const [label, mef] of [
    ['Table 5.25 fails both installations: an SCF at once', {}],
    ['the MEF does not decrypt (TMAD 5.23): an Incident, the set waits', { alter: true }],
  ] as const)
    test(`${label}; a crash after each write in turn`, async () => {
      const base = await world();
      let total: number;
      let want: Awaited<ReturnType<typeof outcomeOf>>;
      try {
        const f = await fileSet(base, { mcfCounter: 70n, toBeCommissionedByDcc: false, ...mef });
        const c = crashing(base.store, Infinity);
        await base.over(c.store).receive([f.MVF, f.MCF, f.MGF, f.MEF], T0);
        total = c.writes();
        want = await outcomeOf(base);
      } finally {
        await base.close();
      }
      assert.ok(total > 8, `${total} writes`);
      if (!('alter' in mef)) assert.equal(want.scfs.length, 1);
      for (let n = 0; n < total; n++) {
        const w = await world();
        try {
          const f = await fileSet(w, { mcfCounter: 70n, toBeCommissionedByDcc: false, ...mef });
          const files = [f.MVF, f.MCF, f.MGF, f.MEF];
          await assert.rejects(w.over(crashing(w.store, n).store).receive(files, T0), Crash);
          await w.h.receive(files, T0);
          const got = await outcomeOf(w);
          // The same bytes are new files in each world: compare what does not depend on them.
          const strip = (o: typeof want): unknown =>
            JSON.parse(
              JSON.stringify(o)
                .replace(/ [0-9a-f]{64}"/g, '"')
                .replace(/MEF_[^ "]*/g, 'MEF'),
            );
          // A failed decryption (5.23) is refused again on the re-run, without a second Incident.
          assert.deepEqual(strip(got), strip(want), `crash after ${n} of ${total} writes`);
        } finally {
          await w.close();
        }
      }
    });
});
