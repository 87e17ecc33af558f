// TMAD 5.9.1 / 10.1 / 10.2: the file type a file name states decides the XML structure expected;
// a name that states no type is judged by its root alone.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileTypeStatedByName, validateXml } from '../../src/core/schema/index.js';
import { authenticateMigrationFile, type AuthenticateOptions } from '../../src/core/authentication/index.js';
import { openStore, type Store } from '../../src/store/index.js';
import { makeTestPki, sample, signAs, type TestPkiFixture } from '../support/signed-files.js';

let pki: TestPkiFixture;
let store: Store;
let dataDir: string;
let RP: string;
let counter = 5000;

before(async () => {
  pki = await makeTestPki();
  dataDir = await mkdtemp(path.join(os.tmpdir(), 's1mig-name-type-'));
  store = await openStore({ url: `sqlite:${path.join(dataDir, 'n.sqlite')}` });
  RP = pki.party('requesting-party').entityId;
});
after(async () => {
  await store.close();
  await rm(dataDir, { recursive: true, force: true });
  await pki.cleanup();
});

const opts = (fileName: string): AuthenticateOptions => ({
  as: 'dcc',
  trust: pki.trust,
  counters: store.counters,
  fileName,
});

async function signedMgf(): Promise<string> {
  const c = String(counter++);
  return signAs(
    pki,
    'requesting-party',
    'requestingPartyFileSigning',
    sample('MGF', { requestingPartyId: RP, counter: c }),
  );
}

test('TMAD 10.2: the FileType prefix of a name states its type; other names state none', () => {
  assert.equal(fileTypeStatedByName('MCF_70-B3-D5-1F-30-10-00-01_7_0.xml'), 'MCF');
  assert.equal(fileTypeStatedByName('/tmp/in/SCF_BGAS_70-B3-D5-1F-30-11-00-01_7_3.xml'), 'SCF');
  assert.equal(fileTypeStatedByName('MGF_anything.xml'), 'MGF');
  assert.equal(fileTypeStatedByName('mcf-sample.xml'), undefined);
  assert.equal(fileTypeStatedByName('MCFX_1_2_0.xml'), undefined);
  assert.equal(fileTypeStatedByName('MCF_dir/file.xml'), undefined);
  assert.equal(fileTypeStatedByName('file.xml'), undefined);
});

test('TMAD 5.9.1 / Table 10.2: schema validation of an MGF saved under an MCF name fails naming both', async () => {
  const xml = await signedMgf();
  const r = await validateXml(xml, { fileName: `MCF_${RP}_7_0.xml` });
  assert.equal(r.valid, false);
  const p = r.problems.find((x) => x.rule === 'TMAD 5.9.1');
  assert.ok(p, JSON.stringify(r.problems));
  assert.match(p.message, /states file type MCF/);
  assert.match(p.message, /root element is 'MigrationGroup' \(file type MGF\)/);
  assert.match(p.message, /MigrationCommon/);
  assert.equal(p.element, 'MigrationGroup');
});

test('TMAD 5.9.1: the same MGF under its own name, or a name stating no type, is valid', async () => {
  const xml = await signedMgf();
  assert.equal((await validateXml(xml, { fileName: `MGF_${RP}_7_9.xml` })).valid, true);
  assert.equal((await validateXml(xml, { fileName: 'received-file.xml' })).valid, true);
  assert.equal((await validateXml(xml)).valid, true);
});

test('TMAD 5.9.1 / Table 5.9: the authenticator rejects an MGF named as an MCF at step 5.9.1', async () => {
  const xml = await signedMgf();
  const v = await authenticateMigrationFile(xml, opts(`MCF_${RP}_7_0.xml`));
  assert.equal(v.accepted, false);
  assert.equal(v.failedStep, '5.9.1');
  assert.match(v.problems[0]!.message, /states file type MCF.*'MigrationGroup' \(file type MGF\)/);
  assert.deepEqual(v.stepsPassed, []);
});

test('TMAD 5.9.1: the authenticator judges a file whose name states no type by its root', async () => {
  const v = await authenticateMigrationFile(await signedMgf(), opts('inbound-0001.xml'));
  assert.equal(v.accepted, true, JSON.stringify(v.problems));
  assert.equal(v.fileType, 'MGF');
});

test('TMAD 10.2 / 5.9.1: an MCF named ..._999_0.xml whose MCFCounter is 102 is rejected naming both', async () => {
  const c = String(counter++);
  const xml = await signAs(
    pki,
    'requesting-party',
    'requestingPartyFileSigning',
    sample('MCF', { requestingPartyId: RP, counter: c }),
  );
  const v = await authenticateMigrationFile(xml, opts(`MCF_${RP}_999_0.xml`));
  assert.equal(v.accepted, false);
  assert.equal(v.failedStep, '5.9.1');
  assert.equal(v.problems[0]!.rule, 'TMAD 10.2');
  assert.match(v.problems[0]!.message, new RegExp(`MCFCounter is 999 but the file's MCFCounter is ${c}`));
  // The counter was not consumed: the correctly named file is then accepted.
  const ok = await authenticateMigrationFile(xml, opts(`MCF_${RP}_${c}_0.xml`));
  assert.equal(ok.accepted, true, JSON.stringify(ok.problems));
});

test("TMAD 10.2 / 5.9.1: an MGF's AdditionalID must be its MGFCounter and its MCFCounter the file's", async () => {
  const c = String(counter++);
  const xml = await signAs(
    pki,
    'requesting-party',
    'requestingPartyFileSigning',
    sample('MGF', { requestingPartyId: RP, counter: c, mcfCounter: '102' }),
  );
  const wrongOwn = await authenticateMigrationFile(xml, opts(`MGF_${RP}_102_999.xml`));
  assert.equal(wrongOwn.failedStep, '5.9.1');
  assert.match(
    wrongOwn.problems[0]!.message,
    new RegExp(`AdditionalID is 999 but the file's MGFCounter is ${c}`),
  );
  assert.equal(wrongOwn.problems[0]!.element, 'MigrationGroup/MGFCounter');
  const both = await authenticateMigrationFile(xml, opts(`MGF_${RP}_999_999.xml`));
  assert.equal(both.problems.length, 2);
  const ok = await authenticateMigrationFile(xml, opts(`MGF_${RP}_102_${c}.xml`));
  assert.equal(ok.accepted, true, JSON.stringify(ok.problems));
});
