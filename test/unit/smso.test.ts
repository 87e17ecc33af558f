// The SMETS1 SMSO (TMAD 4.21, 4.24A, 4.44B, 11): inventory and key CSV rules, the seeded generator, the
// TMAD 5.1(a) key notice, key material sealed at rest, and the TMAD 11 hand-over checked with tools made
// outside this code (openssl pkeyutl for RSAES-OAEP, Python's cryptography for AES-128-GCM and RFC 3394).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash, createPrivateKey, createPublicKey, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  parseGroupKeyNotice,
  parseHandover,
  parseSmsoInventoryCsv,
  parseSmsoKeyMaterialCsv,
  selectGroupKey,
  writeSmsoInventoryCsv,
  SMSO_INVENTORY_COLUMNS,
  type GroupKeyNotice,
  type HandoverInstallation,
} from '../../src/core/formats/smso/index.js';
import { parseMpan } from '../../src/core/ids/index.js';
import { REPO_ROOT } from '../support/cli.js';
import { generateSmsoEstate, generateSmsoInventoryFiles } from '../../src/estate/smso-inventory.js';
import { openStore, type Store } from '../../src/store/index.js';
import {
  encryptForRequestingParty,
  importInventory,
  KeyMaterialError,
  openKeyMaterial,
  parseInstallationList,
} from '../../src/smso/index.js';
import { createSealer, openSealed, SealError } from '../../src/lib/crypto/seal.js';
import {
  decryptMasterKey,
  decryptS1spGroupInformationXml,
  decryptSuaKey,
  unwrapPrepaymentKey,
} from '../../src/core/crypto/index.js';
import { parseDecryptedS1spGroupInformation } from '../../src/core/formats/migration-files/reader.js';

const hasOpenssl = spawnSync('openssl', ['version']).status === 0;
const hasPyCrypto = spawnSync('python3', ['-c', 'import cryptography']).status === 0;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 's1mig-smso-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));
const file = (n: string): string => path.join(dir, n);

const PINNED_INVENTORY_SHA256 = '347ca61b26880ad3813e977c6359bc129b5ef6e29d690072af38f7bcd7ccc97e';
const HEADER = SMSO_INVENTORY_COLUMNS.join(',');
const CHF = '00-DB-00-00-10-00-00-01';
const ESME = '00-DB-00-00-21-00-00-01';
const GSME = '00-DB-00-00-32-00-00-01';
const GPF = '00-DB-00-00-43-00-00-01';
const GOOD = [
  HEADER,
  `${CHF},CHF,${CHF},Telegesis,CHF-1,1.0,S1,,,2026-01-04T10:00:00Z,1200000000002,1234567890,N`,
  `${CHF},ESME,${ESME},L+G,E470,2.0,S2,Active,2017-01-01T00:00:00Z,,,,`,
  `${CHF},GSME,${GSME},L+G,G470,2.0,S3,Dormant,2017-01-02T00:00:00Z,,,,`,
  `${CHF},GPF,${GPF},Telegesis,GPF-1,1.0,S4,,,,,,`,
].join('\n');

// ---- inventory CSV ---------------------------------------------------------------------------------

test('TMAD 4.21 inventory CSV: a good file parses into one installation with every field', () => {
  const r = parseSmsoInventoryCsv(GOOD + '\n', 'inv.csv');
  assert.deepEqual(r.problems, []);
  assert.equal(r.installations.length, 1);
  const i = r.installations[0]!;
  assert.equal(i.mpan, '1200000000002');
  assert.equal(i.mprn, '1234567890');
  assert.equal(i.lastWanContactAt, '2026-01-04T10:00:00Z');
  assert.deepEqual(
    i.devices.map((d) => [d.deviceType, d.status]),
    [
      ['CHF', null],
      ['ESME', 'Active'],
      ['GSME', 'Dormant'],
      ['GPF', null],
    ],
  );
  // The writer is the parser's inverse (LF, final LF).
  assert.equal(writeSmsoInventoryCsv(r.installations), GOOD + '\n');
});

