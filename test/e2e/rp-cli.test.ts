// s1mig rp build-mcf through the real CLI: pki init → ref import of the samples (plus the PKI's
// certificates and an EPC list for the generated models) → smso generate → ma build/seal/open for some of
// the MPxNs → rp build-mcf. Every MCF passes `file authenticate --as dcc` (Table 5.9), validates with
// xmllint against schema/smets1-migration.xsd and verifies with xmlsec1; every installation not in an MCF
// has a recorded clause and reason.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { REPO_ROOT, runCli } from '../support/cli.js';

const dir = mkdtempSync(path.join(tmpdir(), 's1mig-rp-cli-'));
const pki = path.join(dir, 'pki');
const env = { S1MIG_DATABASE_URL: `sqlite:${path.join(dir, 'db.sqlite')}` };
const hasXmllint = spawnSync('xmllint', ['--version']).status === 0;
const hasXmlsec1 = spawnSync('xmlsec1', ['--version']).status === 0;
const WEEK = '2027-01-04';
const inventory = path.join(dir, 'inventory.csv');
const rpKey = path.join(pki, 'requesting-party', 'requestingPartyFileSigning.key.pem');
const rpCert = path.join(pki, 'requesting-party', 'requestingPartyFileSigning.cert.pem');
after(() => rmSync(dir, { recursive: true, force: true }));

const cli = async (args: string[]) => {
  const r = await runCli(args, { env });
  assert.equal(r.code, 0, `${args.slice(0, 2).join(' ')}: ${r.stdout}${r.stderr}`);
  return r;
};

interface Summary {
  installations: number;
  included: number;
  held: number;
  refused: number;
  byRule: Record<string, { held: number; refused: number }>;
  files: Array<{ file: string; name: string; groupId: string; installations: number; mcfCounter: string }>;
  outcomes: Array<{ chfDeviceId: string; outcome: string; rule: string | null; reason: string | null }>;
}
let summary: Summary;

before(async () => {
  await cli(['pki', 'init', pki]);
  for (const r of ['organisations', 'registration', 'network-operator-ids', 'products', 'smi'])
    await cli(['ref', 'import', r, path.join(REPO_ROOT, 'samples', 'reference', `${r}.csv`)]);
  await cli(['ref', 'import', 'certificates', pki]);
  await cli(['smso', 'generate', '--installations', '40', '--seed', 'rp-e2e', '--out', inventory]);
  // An EPC list for the generator's models (src/estate/smso-inventory.ts): Telegesis hubs AA, Toshiba CA.
  const header =
    'Entry ID,List,GroupID,SMSO,Applicability,CHF Manufacturer,CHF Model,CHF Firmware Version,ESME Manufacturer,ESME Model,ESME Firmware Version,GSME Manufacturer,GSME Model,GSME Firmware Version,PPMID Manufacturer,PPMID Model,PPMID Firmware Version,Entry Date,Removal Date';
  const chf = [
    ['Telegesis,CHF-S1-A,2.1.4', 'AA'],
    ['Toshiba,HUB-S1-200,1.8.0', 'CA'],
  ] as const;
  const esme = ['Landis+Gyr,E470-S1,03.2A', 'Secure,Liberty-100,5.12', 'EDMI,Atlas-S1,1.0.7'];
  const gsme = [',,', 'Landis+Gyr,G470-S1,02.9', 'Secure,Europa-G,4.4'];
  const ppmid = [',,', 'Chameleon,PPMID-S1,1.3'];
  const lines = [header];
  let n = 0;
  for (const [c, g] of chf)
    for (const e of esme)
      for (const gs of gsme)
        for (const p of ppmid)
          lines.push(
            `EPC-E${String(++n).padStart(3, '0')},Eligible,${g},CGI,Either,${c},${e},${gs},${p},2020-01-01,`,
          );
  writeFileSync(path.join(dir, 'epc.csv'), lines.join('\n') + '\n');
  await cli(['ref', 'import', 'epc', path.join(dir, 'epc.csv')]);

  // Supplier A authorises the first 25 installations with an MPAN (MPAN and MPRN as the inventory has them).
  const rows = readFileSync(inventory, 'utf8').trim().split('\n').slice(1);
  const mpxns = rows
    .map((l) => l.split(','))
    .filter((f) => f[1] === 'CHF' && f[10] !== '')
    .slice(0, 25)
    .map((f) => `${f[10]},${f[11]}`);
  writeFileSync(path.join(dir, 'mpxns.csv'), mpxns.join('\n') + '\n');
  const maDir = path.join(dir, 'ma');
  const built = await cli([
    'ma',
    'build',
    '--mpxns',
    path.join(dir, 'mpxns.csv'),
    '--user-id',
    '70-B3-D5-1F-30-01-00-01',
    '--smso',
    'CGI',
    '--migration-week',
    WEEK,
    '--certificates-from-pki',
    pki,
    '--out',
    maDir,
    '--json',
  ]);
  const csv = (JSON.parse(built.stdout) as { file: string }).file;
  const iki = path.join(pki, 'supplier-a', 'ikiFileSigning');
  const sealed = await cli([
    'ma',
    'seal',
    csv,
    '--key',
    `${iki}.key.pem`,
    '--cert',
    `${iki}.cert.pem`,
    '--out',
    path.join(dir, 'sealed'),
    '--json',
  ]);
  await cli(['ma', 'open', (JSON.parse(sealed.stdout) as { zip: string }).zip, '--trust', pki, '--json']);

  const r = await cli([
    'rp',
    'build-mcf',
    '--week',
    WEEK,
    '--inventory',
    inventory,
    '--smso',
    'CGI',
    '--key',
    rpKey,
    '--cert',
    rpCert,
    '--out',
    path.join(dir, 'mcf'),
    '--json',
  ]);
  summary = JSON.parse(r.stdout) as Summary;
});

