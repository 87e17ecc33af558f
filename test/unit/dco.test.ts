// The DCO party (TMAD 5.13-5.21, 5.1(a), 12.5-16.7, 12.10.1; Appendices A and C, the DCO column): receipt
// of MCF, MVF and MEF as the Authenticator, MEF decryption with the key chosen by Key Identifier and
// refused outside its dates, the DCO Required File Set and its timers at the boundary ± 1 s, the DCO
// Viable Installations, the S1SP's requests, rollback, and key material never in the database file.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  createECDH,
  createHash,
  createHmac,
  generateKeyPairSync,
  randomBytes,
  sign,
  type KeyObject,
} from 'node:crypto';
import { decodeSuaInstruction } from '../../src/core/head-end/sua-instruction.js';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { makeTestPki, sample, signAs, type TestPkiFixture } from '../support/signed-files.js';
import { openStore, type OpenStoreOptions, type Store } from '../../src/store/index.js';
import { onEveryEngine } from '../support/store-engines.js';
import {
  iterateMigrationFile,
  migrationFileName,
  migrationFileToXmlString,
  type McfInstallation,
  type MefInstallation,
  type OutcomeInstallation,
} from '../../src/core/formats/migration-files/index.js';
import { encryptMasterKey, encryptSuaKey, formatSuaPublicKey } from '../../src/core/crypto/index.js';
import {
  formatGroupKeyNotice,
  rsaKeyIdentifier,
  type KeyPurpose,
} from '../../src/core/formats/smso/group-key.js';
import {
  Dco,
  dcoMefDataValidation,
  loadDcoKeys,
  selectDcoKey,
  MEF_TIMER_MS,
  REQUEST_TIMER_MS,
  SET_TIMER_MS,
  verifyEnvelope,
  type DcoMcfData,
  type DcoMefData,
  type DcoPrivateKey,
} from '../../src/dco/index.js';
import type { GroupId } from '../../src/core/ids/index.js';

const PASS = 'dco unit test passphrase';
let pki: TestPkiFixture;
let dir: string;
let rp: string;
let s1sp: string;
const rsa = (): { publicKey: KeyObject; privateKey: KeyObject } =>
  generateKeyPairSync('rsa', { modulusLength: 2048 });
let masterPair: ReturnType<typeof rsa>;
let suaPair: ReturnType<typeof rsa>;
let otherPair: ReturnType<typeof rsa>;
const T0 = new Date(Math.floor(Date.now() / 1000) * 1000 + 60_000);
const at = (ms: number): Date => new Date(T0.getTime() + ms);
const day = (d: Date): string => d.toISOString().slice(0, 10);

function key(
  purpose: KeyPurpose,
  pair: ReturnType<typeof rsa>,
  from: Date,
  to: Date,
  groups: GroupId[] | null = null,
): DcoPrivateKey {
  return {
    notice: {
      purpose,
      keyIdentifier: rsaKeyIdentifier(pair.publicKey),
      validFrom: day(from),
      validTo: day(to),
      groupIds: groups,
      publicKey: pair.publicKey,
      source: `${purpose}.notice`,
    },
    privateKey: pair.privateKey,
  };
}
const YEAR = 365 * 86_400_000;
let keys: DcoPrivateKey[];

before(async () => {
  pki = await makeTestPki();
  dir = await mkdtemp(path.join(os.tmpdir(), 's1mig-dco-'));
  rp = pki.party('requesting-party').entityId;
  s1sp = pki.party('s1sp').entityId;
  masterPair = rsa();
  suaPair = rsa();
  otherPair = rsa();
  keys = [
    key('DCO-MasterKey', masterPair, at(-YEAR), at(YEAR)),
    key('DCO-SUAKey', suaPair, at(-YEAR), at(YEAR), ['DA']),
  ];
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
  await pki.cleanup();
});

let counter = 1000;
const b64 = (b: Buffer): string => b.toString('base64');

interface FileSet {
  mcf: string;
  mvf: string;
  mef: string;
  mcfCounter: bigint;
  chfs: string[];
  masterKeys: Buffer[];
  suaKeys: Array<{ esme: Buffer; gsme?: Buffer; device: KeyObject; esmeSerial: string }>;
}

