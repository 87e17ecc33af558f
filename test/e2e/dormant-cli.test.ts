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
