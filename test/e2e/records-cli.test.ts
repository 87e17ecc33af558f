// Through the CLI: the supplier walk-through (demo supplier) leaves a received MA in the store, which
// `ma received` lists and shows (MAM 4: received MAs are recorded); `file validate` checks files
// against the SMETS1 Migration Schema alone (TMAD 10.1, 5.9.1).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { REPO_ROOT, runCli } from '../support/cli.js';

const dir = mkdtempSync(path.join(tmpdir(), 's1mig-records-'));
const env = { S1MIG_DATABASE_URL: `sqlite:${path.join(dir, 'db.sqlite')}` };
after(() => rmSync(dir, { recursive: true, force: true }));

test('demo supplier (npm start) runs build → validate → seal → open and ma received shows the receipt', async () => {
  const demo = await runCli(['demo', 'supplier', '--dir', path.join(dir, 'demo'), '--json'], { env });
  assert.equal(demo.code, 0, demo.stderr);
  const steps = (JSON.parse(demo.stdout) as { steps: Array<{ step: string }> }).steps;
  assert.equal(steps.length, 5);
  const list = await runCli(['ma', 'received', '--json'], { env });
  assert.equal(list.code, 0, list.stderr);
  const receipts = JSON.parse(list.stdout) as Array<{ id: number; outcome: string; rowCount: number }>;
  assert.equal(receipts.length, 1);
  assert.equal(receipts[0]!.outcome, 'accepted');
  const one = await runCli(['ma', 'received', String(receipts[0]!.id), '--json'], { env });
  assert.equal(one.code, 0, one.stderr);
  assert.equal((JSON.parse(one.stdout) as { rows: unknown[] }).rows.length, receipts[0]!.rowCount);
  const none = await runCli(['incidents', '--json'], { env });
  assert.deepEqual(JSON.parse(none.stdout), []);
});

test('TMAD 10.1: file validate reports every schema problem with line and element; exit 0 valid, 1 invalid', async () => {
  const validDir = path.join(REPO_ROOT, 'test', 'fixtures', 'schema', 'valid');
  const valid = readdirSync(validDir).map((f) => path.join(validDir, f));
  const ok = await runCli(['file', 'validate', ...valid]);
  assert.equal(ok.code, 0, ok.stdout + ok.stderr);
  const bad = path.join(dir, 'bad.xml');
  writeFileSync(
    bad,
    '<?xml version="1.0"?>\n<MigrationCommon xmlns="urn:s1mig:smets1-migration:1">\n<RequestingPartyID>zz</RequestingPartyID>\n</MigrationCommon>\n',
  );
  const r = await runCli(['file', 'validate', '--expect', 'MCF', '--json', bad]);
  assert.equal(r.code, 1);
  const v = JSON.parse(r.stdout) as {
    valid: boolean;
    problems: Array<{ line: number; element: string; rule: string }>;
  };
  assert.equal(v.valid, false);
  assert.ok(v.problems.some((p) => p.line === 3 && p.element === 'MigrationCommon/RequestingPartyID'));
  assert.ok(v.problems.every((p) => p.rule.startsWith('TMAD')));
});
