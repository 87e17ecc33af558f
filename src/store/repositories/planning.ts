// The MCC's planning records (TMAD 4.5–4.11): the PlanningRepository port of src/core/planning.
import type { Kysely } from 'kysely';
import type { Codec } from '../codec.js';
import type { Database } from '../schema.js';
import type { PlanningRecord, PlanningRepository } from '../../core/planning/repository.js';

export function planningRepository(db: Kysely<Database>, c: Codec): PlanningRepository {
  return {
    async record(r) {
      const row = await db
        .insertInto('planning_record')
        .values({
          kind: r.kind,
          supplier_id: r.supplierId,
          period: r.period,
          file_name: r.fileName,
          sha256: r.sha256,
          at: c.date(r.at),
          on_time: c.bool(r.onTime),
          outcome: r.outcome,
          problems: c.json(r.problems),
          rows: c.json(r.rows),
          details: c.json(r.details),
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      return c.readInt(row.id);
    },

    async list(q) {
      let s = db.selectFrom('planning_record').selectAll().orderBy('id');
      if (q.kind !== undefined) s = s.where('kind', '=', q.kind);
      if (q.period !== undefined) s = s.where('period', '=', q.period);
      if (q.supplierId !== undefined) s = s.where('supplier_id', '=', q.supplierId);
      return (await s.execute()).map((r): PlanningRecord => ({
        id: c.readInt(r.id),
        kind: r.kind as PlanningRecord['kind'],
        supplierId: r.supplier_id,
        period: r.period,
        fileName: r.file_name,
        sha256: r.sha256,
        at: c.readDate(r.at),
        onTime: c.readBool(r.on_time),
        outcome: r.outcome as PlanningRecord['outcome'],
        problems: c.readJson(r.problems) as PlanningRecord['problems'],
        rows: c.readJson(r.rows) as PlanningRecord['rows'],
        details: c.readJson(r.details) as PlanningRecord['details'],
      }));
    },

    async suppliers() {
      const rows = await db
        .selectFrom('planning_record')
        .select('supplier_id')
        .distinct()
        .where('supplier_id', 'is not', null)
        .orderBy('supplier_id')
        .execute();
      return rows.map((r) => r.supplier_id!).sort();
    },
  };
}
