// Every XML file `s1mig demo week` wrote (MCF, MVF, MGF, MEF in the parties' own trees and in every
// mailbox) validates against schema/smets1-migration.xsd with libxml2's xmllint and its signature
// verifies with xmlsec1 in PKI mode (root trusted, the issuing CA and the signer's Table 5.5 certificate
// untrusted) — issue #13 Done-when "every XML file it wrote validates against the schema and verifies
// with xmlsec1". Skipped without the tools.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT, runCli } from '../support/cli.js';

const XSD = path.join(REPO_ROOT, 'schema', 'smets1-migration.xsd');
const hasXmllint = spawnSync('xmllint', ['--version']).status === 0;
const hasXmlsec1 = spawnSync('xmlsec1', ['--version']).status === 0;

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 's1mig-week-interop-'));
const env = { S1MIG_DATABASE_URL: '', S1MIG_KEY_PASSPHRASE: 'week interop', S1MIG_PROGRESS: 'off' };
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Distinct XML files by content (the mailbox copies are byte-identical to the parties' own). */
const files = new Map<string, string>();
let all: string[] = [];

function* walk(dir: string): Generator<string> {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) yield* walk(p);
    else if (e.name.endsWith('.xml')) yield p;
  }
}

before(async () => {
  const r = await runCli(
    ['demo', 'week', '--installations', '120', '--seed', 'week-interop', '--dir', tmp, '--json'],
    { env },
  );
  assert.equal(r.code, 0, r.stdout.slice(0, 3000) + r.stderr);
  all = [...walk(path.join(tmp, 'files'))];
  for (const f of all) files.set(createHash('sha256').update(fs.readFileSync(f)).digest('hex'), f);
});

test('the week wrote every file type of the first half: MCF, MVF, MGF, MEF, in the mailboxes too (TMAD 9)', () => {
  const types = new Set(all.map((f) => path.basename(f).slice(0, 3)));
  assert.deepEqual([...types].sort(), ['MCF', 'MEF', 'MGF', 'MVF']);
  for (const box of ['dcc', 'requesting-party', 's1sp', 'dco'])
    assert.ok(
      all.some((f) => f.includes(`${path.sep}mailboxes${path.sep}${box}${path.sep}`)),
      `a file in the ${box} mailbox`,
    );
});

test('TMAD 10.1: every XML file the week wrote validates against schema/smets1-migration.xsd (xmllint)', (t) => {
  if (!hasXmllint) return t.skip('xmllint not installed');
  assert.ok(files.size >= 4);
  for (const f of files.values()) {
    const r = spawnSync('xmllint', ['--noout', '--schema', XSD, f], { encoding: 'utf8' });
    assert.equal(r.status, 0, `${f}: ${r.stderr}`);
  }
});

test('TMAD 10.1, Table 5.5: every XML file the week wrote verifies with xmlsec1 under its signer’s certificate', (t) => {
  if (!hasXmlsec1) return t.skip('xmlsec1 not installed');
  const pki = path.join(tmp, 'estate', 'pki');
  // Table 5.5: MCF, MGF and MEF by the Requesting Party; the MVF by the S1SP.
  const signer = (f: string): string =>
    path.basename(f).startsWith('MVF')
      ? path.join(pki, 's1sp', 's1SPMigrationSigning.cert.pem')
      : path.join(pki, 'requesting-party', 'requestingPartyFileSigning.cert.pem');
  for (const f of files.values()) {
    const r = spawnSync(
      'xmlsec1',
      [
        '--verify',
        '--trusted-pem',
        path.join(pki, 'root-ca.cert.pem'),
        '--untrusted-pem',
        path.join(pki, 'issuing-ca.cert.pem'),
        '--untrusted-pem',
        signer(f),
        f,
      ],
      { encoding: 'utf8' },
    );
    assert.equal(r.status, 0, `${f}: ${r.stderr}`);
  }
  // Meaningful: the Requesting Party's certificate does not verify an MVF.
  const mvf = [...files.values()].find((f) => path.basename(f).startsWith('MVF'))!;
  const wrong = spawnSync('xmlsec1', [
    '--verify',
    '--pubkey-cert-pem',
    path.join(pki, 'requesting-party', 'requestingPartyFileSigning.cert.pem'),
    mvf,
  ]);
  assert.notEqual(wrong.status, 0);
});
