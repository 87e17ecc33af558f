// The Migration Scaling Methodology (TMAD 4.11; Guide 4.5.3): hand-computed examples and properties.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DEFAULT_DMIN, allocateMsm, largestRemainder, type MsmInput } from '../../src/core/planning/msm.js';

const commitments = (input: MsmInput): Record<string, number> =>
  Object.fromEntries(allocateMsm(input).allocations.map((a) => [a.supplierId, a.commitment]));

test('TMAD 4.8(b): commitment = demand when capacity covers every demand', () => {
  const r = allocateMsm({
    capacity: 1000,
    demands: [
      { supplierId: 'B', demand: 200 },
      { supplierId: 'A', demand: 300 },
    ],
  });
  assert.equal(r.scaled, false);
  assert.deepEqual(r.allocations, [
    { supplierId: 'A', demand: 300, commitment: 300 },
    { supplierId: 'B', demand: 200, commitment: 200 },
  ]);
});

test('TMAD 4.11 / Guide 4.5.3: dormant first, DMIN flat, the rest by demand above DMIN (hand-computed)', () => {
  // capacity 1000, dormant 100 -> active 900. Floors min(d,100): 100 + 100 + 50 = 250; rest 650.
  // Demand above the floor: A 700, B 300, C 0 (sum 1000). A: 650*700/1000 = 455; B: 650*300/1000 = 195.
  // A = 100 + 455 = 555, B = 100 + 195 = 295, C = 50: 555 + 295 + 50 = 900.
  const r = allocateMsm({
    capacity: 1000,
    dormant: 100,
    dmin: 100,
    demands: [
      { supplierId: 'A', demand: 800 },
      { supplierId: 'B', demand: 400 },
      { supplierId: 'C', demand: 50 },
    ],
  });
  assert.equal(r.dormantAllocated, 100);
  assert.equal(r.activeCapacity, 900);
  assert.equal(r.minimumApplied, 100);
  assert.deepEqual(commitments({ capacity: 1000, dormant: 100, dmin: 100, demands: r.allocations }), {
    A: 555,
    B: 295,
    C: 50,
  });
});

test('TMAD 4.11: largest remainder, ties to the larger demand then the lower Supplier ID', () => {
  // active 10, DMIN 2: floors 6, rest 4 shared by 3,3,3 -> 4/3 each = 1 r 1/3; one unit left, all
  // remainders and demands equal -> lowest Supplier ID (A). A = 2+1+1 = 4, B = C = 3.
  assert.deepEqual(
    commitments({
      capacity: 10,
      dmin: 2,
      demands: ['C', 'A', 'B'].map((s) => ({ supplierId: s, demand: 5 })),
    }),
    { A: 4, B: 3, C: 3 },
  );
  // A 5, B 8 at capacity 9, DMIN 2: floors 4, rest 5 by residual 3 and 6: 5*3/9 = 1 r 6/9, 5*6/9 = 3 r 3/9;
  // one unit left -> A (larger remainder) although B's demand is larger. A = 2+1+1 = 4, B = 2+3 = 5.
  assert.deepEqual(
    commitments({
      capacity: 9,
      dmin: 2,
      demands: [
        { supplierId: 'B', demand: 8 },
        { supplierId: 'A', demand: 5 },
      ],
    }),
    { A: 4, B: 5 },
  );
});

test('Guide 4.5.3: the minimum shrinks for everyone when capacity cannot cover it', () => {
  // floors 100 + 80 + 100 = 280 > 250. m = 85: 85 + 80 + 85 = 250; m = 86 would be 252.
  const r = allocateMsm({
    capacity: 250,
    demands: [
      { supplierId: 'A', demand: 500 },
      { supplierId: 'B', demand: 80 },
      { supplierId: 'C', demand: 300 },
    ],
  });
  assert.equal(r.minimumApplied, 85);
  assert.deepEqual(commitments({ capacity: 250, demands: r.allocations }), { A: 85, B: 80, C: 85 });
  // 251: m = 85 and one unit left -> the larger demand (A).
  assert.deepEqual(commitments({ capacity: 251, demands: r.allocations }), { A: 86, B: 80, C: 85 });
});

