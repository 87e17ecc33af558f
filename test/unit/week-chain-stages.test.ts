// The first half of the chain as Migration Week stages (docs/WEEK.md): the stage clock, the chain's
// state handed on as a committed file (paths of the scratch tree rewritten to files/, a taken delivery
// to its inbox copy, TMAD 9), and the Requesting Party's counters taken from the stage's time so that
// an attempt run again builds the same file names (TMAD 5.6).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { openStore } from '../../src/store/index.js';
import { deserialise, firstHalfAt, serialise, weekStore } from '../../src/orchestrator/week/chain-stages.js';
import type { ChainState } from '../../src/orchestrator/chain.js';

test('the first-half stages run at 09:00 UTC on the Monday two weeks before the Migration Week, 10 minutes apart', () => {
  // Migration Week 2026-01-19: the estate's day is Monday 2026-01-05 (hand-computed).
  assert.equal(firstHalfAt('2026-01-19', 0).toISOString(), '2026-01-05T09:00:00.000Z');
  assert.equal(firstHalfAt('2026-01-19', 4).toISOString(), '2026-01-05T09:40:00.000Z');
});

test('TMAD 9: the chain state names committed files: scratch paths become files/ paths, a taken delivery its inbox copy', () => {
  const scratch = path.join('/run', 'work', 'rp-record-mvf');
  const files = path.join('/run', 'files');
  const state = {
    week: '2026-01-19',
    mcfs: [
      {
        name: 'MCF_A.xml',
        path: path.join(scratch, 'requesting-party', 'mcf', 'MCF_A.xml'),
        dccPath: path.join(scratch, 'mailboxes', 'dcc', 'DCC', 'taken', 'MCF_A.xml'),
        mcfCounter: 1767603600000n,
      },
    ],
    authorisedMpxns: new Set(['1012345678901']),
    mvfFailures: new Map([['00-DB-12-34-56-78-9A-BC', ['5.10.4']]]),
    options: { store: {} },
    manifest: {},
    paths: {},
    millis: { x: 1 },
  } as unknown as ChainState;
  const back = deserialise(serialise(state, scratch, files));
  const m = back.mcfs![0]!;
  assert.equal(m.path, path.join(files, 'requesting-party', 'mcf', 'MCF_A.xml'));
  assert.equal(m.dccPath, path.join(files, 'mailboxes', 'dcc', 'DCC', 'inbox', 'MCF_A.xml'));
  assert.equal(m.mcfCounter, 1767603600000n);
  assert.deepEqual([...back.authorisedMpxns!], ['1012345678901']);
  assert.deepEqual(back.mvfFailures!.get('00-DB-12-34-56-78-9A-BC'), ['5.10.4']);
  // The store, the manifest and the timings are not part of it.
  assert.equal('options' in back, false);
  assert.equal('millis' in back, false);
});

test('TMAD 5.6: an attempt run again takes the same counters (the stage time in ms, +1 per file); the store still advances', async () => {
  const store = await openStore({ url: 'sqlite::memory:' });
  try {
    const at = new Date('2026-01-05T09:40:00Z'); // 1767606000000 ms
    const first = weekStore(store, at);
    const a = [
      await first.rpOutcomes.nextCounter('RP', 'MCF'),
      await first.rpOutcomes.nextCounter('RP', 'MCF'),
    ];
    const again = weekStore(store, at);
    const b = [
      await again.rpOutcomes.nextCounter('RP', 'MCF'),
      await again.rpOutcomes.nextCounter('RP', 'MCF'),
    ];
    assert.deepEqual(a, [1767606000000n, 1767606000001n]);
    assert.deepEqual(b, a);
    assert.ok((await store.rpOutcomes.lastCounter('RP', 'MCF'))! >= 1767606000001n);
  } finally {
    await store.close();
  }
});