/** MCF (the schema sample: installation 0 with a GSME, 1 without), MVF and MEF of one set, signed. */
async function fileSet(
  groupId: GroupId,
  o: {
    mvfFailed?: number[];
    masterKeyFor?: (i: number) => Buffer;
    encryptTo?: KeyObject;
    editMef?: (m: MefInstallation, i: number) => void;
  } = {},
): Promise<FileSet> {
  const mcfCounter = BigInt(++counter);
  const sub = await mkdtemp(path.join(dir, `${groupId}-`));
  const mcfXml = await signAs(
    pki,
    'requesting-party',
    'requestingPartyFileSigning',
    sample('MCF', { requestingPartyId: rp, counter: String(mcfCounter), groupId }),
  );
  const mcfHeader = { requestingPartyId: rp, mcfCounter, groupId, toBeCommissionedByDcc: true };
  const mcf = path.join(sub, migrationFileName('MCF', mcfHeader));
  await writeFile(mcf, mcfXml);
  const installs: McfInstallation[] = [];
  for await (const item of iterateMigrationFile(Buffer.from(mcfXml)))
    if (item.kind === 'installation') installs.push(item.installation as McfInstallation);
  const chfs = installs.map((i) => i.chfDetail.deviceId);
  const mvfHeader = {
    requestingPartyId: rp,
    mcfCounter,
    reportingPartyId: s1sp,
    mvfCounter: BigInt(++counter),
    groupId,
  };
  const mvfInst: OutcomeInstallation[] = chfs.map((c, i) => ({
    chfIdentifier: c,
    failedChecks: o.mvfFailed?.includes(i) ? [{ failedStepNumber: '5.10.9' }] : [],
  }));
  const mvf = path.join(sub, migrationFileName('MVF', mvfHeader));
  await writeFile(
    mvf,
    await signAs(
      pki,
      's1sp',
      's1SPMigrationSigning',
      await migrationFileToXmlString('MVF', mvfHeader, mvfInst),
    ),
  );
  const masterKeys: Buffer[] = [];
  const suaKeys: FileSet['suaKeys'] = [];
  const mefInst: MefInstallation[] = installs.map((m, i) => {
    if (groupId === 'DA') {
      const esme = randomBytes(16);
      const device = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey;
      const gsme = m.gsmeDetail ? randomBytes(16) : undefined;
      const esmeSerial = `SN-ESME-${i}`;
      suaKeys.push({ esme, device, esmeSerial, ...(gsme ? { gsme } : {}) });
      const to = o.encryptTo ?? suaPair.publicKey;
      const mi: MefInstallation = {
        chfIdentifier: m.chfDetail.deviceId,
        encryptedMasterKeys: [],
        suaKeyDetails: [
          {
            deviceType: 'ESME',
            serialNumber: esmeSerial,
            publicKey: formatSuaPublicKey(device),
            encryptedSuaKey: b64(encryptSuaKey(esme, to)),
          },
          ...(gsme
            ? [
                {
                  deviceType: 'GSME',
                  serialNumber: `SN-GSME-${i}`,
                  publicKey: formatSuaPublicKey(device),
                  encryptedSuaKey: b64(encryptSuaKey(gsme, to)),
                },
              ]
            : []),
        ],
      };
      o.editMef?.(mi, i);
      return mi;
    }
    const mk = o.masterKeyFor?.(i) ?? randomBytes(16);
    masterKeys.push(mk);
    const mi: MefInstallation = {
      chfIdentifier: m.chfDetail.deviceId,
      encryptedS1spGroupInformation: {
        protectedData: 'AAAA',
        authenticationTag: 'AAAAAAAAAAAAAAAAAAAAAA==',
        wrappedTransportKey: 'AAAA',
      },
      encryptedMasterKeys: [
        {
          encryptedKey: b64(encryptMasterKey(mk, o.encryptTo ?? masterPair.publicKey)),
          deviceIds: [m.chfDetail.deviceId, m.gpfDetail.deviceId, m.esmeDetail.deviceId],
        },
      ],
      suaKeyDetails: [],
    };
    o.editMef?.(mi, i);
    return mi;
  });
  const mefHeader = { requestingPartyId: rp, mcfCounter, mefCounter: BigInt(++counter), groupId };
  const mef = path.join(sub, migrationFileName('MEF', mefHeader));
  await writeFile(
    mef,
    await signAs(
      pki,
      'requesting-party',
      'requestingPartyFileSigning',
      await migrationFileToXmlString('MEF', mefHeader, mefInst),
    ),
  );
  return { mcf, mvf, mef, mcfCounter, chfs, masterKeys, suaKeys };
}

async function world(
  o: { keys?: DcoPrivateKey[] } = {},
): Promise<{ store: Store; dco: Dco; clock: { now: Date }; dbDir: string; discardTo: string }> {
  const dbDir = await mkdtemp(path.join(dir, 'db-'));
  const store = await openStore({ url: '', dataDir: dbDir });
  const clock = { now: T0 };
  const discardTo = path.join(dbDir, 'discarded');
  const dco = new Dco({
    store,
    keys: o.keys ?? keys,
    trust: pki.trust,
    passphrase: PASS,
    clock: () => clock.now,
    discardTo,
  });
  return { store, dco, clock, dbDir, discardTo };
}

const ref = (fs: FileSet, groupId: GroupId, i: number) => ({
  requestingPartyId: rp,
  mcfCounter: fs.mcfCounter,
  groupId,
  chfIdentifier: fs.chfs[i]!,
});

test('TMAD 5.11, 5.15, 5.19: MCF, MVF and MEF authenticated as the DCO; the set completes; an installation with an MVF FailedCheck is not DCO Viable (5.19(b)) and is refused (5.20)', async () => {
  const w = await world();
  const fs = await fileSet('AA', { mvfFailed: [1] });
  const a = await w.dco.receive(fs.mcf, T0);
  assert.equal(a.outcome, 'recorded', JSON.stringify(a));
  assert.deepEqual(a.authentication?.stepsPassed.includes('5.9.5'), true);
  assert.equal((await w.dco.receive(fs.mef, at(1000))).outcome, 'recorded');
  const c = await w.dco.receive(fs.mvf, at(2000));
  assert.equal(c.outcome, 'complete', JSON.stringify(c));
  assert.deepEqual(c.viable, [fs.chfs[0]]);
  assert.equal(c.notViable![0]!.chfIdentifier, fs.chfs[1]);
  assert.deepEqual(
    c.notViable![0]!.failures.map((f) => f.step),
    ['5.19(b)'],
  );
  // The same bytes again: already received, nothing changes (TMAD 5.9.5-5.9.9).
  assert.equal((await w.dco.receive(fs.mvf, at(3000))).outcome, 'already-received');
  w.clock.now = at(4000);
  const refused = await w.dco.createKeyChange(ref(fs, 'AA', 1), {
    deviceId: fs.chfs[1]!,
    associationName: 'DataCollection',
    newKey: randomBytes(16),
  });
  assert.equal(refused.ok, false);
  assert.equal(!refused.ok && refused.clause, 'TMAD 5.20');
  const [st] = await w.dco.status();
  assert.equal(st!.state, 'complete');
  assert.deepEqual(st!.viable, [fs.chfs[0]]);
  await w.store.close();
});

