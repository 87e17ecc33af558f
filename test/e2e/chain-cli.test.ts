// `s1mig chain run` through the real CLI (issue #11; docs/CHAIN.md): on a 300-installation estate with every
// kind of planted problem across all eight GroupIDs, the per-GroupID summary counts equal what the manifest
// says (computed here from the manifest's records, not by the chain's own comparison); every file is
// accepted by its receiver's Table 5.9 authenticator; a manifest that disagrees with the run gives exit 1
// and names the installation; --json writes no progress; a used --out is a usage error.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli } from '../support/cli.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 's1mig-chain-cli-'));
const estate = path.join(tmp, 'estate');
const env = {
  S1MIG_DATABASE_URL: '',
  S1MIG_PG_SCHEMA: '',
  S1MIG_KEY_PASSPHRASE: 'chain e2e passphrase',
  S1MIG_PROGRESS: '',
};
const cli = (...args: string[]) => runCli(args, { env, cwd: tmp });
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

interface Manifest {
  records: Array<{ chfDeviceId: string; groupId: string; mprn: string | null; problems: string[] }>;
}
interface Group {
  groupId: string;
  installations: number;
  inMas: number;
  rpHeld: Record<string, number>;
  rpRefused: Record<string, number>;
  inMcfs: number;
  mvfFailed: number;
  mvfFailedByCheck: Record<string, number>;
  groupFilesHeld: Record<string, number>;
  inMgf: number;
  inMef: number;
}
interface Summary {
  installations: number;
  groups: Group[];
  stages: Array<{ name: string }>;
  verdicts: { accepted: number; rejected: unknown[] };
  expectation: {
    agree: number;
    disagree: number;
    disagreements: Array<{ chfDeviceId: string; problem: string; expected: string; actual: string }>;
  };
}

let manifest: Manifest;
let summary: Summary;
let stderr: string;

before(async () => {
  const gen = await cli(
    'estate',
    'generate',
    '--installations',
    '300',
    '--seed',
    'chain-e2e',
    '--out',
    estate,
    '--problems',
    'unknown-model=0.03,in-smi=0.03,wrong-supplier=0.03,revoked-certificate=0.03,change-of-supplier=0.03,dormant=0.03,split-supply=0.03,stale-wan=0.03',
  );
  assert.equal(gen.code, 0, gen.stderr);
  manifest = JSON.parse(fs.readFileSync(path.join(estate, 'manifest.json'), 'utf8')) as Manifest;
  const r = await cli('chain', 'run', '--estate', estate, '--out', path.join(tmp, 'run'), '--json');
  assert.equal(r.code, 0, r.stdout.slice(0, 4000) + r.stderr);
  summary = JSON.parse(r.stdout) as Summary;
  stderr = r.stderr;
});

test('chain run: every stage ran, all eight GroupIDs, every installation where the manifest says (docs/CHAIN.md)', () => {
  assert.deepEqual(
    summary.stages.map((s) => s.name),
    [
      'ref-import',
      'smso-import',
      'ma-seal',
      'ma-open',
      'rp-build-mcf',
      'dcc-authenticate-mcf',
      'dcc-validate-mcf',
      'rp-record-mvf',
      'smso-encrypt',
      'rp-build-group-files',
      'group-files-authenticate',
    ],
  );
  assert.deepEqual(
    summary.groups.map((g) => g.groupId),
    ['AA', 'BA', 'CA', 'CB', 'DA', 'EA', 'EB', 'EC'],
  );
  assert.equal(summary.installations, 300);
  assert.deepEqual(summary.expectation, { agree: 300, disagree: 0, disagreements: [] });
  assert.equal(stderr, '', 'no progress with --json when stderr is not a terminal');
});

