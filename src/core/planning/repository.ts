// The planning records the MCC keeps (the port; src/store implements it). Append-only: an upload
// is never overwritten, so a later (or late) file cannot lose one already accepted (TMAD 4.8(a);
// Guide 4.5.2 "only the latest version will be used", "anything received after the cut-off will be
// ignored").
import type { PlanningProblem, PlanningRow } from './files.js';

export type PlanningRecordKind =
  'forecast' | 'demand' | 'commitment' | 'commitment-report' | 'forecast-report';

export interface PlanningRecordInput {
  kind: PlanningRecordKind;
  /** The Responsible Supplier (null for the DCC's aggregate reports). */
  supplierId: string | null;
  /** The Monday of the Migration Week, or YYYY-MM for forecasts. */
  period: string;
  fileName: string;
  sha256: string;
  /** When the file was received (forecast, demand) or issued (commitment, reports). */
  at: Date;
  /** At or before its deadline. */
  onTime: boolean;
  /** accepted/rejected for received files; issued/deemed for commitments; issued for reports. */
  outcome: 'accepted' | 'rejected' | 'issued' | 'deemed';
  problems: PlanningProblem[];
  rows: PlanningRow[];
  details: Record<string, unknown>;
}

export interface PlanningRecord extends PlanningRecordInput {
  id: number;
}

export interface PlanningRepository {
  record(r: PlanningRecordInput): Promise<number>;
  /** Ordered by id (arrival order). */
  list(q: { kind?: PlanningRecordKind; period?: string; supplierId?: string }): Promise<PlanningRecord[]>;
  /** Every Supplier ID that has sent or been sent a planning file, sorted. */
  suppliers(): Promise<string[]>;
}
