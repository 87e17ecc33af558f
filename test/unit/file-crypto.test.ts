// TMAD section 11 file content cryptography: known answers, round trips, tamper detection.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  constants,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  privateDecrypt,
  publicEncrypt,
} from 'node:crypto';
import {
  aesGcm128Decrypt,
  aesGcm128Encrypt,
  aesKeyUnwrap,
  aesKeyWrap,
  decryptMasterKey,
  decryptS1spGroupInformation,
  decryptS1spGroupInformationXml,
  decryptSuaKey,
  encryptMasterKey,
  encryptS1spGroupInformation,
  encryptS1spGroupInformationXml,
  encryptSuaKey,
  FileCryptoError,
  formatSuaPublicKey,
  fromBase64Strict,
  GCM_IV,
  groupInformationFromXml,
  groupInformationToXml,
  oaepMaxMessageLength,
  parseSuaPublicKey,
  rsaOaepDecrypt,
  rsaOaepEncrypt,
  unwrapPrepaymentKey,
  wrapPrepaymentKey,
  type FileCryptoErrorCode,
} from '../../src/core/crypto/index.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const b64u = (s: string): string => hex(s).toString('base64url');
const rejects = (code: FileCryptoErrorCode) => (e: unknown) =>
  e instanceof FileCryptoError && e.code === code;
const flip = (b: Buffer, i = 0): Buffer => {
  const c = Buffer.from(b);
  c[i] = c[i]! ^ 0x01;
  return c;
};

// 2048-bit keys (TMAD 5.1(a) names no size; 2048 is the SEC's RSA floor in practice).
const s1sp = generateKeyPairSync('rsa', { modulusLength: 2048 });
const dco = generateKeyPairSync('rsa', { modulusLength: 2048 });

// RSA Laboratories pkcs-1v2-1d2-vec oaep-vect.txt, Example 1 (1024-bit key), SHA-1 / MGF1-SHA-1.
const EX1 = {
  n: 'a8b3b284af8eb50b387034a860f146c4919f318763cd6c5598c8ae4811a1e0abc4c7e0b082d693a5e7fced675cf4668512772c0cbc64a742c6c630f533c8cc72f62ae833c40bf25842e984bb78bdbf97c0107d55bdb662f5c4e0fab9845cb5148ef7392dd3aaff93ae1e6b667bb3d4247616d4f5ba10d4cfd226de88d39f16fb',
  d: '53339cfdb79fc8466a655c7316aca85c55fd8f6dd898fdaf119517ef4f52e8fd8e258df93fee180fa0e4ab29693cd83b152a553d4ac4d1812b8b9fa5af0e7f55fe7304df41570926f3311f15c4d65a732c483116ee3d3d2d0af3549ad9bf7cbfb78ad884f84d5beb04724dc7369b31def37d0cf539e9cfcdd3de653729ead5d1',
  p: 'd32737e7267ffe1341b2d5c0d150a81b586fb3132bed2f8d5262864a9cb9f30af38be448598d413a172efb802c21acf1c11c520c2f26a471dcad212eac7ca39d',
  q: 'cc8853d1d54da630fac004f471f281c7b8982d8224a490edbeb33d3e3d5cc93c4765703d1dd791642f1f116a0dd852be2419b2af72bfe9a030e860b0288b5d77',
  dp: '0e12bf1718e9cef5599ba1c3882fe8046a90874eefce8f2ccc20e4f2741fb0a33a3848aec9c9305fbecbd2d76819967d4671acc6431e4037968db37878e695c1',
  dq: '95297b0f95a2fa67d00707d609dfd4fc05c89dafc2ef6d6ea55bec771ea333734d9251e79082ecda866efef13c459e1a631386b7e354c899f5f112ca85d71583',
  qi: '4f456c502493bdc0ed2ab756a3a6ed4d67352a697d4216e93212b127a63d5411ce6fa98d5dbefd73263e3728142743818166ed7dd63687dd2a8ca1d2f4fbd8e1',
  examples: [
    {
      name: '1.1',
      m: '6628194e12073db03ba94cda9ef9532397d50dba79b987004afefe34',
      seed: '18b776ea21069d69776a33e96bad48e1dda0a5ef',
      c: '354fe67b4a126d5d35fe36c777791a3f7ba13def484e2d3908aff722fad468fb21696de95d0be911c2d3174f8afcc201035f7b6d8e69402de5451618c21a535fa9d7bfc5b8dd9fc243f8cf927db31322d6e881eaa91a996170e657a05a266426d98c88003f8477c1227094a0d9fa1e8c4024309ce1ecccb5210035d47ac72e8a',
    },
    {
      name: '1.2',
      m: '750c4047f547e8e41411856523298ac9bae245efaf1397fbe56f9dd5',
      seed: '0cc742ce4a9b7f32f951bcb251efd925fe4fe35f',
      c: '640db1acc58e0568fe5407e5f9b701dff8c3c91e716c536fc7fcec6cb5b71c1165988d4a279e1577d730fc7a29932e3f00c81515236d8d8e31017a7a09df4352d904cdeb79aa583adcc31ea698a4c05283daba9089be5491f67c1a4ee48dc74bbbe6643aef846679b4cb395a352d5ed115912df696ffe0702932946d71492b44',
    },
    {
      name: '1.6',
      m: '26521050844271',
      seed: 'e4ec0982c2336f3a677f6a356174eb0ce887abc2',
      c: '42cee2617b1ecea4db3f4829386fbd61dafbf038e180d837c96366df24c097b4ab0fac6bdf590d821c9f10642e681ad05b8d78b378c0f46ce2fad63f74e0ad3df06b075d7eb5f5636f8d403b9059ca761b5c62bb52aa45002ea70baace08ded243b9d8cbd62a68ade265832b56564e43a6fa42ed199a099769742df1539e8255',
    },
  ],
};
const ex1Private = createPrivateKey({
  key: {
    kty: 'RSA',
    n: b64u(EX1.n),
    e: 'AQAB',
    d: b64u(EX1.d),
    p: b64u(EX1.p),
    q: b64u(EX1.q),
    dp: b64u(EX1.dp),
    dq: b64u(EX1.dq),
    qi: b64u(EX1.qi),
  },
  format: 'jwk',
});
const ex1Public = createPublicKey(ex1Private);

