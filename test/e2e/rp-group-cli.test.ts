// s1mig rp build-group-files end to end, each input made by the command that makes it in the chain:
// pki init → file generate MCF --sign → dcc validate-mcf (samples/dcc-reference.json: installations 4
// and 5 fail) → smso import / smso encrypt (RSA group keys from openssl) → rp build-group-files. The
// MGF and MEF (TMAD 5.12(f), (g)) validate with xmllint against the schema, verify with xmlsec1 and pass
// `s1mig file authenticate` as the receiving parties (Table 5.9: the S1SP for the MGF, the DCO for the
// MEF). Per GroupID the files and elements follow TMAD 12.14/12.15, 14.15/14.16, 15.3/15.4, 16.15/16.16.
import { before, after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
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

const dir = mkdtempSync(path.join(tmpdir(), 's1mig-rp-group-'));
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

before(async () => {
  if (!tools) return;
  assert.equal((await runCli(['pki', 'init', pki])).code, 0);
  writeGroupKeyNotices(dir, atMs); // TMAD 5.1(a) group keys, made by openssl
});

interface BuildJson {
  built: boolean;
  groupId: string;
  mgf: { path: string; header: { mgfCounter: string; mcfCounter: string } } | null;
  mef: { path: string; header: { mefCounter: string; mcfCounter: string } } | null;
  included: string[];
  excluded: Array<{
    chfIdentifier: string;
    reasons: Array<{ rule: string; field: string; message: string }>;
  }>;
}

/** The SMSO's inventory and key material for the MCF's installations; WAN contacts per installation. */
async function smsoFilesFor(mcf: string, contacts: Array<number | null>, out: string): Promise<string[]> {
  return writeSmsoFiles(await mcfInstallations(mcf), out, {
    wanContact: (k) => contacts[k] ?? null,
    chfCertificate: certificateBase64(
      path.join(pki, 'requesting-party', 'requestingPartyFileSigning.cert.pem'),
    ),
  });
}

async function chain(
  groupId: string,
  counter: number,
): Promise<{ chfs: string[]; j: BuildJson; code: number; stdout: string }> {
  const g = f(groupId);
  mkdirSync(g);
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
    String(counter),
    '--group-id',
    groupId,
    '--out',
    g + '/',
    '--quiet',
  ]);
  assert.equal(r.code, 0, r.stderr);
  const mcf = path.join(
    g,
    readdirSync(g).find((n) => n.startsWith('MCF_'))!,
  );
  // The sample reference data, with the AA device models also listed for this GroupID.
  const fx = JSON.parse(readFileSync(path.join(REPO_ROOT, 'samples', 'dcc-reference.json'), 'utf8')) as {
    groupDeviceModels: Record<string, unknown>;
    eligibleProductCombinations: Array<{ groupId: string }>;
    trustStore?: string;
  };
  fx.groupDeviceModels[groupId] = fx.groupDeviceModels.AA;
  fx.eligibleProductCombinations = fx.eligibleProductCombinations.map((e) => ({ ...e, groupId }));
  delete fx.trustStore;
  writeFileSync(path.join(g, 'ref.json'), JSON.stringify(fx));
  r = await runCli(
    [
      'dcc',
      'validate-mcf',
      mcf,
      '--reference',
      path.join(g, 'ref.json'),
      '--trust',
      pki,
      '--sign-key',
      path.join(pki, 's1sp', 's1SPMigrationSigning.key.pem'),
      '--cert',
      path.join(pki, 's1sp', 's1SPMigrationSigning.cert.pem'),
      '--out',
      g + '/',
      '--mvf-counter',
      String(counter),
      '--at',
      AT,
    ],
    { env },
  );
  assert.equal(r.code, 1, r.stdout + r.stderr); // installations 4 and 5 fail 5.10.9 / 5.10.4
  const mvf = path.join(
    g,
    readdirSync(g).find((n) => n.startsWith('MVF_'))!,
  );
  const a = await runCli(
    ['file', 'authenticate', '--as', 'requesting-party', '--trust', pki, '--at', AT, mvf],
    { env },
  );
  assert.equal(a.code, 0, a.stdout + a.stderr); // TMAD 5.12(a): the MVF authenticated first
  // WAN contact: exactly 7 days, 7 days + 1 s, 1 hour, 1 hour, none (TMAD 5.12(c)).
  const chfs = await smsoFilesFor(
    mcf,
    [atMs - 7 * 86_400_000, atMs - 7 * 86_400_000 - 1000, atMs - 3_600_000, atMs - 3_600_000, null],
    g,
  );
  r = await runCli(
    ['smso', 'import', 'CGI', path.join(g, 'inventory.csv'), '--keys', path.join(g, 'keys.csv')],
    { env },
  );
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const notices = groupId === 'DA' ? [f('sua.notice')] : [f('s1sp.notice'), f('dco.notice')];
  r = await runCli(
    [
      'smso',
      'encrypt',
      'CGI',
      '--group',
      groupId,
      '--installations',
      path.join(g, 'installations.txt'),
      '--public-key',
      ...notices,
      '--out',
      path.join(g, 'handover.jsonl'),
      '--at',
      AT,
    ],
    { env },
  );
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const out = path.join(g, 'out');
  r = await runCli([
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
    String(100 + counter),
    '--mef-counter',
    String(200 + counter),
    '--json',
  ]);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
  return { chfs, j: JSON.parse(r.stdout) as BuildJson, code: r.code, stdout: r.stdout };
}

