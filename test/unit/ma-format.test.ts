// MA format rules (MAM 7.1, 7.2.1–7.2.4; MAM 4; TMAD 4.37, 4.38, 4.40): one test per rule, named by clause.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  MA_FIELDS,
  MA_CERTIFICATE_KEYS,
  csvField,
  maFileName,
  parseMaFileName,
  tokenizeCsvLine,
  validateMigrationAuthorisation,
  writeMigrationAuthorisation,
  MaWriteError,
  type MaProblem,
  type MaValidationReport,
  readMaHeaderLeniently,
} from '../../src/core/formats/ma/index.js';
import { type Eui64, mpanWithCheckDigit, NULL_CERTIFICATE_ID } from '../../src/core/ids/index.js';

const USER = '70-B3-D5-1F-30-00-A0-08' as Eui64;
const ISSUER = 'CN=s1mig Test SMKI Issuing CA,O=s1mig Test';
const SERIAL = '141596283460512330914526870235614772041';
const MPAN = mpanWithCheckDigit('100012345678');
const MPAN2 = mpanWithCheckDigit('120098765432');
const MPRN = '7502316804';
const HEADER = `${USER}\nYES\nCGI\n`;
const NAME = `MA_CGI_${USER}_20190407_182503.csv`;

const SERIAL_OF = (k: string) => `${k} – Serial Number`;
const ISSUER_OF = (k: string) => `${k} – Issuer Name`;
const ESME_SC = 'ESME Supplier Certificate Id (Critical)';
const ESME_SN = 'ESME Supplier Certificate Id (Non-Critical)';
const GPF_SC = 'GPF Supplier Certificate Id (Critical)';
const GPF_SN = 'GPF Supplier Certificate Id (Non-Critical)';
const GSME_SC = 'GSME Supplier Certificate Id (Critical)';
const GSME_SN = 'GSME Supplier Certificate Id (Non-Critical)';

function certs(labels: string[]): Record<string, string> {
  const o: Record<string, string> = {};
  for (const l of labels) {
    o[SERIAL_OF(l)] = SERIAL;
    o[ISSUER_OF(l)] = ISSUER;
  }
  return o;
}
const ELEC = () => certs([ESME_SC, ESME_SN]);
const GAS = () => certs([GPF_SC, GPF_SN, GSME_SC, GSME_SN]);

/** A body line from field values by MAM name (others blank). */
function row(values: Record<string, string>): string {
  for (const k of Object.keys(values)) assert.ok(MA_FIELDS.includes(k), `test uses unknown field '${k}'`);
  return MA_FIELDS.map((f) => csvField(values[f] ?? '')).join(',');
}
const elecRow = (extra: Record<string, string> = {}) =>
  row({ MPAN, 'Migration Week': '20190415', ...ELEC(), ...extra });
const dualRow = (extra: Record<string, string> = {}) =>
  row({ MPAN: MPAN2, MPRN, 'Migration Week': '20190415', ...ELEC(), ...GAS(), ...extra });
const file = (...rows: string[]) => HEADER + rows.map((r) => r + '\n').join('');

function v(content: string | Uint8Array, opts = {}): MaValidationReport {
  return validateMigrationAuthorisation(content, opts);
}
function only(r: MaValidationReport, pred: (p: MaProblem) => boolean, what: string): MaProblem {
  const found = r.errors.filter(pred);
  assert.equal(
    found.length,
    1,
    `${what}: expected exactly one matching error, got ${JSON.stringify(r.errors, null, 1)}`,
  );
  return found[0]!;
}

test('MAM 7.2.3: MA_FIELDS lists the 25 body fields in the order of Table 7.2.3', () => {
  assert.equal(MA_FIELDS.length, 25);
  assert.deepEqual(MA_FIELDS.slice(0, 5), ['MPAN', 'MPRN', 'Migrate on', 'Migration Week', 'Priority']);
  assert.equal(MA_FIELDS[5], 'ESME Supplier Certificate Id (Critical) – Serial Number');
  assert.equal(MA_FIELDS[6], 'ESME Supplier Certificate Id (Critical) – Issuer Name');
  assert.equal(MA_FIELDS[9], 'ESME Network Operator Certificate Id (Critical) – Serial Number');
  assert.equal(MA_FIELDS[13], 'GPF Supplier Certificate Id (Critical) – Serial Number');
  assert.equal(MA_FIELDS[17], 'GPF Network Operator Certificate Id (Critical) – Serial Number');
  assert.equal(MA_FIELDS[24], 'GSME Supplier Certificate Id (Non-Critical) – Issuer Name');
  assert.equal(MA_CERTIFICATE_KEYS.length, 10);
});

