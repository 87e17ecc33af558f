// The SMSO's output to the Requesting Party (TMAD 11.1-11.4): for a list of installations and a GroupID,
// each installation's EncryptedS1SPGroupInformation (Tables 11.2.1, 11.2.2: a fresh random AES-128 key
// per element, 11.2(a)(b)), its EncryptedMasterKey elements (Table 11.3), for GroupID BA the
// WrappedPrepaymentKey inside the plaintext (Table 11.4, TMAD 13.4), for GroupID DA the SUAKeyDetails
// (Table 11.3B, TMAD 16.16) — each under the TMAD 5.1(a) key notified for that purpose, GroupID and
// date — and, for GroupIDs EB and EC only, the plaintext (TMAD 11.1). Written as the hand-over file of
// src/core/formats/smso/handover.ts.
import {
  encryptMasterKey,
  encryptS1spGroupInformation,
  encryptSuaKey,
  groupInformationToXml,
  wrapPrepaymentKey,
} from '../core/crypto/index.js';
import {
  decryptedS1spDpGroupInformationToXml,
  decryptedS1spGroupInformationToXml,
} from '../core/formats/migration-files/writer.js';
import type {
  AssociationKeys,
  DecryptedDeviceKeys,
  DecryptedMeterKeys,
  EncryptedMasterKey,
  SuaKeyDetails,
} from '../core/formats/migration-files/types.js';
import {
  ASSOCIATION_NAMES,
  type DeviceKeys,
  type InstallationKeyMaterial,
} from '../core/formats/smso/key-material.js';
import {
  handoverEndLine,
  handoverHeaderLine,
  handoverInstallationLine,
  PLAINTEXT_GROUP_IDS,
  type HandoverInstallation,
} from '../core/formats/smso/handover.js';
import { selectGroupKey, type GroupKeyNotice, type KeyPurpose } from '../core/formats/smso/group-key.js';
import type { SmsoCsvProblem } from '../core/formats/smso/csv.js';
import type { StoredSmsoInstallation } from '../store/index.js';
import { parseEui64 } from '../core/ids/eui64.js';
import { isGroupId, type GroupId } from '../core/ids/reference.js';
import type { Store } from '../store/index.js';
import { configuration } from '../config.js';
import { checkSmsoCode, SmsoUsageError } from './inventory.js';
import { KeyMaterialError, openKeyMaterial } from './key-material.js';

/** Which TMAD 5.1(a) keys each GroupID needs (TMAD 12.15, 13.5, 14.4, 15.3, 16.16). */
export function purposesFor(groupId: GroupId): KeyPurpose[] {
  return groupId === 'DA' ? ['DCO-SUAKey'] : ['S1SP-GroupInformation', 'DCO-MasterKey'];
}

export interface InstallationList {
  ids: Array<{ chf: string; line: number }>;
  problems: SmsoCsvProblem[];
}

/** An installations file: one CHF Device ID per line; blank lines and lines starting with # ignored. */
export function parseInstallationList(text: string, file: string): InstallationList {
  const ids: InstallationList['ids'] = [];
  const problems: SmsoCsvProblem[] = [];
  const seen = new Map<string, number>();
  text.split('\n').forEach((raw, k) => {
    const s = raw.replace(/\r$/, '').trim();
    if (s === '' || s.startsWith('#')) return;
    const line = k + 1;
    const r = parseEui64(s);
    if (!r.ok) {
      problems.push({
        file,
        line,
        column: 1,
        field: 'chf_device_id',
        rule: 'TMAD 2 Device ID (EUI-64)',
        message: `${r.error}`,
      });
      return;
    }
    if (seen.has(r.value)) {
      problems.push({
        file,
        line,
        column: 1,
        field: 'chf_device_id',
        rule: 'TMAD 5.8 (one SMETS1Installation per CHF)',
        message: `${r.value} already listed on line ${seen.get(r.value)}: expected each installation once`,
      });
      return;
    }
    seen.set(r.value, line);
    ids.push({ chf: r.value, line });
  });
  return { ids, problems };
}

