// `s1mig smso` end to end, as a user runs it: generate, import, list, show, encrypt, delete-keys.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli } from '../support/cli.js';
import { parseHandover } from '../../src/core/formats/smso/index.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 's1mig-smso-cli-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));
const f = (n: string): string => path.join(dir, n);
const env = {
  S1MIG_DATABASE_URL: `sqlite:${f('db.sqlite')}`,
  S1MIG_KEY_PASSPHRASE: 'e2e passphrase',
  S1MIG_PROGRESS: 'off',
};
const hasOpenssl = spawnSync('openssl', ['version']).status === 0;

test(
  's1mig smso: generate → import → list → show → encrypt (EB) → delete-keys',
  { skip: hasOpenssl ? false : 'openssl CLI not installed' },
  async () => {
    let r = await runCli(
      [
        'smso',
        'generate',
        '--installations',
        '6',
        '--seed',
        'cli',
        '--out',
        f('inv.csv'),
        '--keys-out',
        f('keys.csv'),
      ],
      { env },
    );
    assert.equal(r.code, 0, r.stderr);
    r = await runCli(['smso', 'generate', '--installations', '6', '--seed', 'cli', '--out', f('inv2.csv')], {
      env,
    });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(fs.readFileSync(f('inv.csv')).equals(fs.readFileSync(f('inv2.csv'))), 'same seed, same bytes');
    assert.equal(
      (
        await runCli(['smso', 'generate', '--installations', '1', '--seed', 'x', '--out', f('inv.csv')], {
          env,
        })
      ).code,
      2,
    ); // never overwrites

    // Without the passphrase the keys are not imported (exit 2, a sentence, no stack trace).
    r = await runCli(['smso', 'import', 'CGI', f('inv.csv'), '--keys', f('keys.csv')], {
      env: { ...env, S1MIG_KEY_PASSPHRASE: undefined },
    });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /set S1MIG_KEY_PASSPHRASE/);
    assert.doesNotMatch(r.stderr, /\n\s+at /);

    r = await runCli(['smso', 'import', 'CGI', f('inv.csv'), '--keys', f('keys.csv'), '--json'], { env });
    assert.equal(r.code, 0, r.stderr);
    const imp = JSON.parse(r.stdout) as { installations: number; keyMaterial: number };
    assert.deepEqual([imp.installations, imp.keyMaterial], [6, 6]);

    r = await runCli(['smso', 'list', 'CGI', '--json'], { env });
    const list = JSON.parse(r.stdout) as Array<{ chfDeviceId: string; hasKeyMaterial: boolean }>;
    assert.equal(list.length, 6);
    assert.ok(list.every((i) => i.hasKeyMaterial));
    const chf = list[0]!.chfDeviceId;
    r = await runCli(['smso', 'show', 'CGI', chf], { env });
    assert.equal(r.code, 0);
    assert.match(r.stdout, new RegExp(`installation ${chf}`));
    assert.match(r.stdout, /key material: held \(encrypted at rest\)/);
    assert.equal((await runCli(['smso', 'show', 'CGI', '00-00-00-00-00-00-00-09'], { env })).code, 1);
    assert.equal((await runCli(['smso', 'list', 'XYZ'], { env })).code, 2);

    for (const k of ['s1sp', 'dco']) {
      execFileSync(
        'openssl',
        ['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', f(`${k}.key`)],
        { stdio: 'ignore' },
      );
      const pub = execFileSync('openssl', ['pkey', '-in', f(`${k}.key`), '-pubout']).toString();
      const purpose = k === 's1sp' ? 'S1SP-GroupInformation' : 'DCO-MasterKey';
      fs.writeFileSync(
        f(`${k}.notice`),
        `Purpose: ${purpose}\nValid-From: 2026-01-01\nValid-To: 2026-12-31\nGroupIDs: EB EC\n${pub}`,
      );
    }
    fs.writeFileSync(f('inst.txt'), `# installations\n${list.map((i) => i.chfDeviceId).join('\n')}\n`);
    const enc = (out: string, at = '2026-03-01T00:00:00Z', group = 'EB') =>
      runCli(
        [
          'smso',
          'encrypt',
          'CGI',
          '--group',
          group,
          '--installations',
          f('inst.txt'),
          '--public-key',
          f('s1sp.notice'),
          f('dco.notice'),
          '--out',
          f(out),
          '--at',
          at,
        ],
        { env },
      );
    r = await enc('ho.jsonl');
    assert.equal(r.code, 0, r.stderr);
    const ho = parseHandover(fs.readFileSync(f('ho.jsonl'), 'utf8'), 'ho.jsonl');
    assert.deepEqual(ho.problems, []);
    assert.equal(ho.installations.length, 6);
    assert.ok(ho.installations.every((i) => i.plaintext?.includes('DecryptedS1SPDPGroupInformation'))); // TMAD 11.1 EB
    // openssl opens the wrapped transport key (Table 11.2.2).
    fs.writeFileSync(
      f('wtk'),
      Buffer.from(ho.installations[0]!.encryptedS1spGroupInformation!.wrappedTransportKey, 'base64'),
    );
    const key = execFileSync('openssl', [
      'pkeyutl',
      '-decrypt',
      '-inkey',
      f('s1sp.key'),
      '-in',
      f('wtk'),
      '-pkeyopt',
      'rsa_padding_mode:oaep',
      '-pkeyopt',
      'rsa_oaep_md:sha256',
      '-pkeyopt',
      'rsa_mgf1_md:sha1',
    ]);
    assert.equal(key.length, 16);

    // TMAD 5.1(a): outside the keys' dates, or for a group they are not for: a usage error, no file.
    r = await enc('late.jsonl', '2027-01-01T00:00:00Z');
    assert.equal(r.code, 2);
    assert.match(r.stderr, /TMAD 5\.1\(a\)/);
    assert.ok(!fs.existsSync(f('late.jsonl')));
    assert.equal((await enc('aa.jsonl', '2026-03-01T00:00:00Z', 'AA')).code, 2);
    assert.equal((await enc('ho.jsonl')).code, 2); // never overwrites

    r = await runCli(['smso', 'delete-keys', 'CGI', chf, '--json'], { env });
    assert.deepEqual(JSON.parse(r.stdout), { smso: 'CGI', requested: 1, deleted: 1 });
    r = await enc('ho2.jsonl');
    assert.equal(r.code, 1); // one installation left out, named with its line
    assert.match(
      r.stdout,
      new RegExp(`inst\\.txt:2:1: chf_device_id: no key material is held for installation ${chf}`),
    );
  },
);