test('inventory CSV row errors name file, line, column, field, rule and what was expected', () => {
  const lines = GOOD.split('\n');
  lines[1] = `${CHF},CHF,${CHF},Telegesis,CHF-1,1.0,S1,,,2026-13-04T10:00:00Z,1200000000003,1234567890,maybe`;
  lines[2] = `${CHF},ESME,00-db-00-00-21-00-00-01,L+G,E470,2.0,S2,Sleeping,2017-01-01T00:00:00Z,,,,`;
  lines.push(`${CHF},TOASTER,00-DB-00-00-99-00-00-01,X,Y,1,,,,,,,`);
  lines.push(`${CHF},IHD,00-DB-00-00-63-00-00-01,X,Y,1,,Active,,,,,`);
  lines.push('too,few');
  const r = parseSmsoInventoryCsv(lines.join('\n') + '\n', 'inv.csv');
  const find = (line: number, field: string | null) =>
    r.problems.find((p) => p.line === line && p.field === field);
  for (const p of r.problems) {
    assert.equal(p.file, 'inv.csv');
    assert.ok(p.rule.length > 0 && p.message.length > 0);
  }
  const wan = find(2, 'last_wan_contact_at')!;
  assert.equal(wan.rule, 'TMAD 5.12(c) (WAN contact with the CH)');
  assert.match(wan.message, /expected a UTC time YYYY-MM-DDTHH:MM:SSZ/);
  assert.equal(wan.column, lines[1].indexOf('2026-13') + 1);
  const mpan = find(2, 'mpan')!;
  assert.match(mpan.rule, /TMAD 4\.21\(c\)/);
  assert.match(mpan.message, /check digit.*expected 2/);
  assert.match(find(2, 'unsolicited_hh_data')!.message, /expected Y or N/);
  assert.match(find(2, 'unsolicited_hh_data')!.rule, /TMAD 4\.24A, 4\.44B/);
  const id = find(3, 'device_id')!;
  assert.match(id.message, /expected the canonical form 00-DB-00-00-21-00-00-01/);
  assert.equal(id.column, CHF.length + 'ESME,'.length + 2);
  const st = find(3, 'status')!;
  assert.match(st.rule, /TMAD 2 Active Meter \/ Dormant Meter; TMAD 4\.21\(b\)/);
  assert.match(st.message, /'Sleeping': expected Active or Dormant/);
  assert.match(find(6, 'device_type')!.message, /expected one of CHF, GPF, ESME, GSME, PPMID, IHD, CAD/);
  assert.match(find(7, 'status')!.message, /expected empty/);
  const few = find(8, null)!;
  assert.match(few.message, /2 fields: expected 13/);
  // A problem row does not hide the others (every line reported), and the file is rejected whole.
  assert.ok(r.problems.length >= 8);
});

test('inventory CSV: header, duplicates and installation shape (TMAD 2 SMETS1 Installation)', () => {
  const h = parseSmsoInventoryCsv('chf,device_type\n', 'x.csv');
  assert.equal(h.problems[0]!.line, 1);
  assert.match(h.problems[0]!.message, /header line: expected exactly chf_device_id,device_type/);
  const lines = GOOD.split('\n');
  lines.push(`${CHF},ESME,${ESME},L+G,E470,2.0,S2,Active,,,,,`); // same device again
  lines.push(`00-DB-00-00-10-00-00-09,IHD,00-DB-00-00-63-00-00-09,X,Y,1,,,,,,,`); // no CHF row
  const r = parseSmsoInventoryCsv(lines.join('\n'), 'x.csv');
  assert.match(r.problems.find((p) => p.line === 6)!.message, /already listed on line 3/);
  assert.match(r.problems.find((p) => p.line === 7)!.message, /has no CHF row/);
  const noGpf = parseSmsoInventoryCsv(GOOD.split('\n').slice(0, 4).join('\n'), 'x.csv');
  assert.match(noGpf.problems[0]!.message, /GSME but no GPF/);
  const noMpan = parseSmsoInventoryCsv(GOOD.replace('1200000000002', ''), 'x.csv');
  assert.equal(noMpan.problems[0]!.field, 'mpan');
  assert.match(noMpan.problems[0]!.message, /expected the import MPAN core/);
});