test('TMAD Appendix A A5 ET08: createKeyChange is the RFC 3394 AES Key Wrap of the new key under the Master Key (RFC 3394 4.1 test vector); ET02 returns a signed package; a key of another device is not an Authorised DCO SMETS1 Device Credential (5.21)', async () => {
  const w = await world();
  const kek = Buffer.from('000102030405060708090A0B0C0D0E0F', 'hex');
  const fs = await fileSet('CA', { masterKeyFor: () => kek });
  for (const f of [fs.mcf, fs.mvf, fs.mef]) await w.dco.receive(f, T0);
  const r = await w.dco.createKeyChange(ref(fs, 'CA', 0), {
    deviceId: fs.chfs[0]!,
    associationName: 'DataCollection',
    newKey: Buffer.from('00112233445566778899AABBCCDDEEFF', 'hex'),
  });
  assert.ok(r.ok, JSON.stringify(r));
  // RFC 3394 section 4.1: Wrap 128 bits of Key Data with a 128-bit KEK.
  assert.equal(
    Buffer.from(r.value.protectedKey).toString('hex').toUpperCase(),
    '1FA68B0A8112B447AEF34BD8FB5A7B829D3E862371D2CFE5',
  );
  // And any new key: as `openssl enc -id-aes128-wrap` (RFC 3394 default IV) wraps it.
  const fresh = randomBytes(16);
  const r2 = await w.dco.createKeyChange(ref(fs, 'CA', 0), {
    deviceId: fs.chfs[0]!,
    associationName: 'Management',
    newKey: Buffer.from(fresh),
  });
  assert.ok(r2.ok);
  const ossl = spawnSync(
    'openssl',
    ['enc', '-id-aes128-wrap', '-K', kek.toString('hex'), '-iv', 'A6A6A6A6A6A6A6A6'],
    { input: fresh },
  );
  if (ossl.status === 0)
    assert.equal(Buffer.from(r2.value.protectedKey).toString('hex'), ossl.stdout.toString('hex'));
  const other = await w.dco.createKeyChange(ref(fs, 'CA', 0), {
    deviceId: fs.chfs[1]!, // installation 1's CHF: not in installation 0's MEF entry
    associationName: 'DataCollection',
    newKey: randomBytes(16),
  });
  assert.equal(!other.ok && other.clause, 'TMAD 5.21');
  // A1 ET02: the EncryptedMasterKey of the MEF, semantically identical (DeviceIDs in another order).
  const mef: MefInstallation[] = [];
  for await (const item of iterateMigrationFile(await readFile(fs.mef)))
    if (item.kind === 'installation') mef.push(item.installation as MefInstallation);
  const emk = mef[0]!.encryptedMasterKeys[0]!;
  const p = await w.dco.processEncryptedMasterKey(ref(fs, 'CA', 0), {
    ...emk,
    deviceIds: [...emk.deviceIds].reverse(),
  });
  assert.ok(p.ok, JSON.stringify(p));
  const v = verifyEnvelope(p.value.signedPackage);
  assert.ok(v, 'the package verifies');
  assert.equal(v.env.signer, await w.dco.packageVerificationKey());
  const payload = v.payload as { format: string; deviceIds: string[]; ciphertext: string };
  assert.equal(payload.format, 's1mig-dco-et02/1');
  assert.deepEqual(payload.deviceIds, emk.deviceIds);
  assert.ok(
    !Buffer.from(p.value.signedPackage).includes(kek),
    'the Master Key is not in the package in clear',
  );
  const wrong = await w.dco.processEncryptedMasterKey(ref(fs, 'CA', 0), {
    ...emk,
    deviceIds: [emk.deviceIds[0]!],
  });
  assert.equal(!wrong.ok && wrong.clause, 'TMAD Appendix A A1 ET02');
  await w.store.close();
});

test('TMAD Appendix B ET05-ET09: after a MasterKey change the DCO wraps the next key change under the new Master Key the device holds (openssl id-aes128-wrap)', async () => {
  const w = await world();
  const kek = Buffer.from('000102030405060708090A0B0C0D0E0F', 'hex');
  const fs = await fileSet('CA', { masterKeyFor: () => kek });
  for (const f of [fs.mcf, fs.mvf, fs.mef]) await w.dco.receive(f, T0);
  const newMaster = randomBytes(16);
  const m = await w.dco.createKeyChange(ref(fs, 'CA', 0), {
    deviceId: fs.chfs[0]!,
    associationName: 'MasterKey',
    newKey: Buffer.from(newMaster),
  });
  assert.ok(m.ok, JSON.stringify(m));
  const fresh = randomBytes(16);
  const r = await w.dco.createKeyChange(ref(fs, 'CA', 0), {
    deviceId: fs.chfs[0]!,
    associationName: 'HighLevelAssociation',
    newKey: Buffer.from(fresh),
  });
  assert.ok(r.ok, JSON.stringify(r));
  const wrap = (k: Buffer): string | null => {
    const o = spawnSync(
      'openssl',
      ['enc', '-id-aes128-wrap', '-K', k.toString('hex'), '-iv', 'A6A6A6A6A6A6A6A6'],
      {
        input: fresh,
      },
    );
    return o.status === 0 ? o.stdout.toString('hex') : null;
  };
  const underNew = wrap(newMaster);
  if (underNew !== null) {
    assert.equal(Buffer.from(r.value.protectedKey).toString('hex'), underNew);
    assert.notEqual(Buffer.from(r.value.protectedKey).toString('hex'), wrap(kek));
  }
  await w.store.close();
});

