// The CLI progress display (src/cli/progress.ts): where it prints, how often, and never on stdout.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { countBytes, createProgress, formatAmount, progressMode } from '../../src/cli/progress.js';

function fakeStream(isTTY: boolean) {
  const chunks: string[] = [];
  return {
    isTTY,
    columns: 100,
    chunks,
    write(s: string) {
      chunks.push(s);
      return true;
    },
  } as unknown as NodeJS.WritableStream & { isTTY: boolean; chunks: string[] };
}

function withEnv<T>(vars: Record<string, string | undefined>, f: () => T): T {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  for (const [k, v] of Object.entries(vars))
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  try {
    return f();
  } finally {
    for (const [k, v] of Object.entries(saved))
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
  }
}

test('mode: TTY → live bar; not a TTY → plain lines, or nothing with --json; --quiet → nothing', () => {
  withEnv({ S1MIG_PROGRESS: undefined }, () => {
    assert.equal(progressMode({ stream: fakeStream(true) }), 'tty');
    assert.equal(progressMode({ stream: fakeStream(true), json: true }), 'tty');
    assert.equal(progressMode({ stream: fakeStream(false) }), 'plain');
    assert.equal(progressMode({ stream: fakeStream(false), json: true }), 'off');
    assert.equal(progressMode({ stream: fakeStream(true), quiet: true }), 'off');
  });
  withEnv({ S1MIG_PROGRESS: 'off' }, () => assert.equal(progressMode({ stream: fakeStream(true) }), 'off'));
});

test('plain mode: one line per 10 % and a final line; nothing before the delay', () => {
  withEnv({ S1MIG_PROGRESS: undefined }, () => {
    const s = fakeStream(false);
    const p = createProgress({
      label: 'writing MCF',
      total: 1000,
      unit: 'installations',
      stream: s,
      delayMs: 0,
    });
    for (let i = 0; i < 1000; i++) p.tick();
    p.done();
    const lines = s.chunks.join('').trimEnd().split('\n');
    assert.equal(lines.length, 12); // 0 %, 10 % … 100 %, done
    assert.match(lines[10]!, /^s1mig: writing MCF: 100%, 1000 of 1000 installations, /);
    assert.match(lines[11]!, /^s1mig: writing MCF: done, 1000 of 1000 installations in /);

    const quiet = fakeStream(false);
    const q = createProgress({ label: 'x', total: 10, stream: quiet, delayMs: 60_000 });
    q.update(10);
    q.done();
    assert.deepEqual(quiet.chunks, []);
  });
});

test('TTY mode: redraws one line in place and clears it at the end', () => {
  withEnv({ S1MIG_PROGRESS: undefined }, () => {
    const s = fakeStream(true);
    const p = createProgress({
      label: 'verifying f.xml',
      total: 2_000_000,
      unit: 'bytes',
      stream: s,
      delayMs: 0,
    });
    p.update(1_000_000);
    p.done();
    assert.ok(s.chunks[0]!.startsWith('\r\x1b[2K'));
    assert.match(s.chunks[0]!, /verifying f\.xml \[#{12}-{12}\] {2}50% 1\.0 MB of 2\.0 MB /);
    assert.equal(s.chunks.at(-1), '\r\x1b[2K');
    assert.ok(s.chunks.every((c) => !c.includes('\n')));
  });
});

test('countBytes passes chunks through unchanged and counts their bytes', async () => {
  const seen: number[] = [];
  const progress = { tick: (n = 1) => void seen.push(n), update: () => undefined, done: () => undefined };
  async function* src() {
    yield new Uint8Array([1, 2, 3]);
    yield 'héllo';
  }
  const out: Array<Uint8Array | string> = [];
  for await (const c of countBytes(src(), progress)) out.push(c);
  assert.deepEqual(seen, [3, 6]);
  assert.equal(out[1], 'héllo');
  assert.equal(formatAmount(1_500_000, 'bytes'), '1.5 MB');
});
