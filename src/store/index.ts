// The storage layer: one interface, two engines (embedded SQLite by default, PostgreSQL when a
// postgres:// URL is configured) sharing one Kysely query path and one set of versioned migrations,
// applied on open. See codec.ts for how values are encoded per engine.
import fs from 'node:fs';
import path from 'node:path';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql, type MigrationResult } from 'kysely';
import { codecFor, type StoreKind } from './codec.js';
import { InCodeMigrationProvider, migrationsFor } from './migrations/index.js';
import { receivedMaRepository } from './repositories/received-ma.js';
import { storedCounterRepository } from './repositories/counters.js';
import { incidentRepository } from './repositories/incidents.js';
import { smsoRepository } from './repositories/smso.js';
import { referenceRepository } from './repositories/reference.js';
import { acceptedFileRepository } from './repositories/accepted-files.js';
import { planningRepository } from './repositories/planning.js';
import { dormantNoticeRepository, dormantResponseRepository } from './repositories/dormant-responses.js';
import { rpOutcomeRepository } from './repositories/rp-outcomes.js';
import { dcoRepository } from './repositories/dco.js';
import { stopRequestRepository } from './repositories/stop-requests.js';
import { commissioningPartyRepository, smartMeteringInventory } from './repositories/commissioning.js';
import { s1spRepository } from './repositories/s1sp.js';
import { s1spKeyRepository } from './repositories/s1sp-keys.js';
import { weekRepository } from './repositories/week.js';
import type { Database } from './schema.js';
import type { MigrationState, OpenStoreOptions, Store, StoreStats } from './types.js';
import { configuration } from '../config.js';

export * from './types.js';
export type * from './repositories/week.js';
export { COUNTER_MAX, checkCounter, type StoreKind } from './codec.js';
export { DEFAULT_COUNTER_WINDOW_DAYS } from './repositories/counters.js';
export { REFERENCE_BATCH } from './repositories/reference.js';

export const SQLITE_FILE_NAME = 's1mig.sqlite';
/**
 * SQLite busy timeout: a command waits this long for another process's write lock (e.g. `ma open`
 * storing a large MA) instead of failing with "database is locked". Override: S1MIG_DB_BUSY_TIMEOUT_MS.
 */
export const DEFAULT_BUSY_TIMEOUT_MS = 60_000;
const MIGRATION_TABLE = 's1mig_migration';
const MIGRATION_LOCK_TABLE = 's1mig_migration_lock';

/** A store that cannot be opened: bad configuration, unreachable server, failed migration. */
export class StoreError extends Error {
  override name = 'StoreError';
}

export type StoreLocation =
  | { kind: 'sqlite'; file: string } // file ':memory:' for an in-memory database
  | { kind: 'postgres'; url: string; schema: string | undefined };

/** Where openStore(opts) would put the data, without opening anything. */
export function resolveStoreLocation(opts: OpenStoreOptions = {}): StoreLocation {
  const url = (opts.url ?? configuration().databaseUrl ?? '').trim();
  if (url === '') return { kind: 'sqlite', file: path.resolve(opts.dataDir ?? './data', SQLITE_FILE_NAME) };
  if (/^postgres(ql)?:\/\//i.test(url)) {
    const schema = opts.pgSchema ?? configuration().pgSchema;
    if (schema !== undefined && !/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(schema))
      throw new StoreError(`PostgreSQL schema name "${schema}" must be letters, digits and _ (max 63)`);
    return { kind: 'postgres', url, schema };
  }
  if (/^sqlite:/i.test(url)) {
    const rest = url.slice('sqlite:'.length).replace(/^\/\//, '');
    if (rest === '')
      throw new StoreError('sqlite: URL needs a path (sqlite:./data/s1mig.sqlite or sqlite::memory:)');
    return { kind: 'sqlite', file: rest === ':memory:' ? ':memory:' : path.resolve(rest) };
  }
  throw new StoreError(
    `unsupported database URL "${redactUrl(url)}": expected postgres://… or postgresql://… (or sqlite:<path>)`,
  );
}

/** Parameter names whose values are secrets (password=, sslpassword=, passfile is a path: kept). */
const SECRET_PARAM =
  /((?:^|[?&;\s])[a-z_]*(?:password|passwd|pwd|secret|token)[a-z_]*\s*=\s*)('(?:[^'\\]|\\.)*'|[^&;\s#]*)/gi;