test('MAM 7.2.2/7.2.3: a well-formed file (electricity-only, dual-fuel, gas-only rows) validates and is modelled', () => {
  const r = v(
    file(
      elecRow(),
      dualRow({ Priority: 'Y' }),
      row({ MPRN: '8841220915', 'Migrate on': '20190417', ...GAS() }),
    ),
    {
      fileName: NAME,
    },
  );
  assert.deepEqual(r.errors, []);
  assert.equal(r.valid, true);
  const ma = r.authorisation!;
  assert.deepEqual(ma.header, { userId: USER, commissionedByDcc: true, smsoCode: 'CGI' });
  assert.equal(ma.rows.length, 3);
  assert.equal(ma.rows[0]!.line, 4);
  assert.equal(ma.rows[0]!.mpan, MPAN);
  assert.equal(ma.rows[0]!.mprn, null);
  assert.equal(ma.rows[0]!.migrationWeek, '2019-04-15');
  assert.deepEqual(ma.rows[0]!.esmeSupplierCritical, { serialNumber: SERIAL, issuerName: ISSUER });
  assert.equal(ma.rows[0]!.gpfSupplierCritical, null);
  assert.equal(ma.rows[1]!.priority, true);
  assert.equal(ma.rows[2]!.mpan, null, 'MAM 4 / spec README: gas-only rows are valid');
  assert.equal(ma.rows[2]!.migrateOn, '2019-04-17');
  assert.equal(ma.rows[2]!.migrationWeek, null);
  assert.equal(ma.rows[2]!.effectiveMigrationWeek, '2019-04-15');
  assert.equal(ma.rows[0]!.fields['Migration Week'], '20190415');
});

test('MAM 7.2.2: header with NO is read as not commissioned by the DCC', () => {
  const r = v(`${USER}\nNO\nCGI\n${elecRow()}\n`);
  assert.equal(r.valid, true);
  assert.equal(r.authorisation!.header.commissionedByDcc, false);
});

test('MAM 7.2.2: User ID must be a hyphenated EUI-64 (23 characters)', () => {
  const r = v(`70B3D51F3000A008\nYES\nCGI\n${elecRow()}\n`);
  const p = only(r, (p) => p.field === 'User ID', 'plain hex');
  assert.equal(p.line, 1);
  assert.equal(p.rule, 'MAM 7.2.2');
  const r2 = v(`70-B3-D5-1F-30-00-A0-08-99\nYES\nCGI\n${elecRow()}\n`);
  assert.match(only(r2, (p) => p.field === 'User ID', 'too long').message, /at most 23/);
});

test('MAM 7.2.2: a lower-case User ID is accepted with a warning and canonicalised', () => {
  const r = v(`${USER.toLowerCase()}\nYES\nCGI\n${elecRow()}\n`);
  assert.equal(r.valid, true);
  assert.equal(r.authorisation!.header.userId, USER);
  assert.equal(r.warnings[0]!.field, 'User ID');
});

test('MAM 7.2.2: Commissioned by DCC is YES or NO in upper case only', () => {
  for (const bad of ['yes', 'Y', 'TRUE', 'NOPE']) {
    const p = only(v(`${USER}\n${bad}\nCGI\n${elecRow()}\n`), (p) => p.field === 'Commissioned by DCC', bad);
    assert.equal(p.line, 2);
    assert.equal(p.rule, 'MAM 7.2.2');
  }
});

test('MAM 7.2.2: SMSO is a known three-letter upper-case code (list configurable)', () => {
  assert.equal(only(v(`${USER}\nYES\ncgi\n${elecRow()}\n`), (p) => p.field === 'SMSO', 'lower').line, 3);
  assert.match(
    only(v(`${USER}\nYES\nXYZ\n${elecRow()}\n`), (p) => p.field === 'SMSO', 'unknown').message,
    /not a known/,
  );
  assert.equal(v(`${USER}\nYES\nXYZ\n${elecRow()}\n`, { smsoCodes: { XYZ: 'Example' } }).valid, true);
});

