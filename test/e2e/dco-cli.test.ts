// s1mig dco receive / status / tick end to end, every input made by the command that makes it in the
// chain: estate generate (the PKI and the TMAD 5.1(a) group keys, group-keys/) → file generate MCF
// --sign → dcc validate-mcf → smso import / smso encrypt (to the estate's notices) → rp
// build-group-files → dco receive (the DCO's keys from the estate's group-keys/ directory). Then the
// DCO's status and its timers (TMAD 5.16), and a key outside its dates refused (5.1(a)).
import { before, after, test } from 'node:test';
import assert from 'node:assert/strict';
import { createECDH, randomBytes } from 'node:crypto';
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
import { iterateMigrationFile, type McfInstallation } from '../../src/core/formats/migration-files/index.js';
import { writeSmsoInventoryCsv, type SmsoInstallation } from '../../src/core/formats/smso/index.js';
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
const hex = (n: number): string => randomBytes(n).toString('hex').toUpperCase();
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

/** The SMSO's inventory and key material for the MCF's installations (all heard from an hour ago). */
function smsoFiles(mcf: string, out: string, installations: McfInstallation[]): void {
  const inv: SmsoInstallation[] = [];
  const rows: string[] = ['chf_device_id,device_type,device_id,key_name,value'];
  const assoc = ['DataCollection', 'ExtendedDataCollection', 'Management', 'Firmware'].flatMap((a) => [
    `${a}Association.AuthenticationKey`,
    `${a}Association.EncryptionKey`,
  ]);
  installations.forEach((m, k) => {
    const chf = m.chfDetail.deviceId;
    const dev = (deviceType: SmsoInstallation['devices'][number]['deviceType'], d: typeof m.chfDetail) => ({
      deviceType,
      deviceId: d.deviceId,
      manufacturer: d.deviceDetail.deviceManufacturer,
      model: d.deviceDetail.deviceModel,
      firmwareVersion: d.deviceDetail.firmwareVersion,
      serialNumber: `SN-${deviceType}-${k}`,
      status: deviceType === 'ESME' || deviceType === 'GSME' ? ('Active' as const) : null,
      hanJoinedAt: deviceType === 'CHF' ? null : '2020-01-01T00:00:00Z',
    });
    const devices = [dev('CHF', m.chfDetail), dev('ESME', m.esmeDetail), dev('GPF', m.gpfDetail)];
    if (m.gsmeDetail) devices.push(dev('GSME', m.gsmeDetail));
    inv.push({
      chfDeviceId: chf,
      mpan: m.esmeDetail.importMpan,
      mprn: m.gsmeDetail?.mprn ?? null,
      lastWanContactAt: iso(atMs - HOUR),
      unsolicitedHalfHourlyData: false,
      devices,
    });
    const master = hex(16);
    const row = (t: string, id: string, name: string, v: string) =>
      rows.push(`${chf},${t},${id},${name},${v}`);
    for (const d of devices) {
      if (d.deviceType !== 'GSME') row(d.deviceType, d.deviceId, 'MasterKey', master);
      for (const a of assoc) row(d.deviceType, d.deviceId, a, hex(16));
      if (d.deviceType === 'ESME' || d.deviceType === 'GSME') {
        row(d.deviceType, d.deviceId, 'PrepaymentKey', hex(16));
        const ecdh = createECDH('prime256v1');
        ecdh.generateKeys();
        row(d.deviceType, d.deviceId, 'SUAKey', hex(16));
        row(d.deviceType, d.deviceId, 'SUAPublicKey', ecdh.getPublicKey('hex', 'uncompressed').toUpperCase());
      }
      if (d.deviceType === 'ESME') {
        row('ESME', d.deviceId, 'HighLevelAssociation.AuthenticationKey', hex(16));
        row('ESME', d.deviceId, 'HighLevelAssociation.EncryptionKey', hex(16));
      }
    }
  });
  writeFileSync(path.join(out, 'inventory.csv'), writeSmsoInventoryCsv(inv));
  writeFileSync(path.join(out, 'keys.csv'), rows.join('\n') + '\n');
  writeFileSync(path.join(out, 'installations.txt'), inv.map((i) => i.chfDeviceId).join('\n') + '\n');
  // The Requesting Party's CHF SIM data for the MGF (docs/RP-GROUP-FILES.md).
  writeFileSync(
    path.join(out, 'chf.csv'),
    'chf_device_id,imsi,ip_addr,dns_server,ping_server,previous_apn,device_certificate\n' +
      inv
        .map((i, k) => `${i.chfDeviceId},23410${String(k).padStart(10, '0')},10.0.0.${k + 1},,,apn.example,`)
        .join('\n') +
      '\n',
  );
  void mcf;
}

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
  const installations: McfInstallation[] = [];
  for await (const item of iterateMigrationFile(readFileSync(mcf)))
    if (item.kind === 'installation') installations.push(item.installation as McfInstallation);
  smsoFiles(mcf, g, installations);
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
