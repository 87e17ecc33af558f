// The store port for the Responsible Suppliers' responses to the Dormant Meter Migration Schedule
// (TMAD 4.32, MAM 6): the priority flag and Certificate IDs per installation, kept for the Requesting
// Party's TMAD 4.32A gate. Append-only: a later response adds rows, never overwrites accepted ones; the
// latest on-time row of an installation is the one in force.

export interface DormantResponseEntry {
  migrationWeek: string;
  /** SEC Party Signifier of the responding supplier (header line 2, first value). */
  partySignifier: string;
  chfDeviceId: string;
  mpan: string | null;
  mprn: string | null;
  priority: boolean;
  /** MAM Table 7.4.2 certificate columns given (column name → value); empty ones left out. */
  certificates: Record<string, string>;
}

export interface DormantResponseReceipt {
  fileName: string;
  sha256: string;
  receivedAt: Date;
  /** By 10:00 on the Thursday of the week before the Migration Week (MAM 6). */
  onTime: boolean;
}

export interface StoredDormantResponse extends DormantResponseEntry, DormantResponseReceipt {
  id: number;
}

export interface DormantResponseRepository {
  /** Record every row of one response file in one transaction; the same bytes again are a duplicate (nothing added). */
  record(
    receipt: DormantResponseReceipt,
    entries: readonly DormantResponseEntry[],
  ): Promise<{ recorded: number; duplicate: boolean }>;
  /** The response in force for an installation: its latest on-time row, else its latest late one. */
  inForce(migrationWeek: string, chfDeviceId: string): Promise<StoredDormantResponse | undefined>;
  /** Every row for a Migration Week, in the order recorded. */
  list(migrationWeek: string): Promise<StoredDormantResponse[]>;
}
