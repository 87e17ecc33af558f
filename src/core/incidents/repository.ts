// Where Incidents (TMAD 3.5) are recorded. The store (src/store) implements this port.
import type { IncidentAssignee } from './index.js';
export interface IncidentRecord {
  id: number;
  category: 1 | 2 | 3 | 4 | 5;
  kind: string;
  summary: string;
  fileName: string | null;
  step: string | null;
  party: string;
  raisedAt: Date;
  targetResponseBy: Date;
  targetResolutionBy: Date;
  /** TMAD 3.5(c): who carries out the resolution activities. */
  assignee: IncidentAssignee | null;
  details: unknown;
}

export interface IncidentRepository {
  raise(incident: Omit<IncidentRecord, 'id'>): Promise<number>;
  /** Ordered by raisedAt then id; `since` is inclusive. */
  list(opts?: { party?: string; since?: Date }): Promise<IncidentRecord[]>;
}