test("TMAD 5.27 (commissioning started again): the DCO forgets the Master Key the cut-short attempt changed; the next key change is wrapped under the MEF's again (openssl id-aes128-wrap)", async () => {
  const w = await world();
  const kek = Buffer.from('000102030405060708090A0B0C0D0E0F', 'hex');
  const fs = await fileSet('CA', { masterKeyFor: () => kek });
  for (const f of [fs.mcf, fs.mvf, fs.mef]) await w.dco.receive(f, T0);
  const m = await w.dco.createKeyChange(ref(fs, 'CA', 0), {
    deviceId: fs.chfs[0]!,
    associationName: 'MasterKey',
    newKey: randomBytes(16),
  });
  assert.ok(m.ok, JSON.stringify(m));
  const before = await w.store.dco.keyCount();
  await w.dco.commissioningRestarted(ref(fs, 'CA', 0));
  assert.equal(await w.store.dco.keyCount(), before - 1); // only the changed Master Key went
  const fresh = randomBytes(16);
  const r = await w.dco.createKeyChange(ref(fs, 'CA', 0), {
    deviceId: fs.chfs[0]!,
    associationName: 'HighLevelAssociation',
    newKey: Buffer.from(fresh),
  });
  assert.ok(r.ok, JSON.stringify(r));
  const o = spawnSync(
    'openssl',
    ['enc', '-id-aes128-wrap', '-K', kek.toString('hex'), '-iv', 'A6A6A6A6A6A6A6A6'],
    {
      input: fresh,
    },
  );
  if (o.status === 0)
    assert.equal(Buffer.from(r.value.protectedKey).toString('hex'), o.stdout.toString('hex'));
  await w.store.close();
});

test('TMAD 5.18: the set completes 24 h - 1 s after its first MVF; at exactly 24 h it is discarded and the late MEF refused', async () => {
  const w = await world();
  const ok = await fileSet('AA');
  const late = await fileSet('AA');
  for (const s of [ok, late]) {
    await w.dco.receive(s.mvf, T0); // the 24-hour timer starts on the MVF
    await w.dco.receive(s.mcf, at(1000));
  }
  assert.equal((await w.dco.receive(ok.mef, at(SET_TIMER_MS - 1000))).outcome, 'complete');
  const r = await w.dco.receive(late.mef, at(SET_TIMER_MS));
  assert.equal(r.outcome, 'refused');
  assert.equal(r.clause, 'TMAD 5.18');
  assert.match(r.disposition ?? '', /^moved to /);
  const st = await w.dco.status();
  assert.deepEqual(
    st.map((s) => s.state),
    ['complete', 'discarded'],
  );
  assert.equal(await w.store.dco.keyCount(), 2); // the discarded set's keys were never kept
  await w.store.close();
});

test('TMAD 5.18: the timer starts only on the MVF: an MCF and MEF waiting longer than 24 h still complete within 24 h of the MVF', async () => {
  const w = await world();
  const s = await fileSet('BA');
  await w.dco.receive(s.mcf, T0);
  await w.dco.receive(s.mef, T0);
  assert.deepEqual(await w.dco.tick(at(SET_TIMER_MS + 1000)), []);
  assert.equal((await w.dco.receive(s.mvf, at(SET_TIMER_MS + 2000))).outcome, 'complete');
  await w.store.close();
});

test('TMAD 5.16: 192 h after the MEF with no S1SP request the file is discarded (not at 192 h - 1 s) and its keys deleted', async () => {
  const w = await world();
  const s = await fileSet('EA');
  for (const f of [s.mcf, s.mvf, s.mef]) await w.dco.receive(f, T0);
  assert.equal(await w.store.dco.keyCount(), 2);
  assert.deepEqual(await w.dco.tick(at(MEF_TIMER_MS - 1000)), []);
  const t = await w.dco.tick(at(MEF_TIMER_MS));
  assert.deepEqual(
    t.map((x) => [x.clause, x.action, x.keysDeleted]),
    [['TMAD 5.16', 'discard-set', 2]],
  );
  assert.equal(await w.store.dco.keyCount(), 0);
  w.clock.now = at(MEF_TIMER_MS + 1000);
  const r = await w.dco.createKeyChange(ref(s, 'EA', 0), {
    deviceId: s.chfs[0]!,
    associationName: 'G',
    newKey: randomBytes(16),
  });
  assert.equal(!r.ok && r.clause, 'TMAD 5.20');
  await w.store.close();
});

test('TMAD 5.17: a request before 192 h starts a 60-day timer; at 60 days (not 1 s before) the never-requested installations are discarded, the requested one stays', async () => {
  const w = await world();
  const s = await fileSet('AA');
  for (const f of [s.mcf, s.mvf, s.mef]) await w.dco.receive(f, T0);
  const first = at(MEF_TIMER_MS - 1000); // just before the 192 hours
  w.clock.now = first;
  const r = await w.dco.createKeyChange(ref(s, 'AA', 0), {
    deviceId: s.chfs[0]!,
    associationName: 'DataCollection',
    newKey: randomBytes(16),
  });
  assert.ok(r.ok, JSON.stringify(r));
  assert.deepEqual(await w.dco.tick(at(MEF_TIMER_MS)), []); // the 192-hour timer stopped
  const end = first.getTime() - T0.getTime() + REQUEST_TIMER_MS;
  assert.deepEqual(await w.dco.tick(at(end - 1000)), []);
  const t = await w.dco.tick(at(end));
  assert.deepEqual(
    t.map((x) => [x.clause, x.installations, x.keysDeleted]),
    [['TMAD 5.17', 1, 1]],
  );
  w.clock.now = at(end + 1000);
  const again = await w.dco.createKeyChange(ref(s, 'AA', 0), {
    deviceId: s.chfs[0]!,
    associationName: 'DataCollection',
    newKey: randomBytes(16),
  });
  assert.ok(again.ok, JSON.stringify(again));
  const gone = await w.dco.createKeyChange(ref(s, 'AA', 1), {
    deviceId: s.chfs[1]!,
    associationName: 'DataCollection',
    newKey: randomBytes(16),
  });
  assert.equal(!gone.ok && gone.clause, 'TMAD 5.20');
  await w.store.close();
});