test('key-material CSV: problems never show the key value; sizes and names per device type', () => {
  const secret = 'AB'.repeat(15); // 15 octets: wrong size
  const text = [
    'chf_device_id,device_type,device_id,key_name,value',
    `${CHF},ESME,${ESME},MasterKey,${secret}`,
    `${CHF},IHD,00-DB-00-00-63-00-00-01,MasterKey,${'00'.repeat(16)}`,
    `${CHF},ESME,${ESME},SUAPublicKey,${'05'.repeat(65)}`,
    `${CHF},PPMID,00-DB-00-00-52-00-00-01,PrepaymentKey,${'00'.repeat(16)}`,
  ].join('\n');
  const r = parseSmsoKeyMaterialCsv(text, 'keys.csv');
  assert.equal(r.problems.length, 4);
  for (const p of r.problems) assert.ok(!p.message.includes(secret) && !p.message.includes('0505'));
  assert.match(r.problems[0]!.message, /expected 32 or 64 hex digits/);
  assert.equal(r.problems[0]!.rule, 'TMAD 11.3 (Table 11.3), 11.4');
  assert.equal(r.problems[0]!.column, text.split('\n')[1]!.indexOf(secret) + 1);
  assert.match(r.problems[1]!.message, /IHD carries no keys/);
  assert.match(r.problems[2]!.message, /uncompressed P-256 point/);
  assert.match(r.problems[3]!.message, /not a key of a PPMID: expected one of MasterKey/);
});

// ---- the seeded generator -------------------------------------------------------------------------

test('estate generator: the same seed gives the same inventory and key CSV byte for byte', () => {
  const a = generateSmsoInventoryFiles({ installations: 50, seed: 'alpha' });
  const b = generateSmsoInventoryFiles({ installations: 50, seed: 'alpha' });
  const c = generateSmsoInventoryFiles({ installations: 50, seed: 'beta' });
  assert.equal(a.inventoryCsv, b.inventoryCsv);
  assert.equal(a.keysCsv, b.keysCsv);
  assert.notEqual(a.inventoryCsv, c.inventoryCsv);
  // Pinned: a change to the generator that changes its output must be deliberate (update the hash).
  assert.equal(createHash('sha256').update(a.inventoryCsv).digest('hex'), PINNED_INVENTORY_SHA256);
  // What it writes passes our own checks, and its MPANs and SUA points pass independent ones.
  const inv = parseSmsoInventoryCsv(a.inventoryCsv, 'gen.csv');
  assert.deepEqual(inv.problems, []);
  assert.equal(inv.installations.length, 50);
  const keys = parseSmsoKeyMaterialCsv(a.keysCsv, 'gen.keys.csv');
  assert.deepEqual(keys.problems, []);
  for (const i of inv.installations) if (i.mpan) assert.ok(parseMpan(i.mpan).ok);
  const e = generateSmsoEstate({ installations: 3, seed: 'alpha' });
  const point = e.keyMaterial[0]!.devices.find((d) => d.deviceType === 'ESME')!.keys.SUAPublicKey!;
  assert.doesNotThrow(() =>
    createPublicKey({
      key: {
        kty: 'EC',
        crv: 'P-256',
        x: Buffer.from(point.slice(2, 66), 'hex').toString('base64url'),
        y: Buffer.from(point.slice(66), 'hex').toString('base64url'),
      },
      format: 'jwk',
    }),
  );
});

// ---- TMAD 5.1(a) key notices ----------------------------------------------------------------------

function rsaPair(name: string): { key: string; pub: string } {
  const key = file(`${name}.key`);
  const pub = file(`${name}.pub`);
  execFileSync('openssl', ['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', key], {
    stdio: 'ignore',
  });
  execFileSync('openssl', ['pkey', '-in', key, '-pubout', '-out', pub], { stdio: 'ignore' });
  return { key, pub };
}
function notice(pub: string, purpose: string, from: string, to: string, groups?: string): string {
  return `Purpose: ${purpose}\nValid-From: ${from}\nValid-To: ${to}\n${groups ? `GroupIDs: ${groups}\n` : ''}${fs.readFileSync(pub, 'utf8')}`;
}

