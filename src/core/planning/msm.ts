// The Migration Scaling Methodology (TMAD 4.11; Guide 4.5.3 "the key features of the methodology"):
// how the DCC turns the Daily Migration Demands of one day and one SMETS1 SMSO into Migration Demand
// Commitments when its capacity cannot cover them all.
//
// 1. Dormant SMETS1 Installations take capacity first (Guide 4.5.3; TMAD 4.24): scaling applies to
//    Active installations only.
// 2. Every Active Supplier gets a flat minimum per day (DMIN; README: default 100, configurable),
//    never more than its demand.
// 3. What remains is shared on a demand-weighted basis: in proportion to each supplier's demand
//    above the minimum (docs/SPEC-DECISIONS.md "MSM weights").
// 4. When capacity cannot cover the minimum, the minimum shrinks for everyone (water-filling: the
//    largest level m with sum(min(demand, m)) <= capacity).
//
// Integers only: the shares are exact rationals, floored, and the units left over by flooring go one
// each by the largest remainder; ties go to the larger demand, then the lower Supplier ID
// (lexicographic), so the answer is the same for the same input in any order.

/** README "MSM flat allocation DMIN": the DCC set 100 from January 2021 (the Guide said 20). */
export const DEFAULT_DMIN = 100;

export interface MsmDemand {
  /** The Responsible Supplier (its DCC User ID, or any stable, unique key). */
  supplierId: string;
  /** Its Daily Migration Demand for this day and SMSO (whole number >= 0). */
  demand: number;
}

export interface MsmInput {
  /** The DCC's migration capacity for this day and SMSO (whole number >= 0). */
  capacity: number;
  /** Dormant SMETS1 Installations scheduled for this day and SMSO (whole number >= 0). */
  dormant?: number;
  demands: readonly MsmDemand[];
  /** The flat minimum per Active Supplier per day (default DEFAULT_DMIN). */
  dmin?: number;
}

export interface MsmAllocation {
  supplierId: string;
  demand: number;
  commitment: number;
}

export interface MsmResult {
  capacity: number;
  /** Dormant installations given capacity (min(dormant, capacity)). */
  dormantAllocated: number;
  /** Capacity left for Active installations after the dormant ones. */
  activeCapacity: number;
  /** False when every demand is met in full (commitment = demand, TMAD 4.8(b)). */
  scaled: boolean;
  /** The flat minimum actually applied: DMIN, or less when capacity could not cover it (Guide 4.5.3). */
  minimumApplied: number;
  /** Ordered by Supplier ID. */
  allocations: MsmAllocation[];
}

function wholeNumber(n: number, what: string): void {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`${what} ${n}: expected a whole number >= 0`);
}

const byId = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Scale one day's demands for one SMSO (TMAD 4.11). Throws RangeError on a negative or fractional
 * number or a Supplier ID given twice (callers validate their input first; this is the guard).
 */
export function allocateMsm(input: MsmInput): MsmResult {
  const dmin = input.dmin ?? DEFAULT_DMIN;
  const dormant = input.dormant ?? 0;
  wholeNumber(input.capacity, 'capacity');
  wholeNumber(dormant, 'dormant installations');
  wholeNumber(dmin, 'DMIN');
  const seen = new Set<string>();
  for (const d of input.demands) {
    wholeNumber(d.demand, `demand of ${d.supplierId}`);
    if (seen.has(d.supplierId)) throw new RangeError(`Supplier ID ${d.supplierId} given twice`);
    seen.add(d.supplierId);
  }
  const demands = [...input.demands].sort((a, b) => byId(a.supplierId, b.supplierId));
  const dormantAllocated = Math.min(dormant, input.capacity);
  const active = input.capacity - dormantAllocated;
  const total = demands.reduce((s, d) => s + d.demand, 0);
  const base = { capacity: input.capacity, dormantAllocated, activeCapacity: active };
  if (total <= active)
    return {
      ...base,
      scaled: false,
      minimumApplied: dmin,
      allocations: demands.map((d) => ({ supplierId: d.supplierId, demand: d.demand, commitment: d.demand })),
    };

  const floors = demands.map((d) => Math.min(d.demand, dmin));
  const floorTotal = floors.reduce((s, x) => s + x, 0);
  let commitments: number[];
  let minimumApplied = dmin;
  if (floorTotal > active) {
    // The minimum shrinks for everyone: the largest m with sum(min(d, m)) <= active.
    let lo = 0;
    let hi = dmin;
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      const s = demands.reduce((acc, d) => acc + Math.min(d.demand, mid), 0);
      if (s <= active) lo = mid;
      else hi = mid - 1;
    }
    minimumApplied = lo;
    commitments = demands.map((d) => Math.min(d.demand, lo));
    // Fewer units left than suppliers still wanting more: one each, by the tie-break.
    let left = active - commitments.reduce((s, x) => s + x, 0);
    const order = demands
      .map((d, i) => i)
      .filter((i) => demands[i]!.demand > lo)
      .sort((i, j) => tieBreak(demands, i, j));
    for (const i of order) {
      if (left === 0) break;
      commitments[i]! += 1;
      left -= 1;
    }
  } else {
    // Demand-weighted share of the rest, by demand above the minimum (largest remainder).
    const rest = active - floorTotal;
    const residual = demands.map((d, i) => d.demand - floors[i]!);
    const extra = largestRemainder(rest, residual, (i, j) => tieBreak(demands, i, j));
    commitments = floors.map((f, i) => f + extra[i]!);
  }
  return {
    ...base,
    scaled: true,
    minimumApplied,
    allocations: demands.map((d, i) => ({
      supplierId: d.supplierId,
      demand: d.demand,
      commitment: commitments[i]!,
    })),
  };
}

/** Larger demand first, then the lower Supplier ID. */
function tieBreak(demands: readonly MsmDemand[], i: number, j: number): number {
  return demands[j]!.demand - demands[i]!.demand || byId(demands[i]!.supplierId, demands[j]!.supplierId);
}

/**
 * Share `units` (whole) in proportion to `weights` (whole, sum > 0 unless units = 0), by the largest
 * remainder (Hamilton): exact with BigInt; the sum is exactly `units`. When units <= sum(weights)
 * no share exceeds its weight. Ties between equal remainders: `tie(i, j)`, then index order.
 */
export function largestRemainder(
  units: number,
  weights: readonly number[],
  tie: (i: number, j: number) => number = () => 0,
): number[] {
  wholeNumber(units, 'units');
  for (const w of weights) wholeNumber(w, 'weight');
  const sum = weights.reduce((s, w) => s + BigInt(w), 0n);
  if (units === 0) return weights.map(() => 0);
  if (sum === 0n) throw new RangeError(`cannot share ${units} units by weights that sum to zero`);
  const u = BigInt(units);
  const quota = weights.map((w) => (u * BigInt(w)) / sum);
  const rem = weights.map((w) => (u * BigInt(w)) % sum);
  let left = units - quota.reduce((s, q) => s + Number(q), 0);
  const order = weights
    .map((_, i) => i)
    .sort((i, j) => (rem[j]! > rem[i]! ? 1 : rem[j]! < rem[i]! ? -1 : tie(i, j) || i - j));
  const out = quota.map(Number);
  for (const i of order) {
    if (left === 0) break;
    if (rem[i] === 0n) continue; // an exact share never takes a leftover unit (none remain then)
    out[i]! += 1;
    left -= 1;
  }
  return out;
}
