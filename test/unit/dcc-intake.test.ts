// The DCC's intake of signed migration files (src/dcc/intake.ts, TMAD 5.9): each verdict is handed on
// as soon as it is decided, before the next file is read; the same bytes again are already accepted.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile, readdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { authenticateMigrationFiles, type IntakeVerdict } from '../../src/dcc/intake.js';
import { openStore, type Store } from '../../src/store/index.js';
import { makeTestPki, sample, signAs, type TestPkiFixture } from '../support/signed-files.js';

let pki: TestPkiFixture;
let store: Store;
let dir: string;

before(async () => {
  pki = await makeTestPki();
  dir = await mkdtemp(path.join(os.tmpdir(), 's1mig-dcc-intake-'));
  store = await openStore({ url: `sqlite:${path.join(dir, 'intake.sqlite')}` });
});
after(async () => {
  await store.close();
  await rm(dir, { recursive: true, force: true });
  await pki.cleanup();
});

async function mcf(name: string, counter: string, groupId = 'AA'): Promise<string> {
  const rp = pki.party('requesting-party').entityId;
  const xml = await signAs(
    pki,
    'requesting-party',
    'requestingPartyFileSigning',
    sample('MCF', { requestingPartyId: rp, counter, groupId }),
  );
  const f = path.join(dir, name);
  await writeFile(f, xml);
  return f;
}

test('TMAD 5.9: each verdict is handed on before the next file is read; the same bytes again are already accepted, another file with the counter is a replay and is discarded', async () => {
  const a = await mcf('a.xml', '501');
  const b = await mcf('b.xml', '501', 'AB'); // other bytes, same counter
  const events: string[] = [];
  const options = {
    as: 'dcc' as const,
    trust: pki.trust,
    now: new Date(),
    discardTo: path.join(dir, 'rejected'),
    progress: (file: string) => {
      events.push(`read ${path.basename(file)}`);
      return { tick: () => undefined, done: () => undefined };
    },
  };
  const onVerdict = (v: IntakeVerdict) => {
    events.push(
      `verdict ${v.fileName} ${v.accepted ? (v.alreadyAccepted ? 'already' : 'accepted') : v.failedStep}`,
    );
  };
  const verdicts = await authenticateMigrationFiles([a, a, b], options, store, onVerdict);
  assert.deepEqual(events, [
    'read a.xml',
    'verdict a.xml accepted',
    'read a.xml',
    'verdict a.xml already',
    'read b.xml',
    'verdict b.xml 5.9.5',
  ]);
  assert.equal(verdicts[1]!.incidentId, null);
  assert.equal(verdicts[1]!.disposition, null);
  assert.equal(typeof verdicts[2]!.incidentId, 'number');
  assert.equal(existsSync(a), true, 'an already accepted file is never discarded');
  assert.deepEqual((await readdir(path.join(dir, 'rejected'))).sort(), ['b.xml', 'b.xml.verdict.json']);
});

test('TMAD 5.9.5: a dry run (no store) records no accepted file and reports the counter step as skipped', async () => {
  const a = await mcf('dry.xml', '777');
  const [v] = await authenticateMigrationFiles(
    [a, a],
    { as: 'dcc', trust: pki.trust, now: new Date() },
    undefined,
  );
  assert.equal(v!.accepted, true);
  assert.equal(v!.sha256, undefined);
  assert.deepEqual(v!.stepsPassed, ['5.9.1', '5.9.2', '5.9.3', '5.9.4']);
  assert.deepEqual(
    v!.stepsSkipped.map((s) => s.step),
    ['5.9.5'],
  );
});
