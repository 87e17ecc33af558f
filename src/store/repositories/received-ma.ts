// MAs received by the DCC (MAM 7.2): one header row per distinct file content (sha256), its rows.
//
// SQLite has one write lock per database: a receipt of 1,000,000 rows written in one transaction held
// it for ~80 s, and a concurrent `file authenticate` (TMAD 5.9) failed with "database is locked". On
// SQLite the rows are therefore written in short transactions of MA_ROW_TX_BATCH rows, under a header
// whose status is 'storing', flipped to 'complete' after the last row; readers only see complete
// receipts, and an incomplete one (left by a crash) is removed when the same content is received
// again. On PostgreSQL (row locks, no database-wide write lock) a receipt is one transaction.
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Codec } from '../codec.js';
import type { Database, ReceivedMaRowTable } from '../schema.js';
import type {
  ReceivedMaDetail,
  ReceivedMaFile,
  ReceivedMaRepository,
  ReceivedMaRow,
  ReceivedMaSummary,
} from '../types.js';

/** Rows per multi-row INSERT on SQLite: 8 parameters each, well under SQLite's 32,766. */
export const MA_ROW_BATCH = 2000;
/** Rows per INSERT ... SELECT FROM unnest(arrays) on PostgreSQL (8 array parameters per statement). */
export const MA_ROW_BATCH_PG = 5000;
/** SQLite: rows per write transaction (other writers get the lock between two of them). */
export const MA_ROW_TX_BATCH = 10_000;
/**
 * SQLite: pause between two row transactions, in ms. A process waiting for the lock retries every
 * 100 ms at most (SQLite's busy handler), so a pause longer than that lets it in; without a pause the
 * lock is free only for microseconds and a waiter would starve until the whole MA is stored.
 */
export const MA_ROW_TX_PAUSE_MS = 120;
/**
 * SQLite: a 'storing' receipt whose heartbeat is older than this is left by a crash and is replaced;
 * a younger one is another process storing the same content, waited for (then a duplicate).
 */
export const MA_STORING_STALE_MS = 120_000;

/** The received_ma values of a receipt (status excluded). */
function headerValues(file: ReceivedMaFile, sha256: string, c: Codec) {
  return {
    file_name: file.fileName,
    sha256,
    user_id: file.userId,
    smso_code: file.smsoCode,
    commissioned_by_dcc: file.commissionedByDcc === null ? null : c.bool(file.commissionedByDcc),
    received_at: c.date(file.receivedAt),
    outcome: file.outcome,
    errors: c.json(file.errors ?? []),
    warnings: c.json(file.warnings ?? []),
    row_count: rowCountOf(file),
  };
}

function rowCountOf(file: ReceivedMaFile): number {
  if (Array.isArray(file.rows)) return file.rowCount ?? file.rows.length;
  if (file.rowCount === undefined) throw new TypeError('rowCount must be given when rows are streamed');
  return file.rowCount;
}

/**
 * The rows in batches of at most `size`, from an array or a stream of batches (split, never gathered:
 * memory holds one batch); throws if the stream does not add up to the row count of the header row.
 */
async function* batchesOf(file: ReceivedMaFile, size: number): AsyncGenerator<ReceivedMaRow[]> {
  const rows = file.rows;
  if (Array.isArray(rows)) {
    for (let i = 0; i < rows.length; i += size) yield rows.slice(i, i + size);
    return;
  }
  const expected = rowCountOf(file);
  let seen = 0;
  for await (const batch of rows) {
    seen += batch.length;
    for (let i = 0; i < batch.length; i += size)
      yield batch.length <= size ? batch : batch.slice(i, i + size);
  }
  if (seen !== expected)
    throw new Error(`received MA rows: ${seen} streamed but the receipt declares ${expected}`);
}

/** SQLite: fn in a BEGIN IMMEDIATE transaction (takes the write lock first, waiting per busy_timeout,
 * so a read followed by a write can never fail on a snapshot another writer made stale). */
async function immediate<T>(db: Kysely<Database>, fn: (trx: Kysely<Database>) => Promise<T>): Promise<T> {
  return db.connection().execute(async (conn) => {
    await sql`begin immediate`.execute(conn);
    try {
      const out = await fn(conn);
      await sql`commit`.execute(conn);
      return out;
    } catch (err) {
      await sql`rollback`.execute(conn).catch(() => undefined);
      throw err;
    }
  });
}