test('TMAD 5.1(a): a DCO key outside its validity dates is refused: the MEF is not decrypted, it is discarded and an Incident raised (5.15(b))', async () => {
  const expired = [key('DCO-MasterKey', masterPair, at(-YEAR), at(-86_400_000 * 2))];
  const w = await world({ keys: expired });
  const s = await fileSet('AA');
  const r = await w.dco.receive(s.mef, T0);
  assert.equal(r.outcome, 'refused');
  assert.equal(r.clause, 'TMAD 5.1(a)');
  assert.match(r.reason ?? '', /5\.1\(a\)\(ii\)/);
  assert.ok(r.incidentId);
  assert.match(r.disposition ?? '', /^moved to /);
  assert.equal(existsSync(s.mef), false);
  const inc = await w.store.incidents.list({ party: 'dco' });
  assert.equal(inc.at(-1)!.kind, 'master-key-decryption-failure');
  assert.equal(await w.store.dco.keyCount(), 0);
  await w.store.close();
});

test('TMAD 5.15(b): an MEF whose EncryptedKey is not to the DCO key of its GroupID fails decryption: ceased, discarded, Incident', async () => {
  const w = await world();
  const s = await fileSet('CB', { encryptTo: otherPair.publicKey });
  const r = await w.dco.receive(s.mef, T0);
  assert.equal(r.clause, 'TMAD 5.15(b)');
  assert.ok(r.incidentId);
  assert.ok((await readdir(w.discardTo)).some((n) => n.startsWith('MEF_')));
  assert.deepEqual(await w.dco.status(), []);
  await w.store.close();
});

test('TMAD 5.9: a file that fails Table 5.9 is refused with its step, discarded, and raises an Incident', async () => {
  const w = await world();
  const s = await fileSet('AA');
  await writeFile(
    s.mcf,
    (await readFile(s.mcf, 'utf8')).replace('<GroupID>AA</GroupID>', '<GroupID>BA</GroupID>'),
  );
  const r = await w.dco.receive(s.mcf, T0);
  assert.equal(r.outcome, 'refused');
  assert.equal(r.clause, 'TMAD 5.9.2');
  assert.ok(r.incidentId);
  await w.store.close();
});

// The one SUA instruction form (src/core/head-end/sua-instruction.ts, what the simulated devices
// execute): the MACs are recomputed here with node:crypto from their definition, not with its code.
const b64u = (u: Uint8Array) => Buffer.from(u).toString('base64');
const authorisationMac = (suaKey: Uint8Array, type: string, serial: string, dco: Uint8Array) =>
  createHmac('sha256', suaKey)
    .update(`s1mig-sua/authorisation|${type}|${serial}|${b64u(dco)}`)
    .digest();
const rotationMac = (k: Uint8Array, type: string, serial: string, dco: Uint8Array, dev: Uint8Array) =>
  createHmac('sha256', k)
    .update(`s1mig-sua/rotation|${type}|${serial}|${b64u(dco)}|${b64u(dev)}`)
    .digest();

test('TMAD Appendix C GT03/ET03, GT06/ET06 (DA): the SUA authorisation carries a new DCO Public Key under a MAC by the decrypted SUA key; the rotation checks the device signature against the stored PublicKey and is keyed by ECDH of the issued DCO key and the device key', async () => {
  const w = await world();
  const s = await fileSet('DA');
  for (const f of [s.mcf, s.mvf, s.mef]) await w.dco.receive(f, T0);
  const k = s.suaKeys[0]!;
  const a = await w.dco.createSuaAuthorisation(ref(s, 'DA', 0), {
    deviceType: 'ESME',
    serialNumber: k.esmeSerial,
  });
  assert.ok(a.ok, JSON.stringify(a));
  const p = decodeSuaInstruction(a.value.instruction);
  assert.ok(p, 'the core instruction form');
  assert.equal(p.kind, 'authorisation');
  assert.equal(p.serialNumber, k.esmeSerial);
  assert.deepEqual(Buffer.from(p.dcoPublicKey), Buffer.from(a.value.dcoPublicKey));
  assert.equal(a.value.dcoPublicKey.length, 65);
  assert.deepEqual(Buffer.from(p.mac), authorisationMac(k.esme, 'ESME', k.esmeSerial, p.dcoPublicKey));
  assert.notDeepEqual(
    Buffer.from(p.mac),
    authorisationMac(randomBytes(16), 'ESME', k.esmeSerial, p.dcoPublicKey),
  );
  const wrongSerial = await w.dco.createSuaAuthorisation(ref(s, 'DA', 0), {
    deviceType: 'ESME',
    serialNumber: 'SN-OTHER',
  });
  assert.equal(!wrongSerial.ok && wrongSerial.clause, 'TMAD Appendix C ET03');
  // The device's new key pair (Appendix C ET05.2), signed by its permanent key.
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  const devicePublicKey = ecdh.getPublicKey(null, 'uncompressed');
  const good = sign('sha256', devicePublicKey, k.device);
  const rot = await w.dco.createSuaRotation(ref(s, 'DA', 0), {
    deviceType: 'ESME',
    serialNumber: k.esmeSerial,
    devicePublicKey,
    deviceSignature: good,
    dcoPublicKey: a.value.dcoPublicKey,
  });
  assert.ok(rot.ok, JSON.stringify(rot));
  const r = decodeSuaInstruction(rot.value.instruction);
  assert.equal(r?.kind, 'rotation');
  assert.deepEqual(Buffer.from(r.dcoPublicKey), Buffer.from(a.value.dcoPublicKey));
  assert.deepEqual(Buffer.from(r.devicePublicKey!), devicePublicKey);
  // The device side: ECDH of its private key and the DCO Public Key it was given.
  const key = createHash('sha256')
    .update('s1mig-sua/rotation-key')
    .update(ecdh.computeSecret(Buffer.from(a.value.dcoPublicKey)))
    .digest();
  assert.deepEqual(
    Buffer.from(r.mac),
    rotationMac(key, 'ESME', k.esmeSerial, a.value.dcoPublicKey, devicePublicKey),
  );
  const bad = await w.dco.createSuaRotation(ref(s, 'DA', 0), {
    deviceType: 'ESME',
    serialNumber: k.esmeSerial,
    devicePublicKey,
    deviceSignature: sign('sha256', randomBytes(65), k.device),
    dcoPublicKey: a.value.dcoPublicKey,
  });
  assert.equal(!bad.ok && bad.clause, 'TMAD Appendix C ET06');
  const notAPoint = await w.dco.createSuaRotation(ref(s, 'DA', 0), {
    deviceType: 'ESME',
    serialNumber: k.esmeSerial,
    devicePublicKey: Buffer.alloc(65, 7),
    deviceSignature: sign('sha256', Buffer.alloc(65, 7), k.device),
    dcoPublicKey: a.value.dcoPublicKey,
  });
  assert.equal(!notAPoint.ok && notAPoint.clause, 'TMAD Appendix C ET06');
  await w.store.close();
});

