// Property-based tests for the core identifiers (TMAD 2 defined terms; MAM 7.2.2 header, Table 7.2.3 fields).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  DEFAULT_SMSO_CODES,
  DEVICE_TYPES,
  GROUP_IDS,
  MAX_SERIAL_LENGTH,
  NULL_CERTIFICATE_ID,
  S1SP_COUNTER_GROUP_IDS,
  certificateIdKey,
  eui64FromBytes,
  eui64ToBytes,
  eui64ToPlainHex,
  isCanonicalEui64,
  isDeviceType,
  isGroupId,
  isHyphenatedEui64,
  isNullCertificateId,
  mpanCheckDigit,
  mpanWithCheckDigit,
  organisationalNumber,
  parseCertificateId,
  parseEui64,
  parseMpan,
  parseMprn,
  parseSerialNumber,
  parseSmsoCode,
  sameCertificateId,
} from '../../src/core/ids/index.js';
import { unwrap } from '../../src/core/result.js';

const FC = { seed: 20201218, numRuns: 300 } as const;
const arbBytes8 = fc.uint8Array({ minLength: 8, maxLength: 8 });
const arbDigits = (min: number, max: number) =>
  fc.array(fc.constantFrom(...'0123456789'), { minLength: min, maxLength: max }).map((a) => a.join(''));
/** Randomly change the case of each letter. */
const arbRecased = (s: string) =>
  fc
    .array(fc.boolean(), { minLength: s.length, maxLength: s.length })
    .map((up) => [...s].map((c, i) => (up[i] ? c.toUpperCase() : c.toLowerCase())).join(''));

// ---------------------------------------------------------------- EUI-64 (TMAD 2; MAM 7.2.2)

test('TMAD 2 / MAM 7.2.2 EUI-64: bytes → canonical → parse → bytes round trip (property)', () => {
  fc.assert(
    fc.property(arbBytes8, (bytes) => {
      const id = eui64FromBytes(bytes);
      assert.ok(isCanonicalEui64(id));
      assert.match(id, /^[0-9A-F]{2}(-[0-9A-F]{2}){7}$/);
      assert.equal(id.length, 23);
      assert.equal(unwrap(parseEui64(id)), id);
      assert.deepEqual(eui64ToBytes(id), bytes);
      assert.equal(eui64ToPlainHex(id), Buffer.from(bytes).toString('hex').toUpperCase());
    }),
    FC,
  );
});

test('MAM 7.2.2 EUI-64: hyphenated or plain, any case, parses to the canonical form (property)', () => {
  fc.assert(
    fc.property(
      arbBytes8.chain((b) => {
        const canonical = eui64FromBytes(b);
        return fc.tuple(
          fc.constant(canonical),
          arbRecased(canonical),
          arbRecased(canonical.replace(/-/g, '')),
        );
      }),
      ([canonical, hyphenated, plain]) => {
        assert.equal(unwrap(parseEui64(hyphenated)), canonical);
        assert.equal(unwrap(parseEui64(plain)), canonical);
        assert.ok(isHyphenatedEui64(hyphenated));
        assert.equal(isCanonicalEui64(hyphenated), hyphenated === canonical);
        assert.equal(isHyphenatedEui64(plain), false);
      },
    ),
    FC,
  );
});

test('MAM 7.2.2 EUI-64: malformed identifiers are rejected with a message', () => {
  for (const bad of [
    '',
    '70-B3-D5-1F-30-00-A0', // 7 octets
    '70-B3-D5-1F-30-00-A0-01-02', // 9 octets
    '70B3D51F3000A0', // 14 digits
    '70B3D51F3000A0011', // 17 digits
    '70:B3:D5:1F:30:00:A0:01', // wrong separator
    '70-B3D5-1F-30-00-A0-01-', // misplaced hyphens
    '70-B3-D5-1F-30-00-A0-0G', // not hex
    '70 B3 D5 1F 30 00 A0 01',
    'A1-B2-C3-D4-E5-D6-E7-H8', // MAM 7.2.2's illustrative form is not hex
  ]) {
    const r = parseEui64(bad);
    assert.equal(r.ok, false, bad);
    if (!r.ok) assert.match(r.error, /not an EUI-64/);
  }
  assert.throws(() => eui64FromBytes(new Uint8Array(7)), RangeError);
});