test('MAM 7.2.2: each header line holds exactly one field', () => {
  const r = v(`${USER},\nYES\nCGI,extra\n${elecRow()}\n`);
  assert.equal(r.errors.filter((p) => /exactly one field/.test(p.message)).length, 2);
  assert.deepEqual(
    r.errors.map((p) => p.line),
    [1, 3],
  );
});

test('MAM 7.2.2: empty file, missing header lines', () => {
  const empty = v('');
  assert.equal(empty.valid, false);
  assert.equal(empty.errors[0]!.line, null);
  assert.match(empty.errors[0]!.message, /empty/);
  const two = v(`${USER}\nYES\n`);
  assert.equal(two.valid, false);
  const p = only(two, (p) => p.field === 'SMSO', 'missing SMSO');
  assert.equal(p.line, null);
  assert.match(p.message, /missing/);
  assert.equal(v(`${USER}\n`).errors.length, 2);
});

test('MAM 7.2.3: a header-only file (zero rows) is valid with a warning', () => {
  const r = v(HEADER);
  assert.equal(r.valid, true);
  assert.equal(r.authorisation!.rows.length, 0);
  assert.match(r.warnings[0]!.message, /no installation rows: almost always a truncated export/);
  assert.equal(r.warnings[0]!.rule, 'MAM 7.2.3');
});

test('MAM 7.2.3: a column-title row is rejected', () => {
  const titles = MA_FIELDS.map(csvField).join(',');
  const p = only(v(file(titles, elecRow())), (p) => /column-title/.test(p.message), 'title row');
  assert.equal(p.line, 4);
  assert.match(p.message, /column-title row/);
});

test('MAM 7.2.4: no footer', () => {
  const r = v(file(elecRow(), 'END OF FILE'));
  const p = only(r, () => true, 'footer');
  assert.equal(p.line, 5);
  assert.equal(p.rule, 'MAM 7.2.4');
  assert.match(p.message, /footer/);
});

test('MAM 7.2.3: a row with the wrong number of fields is rejected, naming the line', () => {
  const r = v(file(elecRow() + ',', elecRow().split(',').slice(0, 20).join(','), ''));
  assert.deepEqual(
    r.errors.map((p) => [p.line, p.rule]),
    [
      [4, 'MAM 7.2.3'],
      [5, 'MAM 7.2.3'],
      [6, 'MAM 7.2.3'],
    ],
  );
  assert.match(r.errors[0]!.message, /26 fields: expected the 25/);
  assert.match(r.errors[2]!.message, /blank/);
});

test('MAM 7.2.2 / 7.1: lines end with LF; a file saved with CRLF gets one error, not one per line', () => {
  const r = v(file(elecRow()).replace(/\n/g, '\r\n'));
  assert.deepEqual(
    r.errors.map((p) => p.line),
    [1],
  );
  assert.match(r.errors[0]!.message, /every line ends with CR LF/);
  // Only the line ends are wrong: the content itself is still read.
  assert.equal(r.errors.length, 1);
});

test('MAM 7.2.2: mixed CRLF and LF line ends are one error listing the CRLF lines', () => {
  const lines = file(elecRow()).split('\n');
  lines[1] += '\r';
  lines[3] += '\r';
  const r = v(lines.join('\n'));
  assert.equal(r.errors.length, 1);
  assert.equal(r.errors[0]!.line, 2);
  assert.match(r.errors[0]!.message, /2 of 4 lines end with CR LF .*lines 2, 4/);
});

test('MAM 7.1: a line full of control characters is one error with a count, not one per byte', () => {
  const r = v(file(elecRow()) + '\x01\x02\x03\x00\x00\x1b[31m\n');
  const ctl = r.errors.filter((p) => /control character/.test(p.message));
  assert.equal(ctl.length, 1);
  assert.equal(ctl[0]!.line, 5);
  assert.match(ctl[0]!.message, /control character 0x01 at column 1 \(6 control characters on this line\)/);
});

test('RFC 4180 2.2 (MAM 7.1): the final line break is optional', () => {
  assert.equal(v(HEADER + elecRow()).valid, true);
});

