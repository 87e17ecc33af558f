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

// TMAD 5.7 / Table 5.7 stored counters, used by the Table 5.9 authenticator (steps 5.9.5-5.9.9).
export type MigrationFileType = 'MCF' | 'MGF' | 'MEF' | 'MVF' | 'SCF' | 'COF';
export const MIGRATION_FILE_TYPES: readonly MigrationFileType[] = ['MCF', 'MGF', 'MEF', 'MVF', 'SCF', 'COF'];

export interface CounterKey {
  /** Who holds the stored counter (the Authenticator: DCO, S1SP, Commissioning Party ...). */
  authenticator: string;
  /** RequestingPartyID / S1SPID / Commissioning Party ID that created the file. */
  partyId: string;
  fileType: MigrationFileType;
}

export interface StoredCounterRepository {
  /** General column: accept iff no equal counter is stored for this key with storedAt within the last windowDays (default 60) before now; on accept store (counter, now). Atomic. */
  acceptIfUnseen(key: CounterKey, counter: bigint, now: Date, windowDays?: number): Promise<boolean>;
  /** S1SP column: accept iff no counter stored or counter > the stored one; on accept set it. Atomic. */
  acceptIfGreater(key: CounterKey, counter: bigint, now: Date): Promise<boolean>;
  /** Stored counters for the key, both columns, ordered by storedAt then counter. */
  list(key: CounterKey): Promise<Array<{ counter: bigint; storedAt: Date }>>;
}

export interface IncidentRecord {
  id: number;
  category: 1 | 2 | 3 | 4 | 5;
  kind: string;
  summary: string;
  fileName: string | null;
  step: string | null;
  party: string;
  raisedAt: Date;
  targetResponseBy: Date;
  targetResolutionBy: Date;
  assignee: 'DCC' | 'ResponsibleSupplier' | null;
  details: unknown;
}

export interface IncidentRepository {
  raise(incident: Omit<IncidentRecord, 'id'>): Promise<number>;
  /** Ordered by raisedAt then id; `since` is inclusive. */
  list(opts?: { party?: string; since?: Date }): Promise<IncidentRecord[]>;
}

export interface MigrationState {
  name: string;
  executedAt: Date | null;
}

export interface Store {
  readonly kind: 'sqlite' | 'postgres';
  readonly receivedMas: ReceivedMaRepository;
  readonly counters: StoredCounterRepository;
  readonly incidents: IncidentRepository;
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
}
