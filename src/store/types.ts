// The public storage interface (src/store/index.ts re-exports everything here).

/** One data row of a Migration Authorisation (MAM 7.2.2), as received. `line` is the CSV line number. */
export interface ReceivedMaRow {
  line: number;
  mpan: string | null;
  mprn: string | null;
  migrationWeek: string | null;
  migrateOn: string | null;
  priority: boolean;
  fields: Record<string, string>;
}

/** A Migration Authorisation file received by the DCC (MAM 7.2) and the outcome of its checks. */
export interface ReceivedMaFile {
  fileName: string;
  sha256: string;
  userId: string;
  smsoCode: string | null;
  commissionedByDcc: boolean | null;
  receivedAt: Date;
  outcome: 'accepted' | 'rejected';
  errors: unknown[];
  warnings: unknown[];
  rows: ReceivedMaRow[];
}

export type ReceivedMaSummary = Omit<ReceivedMaFile, 'rows' | 'errors' | 'warnings'> & {
  id: number;
  rowCount: number;
};
export type ReceivedMaDetail = Omit<ReceivedMaFile, 'rows'> & { id: number; rowCount: number };

export interface ReceivedMaRepository {
  /** Idempotent on sha256 of the file content: the same file received twice returns the first id with duplicate=true and writes nothing. Rows are inserted in batches inside one transaction. */
  record(file: ReceivedMaFile): Promise<{ id: number; duplicate: boolean }>;
  get(id: number): Promise<ReceivedMaDetail | undefined>;
  /** Ordered by id (arrival order). */
  list(opts?: { userId?: string }): Promise<ReceivedMaSummary[]>;
  /** Ordered by line; [] for an unknown id. */
  rows(id: number): Promise<ReceivedMaRow[]>;
}

// The repositories the domain needs (ports) are declared in src/core; the store implements them.
export { MIGRATION_FILE_TYPES, type MigrationFileType } from '../core/schema/file-names.js';
export type { CounterKey, StoredCounterRepository } from '../core/authentication/stored-counters.js';
export type { IncidentRecord, IncidentRepository } from '../core/incidents/repository.js';
import type { StoredCounterRepository } from '../core/authentication/stored-counters.js';
import type { IncidentRepository } from '../core/incidents/repository.js';
import type { PlanningRepository } from '../core/planning/repository.js';
export type {
  PlanningRecord,
  PlanningRecordInput,
  PlanningRecordKind,
  PlanningRepository,
} from '../core/planning/repository.js';

export interface MigrationState {
  name: string;
  executedAt: Date | null;
}

export interface Store {
  readonly kind: 'sqlite' | 'postgres';
  readonly receivedMas: ReceivedMaRepository;
  readonly counters: StoredCounterRepository;
  readonly incidents: IncidentRepository;
  /** The MCC's planning records (TMAD 4.5–4.11). */
  readonly planning: PlanningRepository;
  /** Where the data lives: the SQLite file path, or the PostgreSQL URL with the password masked (+ schema). */
  readonly location: string;
  /** Migrations this open applied (empty when the schema was already current). */
  readonly migrationsAppliedOnOpen: readonly string[];
  /** Every known migration, with when it was applied (null = pending). */
  migrationStatus(): Promise<MigrationState[]>;
  /** Row counts per table (the schema must be current). */
  stats(): Promise<StoreStats>;
  close(): Promise<void>;
}

export interface StoreStats {
  receivedMas: number;
  receivedMaRows: number;
  storedCounters: number;
  incidents: number;
}

export interface OpenStoreOptions {
  /** postgres://… or postgresql://… (PostgreSQL), sqlite:<path> or sqlite::memory: (SQLite). Default: S1MIG_DATABASE_URL. */
  url?: string;
  /** SQLite directory when no URL is given (default ./data, created if missing). */
  dataDir?: string;
  /** PostgreSQL schema (created if missing; search_path on every pooled connection). Default: S1MIG_PG_SCHEMA, else the server's search_path. */
  pgSchema?: string;
  /** Apply pending migrations on open (default true). */
  migrate?: boolean;
  /** PostgreSQL pool size (default 10). */
  poolSize?: number;
  /**
   * SQLite: how long a statement waits for another connection's write lock before failing with
   * "database is locked", in ms. Default: S1MIG_DB_BUSY_TIMEOUT_MS, else DEFAULT_BUSY_TIMEOUT_MS (60 s).
   */
  busyTimeoutMs?: number;
}
