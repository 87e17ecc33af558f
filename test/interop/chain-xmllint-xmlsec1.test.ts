// Every XML file `s1mig chain run` wrote (MCF, MVF, MGF, MEF: the parties' own copies and every mailbox
// copy) validates against schema/smets1-migration.xsd with libxml2's xmllint and its signature verifies
// with xmlsec1 in PKI mode (root trusted, the issuing CA and the signer's Table 5.5 certificate untrusted)
// — issue #11 "every file validates against the schema, verifies with xmlsec1". Skipped without the tools.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli } from '../support/cli.js';
import {
  hasXmllint,
  hasXmlsec1,
  xmlFilesUnder,
  xmllintProblem,
  xmlsec1Problem,
  xmlsec1VerifiesWithKeyOf,
} from '../support/xml-peers.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 's1mig-chain-interop-'));
const estate = path.join(tmp, 'estate');
const run = path.join(tmp, 'run');
const env = { S1MIG_DATABASE_URL: '', S1MIG_KEY_PASSPHRASE: 'chain interop', S1MIG_PROGRESS: 'off' };
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Every XML file written, and one per distinct content (the mailbox copies equal the parties' own). */
let all: string[] = [];
let files: string[] = [];

before(async () => {
  const gen = await runCli(
    [
      'estate',
      'generate',
      '--installations',
      '120',
      '--seed',
      'chain-interop',
      '--out',
      estate,
      '--problems',
      'in-smi=0.05,wrong-supplier=0.05,revoked-certificate=0.05,stale-wan=0.05',
    ],
    { env },
  );
  assert.equal(gen.code, 0, gen.stderr);
  const r = await runCli(['chain', 'run', '--estate', estate, '--out', run, '--json'], { env });
  assert.equal(r.code, 0, r.stdout.slice(0, 3000) + r.stderr);
  ({ all, distinct: files } = xmlFilesUnder(run));
});

test('the chain wrote every file type: MCF, MVF, MGF, MEF, in the parties’ mailboxes too', () => {
  const types = new Set(all.map((f) => path.basename(f).slice(0, 3)));
  assert.deepEqual([...types].sort(), ['MCF', 'MEF', 'MGF', 'MVF']);
  assert.ok(all.some((f) => f.includes(`${path.sep}mailboxes${path.sep}`)));
});

test('TMAD 10.1: every file the chain wrote validates against schema/smets1-migration.xsd (xmllint)', (t) => {
  if (!hasXmllint) return t.skip('xmllint not installed');
  for (const f of files) assert.equal(xmllintProblem(f), null, f);
});

test('TMAD 10.1, Table 5.5: every file the chain wrote verifies with xmlsec1 under its signer’s certificate', (t) => {
  if (!hasXmlsec1) return t.skip('xmlsec1 not installed');
  const pki = path.join(estate, 'pki');
  // Table 5.5: MCF, MGF and MEF by the Requesting Party; the MVF by the S1SP (table55Signer).
  for (const f of files) assert.equal(xmlsec1Problem(pki, f), null, f);
  // Meaningful: the other party's certificate does not verify an MVF.
  const mvf = files.find((f) => path.basename(f).startsWith('MVF'))!;
  assert.equal(
    xmlsec1VerifiesWithKeyOf(path.join(pki, 'requesting-party', 'requestingPartyFileSigning.cert.pem'), mvf),
    false,
  );
});
