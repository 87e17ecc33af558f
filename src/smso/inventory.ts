// The SMSO's inventory: import (inventory CSV + optional key-material CSV), list, show, delete keys.
// A file with any problem imports nothing (the SMSO corrects and re-sends it): every problem is reported
// with file, line, column, field, rule and expectation.
import { parseSmsoInventoryCsv, type SmsoInstallation } from '../core/formats/smso/inventory.js';
import { createHash } from 'node:crypto';
import {
  KEY_NAMES_BY_DEVICE,
  KeyMaterialScan,
  SMSO_KEY_COLUMNS,
  addKeyMaterialRow,
  type InstallationKeyMaterial,
  type KeyMaterialIndexEntry,
} from '../core/formats/smso/key-material.js';
import {
  iterateCsvRecords,
  iterateCsvRecordsFrom,
  type CsvRecord,
  type SmsoCsvProblem,
} from '../core/formats/smso/csv.js';
import { DEFAULT_SMSO_CODES, parseSmsoCode } from '../core/ids/reference.js';
import type { Store } from '../store/index.js';
import type { SealedKeyMaterialInput } from '../store/types.js';
import type { Sealer } from '../lib/crypto/seal.js';
import type { DeviceType } from '../core/ids/reference.js';
import { keyMaterialSealer, sealKeyMaterial } from './key-material.js';
import { configuration } from '../config.js';

export class SmsoUsageError extends Error {
  override name = 'SmsoUsageError';
}

/** The SMSO codes known to this deployment (reference data, MAM 7.2.2; shared/spec README). */
export function checkSmsoCode(
  code: string,
  known: Readonly<Record<string, string>> = DEFAULT_SMSO_CODES,
): string {
  const r = parseSmsoCode(code, known);
  if (!r.ok) throw new SmsoUsageError(`SMSO ${r.error} (MAM 7.2.2)`);
  return r.value;
}

/**
 * A key-material file: its text, or a way to read it from the start (a read stream), called twice: once
 * to check the whole file, once to seal and store it in batches (so memory does not grow with the file).
 */
export type KeyMaterialSource =
  { text: string; file: string } | { open: () => AsyncIterable<string | Buffer>; file: string };

/** Batches of sealed key material written in one go (the store's insert batches). */
const SEAL_BATCH = 400;

export interface ImportInput {
  inventory: { text: string; file: string };
  keys?: KeyMaterialSource;
  /** Default: S1MIG_KEY_PASSPHRASE. Needed only when keys are given. */
  passphrase?: string | undefined;
  importedAt?: Date;
}

export interface ImportReport {
  smso: string;
  accepted: boolean;
  problems: SmsoCsvProblem[];
  installations: number;
  devices: number;
  keyMaterial: number;
  keyMaterialDeleted: number;
}

/** Cross-check key material against the installations it belongs to (inventory in this file or stored). */
async function checkKeysAgainstInventory(
  store: Store,
  smso: string,
  file: string,
  km: ReadonlyMap<string, KeyMaterialIndexEntry>,
  imported: Map<string, SmsoInstallation>,
  problems: SmsoCsvProblem[],
): Promise<void> {
  for (const [chf, m] of km) {
    const inst = imported.get(chf) ?? (await store.smso.get(smso, chf));
    if (!inst) {
      problems.push({
        file,
        line: null,
        column: null,
        field: 'chf_device_id',
        rule: 'TMAD 4.21(a)',
        message: `key material for installation ${chf}, which is neither in the inventory file nor stored for SMSO ${smso}: expected a known CHF Device ID`,
      });
      continue;
    }
    for (const d of m.devices) {
      const dev = inst.devices.find((x) => x.deviceId === d.deviceId);
      if (!dev || dev.deviceType !== d.deviceType)
        problems.push({
          file,
          line: null,
          column: null,
          field: 'device_id',
          rule: 'TMAD 4.21(a)',
          message: `key material for ${d.deviceType} ${d.deviceId}, which is not a ${d.deviceType} of installation ${chf}: expected one of its devices`,
        });
      else if (!KEY_NAMES_BY_DEVICE[d.deviceType].length)
        problems.push({
          file,
          line: null,
          column: null,
          field: 'device_type',
          rule: 'TMAD 11',
          message: `${d.deviceType} carries no keys`,
        });
    }
  }
}

/** The records of a key-material source, from the start; each chunk read goes into `hash` when given. */
function keyRecords(
  src: KeyMaterialSource,
  problems: SmsoCsvProblem[],
  hash?: ReturnType<typeof createHash>,
): AsyncIterable<CsvRecord> {
  if ('text' in src) {
    hash?.update(src.text, 'utf8');
    const it = iterateCsvRecords(src.text, src.file, SMSO_KEY_COLUMNS, problems);
    return (async function* () {
      yield* it;
    })();
  }
  const chunks = src.open();
  return iterateCsvRecordsFrom(
    hash
      ? (async function* () {
          for await (const c of chunks) {
            hash.update(c);
            yield c;
          }
        })()
      : chunks,
    src.file,
    SMSO_KEY_COLUMNS,
    problems,
  );
}

