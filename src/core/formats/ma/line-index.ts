// Compact bookkeeping for streaming MA validation (issue #10): memory per row in bytes, not objects.

/**
 * Digit strings (up to 15 digits, leading zeros significant) → the line they were first seen on, in
 * an open-addressing hash table over typed arrays: 12 bytes a slot, at most half full, so ~24 bytes
 * per MPAN or MPRN (a Map of strings takes ~100). Used for the one-MPxN-per-file rule (MAM 7.2.3).
 */
export class DigitLineIndex {
  private keys = new Float64Array(1024);
  private lines = new Int32Array(1024);
  private size = 0;

  /** The line `digits` was first seen on, or undefined after recording it on `line`. */
  firstLineOrSet(digits: string, line: number): number | undefined {
    if (!/^\d{1,15}$/.test(digits)) throw new RangeError(`not a digit string of at most 15 digits`);
    const key = Number(`1${digits}`); // the leading 1 keeps leading zeros apart ("012" ≠ "12"); < 2^53
    if ((this.size + 1) * 2 > this.keys.length) this.grow();
    const mask = this.keys.length - 1;
    for (let i = hash(key) & mask; ; i = (i + 1) & mask) {
      const k = this.keys[i]!;
      if (k === 0) {
        this.keys[i] = key;
        this.lines[i] = line;
        this.size++;
        return undefined;
      }
      if (k === key) return this.lines[i]!;
    }
  }

  private grow(): void {
    const oldKeys = this.keys;
    const oldLines = this.lines;
    this.keys = new Float64Array(oldKeys.length * 2);
    this.lines = new Int32Array(oldKeys.length * 2);
    const mask = this.keys.length - 1;
    for (let j = 0; j < oldKeys.length; j++) {
      const key = oldKeys[j]!;
      if (key === 0) continue;
      let i = hash(key) & mask;
      while (this.keys[i] !== 0) i = (i + 1) & mask;
      this.keys[i] = key;
      this.lines[i] = oldLines[j]!;
    }
  }
}

function hash(key: number): number {
  const lo = (key % 0x100000000) | 0;
  const hi = (key / 0x100000000) | 0;
  let h = Math.imul(lo ^ Math.imul(hi, 0x9e3779b1), 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Ascending line numbers as ranges ("4-9, 12"), the first `max` ranges kept and the rest counted. */
export class LineRanges {
  private readonly ranges: Array<[number, number]> = [];
  private more = 0;
  private last = -1;
  count = 0;
  first: number | null = null;

  constructor(private readonly max: number) {}

  add(line: number): void {
    this.count++;
    this.first ??= line;
    if (this.last >= 0 && line === this.last + 1) {
      if (this.more === 0) this.ranges[this.ranges.length - 1]![1] = line;
    } else if (this.ranges.length < this.max) this.ranges.push([line, line]);
    else this.more++;
    this.last = line;
  }

  toString(): string {
    const text = this.ranges.map(([a, b]) => (a === b ? `${a}` : `${a}-${b}`)).join(', ');
    return this.more > 0 ? `${text} and ${this.more} more ranges` : text;
  }
}