test('MAM 7.1: only ASCII; the error names line, column and field of a non-ASCII byte', () => {
  const line = elecRow().replace('s1mig Test SMKI', 's1mig Tést SMKI');
  const r = v(
    file(elecRow(), line, dualRow()).replace(
      elecRow() + '\n' + line,
      elecRow().replace(MPAN, mpanWithCheckDigit('190044455566')) + '\n' + line,
    ),
  );
  const p = only(r, (p) => /non-ASCII/.test(p.message), 'non-ASCII');
  assert.equal(p.line, 5);
  const col = Buffer.from(line, 'utf8').indexOf(0xc3) + 1;
  assert.match(p.message, new RegExp(`column ${col}\\b`));
  assert.equal(p.field, 'ESME Supplier Certificate Id (Critical) – Issuer Name');
  assert.equal(p.rule, 'MAM 7.1');
});

test('MAM 7.1: a UTF-8 byte order mark is reported as non-ASCII on line 1 column 1', () => {
  const r = v(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(file(elecRow()))]));
  assert.equal(r.valid, false);
  assert.match(r.errors[0]!.message, /column 1\b.*byte order mark/);
});

test('MAM 7.1: quotes are optional and stripped; "" inside quotes is a quote', () => {
  const quoted = MA_FIELDS.map(
    (f) => `"${({ MPAN, 'Migration Week': '20190415', ...ELEC() } as Record<string, string>)[f] ?? ''}"`,
  ).join(',');
  const r = v(file(quoted));
  assert.equal(r.valid, true, JSON.stringify(r.errors));
  assert.equal(r.authorisation!.rows[0]!.mpan, MPAN);
  const t = tokenizeCsvLine('a,"b,c","d""e",');
  assert.ok(t.ok);
  assert.deepEqual(
    t.fields.map((f) => f.value),
    ['a', 'b,c', 'd"e', ''],
  );
});

test('MAM 7.1 / RFC 4180: malformed quoting is an error on that line only', () => {
  const badUnclosed = elecRow() + '"never closed';
  const badStray = elecRow().replace(`"${ISSUER}"`, `CN="x",O=y`);
  const badAfter = elecRow().replace(`"${ISSUER}"`, `"${ISSUER}"x`);
  const mk = (i: number) => elecRow({ MPAN: mpanWithCheckDigit(`1100000000${i}0`) });
  const r = v(file(badUnclosed, mk(1), badStray, mk(2), badAfter));
  assert.deepEqual(
    r.errors.map((p) => [p.line, p.rule]),
    [
      [4, 'MAM 7.1'],
      [6, 'MAM 7.1'],
      [8, 'MAM 7.1'],
    ],
  );
  assert.match(r.errors[0]!.message, /not closed/);
  assert.match(r.errors[1]!.message, /inside an unquoted field/);
  assert.match(r.errors[2]!.message, /after the closing quote/);
});

test('MAM 7.1: values are not padded', () => {
  const p = only(v(file(elecRow({ MPAN: ` ${MPAN}` }))), () => true, 'padding');
  assert.equal(p.field, 'MPAN');
  assert.match(p.message, /padded/);
});

test('MAM 7.1 / Table 7.2.3: maximum field lengths', () => {
  const r = v(
    file(elecRow({ 'Migration Week': '201904150', Priority: 'YY', [SERIAL_OF(ESME_SC)]: '1'.repeat(45) })),
  );
  assert.deepEqual(r.errors.map((p) => p.field).sort(), [
    'ESME Supplier Certificate Id (Critical) – Serial Number',
    'Migration Week',
    'Priority',
  ]);
  assert.ok(r.errors.every((p) => /at most/.test(p.message)));
  assert.equal(v(file(elecRow({ [SERIAL_OF(ESME_SC)]: '9'.repeat(44) }))).valid, true);
});

test('MAM 7.1: blank fields (empty or "") are omitted', () => {
  const r = v(file(elecRow().replace(/^([^,]*),/, '$1,""')));
  assert.equal(r.valid, true, JSON.stringify(r.errors));
  assert.equal(r.authorisation!.rows[0]!.mprn, null);
});

test('MAM 4 / TMAD 4.38: each row gives an MPAN and/or an MPRN', () => {
  const p = only(
    v(file(row({ 'Migration Week': '20190415', ...ELEC() }))),
    (p) => p.field === 'MPAN',
    'neither',
  );
  assert.match(p.message, /neither MPAN nor MPRN/);
});