const keysOf = (km: InstallationKeyMaterial, type: DeviceKeys['deviceType']): Record<string, string> =>
  km.devices.find((d) => d.deviceType === type)?.keys ?? {};

function association(keys: Record<string, string>, name: string): AssociationKeys | undefined {
  const a = keys[`${name}.AuthenticationKey`];
  const e = keys[`${name}.EncryptionKey`];
  if (a === undefined && e === undefined) return undefined;
  return {
    ...(a !== undefined ? { authenticationKey: a } : {}),
    ...(e !== undefined ? { encryptionKey: e } : {}),
  };
}

const ASSOC_PROPS = {
  DataCollectionAssociation: 'dataCollectionAssociation',
  ExtendedDataCollectionAssociation: 'extendedDataCollectionAssociation',
  ManagementAssociation: 'managementAssociation',
  FirmwareAssociation: 'firmwareAssociation',
} as const;

function deviceKeys(keys: Record<string, string>): DecryptedDeviceKeys | undefined {
  const out: DecryptedDeviceKeys = {};
  for (const name of ASSOCIATION_NAMES) {
    const a = association(keys, name);
    if (a) out[ASSOC_PROPS[name]] = a;
  }
  return Object.keys(out).length ? out : undefined;
}

function meterKeys(keys: Record<string, string>, wrapUnder?: string): DecryptedMeterKeys | undefined {
  const out: DecryptedMeterKeys = { ...deviceKeys(keys) };
  if (keys.PrepaymentKey !== undefined) out.prepaymentKey = keys.PrepaymentKey;
  if (keys.PrepaymentWrapperKey !== undefined) out.prepaymentWrapperKey = keys.PrepaymentWrapperKey;
  if (wrapUnder !== undefined && keys.PrepaymentKey !== undefined)
    out.wrappedPrepaymentKey = wrapPrepaymentKey(
      Buffer.from(keys.PrepaymentKey, 'hex'),
      Buffer.from(wrapUnder, 'hex'),
    ).toString('base64');
  return Object.keys(out).length ? out : undefined;
}

/** The Table 11.2.1 Plaintext for the GroupID (XML text). */
export function plaintextFor(groupId: GroupId, km: InstallationKeyMaterial): string {
  const esme = keysOf(km, 'ESME');
  const gsme = keysOf(km, 'GSME');
  if (groupId === 'EA' || groupId === 'EB' || groupId === 'EC') {
    const hl = association(esme, 'HighLevelAssociation');
    return decryptedS1spDpGroupInformationToXml({
      chfIdentifier: km.chfDeviceId,
      ...(hl || esme.PrepaymentKey
        ? {
            esmeDetail: {
              ...(hl ? { highLevelAssociation: hl } : {}),
              ...(esme.PrepaymentKey ? { prepaymentKey: esme.PrepaymentKey } : {}),
            },
          }
        : {}),
      ...(gsme.PrepaymentKey ? { gsmeDetail: { prePayDetails: { prepaymentKey: gsme.PrepaymentKey } } } : {}),
    });
  }
  const chfK = deviceKeys(keysOf(km, 'CHF'));
  const gpfK = deviceKeys(keysOf(km, 'GPF'));
  // TMAD 13.4 / Table 11.4: for BA the PrepaymentKey is also given wrapped under the ESME's Master Key.
  const esmeK = meterKeys(esme, groupId === 'BA' ? esme.MasterKey : undefined);
  const gsmeK = meterKeys(gsme);
  return decryptedS1spGroupInformationToXml({
    chfIdentifier: km.chfDeviceId,
    ...(chfK ? { chfDetail: chfK } : {}),
    ...(gpfK ? { gpfDetail: gpfK } : {}),
    ...(esmeK ? { esmeDetail: esmeK } : {}),
    ...(gsmeK ? { gsmeDetail: gsmeK } : {}),
  });
}