test('TMAD 16.7.1, 5.19(c): an EncryptedMasterKey in a DA MEF is not decrypted; it makes only its installation not DCO Viable', async () => {
  const w = await world();
  const s = await fileSet('DA', {
    editMef: (m, i) => {
      if (i === 1)
        m.encryptedMasterKeys.push({
          encryptedKey: b64(encryptMasterKey(randomBytes(16), otherPair.publicKey)),
          deviceIds: [m.chfIdentifier],
        });
    },
  });
  await w.dco.receive(s.mcf, T0);
  await w.dco.receive(s.mvf, T0);
  const r = await w.dco.receive(s.mef, T0);
  assert.equal(r.outcome, 'complete', JSON.stringify(r));
  assert.deepEqual(r.viable, [s.chfs[0]]);
  assert.deepEqual(
    r.notViable![0]!.failures.map((f) => f.step),
    ['16.7.1'],
  );
  await w.store.close();
});

test('TMAD 12.10.1: on rollback the DCO deletes the installation keys; requests are refused after; 5.20(b) commissioning is recorded only for a viable installation', async () => {
  const w = await world();
  const s = await fileSet('AA');
  for (const f of [s.mcf, s.mvf, s.mef]) await w.dco.receive(f, T0);
  w.clock.now = at(60_000);
  await w.dco.chfCommissioned(ref(s, 'AA', 0));
  assert.ok((await w.store.dco.installation(ref(s, 'AA', 0)))!.commissionedAt);
  assert.equal(await w.store.dco.keyCount(), 2);
  await w.dco.installationRolledBack(ref(s, 'AA', 1));
  assert.equal(await w.store.dco.keyCount(), 1);
  const i = await w.store.dco.installation(ref(s, 'AA', 1));
  assert.equal(i!.removedClause, 'TMAD 12.10.1');
  const r = await w.dco.createKeyChange(ref(s, 'AA', 1), {
    deviceId: s.chfs[1]!,
    associationName: 'DataCollection',
    newKey: randomBytes(16),
  });
  assert.equal(!r.ok && r.clause, 'TMAD 5.20');
  await w.store.close();
});

test('TMAD 5.20(b): an installation reported commissioned is still served after its set is discarded (5.16); the others are refused', async () => {
  const w = await world();
  const s = await fileSet('BA');
  for (const f of [s.mcf, s.mvf, s.mef]) await w.dco.receive(f, T0);
  w.clock.now = at(1000);
  await w.dco.chfCommissioned(ref(s, 'BA', 0));
  const t = await w.dco.tick(at(MEF_TIMER_MS));
  assert.deepEqual(
    t.map((x) => [x.clause, x.keysDeleted]),
    [['TMAD 5.16', 1]],
  );
  w.clock.now = at(MEF_TIMER_MS + 1000);
  const kept = await w.dco.createKeyChange(ref(s, 'BA', 0), {
    deviceId: s.chfs[0]!,
    associationName: 'DataCollection',
    newKey: randomBytes(16),
  });
  assert.ok(kept.ok, JSON.stringify(kept));
  const gone = await w.dco.createKeyChange(ref(s, 'BA', 1), {
    deviceId: s.chfs[1]!,
    associationName: 'DataCollection',
    newKey: randomBytes(16),
  });
  assert.equal(!gone.ok && gone.clause, 'TMAD 5.20');
  await w.store.close();
});