for (const ex of EX1.examples) {
  test(`RFC 8017 7.1 RSAES-OAEP known answer: oaep-vect Example ${ex.name} encrypts with the given seed`, () => {
    const c = rsaOaepEncrypt(ex1Public, hex(ex.m), { hash: 'sha1', mgf1Hash: 'sha1', seed: hex(ex.seed) });
    assert.equal(c.toString('hex'), ex.c);
  });
  test(`RFC 8017 7.1.2 RSAES-OAEP known answer: oaep-vect Example ${ex.name} decrypts`, () => {
    const m = rsaOaepDecrypt(ex1Private, hex(ex.c), { hash: 'sha1', mgf1Hash: 'sha1' });
    assert.equal(m.toString('hex'), ex.m);
  });
}

test('RFC 8017 7.1 RSAES-OAEP known answer: oaep-vect Example 2.2 (1025-bit modulus, k = 129)', () => {
  const n =
    '01947c7fce90425f47279e70851f25d5e62316fe8a1df19371e3e628e260543e4901ef6081f68c0b8141190d2ae8daba7d1250ec6db636e944ec3722877c7c1d0a67f14b1694c5f0379451a43e49a32dde83670b73da91a1c99bc23b436a60055c610f0baf99c1a079565b95a3f1526632d1d4da60f20eda25e653c4f002766f45';
  const pub = createPublicKey({ key: { kty: 'RSA', n: b64u(n), e: 'AQAB' }, format: 'jwk' });
  const c = rsaOaepEncrypt(pub, hex('2d'), {
    hash: 'sha1',
    mgf1Hash: 'sha1',
    seed: hex('b600cf3c2e506d7f16778c910d3a8b003eee61d5'),
  });
  assert.equal(
    c.toString('hex'),
    '018759ff1df63b2792410562314416a8aeaf2ac634b46f940ab82d64dbf165eee33011da749d4bab6e2fcd18129c9e49277d8453112b429a222a8471b070993998e758861c4d3f6d749d91c4290d332c7a4ab3f7ea35ff3a07d497c955ff0ffc95006b62c6d296810d9bfab024196c7934012c2df978ef299aba239940cba10245',
  );
});

