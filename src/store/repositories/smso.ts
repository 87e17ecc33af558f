// The SMSO inventory (TMAD 4.21) and its sealed key material (TMAD 11), per SMSO code. The repository
// stores sealed strings as given: sealing and opening belong to the SMSO (src/smso/), so that no key byte
// ever reaches this layer.
import type { Kysely, Transaction } from 'kysely';
import type { Codec } from '../codec.js';
import type { Database } from '../schema.js';
import type { SmsoInstallationSummary, SmsoRepository, StoredSmsoInstallation } from '../types.js';
import type { MeterStatus, SmsoDevice, SmsoInstallation } from '../../core/formats/smso/inventory.js';
import type { DeviceType } from '../../core/ids/reference.js';

const BATCH = 400;
const seconds = (d: Date): string => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

function chunks<T>(xs: readonly T[], n = BATCH): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += n) out.push(xs.slice(i, i + n));
  return out;
}

/** A fingerprint of an installation's devices: key material is kept only while it is unchanged. */
function deviceSet(devices: ReadonlyArray<{ deviceType: string; deviceId: string }>): string {
  return devices
    .map((d) => `${d.deviceType}:${d.deviceId}`)
    .sort()
    .join(',');
}

export function smsoRepository(db: Kysely<Database>, c: Codec): SmsoRepository {
  const dateOrNull = (s: string | null): string | Date | null => (s === null ? null : c.date(new Date(s)));
  const readSeconds = (v: unknown): string | null =>
    v === null || v === undefined ? null : seconds(c.readDate(v));

  async function existingDeviceSets(
    trx: Transaction<Database>,
    smso: string,
    ids: readonly string[],
  ): Promise<Map<string, string>> {
    const rows: Array<{ chf_device_id: string; device_type: string; device_id: string }> = [];
    for (const part of chunks(ids))
      rows.push(
        ...(await trx
          .selectFrom('smso_device')
          .select(['chf_device_id', 'device_type', 'device_id'])
          .where('smso', '=', smso)
          .where('chf_device_id', 'in', part)
          .execute()),
      );
    const by = new Map<string, Array<{ deviceType: string; deviceId: string }>>();
    for (const r of rows) {
      const l = by.get(r.chf_device_id) ?? [];
      l.push({ deviceType: r.device_type, deviceId: r.device_id });
      by.set(r.chf_device_id, l);
    }
    return new Map([...by].map(([k, v]) => [k, deviceSet(v)]));
  }

  const repo: SmsoRepository = {
    async putInstallations(smso, installations, sealedKeys, opts) {
      const ids = installations.map((i) => i.chfDeviceId);
      const streamed = 'batches' in sealedKeys;
      const keyChfs: ReadonlySet<string> | ReadonlyMap<string, string> = streamed
        ? sealedKeys.chfs
        : sealedKeys;
      const keyBatches: AsyncIterable<ReadonlyArray<readonly [string, string]>> = streamed
        ? sealedKeys.batches
        : (async function* () {
            yield* chunks([...sealedKeys]);
          })();
      return db.transaction().execute(async (trx) => {
        const before = await existingDeviceSets(trx, smso, ids);
        // Key material of an installation whose devices changed no longer fits it: delete it.
        const stale = installations
          .filter((i) => before.has(i.chfDeviceId) && before.get(i.chfDeviceId) !== deviceSet(i.devices))
          .map((i) => i.chfDeviceId)
          .filter((id) => !keyChfs.has(id));
        let keyMaterialDeleted = 0;
        for (const part of chunks(stale)) {
          const r = await trx
            .deleteFrom('smso_key_material')
            .where('smso', '=', smso)
            .where('chf_device_id', 'in', part)
            .executeTakeFirst();
          keyMaterialDeleted += Number(r.numDeletedRows);
        }
        for (const part of chunks(ids)) {
          await trx
            .deleteFrom('smso_device')
            .where('smso', '=', smso)
            .where('chf_device_id', 'in', part)
            .execute();
          await trx
            .deleteFrom('smso_installation')
            .where('smso', '=', smso)
            .where('chf_device_id', 'in', part)
            .execute();
        }
        // A device moved from another installation of this SMSO: its old row goes with the move.
        const deviceIds = installations.flatMap((i) => i.devices.map((d) => d.deviceId));
        for (const part of chunks(deviceIds))
          await trx
            .deleteFrom('smso_device')
            .where('smso', '=', smso)
            .where('device_id', 'in', part)
            .execute();
        for (const part of chunks(installations))
          await trx
            .insertInto('smso_installation')
            .values(
              part.map((i) => ({
                smso,
                chf_device_id: i.chfDeviceId,
                mpan: i.mpan,
                mprn: i.mprn,
                last_wan_contact_at: dateOrNull(i.lastWanContactAt),
                unsolicited_hh_data: c.bool(i.unsolicitedHalfHourlyData),
                imported_at: c.date(opts.importedAt),
                source_file: opts.sourceFile,
              })),
            )
            .execute();
        const deviceRows = installations.flatMap((i) =>
          i.devices.map((d, ordinal) => ({
            smso,
            chf_device_id: i.chfDeviceId,
            ordinal,
            device_type: d.deviceType,
            device_id: d.deviceId,
            manufacturer: d.manufacturer,
            model: d.model,
            firmware_version: d.firmwareVersion,
            serial_number: d.serialNumber,
            status: d.status,
            han_joined_at: dateOrNull(d.hanJoinedAt),
          })),
        );
        for (const part of chunks(deviceRows)) await trx.insertInto('smso_device').values(part).execute();
        // The key material last, one batch at a time (a batch source reads and seals as it goes).
        let keyMaterial = 0;
        for await (const batch of keyBatches)
          for (const part of chunks(batch)) {
            const keyRows = part.map(([chf, sealed]) => ({
              smso,
              chf_device_id: chf,
              sealed,
              stored_at: c.date(opts.importedAt),
            }));
            await trx
              .deleteFrom('smso_key_material')
              .where('smso', '=', smso)
              .where(
                'chf_device_id',
                'in',
                keyRows.map((k) => k.chf_device_id),
              )
              .execute();
            await trx.insertInto('smso_key_material').values(keyRows).execute();
            keyMaterial += keyRows.length;
          }
        return { installations: installations.length, keyMaterial, keyMaterialDeleted };
      });
    },

    async list(smso, opts = {}) {
      let q = db
        .selectFrom('smso_installation as i')
        .leftJoin('smso_key_material as k', (j) =>
          j.onRef('k.smso', '=', 'i.smso').onRef('k.chf_device_id', '=', 'i.chf_device_id'),
        )
        .select([
          'i.chf_device_id',
          'i.mpan',
          'i.mprn',
          'i.last_wan_contact_at',
          'i.unsolicited_hh_data',
          'k.chf_device_id as key_chf',
        ])
        .where('i.smso', '=', smso)
        .orderBy('i.chf_device_id');
      if (opts.limit !== undefined) q = q.limit(opts.limit);
      if (opts.offset !== undefined) q = q.offset(opts.offset).limit(opts.limit ?? Number.MAX_SAFE_INTEGER);
      const rows = await q.execute();
      const ids = rows.map((r) => r.chf_device_id);
      const devs: Array<{ chf_device_id: string; device_type: string; status: string | null }> = [];
      for (const part of chunks(ids))
        devs.push(
          ...(await db
            .selectFrom('smso_device')
            .select(['chf_device_id', 'device_type', 'status'])
            .where('smso', '=', smso)
            .where('chf_device_id', 'in', part)
            .execute()),
        );
      const by = new Map<string, typeof devs>();
      for (const d of devs) by.set(d.chf_device_id, [...(by.get(d.chf_device_id) ?? []), d]);
      return rows.map((r): SmsoInstallationSummary => {
        const ds = by.get(r.chf_device_id) ?? [];
        return {
          chfDeviceId: r.chf_device_id,
          mpan: r.mpan,
          mprn: r.mprn,
          esmeStatus: ds.find((d) => d.device_type === 'ESME')?.status ?? null,
          gsmeStatus: ds.find((d) => d.device_type === 'GSME')?.status ?? null,
          lastWanContactAt: readSeconds(r.last_wan_contact_at),
          unsolicitedHalfHourlyData: c.readBool(r.unsolicited_hh_data),
          deviceCount: ds.length,
          hasKeyMaterial: r.key_chf !== null,
        };
      });
    },

    async count(smso) {
      const r = await db
        .selectFrom('smso_installation')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('smso', '=', smso)
        .executeTakeFirstOrThrow();
      return Number(r.n);
    },

    async get(smso, chf) {
      return (await repo.getMany(smso, [chf])).get(chf);
    },

    async getMany(smso, ids) {
      const out = new Map<string, StoredSmsoInstallation>();
      for (const part of chunks([...new Set(ids)])) {
        const insts = await db
          .selectFrom('smso_installation')
          .selectAll()
          .where('smso', '=', smso)
          .where('chf_device_id', 'in', part)
          .execute();
        if (insts.length === 0) continue;
        const found = insts.map((i) => i.chf_device_id);
        const devices = await db
          .selectFrom('smso_device')
          .selectAll()
          .where('smso', '=', smso)
          .where('chf_device_id', 'in', found)
          .orderBy('chf_device_id')
          .orderBy('ordinal')
          .execute();
        const keys = new Set(
          (
            await db
              .selectFrom('smso_key_material')
              .select('chf_device_id')
              .where('smso', '=', smso)
              .where('chf_device_id', 'in', found)
              .execute()
          ).map((k) => k.chf_device_id),
        );
        const byChf = new Map<string, SmsoDevice[]>();
        for (const d of devices) {
          const l = byChf.get(d.chf_device_id) ?? [];
          l.push({
            deviceType: d.device_type as DeviceType,
            deviceId: d.device_id,
            manufacturer: d.manufacturer,
            model: d.model,
            firmwareVersion: d.firmware_version,
            serialNumber: d.serial_number,
            status: d.status as MeterStatus | null,
            hanJoinedAt: readSeconds(d.han_joined_at),
          });
          byChf.set(d.chf_device_id, l);
        }
        for (const i of insts) {
          const inst: SmsoInstallation = {
            chfDeviceId: i.chf_device_id,
            mpan: i.mpan,
            mprn: i.mprn,
            lastWanContactAt: readSeconds(i.last_wan_contact_at),
            unsolicitedHalfHourlyData: c.readBool(i.unsolicited_hh_data),
            devices: byChf.get(i.chf_device_id) ?? [],
          };
          out.set(i.chf_device_id, {
            smso,
            ...inst,
            importedAt: c.readDate(i.imported_at),
            sourceFile: i.source_file,
            hasKeyMaterial: keys.has(i.chf_device_id),
          });
        }
      }
      return out;
    },

    async sealedKeyMaterial(smso, ids) {
      const out = new Map<string, string>();
      for (const part of chunks(ids))
        for (const r of await db
          .selectFrom('smso_key_material')
          .select(['chf_device_id', 'sealed'])
          .where('smso', '=', smso)
          .where('chf_device_id', 'in', part)
          .execute())
          out.set(r.chf_device_id, r.sealed);
      return out;
    },

    async deleteKeyMaterial(smso, ids) {
      let n = 0;
      for (const part of chunks(ids)) {
        const r = await db
          .deleteFrom('smso_key_material')
          .where('smso', '=', smso)
          .where('chf_device_id', 'in', part)
          .executeTakeFirst();
        n += Number(r.numDeletedRows);
      }
      return n;
    },

    async deleteInstallations(smso, ids) {
      return db.transaction().execute(async (trx) => {
        let n = 0;
        for (const part of chunks(ids)) {
          await trx
            .deleteFrom('smso_key_material')
            .where('smso', '=', smso)
            .where('chf_device_id', 'in', part)
            .execute();
          await trx
            .deleteFrom('smso_device')
            .where('smso', '=', smso)
            .where('chf_device_id', 'in', part)
            .execute();
          const r = await trx
            .deleteFrom('smso_installation')
            .where('smso', '=', smso)
            .where('chf_device_id', 'in', part)
            .executeTakeFirst();
          n += Number(r.numDeletedRows);
        }
        return n;
      });
    },
  };
  return repo;
}
