// The SMSO inventory CSV (docs/SMSO.md): what a SMETS1 SMSO knows of each SMETS1 Installation it
// operates and the DCC relies on (TMAD 4.21(a)-(d)): Device IDs, device models and firmware, serial
// numbers (4.31(d), Table 11.3B), Active/Dormant per meter (TMAD 2, 4.21(b)), the MPAN/MPRN (4.21(c)),
// the last WAN contact with the CHF (5.12(c)), HAN join times (4.34A, 4.44A) and whether the devices push
// unsolicited half-hourly data (4.24A, 4.44B).
//
// One row per device; the installation is keyed by its CHF Device ID and its installation-level fields
// are on the CHF row. An installation may list several PPMIDs, IHDs and CADs (4.34A chooses the most
// recently joined one).
import { DEVICE_TYPES, isDeviceType, type DeviceType } from '../../ids/reference.js';
import { parseEui64 } from '../../ids/eui64.js';
import { parseMpan, parseMprn } from '../../ids/mpxn.js';
import { csvField } from '../ma/csv-line.js';
import { readCsvRecords, parseUtcSeconds, type CsvRecord, type SmsoCsvProblem } from './csv.js';

export const SMSO_INVENTORY_COLUMNS = [
  'chf_device_id',
  'device_type',
  'device_id',
  'manufacturer',
  'model',
  'firmware_version',
  'serial_number',
  'status',
  'han_joined_at',
  'last_wan_contact_at',
  'mpan',
  'mprn',
  'unsolicited_hh_data',
] as const;
export type SmsoInventoryColumn = (typeof SMSO_INVENTORY_COLUMNS)[number];

/** TMAD 2 "Active Meter" / "Dormant Meter" (and "Active GPF"). */
export type MeterStatus = 'Active' | 'Dormant';

export interface SmsoDevice {
  deviceType: DeviceType;
  /** EUI-64, canonical hyphenated upper case. */
  deviceId: string;
  manufacturer: string;
  model: string;
  firmwareVersion: string;
  serialNumber: string | null;
  /** ESME and GSME always; GPF when known; null for the others. */
  status: MeterStatus | null;
  /** `YYYY-MM-DDTHH:MM:SSZ`; null for the CHF and when unknown. */
  hanJoinedAt: string | null;
}

export interface SmsoInstallation {
  chfDeviceId: string;
  mpan: string | null;
  mprn: string | null;
  /** `YYYY-MM-DDTHH:MM:SSZ`, null when the SMSO has no record of contact. */
  lastWanContactAt: string | null;
  /** TMAD 4.24A / 4.44B: devices configured to push unsolicited half-hourly data. */
  unsolicitedHalfHourlyData: boolean;
  /** In file order; exactly one CHF. */
  devices: SmsoDevice[];
}

/** Rules behind the inventory checks (cited in every problem). */
export const INVENTORY_RULES = {
  deviceId: 'TMAD 2 Device ID (EUI-64); TMAD 4.21(a)',
  deviceType: 'TMAD 2 SMETS1 Installation (device types)',
  installation: 'TMAD 2 SMETS1 Installation',
  status: 'TMAD 2 Active Meter / Dormant Meter; TMAD 4.21(b)',
  mpan: 'TMAD 4.21(c); MPAN core check digit',
  mprn: 'TMAD 4.21(c); MAM Table 7.2.3 MPRN',
  hanJoin: 'TMAD 4.34A, 4.44A (most recently joined device)',
  wanContact: 'TMAD 5.12(c) (WAN contact with the CH)',
  halfHourly: 'TMAD 4.24A, 4.44B (unsolicited half-hourly data)',
  details: 'TMAD 5.8 DeviceDetail (manufacturer, model, firmware)',
} as const;

const STATUS_TYPES: readonly DeviceType[] = ['ESME', 'GSME'];
const OPTIONAL_STATUS_TYPES: readonly DeviceType[] = ['GPF'];
const SINGLE_TYPES: readonly DeviceType[] = ['CHF', 'ESME', 'GSME', 'GPF'];

export interface InventoryParseResult {
  installations: SmsoInstallation[];
  problems: SmsoCsvProblem[];
}