test('TMAD 5.8, 10.2: rp build-mcf writes signed MCFs per GroupID and accounts for every installation', () => {
  assert.equal(summary.installations, 40);
  assert.equal(summary.included + summary.held + summary.refused, 40);
  assert.ok(summary.files.length >= 2, JSON.stringify(summary.files));
  assert.deepEqual(
    summary.files.reduce((a, f) => a + f.installations, 0),
    summary.included,
  );
  // TMAD 5.6: counters 1, 2, … per file; Table 10.2 names MCF_<RequestingPartyID>_<MCFCounter>_0.xml.
  summary.files.forEach((f, i) => {
    assert.equal(f.mcfCounter, String(i + 1));
    assert.equal(f.name, `MCF_70-B3-D5-1F-30-10-00-01_${i + 1}_0.xml`);
  });
  assert.deepEqual(readdirSync(path.join(dir, 'mcf')).sort(), summary.files.map((f) => f.name).sort());
  // Installations without an MA (15 of 40 have none) are held with TMAD 4.17, others for their reasons.
  for (const o of summary.outcomes)
    if (o.outcome !== 'included') {
      assert.ok(o.rule && o.reason, JSON.stringify(o));
    }
  assert.ok(summary.byRule['TMAD 4.17']!.held > 0);
});

test('TMAD 5.9: every MCF passes file authenticate --as dcc, xmllint against the schema and xmlsec1', async (t) => {
  for (const f of summary.files) {
    const a = await runCli(
      ['file', 'authenticate', f.file, '--as', 'dcc', '--trust', pki, '--quiet', '--json'],
      {
        env,
      },
    );
    assert.equal(a.code, 0, a.stdout + a.stderr);
    const v = JSON.parse(a.stdout) as { accepted: boolean; header: { groupId: string } };
    assert.equal(v.accepted, true);
    assert.equal(v.header.groupId, f.groupId);
    if (hasXmllint) {
      const x = spawnSync(
        'xmllint',
        ['--noout', '--schema', path.join(REPO_ROOT, 'schema', 'smets1-migration.xsd'), f.file],
        { encoding: 'utf8' },
      );
      assert.equal(x.status, 0, x.stderr);
    }
    if (hasXmlsec1) {
      const x = spawnSync('xmlsec1', ['--verify', '--pubkey-cert-pem', rpCert, f.file], { encoding: 'utf8' });
      assert.equal(x.status, 0, x.stderr);
    }
  }
  if (!hasXmllint || !hasXmlsec1) t.diagnostic('xmllint or xmlsec1 missing: those checks skipped');
});

