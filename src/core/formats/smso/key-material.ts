// The SMSO key-material CSV (docs/SMSO.md): the device keys an SMSO holds per SMETS1 Installation and
// hands over, encrypted, under TMAD 11 — the Application Association keys and prepayment keys of the
// DecryptedS1SPGroupInformation / DecryptedS1SPDPGroupInformation plaintexts (Table 11.2.1; TMAD 12.8,
// 13.3, 15.8), the Master Keys of EncryptedMasterKey (Table 11.3; Table 11.4's key-encrypting key) and,
// for GroupID DA, the SUA key and the device's P-256 public key of SUAKeyDetails (Table 11.3B).
//
// One row per key: chf_device_id,device_type,device_id,key_name,value (value in hex). The file is
// secret: it is read once on import and the keys are kept only sealed at rest.
import { isDeviceType, type DeviceType } from '../../ids/reference.js';
import { parseEui64 } from '../../ids/eui64.js';
import { iterateCsvRecords, type CsvRecord, type SmsoCsvProblem } from './csv.js';

export const SMSO_KEY_COLUMNS = ['chf_device_id', 'device_type', 'device_id', 'key_name', 'value'] as const;
type KeyColumn = (typeof SMSO_KEY_COLUMNS)[number];

export const ASSOCIATION_NAMES = [
  'DataCollectionAssociation',
  'ExtendedDataCollectionAssociation',
  'ManagementAssociation',
  'FirmwareAssociation',
] as const;
const ASSOC_KEYS = ASSOCIATION_NAMES.flatMap((a) => [`${a}.AuthenticationKey`, `${a}.EncryptionKey`]);

/** Which keys each device type may carry, and the clause that uses them. */
export const KEY_NAMES_BY_DEVICE: Readonly<Record<DeviceType, readonly string[]>> = {
  CHF: ['MasterKey', ...ASSOC_KEYS],
  GPF: ['MasterKey', ...ASSOC_KEYS],
  ESME: [
    'MasterKey',
    ...ASSOC_KEYS,
    'HighLevelAssociation.AuthenticationKey',
    'HighLevelAssociation.EncryptionKey',
    'PrepaymentKey',
    'PrepaymentWrapperKey',
    'SUAKey',
    'SUAPublicKey',
  ],
  GSME: [...ASSOC_KEYS, 'PrepaymentKey', 'PrepaymentWrapperKey', 'SUAKey', 'SUAPublicKey'],
  PPMID: ['MasterKey'],
  IHD: [],
  CAD: [],
};

export const KEY_RULES: Readonly<Record<string, string>> = {
  MasterKey: 'TMAD 11.3 (Table 11.3), 11.4',
  PrepaymentKey: 'TMAD 12.8.1, 13.3, 15.8',
  PrepaymentWrapperKey: 'Table A1 ET07',
  SUAKey: 'TMAD 11.3B (Table 11.3B EncryptedSUAKey)',
  SUAPublicKey: 'TMAD 11.3B (Table 11.3B PublicKey)',
};
const ruleOf = (name: string): string =>
  KEY_RULES[name] ?? (name.startsWith('HighLevel') ? 'TMAD 15.8.1' : 'TMAD 12.8.1 (Table 11.2.1 Plaintext)');

export interface DeviceKeys {
  deviceType: DeviceType;
  deviceId: string;
  /** key name → upper-case hex */
  keys: Record<string, string>;
}

/** Every key of one installation (the plaintext that is sealed at rest). */
export interface InstallationKeyMaterial {
  chfDeviceId: string;
  devices: DeviceKeys[];
}

function expectedSizes(name: string): number[] {
  if (name === 'SUAPublicKey') return [65];
  return [16, 32];
}

export interface KeyMaterialParseResult {
  /** by CHF Device ID */
  installations: Map<string, InstallationKeyMaterial>;
  problems: SmsoCsvProblem[];
}

/** One key of the file that passed every check of its line (what `installations` is built from). */
export interface KeyMaterialRow {
  line: number;
  chfDeviceId: string;
  deviceType: DeviceType;
  deviceId: string;
  keyName: string;
  /** upper-case hex */
  value: string;
}

/** What the check of a whole file keeps per installation: its devices (no key) and its last key's line. */
export interface KeyMaterialIndexEntry {
  devices: Array<{ deviceType: DeviceType; deviceId: string }>;
  lastLine: number;
}

