// The SMSO's inventory: import (inventory CSV + optional key-material CSV), list, show, delete keys.
// A file with any problem imports nothing (the SMSO corrects and re-sends it): every problem is reported
// with file, line, column, field, rule and expectation.
import { parseSmsoInventoryCsv, type SmsoInstallation } from '../core/formats/smso/inventory.js';
import {
  KEY_NAMES_BY_DEVICE,
  parseSmsoKeyMaterialCsv,
  type InstallationKeyMaterial,
} from '../core/formats/smso/key-material.js';
import type { SmsoCsvProblem } from '../core/formats/smso/csv.js';
import { DEFAULT_SMSO_CODES, parseSmsoCode } from '../core/ids/reference.js';
import type { Store } from '../store/index.js';
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

export interface ImportInput {
  inventory: { text: string; file: string };
  keys?: { text: string; file: string };
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
  km: Map<string, InstallationKeyMaterial>,
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

export async function importInventory(
  store: Store,
  smsoCode: string,
  input: ImportInput,
): Promise<ImportReport> {
  const smso = checkSmsoCode(smsoCode);
  const inv = parseSmsoInventoryCsv(input.inventory.text, input.inventory.file);
  const problems = [...inv.problems];
  let km = new Map<string, InstallationKeyMaterial>();
  if (input.keys) {
    const k = parseSmsoKeyMaterialCsv(input.keys.text, input.keys.file);
    problems.push(...k.problems);
    km = k.installations;
    if (!inv.problems.length)
      await checkKeysAgainstInventory(
        store,
        smso,
        input.keys.file,
        km,
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
  const sealed = new Map<string, string>();
  if (km.size) {
    const sealer = keyMaterialSealer(
      'passphrase' in input ? input.passphrase : configuration().keyPassphrase,
    );
    for (const [chf, m] of km) sealed.set(chf, sealKeyMaterial(sealer, smso, m));
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