test('rp outcomes lists the recorded outcome of each installation with clause and reason', async () => {
  const r = await cli(['rp', 'outcomes', '--json']);
  const rows = JSON.parse(r.stdout) as Array<{
    outcome: string;
    rule: string | null;
    mcfFile: string | null;
  }>;
  assert.equal(rows.length, 40);
  assert.equal(rows.filter((x) => x.outcome === 'included' && x.mcfFile !== null).length, summary.included);
  const human = await cli(['rp', 'outcomes', '--limit', '5']);
  assert.match(human.stdout, /5 outcome\(s\)/);
});

test('a second run takes new counters (TMAD 5.6); bad input gets a clear error, no stack trace', async () => {
  const r = await cli([
    'rp',
    'build-mcf',
    '--week',
    WEEK,
    '--inventory',
    inventory,
    '--smso',
    'CGI',
    '--key',
    rpKey,
    '--cert',
    rpCert,
    '--out',
    path.join(dir, 'mcf2'),
    '--json',
  ]);
  const again = JSON.parse(r.stdout) as Summary;
  assert.equal(again.files[0]!.mcfCounter, String(summary.files.length + 1));
  const notMonday = await runCli(
    [
      'rp',
      'build-mcf',
      '--week',
      '2027-01-05',
      '--inventory',
      inventory,
      '--smso',
      'CGI',
      '--key',
      rpKey,
      '--cert',
      rpCert,
      '--out',
      dir,
    ],
    { env },
  );
  assert.equal(notMonday.code, 2);
  assert.match(notMonday.stderr, /not a Monday/);
  const wrongCert = await runCli(
    [
      'rp',
      'build-mcf',
      '--week',
      WEEK,
      '--inventory',
      inventory,
      '--smso',
      'CGI',
      '--key',
      rpKey,
      '--cert',
      path.join(pki, 's1sp', 's1SPMigrationSigning.cert.pem'),
      '--out',
      dir,
    ],
    { env },
  );
  assert.equal(wrongCert.code, 2);
  assert.match(wrongCert.stderr, /requestingPartyFileSigning/);
  writeFileSync(path.join(dir, 'bad.csv'), readFileSync(inventory, 'utf8').replace(',Active,', ',Asleep,'));
  const bad = await runCli(
    [
      'rp',
      'build-mcf',
      '--week',
      WEEK,
      '--inventory',
      path.join(dir, 'bad.csv'),
      '--smso',
      'CGI',
      '--key',
      rpKey,
      '--cert',
      rpCert,
      '--out',
      dir,
    ],
    { env },
  );
  assert.equal(bad.code, 1);
  assert.match(bad.stdout, /bad\.csv:\d+:\d+: status: 'Asleep'/);
  for (const x of [notMonday, wrongCert, bad]) assert.doesNotMatch(x.stderr, /\n\s+at /);
});

test('smso export writes the stored inventory as the CSV the Requesting Party reads (same rows as imported)', async () => {
  await cli(['smso', 'import', 'CGI', inventory]);
  const out = path.join(dir, 'exported.csv');
  await cli(['smso', 'export', 'CGI', '--out', out]);
  const lines = (f: string) => readFileSync(f, 'utf8').trim().split('\n').sort();
  assert.deepEqual(lines(out), lines(inventory));
  const again = await runCli(['smso', 'export', 'CGI', '--out', out], { env });
  assert.equal(again.code, 2);
  assert.match(again.stderr, /already exists/);
});

