// TMAD 5.19: the DCO Viable Installations of a complete DCO Required File Set, and the 'DCO Migration
// Group Encrypted File data validation' of each GroupID (Tables 12.7, 13.9, 14.8, 15.7, 16.7), with
// the file-structure rules of 12.15 / 13.16 / 14.16, 15.3 and 16.16 applied per installation (the TMAD
// does not say which party checks them: docs/SPEC-DECISIONS.md). Pure functions.
import type { GroupId } from '../core/ids/index.js';

/** What the DCO keeps of an MCF installation (TMAD 5.19(a); Device IDs in canonical EUI-64). */
export interface DcoMcfData {
  devices: Partial<Record<'CHF' | 'GPF' | 'ESME' | 'GSME' | 'PPMID' | 'IHD' | 'CAD', string>>;
}
/** What the DCO keeps of an MVF installation: its FailedStepNumbers (5.19(b)). */
export interface DcoMvfData {
  failedSteps: string[];
}
/** What the DCO keeps of an MEF installation: ciphertext only (the plaintexts are sealed apart). */
export interface DcoMefData {
  hasGroupInformation: boolean;
  encryptedMasterKeys: Array<{ encryptedKey: string; deviceIds: string[] }>;
  suaKeyDetails: Array<{
    deviceType: string;
    serialNumber: string;
    publicKey: string;
    encryptedSuaKey: string;
  }>;
}

export interface DcoCheckFailure {
  step: string;
  message: string;
}

const covered = (mef: DcoMefData, id: string | undefined): boolean =>
  id !== undefined && mef.encryptedMasterKeys.some((k) => k.encryptedKey !== '' && k.deviceIds.includes(id));

function requireMasterKeys(
  step: string,
  mcf: DcoMcfData,
  mef: DcoMefData,
  devices: ReadonlyArray<'CHF' | 'GPF' | 'ESME'>,
): DcoCheckFailure[] {
  const missing = devices.filter((d) => !covered(mef, mcf.devices[d]));
  if (missing.length === 0) return [];
  return [
    {
      step,
      message: `TMAD ${step}: expected an EncryptedKey within an EncryptedMasterKey whose DeviceIDs contain the ${missing
        .map((d) => `${d} (${mcf.devices[d] ?? 'none in the MCF'})`)
        .join(', ')}`,
    },
  ];
}

/** The file-structure rule of the GroupID (12.15 for AA, BA via 13.16, CA/CB via 14.16; 15.3; 16.16). */
function structure(groupId: GroupId, mef: DcoMefData): DcoCheckFailure[] {
  const hasEmk = mef.encryptedMasterKeys.length > 0;
  const hasSua = mef.suaKeyDetails.length > 0;
  if (groupId === 'DA') {
    // 16.16 (no EncryptedMasterKey: 16.7.1 reports it; SUAKeyDetails: 16.7.2 reports it).
    return mef.hasGroupInformation
      ? [{ step: '16.16', message: 'TMAD 16.16: expected no EncryptedS1SPGroupInformation for GroupID DA' }]
      : [];
  }
  const step = { AA: '12.15', BA: '13.16', CA: '14.16', CB: '14.16', EA: '15.3', EB: '15.3', EC: '15.3' }[
    groupId
  ];
  const wrong: string[] = [];
  if (!mef.hasGroupInformation) wrong.push('expected an EncryptedS1SPGroupInformation');
  if (!hasEmk) wrong.push('expected an EncryptedMasterKey');
  if (hasSua && step !== '15.3') wrong.push('expected no SUAKeyDetails');
  return wrong.length
    ? [
        {
          step,
          message: `TMAD ${step}${step === '13.16' || step === '14.16' ? ' (12.15)' : ''}: ${wrong.join('; ')}`,
        },
      ]
    : [];
}

