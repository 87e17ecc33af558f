// s1mig file authenticate through the real CLI (TMAD Table 5.9): a signed MCF is authenticated once,
// the same bytes again return the original verdict ("already accepted"), another file with its
// counter is rejected at 5.9.5 with an Incident and can be discarded; a file re-signed by a
// certificate of the wrong Remote Party Role is rejected at 5.9.3; a tampered file at 5.9.2.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCli } from '../support/cli.js';

const dir = mkdtempSync(path.join(tmpdir(), 's1mig-auth-cli-'));
const pki = path.join(dir, 'pki');
const env = { S1MIG_DATABASE_URL: `sqlite:${path.join(dir, 'db.sqlite')}` };
let mcf: string;
after(() => rmSync(dir, { recursive: true, force: true }));

before(async () => {
  assert.equal((await runCli(['pki', 'init', pki])).code, 0);
  const g = await runCli([
    'file',
    'generate',
    'MCF',
    '--pki',
    pki,
    '--sign',
    '--installations',
    '5',
    '--counter',
    '42',
    '--out',
    `${dir}/files/`,
    '--json',
  ]);
  assert.equal(g.code, 0, g.stderr);
  mcf = (JSON.parse(g.stdout) as { file: string }).file;
});

async function authenticate(file: string, ...extra: string[]) {
  const r = await runCli(['file', 'authenticate', '--as', 'dcc', '--trust', pki, '--json', ...extra, file], {
    env,
  });
  return { code: r.code, verdict: JSON.parse(r.stdout || '{}') as Record<string, unknown>, stderr: r.stderr };
}

async function incidentCount(): Promise<number> {
  const r = await runCli(['incidents', 'list', '--json'], { env });
  assert.equal(r.code, 0, r.stderr);
  return (JSON.parse(r.stdout) as unknown[]).length;
}

test('TMAD 5.9.5: a signed MCF is authenticated (exit 0); the same bytes again are "already accepted" (exit 0, no Incident, not discarded); another file with its counter is a replay (exit 1, Incident, discarded)', async () => {
  const first = await authenticate(mcf);
  assert.equal(first.code, 0, first.stderr);
  assert.deepEqual(first.verdict.stepsPassed, ['5.9.1', '5.9.2', '5.9.3', '5.9.4', '5.9.5']);
  assert.match(String(first.verdict.sha256), /^[0-9a-f]{64}$/);
  const incidents = await incidentCount();
  const discard = path.join(dir, 'rejected');

  // A kill after the counter commit but before the verdict was printed: the re-run gets the verdict.
  const again = await authenticate(mcf, '--discard-to', discard);
  assert.equal(again.code, 0, again.stderr);
  assert.equal(again.verdict.accepted, true);
  assert.deepEqual(again.verdict.stepsPassed, first.verdict.stepsPassed);
  assert.equal(again.verdict.sha256, first.verdict.sha256);
  assert.equal((again.verdict.alreadyAccepted as { fileName: string }).fileName, path.basename(mcf));
  assert.equal(again.verdict.incidentId, null);
  assert.equal(existsSync(mcf), true);
  assert.equal(existsSync(discard), false);
  assert.equal(await incidentCount(), incidents);
  const text = await runCli(['file', 'authenticate', '--as', 'dcc', '--trust', pki, mcf], { env });
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /ALREADY ACCEPTED by the dcc at .*not a replay/);

  // Different bytes (another seed), same RequestingPartyID and MCFCounter: a replay.
  const g = await runCli([
    'file',
    'generate',
    'MCF',
    '--pki',
    pki,
    '--sign',
    '--installations',
    '5',
    '--counter',
    '42',
    '--seed',
    '2',
    '--out',
    `${dir}/other/`,
    '--json',
  ]);
  assert.equal(g.code, 0, g.stderr);
  const other = (JSON.parse(g.stdout) as { file: string }).file;
  const replay = await authenticate(other, '--discard-to', discard);
  assert.equal(replay.code, 1);
  assert.equal(replay.verdict.failedStep, '5.9.5');
  assert.equal(typeof replay.verdict.incidentId, 'number');
  assert.equal(replay.verdict.alreadyAccepted, undefined);
  assert.equal(await incidentCount(), incidents + 1);
  assert.equal(existsSync(other), false);
  assert.deepEqual(
    readdirSync(discard).sort(),
    [path.basename(other), `${path.basename(other)}.verdict.json`].sort(),
  );
});