test('TMAD 5.1(a)(i), 5.3: the key directory pairs each DCO notice with its private key by Key Identifier, ignores the S1SP keys, and refuses a notice without its key', async () => {
  const kd = await mkdtemp(path.join(dir, 'keys-'));
  const notice = (purpose: KeyPurpose, pair: ReturnType<typeof rsa>, groups: string): string =>
    formatGroupKeyNotice({
      purpose,
      validFrom: '2020-01-01',
      validTo: '2030-12-31',
      groupIds: groups.split(' ') as GroupId[],
      publicKey: pair.publicKey,
    });
  const pem = (pair: ReturnType<typeof rsa>): string =>
    pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  await writeFile(path.join(kd, 'DCO-MasterKey-AA.notice'), notice('DCO-MasterKey', masterPair, 'AA'));
  await writeFile(path.join(kd, 'DCO-MasterKey-AA.key.pem'), pem(masterPair));
  await writeFile(
    path.join(kd, 'S1SP-GroupInformation-AA.notice'),
    notice('S1SP-GroupInformation', otherPair, 'AA'),
  );
  await writeFile(path.join(kd, 'S1SP-GroupInformation-AA.key.pem'), 'not read');
  const loaded = await loadDcoKeys(kd, PASS);
  assert.deepEqual(
    loaded.map((k) => [k.notice.purpose, k.notice.keyIdentifier]),
    [['DCO-MasterKey', rsaKeyIdentifier(masterPair.publicKey)]],
  );
  assert.equal(selectDcoKey(loaded, 'DCO-MasterKey', 'AA', T0).ok, true);
  const ba = selectDcoKey(loaded, 'DCO-MasterKey', 'BA', T0);
  assert.match(!ba.ok ? ba.error : '', /no DCO-MasterKey private key for GroupID BA/);
  await writeFile(path.join(kd, 'DCO-SUAKey-DA.notice'), notice('DCO-SUAKey', suaPair, 'DA'));
  await assert.rejects(loadDcoKeys(kd, PASS), /DCO-SUAKey-DA\.notice: no private key .* for Key Identifier/);
});

test('TMAD 5.19: a set whose three files were recorded but not completed (a stop in between) is completed by the next tick, as of its last file', async () => {
  const w = await world();
  const key = { requestingPartyId: rp, mcfCounter: 9_999n, groupId: 'EA' };
  const c = 'AA-00-00-00-00-00-00-01';
  const e = 'AA-00-00-00-00-00-00-03';
  await w.store.dco.recordFile(key, 'MCF', 'mcf', T0, [
    { chfIdentifier: c, data: { devices: { CHF: c, ESME: e } } },
  ]);
  await w.store.dco.recordFile(key, 'MVF', 'mvf', at(1000), [
    { chfIdentifier: c, data: { failedSteps: [] } },
  ]);
  await w.store.dco.recordFile(key, 'MEF', 'mef', at(2000), [
    {
      chfIdentifier: c,
      data: {
        hasGroupInformation: true,
        encryptedMasterKeys: [{ encryptedKey: 'AAAA', deviceIds: [e] }],
        suaKeyDetails: [],
      },
    },
  ]);
  assert.deepEqual(await w.dco.tick(at(SET_TIMER_MS + 5000)), []);
  const [st] = await w.dco.status();
  assert.equal(st!.state, 'complete');
  assert.equal(st!.completedAt, at(2000).toISOString());
  assert.deepEqual(st!.viable, [c]);
  await w.store.close();
});

test('key material at rest: the decrypted Master Keys, SUA keys and DCO secrets are sealed; no plaintext in the SQLite file', async () => {
  const w = await world();
  const aa = await fileSet('AA');
  const da = await fileSet('DA');
  for (const s of [aa, da]) for (const f of [s.mcf, s.mvf, s.mef]) await w.dco.receive(f, T0);
  w.clock.now = at(1000);
  await w.dco.createSuaAuthorisation(ref(da, 'DA', 0), {
    deviceType: 'ESME',
    serialNumber: da.suaKeys[0]!.esmeSerial,
  });
  const mef: MefInstallation[] = [];
  for await (const item of iterateMigrationFile(await readFile(aa.mef)))
    if (item.kind === 'installation') mef.push(item.installation as MefInstallation);
  assert.ok((await w.dco.processEncryptedMasterKey(ref(aa, 'AA', 0), mef[0]!.encryptedMasterKeys[0]!)).ok);
  await w.store.close();
  const secrets = [...aa.masterKeys, ...da.suaKeys.flatMap((k) => [k.esme, ...(k.gsme ? [k.gsme] : [])])];
  for (const name of await readdir(w.dbDir)) {
    if (!name.startsWith('s1mig.sqlite')) continue;
    const bytes = await readFile(path.join(w.dbDir, name));
    for (const k of secrets) {
      assert.ok(!bytes.includes(k), `${name} holds a key in binary`);
      for (const enc of ['hex', 'base64'] as const) {
        assert.ok(!bytes.includes(Buffer.from(k.toString(enc))), `${name} holds a key as ${enc}`);
        assert.ok(
          !bytes.includes(Buffer.from(k.toString(enc).toUpperCase())),
          `${name} holds a key as ${enc}`,
        );
      }
    }
  }
});

// ---------------------------------------------------------------------------------------------------
// The DCO Migration Group Encrypted File data validation (pure)

const mcfData = (gsme: boolean): DcoMcfData => ({
  devices: { CHF: 'C', GPF: 'G', ESME: 'E', ...(gsme ? { GSME: 'S' } : {}) },
});
const emk = (...ids: string[]) => ({ encryptedKey: 'AAAA', deviceIds: ids });
const mefData = (o: Partial<DcoMefData>): DcoMefData => ({
  hasGroupInformation: true,
  encryptedMasterKeys: [],
  suaKeyDetails: [],
  ...o,
});
const steps = (g: GroupId, m: DcoMcfData, e: DcoMefData): string[] =>
  dcoMefDataValidation(g, m, e).map((f) => f.step);
const sua = (
  deviceType: string,
  o: Partial<{ serialNumber: string; publicKey: string; encryptedSuaKey: string }> = {},
) => ({
  deviceType,
  serialNumber: 'SN',
  publicKey: 'PK',
  encryptedSuaKey: 'EK',
  ...o,
});

test('TMAD 12.7.1 (AA): an EncryptedKey covering the GPF and one covering the ESME', () => {
  assert.deepEqual(steps('AA', mcfData(true), mefData({ encryptedMasterKeys: [emk('G'), emk('E')] })), []);
  assert.deepEqual(steps('AA', mcfData(true), mefData({ encryptedMasterKeys: [emk('C', 'G')] })), ['12.7.1']);
  assert.deepEqual(
    steps(
      'AA',
      mcfData(true),
      mefData({ encryptedMasterKeys: [{ encryptedKey: '', deviceIds: ['G', 'E'] }] }),
    ),
    ['12.7.1'],
  );
});

