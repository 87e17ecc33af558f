// Every XML file `s1mig demo week` wrote (MCF, MVF, MGF, MEF, SCF in the parties' own trees and in every
// mailbox) validates against schema/smets1-migration.xsd with libxml2's xmllint and its signature
// verifies with xmlsec1 in PKI mode (root trusted, the issuing CA and the signer's Table 5.5 certificate
// untrusted) — issue #13 Done-when "every XML file it wrote validates against the schema and verifies
// with xmlsec1". Skipped without the tools.
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

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 's1mig-week-interop-'));
const env = { S1MIG_DATABASE_URL: '', S1MIG_KEY_PASSPHRASE: 'week interop', S1MIG_PROGRESS: 'off' };
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Every XML file written, and one per distinct content (the mailbox copies equal the parties' own). */
let all: string[] = [];
let files: string[] = [];

before(async () => {
  const r = await runCli(
    ['demo', 'week', '--installations', '120', '--seed', 'week-interop', '--dir', tmp, '--json'],
    { env },
  );
  assert.equal(r.code, 0, r.stdout.slice(0, 3000) + r.stderr);
  ({ all, distinct: files } = xmlFilesUnder(path.join(tmp, 'files')));
});

test('the week wrote every file type: MCF, MVF, MGF, MEF, the S1SP SCF (5.28) and the COF (6.4), in the mailboxes too (TMAD 9)', () => {
  const types = new Set(all.map((f) => path.basename(f).slice(0, 3)));
  assert.deepEqual([...types].sort(), ['COF', 'MCF', 'MEF', 'MGF', 'MVF', 'SCF']);
  for (const box of ['dcc', 'requesting-party', 's1sp', 'dco', 'commissioning-party', 'responsible-supplier'])
    assert.ok(
      all.some((f) => f.includes(`${path.sep}mailboxes${path.sep}${box}${path.sep}`)),
      `a file in the ${box} mailbox`,
    );
});

test('TMAD 10.1: every XML file the week wrote validates against schema/smets1-migration.xsd (xmllint)', (t) => {
  if (!hasXmllint) return t.skip('xmllint not installed');
  assert.ok(files.length >= 4);
  for (const f of files) assert.equal(xmllintProblem(f), null, f);
});

test('TMAD 10.1, Table 5.5: every XML file the week wrote verifies with xmlsec1 under its signer’s certificate', (t) => {
  if (!hasXmlsec1) return t.skip('xmlsec1 not installed');
  const pki = path.join(tmp, 'estate', 'pki');
  // Table 5.5: MCF, MGF and MEF by the Requesting Party; the MVF and SCF by the S1SP; the COF by the
  // Commissioning Party (table55Signer).
  for (const f of files) assert.equal(xmlsec1Problem(pki, f), null, f);
  // Meaningful: the Requesting Party's certificate does not verify an MVF.
  const mvf = files.find((f) => path.basename(f).startsWith('MVF'))!;
  assert.equal(
    xmlsec1VerifiesWithKeyOf(path.join(pki, 'requesting-party', 'requestingPartyFileSigning.cert.pem'), mvf),
    false,
  );
});

test('TMAD 6.4(b), Table 5.5: each COF is in the Requesting Party’s and its Supplier Party’s mailboxes, valid and signed by the Commissioning Party only', (t) => {
  const cofs = all.filter((f) => path.basename(f).startsWith('COF_'));
  const inBox = (role: string): string[] =>
    cofs.filter((f) => f.includes(`${path.sep}mailboxes${path.sep}${role}${path.sep}`));
  const names = new Set(inBox('requesting-party').map((f) => path.basename(f)));
  assert.ok(names.size > 0, 'a COF in the Requesting Party’s mailbox');
  for (const f of inBox('responsible-supplier')) assert.ok(names.has(path.basename(f)), f);
  assert.ok(inBox('responsible-supplier').length > 0, 'a COF in a Supplier Party’s mailbox');
  if (!hasXmlsec1 || !hasXmllint) return t.skip('xmllint or xmlsec1 not installed');
  const pki = path.join(tmp, 'estate', 'pki');
  const cof = inBox('requesting-party')[0]!;
  assert.equal(xmllintProblem(cof), null);
  assert.equal(xmlsec1Problem(pki, cof), null);
  assert.equal(xmlsec1VerifiesWithKeyOf(path.join(pki, 's1sp', 's1SPMigrationSigning.cert.pem'), cof), false);
});