test('MAM 7.2.2 split sites: Organisational Number = low nybble of octet 5 and octet 6', () => {
  const on = (s: string) => organisationalNumber(unwrap(parseEui64(s)));
  assert.equal(on('70-B3-D5-1F-30-00-A0-08'), 0x000);
  assert.equal(on('70-B3-D5-1F-3A-BC-00-01'), 0xabc);
  assert.equal(on('00-00-00-00-FA-BC-FF-FF'), 0xabc); // high nybble of octet 5 is not part of it
  // Same organisation: differ only outside the Organisational Number → not a split site.
  assert.equal(on('70-B3-D5-1F-30-01-A0-01'), on('11-22-33-44-50-01-99-99'));
});

test('MAM 7.2.2 split sites: Organisational Number depends only on its 12 bits (property)', () => {
  fc.assert(
    fc.property(arbBytes8, arbBytes8, (a, b) => {
      const n = organisationalNumber(eui64FromBytes(a));
      assert.ok(Number.isInteger(n) && n >= 0 && n <= 0xfff);
      assert.equal(n, ((a[4]! & 0x0f) << 8) | a[5]!);
      // Graft a's 12 bits into b: same number.
      const c = Uint8Array.from(b);
      c[4] = (b[4]! & 0xf0) | (a[4]! & 0x0f);
      c[5] = a[5]!;
      assert.equal(organisationalNumber(eui64FromBytes(c)), n);
    }),
    FC,
  );
});

// ---------------------------------------------------------------- MPAN (MAM Table 7.2.3; README)

// (Σ first 12 digits × 3,5,7,13,17,19,23,29,31,37,41,43) mod 11 mod 10: the primes from 3 with 11
// left out. Worked by hand:
// 101234567890: 3+0+7+26+51+76+115+174+217+296+369+0 = 1334; 1334 mod 11 = 3 → 1012345678903.
// 109000000000: 3+0+63 = 66; 66 mod 11 = 0 → 1090000000000.
const KNOWN_VALID_MPANS = [
  '1012345678903',
  '1090000000000',
  '2304567890124',
  '1999888777662',
  '1600123456785',
  '1400000000001',
];

// MPAN cores published outside this project (not computed by our code):
// - 2012345678385: the core of the example MPAN 018011002012345678385 ("Southern England") in the
//   README of the `mpan` package on PyPI (https://pypi.org/project/mpan/1.0.0, Limejump).
// - 1312345678907: the core of the example MPAN 001112221312345678907 in the README of the same
//   package, version 1.0.4 (https://pypi.org/project/mpan/1.0.4/).
// - 2499999999990: listed as "Bad checksum" in that package's test suite (INVALID);
//   2499999999991 is the same core with the check digit the published algorithm gives.
// The algorithm itself (weights 3, 5, 7, 13, 17, 19, 23, 29, 31, 37, 41, 43) is the one formerly on the
// Wikipedia "Meter Point Administration Number" page, collected at https://bitbucket.org/tlocke/mpan.
const PUBLISHED_VALID_MPANS = ['2012345678385', '1312345678907', '2499999999991'];
const PUBLISHED_INVALID_MPANS = ['2499999999990'];

test('MAM Table 7.2.3 MPAN: MPAN cores published elsewhere pass; a published bad checksum fails', () => {
  for (const m of PUBLISHED_VALID_MPANS) {
    const r = parseMpan(m);
    assert.ok(r.ok, `${m}: ${r.ok ? '' : r.error}`);
    assert.equal(mpanCheckDigit(m.slice(0, 12)), Number(m[12]), m);
  }
  for (const m of PUBLISHED_INVALID_MPANS) assert.equal(parseMpan(m).ok, false, m);
  // The earlier weight 53 in the last place rejected real MPANs such as 2012345678385 (residue 8, not 5).
  assert.equal(mpanCheckDigit('201234567838'), 5);
});

function residue(first12: string): number {
  const w = [3, 5, 7, 13, 17, 19, 23, 29, 31, 37, 41, 43];
  let s = 0;
  for (let i = 0; i < 12; i++) s += Number(first12[i]) * w[i]!;
  return s % 11;
}

function singleDigitCorruptions(mpan: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < mpan.length; i++)
    for (const d of '0123456789') if (d !== mpan[i]) out.push(mpan.slice(0, i) + d + mpan.slice(i + 1));
  return out;
}

test('MAM Table 7.2.3 MPAN: known valid MPAN cores pass the check digit', () => {
  for (const m of KNOWN_VALID_MPANS) {
    const r = parseMpan(m);
    assert.ok(r.ok, m);
    if (r.ok) assert.equal(r.value.distributorId, m.slice(0, 2));
    assert.equal(mpanCheckDigit(m.slice(0, 12)), Number(m[12]));
  }
});