describe(
  'TMAD 11 hand-over from an SMSO store',
  { skip: hasOpenssl ? false : 'openssl CLI not installed' },
  () => {
    let store: Store;
    let s1sp: { key: string; pub: string };
    let dco: { key: string; pub: string };
    let notices: GroupKeyNotice[];
    const PASS = 'correct horse battery staple';
    const estate = generateSmsoInventoryFiles({ installations: 4, seed: 'handover' });
    const inv = parseSmsoInventoryCsv(estate.inventoryCsv, 'inv.csv').installations;
    const km = parseSmsoKeyMaterialCsv(estate.keysCsv, 'keys.csv').installations;
    const at = new Date('2026-06-01T12:00:00Z');

    before(async () => {
      s1sp = rsaPair('s1sp');
      dco = rsaPair('dco');
      const parse = (text: string, src: string): GroupKeyNotice => {
        const r = parseGroupKeyNotice(text, src);
        assert.ok(r.ok, r.ok ? '' : r.error);
        return r.value;
      };
      notices = [
        parse(notice(s1sp.pub, 'S1SP-GroupInformation', '2026-01-01', '2026-12-31'), 's1sp'),
        parse(notice(dco.pub, 'DCO-MasterKey', '2026-01-01', '2026-12-31'), 'dco'),
        parse(notice(dco.pub, 'DCO-SUAKey', '2026-01-01', '2026-12-31', 'DA'), 'dco-sua'),
      ];
      store = await openStore({ url: `sqlite:${file('smso.sqlite')}` });
      const r = await importInventory(store, 'CGI', {
        inventory: { text: estate.inventoryCsv, file: 'inv.csv' },
        keys: { text: estate.keysCsv, file: 'keys.csv' },
        passphrase: PASS,
      });
      assert.deepEqual(r.problems, []);
      assert.equal(r.keyMaterial, 4);
    });
    after(async () => store?.close());

    async function handover(groupId: string, ids = inv.map((i) => i.chfDeviceId)) {
      let text = '';
      const report = await encryptForRequestingParty(store, 'CGI', {
        groupId,
        installations: ids.map((chf, k) => ({ chf, line: k + 1 })),
        installationsFile: 'inst.txt',
        notices,
        at,
        passphrase: PASS,
        write: (c) => {
          text += c;
        },
      });
      return { report, text, parsed: parseHandover(text, 'ho.jsonl') };
    }

    test('TMAD 5.1(a)(i) Key Identifier equals SHA-1 of the RSAPublicKey that openssl writes', () => {
      const der = execFileSync(
        'openssl',
        ['rsa', '-pubin', '-in', s1sp.pub, '-RSAPublicKey_out', '-outform', 'DER'],
        { stdio: ['ignore', 'pipe', 'ignore'] },
      );
      const sha1 = execFileSync('openssl', ['dgst', '-sha1', '-r'], { input: der }).toString().split(' ')[0];
      assert.equal(notices[0]!.keyIdentifier, sha1);
    });

    test('TMAD 5.1(a)(ii)(iii) a key outside its dates or groups is never chosen', () => {
      assert.ok(!selectGroupKey(notices, 'S1SP-GroupInformation', 'AA', new Date('2027-01-01T00:00:00Z')).ok);
      assert.ok(selectGroupKey(notices, 'S1SP-GroupInformation', 'AA', new Date('2026-12-31T23:59:59Z')).ok); // inclusive
      assert.ok(!selectGroupKey(notices, 'DCO-SUAKey', 'AA', at).ok);
      const bad = parseGroupKeyNotice(
        notice(s1sp.pub, 'S1SP-GroupInformation', '2026-02-30', '2026-12-31'),
        'n',
      );
      assert.ok(!bad.ok && /Valid-From '2026-02-30' \(TMAD 5\.1\(a\)\(ii\)\)/.test(bad.error));
    });

    test('Tables 11.2.1/11.2.2: openssl pkeyutl unwraps the WrappedTransportKey, AES-128-GCM opens ProtectedData', async () => {
      const { report, parsed } = await handover('AA');
      assert.deepEqual(report.problems, []);
      assert.deepEqual(parsed.problems, []);
      assert.equal(parsed.installations.length, 4);
      const i = parsed.installations[0]!;
      assert.equal(i.plaintext, undefined); // TMAD 11.1: no plaintext for AA
      const g = i.encryptedS1spGroupInformation!;
      fs.writeFileSync(file('wtk.bin'), Buffer.from(g.wrappedTransportKey, 'base64'));
      const key = execFileSync('openssl', [
        'pkeyutl',
        '-decrypt',
        '-inkey',
        s1sp.key,
        '-in',
        file('wtk.bin'),
        '-pkeyopt',
        'rsa_padding_mode:oaep',
        '-pkeyopt',
        'rsa_oaep_md:sha256',
        '-pkeyopt',
        'rsa_mgf1_md:sha1',
      ]);
      assert.equal(key.length, 16); // TMAD 11.2: 128-bit key
      let plaintext: string;
      if (hasPyCrypto) {
        // An AES-GCM implementation that is not ours: Python's cryptography (OpenSSL's EVP underneath).
        plaintext = execFileSync('python3', [
          '-c',
          [
            'import sys,base64',
            'from cryptography.hazmat.primitives.ciphers.aead import AESGCM',
            'k,ct,tag=[base64.b64decode(x) for x in sys.argv[1:4]]',
            'sys.stdout.write(AESGCM(k).decrypt(bytes(12), ct+tag, None).decode())',
          ].join('\n'),
          key.toString('base64'),
          g.protectedData,
          g.authenticationTag,
        ]).toString();
      } else
        plaintext = decryptS1spGroupInformationXml(
          {
            ProtectedData: g.protectedData,
            AuthenticationTag: g.authenticationTag,
            WrappedTransportKey: g.wrappedTransportKey,
          },
          createPrivateKey(fs.readFileSync(s1sp.key)),
        ).toString();
      const info = await parseDecryptedS1spGroupInformation(plaintext);
      assert.equal(info.chfIdentifier, i.chfIdentifier);
      const mat = km.get(i.chfIdentifier)!;
      const chfKeys = mat.devices.find((d) => d.deviceType === 'CHF')!.keys;
      assert.equal(
        info.chfDetail?.managementAssociation?.encryptionKey,
        chfKeys['ManagementAssociation.EncryptionKey'],
      );
    });

    test('TMAD 11.2(a): a fresh transport key per EncryptedS1SPGroupInformation', async () => {
      const a = (await handover('AA')).parsed.installations[0]!;
      const b = (await handover('AA')).parsed.installations[0]!;
      assert.notEqual(
        a.encryptedS1spGroupInformation!.protectedData,
        b.encryptedS1spGroupInformation!.protectedData,
      );
    });

    test('Table 11.3: openssl decrypts EncryptedKey (OAEP SHA-256/MGF1-SHA-256) to the ESME/GPF/CHF Master Key', async () => {
      const i = (await handover('CA')).parsed.installations[0]!;
      const mat = km.get(i.chfIdentifier)!;
      const esme = mat.devices.find((d) => d.deviceType === 'ESME')!;
      const emk = i.encryptedMasterKeys.find((k) => k.deviceIds.includes(esme.deviceId))!;
      assert.deepEqual(emk.deviceIds.slice(0, 1), [esme.deviceId]);
      fs.writeFileSync(file('mk.bin'), Buffer.from(emk.encryptedKey, 'base64'));
      const mk = execFileSync('openssl', [
        'pkeyutl',
        '-decrypt',
        '-inkey',
        dco.key,
        '-in',
        file('mk.bin'),
        '-pkeyopt',
        'rsa_padding_mode:oaep',
        '-pkeyopt',
        'rsa_oaep_md:sha256',
        '-pkeyopt',
        'rsa_mgf1_md:sha256',
      ]);
      assert.equal(mk.toString('hex').toUpperCase(), esme.keys.MasterKey);
    });

    test('TMAD 13.4 / Table 11.4: for BA the WrappedPrepaymentKey unwraps (RFC 3394, Python) under the ESME Master Key', async () => {
      const i = (await handover('BA')).parsed.installations[0]!;
      const plain = decryptS1spGroupInformationXml(
        {
          ProtectedData: i.encryptedS1spGroupInformation!.protectedData,
          AuthenticationTag: i.encryptedS1spGroupInformation!.authenticationTag,
          WrappedTransportKey: i.encryptedS1spGroupInformation!.wrappedTransportKey,
        },
        createPrivateKey(fs.readFileSync(s1sp.key)),
      ).toString();
      const info = await parseDecryptedS1spGroupInformation(plain);
      const esme = km.get(i.chfIdentifier)!.devices.find((d) => d.deviceType === 'ESME')!.keys;
      const wrapped = info.esmeDetail!.wrappedPrepaymentKey!;
      const mk = Buffer.from(esme.MasterKey!, 'hex');
      assert.equal(unwrapPrepaymentKey(wrapped, mk).toString('hex').toUpperCase(), esme.PrepaymentKey);
      if (hasPyCrypto) {
        const out = execFileSync('python3', [
          '-c',
          [
            'import sys,base64',
            'from cryptography.hazmat.primitives.keywrap import aes_key_unwrap',
            'sys.stdout.write(aes_key_unwrap(bytes.fromhex(sys.argv[1]), base64.b64decode(sys.argv[2])).hex().upper())',
          ].join('\n'),
          esme.MasterKey!,
          wrapped,
        ]).toString();
        assert.equal(out, esme.PrepaymentKey);
      }
    });

    test('TMAD 11.1: plaintext is handed over for EB and EC only, and a reader refuses it for any other group', async () => {
      for (const g of ['EB', 'EC']) {
        const { parsed } = await handover(g);
        assert.deepEqual(parsed.problems, []);
        for (const i of parsed.installations) {
          assert.match(i.plaintext!, /<DecryptedS1SPDPGroupInformation/);
          // ... and it is the plaintext of the ciphertext beside it.
          const dec = decryptS1spGroupInformationXml(
            {
              ProtectedData: i.encryptedS1spGroupInformation!.protectedData,
              AuthenticationTag: i.encryptedS1spGroupInformation!.authenticationTag,
              WrappedTransportKey: i.encryptedS1spGroupInformation!.wrappedTransportKey,
            },
            createPrivateKey(fs.readFileSync(s1sp.key)),
          );
          assert.equal(dec.toString(), i.plaintext);
        }
      }
      for (const g of ['AA', 'BA', 'CA', 'CB', 'EA', 'DA']) {
        const { text, parsed } = await handover(g);
        assert.ok(
          parsed.installations.every((i) => i.plaintext === undefined),
          g,
        );
        assert.ok(!text.includes('Decrypted'), g);
        // No key of the key material appears in the hand-over in clear.
        for (const m of km.values())
          for (const d of m.devices)
            for (const v of Object.values(d.keys))
              if (!v.startsWith('04')) assert.ok(!text.toUpperCase().includes(v), `${g} leaks a key`);
      }
      const { text } = await handover('AA');
      const lines = text.trimEnd().split('\n');
      const forged = JSON.parse(lines[1]!) as HandoverInstallation;
      forged.plaintext = '<DecryptedS1SPDPGroupInformation/>';
      lines[1] = JSON.stringify(forged);
      const r = parseHandover(lines.join('\n') + '\n', 'forged.jsonl');
      assert.equal(r.problems[0]!.rule, 'TMAD 11.1');
      assert.equal(r.problems[0]!.line, 2);
    });

    test('TMAD 11.3B / 16.16: DA hands over SUAKeyDetails only, EncryptedSUAKey opens with the DCO key', async () => {
      const { parsed } = await handover('DA');
      const i = parsed.installations[0]!;
      assert.equal(i.encryptedS1spGroupInformation, undefined);
      assert.deepEqual(i.encryptedMasterKeys, []);
      const esme = km.get(i.chfIdentifier)!.devices.find((d) => d.deviceType === 'ESME')!.keys;
      const sua = i.suaKeyDetails.find((s) => s.deviceType === 'ESME')!;
      assert.equal(
        decryptSuaKey(sua.encryptedSuaKey, createPrivateKey(fs.readFileSync(dco.key)))
          .toString('hex')
          .toUpperCase(),
        esme.SUAKey,
      );
      assert.equal(Buffer.from(sua.publicKey, 'base64').toString('hex').toUpperCase(), esme.SUAPublicKey);
      assert.equal(
        sua.serialNumber,
        inv.find((x) => x.chfDeviceId === i.chfIdentifier)!.devices.find((d) => d.deviceType === 'ESME')!
          .serialNumber,
      );
      void decryptMasterKey; // (Table 11.3 is covered above with openssl)
    });

    test('unknown installations and deleted key material are reported per line, not handed over', async () => {
      const ids = [inv[0]!.chfDeviceId, '00-00-00-00-00-00-00-01', inv[1]!.chfDeviceId];
      assert.equal(await store.smso.deleteKeyMaterial('CGI', [inv[1]!.chfDeviceId]), 1);
      const { report, parsed } = await handover('AA', ids);
      assert.equal(report.written, 1);
      assert.deepEqual(
        parsed.installations.map((i) => i.chfIdentifier),
        [inv[0]!.chfDeviceId],
      );
      assert.deepEqual(
        report.problems.map((p) => [p.line, p.rule]),
        [
          [2, 'TMAD 4.21(a)'],
          [3, 'TMAD 11.2-11.4'],
        ],
      );
      assert.match(report.problems[1]!.message, /no key material is held/);
      // The inventory stays: only the keys went.
      assert.equal((await store.smso.get('CGI', inv[1]!.chfDeviceId))!.hasKeyMaterial, false);
    });

    test('the wrong passphrase opens nothing (KeyMaterialError, no plaintext)', async () => {
      const sealed = (await store.smso.sealedKeyMaterial('CGI', [inv[0]!.chfDeviceId])).get(
        inv[0]!.chfDeviceId,
      )!;
      assert.throws(() => openKeyMaterial(sealed, 'wrong', 'CGI', inv[0]!.chfDeviceId), KeyMaterialError);
      // Bound to its installation: the same sealed value does not open as another one's.
      assert.throws(() => openKeyMaterial(sealed, PASS, 'CGI', inv[2]!.chfDeviceId), KeyMaterialError);
      assert.equal(
        openKeyMaterial(sealed, PASS, 'CGI', inv[0]!.chfDeviceId).chfDeviceId,
        inv[0]!.chfDeviceId,
      );
    });

    test('key material at rest: the SQLite file and its WAL hold no key byte, in hex or raw', async () => {
      await store.close();
      const bytes = Buffer.concat(
        ['smso.sqlite', 'smso.sqlite-wal']
          .filter((f) => fs.existsSync(file(f)))
          .map((f) => fs.readFileSync(file(f))),
      );
      const text = bytes.toString('latin1');
      let checked = 0;
      for (const m of km.values())
        for (const d of m.devices)
          for (const [name, v] of Object.entries(d.keys)) {
            if (name === 'SUAPublicKey') continue; // public
            assert.ok(!text.includes(v) && !text.includes(v.toLowerCase()), `${name} in hex`);
            assert.equal(bytes.indexOf(Buffer.from(v, 'hex')), -1, `${name} raw`);
            assert.ok(!text.includes(Buffer.from(v, 'hex').toString('base64')), `${name} base64`);
            checked++;
          }
      assert.ok(checked > 50);
      assert.ok(text.includes('s1seal1.'));
      store = await openStore({ url: `sqlite:${file('smso.sqlite')}` });
    });
  },
);

