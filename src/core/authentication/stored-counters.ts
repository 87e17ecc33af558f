// TMAD 5.7 / Table 5.7: the Stored Counters an Authenticator keeps for the anti-replay steps of
// Table 5.9 (5.9.5-5.9.9). The store (src/store) implements this port on SQLite and PostgreSQL.
import type { MigrationFileType } from '../schema/file-names.js';

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
