// The s1sp-commission stage in batches (docs/WEEK.md "Workers"): each job reports in its SCFs its own
// installations and, for exactly one job, the Table 5.25 failures of a set (TMAD 5.25, 5.28: every
// installation of a set reported once, whichever job runs first). Expected owners written by hand.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  COMMISSION_BATCH,
  commissionStage,
  reportedBy,
} from '../../src/orchestrator/week/commission-stage.js';
import { batchesFor } from '../../src/orchestrator/week/engine.js';
import type { Store } from '../../src/store/index.js';

const row = (chfIdentifier: string, state: string) => ({ chfIdentifier, state });

// Set 1: viable B, C, D and a Table 5.25 failure A; set 2: only failures X, Y; set 3: viable E, failure F.
const sets = [
  [row('A', 'failed'), row('B', 'commissioned'), row('C', 'viable'), row('D', 'viable')],
  [row('X', 'failed'), row('Y', 'failed')],
  [row('E', 'viable'), row('F', 'failed')],
];

test('TMAD 5.28: the Table 5.25 failures of a set go with the batch holding its smallest other CHFIdentifier', () => {
  // B is set 1's smallest non-failed CHF, and the smallest of all: set 1's A and set 2's X, Y.
  assert.deepEqual([...reportedBy(new Set(['B', 'C']), sets)].sort(), ['A', 'B', 'C', 'X', 'Y']);
  assert.deepEqual([...reportedBy(new Set(['D']), sets)].sort(), ['D']);
  assert.deepEqual([...reportedBy(new Set(['E']), sets)].sort(), ['E', 'F']);
});

test('TMAD 5.28: over the batches of a stage every installation of every set is reported exactly once', () => {
  const batches = [new Set(['B']), new Set(['C', 'D']), new Set(['E'])];
  const seen = batches.flatMap((b) => [...reportedBy(b, sets)]).sort();
  assert.deepEqual(seen, ['A', 'B', 'C', 'D', 'E', 'F', 'X', 'Y']);
});

test('the commissioning stage splits an MCF (SMSO and GroupID) into batches of COMMISSION_BATCH', () => {
  const stage = commissionStage({ store: {} as Store, at: () => new Date(0) });
  const inst = (id: string, smso: string, groupId: string) => ({
    installationId: id,
    groupId,
    smso,
    supplier: 'S',
    state: 's1sp-viable',
    stage: null,
    failedStep: null,
    detail: {},
  });
  const many = Array.from({ length: COMMISSION_BATCH + 1 }, (_, i) =>
    inst(`C${String(i).padStart(4, '0')}`, 'SMSO1', 'AA'),
  );
  const jobs = batchesFor(stage, [...many, inst('Z1', 'SMSO2', 'AA'), inst('Z2', 'SMSO1', 'BA')]);
  assert.deepEqual(
    jobs.map((j) => [j.batchKey, j.installations.length]),
    [
      ['SMSO1|AA', COMMISSION_BATCH],
      ['SMSO1|AA', 1],
      ['SMSO1|BA', 1],
      ['SMSO2|AA', 1],
    ],
  );
});