function daChecks(mcf: DcoMcfData, mef: DcoMefData): DcoCheckFailure[] {
  const out: DcoCheckFailure[] = [];
  if (mef.encryptedMasterKeys.length > 0)
    out.push({
      step: '16.7.1',
      message: 'TMAD 16.7.1: expected no EncryptedMasterKey elements for GroupID DA',
    });
  const esme = mef.suaKeyDetails.filter((s) => s.deviceType === 'ESME');
  const gsme = mef.suaKeyDetails.filter((s) => s.deviceType === 'GSME');
  // "other": every EncryptedSUAKey beside the one ESME key of 16.7.2.
  const extra = mef.suaKeyDetails.length - (esme.length > 0 ? 1 : 0);
  if (esme.length !== 1)
    out.push({
      step: '16.7.2',
      message: `TMAD 16.7.2: expected one and only one EncryptedSUAKey with DeviceType ESME, found ${esme.length}`,
    });
  if (mcf.devices.GSME !== undefined) {
    if (extra !== 1 || gsme.length !== 1)
      out.push({
        step: '16.7.3',
        message: `TMAD 16.7.3: the MCF has a GSME: expected one and only one other EncryptedSUAKey, with DeviceType GSME; found ${extra} other (${gsme.length} GSME)`,
      });
  } else if (extra > 0)
    out.push({
      step: '16.7.4',
      message: `TMAD 16.7.4: the MCF has no GSME: expected no other EncryptedSUAKey, found ${extra}`,
    });
  const empty = mef.suaKeyDetails.flatMap((s, i) =>
    (['deviceType', 'serialNumber', 'publicKey', 'encryptedSuaKey'] as const)
      .filter((f) => s[f].trim() === '')
      .map(
        (f) =>
          `SUAKeyDetails[${i + 1}]/${{ deviceType: 'DeviceType', serialNumber: 'SerialNumber', publicKey: 'PublicKey', encryptedSuaKey: 'EncryptedSUAKey' }[f]}`,
      ),
  );
  if (empty.length)
    out.push({
      step: '16.7.5',
      message: `TMAD 16.7.5: expected no empty child element; empty: ${empty.join(', ')}`,
    });
  return out;
}

/** TMAD 5.19(c): the DCO Migration Group Encrypted File data validation of `groupId` for one installation. */
export function dcoMefDataValidation(groupId: GroupId, mcf: DcoMcfData, mef: DcoMefData): DcoCheckFailure[] {
  const s = structure(groupId, mef);
  switch (groupId) {
    case 'AA':
      return [...s, ...requireMasterKeys('12.7.1', mcf, mef, ['GPF', 'ESME'])];
    case 'BA':
      return [...s, ...requireMasterKeys('13.9.1', mcf, mef, ['CHF', 'GPF', 'ESME'])];
    case 'CA':
    case 'CB':
      return [...s, ...requireMasterKeys('14.8.1', mcf, mef, ['CHF', 'GPF', 'ESME'])];
    case 'EA':
    case 'EB':
    case 'EC':
      return [...s, ...requireMasterKeys('15.7.1', mcf, mef, ['ESME'])];
    case 'DA':
      return [...s, ...daChecks(mcf, mef)];
  }
}

/** TMAD 5.19(a)-(c): whether one installation of a complete set is a DCO Viable Installation, and why not. */
export function viability(
  groupId: GroupId,
  mcf: DcoMcfData | null,
  mvf: DcoMvfData | null,
  mef: DcoMefData | null,
): { viable: boolean; failures: DcoCheckFailure[] } {
  const failures: DcoCheckFailure[] = [];
  const absent = [
    mvf ? null : 'Migration Common Validation File',
    mcf ? null : 'Migration Common File',
    mef ? null : 'Migration Group Encrypted File',
  ].filter((x): x is string => x !== null);
  if (absent.length)
    failures.push({
      step: '5.19(a)',
      message: `TMAD 5.19(a): the installation is not in the ${absent.join(' or the ')}`,
    });
  if (mvf && mvf.failedSteps.length)
    failures.push({
      step: '5.19(b)',
      message: `TMAD 5.19(b): the MVF has FailedCheck elements for it (${mvf.failedSteps.join(', ')})`,
    });
  if (mcf && mef) failures.push(...dcoMefDataValidation(groupId, mcf, mef));
  return { viable: failures.length === 0, failures };
}
