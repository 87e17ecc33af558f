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

/**
 * Parse a key-material file. Values never appear in problems (the file is secret): a problem names the
 * line, the column, the key and what was expected only.
 */
export function parseSmsoKeyMaterialCsv(text: string, file: string): KeyMaterialParseResult {
  // The file's own problems first, then those of its records (as when all records were read first).
  const csvProblems: SmsoCsvProblem[] = [];
  const problems: SmsoCsvProblem[] = [];
  const records = iterateCsvRecords(text, file, SMSO_KEY_COLUMNS, csvProblems);
  const bad = (r: CsvRecord, field: KeyColumn, rule: string, message: string): void => {
    problems.push({ file, line: r.line, column: r.columns[field] ?? null, field, rule, message });
  };
  const installations = new Map<string, InstallationKeyMaterial>();
  const seen = new Map<string, number>();
  for (const r of records) {
    const v = r.values as Record<KeyColumn, string>;
    let ok = true;
    for (const f of ['chf_device_id', 'device_id'] as const) {
      const id = parseEui64(v[f]);
      if (!id.ok || id.value !== v[f]) {
        bad(
          r,
          f,
          'TMAD 2 Device ID (EUI-64)',
          `'${v[f]}': expected eight upper-case hex octets joined by hyphens`,
        );
        ok = false;
      }
    }
    if (!isDeviceType(v.device_type)) {
      bad(
        r,
        'device_type',
        'TMAD 2 SMETS1 Installation',
        `'${v.device_type}': expected CHF, GPF, ESME, GSME or PPMID`,
      );
      continue;
    }
    const allowed = KEY_NAMES_BY_DEVICE[v.device_type];
    if (!allowed.includes(v.key_name)) {
      bad(
        r,
        'key_name',
        'docs/SMSO.md key names',
        allowed.length
          ? `'${v.key_name}' is not a key of a ${v.device_type}: expected one of ${allowed.join(', ')}`
          : `a ${v.device_type} carries no keys in the TMAD 11 files`,
      );
      continue;
    }
    const rule = ruleOf(v.key_name);
    const hex = v.value;
    const sizes = expectedSizes(v.key_name);
    if (!/^(?:[0-9A-Fa-f]{2})+$/.test(hex) || !sizes.includes(hex.length / 2)) {
      bad(
        r,
        'value',
        rule,
        `${v.key_name}: expected ${sizes.map((s) => `${s * 2}`).join(' or ')} hex digits (${sizes.map((s) => `${s} octets`).join(' or ')}), got ${hex.length} characters${/^[0-9A-Fa-f]*$/.test(hex) ? '' : ' that are not all hex digits'}`,
      );
      ok = false;
    } else if (v.key_name === 'SUAPublicKey' && !/^04/.test(hex)) {
      bad(r, 'value', rule, 'SUAPublicKey: expected the uncompressed P-256 point 04 || X || Y');
      ok = false;
    }
    const dup = `${v.device_id}/${v.key_name}`;
    if (ok && seen.has(dup)) {
      bad(
        r,
        'key_name',
        'docs/SMSO.md key names',
        `${v.key_name} of ${v.device_id} already given on line ${seen.get(dup)}: expected each key once`,
      );
      ok = false;
    }
    if (!ok) continue;
    seen.set(dup, r.line);
    let inst = installations.get(v.chf_device_id);
    if (!inst) installations.set(v.chf_device_id, (inst = { chfDeviceId: v.chf_device_id, devices: [] }));
    let dev = inst.devices.find((d) => d.deviceId === v.device_id);
    if (dev && dev.deviceType !== v.device_type) {
      bad(
        r,
        'device_type',
        'TMAD 2 SMETS1 Installation',
        `${v.device_id} is a ${dev.deviceType} on an earlier line: expected the same device type`,
      );
      continue;
    }
    if (!dev) inst.devices.push((dev = { deviceType: v.device_type, deviceId: v.device_id, keys: {} }));
    dev.keys[v.key_name] = hex.toUpperCase();
  }
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