test('TMAD 13.9.1 (BA), 14.8.1 (CA, CB): EncryptedKeys covering the CHF, GPF and ESME', () => {
  assert.deepEqual(steps('BA', mcfData(false), mefData({ encryptedMasterKeys: [emk('C', 'G', 'E')] })), []);
  assert.deepEqual(steps('BA', mcfData(false), mefData({ encryptedMasterKeys: [emk('G', 'E')] })), [
    '13.9.1',
  ]);
  assert.deepEqual(
    steps('CB', mcfData(false), mefData({ encryptedMasterKeys: [emk('C'), emk('G'), emk('E')] })),
    [],
  );
  assert.deepEqual(steps('CA', mcfData(false), mefData({ encryptedMasterKeys: [emk('C'), emk('E')] })), [
    '14.8.1',
  ]);
});

test('TMAD 15.7.1 (EA, EB, EC): an EncryptedKey for the ESME; 12.15 / 15.3 file structure per installation', () => {
  assert.deepEqual(steps('EB', mcfData(false), mefData({ encryptedMasterKeys: [emk('E')] })), []);
  assert.deepEqual(steps('EC', mcfData(false), mefData({ encryptedMasterKeys: [emk('C')] })), ['15.7.1']);
  assert.deepEqual(
    steps('EA', mcfData(false), mefData({ hasGroupInformation: false, encryptedMasterKeys: [emk('E')] })),
    ['15.3'],
  );
  assert.deepEqual(
    steps(
      'AA',
      mcfData(false),
      mefData({ encryptedMasterKeys: [emk('G', 'E')], suaKeyDetails: [sua('ESME')] }),
    ),
    ['12.15'],
  );
});

test('TMAD 16.7.1-16.7.5 (DA): no EncryptedMasterKey; one ESME EncryptedSUAKey; one GSME one iff the MCF has a GSME; no empty child', () => {
  assert.deepEqual(
    steps(
      'DA',
      mcfData(true),
      mefData({ hasGroupInformation: false, suaKeyDetails: [sua('ESME'), sua('GSME')] }),
    ),
    [],
  );
  assert.deepEqual(
    steps('DA', mcfData(false), mefData({ hasGroupInformation: false, suaKeyDetails: [sua('ESME')] })),
    [],
  );
  assert.deepEqual(
    steps(
      'DA',
      mcfData(false),
      mefData({ hasGroupInformation: false, encryptedMasterKeys: [emk('E')], suaKeyDetails: [sua('ESME')] }),
    ),
    ['16.7.1'],
  );
  assert.deepEqual(
    steps(
      'DA',
      mcfData(false),
      mefData({ hasGroupInformation: false, suaKeyDetails: [sua('ESME'), sua('ESME')] }),
    ),
    ['16.7.2', '16.7.4'],
  );
  assert.deepEqual(
    steps('DA', mcfData(true), mefData({ hasGroupInformation: false, suaKeyDetails: [sua('ESME')] })),
    ['16.7.3'],
  );
  assert.deepEqual(
    steps(
      'DA',
      mcfData(false),
      mefData({ hasGroupInformation: false, suaKeyDetails: [sua('ESME'), sua('GSME')] }),
    ),
    ['16.7.4'],
  );
  assert.deepEqual(
    steps(
      'DA',
      mcfData(false),
      mefData({ hasGroupInformation: false, suaKeyDetails: [sua('ESME', { serialNumber: ' ' })] }),
    ),
    ['16.7.5'],
  );
  assert.deepEqual(steps('DA', mcfData(false), mefData({ suaKeyDetails: [sua('ESME')] })), ['16.16']);
});

// ---------------------------------------------------------------------------------------------------
// The same party on SQLite and PostgreSQL

await onEveryEngine(
  'dco-party',
  (name: string, opts: () => OpenStoreOptions, teardown: () => Promise<void>, skip: string | false) => {
    describe(`the DCO on ${name}`, { skip }, () => {
      test('TMAD 5.19, 5.20, 12.10.1, 5.17: a set completes, requests are answered for viable installations only, rollback deletes keys, the 60-day expiry discards the rest', async () => {
        const store = await openStore(opts());
        try {
          const clock = { now: T0 };
          const dco = new Dco({ store, keys, trust: pki.trust, passphrase: PASS, clock: () => clock.now });
          const s = await fileSet('CA', { mvfFailed: [1] });
          for (const f of [s.mcf, s.mvf, s.mef]) await dco.receive(f, T0);
          clock.now = at(1000);
          const ok = await dco.createKeyChange(ref(s, 'CA', 0), {
            deviceId: s.chfs[0]!,
            associationName: 'Firmware',
            newKey: randomBytes(32),
          });
          assert.ok(ok.ok, JSON.stringify(ok));
          assert.equal(ok.value.protectedKey.length, 40);
          const no = await dco.createKeyChange(ref(s, 'CA', 1), {
            deviceId: s.chfs[1]!,
            associationName: 'Firmware',
            newKey: randomBytes(16),
          });
          assert.equal(!no.ok && no.clause, 'TMAD 5.20');
          assert.equal(await store.dco.keyCount(), 1); // the non-viable installation's key went at 5.19
          await dco.installationRolledBack(ref(s, 'CA', 0));
          assert.equal(await store.dco.keyCount(), 0);
          const t = await dco.tick(at(1000 + REQUEST_TIMER_MS));
          assert.deepEqual(
            t.map((x) => x.clause),
            ['TMAD 5.17'],
          );
        } finally {
          await store.close();
          await teardown();
        }
      });
    });
  },
);
