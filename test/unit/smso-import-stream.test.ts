// The SMSO import in two passes over a key file read as a stream (TMAD 4.21, 11): the same records and
// problems as the whole-text reader, the same stored key material, a duplicate key named with its first
// line, and a file that changes between the check and the sealing imports nothing (docs/SMSO.md).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  iterateCsvRecords,
  iterateCsvRecordsFrom,
  parseSmsoKeyMaterialCsv,
  type SmsoCsvProblem,
} from '../../src/core/formats/smso/index.js';
import { generateSmsoInventoryFiles } from '../../src/estate/smso-inventory.js';
import { openStore, type Store } from '../../src/store/index.js';
import { importInventory, openKeyMaterial } from '../../src/smso/index.js';

const H = ['a', 'b'];

/** The text cut into chunks of `size` characters (or bytes, as Buffers). */
async function* chunksOf(text: string, size: number, bytes = false): AsyncGenerator<string | Buffer> {
  const all = bytes ? Buffer.from(text, 'utf8') : text;
  for (let i = 0; i < all.length; i += size) yield all.slice(i, i + size);
}

async function fromStream(text: string, size: number, bytes: boolean) {
  const problems: SmsoCsvProblem[] = [];
  const records = [];
  for await (const r of iterateCsvRecordsFrom(chunksOf(text, size, bytes), 'f.csv', H, problems))
    records.push(r);
  return { records, problems };
}

test('docs/SMSO.md CSV lines read as a stream: the same records and problems as from the whole text', async () => {
  const texts = [
    'a,b\n1,2\r\n3,4\n\n\r\n',
    '\ufeffa,b\n1,2',
    'a,b\n1,2\n\n\r\n3,4\n5\n',
    '',
    '\ufeff',
    'a,c\n1,2\n',
    'a,b\n"x\ny",2\n1,"é"\r\n\r',
    'a,b\r\n1,2\r',
    '\n',
  ];
  for (const text of texts) {
    const problems: SmsoCsvProblem[] = [];
    const records = [...iterateCsvRecords(text, 'f.csv', H, problems)];
    for (const size of [1, 2, 3, 7, 1 << 16])
      for (const bytes of [false, true]) {
        const got = await fromStream(text, size, bytes);
        assert.deepEqual(got.records, records, `${JSON.stringify(text)} in chunks of ${size}`);
        assert.deepEqual(got.problems, problems, `${JSON.stringify(text)} in chunks of ${size}`);
      }
  }
  // Hand-written expectations for one of them (not only "the same as the other reader").
  const mid = await fromStream('a,b\n1,2\n\n\r\n3,4\n5\n', 3, true);
  assert.deepEqual(
    mid.records.map((r) => `${r.line}:${r.values.a}/${r.values.b}`),
    ['2:1/2', '5:3/4'],
  );
  assert.deepEqual(
    mid.problems.map((p) => p.line),
    [3, 4, 6],
  );
  // A two-byte character cut between chunks is decoded whole.
  const e = await fromStream('a,b\n1,é\n', 6, true);
  assert.equal(e.records[0]!.values.b, 'é');
});

const CHF = '00-DB-00-00-10-00-00-01';
const ESME = '00-DB-00-00-21-00-00-01';
const K16 = '0123456789ABCDEF0123456789ABCDEF';

test('key-material CSV: a key given twice is reported with the line that first gave it', () => {
  const text = [
    'chf_device_id,device_type,device_id,key_name,value',
    `${CHF},ESME,${ESME},MasterKey,${K16}`,
    `${CHF},ESME,${ESME},PrepaymentKey,${K16}`,
    `${CHF},ESME,${ESME},MasterKey,${K16}`,
    `${CHF},ESME,${ESME},PrepaymentKey,${K16}`,
    `${CHF},ESME,${ESME},MasterKey,${K16}`,
  ].join('\n');
  const r = parseSmsoKeyMaterialCsv(text, 'keys.csv');
  assert.deepEqual(
    r.problems.map((p) => [p.line, p.field, p.message]),
    [
      [4, 'key_name', `MasterKey of ${ESME} already given on line 2: expected each key once`],
      [5, 'key_name', `PrepaymentKey of ${ESME} already given on line 3: expected each key once`],
      [6, 'key_name', `MasterKey of ${ESME} already given on line 2: expected each key once`],
    ],
  );
  // The first value of each key is kept.
  assert.deepEqual(r.installations.get(CHF)!.devices[0]!.keys, { MasterKey: K16, PrepaymentKey: K16 });
});