test("RFC 8017 RSAES-OAEP SHA-256/MGF1-SHA-256 agrees with Node's built-in OAEP both ways", () => {
  const m = hex('00112233445566778899aabbccddeeff');
  const ours = rsaOaepEncrypt(dco.publicKey, m, { hash: 'sha256', mgf1Hash: 'sha256' });
  assert.deepEqual(
    privateDecrypt(
      { key: dco.privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' },
      ours,
    ),
    m,
  );
  const theirs = publicEncrypt(
    { key: dco.publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' },
    m,
  );
  assert.deepEqual(rsaOaepDecrypt(dco.privateKey, theirs, { hash: 'sha256', mgf1Hash: 'sha256' }), m);
});

test('Table 11.2.2 RSAES-OAEP SHA-256 / MGF1-SHA-1: round trip, and not decryptable as MGF1-SHA-256', () => {
  const m = hex('0f0e0d0c0b0a09080706050403020100');
  const c = rsaOaepEncrypt(s1sp.publicKey, m, { hash: 'sha256', mgf1Hash: 'sha1' });
  assert.equal(c.length, 256);
  assert.deepEqual(rsaOaepDecrypt(s1sp.privateKey, c, { hash: 'sha256', mgf1Hash: 'sha1' }), m);
  assert.throws(
    () => rsaOaepDecrypt(s1sp.privateKey, c, { hash: 'sha256', mgf1Hash: 'sha256' }),
    rejects('DECRYPTION_ERROR'),
  );
  assert.throws(() =>
    privateDecrypt(
      { key: s1sp.privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' },
      c,
    ),
  );
});

test('RFC 8017 7.1.1 RSAES-OAEP: message length limit k - 2hLen - 2, empty message, label', () => {
  const max = oaepMaxMessageLength(s1sp.publicKey, 'sha256');
  assert.equal(max, 190);
  const opts = { hash: 'sha256', mgf1Hash: 'sha1' } as const;
  const big = Buffer.alloc(max, 7);
  assert.deepEqual(rsaOaepDecrypt(s1sp.privateKey, rsaOaepEncrypt(s1sp.publicKey, big, opts), opts), big);
  assert.throws(
    () => rsaOaepEncrypt(s1sp.publicKey, Buffer.alloc(max + 1), opts),
    rejects('MESSAGE_TOO_LONG'),
  );
  assert.deepEqual(
    rsaOaepDecrypt(s1sp.privateKey, rsaOaepEncrypt(s1sp.publicKey, Buffer.alloc(0), opts), opts),
    Buffer.alloc(0),
  );
  const withLabel = rsaOaepEncrypt(s1sp.publicKey, hex('aa'), { ...opts, label: Buffer.from('L') });
  assert.deepEqual(
    rsaOaepDecrypt(s1sp.privateKey, withLabel, { ...opts, label: Buffer.from('L') }),
    hex('aa'),
  );
  assert.throws(() => rsaOaepDecrypt(s1sp.privateKey, withLabel, opts), rejects('DECRYPTION_ERROR'));
});

test('RFC 8017 7.1.2 RSAES-OAEP decryption: every failure is the same DECRYPTION_ERROR', () => {
  const opts = { hash: 'sha256', mgf1Hash: 'sha1' } as const;
  const c = rsaOaepEncrypt(s1sp.publicKey, hex('00112233445566778899aabbccddeeff'), opts);
  assert.throws(() => rsaOaepDecrypt(dco.privateKey, c, opts), rejects('DECRYPTION_ERROR')); // wrong key
  assert.throws(() => rsaOaepDecrypt(s1sp.privateKey, flip(c, 100), opts), rejects('DECRYPTION_ERROR'));
  assert.throws(() => rsaOaepDecrypt(s1sp.privateKey, c.subarray(1), opts), rejects('DECRYPTION_ERROR'));
  assert.throws(
    () => rsaOaepDecrypt(s1sp.privateKey, Buffer.alloc(256, 0xff), opts),
    rejects('DECRYPTION_ERROR'),
  ); // c ≥ n
  assert.throws(() => rsaOaepDecrypt(s1sp.privateKey, Buffer.alloc(256), opts), rejects('DECRYPTION_ERROR'));
  assert.throws(() => rsaOaepDecrypt(s1sp.publicKey, c, opts), rejects('BAD_KEY'));
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  assert.throws(() => rsaOaepEncrypt(ec.publicKey, hex('00'), opts), rejects('BAD_KEY'));
});

test('Table 11.2.1 AES-GCM-128 known answers (SP 800-38D test cases 1 and 2: zero key, zero 96-bit IV)', () => {
  assert.equal(GCM_IV.length, 12);
  const t1 = aesGcm128Encrypt(Buffer.alloc(16), Buffer.alloc(0));
  assert.equal(t1.ciphertext.length, 0);
  assert.equal(t1.tag.toString('hex'), '58e2fccefa7e3061367f1d57a4e7455a');
  const t2 = aesGcm128Encrypt(Buffer.alloc(16), Buffer.alloc(16));
  assert.equal(t2.ciphertext.toString('hex'), '0388dace60b6a392f328c2b971b2fe78');
  assert.equal(t2.tag.toString('hex'), 'ab6e47d42cec13bdf53a67b21257bddf');
  assert.deepEqual(aesGcm128Decrypt(Buffer.alloc(16), t2.ciphertext, t2.tag), Buffer.alloc(16));
});

test('Table 11.2.1 AES-GCM-128: a truncated AuthenticationTag is refused, not accepted as a short tag', () => {
  const t = aesGcm128Encrypt(Buffer.alloc(16), Buffer.alloc(16));
  assert.throws(
    () => aesGcm128Decrypt(Buffer.alloc(16), t.ciphertext, t.tag.subarray(0, 4)),
    rejects('BAD_INPUT'),
  );
  assert.throws(
    () => aesGcm128Decrypt(Buffer.alloc(16), t.ciphertext, flip(t.tag, 15)),
    rejects('AUTHENTICATION_FAILED'),
  );
});

const GROUP_XML = Buffer.from(
  '<DecryptedS1SPGroupInformation><CHFDetails><ManagementAssociation><AuthenticationKey>00</AuthenticationKey></ManagementAssociation></CHFDetails></DecryptedS1SPGroupInformation>',
);

test('TMAD 11.2 EncryptedS1SPGroupInformation: round trip, 128-bit tag, 2048-bit wrapped key', () => {
  const parts = encryptS1spGroupInformation(GROUP_XML, s1sp.publicKey);
  assert.equal(parts.protectedData.length, GROUP_XML.length);
  assert.equal(parts.authenticationTag.length, 16);
  assert.equal(parts.wrappedTransportKey.length, 256);
  assert.deepEqual(decryptS1spGroupInformation(parts, s1sp.privateKey), GROUP_XML);
});

test('TMAD 11.2(a)(b) a new random 128-bit key for each EncryptedS1SPGroupInformation', () => {
  const a = encryptS1spGroupInformation(GROUP_XML, s1sp.publicKey);
  const b = encryptS1spGroupInformation(GROUP_XML, s1sp.publicKey);
  assert.notDeepEqual(a.protectedData, b.protectedData); // same IV, so equal ciphertext would mean key reuse
  const ka = rsaOaepDecrypt(s1sp.privateKey, a.wrappedTransportKey, { hash: 'sha256', mgf1Hash: 'sha1' });
  const kb = rsaOaepDecrypt(s1sp.privateKey, b.wrappedTransportKey, { hash: 'sha256', mgf1Hash: 'sha1' });
  assert.equal(ka.length, 16);
  assert.notDeepEqual(ka, kb);
  // The transport key is exactly the AES-GCM-128 key of Table 11.2.1.
  assert.deepEqual(aesGcm128Decrypt(ka, a.protectedData, a.authenticationTag), GROUP_XML);
});

test('TMAD 5.23 / 11.2 tamper detection: a flipped bit in tag, ciphertext or wrapped key fails', () => {
  const p = encryptS1spGroupInformation(GROUP_XML, s1sp.publicKey);
  assert.throws(
    () =>
      decryptS1spGroupInformation({ ...p, authenticationTag: flip(p.authenticationTag, 7) }, s1sp.privateKey),
    rejects('AUTHENTICATION_FAILED'),
  );
  assert.throws(
    () => decryptS1spGroupInformation({ ...p, protectedData: flip(p.protectedData, 20) }, s1sp.privateKey),
    rejects('AUTHENTICATION_FAILED'),
  );
  assert.throws(
    () =>
      decryptS1spGroupInformation(
        { ...p, wrappedTransportKey: flip(p.wrappedTransportKey, 255) },
        s1sp.privateKey,
      ),
    (e: unknown) => rejects('DECRYPTION_ERROR')(e) && /WrappedTransportKey/.test((e as Error).message),
  );
  assert.throws(() => decryptS1spGroupInformation(p, dco.privateKey), rejects('DECRYPTION_ERROR'));
});

test('TMAD 11.2: a WrappedTransportKey that is not 128 bits is refused', () => {
  const p = encryptS1spGroupInformation(GROUP_XML, s1sp.publicKey);
  const k32 = rsaOaepEncrypt(s1sp.publicKey, Buffer.alloc(32), { hash: 'sha256', mgf1Hash: 'sha1' });
  assert.throws(
    () => decryptS1spGroupInformation({ ...p, wrappedTransportKey: k32 }, s1sp.privateKey),
    rejects('BAD_INPUT'),
  );
});

test('Table 11.2.1/11.2.2 base64 forms: ProtectedData, AuthenticationTag, WrappedTransportKey', () => {
  const xml = encryptS1spGroupInformationXml(GROUP_XML, s1sp.publicKey);
  for (const v of Object.values(xml)) assert.match(v, /^[A-Za-z0-9+/]+={0,2}$/);
  assert.equal(Buffer.from(xml.AuthenticationTag, 'base64').length, 16);
  assert.deepEqual(decryptS1spGroupInformationXml(xml, s1sp.privateKey), GROUP_XML);
  // Line-wrapped base64 (allowed in xs:base64Binary) still decodes.
  const wrapped = { ...xml, WrappedTransportKey: xml.WrappedTransportKey.replace(/(.{76})/g, '$1\n') };
  assert.deepEqual(decryptS1spGroupInformationXml(wrapped, s1sp.privateKey), GROUP_XML);
  assert.throws(
    () => groupInformationFromXml({ ...xml, ProtectedData: 'not base64!' }),
    rejects('BAD_BASE64'),
  );
  assert.throws(() => fromBase64Strict('QQ=', 'x'), rejects('BAD_BASE64'));
  assert.throws(() => fromBase64Strict('QR==', 'x'), rejects('BAD_BASE64')); // non-zero padding bits
  const parts = groupInformationFromXml(xml);
  assert.deepEqual(groupInformationToXml(parts), xml);
});

test('TMAD 11.3 EncryptedMasterKey: RSAES-OAEP SHA-256 / MGF1-SHA-256 round trip, 128- and 256-bit', () => {
  for (const size of [16, 32]) {
    const mk = Buffer.alloc(size, size);
    const c = encryptMasterKey(mk, dco.publicKey);
    assert.deepEqual(decryptMasterKey(c, dco.privateKey), mk);
    assert.deepEqual(decryptMasterKey(c.toString('base64'), dco.privateKey), mk);
    // Table 11.3's pairing is the one Node's built-in OAEP implements.
    assert.deepEqual(
      privateDecrypt(
        { key: dco.privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' },
        c,
      ),
      mk,
    );
  }
  assert.throws(() => encryptMasterKey(Buffer.alloc(15), dco.publicKey), rejects('BAD_INPUT'));
});

test('TMAD 5.15 / 11.3 EncryptedKey: tampered, wrong key or wrong MGF fails', () => {
  const c = encryptMasterKey(Buffer.alloc(16, 1), dco.publicKey);
  assert.throws(() => decryptMasterKey(flip(c, 3), dco.privateKey), rejects('DECRYPTION_ERROR'));
  assert.throws(() => decryptMasterKey(c, s1sp.privateKey), rejects('DECRYPTION_ERROR'));
  const sha1Mgf = rsaOaepEncrypt(dco.publicKey, Buffer.alloc(16, 1), { hash: 'sha256', mgf1Hash: 'sha1' });
  assert.throws(() => decryptMasterKey(sha1Mgf, dco.privateKey), rejects('DECRYPTION_ERROR'));
  const wrongSize = rsaOaepEncrypt(dco.publicKey, Buffer.alloc(20), { hash: 'sha256', mgf1Hash: 'sha256' });
  assert.throws(() => decryptMasterKey(wrongSize, dco.privateKey), rejects('BAD_INPUT'));
  assert.throws(() => decryptMasterKey('@@@@', dco.privateKey), rejects('BAD_BASE64'));
});

test('TMAD 11.3B EncryptedSUAKey (DA): round trip and tamper detection', () => {
  const k = Buffer.alloc(16, 0x5a);
  const c = encryptSuaKey(k, dco.publicKey);
  assert.deepEqual(decryptSuaKey(c, dco.privateKey), k);
  assert.deepEqual(decryptSuaKey(c.toString('base64'), dco.privateKey), k);
  assert.throws(() => decryptSuaKey(flip(c, 0), dco.privateKey), rejects('DECRYPTION_ERROR'));
  assert.throws(() => decryptSuaKey(c, s1sp.privateKey), rejects('DECRYPTION_ERROR'));
});

test('TMAD 11.3B SUAKeyDetails PublicKey: base64 of 0x04 || X || Y, parsed back; bad forms refused', () => {
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const s = formatSuaPublicKey(ec.publicKey);
  const raw = Buffer.from(s, 'base64');
  assert.equal(raw.length, 65);
  assert.equal(raw[0], 0x04);
  assert.equal(formatSuaPublicKey(ec.privateKey), s);
  const back = parseSuaPublicKey(s);
  assert.deepEqual(
    back.export({ format: 'der', type: 'spki' }),
    ec.publicKey.export({ format: 'der', type: 'spki' }),
  );
  const compressed = Buffer.concat([Buffer.from([0x02 | (raw[64]! & 1)]), raw.subarray(1, 33)]);
  assert.throws(() => parseSuaPublicKey(compressed.toString('base64')), rejects('BAD_INPUT'));
  assert.throws(() => parseSuaPublicKey(flip(raw, 0).toString('base64')), rejects('BAD_INPUT')); // 0x05 prefix
  assert.throws(() => parseSuaPublicKey(flip(raw, 64).toString('base64')), rejects('BAD_INPUT')); // off the curve
  assert.throws(() => parseSuaPublicKey(raw.subarray(0, 64).toString('base64')), rejects('BAD_INPUT'));
  const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' });
  assert.throws(() => formatSuaPublicKey(p384.publicKey), rejects('BAD_KEY'));
});

// RFC 3394 section 4 test vectors.
const KEK128 = hex('000102030405060708090A0B0C0D0E0F');
const KEK256 = hex('000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F');
const RFC3394 = [
  {
    name: '4.1',
    kek: KEK128,
    data: hex('00112233445566778899AABBCCDDEEFF'),
    c: '1FA68B0A8112B447AEF34BD8FB5A7B829D3E862371D2CFE5',
  },
  {
    name: '4.3',
    kek: KEK256,
    data: hex('00112233445566778899AABBCCDDEEFF'),
    c: '64E8C3F9CE0F5BA263E9777905818A2A93C8191E7D6E8AE7',
  },
  {
    name: '4.6',
    kek: KEK256,
    data: hex('00112233445566778899AABBCCDDEEFF000102030405060708090A0B0C0D0E0F'),
    c: '28C9F404C4B810F4CBCCB35CFB87F8263F5786E2D80ED326CBC7F0E71A99F43BFB988B9B7A02DD21',
  },
];
for (const v of RFC3394) {
  test(`RFC 3394 ${v.name} AES Key Wrap known answer (TMAD 11.4)`, () => {
    assert.equal(aesKeyWrap(v.kek, v.data).toString('hex').toUpperCase(), v.c);
    assert.deepEqual(aesKeyUnwrap(v.kek, hex(v.c)), v.data);
    assert.equal(wrapPrepaymentKey(v.data, v.kek).toString('hex').toUpperCase(), v.c);
    assert.deepEqual(unwrapPrepaymentKey(hex(v.c).toString('base64'), v.kek), v.data);
  });
}

test('TMAD 11.4 WrappedPrepaymentKey: tampered or wrong Master Key fails the RFC 3394 integrity check', () => {
  const mk = Buffer.alloc(16, 3);
  const w = wrapPrepaymentKey(Buffer.alloc(16, 9), mk);
  assert.equal(w.length, 24);
  assert.throws(() => unwrapPrepaymentKey(flip(w, 10), mk), rejects('UNWRAP_FAILED'));
  assert.throws(() => unwrapPrepaymentKey(w, Buffer.alloc(16, 4)), rejects('UNWRAP_FAILED'));
  assert.throws(() => unwrapPrepaymentKey(w.subarray(0, 16), mk), rejects('BAD_INPUT'));
  assert.throws(() => wrapPrepaymentKey(Buffer.alloc(12), mk), rejects('BAD_INPUT'));
  assert.throws(() => wrapPrepaymentKey(Buffer.alloc(16), Buffer.alloc(24)), rejects('BAD_KEY'));
});
