// TMAD 5.9.5-5.9.9 (Stored Counters) and TMAD 5.9 (a verdict is reported): the files an Authenticator
// has accepted, recorded in the SAME transaction as the Stored Counter their acceptance created or
// set. A process killed after that commit but before its verdict was printed loses nothing: the same
// bytes authenticated again return the original verdict, marked "already accepted", instead of being
// rejected as a replay of their own counter. A different file with the same counter is still a replay.
// The store (src/store) implements this port on SQLite and PostgreSQL.
import type { MigrationFileType } from '../schema/file-names.js';
import type { AuthenticationVerdict } from './authenticator.js';
import type { StoredCounterRepository } from './stored-counters.js';

/** One accepted file: the SHA-256 of its bytes, what it was, and the verdict given when it was accepted. */
export interface AcceptedFile {
  /** The Authenticator that accepted it (the same bytes are separate files for each Authenticator). */
  authenticator: string;
  /** SHA-256 of the file's bytes, 64 lower-case hex digits. */
  sha256: string;
  fileType: MigrationFileType;
  /** The counter whose Stored Counter its acceptance created or set (Table 5.7). */
  counter: bigint;
  /** The sender: RequestingPartyID / S1SPID / Commissioning Party ID (the counter's party). */
  partyId: string;
  fileName: string | null;
  acceptedAt: Date;
  /** The verdict as it was given. */
  verdict: AuthenticationVerdict;
}

/** The Stored Counters and the accepted-file record of one transaction. */
export interface AcceptanceTransaction {
  counters: StoredCounterRepository;
  /** Record the accepted file; fails (and so rolls the counter back) if the insert fails. */
  recordAccepted(file: AcceptedFile): Promise<void>;
}

export interface AcceptedFileRepository {
  /** The file `authenticator` accepted with these bytes, if any. */
  find(authenticator: string, sha256: string): Promise<AcceptedFile | undefined>;
  /**
   * Run `work` in one transaction: every counter it accepts and every file it records commit
   * together, or (when `work` throws) none of them does.
   */
  transaction<T>(work: (tx: AcceptanceTransaction) => Promise<T>): Promise<T>;
}