test('sealed values: scrypt + AES-256-GCM round trip, tamper and context detected', () => {
  const s = createSealer('pw', { log2N: 10, r: 8, p: 1 });
  const secret = randomBytes(32);
  const sealed = s.seal(secret, 'ctx');
  assert.deepEqual(openSealed(sealed, 'pw', 'ctx'), secret);
  assert.notEqual(s.seal(secret, 'ctx'), sealed); // fresh IV
  assert.throws(() => openSealed(sealed, 'pw', 'other'), SealError);
  assert.throws(() => openSealed(sealed, 'pq', 'ctx'), SealError);
  const parts = sealed.split('.');
  parts[6] = Buffer.from(Buffer.from(parts[6]!, 'base64url').map((b, k) => (k === 0 ? b ^ 1 : b))).toString(
    'base64url',
  );
  assert.throws(() => openSealed(parts.join('.'), 'pw', 'ctx'), SealError);
  assert.throws(
    () => openSealed('garbage', 'pw', 'ctx'),
    (e: unknown) => e instanceof SealError && e.code === 'MALFORMED',
  );
});

test('installations file: one EUI-64 per line, comments and blanks ignored, duplicates reported', () => {
  const r = parseInstallationList(`# list\n${CHF}\n\nnot-an-id\n${CHF.replace(/-/g, '')}\n`, 'i.txt');
  assert.deepEqual(r.ids, [{ chf: CHF, line: 2 }]);
  assert.deepEqual(
    r.problems.map((p) => [p.line, p.field]),
    [
      [4, 'chf_device_id'],
      [5, 'chf_device_id'],
    ],
  );
  assert.match(r.problems[1]!.message, /already listed on line 2/);
});