test('MAM 7.2.3: MPAN is 13 digits with a valid check digit', () => {
  const wrongCheck = MPAN.slice(0, 12) + String((Number(MPAN[12]) + 1) % 10);
  const r = v(
    file(
      elecRow({ MPAN: wrongCheck }),
      elecRow({ MPAN: '12345' }).replace(MPAN, '12345'),
      elecRow({ MPAN: 'A000000000000' }),
    ),
  );
  assert.deepEqual(
    r.errors.map((p) => [p.line, p.field]),
    [
      [4, 'MPAN'],
      [5, 'MPAN'],
      [6, 'MPAN'],
    ],
  );
  assert.match(r.errors[0]!.message, /check digit/);
});

test('MAM 7.2.3: MPRN is up to 10 digits', () => {
  const r = v(file(dualRow({ MPRN: '75023X6804' }), dualRow({ MPAN: MPAN, MPRN: '12345678901' })));
  assert.deepEqual(
    r.errors.map((p) => [p.line, p.field]),
    [
      [4, 'MPRN'],
      [5, 'MPRN'],
    ],
  );
});

test('MAM 7.2.3: Migration Week is a real date, a Monday, YYYYMMDD', () => {
  const r = v(
    file(
      elecRow({ 'Migration Week': '20190416' }),
      elecRow({ MPAN: MPAN2, 'Migration Week': '2019-4-1' }),
      elecRow({ MPAN: mpanWithCheckDigit('140055501234'), 'Migration Week': '20190231' }),
    ),
  );
  assert.deepEqual(
    r.errors.map((p) => [p.line, p.field]),
    [
      [4, 'Migration Week'],
      [5, 'Migration Week'],
      [6, 'Migration Week'],
    ],
  );
  assert.match(r.errors[0]!.message, /Tuesday.*20190415/);
});

test('MAM 7.2.3: Migration Week is mandatory unless Migrate on is given', () => {
  const p = only(v(file(elecRow({ 'Migration Week': '' }))), () => true, 'no week');
  assert.equal(p.field, 'Migration Week');
  assert.match(p.message, /mandatory unless Migrate on/);
  assert.equal(v(file(elecRow({ 'Migration Week': '', 'Migrate on': '20190418' }))).valid, true);
});

test('MAM 7.2.3: Migrate on is a real date inside the given Migration Week', () => {
  const r = v(
    file(
      elecRow({ 'Migrate on': '20190422' }),
      elecRow({ MPAN: MPAN2, 'Migrate on': '20190230' }),
      elecRow({ MPAN: mpanWithCheckDigit('140055501234'), 'Migrate on': '20190421' }),
    ),
  );
  assert.deepEqual(
    r.errors.map((p) => [p.line, p.field]),
    [
      [4, 'Migrate on'],
      [5, 'Migrate on'],
    ],
  );
  assert.match(r.errors[0]!.message, /outside the Migration Week/);
});

test('MAM 7.2.3 / TMAD 4.40: Priority is Y or blank', () => {
  assert.equal(only(v(file(elecRow({ Priority: 'y' }))), () => true, 'y').field, 'Priority');
  assert.equal(only(v(file(elecRow({ Priority: 'N' }))), () => true, 'N').field, 'Priority');
});

test('MAM 7.2.3 / TMAD 10.1: certificate serial numbers are decimal integers', () => {
  const r = v(file(elecRow({ [SERIAL_OF(ESME_SC)]: '1.41596E+38', [SERIAL_OF(ESME_SN)]: '0x1F' })));
  assert.equal(r.errors.length, 2);
  assert.match(r.errors[0]!.message, /scientific notation/);
});

test('MAM 7.2.3: an issuer name is required with a serial number, and a serial with an issuer name', () => {
  const r = v(
    file(
      elecRow({ [ISSUER_OF(ESME_SC)]: '' }),
      elecRow({
        MPAN: MPAN2,
        [SERIAL_OF('ESME Network Operator Certificate Id (Critical)')]: '',
        [ISSUER_OF('ESME Network Operator Certificate Id (Critical)')]: ISSUER,
      }),
      elecRow({
        MPAN: mpanWithCheckDigit('140055501234'),
        [SERIAL_OF('GPF Network Operator Certificate Id (Non-Critical)')]: '12',
      }),
    ),
  );
  assert.deepEqual(
    r.errors.map((p) => [p.line, p.field]),
    [
      [4, ISSUER_OF(ESME_SC)],
      [5, SERIAL_OF('ESME Network Operator Certificate Id (Critical)')],
      [6, ISSUER_OF('GPF Network Operator Certificate Id (Non-Critical)')],
    ],
  );
});

