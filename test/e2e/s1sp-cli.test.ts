// s1mig s1sp receive / tick / status end to end (TMAD 5.22-5.25, 5.28; 12.4, 12.6.1): the files are made by
// the commands that make them in the chain (pki init, file generate MCF --sign, dcc validate-mcf, smso
// import / encrypt with openssl RSA keys, rp build-group-files; the chain of test/e2e/rp-group-cli.test.ts),
// the S1SP key is registered with `ref import group-keys` under the Key Identifier openssl computes. The
// S1SP receives MCF, MVF, MGF and MEF; Table 5.25 fails the installation whose GPF ManagementAssociation has no EncryptionKey
// (5.25.3.12.8.1); the viable one waits (no commissioner in the CLI); `tick` 55 minutes later writes the
// SCF, which xmllint validates against the schema and xmlsec1 verifies, delivered to the Requesting
// Party and the Commissioning Party (5.28(a), (b)).
import { before, after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { REPO_ROOT, runCli } from '../support/cli.js';
import {
  certificateBase64,
  mcfInstallations,
  writeGroupKeyNotices,
  writeSmsoFiles,
} from '../support/smso-files.js';

const dir = mkdtempSync(path.join(tmpdir(), 's1mig-s1sp-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const f = (...p: string[]): string => path.join(dir, ...p);
const pki = f('pki');
const env = {
  S1MIG_DATABASE_URL: `sqlite:${f('db.sqlite')}`,
  S1MIG_KEY_PASSPHRASE: 'rp group e2e',
  S1MIG_PROGRESS: 'off',
};
const tools = ['xmllint', 'xmlsec1', 'openssl'].every(
  (t) => spawnSync(t, [t === 'openssl' ? 'version' : '--version']).status === 0,
);
// The test PKI's certificates start now: check at now (whole seconds).
const atMs = Math.floor(Date.now() / 1000) * 1000 + 60_000;
const AT = new Date(atMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
const day = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

before(async () => {
  if (!tools) return;
  assert.equal((await runCli(['pki', 'init', pki])).code, 0);
  writeGroupKeyNotices(dir, atMs); // TMAD 5.1(a) group keys, made by openssl
});

/** The SMSO's inventory and key material for the MCF's installations; WAN contacts per installation. */
async function smsoFilesFor(mcf: string, contacts: Array<number | null>, out: string): Promise<string[]> {
  return writeSmsoFiles(await mcfInstallations(mcf), out, {
    wanContact: (k) => contacts[k] ?? null,
    chfCertificate: certificateBase64(
      path.join(pki, 'requesting-party', 'requestingPartyFileSigning.cert.pem'),
    ),
    omitKey: (k, t, key) => k === 2 && t === 'GPF' && key === 'ManagementAssociation.EncryptionKey',
  });
}

const skip = tools ? false : 'xmllint, xmlsec1 or openssl not installed';

test(
  'TMAD 5.22-5.25, 5.28 / AA: receive the S1SP Required File Set, fail one installation at 5.25.3.12.8.1, write the SCF on tick',
  { skip },
  async () => {
    const g = f('AA');
    mkdirSync(g);
    const cli = (args: string[]) => runCli(args, { env });
    let r = await runCli([
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
      '31',
      '--group-id',
      'AA',
      '--out',
      g + '/',
      '--quiet',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const mcf = path.join(
      g,
      readdirSync(g).find((n) => n.startsWith('MCF_'))!,
    );
    const fx = JSON.parse(readFileSync(path.join(REPO_ROOT, 'samples', 'dcc-reference.json'), 'utf8')) as {
      trustStore?: string;
    };
    delete fx.trustStore;
    writeFileSync(path.join(g, 'ref.json'), JSON.stringify(fx));
    const s1 = path.join(pki, 's1sp');
    r = await cli([
      'dcc',
      'validate-mcf',
      mcf,
      '--reference',
      path.join(g, 'ref.json'),
      '--trust',
      pki,
      '--sign-key',
      path.join(s1, 's1SPMigrationSigning.key.pem'),
      '--cert',
      path.join(s1, 's1SPMigrationSigning.cert.pem'),
      '--out',
      g + '/',
      '--mvf-counter',
      '31',
      '--at',
      AT,
    ]);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    const mvf = path.join(
      g,
      readdirSync(g).find((n) => n.startsWith('MVF_'))!,
    );
    assert.equal(
      (await cli(['file', 'authenticate', '--as', 'requesting-party', '--trust', pki, '--at', AT, mvf])).code,
      0,
    );
    const chfs = await smsoFilesFor(
      mcf,
      [atMs - 3_600_000, atMs - 3_600_000, atMs - 3_600_000, atMs - 3_600_000, null],
      g,
    );
    assert.equal(
      (
        await cli([
          'smso',
          'import',
          'CGI',
          path.join(g, 'inventory.csv'),
          '--keys',
          path.join(g, 'keys.csv'),
        ])
      ).code,
      0,
    );
    r = await cli([
      'smso',
      'encrypt',
      'CGI',
      '--group',
      'AA',
      '--installations',
      path.join(g, 'installations.txt'),
      '--public-key',
      f('s1sp.notice'),
      f('dco.notice'),
      '--out',
      path.join(g, 'handover.jsonl'),
      '--at',
      AT,
    ]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const out = path.join(g, 'out');
    r = await cli([
      'rp',
      'build-group-files',
      '--mcf',
      mcf,
      '--mvf',
      mvf,
      '--handover',
      path.join(g, 'handover.jsonl'),
      '--inventory',
      path.join(g, 'inventory.csv'),
      '--chf-details',
      path.join(g, 'chf.csv'),
      '--key',
      path.join(pki, 'requesting-party', 'requestingPartyFileSigning.key.pem'),
      '--cert',
      path.join(pki, 'requesting-party', 'requestingPartyFileSigning.cert.pem'),
      '--out',
      out,
      '--at',
      AT,
      '--mgf-counter',
      '131',
      '--mef-counter',
      '231',
      '--json',
    ]);
    assert.ok(r.stdout.includes('included'), r.stdout + r.stderr);
    const built = JSON.parse(r.stdout) as {
      included: string[];
      mgf: { path: string };
      mef: { path: string };
    };
    assert.deepEqual(built.included, [chfs[0], chfs[1], chfs[2]]);
    // The S1SP's key in the group-keys registry, under the Key Identifier openssl computes (TMAD 5.1(a)(i)).
    const pkcs1 = execFileSync(
      'openssl',
      ['rsa', '-in', f('s1sp.key'), '-RSAPublicKey_out', '-outform', 'DER'],
      { stdio: ['ignore', 'pipe', 'ignore'] },
    );
    const kid = execFileSync('openssl', ['dgst', '-sha1', '-r'], { input: pkcs1 }).toString().split(' ')[0]!;
    const spki = execFileSync('openssl', [
      'pkey',
      '-in',
      f('s1sp.key'),
      '-pubout',
      '-outform',
      'DER',
    ]).toString('base64');
    writeFileSync(
      path.join(g, 'group-keys.csv'),
      `Key Identifier,Holder,GroupID,Constraints,Valid From,Valid To,Public Key\n${kid},S1SP,AA,,${day(atMs - 30 * 86_400_000)},${day(atMs + 365 * 86_400_000)},${spki}\n`,
    );
    for (const [reg, file] of [
      ['group-keys', path.join(g, 'group-keys.csv')],
      ['organisations', path.join(REPO_ROOT, 'samples', 'dcc-reference', 'organisations.csv')],
    ] as const) {
      const i = await cli(['ref', 'import', reg, file]);
      assert.equal(i.code, 0, i.stdout + i.stderr);
    }
    assert.equal((await cli(['ref', 'import', 'certificates', pki])).code, 0);
    const state = path.join(g, 's1sp');
    const mb = path.join(g, 'mailboxes');
    const common = [
      '--trust',
      pki,
      '--group-key',
      f('s1sp.key'),
      '--state',
      state,
      '--mailboxes',
      mb,
      '--sign-key',
      path.join(s1, 's1SPMigrationSigning.key.pem'),
      '--cert',
      path.join(s1, 's1SPMigrationSigning.cert.pem'),
    ];
    // The MCF and MVF first (the timer starts at the MVF, TMAD 5.24), then the MGF and MEF.
    r = await cli(['s1sp', 'receive', mcf, mvf, built.mgf.path, built.mef.path, '--at', AT, ...common]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /Table 5\.25: 2 S1SP Viable Installation\(s\), 1 failed/);
    assert.doesNotMatch(r.stdout, /SCF \d+/); // the viable one waits; the failure may wait up to 55 minutes
    const st = JSON.parse((await cli(['s1sp', 'status', '--json', '--at', AT])).stdout) as Array<{
      state: string;
      installations: Record<string, number>;
      unsent: number;
      sealedGroupInformation: number;
    }>;
    assert.equal(st[0]!.state, 'processed');
    assert.deepEqual(st[0]!.installations, { failed: 1, viable: 2 });
    assert.equal(st[0]!.sealedGroupInformation, 2); // the failed one's plaintext is gone (5.25)
    const early = await cli(['s1sp', 'tick', '--at', new Date(atMs + 54 * 60_000).toISOString(), ...common]);
    assert.match(early.stdout, /nothing due/);
    const t = await cli([
      's1sp',
      'tick',
      '--json',
      '--at',
      new Date(atMs + 55 * 60_000).toISOString(),
      ...common,
    ]);
    assert.equal(t.code, 0, t.stdout + t.stderr);
    const tick = JSON.parse(t.stdout) as {
      scfs: Array<{
        path: string;
        installations: number;
        failed: number;
        delivered: Array<{ to: { role: string } }>;
      }>;
    };
    assert.equal(tick.scfs.length, 1);
    const scf = tick.scfs[0]!;
    assert.equal(scf.installations, 1);
    assert.match(path.basename(scf.path), /^SCF_(SUPA)?_70-B3-D5-1F-30-11-00-01_31_1\.xml$/);
    assert.deepEqual(
      scf.delivered.map((d) => d.to.role),
      ['requesting-party', 'commissioning-party'],
    );
    const text = readFileSync(scf.path, 'utf8');
    assert.match(text, new RegExp(`<CHFIdentifier>${chfs[2]}</CHFIdentifier>`));
    assert.match(text, /<FailedStepNumber>5\.25\.3\.12\.8\.1<\/FailedStepNumber>/);
    const x = spawnSync(
      'xmllint',
      ['--noout', '--schema', path.join(REPO_ROOT, 'schema', 'smets1-migration.xsd'), scf.path],
      { encoding: 'utf8' },
    );
    assert.equal(x.status, 0, x.stderr);
    const v = spawnSync(
      'xmlsec1',
      [
        '--verify',
        '--trusted-pem',
        path.join(pki, 'root-ca.cert.pem'),
        '--untrusted-pem',
        path.join(pki, 'issuing-ca.cert.pem'),
        '--untrusted-pem',
        path.join(s1, 's1SPMigrationSigning.cert.pem'),
        scf.path,
      ],
      { encoding: 'utf8' },
    );
    assert.equal(v.status, 0, v.stderr);
  },
);
