// Kysely table types shared by both engines. Column values differ by engine (see codec.ts): the
// repositories only ever write values produced by the codec and read them back through it.
import type { Generated } from 'kysely';

/** A boolean column: SQLite INTEGER 0/1, PostgreSQL boolean. */
export type DbBool = number | boolean;
/** A timestamp column: SQLite TEXT (ISO 8601 UTC, fixed width), PostgreSQL timestamptz. */
export type DbDate = string | Date;
/** A JSON column: SQLite TEXT, PostgreSQL json (written as text, read back parsed). */
export type DbJson = unknown;
/** An unsigned 64-bit counter: SQLite TEXT (20 digits, zero-padded), PostgreSQL NUMERIC(20,0). */
export type DbCounter = string;

export interface ReceivedMaTable {
  id: Generated<number>;
  file_name: string;
  sha256: string;
  user_id: string;
  smso_code: string | null;
  commissioned_by_dcc: DbBool | null;
  received_at: DbDate;
  outcome: string;
  errors: DbJson;
  warnings: DbJson;
  row_count: number;
  /** 'storing' while its rows are written in short transactions; only 'complete' ones are read. */
  status: Generated<'storing' | 'complete'>;
  /** While storing: the time of the last row transaction (a receipt whose heartbeat stops is stale). */
  heartbeat_at: DbDate | null;
}

export interface ReceivedMaRowTable {
  ma_id: number;
  line: number;
  mpan: string | null;
  mprn: string | null;
  migration_week: string | null;
  migrate_on: string | null;
  priority: DbBool;
  fields: DbJson;
}

/** Table 5.9 General column: every accepted counter, one row per (key, counter value). */
export interface StoredCounterTable {
  authenticator: string;
  party_id: string;
  file_type: string;
  counter: DbCounter;
  stored_at: DbDate;
}

/** Table 5.9 S1SP column: the single stored counter per key. */
export interface StoredCounterLatestTable {
  authenticator: string;
  party_id: string;
  file_type: string;
  counter: DbCounter;
  stored_at: DbDate;
}

export interface IncidentTable {
  id: Generated<number>;
  category: number;
  kind: string;
  summary: string;
  file_name: string | null;
  step: string | null;
  party: string;
  raised_at: DbDate;
  target_response_by: DbDate;
  target_resolution_by: DbDate;
  assignee: string | null;
  details: DbJson;
}

/** The MCC's planning records (TMAD 4.5–4.11), append-only (migration 006). */
export interface PlanningRecordTable {
  id: Generated<number>;
  kind: string;
  supplier_id: string | null;
  period: string;
  file_name: string;
  sha256: string;
  at: DbDate;
  on_time: DbBool;
  outcome: string;
  problems: DbJson;
  rows: DbJson;
  details: DbJson;
}

export interface Database {
  received_ma: ReceivedMaTable;
  received_ma_row: ReceivedMaRowTable;
  stored_counter: StoredCounterTable;
  stored_counter_latest: StoredCounterLatestTable;
  incident: IncidentTable;
  planning_record: PlanningRecordTable;
}