/**
 * The URL with every password replaced by ***: the one in user:pass@ (up to the last '@', so an '@'
 * in the password cannot leak its rest) and any password=/sslpassword= parameter, in a URL query
 * (?password=, &password=) or a key=value connection string. Over-redacts rather than leaks.
 */
export function redactUrl(url: string): string {
  let s = url;
  const m = /^([a-z][a-z0-9+.-]*:\/\/)([\s\S]*)$/i.exec(s);
  if (m) {
    const rest = m[2]!;
    const at = rest.lastIndexOf('@');
    const colon = at === -1 ? -1 : rest.slice(0, at).indexOf(':');
    if (colon !== -1) s = `${m[1]}${rest.slice(0, colon + 1)}***${rest.slice(at)}`;
  }
  return s.replace(SECRET_PARAM, '$1***');
}

/** The secrets of a URL (password in user:pass@ and password parameters), raw and percent-decoded. */
function urlSecrets(url: string): string[] {
  const out: string[] = [];
  const m = /^[a-z][a-z0-9+.-]*:\/\/([\s\S]*)$/i.exec(url);
  if (m) {
    const rest = m[1]!;
    const at = rest.lastIndexOf('@');
    const colon = at === -1 ? -1 : rest.slice(0, at).indexOf(':');
    if (colon !== -1) out.push(rest.slice(colon + 1, at));
  }
  for (const p of url.matchAll(SECRET_PARAM)) out.push(p[2]!.replace(/^'|'$/g, ''));
  const all = out.flatMap((x) => {
    try {
      return [x, decodeURIComponent(x)];
    } catch {
      return [x];
    }
  });
  return [...new Set(all)].filter((x) => x.length > 0);
}

/** A message (e.g. a driver's error) with the URL's secrets replaced by ***. */
export function redactSecrets(message: string, url: string): string {
  let s = message;
  for (const secret of urlSecrets(url)) s = s.split(secret).join('***');
  return s;
}

export function describeLocation(loc: StoreLocation): string {
  return loc.kind === 'sqlite'
    ? loc.file
    : `${redactUrl(loc.url)}${loc.schema ? ` (schema ${loc.schema})` : ''}`;
}

export async function openStore(opts: OpenStoreOptions = {}): Promise<Store> {
  const loc = resolveStoreLocation(opts);
  const kind: StoreKind = loc.kind;
  const db =
    loc.kind === 'sqlite'
      ? await openSqlite(loc.file, busyTimeout(opts))
      : await openPostgres(loc, opts.poolSize ?? 10);
  try {
    const migrator = newMigrator(db, kind, loc);
    let applied: string[] = [];
    if (opts.migrate !== false) applied = await migrateWithRetry(migrator, describeLocation(loc));
    const c = codecFor(kind);
    let closed = false;
    const conn = sqliteConnections.get(db);
    let deferred = 0;
    return {
      kind,
      location: describeLocation(loc),
      migrationsAppliedOnOpen: applied,
      receivedMas: receivedMaRepository(db, c),
      counters: storedCounterRepository(db, c),
      incidents: incidentRepository(db, c),
      smso: smsoRepository(db, c),
      reference: referenceRepository(db, c),
      acceptedFiles: acceptedFileRepository(db, c),
      planning: planningRepository(db, c),
      dormantResponses: dormantResponseRepository(db, c),
      dormantNotices: dormantNoticeRepository(db, c),
      rpOutcomes: rpOutcomeRepository(db, c),
      dco: dcoRepository(db, c),
      stopRequests: stopRequestRepository(db, c),
      commissioningParty: commissioningPartyRepository(db, c),
      smartMeteringInventory: smartMeteringInventory(db, referenceRepository(db, c)),
      s1sp: s1spRepository(db, c),
      s1spKeys: s1spKeyRepository(db, c),
      week: weekRepository(db, c),
      migrationStatus: () => migrationStatus(migrator, kind),
      stats: () => stats(db),
      async deferredSync(fn) {
        if (!conn) return fn();
        if (deferred++ === 0) conn.pragma('synchronous = NORMAL');
        try {
          return await fn();
        } finally {
          if (--deferred === 0 && conn.open) conn.pragma('synchronous = FULL');
        }
      },
      async close() {
        if (closed) return;
        closed = true;
        await db.destroy();
      },
    };
  } catch (err) {
    await db.destroy().catch(() => undefined);
    throw err;
  }
}