/** Master Keys grouped into EncryptedMasterKey elements: ESME, GPF and CHF sharing one key share an element; the PPMID has its own (Table 10.1 EncryptedMasterKey). */
export function masterKeyGroups(km: InstallationKeyMaterial): Array<{ key: string; deviceIds: string[] }> {
  const groups: Array<{ key: string; deviceIds: string[] }> = [];
  for (const type of ['ESME', 'GPF', 'CHF'] as const)
    for (const d of km.devices.filter((x) => x.deviceType === type && x.keys.MasterKey !== undefined)) {
      const g = groups.find((x) => x.key === d.keys.MasterKey);
      if (g) g.deviceIds.push(d.deviceId);
      else groups.push({ key: d.keys.MasterKey!, deviceIds: [d.deviceId] });
    }
  for (const d of km.devices.filter((x) => x.deviceType === 'PPMID' && x.keys.MasterKey !== undefined))
    groups.push({ key: d.keys.MasterKey!, deviceIds: [d.deviceId] });
  return groups;
}

export interface EncryptOptions {
  groupId: string;
  installations: InstallationList['ids'];
  installationsFile: string;
  notices: readonly GroupKeyNotice[];
  /** The time of use for TMAD 5.1(a)(ii) (default now). */
  at?: Date;
  passphrase?: string | undefined;
  /** Receives the hand-over file in order (header, installations, end line). */
  write: (chunk: string) => void | Promise<void>;
}

export interface EncryptReport {
  smso: string;
  groupId: GroupId;
  written: number;
  keys: Array<{ purpose: KeyPurpose; keyIdentifier: string }>;
  problems: SmsoCsvProblem[];
}

export async function encryptForRequestingParty(
  store: Store,
  smsoCode: string,
  o: EncryptOptions,
): Promise<EncryptReport> {
  const smso = checkSmsoCode(smsoCode);
  if (!isGroupId(o.groupId))
    throw new SmsoUsageError(`--group '${o.groupId}': expected a GroupID (AA, BA, CA, CB, DA, EA, EB, EC)`);
  const groupId = o.groupId;
  const at = o.at ?? new Date();
  const chosen = new Map<KeyPurpose, GroupKeyNotice>();
  for (const purpose of purposesFor(groupId)) {
    const r = selectGroupKey(o.notices, purpose, groupId, at);
    if (!r.ok) throw new SmsoUsageError(r.error);
    chosen.set(purpose, r.value);
  }
  const passphrase = 'passphrase' in o ? o.passphrase : configuration().keyPassphrase;
  const problems: SmsoCsvProblem[] = [];
  const fail = (line: number, rule: string, message: string): void => {
    problems.push({ file: o.installationsFile, line, column: 1, field: 'chf_device_id', rule, message });
  };
  await o.write(
    handoverHeaderLine({
      format: 's1mig-smso-handover',
      version: 1,
      smso,
      groupId,
      createdAt: at.toISOString(),
      keys: [...chosen].map(([purpose, n]) => ({
        purpose,
        keyIdentifier: n.keyIdentifier,
        validFrom: n.validFrom,
        validTo: n.validTo,
      })),
    }),
  );
  let written = 0;
  const BATCH = 200;
  for (let i = 0; i < o.installations.length; i += BATCH) {
    const part = o.installations.slice(i, i + BATCH);
    const chfs = part.map((p) => p.chf);
    // One read per batch, not per installation.
    const sealed = await store.smso.sealedKeyMaterial(smso, chfs);
    const stored = await store.smso.getMany(smso, chfs);
    for (const { chf, line } of part) {
      const inst = stored.get(chf);
      if (!inst) {
        fail(
          line,
          'TMAD 4.21(a)',
          `installation ${chf} is not in SMSO ${smso}'s inventory: expected an imported CHF Device ID`,
        );
        continue;
      }
      const s = sealed.get(chf);
      if (s === undefined) {
        fail(
          line,
          'TMAD 11.2-11.4',
          `no key material is held for installation ${chf} (never imported, or deleted): expected its keys`,
        );
        continue;
      }
      let km: InstallationKeyMaterial;
      try {
        km = openKeyMaterial(s, passphrase, smso, chf);
      } catch (e) {
        if (e instanceof KeyMaterialError) throw new SmsoUsageError(e.message);
        throw e;
      }
      const out = buildInstallation(groupId, inst, km, chosen);
      if (typeof out === 'string') {
        fail(line, out.startsWith('Table 11.3B') ? 'TMAD 11.3B' : 'TMAD 11.3', out);
        continue;
      }
      await o.write(handoverInstallationLine(groupId, out));
      written++;
    }
  }
  await o.write(handoverEndLine(written));
  return {
    smso,
    groupId,
    written,
    keys: [...chosen].map(([purpose, n]) => ({ purpose, keyIdentifier: n.keyIdentifier })),
    problems,
  };
}

