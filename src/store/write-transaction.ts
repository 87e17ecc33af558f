// One write transaction on either engine: SQLite takes the write lock at BEGIN (BEGIN IMMEDIATE, so two
// processes never read the same value and both write it); PostgreSQL a transaction whose SELECT ...
// FOR UPDATE locks the row. Used for counters that must never repeat (TMAD 5.6).
import { sql, type Kysely } from 'kysely';
import type { Codec } from './codec.js';
import type { Database } from './schema.js';

export async function inWriteTransaction<T>(
  db: Kysely<Database>,
  c: Codec,
  fn: (trx: Kysely<Database>) => Promise<T>,
): Promise<T> {
  if (c.kind === 'postgres') return db.transaction().execute(fn);
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