function busyTimeout(opts: OpenStoreOptions): number {
  if (opts.busyTimeoutMs !== undefined) return opts.busyTimeoutMs;
  const env = configuration().dbBusyTimeoutMs;
  if (env === undefined || env.trim() === '') return DEFAULT_BUSY_TIMEOUT_MS;
  const n = Number(env);
  if (!/^\s*[0-9]+\s*$/.test(env) || !Number.isSafeInteger(n))
    throw new StoreError(`S1MIG_DB_BUSY_TIMEOUT_MS '${env}': expected a whole number of milliseconds`);
  return n;
}

/** SQLite connections by Kysely instance, for pragmas outside a query (deferredSync). */
const sqliteConnections = new WeakMap<Kysely<Database>, import('better-sqlite3').Database>();

async function openSqlite(file: string, busyTimeoutMs: number): Promise<Kysely<Database>> {
  const { default: SQLite } = await import('better-sqlite3');
  if (file !== ':memory:') fs.mkdirSync(path.dirname(file), { recursive: true });
  let conn: InstanceType<typeof SQLite> | undefined;
  try {
    conn = new SQLite(file);
    // The first statement reads the file: one that is not SQLite fails here ("file is not a database").
    conn.pragma('journal_mode = WAL'); // readers never block the writer
    conn.pragma('synchronous = FULL'); // an accepted anti-replay counter survives power loss
    conn.pragma('foreign_keys = ON');
    // Another process holding the write lock: wait (up to busyTimeoutMs), don't fail.
    conn.pragma(`busy_timeout = ${busyTimeoutMs}`);
  } catch (err) {
    conn?.close();
    throw new StoreError(`cannot open SQLite database ${file}: ${(err as Error).message}`);
  }
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: cachingStatements(conn) }) });
  sqliteConnections.set(db, conn);
  return db;
}

/** Prepared statements kept per SQL text (most recent first, at most this many). */
const STATEMENT_CACHE_SIZE = 256;

/**
 * The connection as Kysely sees it, preparing each SQL text once: Kysely prepares every query it runs,
 * and a per-installation look-up spent more time in `prepare` than in SQLite. A statement still being
 * iterated (a streamed query) is busy: the same text then gets a fresh, uncached statement.
 */
function cachingStatements(conn: import('better-sqlite3').Database): {
  close(): void;
  prepare(sql: string): import('better-sqlite3').Statement;
} {
  const cache = new Map<string, import('better-sqlite3').Statement>();
  return {
    close: () => {
      cache.clear();
      conn.close();
    },
    prepare(sql) {
      const hit = cache.get(sql);
      if (hit && !hit.busy) {
        cache.delete(sql);
        cache.set(sql, hit);
        return hit;
      }
      const stmt = conn.prepare(sql);
      if (!hit) {
        cache.set(sql, stmt);
        if (cache.size > STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value!);
      }
      return stmt;
    },
  };
}