/** Every key name of any device, each one bit of a device's mask in KeyMaterialScan. */
const KEY_BIT = new Map(
  [...new Set(Object.values(KEY_NAMES_BY_DEVICE).flat())].map((name, i) => [name, 1 << i] as const),
);

/** A copy of a (possibly sliced) string that does not keep the line or block it came from alive. */
const own = (s: string): string => Buffer.from(s, 'latin1').toString('latin1');

/**
 * The checks of a key-material file, one record at a time (TMAD 11 key sizes and names, Device IDs,
 * each key once), keeping per device only its type and a bit per key name seen, so that a file of any
 * size is checked in memory proportional to its devices, not its keys. `row` returns the key of a record
 * that passed every check. A duplicate key's problem names the line that first gave it: that line is
 * found by `resolveDuplicates` reading the records again (only when there is a duplicate).
 */
export class KeyMaterialScan {
  /** The records' problems, in line order. */
  readonly problems: SmsoCsvProblem[] = [];
  /** Per CHF Device ID, in the order first given. */
  readonly index = new Map<string, KeyMaterialIndexEntry>();
  /** Key bits seen per Device ID. */
  private readonly masks = new Map<string, number>();
  /** Duplicate-key problems whose first line is still to be found, by `${deviceId}/${keyName}`. */
  private readonly pending = new Map<string, SmsoCsvProblem[]>();

  constructor(
    readonly file: string,
    /** Only these `${deviceId}/${keyName}`: record the line that first gives each (resolveDuplicates). */
    private readonly firstLines?: Map<string, number>,
  ) {}

  private bad(r: CsvRecord, field: KeyColumn, rule: string, message: string): SmsoCsvProblem {
    const p = { file: this.file, line: r.line, column: r.columns[field] ?? null, field, rule, message };
    this.problems.push(p);
    return p;
  }

  row(r: CsvRecord): KeyMaterialRow | undefined {
    const v = r.values as Record<KeyColumn, string>;
    let ok = true;
    for (const f of ['chf_device_id', 'device_id'] as const) {
      const id = parseEui64(v[f]);
      if (!id.ok || id.value !== v[f]) {
        this.bad(
          r,
          f,
          'TMAD 2 Device ID (EUI-64)',
          `'${v[f]}': expected eight upper-case hex octets joined by hyphens`,
        );
        ok = false;
      }
    }
    if (!isDeviceType(v.device_type)) {
      this.bad(
        r,
        'device_type',
        'TMAD 2 SMETS1 Installation',
        `'${v.device_type}': expected CHF, GPF, ESME, GSME or PPMID`,
      );
      return undefined;
    }
    const allowed = KEY_NAMES_BY_DEVICE[v.device_type];
    if (!allowed.includes(v.key_name)) {
      this.bad(
        r,
        'key_name',
        'docs/SMSO.md key names',
        allowed.length
          ? `'${v.key_name}' is not a key of a ${v.device_type}: expected one of ${allowed.join(', ')}`
          : `a ${v.device_type} carries no keys in the TMAD 11 files`,
      );
      return undefined;
    }
    const hex = v.value;
    const sizes = expectedSizes(v.key_name);
    if (!/^(?:[0-9A-Fa-f]{2})+$/.test(hex) || !sizes.includes(hex.length / 2)) {
      this.bad(
        r,
        'value',
        ruleOf(v.key_name),
        `${v.key_name}: expected ${sizes.map((s) => `${s * 2}`).join(' or ')} hex digits (${sizes.map((s) => `${s} octets`).join(' or ')}), got ${hex.length} characters${/^[0-9A-Fa-f]*$/.test(hex) ? '' : ' that are not all hex digits'}`,
      );
      ok = false;
    } else if (v.key_name === 'SUAPublicKey' && !/^04/.test(hex)) {
      this.bad(
        r,
        'value',
        ruleOf(v.key_name),
        'SUAPublicKey: expected the uncompressed P-256 point 04 || X || Y',
      );
      ok = false;
    }
    const bit = KEY_BIT.get(v.key_name)!;
    const mask = this.masks.get(v.device_id) ?? 0;
    if (ok && mask & bit) {
      const dup = `${v.device_id}/${v.key_name}`;
      const p = this.bad(r, 'key_name', 'docs/SMSO.md key names', '');
      (this.pending.get(dup) ?? this.pending.set(dup, []).get(dup)!).push(p);
      ok = false;
    }
    if (!ok) return undefined;
    if (mask === 0) this.masks.set(own(v.device_id), bit);
    else this.masks.set(v.device_id, mask | bit);
    const want = this.firstLines && `${v.device_id}/${v.key_name}`;
    if (want && this.firstLines.has(want) && this.firstLines.get(want) === 0)
      this.firstLines.set(want, r.line);
    let inst = this.index.get(v.chf_device_id);
    if (!inst) this.index.set(own(v.chf_device_id), (inst = { devices: [], lastLine: r.line }));
    const dev = inst.devices.find((d) => d.deviceId === v.device_id);
    if (dev && dev.deviceType !== v.device_type) {
      this.bad(
        r,
        'device_type',
        'TMAD 2 SMETS1 Installation',
        `${v.device_id} is a ${dev.deviceType} on an earlier line: expected the same device type`,
      );
      return undefined;
    }
    if (!dev) inst.devices.push({ deviceType: v.device_type, deviceId: own(v.device_id) });
    inst.lastLine = r.line;
    return {
      line: r.line,
      chfDeviceId: v.chf_device_id,
      deviceType: v.device_type,
      deviceId: v.device_id,
      keyName: v.key_name,
      value: hex.toUpperCase(),
    };
  }

