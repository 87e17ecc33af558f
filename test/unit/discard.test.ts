// TMAD 5.9: a rejected file is discarded with its verdict beside it; a discard never overwrites an
// earlier one of the same name, and works when the discard directory is on another file system.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { copyFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { discardFile } from '../../src/files/discard.js';

const dir = mkdtempSync(path.join(tmpdir(), 's1mig-discard-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function rejected(sub: string, content: string): string {
  mkdirSync(path.join(dir, sub), { recursive: true });
  const f = path.join(dir, sub, 'MCF_1.xml');
  writeFileSync(f, content);
  return f;
}

test('TMAD 5.9: two rejected files of the same name are both kept (<name>, <name>.1), each with its verdict', async () => {
  const out = path.join(dir, 'rejected');
  const a = await discardFile(rejected('in1', 'first'), out, { n: 1 });
  const b = await discardFile(rejected('in2', 'second'), out, { n: 2 });
  assert.equal(path.basename(a.file), 'MCF_1.xml');
  assert.equal(path.basename(b.file), 'MCF_1.xml.1');
  assert.equal(path.basename(b.verdictFile), 'MCF_1.xml.1.verdict.json');
  assert.equal(readFileSync(a.file, 'utf8'), 'first');
  assert.equal(readFileSync(b.file, 'utf8'), 'second');
  assert.deepEqual(JSON.parse(readFileSync(a.verdictFile, 'utf8')), { n: 1 });
  assert.deepEqual(JSON.parse(readFileSync(b.verdictFile, 'utf8')), { n: 2 });
  assert.equal(existsSync(path.join(dir, 'in1', 'MCF_1.xml')), false);
  // A name whose verdict alone exists is taken too.
  writeFileSync(path.join(out, 'MCF_1.xml.2.verdict.json'), '{}');
  const c = await discardFile(rejected('in3', 'third'), out, { n: 3 });
  assert.equal(path.basename(c.file), 'MCF_1.xml.3');
  assert.deepEqual(readdirSync(out).sort(), [
    'MCF_1.xml',
    'MCF_1.xml.1',
    'MCF_1.xml.1.verdict.json',
    'MCF_1.xml.2.verdict.json',
    'MCF_1.xml.3',
    'MCF_1.xml.3.verdict.json',
    'MCF_1.xml.verdict.json',
  ]);
});

test('TMAD 5.9: a discard directory on another file system (EXDEV): the file is copied, then removed', async () => {
  const out = path.join(dir, 'rejected-exdev');
  const src = rejected('in4', 'cross');
  let copied = 0;
  const r = await discardFile(
    src,
    out,
    { x: 1 },
    {
      link: async () => {
        throw Object.assign(new Error('EXDEV: cross-device link not permitted'), { code: 'EXDEV' });
      },
      copyFile: async (a, b, mode) => {
        copied++;
        await copyFile(a, b, mode);
      },
    },
  );
  assert.equal(copied, 1);
  assert.equal(readFileSync(r.file, 'utf8'), 'cross');
  assert.equal(existsSync(src), false);
  assert.deepEqual(JSON.parse(readFileSync(r.verdictFile, 'utf8')), { x: 1 });
});

const shm = '/dev/shm';
const otherFs = existsSync(shm) && statSync(shm).dev !== statSync(dir).dev;
test(
  'TMAD 5.9: a real discard directory on another file system (tmpfs)',
  { skip: otherFs ? false : 'no second file system' },
  async () => {
    const out = mkdtempSync(path.join(shm, 's1mig-discard-'));
    try {
      const src = rejected('in5', 'tmpfs');
      const r = await discardFile(src, out, { y: 1 });
      assert.equal(readFileSync(r.file, 'utf8'), 'tmpfs');
      assert.equal(existsSync(src), false);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  },
);
