// Bench: one Migration Week's planning (TMAD 4.8(b), 4.11) for 60 suppliers, 8 SMSOs and 14
// Electricity Distributors: every supplier demands every day, SMSO and distributor; capacity is
// short on every day and SMSO, so the MSM scales each of the 56 pools; then the 4.8(c) aggregate.
// Pure functions only (no store). Prints one JSON object with the row counts and the median time.
//
//   npx tsc -p . && node dist/bench/planning-week.js [suppliers=60] [runs=5]
import { addDays } from '../src/core/calendar/index.js';
import { DEFAULT_SMSO_CODES, DISTRIBUTOR_IDS } from '../src/core/ids/index.js';
import type { CapacityRow, PlanningRow } from '../src/core/planning/files.js';
import {
  aggregateCommitments,
  planCommitments,
  type EffectiveDemand,
} from '../src/core/planning/planning.js';

const suppliers = Number(process.argv[2] ?? 60);
const runs = Number(process.argv[3] ?? 5);
const week = '2027-03-01';
const smsos = Object.keys(DEFAULT_SMSO_CODES); // 8
const distributors = Object.keys(DISTRIBUTOR_IDS); // 14
let seed = 12345;
const rand = (n: number): number => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0), seed % n);

const demands: EffectiveDemand[] = [];
for (let s = 0; s < suppliers; s++) {
  const rows: PlanningRow[] = [];
  for (let d = 0; d < 7; d++)
    for (const smso of smsos)
      for (const distributor of distributors)
        rows.push({ smso, distributor, date: addDays(week, d), quantity: rand(400) });
  const id = `70-B3-D5-1F-30-00-${(s >> 8).toString(16).padStart(2, '0').toUpperCase()}-${(s & 255).toString(16).padStart(2, '0').toUpperCase()}`;
  demands.push({ supplierId: id, source: { status: 'none' }, lateIgnored: [], rows });
}
const capacity: CapacityRow[] = [];
for (let d = 0; d < 7; d++)
  for (const smso of smsos) capacity.push({ date: addDays(week, d), smso, capacity: 60_000, dormant: 5_000 });

const times: number[] = [];
let pools = 0;
let reportRows = 0;
for (let i = 0; i < runs; i++) {
  const t0 = performance.now();
  const plan = planCommitments(demands, capacity);
  const report = aggregateCommitments(plan.commitments);
  times.push(performance.now() - t0);
  pools = plan.pools.filter((p) => p.scaled).length;
  reportRows = report.length;
}
times.sort((a, b) => a - b);
process.stdout.write(
  JSON.stringify({
    suppliers,
    smsos: smsos.length,
    distributors: distributors.length,
    demandRows: demands.reduce((s, d) => s + d.rows.length, 0),
    scaledPools: pools,
    reportRows,
    medianMs: Math.round(times[Math.floor(times.length / 2)]! * 10) / 10,
  }) + '\n',
);
