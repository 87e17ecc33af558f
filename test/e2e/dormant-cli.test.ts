// s1mig mcc dormant notices / supplier dormant respond / mcc dormant receive end to end (TMAD 4.29–4.32A;
// MAM 5, 6, 7.3, 7.4, 7.5): Registration Data imported, the week's notices written as .xlsx, the
// schedule filled in and sealed by the supplier, the response received into the store.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli } from '../support/cli.js';
import { makeOpensslPki } from '../support/openssl-pki.js';
import { mpanWithCheckDigit } from '../../src/core/ids/mpxn.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 's1mig-dormant-cli-'));
const env = { S1MIG_DATABASE_URL: '', S1MIG_PG_SCHEMA: '' };
const pki = makeOpensslPki();
after(() => {
  pki.cleanup();
  fs.rmSync(tmp, { recursive: true, force: true });
});
const w = (name: string, text: string) => {
  fs.writeFileSync(path.join(tmp, name), text);
  return path.join(tmp, name);
};
const MPAN = mpanWithCheckDigit('140000000001');

test('TMAD 4.30, 4.32: notices → respond → receive, with --json', async () => {
  w(
    'registration.csv',
    `Meter Point,Role,Party,Effective From,Effective To\n${MPAN},ImportSupplier,SUPA,2019-04-01,\n`,
  );
  w(
    'organisations.csv',
    'DCC User ID,Party Signifier,Name,Role,Affiliate Group\n70-B3-D5-1F-30-00-A0-08,SUPA,Supplier A,SupplierParty,\n',
  );
  for (const reg of ['registration', 'organisations']) {
    const r = await runCli(['ref', 'import', reg, `${reg}.csv`], { cwd: tmp, env });
    assert.equal(r.code, 0, r.stderr);
  }
  const inventory = w(
    'inventory.csv',
    [
      'chf_device_id,device_type,device_id,manufacturer,model,firmware_version,serial_number,status,han_joined_at,last_wan_contact_at,mpan,mprn,unsolicited_hh_data',
      `00-DB-26-76-10-00-00-01,CHF,00-DB-26-76-10-00-00-01,Telegesis,CHF-S1-A,2.1.4,TEL1,,,2026-01-01T00:00:00Z,${MPAN},,N`,
      '00-DB-26-76-10-00-00-01,ESME,00-DB-26-76-20-00-00-01,Secure,Liberty-100,5.12,SEC1,Dormant,,,,,',
      '00-DB-26-76-10-00-00-01,GPF,00-DB-26-76-30-00-00-01,Telegesis,GPF-S1-A,2.1.4,TEL2,Active,,,,,',
    ].join('\n') + '\n',
  );
  w('suppliers.csv', 'Party Signifier,Name,Market Participant IDs\nSUPA,Supplier A,SUPA\n');
  const n = await runCli(
    [
      'mcc',
      'dormant',
      'notices',
      '--week',
      '2027-03-01',
      '--inventory',
      inventory,
      '--smso',
      'CGI',
      '--suppliers',
      'suppliers.csv',
      '--out',
      'notices',
      '--at',
      '2027-02-01T09:00:00Z',
      '--json',
    ],
    { cwd: tmp, env },
  );
  assert.equal(n.code, 0, n.stderr + n.stdout);
  const plan = JSON.parse(n.stdout);
  assert.deepEqual(plan.deadlines, { firmware: '2027-02-22', schedule: '2027-02-08' });
  assert.equal(plan.written.length, 2);
  const schedule = plan.written.find((x: { kind: string }) => x.kind === 'schedule').file;

  w('certs.csv', 'CHF Device ID,Priority\n00-DB-26-76-10-00-00-01,Y\n');
  const leaf = pki.leaf('Supplier A IKI');
  const s = await runCli(
    [
      'supplier',
      'dormant',
      'respond',
      schedule,
      '--certificates',
      'certs.csv',
      '--user-id',
      '70-B3-D5-1F-30-00-A0-08',
      '--key',
      leaf.keyPath,
      '--cert',
      leaf.certPath,
      '--out',
      'sealed',
      '--json',
    ],
    { cwd: tmp, env },
  );
  assert.equal(s.code, 0, s.stderr + s.stdout);
  const sealed = JSON.parse(s.stdout);
  assert.equal(sealed.deadline, '2027-02-25T10:00:00+00:00');

  const r = await runCli(
    [
      'mcc',
      'dormant',
      'receive',
      sealed.files.zip,
      '--week',
      '2027-03-01',
      '--trust',
      pki.caBundlePath,
      '--no-require-crl',
      '--json',
    ],
    { cwd: tmp, env },
  );
  assert.equal(r.code, 0, r.stderr + r.stdout);
  const got = JSON.parse(r.stdout);
  assert.equal(got.outcome, 'accepted');
  assert.equal(got.priority, 1);
  assert.deepEqual(got.stored, { recorded: 1, duplicate: false });

  // TMAD 4.32A: rp build-mcf reads the stored response. The installation is EA and dormant-only; the
  // response flagged it a priority but gave no Certificate ID: held back, naming the two missing.
  const rpPki = path.join(tmp, 'rp-pki');
  assert.equal((await runCli(['pki', 'init', rpPki], { cwd: tmp, env })).code, 0);
  w(
    'epc.csv',
    'Entry ID,List,GroupID,SMSO,Applicability,CHF Manufacturer,CHF Model,CHF Firmware Version,ESME Manufacturer,ESME Model,ESME Firmware Version,GSME Manufacturer,GSME Model,GSME Firmware Version,PPMID Manufacturer,PPMID Model,PPMID Firmware Version,Entry Date,Removal Date\n' +
      'EPC-EA01,Eligible,EA,CGI,Either,Telegesis,CHF-S1-A,2.1.4,Secure,Liberty-100,5.12,,,,,,,2020-01-01,\n',
  );
  assert.equal((await runCli(['ref', 'import', 'epc', 'epc.csv'], { cwd: tmp, env })).code, 0);
  const rpSigner = path.join(rpPki, 'requesting-party', 'requestingPartyFileSigning');
  const b = await runCli(
    [
      'rp',
      'build-mcf',
      '--week',
      '2027-03-01',
      '--inventory',
      inventory,
      '--smso',
      'CGI',
      '--key',
      `${rpSigner}.key.pem`,
      '--cert',
      `${rpSigner}.cert.pem`,
      '--out',
      'mcf',
      '--at',
      '2027-02-26T09:00:00Z',
      '--json',
    ],
    { cwd: tmp, env },
  );
  assert.equal(b.code, 0, b.stderr + b.stdout);
  const built = JSON.parse(b.stdout) as {
    outcomes: Array<{ outcome: string; rule: string; reason: string; groupId: string }>;
  };
  assert.deepEqual(
    built.outcomes.map((o) => [o.outcome, o.rule, o.groupId]),
    [['held', 'TMAD 4.32A', 'EA']],
  );
  assert.match(
    built.outcomes[0]!.reason,
    /2 Supplier Certificate ID\(s\) not yet received or the Null Certificate ID \(ESME Critical, ESME Non-Critical;/,
  );

  // Bad input: a schedule with a column removed is refused with row, column and clause; no stack trace.
  const bad = await runCli(
    [
      'supplier',
      'dormant',
      'respond',
      inventory,
      '--user-id',
      '70-B3-D5-1F-30-00-A0-08',
      '--key',
      leaf.keyPath,
      '--cert',
      leaf.certPath,
      '--out',
      'sealed2',
    ],
    { cwd: tmp, env },
  );
  assert.equal(bad.code, 1, bad.stderr);
  assert.match(bad.stdout, /MAM 7\.4/);
  assert.doesNotMatch(bad.stderr + bad.stdout, /\n\s+at /);
});

test('TMAD 4.29, 4.30, 4.32A: a change of supplier after the notices → renotify the new supplier; its response counts, the old one no longer', async () => {
  const dir = fs.mkdtempSync(path.join(tmp, 'cos-'));
  const at = (name: string, text: string) => {
    fs.writeFileSync(path.join(dir, name), text);
    return path.join(dir, name);
  };
  const run = (args: string[]) => runCli(args, { cwd: dir, env });
  // Hand-made Registration Data: SUPA until 14 February 2027, SUPB from the 15th.
  at(
    'registration.csv',
    `Meter Point,Role,Party,Effective From,Effective To\n${MPAN},ImportSupplier,SUPA,2019-04-01,2027-02-14\n${MPAN},ImportSupplier,SUPB,2027-02-15,\n`,
  );
  at(
    'organisations.csv',
    'DCC User ID,Party Signifier,Name,Role,Affiliate Group\n70-B3-D5-1F-30-00-A0-08,SUPA,Supplier A,SupplierParty,\n70-B3-D5-1F-30-00-B0-09,SUPB,Supplier B,SupplierParty,\n',
  );
  at(
    'epc.csv',
    'Entry ID,List,GroupID,SMSO,Applicability,CHF Manufacturer,CHF Model,CHF Firmware Version,ESME Manufacturer,ESME Model,ESME Firmware Version,GSME Manufacturer,GSME Model,GSME Firmware Version,PPMID Manufacturer,PPMID Model,PPMID Firmware Version,Entry Date,Removal Date\n' +
      'EPC-EA01,Eligible,EA,CGI,Either,Telegesis,CHF-S1-A,2.1.4,Secure,Liberty-100,5.12,,,,,,,2020-01-01,\n',
  );
  for (const reg of ['registration', 'organisations', 'epc'])
    assert.equal((await run(['ref', 'import', reg, `${reg}.csv`])).code, 0);
  const inventory = at(
    'inventory.csv',
    [
      'chf_device_id,device_type,device_id,manufacturer,model,firmware_version,serial_number,status,han_joined_at,last_wan_contact_at,mpan,mprn,unsolicited_hh_data',
      `00-DB-26-76-10-00-00-01,CHF,00-DB-26-76-10-00-00-01,Telegesis,CHF-S1-A,2.1.4,TEL1,,,2026-01-01T00:00:00Z,${MPAN},,N`,
      '00-DB-26-76-10-00-00-01,ESME,00-DB-26-76-20-00-00-01,Secure,Liberty-100,5.12,SEC1,Dormant,,,,,',
      '00-DB-26-76-10-00-00-01,GPF,00-DB-26-76-30-00-00-01,Telegesis,GPF-S1-A,2.1.4,TEL2,Active,,,,,',
    ].join('\n') + '\n',
  );
  at(
    'suppliers.csv',
    'Party Signifier,Name,Market Participant IDs\nSUPA,Supplier A,SUPA\nSUPB,Supplier B,SUPB\n',
  );
  const n = await run([
    'mcc',
    'dormant',
    'notices',
    '--week',
    '2027-03-01',
    '--inventory',
    inventory,
    '--smso',
    'CGI',
    '--suppliers',
    'suppliers.csv',
    '--out',
    'notices',
    '--at',
    '2027-02-01T09:00:00Z',
    '--json',
  ]);
  assert.equal(n.code, 0, n.stderr + n.stdout);
  assert.deepEqual(JSON.parse(n.stdout).recorded, { recorded: 2, skipped: 0 });
  const schedule = (JSON.parse(n.stdout).written as { kind: string; file: string }[]).find(
    (x) => x.kind === 'schedule',
  )!.file;

  // SUPA answers with both ESME Supplier Certificate IDs (the 4.32A gate would be satisfied).
  const certs =
    'CHF Device ID,ESME Supplier Certificate Id (Critical) – Serial Number,ESME Supplier Certificate Id (Critical) – Issuer Name,ESME Supplier Certificate Id (Non-Critical) – Serial Number,ESME Supplier Certificate Id (Non-Critical) – Issuer Name\n';
  at('certs-a.csv', `${certs}00-DB-26-76-10-00-00-01,1001,CN=Supplier A CA,1002,CN=Supplier A CA\n`);
  const leafA = pki.leaf('Supplier A IKI');
  const respond = async (
    file: string,
    certsFile: string,
    userId: string,
    leaf: typeof leafA,
    out: string,
    when: string,
  ) => {
    const r = await run([
      'supplier',
      'dormant',
      'respond',
      file,
      '--certificates',
      certsFile,
      '--user-id',
      userId,
      '--key',
      leaf.keyPath,
      '--cert',
      leaf.certPath,
      '--out',
      out,
      '--at',
      when,
      '--json',
    ]);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    return JSON.parse(r.stdout) as { files: { zip: string; response: string } };
  };
  const receive = async (zip: string, when: string) => {
    const r = await run([
      'mcc',
      'dormant',
      'receive',
      zip,
      '--week',
      '2027-03-01',
      '--trust',
      pki.caBundlePath,
      '--no-require-crl',
      '--received-at',
      when,
      '--json',
    ]);
    return { code: r.code, out: JSON.parse(r.stdout) as { outcome: string; stored?: { recorded: number } } };
  };
  const a = await respond(
    schedule,
    'certs-a.csv',
    '70-B3-D5-1F-30-00-A0-08',
    leafA,
    'sealed-a',
    '2027-02-10T09:00:00Z',
  );
  assert.deepEqual((await receive(a.files.zip, '2027-02-10T10:00:00Z')).out.stored, {
    recorded: 1,
    duplicate: false,
  });

  // Before the change renotify finds nothing to do.
  const none = await run([
    'mcc',
    'dormant',
    'renotify',
    '--week',
    '2027-03-01',
    '--suppliers',
    'suppliers.csv',
    '--out',
    're',
    '--at',
    '2027-02-12T09:00:00Z',
    '--json',
  ]);
  assert.equal(none.code, 0, none.stderr + none.stdout);
  assert.deepEqual(JSON.parse(none.stdout).written, []);

  // After the change: SUPB gets both notices, named as re-notifications; the second run sends nothing again.
  const re = await run([
    'mcc',
    'dormant',
    'renotify',
    '--week',
    '2027-03-01',
    '--suppliers',
    'suppliers.csv',
    '--out',
    're',
    '--at',
    '2027-02-16T09:00:00Z',
    '--json',
  ]);
  assert.equal(re.code, 0, re.stderr + re.stdout);
  const renotified = JSON.parse(re.stdout) as {
    written: { kind: string; file: string; partySignifier: string }[];
    changes: { from: string; to: string; action: string }[];
  };
  assert.deepEqual(
    renotified.written.map((w) => [w.kind, w.partySignifier, path.basename(w.file)]),
    [
      [
        'firmware',
        'SUPB',
        'SMETS1_Dormant_Meter_Firmware_Upgrade_Schedule_Notification_SUPB_CGI_20270301_Renotification01.xlsx',
      ],
      [
        'schedule',
        'SUPB',
        'SMETS1_Dormant_Meter_Migration_Schedule_Notification_SUPB_CGI_20270301_Renotification01.xlsx',
      ],
    ],
  );
  assert.deepEqual(
    [...new Set(renotified.changes.map((c) => `${c.from}→${c.to}:${c.action}`))],
    ['SUPA→SUPB:notified'],
  );
  const twice = await run([
    'mcc',
    'dormant',
    'renotify',
    '--week',
    '2027-03-01',
    '--suppliers',
    'suppliers.csv',
    '--out',
    're',
    '--at',
    '2027-02-17T09:00:00Z',
    '--json',
  ]);
  assert.equal(twice.code, 0, twice.stderr + twice.stdout);
  assert.deepEqual(JSON.parse(twice.stdout).written, []);

  // The 4.32A gate no longer counts SUPA's Certificate IDs: the EA installation is held.
  const rpPki = path.join(dir, 'rp-pki');
  assert.equal((await run(['pki', 'init', rpPki])).code, 0);
  const rpSigner = path.join(rpPki, 'requesting-party', 'requestingPartyFileSigning');
  const build = async (out: string) => {
    const b = await run([
      'rp',
      'build-mcf',
      '--week',
      '2027-03-01',
      '--inventory',
      inventory,
      '--smso',
      'CGI',
      '--key',
      `${rpSigner}.key.pem`,
      '--cert',
      `${rpSigner}.cert.pem`,
      '--out',
      out,
      '--at',
      '2027-02-26T09:00:00Z',
      '--json',
    ]);
    assert.equal(b.code, 0, b.stderr + b.stdout);
    return (JSON.parse(b.stdout) as { outcomes: { outcome: string; rule: string; reason: string }[] })
      .outcomes;
  };
  const held = await build('mcf1');
  assert.deepEqual(
    held.map((o) => [o.outcome, o.rule]),
    [['held', 'TMAD 4.32A']],
  );
  assert.match(held[0]!.reason, /no response to the Dormant Meter Migration Schedule received/);

  // SUPB answers its re-notification (under that file's name); accepted and counted: past 4.32A.
  at('certs-b.csv', `${certs}00-DB-26-76-10-00-00-01,2001,CN=Supplier B CA,2002,CN=Supplier B CA\n`);
  const leafB = pki.leaf('Supplier B IKI');
  const b = await respond(
    renotified.written[1]!.file,
    'certs-b.csv',
    '70-B3-D5-1F-30-00-B0-09',
    leafB,
    'sealed-b',
    '2027-02-18T09:00:00Z',
  );
  assert.equal(
    path.basename(b.files.response),
    'SMETS1_Dormant_Meter_Migration_Schedule_Notification_SUPB_CGI_20270301_Renotification01_Response.xlsx',
  );
  const got = await receive(b.files.zip, '2027-02-18T10:00:00Z');
  assert.equal(got.code, 0);
  assert.equal(got.out.outcome, 'accepted');
  const passed = await build('mcf2');
  assert.equal(passed.length, 1);
  assert.notEqual(passed[0]!.rule, 'TMAD 4.32A', passed[0]!.reason);

  // After the Migration Week has ended: usage error, nothing sent.
  const ended = await run([
    'mcc',
    'dormant',
    'renotify',
    '--week',
    '2027-03-01',
    '--suppliers',
    'suppliers.csv',
    '--out',
    're',
    '--at',
    '2027-03-08T09:00:00Z',
  ]);
  assert.equal(ended.code, 2);
  assert.match(ended.stderr, /has ended/);
});