/** Checking a key-material file: its problems and, when it has none, what the second pass needs. */
interface CheckedKeys {
  problems: SmsoCsvProblem[];
  index: Map<string, KeyMaterialIndexEntry>;
  sha256: string;
}

/** Pass 1: every line checked, keeping per installation its devices and the line of its last key. */
async function checkKeyMaterial(src: KeyMaterialSource): Promise<CheckedKeys> {
  // The file's own problems first, then those of its records (as parseSmsoKeyMaterialCsv).
  const csvProblems: SmsoCsvProblem[] = [];
  const scan = new KeyMaterialScan(src.file);
  const hash = createHash('sha256');
  for await (const r of keyRecords(src, csvProblems, hash)) scan.row(r);
  if (scan.hasPendingDuplicates) await scan.resolveDuplicates(keyRecords(src, []));
  return {
    problems: csvProblems.length ? [...csvProblems, ...scan.problems] : scan.problems,
    index: scan.index,
    sha256: hash.digest('hex'),
  };
}

/**
 * Pass 2: the same file read again, each installation's key material sealed once its last key is read
 * and handed on in batches. The file must be the one pass 1 checked (same SHA-256, no problem, every
 * installation complete): otherwise this throws, and the store's transaction writes nothing.
 */
async function* sealedKeyBatches(
  src: KeyMaterialSource,
  checked: CheckedKeys,
  smso: string,
  sealer: Sealer,
): AsyncGenerator<Array<readonly [string, string]>> {
  const problems: SmsoCsvProblem[] = [];
  const hash = createHash('sha256');
  const open = new Map<string, InstallationKeyMaterial>();
  let batch: Array<readonly [string, string]> = [];
  let sealed = 0;
  for await (const r of keyRecords(src, problems, hash)) {
    // Pass 1 found every line good; the same bytes (SHA-256 below) need no second check.
    const v = r.values as Record<(typeof SMSO_KEY_COLUMNS)[number], string>;
    const k = {
      line: r.line,
      chfDeviceId: v.chf_device_id,
      deviceType: v.device_type as DeviceType,
      deviceId: v.device_id,
      keyName: v.key_name,
      value: v.value.toUpperCase(),
    };
    const inst = addKeyMaterialRow(open, k);
    if (k.line !== checked.index.get(k.chfDeviceId)?.lastLine) continue;
    open.delete(k.chfDeviceId);
    batch.push([k.chfDeviceId, sealKeyMaterial(sealer, smso, inst)]);
    sealed++;
    if (batch.length >= SEAL_BATCH) {
      yield batch;
      batch = [];
    }
  }
  if (problems.length || open.size || sealed !== checked.index.size || hash.digest('hex') !== checked.sha256)
    throw new SmsoUsageError(
      `${src.file} changed while it was imported (read twice: checked, then sealed): nothing imported; import it again`,
    );
  if (batch.length) yield batch;
}

export async function importInventory(
  store: Store,
  smsoCode: string,
  input: ImportInput,
): Promise<ImportReport> {
  const smso = checkSmsoCode(smsoCode);
  const inv = parseSmsoInventoryCsv(input.inventory.text, input.inventory.file);
  const problems = [...inv.problems];
  let checked: CheckedKeys | undefined;
  if (input.keys) {
    checked = await checkKeyMaterial(input.keys);
    problems.push(...checked.problems);
    if (!inv.problems.length)
      await checkKeysAgainstInventory(
        store,
        smso,
        input.keys.file,
        checked.index,
        new Map(inv.installations.map((i) => [i.chfDeviceId, i])),
        problems,
      );
  }
  const report: ImportReport = {
    smso,
    accepted: false,
    problems,
    installations: 0,
    devices: 0,
    keyMaterial: 0,
    keyMaterialDeleted: 0,
  };
  if (problems.length) return report;
  let sealed: SealedKeyMaterialInput = new Map<string, string>();
  if (input.keys && checked?.index.size) {
    // No passphrase: a usage error before anything is written. scrypt once for the whole file.
    const sealer = keyMaterialSealer(
      'passphrase' in input ? input.passphrase : configuration().keyPassphrase,
    );
    sealed = {
      chfs: new Set(checked.index.keys()),
      batches: sealedKeyBatches(input.keys, checked, smso, sealer),
    };
  }
  const r = await store.smso.putInstallations(smso, inv.installations, sealed, {
    importedAt: input.importedAt ?? new Date(),
    sourceFile: input.inventory.file,
  });
  return {
    ...report,
    accepted: true,
    installations: r.installations,
    devices: inv.installations.reduce((n, i) => n + i.devices.length, 0),
    keyMaterial: r.keyMaterial,
    keyMaterialDeleted: r.keyMaterialDeleted,
  };
}