test('MAM 7.2.3 / TMAD 2: an issuer name is its X520 Common Name, bare (Z1) or in a DN (CN=Z1,OU=07)', () => {
  for (const issuer of ['Z1', 'Test CA', 'CN=Z1,OU=07']) {
    const r = v(file(elecRow({ [ISSUER_OF(ESME_SC)]: issuer })));
    assert.equal(r.valid, true, `${issuer}: ${JSON.stringify(r.errors)}`);
    assert.equal(r.authorisation!.rows[0]!.esmeSupplierCritical!.issuerName, issuer);
  }
});

test('MAM 7.2.3 / TMAD 2: a distinguished name without a CN is refused, naming the field and rule', () => {
  const p = only(v(file(elecRow({ [ISSUER_OF(ESME_SC)]: 'OU=07,O=Example' }))), () => true, 'no CN');
  assert.equal(p.field, ISSUER_OF(ESME_SC));
  assert.match(p.message, /without a CN/);
  assert.match(p.message, /TMAD 2/);
});

test('MAM 7.2.3 / TMAD 2: issuer NULL with a serial other than 0 is not the Null Certificate ID', () => {
  const p = only(v(file(elecRow({ [ISSUER_OF(ESME_SC)]: 'NULL' }))), () => true, 'NULL');
  assert.match(p.message, /Null Certificate ID is serial 0 with issuer NULL/);
});

test('MAM 7.2.3: the Null Certificate ID (0, NULL) is read as such', () => {
  const r = v(file(elecRow({ [SERIAL_OF(ESME_SC)]: '0', [ISSUER_OF(ESME_SC)]: 'NULL' })));
  assert.equal(r.valid, true);
  assert.deepEqual(r.authorisation!.rows[0]!.esmeSupplierCritical, NULL_CERTIFICATE_ID);
});

test('MAM 7.2.3: a serial with leading zeros is accepted with a warning and normalised', () => {
  const r = v(file(elecRow({ [SERIAL_OF(ESME_SC)]: '000123' })));
  assert.equal(r.valid, true);
  assert.equal(r.authorisation!.rows[0]!.esmeSupplierCritical!.serialNumber, '123');
  assert.match(r.warnings[0]!.message, /leading zeros/);
});

test('MAM 7.2.3 / TMAD Table 4.38: ESME Supplier certificates are mandatory with an MPAN', () => {
  const r = v(file(row({ MPAN, 'Migration Week': '20190415', ...certs([ESME_SC]) })));
  const p = only(r, () => true, 'ESME NC missing');
  assert.equal(p.field, SERIAL_OF(ESME_SN));
  assert.match(p.message, /mandatory in a row with an MPAN/);
});

test('MAM 7.2.3 / TMAD Table 4.38: GPF and GSME Supplier certificates are mandatory with an MPRN', () => {
  const r = v(file(row({ MPRN, 'Migration Week': '20190415', ...certs([GPF_SC]) })));
  assert.deepEqual(
    r.errors.map((p) => p.field),
    [SERIAL_OF(GPF_SN), SERIAL_OF(GSME_SC), SERIAL_OF(GSME_SN)],
  );
  assert.ok(r.errors.every((p) => /with an MPRN/.test(p.message)));
});

test('MAM 7.2.3 / TMAD 4.40: Network Operator certificate IDs are optional', () => {
  const no = certs([
    'ESME Network Operator Certificate Id (Critical)',
    'GPF Network Operator Certificate Id (Non-Critical)',
  ]);
  const r = v(file(dualRow(no), elecRow()));
  assert.equal(r.valid, true);
  assert.deepEqual(r.authorisation!.rows[0]!.esmeNetworkOperatorCritical, {
    serialNumber: SERIAL,
    issuerName: ISSUER,
  });
  assert.equal(r.authorisation!.rows[1]!.esmeNetworkOperatorCritical, null);
});

test('MAM 7.2.3: the same MPAN or MPRN twice in one file is rejected, naming both lines', () => {
  const r = v(
    file(
      dualRow(),
      elecRow(),
      elecRow({ MPAN: MPAN2 }),
      row({ MPRN, 'Migration Week': '20190415', ...GAS() }),
    ),
  );
  assert.deepEqual(
    r.errors.map((p) => [p.line, p.field]),
    [
      [6, 'MPAN'],
      [7, 'MPRN'],
    ],
  );
  assert.match(r.errors[0]!.message, /lines 4 and 6/);
  assert.match(r.errors[1]!.message, /lines 4 and 7/);
});

