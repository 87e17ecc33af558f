// The MPxN list of `ma build` read from its file line by line, on each pass (issue #10; MAM 4).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileLines, MAX_LIST_LINE_CHARS } from '../../src/cli/ma-files.js';

test('MAM 4 (issue #10) fileLines: lines across 64 KiB blocks, CRLF and UTF-8 kept, re-readable, a long line cut', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 's1mig-list-lines-'));
  try {
    const file = path.join(dir, 'list.csv');
    const lines = [
      'mpan,mprn\r',
      ...Array.from({ length: 20_000 }, (_, i) => `${i},é${i}`),
      'x'.repeat(200_000),
      'last',
    ];
    writeFileSync(file, lines.join('\n'));
    const it = fileLines(file, 'MPxN list');
    const got = [...it];
    assert.equal(got.length, lines.length);
    assert.equal(got[0], 'mpan,mprn\r');
    assert.equal(got[12_345], `12344,é12344`);
    assert.equal(got.at(-2)!.length, MAX_LIST_LINE_CHARS);
    assert.equal(got.at(-1), 'last');
    assert.deepEqual([...it], got); // a second pass reads the file again
    assert.throws(() => [...fileLines(path.join(dir, 'missing.csv'), 'MPxN list')], /cannot read MPxN list/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