async function openPostgres(
  loc: Extract<StoreLocation, { kind: 'postgres' }>,
  poolSize: number,
): Promise<Kysely<Database>> {
  const { default: pg } = await import('pg');
  const pool = new pg.Pool({
    connectionString: loc.url,
    max: poolSize,
    connectionTimeoutMillis: 10_000,
    // search_path is a startup parameter of every pooled connection: no race with the first query.
    ...(loc.schema ? { options: `-c search_path=${loc.schema}` } : {}),
  });
  pool.on('error', () => undefined); // an idle client's connection dropped: the pool replaces it
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  try {
    await sql`select 1`.execute(db);
    if (loc.schema) {
      try {
        await sql`create schema if not exists ${sql.id(loc.schema)}`.execute(db);
      } catch (err) {
        // two processes creating it at once: the loser sees a unique violation; the schema exists.
        const code = (err as { code?: string }).code;
        if (code !== '23505' && code !== '42P06') throw err;
      }
    }
  } catch (err) {
    await db.destroy().catch(() => undefined);
    throw new StoreError(
      `cannot connect to PostgreSQL at ${describeLocation(loc)}: ${redactSecrets((err as Error).message, loc.url)}`,
    );
  }
  return db;
}

function newMigrator(db: Kysely<Database>, kind: StoreKind, loc: StoreLocation): Migrator {
  return new Migrator({
    db,
    provider: new InCodeMigrationProvider(kind),
    migrationTableName: MIGRATION_TABLE,
    migrationLockTableName: MIGRATION_LOCK_TABLE,
    // Migration numbers are assigned per piece of work, and one may land after a higher one has
    // shipped (010 after 011-015): apply a missing lower-numbered migration instead of refusing.
    allowUnorderedMigrations: true,
    ...(loc.kind === 'postgres' && loc.schema ? { migrationTableSchema: loc.schema } : {}),
  });
}

// Two processes opening a fresh SQLite file at once: the loser of the write lock gets SQLITE_BUSY
// (Kysely's SQLite migration lock is per connection). Retry; the second attempt finds nothing to do.
// (On PostgreSQL the Migrator holds an advisory lock, so concurrent openers simply wait.)
async function migrateWithRetry(migrator: Migrator, where: string): Promise<string[]> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await migrate(migrator, where);
    } catch (err) {
      if (attempt >= 5 || !/SQLITE_BUSY|database is locked|already exists/i.test((err as Error).message))
        throw err;
      await new Promise((r) => setTimeout(r, 50 * attempt));
    }
  }
}

async function migrate(migrator: Migrator, where: string): Promise<string[]> {
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = (results ?? []).find((r: MigrationResult) => r.status === 'Error');
    throw new StoreError(
      // eslint-disable-next-line @typescript-eslint/no-base-to-string -- a non-Error failure is shown as String() gives it
      `migration ${failed?.migrationName ?? ''} failed on ${where}: ${(error as Error)?.message ?? String(error)}`,
    );
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

async function migrationStatus(migrator: Migrator, kind: StoreKind): Promise<MigrationState[]> {
  const infos = await migrator.getMigrations();
  const known = new Set(Object.keys(migrationsFor(kind)));
  return infos
    .filter((m) => known.has(m.name))
    .map((m) => ({ name: m.name, executedAt: m.executedAt ?? null }));
}

async function stats(db: Kysely<Database>): Promise<StoreStats> {
  // countAll() is a number on SQLite and a string (int8) on PostgreSQL: Number() both.
  const count = async (table: keyof Database): Promise<number> =>
    Number(
      (
        await db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  return {
    receivedMas: await count('received_ma'), // incomplete receipts included (a storage statistic)
    receivedMaRows: await count('received_ma_row'),
    storedCounters: (await count('stored_counter')) + (await count('stored_counter_latest')),
    incidents: await count('incident'),
    acceptedFiles: await count('accepted_file'),
  };
}

/** Names of every migration this version of s1mig knows, in order. */
export function knownMigrations(): string[] {
  return Object.keys(migrationsFor('sqlite')).sort();
}
