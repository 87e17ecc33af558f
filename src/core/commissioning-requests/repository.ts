// What the Commissioning Party keeps (TMAD 6.2-6.4): the Migration Common Files it holds (60 days or
// until SCFs covered all their installations), the state of each installation, the outcomes waiting
// for a Commissioning Outcome File (at most 60 minutes, 6.4) and its counters (COFCounter, Table 5.7;
// Originator Counters, Table 8.7.4). src/store implements this port on SQLite and PostgreSQL.
import type { FailedCheck } from '../formats/migration-files/types.js';

export interface HeldMcf {
  id: number;
  /** The Commissioning Party holding it (its Entity ID). */
  commissioningPartyId: string;
  requestingPartyId: string;
  mcfCounter: bigint;
  groupId: string;
  fileName: string;
  /** Where the held copy is. */
  heldPath: string;
  receivedAt: Date;
  installations: number;
  discardedAt: Date | null;
  discardReason: string | null;
}

/** awaiting-scf → commissioned (all requests answered; errors in the COF) | failed-in-scf | halted (8.6). */
export type CpInstallationState = 'awaiting-scf' | 'commissioned' | 'failed-in-scf' | 'halted';

export interface CpOutcome {
  id: number;
  mcfId: number;
  /** Installations of one COF share it: the MCF, the SCF's RequesterID parts and the Supplier Party (6.4). */
  batchKey: string;
  /** The Supplier Signifier of the SCF's file name (the COF's name, Table 10.2). */
  scfSupplierSignifier: string;
  scfReportingPartyId: string;
  /** The Supplier Party identified for the installation in the MCF (6.4(b)(ii)), or null. */
  supplierParty: string | null;
  chfDeviceId: string;
  failedChecks: FailedCheck[];
  decidedAt: Date;
  cofFile: string | null;
}

export interface CommissioningPartyRepository {
  /** TMAD 6.2: hold an authenticated MCF with the CHF Device IDs of its installations (one transaction). */
  holdMcf(
    mcf: Omit<HeldMcf, 'id' | 'discardedAt' | 'discardReason' | 'installations'>,
    chfDeviceIds: readonly string[],
  ): Promise<HeldMcf>;
  /** The held (not discarded) MCF with this Migration Header (6.3(a)). */
  findHeldMcf(
    commissioningPartyId: string,
    requestingPartyId: string,
    mcfCounter: bigint,
    groupId: string,
  ): Promise<HeldMcf | undefined>;
  listMcfs(opts?: { includeDiscarded?: boolean }): Promise<HeldMcf[]>;
  discardMcf(id: number, at: Date, reason: string): Promise<void>;
  /** The state of each of these CHFs in the MCF (absent: not an installation of the MCF). */
  installationStates(
    mcfId: number,
    chfDeviceIds: readonly string[],
  ): Promise<Map<string, CpInstallationState>>;
  setInstallationState(
    mcfId: number,
    chfDeviceId: string,
    state: CpInstallationState,
    at: Date,
    details?: unknown,
  ): Promise<void>;
  /** TMAD 8.6: the installations in a state (e.g. `halted`), with their details, oldest change first. */
  installationsInState(
    state: CpInstallationState,
  ): Promise<Array<{ mcfId: number; chfDeviceId: string; updatedAt: Date | null; details: unknown }>>;
  /** Installations per state of an MCF. */
  stateCounts(mcfId: number): Promise<Record<CpInstallationState, number>>;
  addOutcome(o: Omit<CpOutcome, 'id' | 'cofFile'>): Promise<number>;
  /** Outcomes not yet in a COF, oldest first. */
  pendingOutcomes(): Promise<CpOutcome[]>;
  /** Every outcome (in a COF or waiting), of one MCF or all, oldest first. */
  listOutcomes(mcfId?: number): Promise<CpOutcome[]>;
  markOutcomesSent(ids: readonly number[], cofFile: string): Promise<void>;
  /** The next value of a counter of this party (1 first; strictly increasing, never reused). */
  nextCounter(commissioningPartyId: string, name: string): Promise<bigint>;
}