  /** True when a duplicate key's problem waits for the line that first gave the key. */
  get hasPendingDuplicates(): boolean {
    return this.pending.size > 0;
  }

  /** Read the same records again to name, in each duplicate-key problem, the line that first gave it. */
  resolveDuplicates(records: Iterable<CsvRecord>): void;
  resolveDuplicates(records: AsyncIterable<CsvRecord>): Promise<void>;
  resolveDuplicates(records: Iterable<CsvRecord> | AsyncIterable<CsvRecord>): void | Promise<void> {
    const firstLines = new Map([...this.pending.keys()].map((k) => [k, 0]));
    const again = new KeyMaterialScan(this.file, firstLines);
    const done = (): void => {
      for (const [dup, problems] of this.pending) {
        const [deviceId, keyName] = dup.split('/') as [string, string];
        for (const p of problems)
          p.message = `${keyName} of ${deviceId} already given on line ${firstLines.get(dup)}: expected each key once`;
      }
      this.pending.clear();
    };
    if (Symbol.asyncIterator in records)
      return (async () => {
        for await (const r of records) again.row(r);
        done();
      })();
    for (const r of records) again.row(r);
    done();
  }
}

/** Add one checked key to the installations being built (devices and keys in the order first given). */
export function addKeyMaterialRow(
  installations: Map<string, InstallationKeyMaterial>,
  k: KeyMaterialRow,
): InstallationKeyMaterial {
  let inst = installations.get(k.chfDeviceId);
  if (!inst) installations.set(k.chfDeviceId, (inst = { chfDeviceId: k.chfDeviceId, devices: [] }));
  let dev = inst.devices.find((d) => d.deviceId === k.deviceId);
  if (!dev) inst.devices.push((dev = { deviceType: k.deviceType, deviceId: k.deviceId, keys: {} }));
  dev.keys[k.keyName] = k.value;
  return inst;
}

/**
 * Parse a key-material file. Values never appear in problems (the file is secret): a problem names the
 * line, the column, the key and what was expected only.
 */
export function parseSmsoKeyMaterialCsv(text: string, file: string): KeyMaterialParseResult {
  // The file's own problems first, then those of its records (as when all records were read first).
  const csvProblems: SmsoCsvProblem[] = [];
  const scan = new KeyMaterialScan(file);
  const installations = new Map<string, InstallationKeyMaterial>();
  for (const r of iterateCsvRecords(text, file, SMSO_KEY_COLUMNS, csvProblems)) {
    const k = scan.row(r);
    if (k) addKeyMaterialRow(installations, k);
  }
  if (scan.hasPendingDuplicates) scan.resolveDuplicates(iterateCsvRecords(text, file, SMSO_KEY_COLUMNS, []));
  const problems = scan.problems;
  return { installations, problems: csvProblems.length ? [...csvProblems, ...problems] : problems };
}

/** Write key material as the key CSV (the simulated estate's generator; tests). */
export function writeSmsoKeyMaterialCsv(items: Iterable<InstallationKeyMaterial>): string {
  const out: string[] = [SMSO_KEY_COLUMNS.join(',')];
  for (const inst of items)
    for (const d of inst.devices)
      for (const [name, value] of Object.entries(d.keys))
        out.push([inst.chfDeviceId, d.deviceType, d.deviceId, name, value].join(','));
  return out.join('\n') + '\n';
}