function buildInstallation(
  groupId: GroupId,
  inst: StoredSmsoInstallation,
  km: InstallationKeyMaterial,
  keys: Map<KeyPurpose, GroupKeyNotice>,
): HandoverInstallation | string {
  if (groupId === 'DA') {
    const sua: SuaKeyDetails[] = [];
    for (const type of ['ESME', 'GSME'] as const) {
      const dev = inst.devices.find((d) => d.deviceType === type);
      if (!dev) continue;
      const k = keysOf(km, type);
      if (k.SUAKey === undefined || k.SUAPublicKey === undefined) {
        if (type === 'ESME')
          return `Table 11.3B: no SUAKey and SUAPublicKey for the ESME ${dev.deviceId}: expected both for GroupID DA`;
        continue;
      }
      if (dev.serialNumber === null)
        return `Table 11.3B: ${type} ${dev.deviceId} has no serial number in the inventory: expected SUAKeyDetails/SerialNumber`;
      const key = Buffer.from(k.SUAKey, 'hex');
      try {
        sua.push({
          deviceType: type,
          serialNumber: dev.serialNumber,
          publicKey: Buffer.from(k.SUAPublicKey, 'hex').toString('base64'),
          encryptedSuaKey: encryptSuaKey(key, keys.get('DCO-SUAKey')!.publicKey).toString('base64'),
        });
      } finally {
        key.fill(0);
      }
    }
    return { chfIdentifier: inst.chfDeviceId, encryptedMasterKeys: [], suaKeyDetails: sua };
  }
  const groups = masterKeyGroups(km);
  const esme = inst.devices.find((d) => d.deviceType === 'ESME');
  if (esme && !groups.some((g) => g.deviceIds.includes(esme.deviceId)))
    return `Table 11.3: no MasterKey for the ESME ${esme.deviceId}: expected one for EncryptedMasterKey`;
  const encryptedMasterKeys: EncryptedMasterKey[] = groups.map((g) => {
    const key = Buffer.from(g.key, 'hex');
    try {
      return {
        encryptedKey: encryptMasterKey(key, keys.get('DCO-MasterKey')!.publicKey).toString('base64'),
        deviceIds: g.deviceIds,
      };
    } finally {
      key.fill(0);
    }
  });
  const plaintext = plaintextFor(groupId, km);
  const parts = groupInformationToXml(
    encryptS1spGroupInformation(Buffer.from(plaintext, 'utf8'), keys.get('S1SP-GroupInformation')!.publicKey),
  );
  return {
    chfIdentifier: inst.chfDeviceId,
    encryptedS1spGroupInformation: {
      protectedData: parts.ProtectedData,
      authenticationTag: parts.AuthenticationTag,
      wrappedTransportKey: parts.WrappedTransportKey,
    },
    encryptedMasterKeys,
    suaKeyDetails: [],
    // TMAD 11.1: only for EB and EC does the Requesting Party see the plaintext.
    ...(PLAINTEXT_GROUP_IDS.includes(groupId) ? { plaintext } : {}),
  };
}