async function recordSqlite(
  db: Kysely<Database>,
  file: ReceivedMaFile,
  sha256: string,
  c: Codec,
): Promise<{ id: number; duplicate: boolean }> {
  let head: { id: number; duplicate: boolean } | 'wait';
  for (;;) {
    head = await immediate(db, async (trx) => {
      const existing = await trx
        .selectFrom('received_ma')
        .select(['id', 'status', 'heartbeat_at'])
        .where('sha256', '=', sha256)
        .executeTakeFirst();
      if (existing?.status === 'complete') return { id: c.readInt(existing.id), duplicate: true };
      if (existing) {
        const beat = existing.heartbeat_at === null ? 0 : c.readDate(existing.heartbeat_at).getTime();
        // Another process is storing the same content: wait for it (idempotent receipt).
        if (Date.now() - beat < MA_STORING_STALE_MS) return 'wait' as const;
        // An incomplete receipt of the same content (a crash while storing): replaced.
        await trx.deleteFrom('received_ma_row').where('ma_id', '=', existing.id).execute();
        await trx.deleteFrom('received_ma').where('id', '=', existing.id).execute();
      }
      const inserted = await trx
        .insertInto('received_ma')
        .values({ ...headerValues(file, sha256, c), status: 'storing', heartbeat_at: c.date(new Date()) })
        .returning('id')
        .executeTakeFirstOrThrow();
      return { id: c.readInt(inserted.id), duplicate: false };
    });
    if (head !== 'wait') break;
    await new Promise((r) => setTimeout(r, 50));
  }
  if (head.duplicate) return head;
  const id = head.id;
  try {
    // Each transaction takes batches until it holds MA_ROW_TX_BATCH rows. With streamed rows the
    // transaction also spans reading them (a fraction of a second per 10,000 rows), but memory holds one
    // batch of MA_ROW_BATCH, not the transaction's rows.
    const batches = batchesOf(file, MA_ROW_BATCH)[Symbol.asyncIterator]();
    let next = await batches.next();
    let first = true;
    while (!next.done) {
      if (!first) await new Promise((r) => setTimeout(r, MA_ROW_TX_PAUSE_MS));
      first = false;
      await immediate(db, async (trx) => {
        let n = 0;
        while (!next.done && n < MA_ROW_TX_BATCH) {
          await insertRows(trx, id, next.value, c);
          n += next.value.length;
          next = await batches.next();
        }
        await trx
          .updateTable('received_ma')
          .set({ heartbeat_at: c.date(new Date()) })
          .where('id', '=', id)
          .execute();
      });
    }
    const done = await immediate(db, (trx) =>
      trx
        .updateTable('received_ma')
        .set({ status: 'complete', heartbeat_at: null })
        .where('id', '=', id)
        .where('status', '=', 'storing')
        .executeTakeFirst(),
    );
    if (Number(done.numUpdatedRows) !== 1)
      throw new Error(`received MA ${id} was replaced by another receipt of the same content while storing`);
  } catch (err) {
    // Best effort: leave no incomplete receipt behind (a retry would replace it anyway).
    await immediate(db, async (trx) => {
      await trx.deleteFrom('received_ma_row').where('ma_id', '=', id).execute();
      await trx.deleteFrom('received_ma').where('id', '=', id).where('status', '=', 'storing').execute();
    }).catch(() => undefined);
    throw err;
  }
  return { id, duplicate: false };
}

