// Incidents raised by any party (TMAD 5.9 / 5.10 failures, Incident Management Policy categories 1-5).
import type { Kysely } from 'kysely';
import { isIncidentCategory } from '../../core/incidents/index.js';
import type { Codec } from '../codec.js';
import type { Database } from '../schema.js';
import type { IncidentRecord, IncidentRepository } from '../types.js';

export function incidentRepository(db: Kysely<Database>, c: Codec): IncidentRepository {
  return {
    async raise(i) {
      if (!isIncidentCategory(i.category))
        throw new RangeError(`incident category must be 1-5, got ${String(i.category)}`);
      if (i.assignee !== null && i.assignee !== 'DCC' && i.assignee !== 'ResponsibleSupplier')
        throw new TypeError(`bad assignee ${String(i.assignee)}`);
      const r = await db
        .insertInto('incident')
        .values({
          category: i.category,
          kind: i.kind,
          summary: i.summary,
          file_name: i.fileName,
          step: i.step,
          party: i.party,
          raised_at: c.date(i.raisedAt),
          target_response_by: c.date(i.targetResponseBy),
          target_resolution_by: c.date(i.targetResolutionBy),
          assignee: i.assignee,
          details: c.json(i.details ?? null),
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      return c.readInt(r.id);
    },

    async list(opts = {}) {
      let q = db.selectFrom('incident').selectAll().orderBy('raised_at').orderBy('id');
      if (opts.party !== undefined) q = q.where('party', '=', opts.party);
      if (opts.since !== undefined) q = q.where('raised_at', '>=', c.date(opts.since));
      return (await q.execute()).map((r): IncidentRecord => ({
        id: c.readInt(r.id),
        category: c.readInt(r.category) as IncidentRecord['category'],
        kind: r.kind,
        summary: r.summary,
        fileName: r.file_name,
        step: r.step,
        party: r.party,
        raisedAt: c.readDate(r.raised_at),
        targetResponseBy: c.readDate(r.target_response_by),
        targetResolutionBy: c.readDate(r.target_resolution_by),
        assignee: r.assignee as IncidentRecord['assignee'],
        details: c.readJson(r.details),
      }));
    },
  };
}
