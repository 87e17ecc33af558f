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
  /**
   * The rows: an array, or batches read as they are stored (a stream of a large MA, issue #10); then
   * rowCount must be given and the batches must add up to it.
   */
  rows: ReceivedMaRow[] | AsyncIterable<ReceivedMaRow[]>;
  /** The number of rows (default rows.length). */
  rowCount?: number;
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
export type {
  AcceptedFile,
  AcceptedFileRepository,
  AcceptanceTransaction,
} from '../core/authentication/accepted-files.js';
export type { AuthenticationVerdict } from '../core/authentication/authenticator.js';
import type { AcceptedFileRepository } from '../core/authentication/accepted-files.js';
import type { StoredCounterRepository } from '../core/authentication/stored-counters.js';
import type { IncidentRepository } from '../core/incidents/repository.js';
import type { ReferenceRepository } from './repositories/reference.js';
export type {
  ReferenceImportResult,
  ReferenceRepository,
  StoredReferenceRow,
} from './repositories/reference.js';

// ---- SMSO inventory and sealed key material (migration 005) ----------------------------------------
import type { SmsoInstallation } from '../core/formats/smso/inventory.js';
export type { SmsoInstallation };

/** An installation of an SMSO's inventory as stored. */
export interface StoredSmsoInstallation extends SmsoInstallation {
  smso: string;
  importedAt: Date;
  sourceFile: string;
  /** Whether sealed key material is held for it. */
  hasKeyMaterial: boolean;
}

export interface SmsoInstallationSummary {
  chfDeviceId: string;
  mpan: string | null;
  mprn: string | null;
  esmeStatus: string | null;
  gsmeStatus: string | null;
  lastWanContactAt: string | null;
  unsolicitedHalfHourlyData: boolean;
  deviceCount: number;
  hasKeyMaterial: boolean;
}

/**
 * Sealed key material to store with an SMSO's installations: by CHF Device ID, or streamed in batches
 * (with the set of CHF Device IDs they will name, known before the first batch). A batch source that
 * throws makes the whole import write nothing.
 */
export type SealedKeyMaterialInput =
  | ReadonlyMap<string, string>
  | {
      chfs: ReadonlySet<string>;
      batches: AsyncIterable<ReadonlyArray<readonly [string, string]>>;
    };

export interface SmsoRepository {
  /**
   * Store (or replace, by CHF Device ID) installations of one SMSO in one transaction, with the sealed
   * key material given for some of them (an installation without new key material keeps what it has,
   * unless its devices changed: then the old key material is deleted). Returns the counts written.
   */
  putInstallations(
    smso: string,
    installations: readonly SmsoInstallation[],
    sealedKeys: SealedKeyMaterialInput,
    opts: { importedAt: Date; sourceFile: string },
  ): Promise<{ installations: number; keyMaterial: number; keyMaterialDeleted: number }>;
  /** Ordered by CHF Device ID. */
  list(smso: string, opts?: { limit?: number; offset?: number }): Promise<SmsoInstallationSummary[]>;
  count(smso: string): Promise<number>;
  get(smso: string, chfDeviceId: string): Promise<StoredSmsoInstallation | undefined>;
  /** Several at once (absent ones are missing from the map). */
  getMany(smso: string, chfDeviceIds: readonly string[]): Promise<Map<string, StoredSmsoInstallation>>;
  /** The sealed key material of these installations (absent ones are missing from the map). */
  sealedKeyMaterial(smso: string, chfDeviceIds: readonly string[]): Promise<Map<string, string>>;
  /** Delete key material (TMAD 11: keys deletable); returns how many installations had some. */
  deleteKeyMaterial(smso: string, chfDeviceIds: readonly string[]): Promise<number>;
  /** Delete installations with their devices and key material; returns how many existed. */
  deleteInstallations(smso: string, chfDeviceIds: readonly string[]): Promise<number>;
}
import type { PlanningRepository } from '../core/planning/repository.js';
import type {
  DormantNoticeRepository,
  DormantResponseRepository,
} from '../core/formats/dormant/repository.js';
export type {
  DormantNoticeRecordInput,
  DormantNoticeRepository,
  StoredDormantNotice,
  DormantResponseEntry,
  DormantResponseRepository,
  StoredDormantResponse,
} from '../core/formats/dormant/repository.js';
export type {
  PlanningRecord,
  PlanningRecordInput,
  PlanningRecordKind,
  PlanningRepository,
} from '../core/planning/repository.js';

