// TMAD 5.9 through the real CLI: `file authenticate --discard-to` keeps every rejected file — two of
// the same name do not overwrite each other — also when the directory is on another file system.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCli } from '../support/cli.js';

const dir = mkdtempSync(path.join(tmpdir(), 's1mig-discard-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const shm = '/dev/shm';
const otherFs = existsSync(shm) && statSync(shm).dev !== statSync(dir).dev;

test('TMAD 5.9: two rejected files of the same name are both discarded, with Incidents, never overwritten (exit 1)', async () => {
  const pki = path.join(dir, 'pki');
  assert.equal((await runCli(['pki', 'init', pki])).code, 0);
  const out = otherFs ? mkdtempSync(path.join(shm, 's1mig-discard-cli-')) : path.join(dir, 'rejected');
  try {
    const files = ['a', 'b'].map((sub, i) => {
      mkdirSync(path.join(dir, sub));
      const f = path.join(dir, sub, 'MCF_X.xml');
      writeFileSync(f, `<not-well-formed ${i}`);
      return f;
    });
    const r = await runCli(
      ['file', 'authenticate', '--as', 'dcc', '--trust', pki, '--json', '--discard-to', out, ...files],
      { env: { S1MIG_DATABASE_URL: `sqlite:${path.join(dir, 'db.sqlite')}` } },
    );
    assert.equal(r.code, 1, r.stderr);
    // Several files: JSON Lines, one verdict per line.
    const verdicts = r.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as { failedStep: string; incidentId: number });
    assert.deepEqual(
      verdicts.map((v) => v.failedStep),
      ['5.9.1', '5.9.1'],
    );
    assert.ok(verdicts.every((v) => typeof v.incidentId === 'number'));
    assert.deepEqual(readdirSync(out).sort(), [
      'MCF_X.xml',
      'MCF_X.xml.1',
      'MCF_X.xml.1.verdict.json',
      'MCF_X.xml.verdict.json',
    ]);
    assert.equal(readFileSync(path.join(out, 'MCF_X.xml'), 'utf8'), '<not-well-formed 0');
    assert.equal(readFileSync(path.join(out, 'MCF_X.xml.1'), 'utf8'), '<not-well-formed 1');
    assert.ok(files.every((f) => !existsSync(f)));
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
