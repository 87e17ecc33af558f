// TMAD section 11 interoperability with the OpenSSL CLI: RSAES-OAEP (Tables 11.2.2, 11.3, 11.3B),
// AES Key Wrap (Table 11.4) and the P-256 point of SUAKeyDetails/PublicKey, both directions.
// AES-GCM (Table 11.2.1) cannot be checked here: `openssl enc` refuses AEAD ciphers, so GCM is
// covered by the SP 800-38D known answers in test/unit/file-crypto.test.ts; this file checks that
// the transport key OpenSSL unwraps from a WrappedTransportKey opens the ProtectedData.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { createPrivateKey, createPublicKey, randomBytes, type KeyObject } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  aesGcm128Decrypt,
  decryptMasterKey,
  decryptS1spGroupInformation,
  decryptSuaKey,
  encryptMasterKey,
  encryptS1spGroupInformation,
  encryptSuaKey,
  formatSuaPublicKey,
  parseSuaPublicKey,
  rsaOaepDecrypt,
  rsaOaepEncrypt,
  unwrapPrepaymentKey,
  wrapPrepaymentKey,
  type OaepOptions,
} from '../../src/core/crypto/index.js';

const hasOpenssl = spawnSync('openssl', ['version']).status === 0;
const skip = hasOpenssl ? false : 'openssl CLI not installed';
const dir = mkdtempSync(join(tmpdir(), 's1mig-file-crypto-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const openssl = (args: string[]): Buffer =>
  execFileSync('openssl', args, { stdio: ['ignore', 'pipe', 'pipe'] });
const path = (name: string): string => join(dir, name);

let rsaKeyPath = '';
let rsaPubPath = '';
let rsaPrivate: KeyObject;
let rsaPublic: KeyObject;
if (hasOpenssl) {
  rsaKeyPath = path('rsa.pem');
  rsaPubPath = path('rsa.pub.pem');
  openssl(['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', rsaKeyPath]);
  openssl(['pkey', '-in', rsaKeyPath, '-pubout', '-out', rsaPubPath]);
  rsaPrivate = createPrivateKey(readFileSync(rsaKeyPath));
  rsaPublic = createPublicKey(readFileSync(rsaPubPath));
}

function oaepArgs(o: OaepOptions): string[] {
  return [
    '-pkeyopt',
    'rsa_padding_mode:oaep',
    '-pkeyopt',
    `rsa_oaep_md:${o.hash}`,
    '-pkeyopt',
    `rsa_mgf1_md:${o.mgf1Hash}`,
  ];
}
function opensslOaepDecrypt(c: Buffer, o: OaepOptions): Buffer {
  const f = path(`c-${randomBytes(4).toString('hex')}`);
  writeFileSync(f, c);
  return openssl(['pkeyutl', '-decrypt', '-inkey', rsaKeyPath, '-in', f, ...oaepArgs(o)]);
}
function opensslOaepEncrypt(m: Buffer, o: OaepOptions): Buffer {
  const f = path(`m-${randomBytes(4).toString('hex')}`);
  writeFileSync(f, m);
  return openssl(['pkeyutl', '-encrypt', '-pubin', '-inkey', rsaPubPath, '-in', f, ...oaepArgs(o)]);
}

const PAIRINGS: { clause: string; opts: OaepOptions }[] = [
  { clause: 'Table 11.2.2 (SHA-256, MGF1-SHA-1)', opts: { hash: 'sha256', mgf1Hash: 'sha1' } },
  { clause: 'Tables 11.3/11.3B (SHA-256, MGF1-SHA-256)', opts: { hash: 'sha256', mgf1Hash: 'sha256' } },
];

for (const { clause, opts } of PAIRINGS) {
  test(`${clause}: openssl pkeyutl -decrypt opens our RSAES-OAEP`, { skip }, () => {
    for (const m of [randomBytes(16), randomBytes(32), randomBytes(190)]) {
      assert.deepEqual(opensslOaepDecrypt(rsaOaepEncrypt(rsaPublic, m, opts), opts), m);
    }
  });
  test(`${clause}: we open openssl pkeyutl -encrypt RSAES-OAEP`, { skip }, () => {
    for (const m of [randomBytes(16), randomBytes(32)]) {
      assert.deepEqual(rsaOaepDecrypt(rsaPrivate, opensslOaepEncrypt(m, opts), opts), m);
    }
  });
}

test(
  'Table 11.2.2 vs openssl: a ciphertext made for MGF1-SHA-1 does not open as MGF1-SHA-256',
  { skip },
  () => {
    const c = rsaOaepEncrypt(rsaPublic, randomBytes(16), { hash: 'sha256', mgf1Hash: 'sha1' });
    assert.throws(() => opensslOaepDecrypt(c, { hash: 'sha256', mgf1Hash: 'sha256' }));
  },
);

test(
  'TMAD 11.2: openssl unwraps the WrappedTransportKey and that key opens ProtectedData (AES-GCM-128)',
  { skip },
  () => {
    const xml = Buffer.from('<DecryptedS1SPGroupInformation/>');
    const parts = encryptS1spGroupInformation(xml, rsaPublic);
    const key = opensslOaepDecrypt(parts.wrappedTransportKey, { hash: 'sha256', mgf1Hash: 'sha1' });
    assert.equal(key.length, 16);
    assert.deepEqual(aesGcm128Decrypt(key, parts.protectedData, parts.authenticationTag), xml);
    assert.deepEqual(decryptS1spGroupInformation(parts, rsaPrivate), xml);
  },
);

test(
  'TMAD 11.3 / 11.3B: keys encrypted by openssl decrypt with decryptMasterKey / decryptSuaKey',
  { skip },
  () => {
    const mk = randomBytes(16);
    const opts = { hash: 'sha256', mgf1Hash: 'sha256' } as const;
    assert.deepEqual(decryptMasterKey(opensslOaepEncrypt(mk, opts).toString('base64'), rsaPrivate), mk);
    assert.deepEqual(decryptSuaKey(opensslOaepEncrypt(mk, opts), rsaPrivate), mk);
    assert.deepEqual(opensslOaepDecrypt(encryptMasterKey(mk, rsaPublic), opts), mk);
    assert.deepEqual(opensslOaepDecrypt(encryptSuaKey(mk, rsaPublic), opts), mk);
  },
);

for (const bits of [128, 256] as const) {
  test(
    `TMAD 11.4 / RFC 3394: openssl enc -id-aes${bits}-wrap agrees with wrapPrepaymentKey both ways`,
    { skip },
    () => {
      const mk = randomBytes(bits / 8);
      const pk = randomBytes(16);
      const cipher = `-id-aes${bits}-wrap`;
      const base = [cipher, '-iv', 'A6A6A6A6A6A6A6A6', '-K', mk.toString('hex')];
      const pf = path(`pk-${bits}`);
      writeFileSync(pf, pk);
      const theirs = openssl(['enc', ...base, '-in', pf]);
      const ours = wrapPrepaymentKey(pk, mk);
      assert.deepEqual(ours, theirs);
      assert.deepEqual(unwrapPrepaymentKey(theirs, mk), pk);
      const wf = path(`w-${bits}`);
      writeFileSync(wf, ours);
      assert.deepEqual(openssl(['enc', '-d', ...base, '-in', wf]), pk);
      // A tampered wrap fails in openssl too.
      const bad = Buffer.from(ours);
      bad[5] = bad[5]! ^ 0x80;
      writeFileSync(wf, bad);
      assert.throws(() => openssl(['enc', '-d', ...base, '-in', wf]));
    },
  );
}

test(
  'Table 11.3B PublicKey: equals the uncompressed point in openssl P-256 SPKI, and parses to the same key',
  { skip },
  () => {
    const ecPath = path('ec.pem');
    openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', ecPath]);
    const spki = openssl(['pkey', '-in', ecPath, '-pubout', '-outform', 'DER']);
    const point = spki.subarray(spki.length - 65);
    assert.equal(point[0], 0x04);
    const s = formatSuaPublicKey(createPrivateKey(readFileSync(ecPath)));
    assert.equal(s, point.toString('base64'));
    const pubPem = parseSuaPublicKey(s).export({ format: 'pem', type: 'spki' });
    const pf = path('ec.pub.pem');
    writeFileSync(pf, pubPem);
    assert.deepEqual(openssl(['pkey', '-pubin', '-in', pf, '-outform', 'DER']), spki);
  },
);