test('samples/smso: the documented sample inventory, keys and key notice are valid (docs/SMSO.md)', () => {
  const read = (n: string): string => fs.readFileSync(path.join(REPO_ROOT, 'samples', 'smso', n), 'utf8');
  const inv = parseSmsoInventoryCsv(read('inventory.csv'), 'inventory.csv');
  assert.deepEqual(inv.problems, []);
  assert.equal(inv.installations.length, 3);
  assert.equal(
    read('inventory.csv'),
    generateSmsoInventoryFiles({ installations: 3, seed: 'sample' }).inventoryCsv,
  );
  assert.deepEqual(parseSmsoKeyMaterialCsv(read('keys.csv'), 'keys.csv').problems, []);
  const n = parseGroupKeyNotice(read('s1sp-group-key.notice'), 's1sp-group-key.notice');
  assert.ok(n.ok, n.ok ? '' : n.error);
  assert.equal(n.value.purpose, 'S1SP-GroupInformation');
});

test('docs/SMSO.md CSV lines: blank lines only at the end, CR LF, BOM, empty file; problems in line order', async () => {
  const { readCsvRecords, iterateCsvRecords, parseUtcSeconds } =
    await import('../../src/core/formats/smso/csv.js');
  const h = ['a', 'b'];
  const read = (text: string) => {
    const problems: Array<{ line: number | null; message: string }> = [];
    const records = readCsvRecords(text, 'f.csv', h, problems as never);
    return { lines: records.map((r) => `${r.line}:${r.values.a}/${r.values.b}`), problems };
  };
  assert.deepEqual(read('a,b\n1,2\r\n3,4\n\n\r\n').lines, ['2:1/2', '3:3/4']);
  assert.deepEqual(read('a,b\n1,2\r\n3,4\n\n\r\n').problems, []);
  assert.deepEqual(read('\ufeffa,b\n1,2').lines, ['2:1/2']);
  const mid = read('a,b\n1,2\n\n\r\n3,4\n5\n');
  assert.deepEqual(mid.lines, ['2:1/2', '5:3/4']);
  assert.deepEqual(
    mid.problems.map((p) => p.line),
    [3, 4, 6],
  );
  assert.match(mid.problems[0]!.message, /blank line/);
  assert.match(mid.problems[2]!.message, /1 fields: expected 2/);
  assert.equal(read('').problems.length, 1);
  assert.match(read('').problems[0]!.message, /empty/);
  assert.deepEqual(read('a,c\n1,2\n').lines, []);
  // One record at a time gives the same records and problems.
  const problems: unknown[] = [];
  assert.deepEqual(
    [...iterateCsvRecords('a,b\n1,2\n\n3,4\n', 'f.csv', h, problems as never)].map((r) => r.line),
    [2, 4],
  );
  assert.equal(problems.length, 1);
  // UTC seconds: real calendar instants only (hand-checked table).
  for (const [s, ok] of [
    ['2024-02-29T23:59:59Z', true],
    ['2023-02-29T00:00:00Z', false],
    ['2026-02-30T00:00:00Z', false],
    ['2026-01-05T24:00:00Z', false],
    ['2026-13-01T00:00:00Z', false],
    ['2026-01-05T09:60:00Z', false],
    ['2026-01-05T09:00:00.000Z', false],
  ] as const)
    assert.equal(parseUtcSeconds(s) !== undefined, ok, s);
  assert.equal(parseUtcSeconds('2026-01-05T09:00:07Z')!.getTime(), Date.UTC(2026, 0, 5, 9, 0, 7));
});