test('MAM Table 7.2.3 MPAN: every single-digit corruption of a valid MPAN with check digit ≠ 0 fails', () => {
  for (const m of KNOWN_VALID_MPANS.filter((x) => x[12] !== '0'))
    for (const c of singleDigitCorruptions(m)) assert.equal(parseMpan(c).ok, false, `${m} → ${c}`);
});

test('MAM Table 7.2.3 MPAN: single-digit corruptions (property; check digit 0 aliases residues 0 and 10)', () => {
  fc.assert(
    fc.property(arbDigits(12, 12), (first12) => {
      const valid = mpanWithCheckDigit(first12);
      assert.ok(parseMpan(valid).ok);
      const r = residue(first12);
      for (const c of singleDigitCorruptions(valid)) {
        const passes = parseMpan(c).ok;
        if (c[12] !== valid[12]) assert.equal(passes, false, 'a changed check digit always fails');
        else if (r >= 1 && r <= 9) assert.equal(passes, false, `${valid} → ${c}`);
        else assert.equal(passes, [0, 10].includes(residue(c.slice(0, 12))), `${valid} → ${c}`);
      }
    }),
    { ...FC, numRuns: 200 },
  );
  // The aliasing is real: 1090000000000 (residue 0) → 8090000000000 (residue 10) still passes.
  assert.equal(residue('109000000000'), 0);
  assert.equal(residue('809000000000'), 10);
  assert.equal(parseMpan('8090000000000').ok, true);
});

test('MAM Table 7.2.3 MPAN: not 13 digits → rejected', () => {
  for (const bad of [
    '',
    '101234567890',
    '10123456789030',
    '1012345678 903',
    '101234567890a',
    '１０12345678903',
    ' 1012345678903',
  ])
    assert.equal(parseMpan(bad).ok, false, bad);
  assert.throws(() => mpanCheckDigit('12345'), RangeError);
});

// ---------------------------------------------------------------- MPRN (MAM Table 7.2.3)

test('MAM Table 7.2.3 MPRN: 1 to 10 digits accepted unchanged, anything else rejected (property)', () => {
  fc.assert(
    fc.property(arbDigits(1, 10), (m) => assert.equal(unwrap(parseMprn(m)), m)),
    FC,
  );
  fc.assert(
    fc.property(fc.string({ maxLength: 14 }), (s) => {
      assert.equal(parseMprn(s).ok, /^[0-9]{1,10}$/.test(s));
    }),
    FC,
  );
  for (const bad of ['', '12345678901', '123 456', '-123', '12.5'])
    assert.equal(parseMprn(bad).ok, false, bad);
});

// ---------------------------------------------------------------- Certificate ID (TMAD 2; MAM Table 7.2.3)

test("TMAD 2 Null Certificate ID: serial '0' and issuer 'NULL', both parts", () => {
  const n = unwrap(parseCertificateId('0', 'NULL'));
  assert.equal(n, NULL_CERTIFICATE_ID);
  assert.ok(isNullCertificateId(n));
  assert.ok(isNullCertificateId({ serialNumber: '0', issuerName: 'NULL' }));
  // Serial 0 with a real issuer is a real Certificate ID, not Null.
  const zero = unwrap(parseCertificateId('0', 'CN=Issuing CA,O=Example'));
  assert.equal(isNullCertificateId(zero), false);
  assert.deepEqual(zero, { serialNumber: '0', issuerName: 'CN=Issuing CA,O=Example' });
  // Half-null identifiers.
  assert.equal(isNullCertificateId({ serialNumber: '1', issuerName: 'NULL' }), false);
  assert.equal(isNullCertificateId({ serialNumber: '0', issuerName: 'null' }), false);
  assert.equal(parseCertificateId('42', 'NULL').ok, false);
  assert.equal(isNullCertificateId(null), false);
  assert.equal(isNullCertificateId(undefined), false);
  assert.ok(Object.isFrozen(NULL_CERTIFICATE_ID));
});

test('MAM Table 7.2.3 / TMAD 10.1 X509SerialNumber: decimal integer of at most 44 characters (property)', () => {
  assert.equal(MAX_SERIAL_LENGTH, 44);
  fc.assert(
    fc.property(arbDigits(1, 60), (s) => {
      const r = parseSerialNumber(s);
      assert.equal(r.ok, s.length <= 44, `${s.length} characters`);
      if (r.ok) {
        assert.match(r.value, /^(0|[1-9]\d*)$/);
        assert.equal(BigInt(r.value), BigInt(s));
      }
    }),
    FC,
  );
  assert.equal(unwrap(parseSerialNumber('9'.repeat(44))), '9'.repeat(44));
  assert.equal(parseSerialNumber('1'.repeat(45)).ok, false);
  for (const bad of ['', '-1', '+1', '1e5', '1.0', '0x1F', ' 12', '12 ', '１２'])
    assert.equal(parseSerialNumber(bad).ok, false, JSON.stringify(bad));
});

