// TMAD 5.9.1 / 10.1 / 10.2 through the real CLI: a valid signed MGF saved under an MCF name is
// rejected by `file validate` and by `file authenticate` (step 5.9.1), naming the type the name states
// and the root found; under a name stating no type it is judged by its root.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCli } from '../support/cli.js';

const dir = mkdtempSync(path.join(tmpdir(), 's1mig-name-type-cli-'));
const pki = path.join(dir, 'pki');
const env = { S1MIG_DATABASE_URL: `sqlite:${path.join(dir, 'db.sqlite')}` };
let mgf: string;
after(() => rmSync(dir, { recursive: true, force: true }));

before(async () => {
  assert.equal((await runCli(['pki', 'init', pki])).code, 0);
  const g = await runCli([
    'file',
    'generate',
    'MGF',
    '--pki',
    pki,
    '--sign',
    '--installations',
    '2',
    '--counter',
    '17',
    '--out',
    `${dir}/files/`,
    '--json',
  ]);
  assert.equal(g.code, 0, g.stderr);
  mgf = (JSON.parse(g.stdout) as { file: string }).file;
});

/** The MGF copied under another name. */
function renamed(name: string): string {
  const to = path.join(dir, name);
  copyFileSync(mgf, to);
  return to;
}

test('TMAD 5.9.1 / Table 10.2: file validate rejects an MGF saved as MCF_..._0.xml, naming both types', async () => {
  const asMcf = renamed(path.basename(mgf).replace(/^MGF_(.*)_\d+\.xml$/, 'MCF_$1_0.xml'));
  const human = await runCli(['file', 'validate', asMcf]);
  assert.equal(human.code, 1, human.stdout);
  assert.match(human.stdout, /states file type MCF .*root element is 'MigrationGroup' \(file type MGF\)/);
  assert.match(human.stdout, /\(TMAD 5\.9\.1\)/);
  const json = await runCli(['file', 'validate', '--json', asMcf]);
  assert.equal(json.code, 1);
  const r = JSON.parse(json.stdout) as { valid: boolean; problems: Array<{ rule: string; message: string }> };
  assert.equal(r.valid, false);
  assert.ok(r.problems.some((p) => p.rule === 'TMAD 5.9.1' && /MigrationCommon/.test(p.message)));
  // Its own name passes.
  assert.equal((await runCli(['file', 'validate', mgf])).code, 0);
});

test('TMAD 5.9.1 / Table 5.9: file authenticate rejects the MGF saved under an MCF name at step 5.9.1', async () => {
  const asMcf = renamed(path.basename(mgf).replace(/^MGF_(.*)_\d+\.xml$/, 'MCF_$1_0.xml'));
  const r = await runCli(['file', 'authenticate', '--as', 'dcc', '--trust', pki, '--json', asMcf], { env });
  assert.equal(r.code, 1, r.stderr);
  const v = JSON.parse(r.stdout) as { failedStep: string; problems: Array<{ message: string }> };
  assert.equal(v.failedStep, '5.9.1');
  assert.match(v.problems[0]!.message, /states file type MCF .*file type MGF/);
});

test('TMAD 5.9.1: a name stating no type is judged by its root (validate and authenticate accept the MGF)', async () => {
  const plain = renamed('received-0001.xml');
  assert.equal((await runCli(['file', 'validate', plain])).code, 0);
  const r = await runCli(['file', 'authenticate', '--as', 'dcc', '--trust', pki, '--json', plain], { env });
  assert.equal(r.code, 0, r.stdout);
  assert.equal((JSON.parse(r.stdout) as { fileType: string }).fileType, 'MGF');
});

test('TMAD 10.2 / 5.9.1: file authenticate rejects an MCF named ..._999_0.xml whose header MCFCounter is 102', async () => {
  const g = await runCli([
    'file',
    'generate',
    'MCF',
    '--pki',
    pki,
    '--sign',
    '--installations',
    '1',
    '--counter',
    '102',
    '--out',
    `${dir}/mcf/`,
    '--json',
  ]);
  assert.equal(g.code, 0, g.stderr);
  const mcf = (JSON.parse(g.stdout) as { file: string }).file;
  const misnamed = path.join(dir, path.basename(mcf).replace(/_102_0\.xml$/, '_999_0.xml'));
  assert.notEqual(misnamed, path.join(dir, path.basename(mcf)));
  copyFileSync(mcf, misnamed);
  const r = await runCli(['file', 'authenticate', '--as', 'dcc', '--trust', pki, misnamed], { env });
  assert.equal(r.code, 1, r.stdout);
  assert.match(r.stdout, /5\.9\.1/);
  assert.match(r.stdout, /MCFCounter is 999 but the file's MCFCounter is 102/);
});