describe('TMAD 11 SMSO import: key material from a stream, in two passes', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 's1mig-smso-stream-'));
  const PASS = 'two passes';
  const estate = generateSmsoInventoryFiles({ installations: 30, seed: 'stream' });
  // Key lines of one installation far apart (the file need not be grouped by installation).
  const [head, ...rows] = estate.keysCsv.trimEnd().split('\n');
  const shuffled = [head, ...rows.filter((_, i) => i % 2 === 0), ...rows.filter((_, i) => i % 2 === 1)].join(
    '\n',
  );
  let text: Store;
  let streamed: Store;
  before(async () => {
    text = await openStore({ url: `sqlite:${path.join(dir, 'text.sqlite')}` });
    streamed = await openStore({ url: `sqlite:${path.join(dir, 'stream.sqlite')}` });
  });
  after(async () => {
    await text?.close();
    await streamed?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('the same installations and key material as from the whole text, whatever the line order', async () => {
    const inventory = { text: estate.inventoryCsv, file: 'inv.csv' };
    const a = await importInventory(text, 'CGI', {
      inventory,
      keys: { text: shuffled, file: 'keys.csv' },
      passphrase: PASS,
    });
    let opened = 0;
    const b = await importInventory(streamed, 'CGI', {
      inventory,
      keys: {
        open: () => {
          opened++;
          return chunksOf(shuffled, 1000, true);
        },
        file: 'keys.csv',
      },
      passphrase: PASS,
    });
    assert.equal(opened, 2); // checked, then sealed
    assert.deepEqual(b, a);
    assert.equal(b.keyMaterial, 30);
    const ids = [...parseSmsoKeyMaterialCsv(estate.keysCsv, 'keys.csv').installations.keys()];
    const sa = await text.smso.sealedKeyMaterial('CGI', ids);
    const sb = await streamed.smso.sealedKeyMaterial('CGI', ids);
    const expected = parseSmsoKeyMaterialCsv(estate.keysCsv, 'keys.csv').installations;
    for (const id of ids) {
      const want = expected.get(id)!;
      const got = openKeyMaterial(sb.get(id)!, PASS, 'CGI', id);
      // Devices in the order the file first names them; every key's value as written.
      const byDevice = (m: typeof want) =>
        Object.fromEntries(m.devices.map((d) => [d.deviceId, { type: d.deviceType, keys: d.keys }]));
      assert.deepEqual(byDevice(got), byDevice(want));
      assert.deepEqual(openKeyMaterial(sa.get(id)!, PASS, 'CGI', id), got);
    }
  });

  test('a key file that changes between the check and the sealing imports nothing', async () => {
    const store = await openStore({ url: `sqlite:${path.join(dir, 'changed.sqlite')}` });
    try {
      let opened = 0;
      const other = shuffled.replace(/,MasterKey,[0-9A-F]{32}/, `,MasterKey,${'AB'.repeat(16)}`);
      assert.notEqual(other, shuffled);
      await assert.rejects(
        importInventory(store, 'CGI', {
          inventory: { text: estate.inventoryCsv, file: 'inv.csv' },
          keys: { open: () => chunksOf(opened++ === 0 ? shuffled : other, 4096), file: 'keys.csv' },
          passphrase: PASS,
        }),
        /keys\.csv changed while it was imported .*nothing imported/,
      );
      assert.equal(await store.smso.count('CGI'), 0);
      const ids = [...parseSmsoKeyMaterialCsv(estate.keysCsv, 'keys.csv').installations.keys()];
      assert.equal((await store.smso.sealedKeyMaterial('CGI', ids)).size, 0);
    } finally {
      await store.close();
    }
  });

  test('a bad key file read as a stream: every problem, nothing imported', async () => {
    const store = await openStore({ url: `sqlite:${path.join(dir, 'bad.sqlite')}` });
    try {
      const lines = shuffled.split('\n');
      lines.push(lines[1]!); // the first key again
      const r = await importInventory(store, 'CGI', {
        inventory: { text: estate.inventoryCsv, file: 'inv.csv' },
        keys: { open: () => chunksOf(lines.join('\n'), 333, true), file: 'keys.csv' },
        passphrase: PASS,
      });
      assert.equal(r.accepted, false);
      assert.equal(r.problems.length, 1);
      assert.equal(r.problems[0]!.line, lines.length);
      assert.match(r.problems[0]!.message, /already given on line 2: expected each key once/);
      assert.equal(await store.smso.count('CGI'), 0);
    } finally {
      await store.close();
    }
  });
});
