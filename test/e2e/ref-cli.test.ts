// s1mig ref through the real CLI (issue #11): import every sample registry, list, show, export back
// byte-identical; bad rows reported with file, line, column and rule, nothing stored; certificates
// imported from a PKI directory made by `s1mig pki init`.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT, runCli } from '../support/cli.js';
import { REGISTRY_NAMES } from '../../src/core/reference/index.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 's1mig-ref-cli-'));
const env = { S1MIG_DATABASE_URL: `sqlite:${path.join(tmp, 'ref.sqlite')}`, S1MIG_PG_SCHEMA: '' };
const sample = (r: string): string => path.join(REPO_ROOT, 'samples', 'reference', `${r}.csv`);
const cli = (...args: string[]) => runCli(args, { env, cwd: tmp });

after(() => fs.rmSync(tmp, { recursive: true, force: true }));

test('ref import, list, show, export: every sample registry round-trips byte-identical', async () => {
  for (const r of REGISTRY_NAMES) {
    const imp = await cli('ref', 'import', r, sample(r), '--json');
    assert.equal(imp.code, 0, imp.stderr);
    const j = JSON.parse(imp.stdout) as { ok: boolean; added: number; warnings: unknown[] };
    assert.equal(j.ok, true);
    assert.ok(j.added > 0);
    assert.deepEqual(j.warnings, []);
  }
  const list = await cli('ref', 'list', '--json');
  assert.equal(list.code, 0, list.stderr);
  const counts = JSON.parse(list.stdout) as Array<{ registry: string; entries: number }>;
  assert.deepEqual(
    counts.map((c) => c.registry),
    [...REGISTRY_NAMES],
  );
  assert.equal(counts.find((c) => c.registry === 'products')!.entries, 20);

  for (const r of REGISTRY_NAMES) {
    const out = path.join(tmp, `${r}.out.csv`);
    const ex = await cli('ref', 'export', r, '--out', out);
    assert.equal(ex.code, 0, ex.stderr);
    assert.ok(fs.readFileSync(out).equals(fs.readFileSync(sample(r))), `${r} export differs from its import`);
    const stdout = await cli('ref', 'export', r);
    assert.equal(stdout.stdout, fs.readFileSync(sample(r), 'utf8'));
  }

  const text = await cli('ref', 'list', 'smi', '--limit', '2');
  assert.equal(text.stdout, fs.readFileSync(sample('smi'), 'utf8').split('\n').slice(0, 3).join('\n') + '\n');
  const show = await cli('ref', 'show', 'registration', '1200987654320', '--json');
  assert.equal(show.code, 0);
  const entries = JSON.parse(show.stdout) as Array<Record<string, string>>;
  assert.deepEqual(
    entries.map((e) => e['Party']),
    ['SUPA', 'SUPB', 'DNOA'],
  );
  const none = await cli('ref', 'show', 'smi', '00-00-00-00-00-00-00-00');
  assert.equal(none.code, 1);
  assert.match(none.stderr, /no entry/);

  // a second import without --replace updates in place: the export is unchanged
  const again = await cli('ref', 'import', 'epc', sample('epc'), '--json');
  assert.deepEqual(
    (({ added, updated, total }) => [added, updated, total])(
      JSON.parse(again.stdout) as Record<string, number>,
    ),
    [0, 6, 6],
  );
});

test('ref import: every bad row named (file, line, column, rule); nothing stored; exit 1', async () => {
  const bad = path.join(tmp, 'bad-smi.csv');
  fs.writeFileSync(
    bad,
    'Device ID,Device Type,Status\n00-0D-6F-00-00-B0-01-01,CHF,Commissioned\n00-0D-6F-00-00-B0-01-02,CHX,Commissioned\nnot-an-id,ESME,Pending\n',
  );
  const r = await cli('ref', 'import', 'smi', bad);
  assert.equal(r.code, 1);
  assert.match(
    r.stderr,
    /bad-smi\.csv: line 3, column 'Device Type': 'CHX': expected a Device Type.*\[TMAD 5\.10\.4/,
  );
  assert.match(r.stderr, /bad-smi\.csv: line 4, column 'Device ID'/);
  assert.match(r.stderr, /2 problem\(s\); nothing imported/);
  assert.doesNotMatch(r.stderr, /at .*\.js:\d+/); // no stack trace
  const j = await cli('ref', 'import', 'smi', bad, '--json');
  const body = JSON.parse(j.stdout) as { ok: boolean; problems: Array<Record<string, unknown>> };
  assert.equal(body.ok, false);
  assert.deepEqual(
    { ...body.problems[0], message: undefined },
    {
      file: bad,
      line: 3,
      column: 25,
      field: 'Device Type',
      rule: 'TMAD 5.10.4 Smart Metering Inventory',
      message: undefined,
    },
  );
  const show = await cli('ref', 'show', 'smi', '00-0D-6F-00-00-B0-01-01');
  assert.equal(show.code, 1, 'the good row of a bad file is not stored');

  assert.equal((await cli('ref', 'import', 'nope', bad)).code, 2);
  assert.equal((await cli('ref', 'import', 'smi', path.join(tmp, 'missing.csv'))).code, 2);
  const binary = path.join(tmp, 'binary.csv');
  fs.writeFileSync(binary, Buffer.from([0xff, 0xfe, 0x00, 0x01, 0x0a, 0x80, 0x81]));
  const b = await cli('ref', 'import', 'products', binary);
  assert.equal(b.code, 1);
});

test('ref import certificates from a PKI directory (s1mig pki init); the group/EPC disagreement warns', async () => {
  const pki = path.join(tmp, 'pki');
  assert.equal((await cli('pki', 'init', pki)).code, 0);
  const r = await cli('ref', 'import', 'certificates', pki, '--replace', '--json');
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout) as { added: number; total: number };
  assert.equal(j.total, j.added);
  const parties = JSON.parse(fs.readFileSync(path.join(pki, 'parties.json'), 'utf8')) as Array<{
    certificates: Array<{ serialNumber: string }>;
  }>;
  const serial = parties[0]!.certificates[0]!.serialNumber;
  const show = await cli('ref', 'show', 'certificates', serial, '--json');
  assert.equal(show.code, 0);
  assert.equal((JSON.parse(show.stdout) as Array<Record<string, string>>)[0]!['Serial Number'], serial);

  const g = path.join(tmp, 'g.csv');
  fs.writeFileSync(
    g,
    fs.readFileSync(sample('group-models'), 'utf8').split('\n')[0] +
      '\nEA,Toshiba,TCH-GBCH-S1,1.5.0,Secure Meters,Liberty 100,L100-6.3,,,,,,\n',
  );
  const w = await cli('ref', 'import', 'group-models', g);
  assert.equal(w.code, 0);
  assert.match(w.stdout, /warning: Group EA lists .* no EPC entry/);
});