/** Schema (xmllint) and signature in PKI mode (xmlsec1: the leaf by issuer and serial, chain to the root). */
function checkFile(file: string): void {
  const x = spawnSync(
    'xmllint',
    ['--noout', '--schema', path.join(REPO_ROOT, 'schema', 'smets1-migration.xsd'), file],
    {
      encoding: 'utf8',
    },
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
      path.join(pki, 'requesting-party', 'requestingPartyFileSigning.cert.pem'),
      file,
    ],
    { encoding: 'utf8' },
  );
  assert.equal(v.status, 0, v.stderr);
}

async function authenticate(file: string, as: string): Promise<void> {
  const a = await runCli(['file', 'authenticate', '--as', as, '--trust', pki, '--at', AT, file], { env });
  assert.equal(a.code, 0, a.stdout + a.stderr);
  assert.match(a.stdout, /AUTHENTICATED/);
}

const skip = tools ? false : 'xmllint, xmlsec1 or openssl not installed';

for (const [groupId, counter] of [
  ['AA', 21],
  ['CA', 22],
  ['EB', 23],
  ['DA', 24],
] as const)
  test(
    `TMAD 5.12 / ${groupId}: only installations with a clean MVF and WAN contact within 7 days go on; files per GroupID validate, verify and authenticate`,
    { skip },
    async () => {
      const { chfs, j, code, stdout } = await chain(groupId, counter);
      assert.equal(code, 1); // some held back
      assert.equal(j.built, true, stdout);
      // TMAD 5.12(c): exactly 7 days passes, 7 days + 1 s does not; 5.12(b): MVF failures held back.
      assert.deepEqual(j.included, [chfs[0], chfs[2]]);
      assert.deepEqual(
        j.excluded.map((x) => x.chfIdentifier),
        [chfs[1], chfs[3], chfs[4]],
      );
      assert.deepEqual(
        j.excluded[0]!.reasons.map((p) => p.rule),
        ['TMAD 5.12(c)'],
      );
      assert.deepEqual(
        j.excluded[1]!.reasons.map((p) => p.rule),
        ['TMAD 5.12(b)'],
      );
      assert.match(j.excluded[1]!.reasons[0]!.message, /5\.10\.9/);
      assert.deepEqual(
        j.excluded[2]!.reasons.map((p) => p.rule),
        ['TMAD 5.12(b)', 'TMAD 5.12(c)'],
      );
      const mef = readFileSync(j.mef!.path, 'utf8');
      assert.equal(path.basename(j.mef!.path), `MEF_70-B3-D5-1F-30-10-00-01_${counter}_${200 + counter}.xml`);
      checkFile(j.mef!.path);
      await authenticate(j.mef!.path, 'dco'); // TMAD 5.15
      assert.equal((mef.match(/<SMETS1Installation>/g) ?? []).length, 2);
      assert.doesNotMatch(mef, /DecryptedS1SP/); // TMAD 11.1: no plaintext in the MEF (EB included)
      if (groupId === 'DA') {
        // TMAD 16.15 no MGF; 16.16 SUAKeyDetails, no EncryptedS1SPGroupInformation or EncryptedMasterKey.
        assert.equal(j.mgf, null);
        assert.deepEqual(
          readdirSync(path.join(dir, groupId, 'out')).filter((n) => n.startsWith('MGF')),
          [],
        );
        assert.match(mef, /<SUAKeyDetails>/);
        assert.doesNotMatch(mef, /EncryptedS1SPGroupInformation|EncryptedMasterKey/);
      } else {
        // 12.15 / 14.16 / 15.3: EncryptedS1SPGroupInformation and EncryptedMasterKey, no SUAKeyDetails.
        assert.match(mef, /<EncryptedS1SPGroupInformation>/);
        assert.match(mef, /<EncryptedMasterKey>/);
        assert.doesNotMatch(mef, /SUAKeyDetails/);
        assert.ok(j.mgf);
        assert.equal(
          path.basename(j.mgf.path),
          `MGF_70-B3-D5-1F-30-10-00-01_${counter}_${100 + counter}.xml`,
        );
        assert.equal(j.mgf.header.mcfCounter, String(counter)); // the MCF's Migration Header (5.12(f))
        checkFile(j.mgf.path);
        await authenticate(j.mgf.path, 's1sp'); // TMAD 5.22
        const mgf = readFileSync(j.mgf.path, 'utf8');
        assert.match(mgf, /<IMSI>23410\d{10}<\/IMSI>/);
        assert.match(mgf, /<PreviousAPN>apn.example<\/PreviousAPN>/);
        assert.match(mgf, /<SerialNumbers><CHF>SN-CHF-0<\/CHF>/);
        if (groupId === 'CA') assert.match(mgf, /<IPAddr>10\.0\.0\.1<\/IPAddr>/); // TMAD 14.7.1
        if (groupId === 'EB') assert.match(mgf, /<DeviceCertificate>/); // Appendix B ET01
      }
    },
  );