test('s1mig smso import: a bad inventory CSV is rejected whole, each problem with file:line:column', async () => {
  fs.writeFileSync(
    f('bad.csv'),
    'chf_device_id,device_type,device_id,manufacturer,model,firmware_version,serial_number,status,han_joined_at,last_wan_contact_at,mpan,mprn,unsolicited_hh_data\n' +
      '00-DB-00-00-10-00-00-01,CHF,00-DB-00-00-10-00-00-01,T,C,1,,,,,1200000000002,,N\n' +
      '00-DB-00-00-10-00-00-01,ESME,00-DB-00-00-21-00-00-01,L,E,2,,Asleep,,,,,\n',
  );
  const r = await runCli(['smso', 'import', 'TRL', f('bad.csv')], { env });
  assert.equal(r.code, 1);
  assert.match(
    r.stdout,
    /bad\.csv:3:61: status: 'Asleep': expected Active or Dormant for an ESME \(TMAD 2 Active Meter \/ Dormant Meter; TMAD 4\.21\(b\)\)/,
  );
  assert.match(r.stdout, /nothing imported/);
  const list = await runCli(['smso', 'list', 'TRL', '--json'], { env });
  assert.deepEqual(JSON.parse(list.stdout), []);
  const missing = await runCli(['smso', 'import', 'TRL', f('nope.csv')], { env });
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /nope\.csv: no such file/);
});
