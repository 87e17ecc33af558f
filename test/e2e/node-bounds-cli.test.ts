// TMAD 5.9.1 through the real CLI: a signed MCF with one text node over the (here lowered) node bound
// gets a verdict — `file validate` exit 1 naming line and element; `file authenticate` rejects it at
// 5.9.1 through the normal path (exit 1, Incident, discard). The file is generated at test time.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCli } from '../support/cli.js';

const dir = mkdtempSync(path.join(tmpdir(), 's1mig-bounds-cli-'));
const pki = path.join(dir, 'pki');
const env = { S1MIG_DATABASE_URL: `sqlite:${path.join(dir, 'db.sqlite')}` };
const LIMIT = 65536;
let big: string;
let line: number;
after(() => rmSync(dir, { recursive: true, force: true }));

before(async () => {
  assert.equal((await runCli(['pki', 'init', pki])).code, 0);
  const g = await runCli(
    ['file', 'generate', 'MCF', '--pki', pki, '--sign', '--installations', '2'].concat([
      '--counter',
      '7',
      '--out',
      `${dir}/files/`,
      '--json',
    ]),
  );
  assert.equal(g.code, 0, g.stderr);
  const mcf = (JSON.parse(g.stdout) as { file: string }).file;
  const xml = readFileSync(mcf, 'utf8');
  // 600,000 characters: more than two 256 KiB reads, far over the lowered bound.
  const at = xml.indexOf('<GroupID>') + '<GroupID>'.length;
  assert.ok(at > 20);
  line = xml.slice(0, at).split('\n').length;
  big = path.join(dir, 'big-text-node.xml');
  writeFileSync(big, xml.slice(0, at) + 'A'.repeat(600_000) + xml.slice(xml.indexOf('</GroupID>', at)));
});

test('TMAD 5.9.1: file validate --max-node-size rejects an over-limit text node, naming line and element (exit 1)', async () => {
  const r = await runCli(['file', 'validate', '--json', '--max-node-size', String(LIMIT), big]);
  assert.equal(r.code, 1, r.stderr);
  const out = JSON.parse(r.stdout) as { valid: boolean; problems: Array<Record<string, unknown>> };
  assert.equal(out.valid, false);
  const p = out.problems.at(-1)!;
  assert.equal(p.rule, 'TMAD 5.9.1');
  assert.equal(p.line, line);
  assert.match(String(p.element), /\/GroupID$/);
  assert.match(String(p.message), new RegExp(`text in element .*GroupID is longer than ${LIMIT} characters`));
});

test('TMAD 5.9.1: file authenticate rejects it at 5.9.1 with an Incident and discards it (exit 1)', async () => {
  const discard = path.join(dir, 'rejected');
  const r = await runCli(
    [
      'file',
      'authenticate',
      '--as',
      'dcc',
      '--trust',
      pki,
      '--json',
      '--max-node-size',
      String(LIMIT),
    ].concat(['--discard-to', discard, big]),
    { env },
  );
  assert.equal(r.code, 1, r.stderr);
  const v = JSON.parse(r.stdout) as {
    failedStep: string;
    incidentId: number | null;
    problems: Array<Record<string, unknown>>;
  };
  assert.equal(v.failedStep, '5.9.1');
  assert.equal(typeof v.incidentId, 'number');
  assert.equal(v.problems[0]!.rule, 'TMAD 5.9.1');
  assert.equal(v.problems[0]!.line, line);
  assert.match(String(v.problems[0]!.element), /\/GroupID$/);
  assert.equal(existsSync(big), false);
  assert.ok(readdirSync(discard).includes('big-text-node.xml'));
});

test('usage: --max-node-size must be a whole number (exit 2)', async () => {
  const r = await runCli(['file', 'validate', '--max-node-size', '1e3', big]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--max-node-size/);
});