test('TMAD 2 Certificate ID: leading zeros do not make a different certificate', () => {
  assert.equal(unwrap(parseSerialNumber('007')), '7');
  assert.equal(unwrap(parseSerialNumber('000')), '0');
  const a = unwrap(parseCertificateId('0123', 'CN=CA'));
  const b = unwrap(parseCertificateId('123', 'CN=CA'));
  assert.ok(sameCertificateId(a, b));
  assert.equal(certificateIdKey(a), certificateIdKey(b));
  assert.equal(unwrap(parseCertificateId('00', 'NULL')), NULL_CERTIFICATE_ID);
});

test('TMAD 2 Certificate ID: serial + issuer identify a certificate; key and equality agree (property)', () => {
  const arbIssuer = fc.constantFrom('CN=Issuing CA,O=Example,C=GB', 'CN=Other CA', 'CN=Issuing CA');
  fc.assert(
    fc.property(arbDigits(1, 44), arbIssuer, arbDigits(1, 44), arbIssuer, (s1, i1, s2, i2) => {
      const a = unwrap(parseCertificateId(s1, i1));
      const b = unwrap(parseCertificateId(s2, i2));
      const same = BigInt(s1) === BigInt(s2) && i1 === i2;
      assert.equal(sameCertificateId(a, b), same);
      assert.equal(certificateIdKey(a) === certificateIdKey(b), same);
      assert.equal(isNullCertificateId(a), false);
    }),
    FC,
  );
  assert.equal(parseCertificateId('12', '').ok, false);
  assert.equal(parseCertificateId('12', '   ').ok, false);
  assert.equal(parseCertificateId('x', 'CN=CA').ok, false);
});

// ---------------------------------------------------------------- Reference codes

test('TMAD 2 GroupID / TMAD 12–16: exactly AA, BA, CA, CB, DA, EA, EB, EC', () => {
  assert.deepEqual([...GROUP_IDS], ['AA', 'BA', 'CA', 'CB', 'DA', 'EA', 'EB', 'EC']);
  for (const g of GROUP_IDS) assert.ok(isGroupId(g));
  for (const bad of ['aa', 'AB', 'FA', 'E', 'EAA', '', ' AA']) assert.equal(isGroupId(bad), false, bad);
  assert.deepEqual([...S1SP_COUNTER_GROUP_IDS], ['EA', 'EB', 'EC']); // TMAD 15
  fc.assert(
    fc.property(fc.string({ maxLength: 3 }), (s) =>
      assert.equal(isGroupId(s), (GROUP_IDS as readonly string[]).includes(s)),
    ),
    FC,
  );
});

test('TMAD 2 SMETS1 Installation device types: CHF, GPF, ESME, GSME, PPMID, IHD, CAD', () => {
  assert.deepEqual([...DEVICE_TYPES].sort(), ['CAD', 'CHF', 'ESME', 'GPF', 'GSME', 'IHD', 'PPMID']);
  for (const t of DEVICE_TYPES) assert.ok(isDeviceType(t));
  for (const bad of ['esme', 'HCALCS', 'CH', 'ESME ', '']) assert.equal(isDeviceType(bad), false, bad);
});

test('MAM 7.2.2 SMSO codes: three upper-case letters from the reference list (README decision)', () => {
  assert.deepEqual(Object.keys(DEFAULT_SMSO_CODES).sort(), [
    'BRG',
    'BTG',
    'CGI',
    'EDM',
    'MDS',
    'NPW',
    'SCM',
    'TRL',
  ]);
  for (const c of Object.keys(DEFAULT_SMSO_CODES)) assert.equal(unwrap(parseSmsoCode(c)), c);
  for (const bad of ['cgi', 'Cgi', 'XYZ', 'BTGBRG', 'CG', 'CGI ', '']) {
    const r = parseSmsoCode(bad);
    assert.equal(r.ok, false, bad);
  }
  const r = parseSmsoCode('XYZ');
  assert.ok(!r.ok && /not a known SMSO code/.test(r.error));
  // Deployments may replace the list.
  assert.equal(unwrap(parseSmsoCode('XYZ', { XYZ: 'New SMSO' })), 'XYZ');
  assert.equal(parseSmsoCode('CGI', { XYZ: 'New SMSO' }).ok, false);
});
