// `s1mig estate generate` through the real CLI (issue #11): every file of the estate imports or validates
// with the real commands (ref import of each registry and of the PKI directory, smso import with key
// material, ma validate); openssl independently lists the planted revoked serials in the CRL; 10,000
// installations generate in reasonable time; bad options are usage errors without a stack trace.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { jsonLines, runCli } from '../support/cli.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 's1mig-estate-cli-'));
const env = {
  S1MIG_DATABASE_URL: `sqlite:${path.join(tmp, 'estate.sqlite')}`,
  S1MIG_PG_SCHEMA: '',
  S1MIG_KEY_PASSPHRASE: 'estate e2e passphrase',
  S1MIG_PROGRESS: 'off',
};
const cli = (...args: string[]) => runCli(args, { env, cwd: tmp });
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

interface Manifest {
  seed: string;
  installations: number;
  problems: Record<string, { count: number }>;
  smsos: Array<{ code: string; groupIds: string[]; inventory: string; keys: string; installations: number }>;
  migrationAuthorisations: Array<{ file: string; rows: number }>;
  revokedCertificates: Array<{ serialNumber: string }>;
  dataFiles: Record<string, string>;
  records: Array<{ problems: string[] }>;
}

test('estate generate: every file imports with ref import / smso import and validates with ma validate', async () => {
  const out = path.join(tmp, 'estate');
  const gen = await cli(
    'estate',
    'generate',
    '--installations',
    '400',
    '--seed',
    'e2e',
    '--out',
    out,
    '--problems',
    'unknown-model=0.02,in-smi=0.02,wrong-supplier=0.02,revoked-certificate=0.02,change-of-supplier=0.02,dormant=0.02,split-supply=0.02,stale-wan=0.02',
    '--json',
  );
  assert.equal(gen.code, 0, gen.stderr);
  const m = JSON.parse(fs.readFileSync(path.join(out, 'manifest.json'), 'utf8')) as Manifest;
  assert.equal(m.installations, 400);
  for (const p of Object.values(m.problems)) assert.equal(p.count, 8);
  assert.deepEqual(m.smsos.flatMap((s) => s.groupIds).sort(), [
    'AA',
    'BA',
    'CA',
    'CB',
    'DA',
    'EA',
    'EB',
    'EC',
  ]);
  assert.ok(m.smsos.length >= 4);

  for (const r of [
    'products',
    'epc',
    'group-models',
    'smi',
    'registration',
    'organisations',
    'network-operator-ids',
    'group-keys',
  ]) {
    const imp = await cli('ref', 'import', r, path.join(out, 'reference', `${r}.csv`), '--json');
    assert.equal(imp.code, 0, `${r}: ${imp.stderr}${imp.stdout}`);
    const j = JSON.parse(imp.stdout) as { ok: boolean; added: number; warnings: unknown[] };
    assert.equal(j.ok, true, r);
    assert.ok(j.added > 0, r);
    assert.deepEqual(j.warnings, [], `${r}: the group lists and the EPC list agree`);
  }
  const certs = await cli('ref', 'import', 'certificates', path.join(out, 'pki'), '--json');
  assert.equal(certs.code, 0, certs.stderr);

  for (const s of m.smsos) {
    const imp = await cli(
      'smso',
      'import',
      s.code,
      path.join(out, s.inventory),
      '--keys',
      path.join(out, s.keys),
      '--json',
    );
    assert.equal(imp.code, 0, `${s.code}: ${imp.stderr}`);
  }

  const mas = m.migrationAuthorisations.map((a) => path.join(out, a.file));
  assert.ok(mas.length >= 8);
  const v = await cli('ma', 'validate', ...mas, '--received-at', '2026-01-05T09:00:00Z', '--json');
  assert.equal(v.code, 0, v.stdout + v.stderr);
  const verdicts = jsonLines<{ valid: boolean; warnings: unknown[] }>(v.stdout);
  assert.ok(verdicts.every((x) => x.valid && x.warnings.length === 0));
  assert.equal(
    m.migrationAuthorisations.reduce((n, a) => n + a.rows, 0),
    400 + m.problems['split-supply']!.count,
  );

  // openssl, not our CRL reader: the planted revoked serials are on the issuing CA's CRL.
  const crl = execFileSync(
    'openssl',
    ['crl', '-in', path.join(out, 'pki', 'issuing-ca.crl.pem'), '-noout', '-text'],
    {
      encoding: 'utf8',
    },
  );
  for (const r of m.revokedCertificates) {
    const hex = BigInt(r.serialNumber).toString(16).toUpperCase();
    assert.match(crl.replace(/\s+/g, ''), new RegExp(`SerialNumber:${hex.length % 2 ? '0' : ''}${hex}`, 'i'));
  }
  // and the PKI's files validate the certificate chain independently
  const verify = execFileSync(
    'openssl',
    [
      'verify',
      '-CAfile',
      path.join(out, 'pki', 'root-ca.cert.pem'),
      '-untrusted',
      path.join(out, 'pki', 'issuing-ca.cert.pem'),
      path.join(out, 'pki', 'supplier-a', 'supplier-ds.cert.pem'),
    ],
    { encoding: 'utf8' },
  );
  assert.match(verify, /OK/);
});

// Its speed at scale is measured by bench/chain.ts (the estate is the chain's first step), not here.
test('estate generate: each planted problem gets exactly its share of the installations (issue #11)', async () => {
  const out = path.join(tmp, 'shares');
  const gen = await cli(
    'estate',
    'generate',
    '--installations',
    '1000',
    '--seed',
    'shares',
    '--out',
    out,
    '--problems',
    'dormant=0.05,stale-wan=0.02,split-supply=0.03',
    '--json',
  );
  assert.equal(gen.code, 0, gen.stderr);
  const m = JSON.parse(fs.readFileSync(path.join(out, 'manifest.json'), 'utf8')) as Manifest;
  assert.equal(m.records.length, 1000);
  assert.equal(m.problems['dormant']!.count, 50);
  assert.equal(m.problems['stale-wan']!.count, 20);
  assert.equal(m.problems['split-supply']!.count, 30);
});

test('estate generate: bad options are usage errors (exit 2), without a stack trace', async () => {
  for (const args of [
    ['--installations', 'ten', '--seed', 's', '--out', path.join(tmp, 'x1')],
    ['--installations', '10', '--seed', 's', '--out', path.join(tmp, 'x2'), '--problems', 'dormat=0.1'],
    [
      '--installations',
      '10',
      '--seed',
      's',
      '--out',
      path.join(tmp, 'x3'),
      '--problems',
      'dormant=0.7,in-smi=0.7',
    ],
    ['--installations', '10', '--seed', 's', '--out', path.join(tmp, 'estate')],
  ]) {
    const r = await cli('estate', 'generate', ...args);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /^s1mig: /);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  }
});
