// TMAD 5.9.5-5.9.9: the accepted files of each Authenticator, written in the same transaction as the
// Stored Counter (src/core/authentication/accepted-files.ts is the port).
import type { Kysely } from 'kysely';
import type { Codec } from '../codec.js';
import type { Database } from '../schema.js';
import { storedCounterRepository } from './counters.js';
import type { AcceptedFile, AcceptedFileRepository, AuthenticationVerdict } from '../types.js';
import { MIGRATION_FILE_TYPES, type MigrationFileType } from '../types.js';

function checkSha256(sha256: string): string {
  if (!/^[0-9a-fA-F]{64}$/.test(sha256)) throw new TypeError(`sha256 must be 64 hex digits, got "${sha256}"`);
  return sha256.toLowerCase();
}

async function insert(db: Kysely<Database>, c: Codec, f: AcceptedFile): Promise<void> {
  if (!MIGRATION_FILE_TYPES.includes(f.fileType))
    throw new TypeError(`unknown file type ${String(f.fileType)}`);
  await db
    .insertInto('accepted_file')
    .values({
      authenticator: f.authenticator,
      sha256: checkSha256(f.sha256),
      file_type: f.fileType,
      counter: c.counter(f.counter),
      party_id: f.partyId,
      file_name: f.fileName,
      accepted_at: c.date(f.acceptedAt),
      verdict: c.json(f.verdict),
    })
    .execute();
}

export function acceptedFileRepository(db: Kysely<Database>, c: Codec): AcceptedFileRepository {
  return {
    async find(authenticator, sha256) {
      const r = await db
        .selectFrom('accepted_file')
        .selectAll()
        .where('authenticator', '=', authenticator)
        .where('sha256', '=', checkSha256(sha256))
        .executeTakeFirst();
      if (!r) return undefined;
      return {
        authenticator: r.authenticator,
        sha256: r.sha256,
        fileType: r.file_type as MigrationFileType,
        counter: c.readCounter(r.counter),
        partyId: r.party_id,
        fileName: r.file_name,
        acceptedAt: c.readDate(r.accepted_at),
        verdict: c.readJson(r.verdict) as AuthenticationVerdict,
      };
    },

    // One transaction on one connection: the counters are read and written through `trx` (using
    // `db` inside would wait on SQLite's single connection).
    transaction(work) {
      return db.transaction().execute((trx) =>
        work({
          counters: storedCounterRepository(trx, c),
          recordAccepted: (f) => insert(trx, c, f),
        }),
      );
    },
  };
}
