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
  /**
   * Record one response file's rows as `fill` produces them, in batches, in one transaction: `fill` is
   * given `insert` (undefined when the same bytes were recorded before: a duplicate, nothing added) and
   * returns whether to commit; false rolls back every batch (nothing recorded).
   */
  recordStream(
    receipt: DormantResponseReceipt,
    fill: (
      insert: ((entries: readonly DormantResponseEntry[]) => Promise<void>) | undefined,
    ) => Promise<boolean>,
  ): Promise<{ recorded: number; duplicate: boolean; committed: boolean }>;
  /** The response in force for an installation: its latest on-time row, else its latest late one. */
  inForce(migrationWeek: string, chfDeviceId: string): Promise<StoredDormantResponse | undefined>;
  /** Every row for a Migration Week, in the order recorded. */
  list(migrationWeek: string): Promise<StoredDormantResponse[]>;
  /**
   * The week's rows that count (TMAD 4.29, 4.30, 4.32): like `list`, but after a change of Responsible
   * Supplier and the re-notification of the new one (the week's notice records), a response of the
   * supplier that was replaced no longer counts for the meters it no longer answers for (their
   * certificate columns dropped; the row dropped when it answers for none). Installations without a
   * re-notification: every row, as `list`.
   */
  listInForce(migrationWeek: string): Promise<StoredDormantResponse[]>;
}

// ---------------------------------------------------------------------------------------------------
// The notices sent (TMAD 4.29, 4.30; migration 010): which supplier was told about which installation

/** The meters of an installation a supplier is notified for: E the ESME (MPAN), G the GSME (MPRN). */
export type DormantSide = 'E' | 'G';

export interface DormantNoticeRecordInput {
  migrationWeek: string;
  kind: 'firmware' | 'schedule';
  smso: string;
  chfDeviceId: string;
  mpan: string | null;
  mprn: string | null;
  /** The supplier notified (the SEC Party Signifier of the file's header). */
  partySignifier: string;
  /** The meters it is notified for as Responsible Supplier; G also when the gas supplier is deemed notified through it. */
  sides: DormantSide[];
  /** TMAD 4.29/4.30: the affiliated gas supplier deemed notified through this (electricity) supplier. */
  deemedGasSupplier: string | null;
  /** The installation's GroupIDs at the time (Group Device Model Combination List); null when none known. */
  groupIds: string[] | null;
  /** The body row sent (MAM Table 7.3.2 / 7.4.2 column → value). */
  row: Record<string, string>;
  /** The file sent; null when no file was needed (the supplier had been told before, or is deemed told). */
  fileName: string | null;
  /** A re-notification after a change of Responsible Supplier (TMAD 4.29, 4.30 last sentence). */
  renotification: boolean;
  /** The supplier(s) the sides were assigned to before (a re-notification), comma-separated. */
  replaces: string | null;
  note: string | null;
  sentAt: Date;
}

export interface StoredDormantNotice extends DormantNoticeRecordInput {
  id: number;
}

export interface DormantNoticeRepository {
  /**
   * Record notices in one transaction. A supplier is sent at most one file per installation, kind and
   * week: a row naming a file for a (week, kind, installation, supplier) that already has one is left
   * out (counted in `skipped`).
   */
  record(entries: readonly DormantNoticeRecordInput[]): Promise<{ recorded: number; skipped: number }>;
  /** Every record of a Migration Week, in the order recorded. */
  list(migrationWeek: string): Promise<StoredDormantNotice[]>;
}

/** The meter a certificate column belongs to (MAM Table 7.4.2): ESME columns E, GPF and GSME columns G. */
export function sideOfCertificateColumn(column: string): DormantSide {
  return column.startsWith('ESME ') ? 'E' : 'G';
}

/**
 * Who answers for each meter of each installation after the notices and re-notifications recorded
 * (schedule notices only, in the order recorded), and which sides each supplier has lost to another.
 */
export function noticeAssignments(
  notices: Iterable<Pick<StoredDormantNotice, 'id' | 'kind' | 'chfDeviceId' | 'partySignifier' | 'sides'>>,
): Map<string, { current: Map<DormantSide, string>; lost: Map<string, Set<DormantSide>> }> {
  const out = new Map<string, { current: Map<DormantSide, string>; lost: Map<string, Set<DormantSide>> }>();
  const sorted = [...notices].filter((n) => n.kind === 'schedule').sort((a, b) => a.id - b.id);
  for (const n of sorted) {
    const a = out.get(n.chfDeviceId) ?? { current: new Map(), lost: new Map() };
    out.set(n.chfDeviceId, a);
    for (const s of n.sides) a.current.set(s, n.partySignifier);
  }
  // A supplier that was ever assigned a side and is not its current one has lost it.
  for (const n of sorted) {
    const a = out.get(n.chfDeviceId)!;
    for (const s of n.sides)
      if (a.current.get(s) !== n.partySignifier) {
        const l = a.lost.get(n.partySignifier) ?? new Set<DormantSide>();
        l.add(s);
        a.lost.set(n.partySignifier, l);
      }
  }
  return out;
}

/**
 * TMAD 4.29/4.30/4.32 after a change of Responsible Supplier: the responses that still count. A row of
 * a supplier that lost a meter to a new Responsible Supplier keeps only the certificate columns of the
 * meters it still answers for; a row of a supplier that answers for none is dropped. Other rows as given.
 */
export function responsesInForce<
  T extends Pick<DormantResponseEntry, 'chfDeviceId' | 'partySignifier' | 'certificates'>,
>(
  responses: readonly T[],
  notices: Iterable<Pick<StoredDormantNotice, 'id' | 'kind' | 'chfDeviceId' | 'partySignifier' | 'sides'>>,
): T[] {
  const assignments = noticeAssignments(notices);
  const out: T[] = [];
  for (const r of responses) {
    const a = assignments.get(r.chfDeviceId);
    const lost = a?.lost.get(r.partySignifier);
    if (!a || !lost || lost.size === 0) {
      out.push(r);
      continue;
    }
    const still = new Set([...a.current].filter(([, p]) => p === r.partySignifier).map(([s]) => s));
    if (still.size === 0) continue; // answers for no meter of it any more
    const certificates = Object.fromEntries(
      Object.entries(r.certificates).filter(([k]) => {
        const s = sideOfCertificateColumn(k);
        return still.has(s) || !lost.has(s);
      }),
    );
    out.push({ ...r, certificates });
  }
  return out;
}