test('TMAD 5.9.3 / Table 5.5: an MCF re-signed with a certificate of the wrong role is rejected at 5.9.3', async () => {
  const issued = await runCli([
    'pki',
    'issue',
    pki,
    '--party',
    'requesting-party',
    '--role',
    's1SPMigrationSigning',
    '--key-usage',
    'digitalSignature',
    '--json',
  ]);
  assert.equal(issued.code, 0, issued.stderr);
  const cert = JSON.parse(issued.stdout) as { cert: string; key: string };
  const g = await runCli([
    'file',
    'generate',
    'MCF',
    '--pki',
    pki,
    '--installations',
    '2',
    '--counter',
    '43',
    '--out',
    path.join(dir, 'unsigned.xml'),
  ]);
  assert.equal(g.code, 0, g.stderr);
  const signed = path.join(dir, 'wrong-role.xml');
  const s = await runCli([
    'xml',
    'sign',
    '--key',
    path.join(pki, cert.key),
    '--cert',
    path.join(pki, cert.cert),
    path.join(dir, 'unsigned.xml'),
    signed,
  ]);
  assert.equal(s.code, 0, s.stderr);
  const v = await authenticate(signed);
  assert.equal(v.code, 1);
  assert.equal(v.verdict.failedStep, '5.9.3');
});

test('TMAD 5.9.2: a tampered file is rejected at 5.9.2; a usage error exits 2', async () => {
  const g = await runCli([
    'file',
    'generate',
    'MCF',
    '--pki',
    pki,
    '--sign',
    '--installations',
    '2',
    '--counter',
    '44',
    '--out',
    path.join(dir, 'ok.xml'),
  ]);
  assert.equal(g.code, 0, g.stderr);
  const tampered = path.join(dir, 'tampered.xml');
  writeFileSync(
    tampered,
    readFileSync(path.join(dir, 'ok.xml'), 'utf8').replace('<GroupID>AA</GroupID>', '<GroupID>AB</GroupID>'),
  );
  const v = await authenticate(tampered);
  assert.equal(v.code, 1);
  assert.equal(v.verdict.failedStep, '5.9.2');
  const bad = await runCli(['file', 'authenticate', '--as', 'nobody', '--trust', pki, tampered], { env });
  assert.equal(bad.code, 2);
});

test('TMAD 5.9: signed files of every type round-trip generate → authenticate from the CLI', async () => {
  const types = ['MGF', 'MEF', 'MVF', 'SCF', 'COF'] as const;
  const files: string[] = [];
  for (const type of types) {
    const g = await runCli([
      'file',
      'generate',
      type,
      '--pki',
      pki,
      '--sign',
      '--installations',
      '3',
      '--counter',
      '50',
      '--mcf-counter',
      '42',
      '--out',
      `${dir}/all/`,
      '--json',
    ]);
    assert.equal(g.code, 0, g.stderr);
    files.push((JSON.parse(g.stdout) as { file: string }).file);
  }
  const r = await runCli(['file', 'authenticate', '--as', 'supplier', '--trust', pki, '--json', ...files], {
    env,
  });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  // Several files: JSON Lines, one verdict per line.
  const verdicts = r.stdout
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l) as { accepted: boolean; fileType: string; stepsPassed: string[] });
  assert.deepEqual(
    verdicts.map((v) => [v.fileType, v.accepted, v.stepsPassed.at(-1)]),
    [
      ['MGF', true, '5.9.6'],
      ['MEF', true, '5.9.7'],
      ['MVF', true, '5.9.8'],
      ['SCF', true, '5.9.9'],
      ['COF', true, '5.9.9A'],
    ],
  );
});