test('TMAD 4.23: rp stop records a stop request, rp stops lists it, and the next build holds exactly that installation back', async () => {
  const included = summary.outcomes.filter((o) => o.outcome === 'included');
  const [target, other] = included as [Summary['outcomes'][number], Summary['outcomes'][number]];
  const rec = await cli([
    'rp',
    'stop',
    '--from',
    '70-B3-D5-1F-30-01-00-01',
    '--chf',
    target.chfDeviceId,
    '--note',
    'customer asked to wait',
    '--json',
  ]);
  const stop = JSON.parse(rec.stdout) as { id: number; userId: string; chfDeviceId: string };
  assert.deepEqual([stop.userId, stop.chfDeviceId], ['70-B3-D5-1F-30-01-00-01', target.chfDeviceId]);
  // Another organisation's request for a second installation: not its Responsible Supplier, not honoured.
  const inv = readFileSync(inventory, 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => l.split(','));
  const otherMpan = inv.find((f) => f[0] === other.chfDeviceId && f[1] === 'CHF')![10]!;
  await cli(['rp', 'stop', '--from', '70-B3-D5-1F-30-02-00-01', '--mpxn', otherMpan]);
  const listed = JSON.parse((await cli(['rp', 'stops', '--json'])).stdout) as Array<{
    id: number;
    mpan: string | null;
  }>;
  assert.deepEqual(
    listed.map((x) => x.mpan),
    [null, otherMpan],
  );
  assert.match((await cli(['rp', 'stops'])).stdout, /2 stop request\(s\)/);

  const r = await cli([
    'rp',
    'build-mcf',
    '--week',
    WEEK,
    '--inventory',
    inventory,
    '--smso',
    'CGI',
    '--key',
    rpKey,
    '--cert',
    rpCert,
    '--out',
    path.join(dir, 'mcf-stopped'),
    '--json',
  ]);
  const after = JSON.parse(r.stdout) as Omit<Summary, 'outcomes'> & {
    outcomes: Array<{ chfDeviceId: string; outcome: string; rule: string | null; notes: string[] }>;
  };
  const changed = after.outcomes.filter(
    (o) => o.outcome !== summary.outcomes.find((x) => x.chfDeviceId === o.chfDeviceId)!.outcome,
  );
  assert.deepEqual(
    changed.map((o) => [o.chfDeviceId, o.outcome, o.rule]),
    [[target.chfDeviceId, 'held', 'TMAD 4.23']],
  );
  const o = after.outcomes.find((x) => x.chfDeviceId === other.chfDeviceId)!;
  assert.ok(
    o.notes.some((n) => /not honoured: the sender is not the Responsible Supplier/.test(n)),
    JSON.stringify(o),
  );
  assert.equal(after.byRule['TMAD 4.23']!.held, 1);

  // Bad input: a clear usage error naming the flag and the rule, nothing recorded.
  const neither = await runCli(['rp', 'stop', '--from', '70-B3-D5-1F-30-01-00-01'], { env });
  assert.equal(neither.code, 2);
  assert.match(neither.stderr, /exactly one of --chf <device-id> or --mpxn/);
  const badMpan = await runCli(
    ['rp', 'stop', '--from', '70-B3-D5-1F-30-01-00-01', '--mpxn', '1000123456789'],
    {
      env,
    },
  );
  assert.equal(badMpan.code, 2);
  assert.match(badMpan.stderr, /--mpxn: .*check digit/);
  const badFrom = await runCli(['rp', 'stop', '--from', 'SUPA', '--chf', target.chfDeviceId], { env });
  assert.equal(badFrom.code, 2);
  assert.match(badFrom.stderr, /--from 'SUPA'/);
  for (const x of [neither, badMpan, badFrom]) assert.doesNotMatch(x.stderr, /\n\s+at /);
  assert.equal((JSON.parse((await cli(['rp', 'stops', '--json'])).stdout) as unknown[]).length, 2);
});

test('TMAD 5.9.2: an MCF from a party the receiver does not know (its signer in no trust store of the DCC) is refused with the clause', async () => {
  const otherPki = path.join(dir, 'other-pki');
  await cli(['pki', 'init', otherPki]);
  const r = await runCli(
    ['file', 'authenticate', summary.files[0]!.file, '--as', 'dcc', '--trust', otherPki, '--json'],
    { env },
  );
  assert.equal(r.code, 1, r.stdout + r.stderr);
  const v = JSON.parse(r.stdout) as {
    accepted: boolean;
    failedStep: string;
    problems: Array<{ rule: string; message: string }>;
  };
  assert.deepEqual([v.accepted, v.failedStep], [false, '5.9.2']);
  assert.match(v.problems[0]!.rule, /TMAD 5\.9\.2/);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
});
