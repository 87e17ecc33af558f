// s1mig dcc validate-mcf through the real CLI: pki init → file generate MCF --sign (the installations the
// sample reference fixture describes) → dcc validate-mcf with samples/dcc-reference.json → the MVF
// (TMAD 5.10(b)-(d)) is schema-valid (xmllint) and the Requesting Party authenticates it (Table 5.9).
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { REPO_ROOT, runCli } from '../support/cli.js';

const dir = mkdtempSync(path.join(tmpdir(), 's1mig-dcc-cli-'));
const pki = path.join(dir, 'pki');
const env = { S1MIG_DATABASE_URL: `sqlite:${path.join(dir, 'db.sqlite')}` };
const fixture = path.join(REPO_ROOT, 'samples', 'dcc-reference.json');
const hasXmllint = spawnSync('xmllint', ['--version']).status === 0;
let mcf: string;
after(() => rmSync(dir, { recursive: true, force: true }));

const signer = (): string[] => [
  '--sign-key',
  path.join(pki, 's1sp', 's1SPMigrationSigning.key.pem'),
  '--cert',
  path.join(pki, 's1sp', 's1SPMigrationSigning.cert.pem'),
];

before(async () => {
  assert.equal((await runCli(['pki', 'init', pki])).code, 0);
  const files = path.join(dir, 'files');
  const g = await runCli([
    'file',
    'generate',
    'MCF',
    '--pki',
    pki,
    '--sign',
    '--installations',
    '5',
    '--seed',
    '1',
    '--counter',
    '12',
    '--out',
    files + '/',
  ]);
  assert.equal(g.code, 0, g.stderr);
  mcf = path.join(files, readdirSync(files)[0]!);
});

interface JsonOut {
  mvf: string;
  installations: number;
  passed: number;
  failed: number;
  header: { mcfCounter: string; groupId: string };
  results: Array<{
    chfIdentifier: string;
    passed: boolean;
    failedChecks: Array<{ failedStepNumber: string; supportingData?: Record<string, unknown> }>;
    problems: Array<{ rule: string; element: string; message: string }>;
  }>;
}

test('TMAD 5.10: dcc validate-mcf reports the FailedChecks per installation and writes a signed MVF that the Requesting Party authenticates', async () => {
  const out = path.join(dir, 'mvf') + '/';
  const r = await runCli(
    [
      'dcc',
      'validate-mcf',
      mcf,
      '--reference',
      fixture,
      '--trust',
      pki,
      ...signer(),
      '--out',
      out,
      '--mvf-counter',
      '5',
      '--json',
    ],
    { env },
  );
  assert.equal(r.code, 1, r.stderr); // some installations failed: exit 1, MVF written anyway
  const j = JSON.parse(r.stdout) as JsonOut;
  assert.equal(j.installations, 5);
  assert.equal(j.passed, 3);
  assert.equal(j.failed, 2);
  assert.equal(j.header.mcfCounter, '12');
  assert.deepEqual(
    j.results.map((x) => x.failedChecks.map((f) => f.failedStepNumber)),
    [[], [], [], ['5.10.9'], ['5.10.4']],
  );
  assert.ok(j.results[3]!.failedChecks[0]!.supportingData?.certificateId);
  assert.equal(j.results[4]!.failedChecks[0]!.supportingData?.deviceId, '00-12-4B-01-9A-7A-5F-AD');
  assert.equal(j.results[3]!.problems[0]!.rule, 'TMAD 5.10.9 (Table 5.10)');
  // TMAD 10.2 name: MVF_<ReportingPartyID>_<MCFCounter>_<MVFCounter>.xml
  assert.equal(path.basename(j.mvf), 'MVF_70-B3-D5-1F-30-11-00-01_12_5.xml');
  if (hasXmllint) {
    const x = spawnSync(
      'xmllint',
      ['--noout', '--schema', path.join(REPO_ROOT, 'schema', 'smets1-migration.xsd'), j.mvf],
      {
        encoding: 'utf8',
      },
    );
    assert.equal(x.status, 0, x.stderr);
  }
  const a = await runCli(['file', 'authenticate', '--as', 'requesting-party', '--trust', pki, j.mvf], {
    env,
  });
  assert.equal(a.code, 0, a.stdout + a.stderr);
  assert.match(a.stdout, /AUTHENTICATED/);
});

test('TMAD 5.10: text output names element, CHF and clause; all installations passing exits 0', async () => {
  // Reference data under which every installation passes: no SMI entry, the right Import Supplier.
  const fx = JSON.parse(readFileSync(fixture, 'utf8')) as {
    smartMeteringInventory: string[];
    electricity: Array<{ importSupplier: string }>;
  };
  fx.smartMeteringInventory = [];
  for (const e of fx.electricity) e.importSupplier = 'SUPA';
  const good = path.join(dir, 'good.json');
  writeFileSync(good, JSON.stringify(fx));
  const ok = await runCli([
    'dcc',
    'validate-mcf',
    mcf,
    '--reference',
    good,
    '--trust',
    pki,
    ...signer(),
    '--out',
    path.join(dir, 'ok.xml'),
  ]);
  assert.equal(ok.code, 0, ok.stdout + ok.stderr);
  assert.match(ok.stdout, /5 passed, 0 failed/);
  const bad = await runCli([
    'dcc',
    'validate-mcf',
    mcf,
    '--reference',
    fixture,
    '--trust',
    pki,
    ...signer(),
    '--out',
    path.join(dir, 'bad.xml'),
  ]);
  assert.equal(bad.code, 1);
  assert.match(
    bad.stdout,
    /SMETS1Installation\[5\]\/IHDDetail\/DeviceID \(CHF [0-9A-F-]+\): .*Smart Metering Inventory.*\(TMAD 5\.10\.4 \(Table 5\.10\)\)/,
  );
});

test('dcc validate-mcf: usage and input problems are reported without a stack trace', async () => {
  const junk = path.join(dir, 'junk.xml');
  writeFileSync(junk, '<Other/>');
  const j = await runCli([
    'dcc',
    'validate-mcf',
    junk,
    '--reference',
    fixture,
    '--trust',
    pki,
    ...signer(),
    '--out',
    path.join(dir, 'j.xml'),
  ]);
  assert.equal(j.code, 1);
  assert.match(j.stdout, /TMAD 5\.9\.1/);
  const badFx = path.join(dir, 'bad.json');
  writeFileSync(badFx, '{"cpl": 1, "typo": []}');
  const f = await runCli([
    'dcc',
    'validate-mcf',
    mcf,
    '--reference',
    badFx,
    ...signer(),
    '--out',
    path.join(dir, 'f.xml'),
  ]);
  assert.equal(f.code, 2);
  assert.match(f.stderr, /cpl: expected an array/);
  assert.match(f.stderr, /typo: unknown key/);
  const rp = await runCli([
    'dcc',
    'validate-mcf',
    mcf,
    '--reference',
    fixture,
    '--sign-key',
    path.join(pki, 'requesting-party', 'requestingPartyFileSigning.key.pem'),
    '--cert',
    path.join(pki, 'requesting-party', 'requestingPartyFileSigning.cert.pem'),
    '--out',
    path.join(dir, 'rp.xml'),
  ]);
  assert.equal(rp.code, 2);
  assert.match(rp.stderr, /expected s1SPMigrationSigning \(TMAD 5\.5 Table 5\.5\)/);
  for (const r of [j, f, rp]) assert.doesNotMatch(r.stdout + r.stderr, /\n\s+at /);
});