test('MAM 7.2.1: file name MA_<SMSO>_<UserID>_<YYYYMMDD>_<HHMMSS>.csv, agreeing with the header', () => {
  assert.equal(v(file(elecRow()), { fileName: `/some/dir/${NAME}` }).valid, true);
  for (const bad of [
    'MA_CGI_70B3D51F3000A008_20190407_182503.csv',
    'MA_CGI_70-B3-D5-1F-30-00-A0-08_20190407_182503.txt',
    'MA_CGI_70-B3-D5-1F-30-00-A0-08_20190231_182503.csv',
    'ma.csv',
  ]) {
    const p = only(v(file(elecRow()), { fileName: bad }), () => true, bad);
    assert.equal(p.rule, 'MAM 7.2.1');
    assert.equal(p.line, null);
  }
  const r = v(file(elecRow()), { fileName: 'MA_EDM_70-B3-D5-1F-30-00-A0-09_20190407_182503.csv' });
  assert.deepEqual(
    r.errors.map((p) => [p.line, p.field, p.rule]),
    [
      [1, 'User ID', 'MAM 7.2.1'],
      [3, 'SMSO', 'MAM 7.2.1'],
    ],
  );
});

test('MAM 7.2.1: maFileName / parseMaFileName round-trip in UTC', () => {
  const at = new Date('2019-04-07T18:25:03Z');
  assert.equal(maFileName('CGI', USER, at), 'MA_CGI_70-B3-D5-1F-30-00-A0-08_20190407_182503.csv');
  assert.deepEqual(parseMaFileName('MA_CGI_70-B3-D5-1F-30-00-A0-08_20190407_182503.csv'), {
    smsoCode: 'CGI',
    userId: USER,
    at,
  });
  assert.equal(parseMaFileName('MA_CGI_70-B3-D5-1F-30-00-A0-08_20190407_246503.csv'), null);
});

test('MAM 4 / TMAD 4.37: a file received after the 10:00 Thursday cut-off is valid but warns per late week', () => {
  // Week 2019-04-15: cut-off 10:00 BST Thursday 2019-04-11 = 09:00Z. Week 2019-04-22: cut-off 2019-04-18 09:00Z.
  const content = file(
    elecRow(),
    elecRow({ MPAN: MPAN2, 'Migration Week': '20190422' }),
    elecRow({ MPAN: mpanWithCheckDigit('140055501234'), 'Migration Week': '', 'Migrate on': '20190416' }),
  );
  assert.deepEqual(
    v(content, { receivedAt: new Date('2019-04-11T09:00:00Z') }).warnings,
    [],
    'exactly at the cut-off is in time',
  );
  const late = v(content, { receivedAt: new Date('2019-04-11T09:00:01Z') });
  assert.equal(late.valid, true);
  assert.equal(late.warnings.length, 1);
  const w = late.warnings[0]!;
  assert.equal(w.rule, 'MAM 4; TMAD 4.37');
  assert.equal(w.line, 4);
  assert.match(w.message, /2019-04-15/);
  assert.match(w.message, /lines 4, 6/);
  assert.match(w.message, /2019-04-11T10:00:00\+01:00/);
  const later = v(content, { receivedAt: new Date('2019-04-18T12:00:00Z') });
  assert.equal(later.warnings.length, 2);
  assert.match(later.warnings[1]!.message, /2019-04-22.*line 5/);
  // A week outside the calendar's range is a warning, not a crash.
  const odd = v(file(elecRow({ 'Migration Week': '15000101' })), {
    receivedAt: new Date('2019-01-01T00:00:00Z'),
  });
  assert.equal(odd.valid, true);
  assert.match(odd.warnings[0]!.message, /cannot work out the cut-off/);
  // GMT: cut-off for week 2019-01-07 is Thursday 2019-01-03 10:00Z.
  const winter = file(elecRow({ 'Migration Week': '20190107' }));
  assert.equal(v(winter, { receivedAt: new Date('2019-01-03T09:59:59Z') }).warnings.length, 0);
  assert.equal(v(winter, { receivedAt: new Date('2019-01-03T10:00:01Z') }).warnings.length, 1);
});

