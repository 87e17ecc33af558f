// s1mig dco receive / status / tick end to end, every input made by the command that makes it in the
// chain: estate generate (the PKI and the TMAD 5.1(a) group keys, group-keys/) → file generate MCF
// --sign → dcc validate-mcf → smso import / smso encrypt (to the estate's notices) → rp
// build-group-files → dco receive (the DCO's keys from the estate's group-keys/ directory). Then the
// DCO's status and its timers (TMAD 5.16), and a key outside its dates refused (5.1(a)).
import { before, after, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { REPO_ROOT, jsonLines, runCli } from '../support/cli.js';
import { mcfInstallations, writeSmsoFiles } from '../support/smso-files.js';
import type { DcoReceipt, DcoSetStatus, DcoTickAction } from '../../src/dco/index.js';

const dir = mkdtempSync(path.join(tmpdir(), 's1mig-dco-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const f = (...p: string[]): string => path.join(dir, ...p);
const est = f('estate');
const pki = path.join(est, 'pki');
const keys = path.join(est, 'group-keys');
const envFor = (db: string) => ({
  S1MIG_DATABASE_URL: `sqlite:${f(db)}`,
  S1MIG_KEY_PASSPHRASE: 'dco e2e',
  S1MIG_PROGRESS: 'off',
});
const env = envFor('db.sqlite');
const atMs = Math.floor(Date.now() / 1000) * 1000 + 60_000;
const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
const AT = iso(atMs);
const HOUR = 3_600_000;

before(async () => {
  const r = await runCli(
    ['estate', 'generate', '--installations', '8', '--seed', 'dco', '--out', est, '--json'],
    {
      env,
    },
  );
  assert.equal(r.code, 0, r.stderr);
});

/** MCF, MVF and MEF of one GroupID, each made by its own command. */
async function chain(
  groupId: string,
  counter: number,
): Promise<{ mcf: string; mvf: string; mef: string; chfs: string[] }> {
  const g = f(groupId);
  mkdirSync(g);
  const run = async (args: string[], code = 0): Promise<string> => {
    const r = await runCli(args, { env });
    assert.equal(r.code, code, `${args.slice(0, 2).join(' ')}: ${r.stdout}${r.stderr}`);
    return r.stdout;
  };
  await run([
    'file',
    'generate',
    'MCF',
    '--pki',
    pki,
    '--sign',
    '--installations',
    '3',
    '--seed',
    '1', // the MPxNs of samples/dcc-reference.json
    '--counter',
    String(counter),
    '--group-id',
    groupId,
    '--out',
    g + '/',
    '--quiet',
  ]);
  const mcf = path.join(
    g,
    readdirSync(g).find((n) => n.startsWith('MCF_'))!,
  );
  const fx = JSON.parse(readFileSync(path.join(REPO_ROOT, 'samples', 'dcc-reference.json'), 'utf8')) as {
    groupDeviceModels: Record<string, unknown>;
    eligibleProductCombinations: Array<{ groupId: string }>;
    trustStore?: string;
  };
  fx.groupDeviceModels[groupId] = fx.groupDeviceModels.AA;
  fx.eligibleProductCombinations = fx.eligibleProductCombinations.map((e) => ({ ...e, groupId }));
  delete fx.trustStore;
  writeFileSync(path.join(g, 'ref.json'), JSON.stringify(fx));
  await run([
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
  ]);
  const mvf = path.join(
    g,
    readdirSync(g).find((n) => n.startsWith('MVF_'))!,
  );
  await run(['file', 'authenticate', '--as', 'requesting-party', '--trust', pki, '--at', AT, mvf]);
  const installations = await mcfInstallations(mcf);
  // The SMSO's inventory and key material for the MCF's installations (all heard from an hour ago).
  writeSmsoFiles(installations, g, { wanContact: () => atMs - HOUR, ppmid: false });
  await run(['smso', 'import', 'CGI', path.join(g, 'inventory.csv'), '--keys', path.join(g, 'keys.csv')]);
  const notices =
    groupId === 'DA'
      ? [path.join(keys, 'DCO-SUAKey-DA.notice')]
      : [
          path.join(keys, `S1SP-GroupInformation-${groupId}.notice`),
          path.join(keys, `DCO-MasterKey-${groupId}.notice`),
        ];
  await run([
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
  ]);
  const out = path.join(g, 'out');
  await run([
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
  ]);
  const mef = path.join(
    out,
    readdirSync(out).find((n) => n.startsWith('MEF_'))!,
  );
  return { mcf, mvf, mef, chfs: installations.map((i) => i.chfDetail.deviceId) };
}

const skip = existsSync('/usr/bin/openssl') ? false : 'openssl not installed';

for (const [groupId, counter] of [
  ['AA', 41],
  ['DA', 42],
] as const)
  test(
    `TMAD 5.11, 5.15, 5.19 / ${groupId}: dco receive authenticates the MCF, MVF and MEF, decrypts with the estate's DCO key and names the DCO Viable Installations; status shows the timers; tick at 192 h discards (5.16)`,
    { skip },
    async () => {
      const c = await chain(groupId, counter);
      const r = await runCli(
        ['dco', 'receive', c.mvf, c.mcf, c.mef, '--keys', keys, '--trust', pki, '--at', AT, '--json'],
        { env },
      );
      assert.equal(r.code, 0, r.stdout + r.stderr);
      const receipts = jsonLines<DcoReceipt>(r.stdout);
      assert.deepEqual(
        receipts.map((x) => [x.fileType, x.outcome]),
        [
          ['MVF', 'recorded'],
          ['MCF', 'recorded'],
          ['MEF', 'complete'],
        ],
      );
      assert.deepEqual([...receipts[2]!.viable!].sort(), [...c.chfs].sort());
      const s = await runCli(['dco', 'status', '--json'], { env });
      assert.equal(s.code, 0, s.stderr);
      const set = (JSON.parse(s.stdout) as { sets: DcoSetStatus[] }).sets.find((x) => x.groupId === groupId)!;
      assert.equal(set.state, 'complete');
      assert.equal(set.timers.firstRequestBy, new Date(atMs + 192 * HOUR).toISOString());
      const human = await runCli(['dco', 'status'], { env });
      assert.match(human.stdout, new RegExp(`/${groupId}: complete`));
      const before = await runCli(['dco', 'tick', '--at', iso(atMs + 192 * HOUR - 1000), '--json'], { env });
      assert.deepEqual((JSON.parse(before.stdout) as { actions: DcoTickAction[] }).actions, []);
      const t = await runCli(['dco', 'tick', '--at', iso(atMs + 192 * HOUR), '--json'], { env });
      const actions = (JSON.parse(t.stdout) as { actions: DcoTickAction[] }).actions.filter(
        (a) => a.set.groupId === groupId,
      );
      assert.deepEqual(
        actions.map((a) => [a.clause, a.action]),
        [['TMAD 5.16', 'discard-set']],
      );
      assert.ok(actions[0]!.keysDeleted >= 3);
    },
  );

test(
  'TMAD 5.1(a), 5.15(b): with the only DCO-MasterKey notice of the group out of its dates, the MEF is refused, discarded and an Incident raised',
  { skip },
  async () => {
    const c = await chain('CA', 43);
    const k2 = f('keys-expired');
    mkdirSync(k2);
    copyFileSync(path.join(keys, 'DCO-MasterKey-CA.key.pem'), path.join(k2, 'DCO-MasterKey-CA.key.pem'));
    writeFileSync(
      path.join(k2, 'DCO-MasterKey-CA.notice'),
      readFileSync(path.join(keys, 'DCO-MasterKey-CA.notice'), 'utf8').replace(
        /Valid-To: .*/,
        'Valid-To: 2020-12-31',
      ),
    );
    const e2 = envFor('db-expired.sqlite');
    const r = await runCli(
      [
        'dco',
        'receive',
        c.mef,
        '--keys',
        k2,
        '--trust',
        pki,
        '--at',
        AT,
        '--discard-to',
        f('discarded'),
        '--json',
      ],
      { env: e2 },
    );
    assert.equal(r.code, 1, r.stdout + r.stderr);
    const x = JSON.parse(r.stdout) as DcoReceipt; // one file: one object
    assert.equal(x.clause, 'TMAD 5.1(a)');
    assert.match(x.reason!, /5\.1\(a\)\(ii\)/);
    assert.ok(x.incidentId);
    assert.equal(existsSync(c.mef), false);
    assert.ok(readdirSync(f('discarded')).some((n) => n.startsWith('MEF_')));
    const human = await runCli(['dco', 'receive', c.mcf, '--keys', k2, '--trust', pki, '--at', AT], {
      env: e2,
    });
    assert.equal(human.code, 0, human.stdout + human.stderr);
    assert.match(human.stdout, /MCF RECORDED/);
  },
);