export function receivedMaRepository(db: Kysely<Database>, c: Codec): ReceivedMaRepository {
  return {
    async record(file: ReceivedMaFile) {
      const sha256 = file.sha256.toLowerCase();
      if (!/^[0-9a-f]{64}$/.test(sha256))
        throw new TypeError(`sha256 must be 64 hex digits, got "${file.sha256}"`);
      if (file.outcome !== 'accepted' && file.outcome !== 'rejected')
        throw new TypeError(`outcome must be accepted or rejected, got "${String(file.outcome)}"`);
      if (c.kind !== 'postgres') return recordSqlite(db, file, sha256, c);
      return db.transaction().execute(async (trx) => {
        // ON CONFLICT DO NOTHING makes concurrent receipts of the same content safe on PostgreSQL:
        // the second waits for the first to commit, then finds its row.
        const inserted = await trx
          .insertInto('received_ma')
          .values(headerValues(file, sha256, c))
          .onConflict((oc) => oc.column('sha256').doNothing())
          .returning('id')
          .executeTakeFirst();
        if (!inserted) {
          const existing = await trx
            .selectFrom('received_ma')
            .select('id')
            .where('sha256', '=', sha256)
            .executeTakeFirstOrThrow();
          return { id: c.readInt(existing.id), duplicate: true };
        }
        const id = c.readInt(inserted.id);
        for await (const part of batchesOf(file, MA_ROW_BATCH_PG)) await insertRowsPg(trx, id, part, c);
        return { id, duplicate: false };
      });
    },

    async get(id: number): Promise<ReceivedMaDetail | undefined> {
      const r = await db
        .selectFrom('received_ma')
        .selectAll()
        .where('id', '=', id)
        .where('status', '=', 'complete')
        .executeTakeFirst();
      if (!r) return undefined;
      return {
        ...summary(r, c),
        errors: c.readJson(r.errors) as unknown[],
        warnings: c.readJson(r.warnings) as unknown[],
      };
    },

    async list(opts = {}): Promise<ReceivedMaSummary[]> {
      let q = db
        .selectFrom('received_ma')
        .select([
          'id',
          'file_name',
          'sha256',
          'user_id',
          'smso_code',
          'commissioned_by_dcc',
          'received_at',
          'outcome',
          'row_count',
        ])
        .where('status', '=', 'complete')
        .orderBy('id');
      if (opts.userId !== undefined) q = q.where('user_id', '=', opts.userId);
      return (await q.execute()).map((r) => summary(r, c));
    },

    async rows(id: number): Promise<ReceivedMaRow[]> {
      const rs = await db
        .selectFrom('received_ma_row')
        .selectAll()
        .where('ma_id', '=', id)
        // Only the rows of a complete receipt (MAM 7.2: never half an MA).
        .where((eb) =>
          eb.exists(
            eb.selectFrom('received_ma').select('id').where('id', '=', id).where('status', '=', 'complete'),
          ),
        )
        .orderBy('line')
        .execute();
      return rs.map((r) => ({
        line: c.readInt(r.line),
        mpan: r.mpan,
        mprn: r.mprn,
        migrationWeek: r.migration_week,
        migrateOn: r.migrate_on,
        priority: c.readBool(r.priority),
        fields: c.readJson(r.fields) as Record<string, string>,
      }));
    },
  };
}

async function insertRows(trx: Kysely<Database>, id: number, rows: ReceivedMaRow[], c: Codec): Promise<void> {
  for (let i = 0; i < rows.length; i += MA_ROW_BATCH) {
    const batch: ReceivedMaRowTable[] = [];
    const end = Math.min(i + MA_ROW_BATCH, rows.length);
    for (let j = i; j < end; j++) {
      const r = rows[j]!;
      batch.push({
        ma_id: id,
        line: r.line,
        mpan: r.mpan,
        mprn: r.mprn,
        migration_week: r.migrationWeek,
        migrate_on: r.migrateOn,
        priority: c.bool(r.priority),
        fields: c.json(r.fields ?? {}),
      });
    }
    await trx.insertInto('received_ma_row').values(batch).execute();
  }
}

// PostgreSQL only: the same rows as column arrays through unnest(), measured ~1.0 s per 100,000 rows
// against ~2.8 s for multi-row INSERT (each value a bind parameter) on this machine.
async function insertRowsPg(
  trx: Transaction<Database>,
  id: number,
  rows: ReceivedMaRow[],
  c: Codec,
): Promise<void> {
  for (let i = 0; i < rows.length; i += MA_ROW_BATCH_PG) {
    const b = rows.slice(i, i + MA_ROW_BATCH_PG);
    await sql`insert into received_ma_row (ma_id, line, mpan, mprn, migration_week, migrate_on, priority, fields)
      select ${id}::bigint, * from unnest(
        ${b.map((r) => r.line)}::int[], ${b.map((r) => r.mpan)}::text[], ${b.map((r) => r.mprn)}::text[],
        ${b.map((r) => r.migrationWeek)}::text[], ${b.map((r) => r.migrateOn)}::text[],
        ${b.map((r) => c.bool(r.priority))}::boolean[], ${b.map((r) => c.json(r.fields ?? {}))}::json[])`.execute(
      trx,
    );
  }
}

function summary(
  r: {
    id: number;
    file_name: string;
    sha256: string;
    user_id: string;
    smso_code: string | null;
    commissioned_by_dcc: unknown;
    received_at: unknown;
    outcome: string;
    row_count: number;
  },
  c: Codec,
): ReceivedMaSummary {
  return {
    id: c.readInt(r.id),
    fileName: r.file_name,
    sha256: r.sha256,
    userId: r.user_id,
    smsoCode: r.smso_code,
    commissionedByDcc: r.commissioned_by_dcc === null ? null : c.readBool(r.commissioned_by_dcc),
    receivedAt: c.readDate(r.received_at),
    outcome: r.outcome as 'accepted' | 'rejected',
    rowCount: c.readInt(r.row_count),
  };
}