import type { RpOutcomeRepository } from './repositories/rp-outcomes.js';
import type { S1spRepository } from './repositories/s1sp.js';
export type {
  S1spFileSet,
  S1spHeldFile,
  S1spHeldFileEffects,
  S1spHeldFileType,
  S1spInstallationRecord,
  S1spInstallationState,
  S1spMcfSummary,
  S1spRepository,
  S1spSetKey,
  S1spSetState,
} from './repositories/s1sp.js';
import type { S1spKeyRepository } from './repositories/s1sp-keys.js';
export type {
  S1spKeyInstallation,
  S1spKeyName,
  S1spKeyRepository,
  S1spKeyRow,
} from './repositories/s1sp-keys.js';
import type { WeekRepository } from './repositories/week.js';
export type { RpFileType, RpOutcomeRecord, RpOutcomeRepository } from './repositories/rp-outcomes.js';
import type { DcoRepository } from './repositories/dco.js';
export type {
  DcoFileSetRecord,
  DcoInstallationKey,
  DcoInstallationRecord,
  DcoRepository,
  DcoSetFileType,
  DcoSetKey,
  DcoSetState,
} from './repositories/dco.js';
import type { StopRequestRepository } from './repositories/stop-requests.js';
export type {
  StopRequestInput,
  StopRequestRepository,
  StoredStopRequest,
} from './repositories/stop-requests.js';
import type {
  CommissioningPartyRepository,
  SmartMeteringInventoryPort,
} from '../core/commissioning-requests/index.js';

export interface MigrationState {
  name: string;
  executedAt: Date | null;
}

export interface Store {
  readonly kind: 'sqlite' | 'postgres';
  readonly receivedMas: ReceivedMaRepository;
  readonly counters: StoredCounterRepository;
  readonly incidents: IncidentRepository;
  readonly smso: SmsoRepository;
  /** The reference-data registries (issue #11) and the ReferenceData read interface. */
  readonly reference: ReferenceRepository;
  /** TMAD 5.9.5-5.9.9: accepted files, recorded in the same transaction as their Stored Counter. */
  readonly acceptedFiles: AcceptedFileRepository;
  /** The MCC's planning records (TMAD 4.5–4.11). */
  readonly planning: PlanningRepository;
  /** Responses to the Dormant Meter Migration Schedule (TMAD 4.32, 4.32A). */
  readonly dormantResponses: DormantResponseRepository;
  /** The dormant notices sent and re-sent after a change of supplier (TMAD 4.29, 4.30; migration 010). */
  readonly dormantNotices: DormantNoticeRepository;
  /** The Requesting Party's per-installation outcomes and its MCF/MGF/MEF counters (TMAD 5.6; migration 007). */
  readonly rpOutcomes: RpOutcomeRepository;
  /** The DCO's file sets, installations and sealed key material (TMAD 5.15-5.21, 12.10.1; migration 011). */
  readonly dco: DcoRepository;
  /** The Responsible Suppliers' stop requests (TMAD 4.23, 4.23A; migration 009). */
  readonly stopRequests: StopRequestRepository;
  /** The Commissioning Party's held MCFs, installations, outcomes and counters (migration 014, TMAD 6). */
  readonly commissioningParty: CommissioningPartyRepository;
  /** The DCC's Smart Metering Inventory for Commissioning Requests (`smi` registry + migration 014). */
  readonly smartMeteringInventory: SmartMeteringInventoryPort;
  /** The S1SP's file sets, held files, sealed group information, outcomes and SCF counter (TMAD 5.22-5.28; migration 012). */
  readonly s1sp: S1spRepository;
  /** The S1SP's commissioning key store, sealed values only (TMAD 5.27, 12.10.2, 15.10.2; migration 013). */
  readonly s1spKeys: S1spKeyRepository;
  /** The durable Migration Week (migration 015; docs/WEEK.md). */
  readonly week: WeekRepository;
  /** Where the data lives: the SQLite file path, or the PostgreSQL URL with the password masked (+ schema). */
  readonly location: string;
  /** Migrations this open applied (empty when the schema was already current). */
  readonly migrationsAppliedOnOpen: readonly string[];
  /** Every known migration, with when it was applied (null = pending). */
  migrationStatus(): Promise<MigrationState[]>;
  /** Row counts per table (the schema must be current). */
  stats(): Promise<StoreStats>;
  /**
   * Run `fn` with its writes synced at the next fully synced commit instead of each at its own:
   * durable against a killed process at once, and against a power loss once a later commit outside
   * `fn` (the week engine's job commit) returns. SQLite: WAL with synchronous = NORMAL inside `fn`
   * (the log stays a consistent prefix); PostgreSQL: unchanged. For work that is repeated anyway when
   * its job's commit is lost (docs/WEEK.md).
   */
  deferredSync<T>(fn: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export interface StoreStats {
  receivedMas: number;
  receivedMaRows: number;
  storedCounters: number;
  incidents: number;
  acceptedFiles: number;
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