test('Guide 4.5.3 / TMAD 4.24: dormant installations beyond capacity leave nothing for Active ones', () => {
  const r = allocateMsm({ capacity: 100, dormant: 150, demands: [{ supplierId: 'A', demand: 10 }] });
  assert.equal(r.dormantAllocated, 100);
  assert.equal(r.allocations[0]!.commitment, 0);
  assert.equal(DEFAULT_DMIN, 100);
});

test('TMAD 4.11: bad numbers and a Supplier ID given twice are refused', () => {
  assert.throws(() => allocateMsm({ capacity: -1, demands: [] }), RangeError);
  assert.throws(() => allocateMsm({ capacity: 1.5, demands: [] }), RangeError);
  assert.throws(
    () =>
      allocateMsm({
        capacity: 5,
        demands: [
          { supplierId: 'A', demand: 1 },
          { supplierId: 'A', demand: 2 },
        ],
      }),
    RangeError,
  );
});

const input = fc.record({
  capacity: fc.integer({ min: 0, max: 100_000 }),
  dormant: fc.integer({ min: 0, max: 20_000 }),
  dmin: fc.integer({ min: 0, max: 500 }),
  demands: fc.uniqueArray(
    fc.record({
      supplierId: fc.string({
        unit: fc.constantFrom('A', 'B', 'C', 'D', '0', '1'),
        minLength: 1,
        maxLength: 4,
      }),
      demand: fc.integer({ min: 0, max: 50_000 }),
    }),
    { selector: (d) => d.supplierId, maxLength: 30 },
  ),
});

test('TMAD 4.11 property: never above demand or capacity, sum exact, same answer in any order', () => {
  fc.assert(
    fc.property(input, fc.integer(), (inp, seed) => {
      const r = allocateMsm(inp);
      const totalDemand = inp.demands.reduce((s, d) => s + d.demand, 0);
      const sum = r.allocations.reduce((s, a) => s + a.commitment, 0);
      for (const a of r.allocations) {
        assert.ok(Number.isInteger(a.commitment) && a.commitment >= 0);
        assert.ok(a.commitment <= a.demand, 'never above demand');
      }
      assert.ok(r.dormantAllocated + sum <= inp.capacity, 'never above capacity');
      // No installation lost or invented by rounding: every unit of active capacity is used or
      // every demand is met.
      assert.equal(sum, Math.min(totalDemand, r.activeCapacity));
      // Everyone gets the same minimum (or its demand) before any weighting.
      for (const a of r.allocations) assert.ok(a.commitment >= Math.min(a.demand, r.minimumApplied));
      // Order independence: a seeded shuffle gives the same allocations.
      const shuffled = [...inp.demands];
      let s = seed >>> 0;
      for (let i = shuffled.length - 1; i > 0; i--) {
        s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
        const j = s % (i + 1);
        [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
      }
      assert.deepEqual(allocateMsm({ ...inp, demands: shuffled }), r);
    }),
    { seed: 20261203, numRuns: 2000 },
  );
});

test('largest remainder property: exact sum, each share within 1 of its quota', () => {
  fc.assert(
    fc.property(
      fc
        .array(fc.integer({ min: 0, max: 1_000_000 }), { minLength: 1, maxLength: 20 })
        .filter((w) => w.some((x) => x > 0)),
      fc.integer({ min: 0, max: 1_000_000 }),
      (weights, units) => {
        const out = largestRemainder(units, weights);
        assert.equal(
          out.reduce((s, x) => s + x, 0),
          units,
        );
        const sum = weights.reduce((s, w) => s + w, 0);
        out.forEach((x, i) => {
          const q = (units * weights[i]!) / sum;
          assert.ok(x >= Math.floor(q) && x <= Math.ceil(q));
        });
      },
    ),
    { seed: 7, numRuns: 1000 },
  );
});