test('MAM 7.1–7.2: every problem is reported, not just the first', () => {
  const content =
    'bad-user\r\nyes\nXX\n' +
    [
      elecRow({ MPAN: '1' }),
      elecRow({ Priority: 'x' }),
      'a,"b',
      elecRow({ MPAN: MPAN2, 'Migration Week': '20190416' }),
      elecRow({ MPAN: mpanWithCheckDigit('140055501234'), [ISSUER_OF(ESME_SN)]: '' }),
    ].join('\n') +
    '\n';
  const r = v(content, { fileName: 'nope.csv' });
  const lines = r.errors.map((p) => p.line);
  for (const l of [null, 1, 2, 3, 4, 5, 6, 7, 8])
    assert.ok(lines.includes(l), `line ${l} reported: ${JSON.stringify(r.errors, null, 1)}`);
  assert.ok(r.errors.length >= 10);
});

test('MAM 7.2: the writer always produces a file that validates, and refuses one that would not', () => {
  const c = { serialNumber: SERIAL, issuerName: ISSUER };
  const text = writeMigrationAuthorisation({
    header: { userId: USER, commissionedByDcc: false, smsoCode: 'CGI' },
    rows: [
      { mpan: MPAN, migrationWeek: '2019-04-15', esmeSupplierCritical: c, esmeSupplierNonCritical: c },
      {
        mprn: MPRN,
        migrateOn: '20190418',
        priority: true,
        gpfSupplierCritical: c,
        gpfSupplierNonCritical: c,
        gsmeSupplierCritical: c,
        gsmeSupplierNonCritical: c,
        gpfNetworkOperatorCritical: { serialNumber: '5', issuerName: 'CN=a "quoted" CA,O=x' },
      },
    ],
  });
  assert.ok(text.endsWith('\n') && !text.includes('\r'));
  assert.equal(text.split('\n')[1], 'NO');
  const r = v(text);
  assert.equal(r.valid, true, JSON.stringify(r.errors));
  assert.equal(r.authorisation!.rows[1]!.gpfNetworkOperatorCritical!.issuerName, 'CN=a "quoted" CA,O=x');
  assert.throws(
    () =>
      writeMigrationAuthorisation({
        header: { userId: USER, commissionedByDcc: true, smsoCode: 'CGI' },
        rows: [{ mpan: MPAN, migrationWeek: '2019-04-15' }],
      }),
    (e: unknown) => e instanceof MaWriteError && e.problems.length === 2 && /mandatory/.test(e.message),
  );
});

// Its time is measured by bench/linear-time.ts.
test('MAM 7.2: 20,000 rows are written and validate', () => {
  const c = { serialNumber: SERIAL, issuerName: ISSUER };
  const rows = Array.from({ length: 20_000 }, (_, i) => ({
    mpan: mpanWithCheckDigit(String(100_000_000_000 + i)),
    migrationWeek: '2019-04-15',
    esmeSupplierCritical: c,
    esmeSupplierNonCritical: c,
  }));
  const text = writeMigrationAuthorisation({
    header: { userId: USER, commissionedByDcc: true, smsoCode: 'CGI' },
    rows,
  });
  const r = v(text, { receivedAt: new Date('2019-04-01T00:00:00Z') });
  assert.equal(r.valid, true);
  assert.equal(r.authorisation!.rows.length, 20_000);
});

test('MAM 7.2.2: the header of a file that does not validate is still read leniently (User ID, YES/NO, SMSO)', () => {
  const enc = (t: string) => new TextEncoder().encode(t);
  assert.deepEqual(readMaHeaderLeniently(enc('"70-b3-d5-1f-30-00-a0-08",x\r\nyes\nCGI\nrubbish\n')), {
    userId: '70-B3-D5-1F-30-00-A0-08',
    commissionedByDcc: true,
    smsoCode: 'CGI',
  });
  assert.deepEqual(readMaHeaderLeniently(enc('70-B3-D5-1F-30-00-A0-08\nmaybe\ncgi\n')), {
    userId: '70-B3-D5-1F-30-00-A0-08',
  });
  assert.equal(readMaHeaderLeniently(enc('not an id\nYES\nCGI\n')), undefined);
  assert.equal(readMaHeaderLeniently(new Uint8Array(0)), undefined);
});
