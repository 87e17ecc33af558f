// Value encodings that absorb the differences between SQLite (better-sqlite3) and PostgreSQL (pg),
// so that both engines share one Kysely query path:
// - better-sqlite3 binds neither booleans nor Dates; pg returns int8/numeric as strings, parses
//   json/timestamptz itself.
// - Counters are unsigned 64-bit (TMAD 5.6, Table 5.7): PostgreSQL NUMERIC(20,0); SQLite TEXT of
//   exactly 20 decimal digits, zero-padded, so that = and < on the column are exact (BINARY
//   collation compares equal-length digit strings numerically). Never a float, never an INTEGER
//   (SQLite's INTEGER is signed 64-bit, 2^63..2^64-1 would not fit).
// - Timestamps: PostgreSQL timestamptz; SQLite TEXT `YYYY-MM-DDTHH:mm:ss.sssZ` (Date#toISOString,
//   fixed width, so text order is time order).
import type { DbBool, DbCounter, DbDate, DbJson } from './schema.js';
import { MAX_UNSIGNED_LONG } from '../core/schema/lexical.js';

export type StoreKind = 'sqlite' | 'postgres';

/** 2^64 - 1 (src/core/schema/lexical.ts). */
export const COUNTER_MAX = MAX_UNSIGNED_LONG;
const COUNTER_DIGITS = 20;

export interface Codec {
  readonly kind: StoreKind;
  bool(value: boolean): DbBool;
  readBool(value: unknown): boolean;
  date(value: Date): DbDate;
  readDate(value: unknown): Date;
  json(value: unknown): DbJson;
  readJson(value: unknown): unknown;
  counter(value: bigint): DbCounter;
  readCounter(value: unknown): bigint;
  readInt(value: unknown): number;
}

/** Throws RangeError unless 0 <= value <= 2^64-1 (TMAD Table 5.7 counters are unsigned 64-bit). */
export function checkCounter(value: bigint): void {
  if (typeof value !== 'bigint') throw new TypeError(`counter must be a bigint, got ${typeof value}`);
  if (value < 0n || value > COUNTER_MAX)
    throw new RangeError(`counter ${value} outside the unsigned 64-bit range 0..${COUNTER_MAX}`);
}

function checkDate(value: Date): void {
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) throw new TypeError('invalid Date');
}

export function codecFor(kind: StoreKind): Codec {
  const common = {
    kind,
    readBool: (v: unknown): boolean => v === true || v === 1 || v === 1n || v === '1' || v === 't',
    readDate(v: unknown): Date {
      if (v instanceof Date) return v;
      const d = new Date(String(v));
      if (Number.isNaN(d.getTime())) throw new Error(`stored timestamp is not a date: ${String(v)}`);
      return d;
    },
    readCounter: (v: unknown): bigint => BigInt(String(v)),
    readInt: (v: unknown): number => Number(v),
  };
  if (kind === 'sqlite') {
    return {
      ...common,
      bool: (v) => (v ? 1 : 0),
      date: (v) => (checkDate(v), v.toISOString()),
      json: (v) => JSON.stringify(v ?? null),
      readJson: (v) => (v === null || v === undefined ? null : (JSON.parse(v as string) as unknown)),
      counter: (v) => (checkCounter(v), v.toString().padStart(COUNTER_DIGITS, '0')),
    };
  }
  return {
    ...common,
    bool: (v) => Boolean(v),
    date: (v) => (checkDate(v), v),
    // pg would turn JS arrays into PostgreSQL array literals: always send JSON text.
    json: (v) => JSON.stringify(v ?? null),
    readJson: (v) => (v === undefined ? null : v),
    counter: (v) => (checkCounter(v), v.toString()),
  };
}
