// s1mig file generate / inspect through the real CLI: pki init → file generate --sign for every Table 10.2
// type (signed in the Table 5.5 role of its creator) → file inspect; `s1mig xml verify --trust <pki>`
// accepts each signature (TMAD 5.9.2, 5.9.4) and xmllint accepts the file (TMAD 10.1).
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCli } from '../support/cli.js';

const dir = mkdtempSync(path.join(tmpdir(), 's1mig-file-cli-'));
const pki = path.join(dir, 'pki');
const out = path.join(dir, 'out');
after(() => rmSync(dir, { recursive: true, force: true }));
const hasXmllint = spawnSync('xmllint', ['--version']).status === 0;

interface PartyJson {
  name: string;
  entityId: string;
  kind: string;
  certificates: Array<{ role: string; keyUsage: string; serialNumber: string; issuerName: string }>;
}

before(async () => {
  const r = await runCli(['pki', 'init', pki]);
  assert.equal(r.code, 0, r.stderr);
});

const EXPECT = {
  MCF: {
    signer: 'requesting-party',
    role: 'requestingPartyFileSigning',
    prefix: 'MCF_70-B3-D5-1F-30-10-00-01_9_0.xml',
  },
  MGF: {
    signer: 'requesting-party',
    role: 'requestingPartyFileSigning',
    prefix: 'MGF_70-B3-D5-1F-30-10-00-01_9_4.xml',
  },
  MEF: {
    signer: 'requesting-party',
    role: 'requestingPartyFileSigning',
    prefix: 'MEF_70-B3-D5-1F-30-10-00-01_9_4.xml',
  },
  MVF: { signer: 's1sp', role: 's1SPMigrationSigning', prefix: 'MVF_70-B3-D5-1F-30-11-00-01_9_4.xml' },
  SCF: { signer: 's1sp', role: 's1SPMigrationSigning', prefix: 'SCF_SUPA_70-B3-D5-1F-30-11-00-01_9_4.xml' },
  COF: {
    signer: 'commissioning-party',
    role: 'commissioningPartyFileSigning',
    prefix: 'COF_SUPA_70-B3-D5-1F-30-11-00-01_9_4.xml',
  },
} as const;

async function generateInspectVerify(type: keyof typeof EXPECT): Promise<void> {
  const e = EXPECT[type];
  const g = await runCli([
    'file',
    'generate',
    type,
    '--out',
    out + path.sep,
    '--pki',
    pki,
    '--sign',
    '--installations',
    '7',
    '--counter',
    '4',
    '--mcf-counter',
    '9',
    '--json',
  ]);
  assert.equal(g.code, 0, `${type}: ${g.stderr}`);
  const gen = JSON.parse(g.stdout) as { file: string; signer: { party: string; role: string } };
  assert.equal(path.basename(gen.file), e.prefix);
  assert.equal(gen.signer.party, e.signer);
  assert.equal(gen.signer.role, e.role);

  const [i, v] = await Promise.all([
    runCli(['file', 'inspect', gen.file, '--json']),
    runCli(['xml', 'verify', '--trust', pki, gen.file]),
  ]);
  assert.equal(i.code, 0, `${type}: ${i.stderr}`);
  const ins = JSON.parse(i.stdout) as {
    fileType: string;
    installations: number;
    signaturePresent: boolean;
    header: Record<string, string>;
    fileName: { fileTypeMatches: boolean };
  };
  assert.equal(ins.fileType, type);
  assert.equal(ins.installations, 7);
  assert.equal(ins.signaturePresent, true);
  assert.equal(ins.header.mcfCounter, '9');
  assert.equal(ins.fileName.fileTypeMatches, true);
  // TMAD 5.9.2 + 5.9.4: the signature verifies against the PKI's trust store.
  assert.equal(v.code, 0, `${type}: ${v.stdout}${v.stderr}`);
  if (type === 'MCF') {
    // Supplier Certificate IDs come from the first supplier in parties.json.
    const parties = JSON.parse(readFileSync(path.join(pki, 'parties.json'), 'utf8')) as PartyJson[];
    const sup = parties.find((p) => p.kind === 'supplier')!;
    const ds = sup.certificates.find((c) => c.role === 'supplier' && c.keyUsage === 'digitalSignature')!;
    assert.ok(
      readFileSync(gen.file, 'utf8').includes(
        `<CriticalSupplierCertificateID><X509IssuerName>${ds.issuerName}</X509IssuerName><X509SerialNumber>${ds.serialNumber}</X509SerialNumber>`,
      ),
    );
  }
  if (hasXmllint) {
    const x = spawnSync(
      'xmllint',
      ['--noout', '--schema', path.resolve('schema/smets1-migration.xsd'), gen.file],
      {
        encoding: 'utf8',
      },
    );
    assert.equal(x.status, 0, `${type}: ${x.stderr}`);
  }
}

test('pki init → file generate --pki --sign for every Table 10.2 type → file inspect; xml verify --trust exits 0 (TMAD 10.2 names, Table 5.5 signers)', async () => {
  // In parallel: each CLI run is a separate process.
  await Promise.all((Object.keys(EXPECT) as Array<keyof typeof EXPECT>).map(generateInspectVerify));
});

test('file inspect: text output, a broken file exits 1 with line and element, a missing file exits 2', async () => {
  const files = readdirSync(out);
  const mvf = path.join(out, files.find((f) => f.startsWith('MVF_')) ?? files[0]!);
  const t = await runCli(['file', 'inspect', mvf]);
  assert.equal(t.code, 0, t.stderr);
  assert.match(t.stdout, /MVF \(MigrationValidation\), ds:Signature present/);
  assert.match(t.stdout, /installations: \d+/);
  const bad = path.join(dir, 'bad.xml');
  writeFileSync(bad, readFileSync(mvf, 'utf8').replace(/<GroupID>[A-Z]{2}<\/GroupID>/, ''));
  const b = await runCli(['file', 'inspect', bad]);
  assert.equal(b.code, 1);
  assert.match(
    b.stderr,
    /bad\.xml:1:\d+: <SMETS1Installation>: MigrationValidation is missing required element GroupID/,
  );
  const m = await runCli(['file', 'inspect', path.join(dir, 'nope.xml')]);
  assert.equal(m.code, 2);
  assert.match(m.stderr, /nope\.xml: no such migration file \(ENOENT\)/);
});

test('file generate: usage errors exit 2 with the expected form', async () => {
  const a = await runCli(['file', 'generate', 'XYZ', '--out', path.join(dir, 'x.xml')]);
  assert.equal(a.code, 2);
  assert.match(a.stderr, /expected one of MCF, MVF, MGF, MEF, SCF, COF/);
  const b = await runCli(['file', 'generate', 'MCF', '--out', path.join(dir, 'x.xml'), '--sign']);
  assert.equal(b.code, 2);
  assert.match(b.stderr, /--sign needs --pki/);
  const c = await runCli(['file', 'generate', 'MCF', '--out', path.join(dir, 'x.xml'), '--group-id', 'aa']);
  assert.equal(c.code, 2);
  const d = await runCli([
    'file',
    'generate',
    'MVF',
    '--out',
    path.join(dir, 'y.xml'),
    '--installations',
    '3',
    '--json',
  ]);
  assert.equal(d.code, 0, d.stderr);
  assert.equal((JSON.parse(d.stdout) as { signed: boolean }).signed, false);
});