/** Parse and check a whole inventory file; every problem is reported, none thrown. */
export function parseSmsoInventoryCsv(text: string, file: string): InventoryParseResult {
  const problems: SmsoCsvProblem[] = [];
  const records = readCsvRecords(text, file, SMSO_INVENTORY_COLUMNS, problems);
  const bad = (r: CsvRecord, field: SmsoInventoryColumn, rule: string, message: string): void => {
    problems.push({ file, line: r.line, column: r.columns[field] ?? null, field, rule, message });
  };

  interface Pending {
    chfRow?: CsvRecord;
    inst: SmsoInstallation;
    rows: Array<{ r: CsvRecord; d: SmsoDevice }>;
  }
  const byChf = new Map<string, Pending>();
  const seenDevice = new Map<string, number>();

  for (const r of records) {
    const v = r.values as Record<SmsoInventoryColumn, string>;
    let ok = true;
    const chf = parseEui64(v.chf_device_id);
    if (!chf.ok || v.chf_device_id !== chf.value) {
      bad(
        r,
        'chf_device_id',
        INVENTORY_RULES.deviceId,
        chf.ok
          ? `'${v.chf_device_id}': expected the canonical form ${chf.value} (eight upper-case hex octets joined by hyphens)`
          : `${chf.error}, written as eight upper-case hex octets joined by hyphens`,
      );
      ok = false;
    }
    const id = parseEui64(v.device_id);
    if (!id.ok || v.device_id !== id.value) {
      bad(
        r,
        'device_id',
        INVENTORY_RULES.deviceId,
        id.ok
          ? `'${v.device_id}': expected the canonical form ${id.value} (eight upper-case hex octets joined by hyphens)`
          : `${id.error}, written as eight upper-case hex octets joined by hyphens`,
      );
      ok = false;
    }
    if (!isDeviceType(v.device_type)) {
      bad(
        r,
        'device_type',
        INVENTORY_RULES.deviceType,
        `'${v.device_type}': expected one of ${DEVICE_TYPES.join(', ')}`,
      );
      continue;
    }
    const type = v.device_type;
    if (id.ok && v.device_id === id.value) {
      const prev = seenDevice.get(v.device_id);
      if (prev !== undefined) {
        bad(
          r,
          'device_id',
          INVENTORY_RULES.deviceId,
          `Device ID ${v.device_id} is already listed on line ${prev}: expected each device once`,
        );
        ok = false;
      } else seenDevice.set(v.device_id, r.line);
    }
    if (type === 'CHF' && ok && v.device_id !== v.chf_device_id) {
      bad(
        r,
        'device_id',
        INVENTORY_RULES.installation,
        `a CHF row's device_id ${v.device_id} must equal its chf_device_id ${v.chf_device_id}`,
      );
      ok = false;
    }
    for (const f of ['manufacturer', 'model', 'firmware_version'] as const)
      if (v[f].trim() === '') {
        bad(r, f, INVENTORY_RULES.details, `empty: expected the device's ${f.replace('_', ' ')}`);
        ok = false;
      }
    // status
    let status: MeterStatus | null = null;
    if (STATUS_TYPES.includes(type) || (OPTIONAL_STATUS_TYPES.includes(type) && v.status !== '')) {
      if (v.status === 'Active' || v.status === 'Dormant') status = v.status;
      else {
        bad(
          r,
          'status',
          INVENTORY_RULES.status,
          `'${v.status}': expected Active or Dormant for a${type === 'ESME' ? 'n' : ''} ${type}`,
        );
        ok = false;
      }
    } else if (v.status !== '') {
      bad(
        r,
        'status',
        INVENTORY_RULES.status,
        `'${v.status}': expected empty (status is kept for ESME, GSME and GPF only)`,
      );
      ok = false;
    }
    // HAN join time
    let hanJoinedAt: string | null = null;
    if (v.han_joined_at !== '') {
      if (type === 'CHF') {
        bad(
          r,
          'han_joined_at',
          INVENTORY_RULES.hanJoin,
          `'${v.han_joined_at}': expected empty for the CHF (it forms the HAN)`,
        );
        ok = false;
      } else if (!parseUtcSeconds(v.han_joined_at)) {
        bad(
          r,
          'han_joined_at',
          INVENTORY_RULES.hanJoin,
          `'${v.han_joined_at}': expected a UTC time YYYY-MM-DDTHH:MM:SSZ or empty`,
        );
        ok = false;
      } else hanJoinedAt = v.han_joined_at;
    }
    // installation-level fields: CHF row only
    const instFields = ['last_wan_contact_at', 'mpan', 'mprn', 'unsolicited_hh_data'] as const;
    if (type !== 'CHF') {
      for (const f of instFields)
        if (v[f] !== '') {
          bad(
            r,
            f,
            INVENTORY_RULES.installation,
            `'${v[f]}': expected empty on a ${type} row (installation fields are on the CHF row)`,
          );
          ok = false;
        }
    }
    const device: SmsoDevice = {
      deviceType: type,
      deviceId: v.device_id,
      manufacturer: v.manufacturer,
      model: v.model,
      firmwareVersion: v.firmware_version,
      serialNumber: v.serial_number === '' ? null : v.serial_number,
      status,
      hanJoinedAt,
    };
    if (!chf.ok || v.chf_device_id !== chf.value) continue;
    let p = byChf.get(v.chf_device_id);
    if (!p) {
      p = {
        inst: {
          chfDeviceId: v.chf_device_id,
          mpan: null,
          mprn: null,
          lastWanContactAt: null,
          unsolicitedHalfHourlyData: false,
          devices: [],
        },
        rows: [],
      };
      byChf.set(v.chf_device_id, p);
    }
    if (type === 'CHF') {
      if (p.chfRow) {
        bad(
          r,
          'device_type',
          INVENTORY_RULES.installation,
          `a second CHF row for installation ${v.chf_device_id} (first on line ${p.chfRow.line}): expected one`,
        );
        continue;
      }
      p.chfRow = r;
      if (v.mpan !== '') {
        const m = parseMpan(v.mpan);
        if (m.ok) p.inst.mpan = v.mpan;
        else {
          bad(r, 'mpan', INVENTORY_RULES.mpan, `${m.error}`);
          ok = false;
        }
      }
      if (v.mprn !== '') {
        const m = parseMprn(v.mprn);
        if (m.ok) p.inst.mprn = v.mprn;
        else {
          bad(r, 'mprn', INVENTORY_RULES.mprn, `${m.error}`);
          ok = false;
        }
      }
      if (v.last_wan_contact_at !== '') {
        if (parseUtcSeconds(v.last_wan_contact_at)) p.inst.lastWanContactAt = v.last_wan_contact_at;
        else {
          bad(
            r,
            'last_wan_contact_at',
            INVENTORY_RULES.wanContact,
            `'${v.last_wan_contact_at}': expected a UTC time YYYY-MM-DDTHH:MM:SSZ or empty`,
          );
          ok = false;
        }
      }
      if (v.unsolicited_hh_data === 'Y' || v.unsolicited_hh_data === 'N')
        p.inst.unsolicitedHalfHourlyData = v.unsolicited_hh_data === 'Y';
      else {
        bad(
          r,
          'unsolicited_hh_data',
          INVENTORY_RULES.halfHourly,
          `'${v.unsolicited_hh_data}': expected Y or N on the CHF row`,
        );
        ok = false;
      }
    }
    if (ok) p.rows.push({ r, d: device });
  }

  const installations: SmsoInstallation[] = [];
  for (const [chfId, p] of byChf) {
    const first = p.rows[0]?.r;
    if (!p.chfRow) {
      // Report on the first row of the installation (the rows exist, only the CHF is missing).
      const r0 = first ?? records.find((r) => r.values.chf_device_id === chfId);
      if (r0)
        bad(
          r0,
          'chf_device_id',
          INVENTORY_RULES.installation,
          `installation ${chfId} has no CHF row: expected one row with device_type CHF and device_id ${chfId}`,
        );
      continue;
    }
    const counts = new Map<DeviceType, CsvRecord[]>();
    for (const { r, d } of p.rows) counts.set(d.deviceType, [...(counts.get(d.deviceType) ?? []), r]);
    let ok = true;
    for (const t of SINGLE_TYPES) {
      const rs = counts.get(t) ?? [];
      if (rs.length > 1) {
        bad(
          rs[1]!,
          'device_type',
          INVENTORY_RULES.installation,
          `a second ${t} for installation ${chfId} (first on line ${rs[0]!.line}): expected at most one`,
        );
        ok = false;
      }
    }
    const has = (t: DeviceType): boolean => (counts.get(t)?.length ?? 0) > 0;
    if (
      has('ESME') &&
      p.inst.mpan === null &&
      !problems.some((x) => x.line === p.chfRow!.line && x.field === 'mpan')
    ) {
      bad(
        p.chfRow,
        'mpan',
        INVENTORY_RULES.mpan,
        `empty: expected the import MPAN core of installation ${chfId}'s ESME (13 digits)`,
      );
      ok = false;
    }
    if (
      has('GSME') &&
      p.inst.mprn === null &&
      !problems.some((x) => x.line === p.chfRow!.line && x.field === 'mprn')
    ) {
      bad(p.chfRow, 'mprn', INVENTORY_RULES.mprn, `empty: expected the MPRN of installation ${chfId}'s GSME`);
      ok = false;
    }
    if (has('GSME') && !has('GPF')) {
      bad(
        counts.get('GSME')![0]!,
        'device_type',
        INVENTORY_RULES.installation,
        `installation ${chfId} has a GSME but no GPF: expected a GPF row`,
      );
      ok = false;
    }
    if (!ok) continue;
    const chfFirst = p.rows
      .filter((x) => x.d.deviceType === 'CHF')
      .concat(p.rows.filter((x) => x.d.deviceType !== 'CHF'));
    installations.push({ ...p.inst, devices: chfFirst.map((x) => x.d) });
  }
  problems.sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0));
  return { installations, problems };
}

/** Write installations as an inventory CSV (LF line ends, final LF): the inverse of the parser. */
export function writeSmsoInventoryCsv(installations: Iterable<SmsoInstallation>): string {
  const out: string[] = [SMSO_INVENTORY_COLUMNS.join(',')];
  for (const i of installations)
    for (const d of i.devices) {
      const chf = d.deviceType === 'CHF';
      out.push(
        [
          i.chfDeviceId,
          d.deviceType,
          d.deviceId,
          d.manufacturer,
          d.model,
          d.firmwareVersion,
          d.serialNumber ?? '',
          d.status ?? '',
          d.hanJoinedAt ?? '',
          chf ? (i.lastWanContactAt ?? '') : '',
          chf ? (i.mpan ?? '') : '',
          chf ? (i.mprn ?? '') : '',
          chf ? (i.unsolicitedHalfHourlyData ? 'Y' : 'N') : '',
        ]
          .map(csvField)
          .join(','),
      );
    }
  return out.join('\n') + '\n';
}