test('chain run: the counts per GroupID are the manifest’s planted problems (TMAD 4.16, 5.10, 5.12(c))', () => {
  for (const g of summary.groups) {
    const recs = manifest.records.filter((r) => r.groupId === g.groupId);
    const n = (p: string) => recs.filter((r) => r.problems[0] === p).length;
    const nGas = (p: string) => recs.filter((r) => r.problems[0] === p && r.mprn !== null).length;
    const nElec = (p: string) => n(p) - nGas(p);
    // TMAD 4.32A: no Dormant Meter Migration Schedule is exchanged in the chain, so no Supplier
    // Certificate ID is known for a dormant-only EA/EB/EC installation.
    const dormantHeld = ['EA', 'EB', 'EC'].includes(g.groupId) ? n('dormant') : 0;
    const clean =
      recs.filter((r) => ['dormant', 'split-supply', undefined].includes(r.problems[0])).length - dormantHeld;
    const at = `GroupID ${g.groupId}`;
    assert.equal(g.installations, recs.length, at);
    assert.equal(g.inMas, recs.length, `${at}: every installation is in an MA`);
    // TMAD 4.16, 3.6: an ESME model on no EPC entry never reaches an MCF. TMAD 4.17: a wrong supplier
    // with gas has no MA from the MPRN's Gas Supplier.
    const held: Record<string, number> = {};
    if (n('unknown-model')) held['TMAD 4.16, 3.6'] = n('unknown-model');
    if (nGas('wrong-supplier')) held['TMAD 4.17; TMAD 2 Migration Authorisation'] = nGas('wrong-supplier');
    if (dormantHeld) held['TMAD 4.32A'] = dormantHeld;
    assert.deepEqual(g.rpHeld, held, at);
    assert.deepEqual(g.rpRefused, {}, at);
    assert.equal(g.inMcfs, recs.length - n('unknown-model') - nGas('wrong-supplier') - dormantHeld, at);
    // Table 5.10: one check per planted problem.
    const byCheck: Record<string, number> = {};
    for (const [p, step] of [
      ['in-smi', '5.10.4'],
      ['revoked-certificate', '5.10.5'],
      ['change-of-supplier', '5.10.10'],
    ] as const)
      if (n(p)) byCheck[step] = n(p);
    if (nElec('wrong-supplier')) byCheck['5.10.9'] = nElec('wrong-supplier');
    assert.deepEqual(g.mvfFailedByCheck, byCheck, at);
    assert.equal(
      g.mvfFailed,
      n('in-smi') + n('revoked-certificate') + nElec('wrong-supplier') + n('change-of-supplier'),
      at,
    );
    // TMAD 5.12(c): stale WAN contact holds the installation back from the MGF/MEF.
    assert.deepEqual(g.groupFilesHeld, n('stale-wan') ? { 'TMAD 5.12(c)': n('stale-wan') } : {}, at);
    assert.equal(g.inMef, clean, at);
    assert.equal(g.inMgf, g.groupId === 'DA' ? 0 : clean, `${at} (TMAD 16.15: no MGF for DA)`);
  }
  // The planted problems were all there to be found.
  for (const p of [
    'unknown-model',
    'in-smi',
    'wrong-supplier',
    'revoked-certificate',
    'change-of-supplier',
    'stale-wan',
  ])
    assert.equal(manifest.records.filter((r) => r.problems[0] === p).length, 9, p);
});

test('chain run: every MCF, MVF, MGF and MEF is accepted by its receiver (Table 5.9)', () => {
  assert.deepEqual(summary.verdicts.rejected, []);
  assert.ok(summary.verdicts.accepted > 24, String(summary.verdicts.accepted));
});

test('chain run: a manifest that disagrees with the run gives exit 1 and names the installation', async () => {
  const copy = path.join(tmp, 'estate-copy');
  fs.cpSync(estate, copy, { recursive: true });
  const m = JSON.parse(fs.readFileSync(path.join(copy, 'manifest.json'), 'utf8')) as Manifest;
  const victim = m.records.find((r) => r.problems.length === 0 && r.groupId === 'AA')!;
  victim.problems = ['in-smi'];
  fs.writeFileSync(path.join(copy, 'manifest.json'), JSON.stringify(m));
  const r = await cli('chain', 'run', '--estate', copy, '--quiet');
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stdout, /manifest: 1 installation\(s\) did not end where their planted problem says/);
  assert.ok(
    r.stdout.includes(`${victim.chfDeviceId} (AA, in-smi): expected dcc-validate-mcf (5.10.4), got mef`),
    r.stdout,
  );
});

test('chain run: a used --out, a missing estate and a --week that is no Monday are usage errors', async () => {
  const used = await cli('chain', 'run', '--estate', estate, '--out', path.join(tmp, 'run'));
  assert.equal(used.code, 2);
  assert.match(used.stderr, /not empty/);
  const missing = await cli('chain', 'run', '--estate', path.join(tmp, 'nowhere'));
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /manifest/);
  const week = await cli('chain', 'run', '--estate', estate, '--week', '2026-01-20');
  assert.equal(week.code, 2);
  assert.match(week.stderr, /Monday/);
});
