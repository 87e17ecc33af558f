// TMAD 5.25, Table 5.25: the S1SP's checks of one SMETS1 Installation of a complete S1SP Required File
// Set, in order, stopping at the first failure ("checking in relation to that SMETS1 Installation
// shall cease"):
//   5.25.1.1  the CHFIdentifier (of the MGF, or of the MEF where no MGF is required) is in the MCF;
//   5.25.1.2  the MVF shows no validation error for it;
//   5.25.2.X  the GroupID's 'S1SP Migration Group File data validation' (12.6, 13.8, 14.7, 15.6; none 16.6);
//   5.25.3.X  the GroupID's 'S1SP Migration Group Encrypted File data validation' (12.8, 13.10, 14.9,
//             15.8; none 16.8), after the 'Additional File Structure Validation' of the MEF entry
//             (12.15, 13.16, 14.16, 15.3, 16.16).
// X is the step number of the group's table ("5.25.2.12.6.1"): docs/SPEC-DECISIONS.md. Pure: no I/O.
import { isIP } from 'node:net';
import {
  GROUP_FILE_REQUIREMENTS,
  GROUP_INFORMATION_ASSOCIATIONS,
  MGF_FIELD_ELEMENT,
  type GroupInformationAssociation,
  type MgfChfField,
  type S1spMefStep,
} from '../core/groups/requirements.js';
import type { GroupId } from '../core/ids/reference.js';
import type {
  AssociationKeys,
  DecryptedS1spDpGroupInformation,
  DecryptedS1spGroupInformation,
  FailedCheck,
  McfInstallation,
  MefInstallation,
  MgfChfDetail,
  MgfInstallation,
  OutcomeInstallation,
} from '../core/formats/migration-files/index.js';

/** A failed Table 5.25 step: the SCF's FailedCheck and the same failure in words. */
export interface Table525Failure {
  failedCheck: FailedCheck;
  /** The clause (e.g. 'TMAD 5.25.2 (12.6.1)'), the element concerned and what was expected. */
  rule: string;
  element: string;
  message: string;
}

export type Table525Result = { viable: true } | { viable: false; failure: Table525Failure };

export interface Table525Input {
  groupId: GroupId;
  chfIdentifier: string;
  mcf: McfInstallation | undefined;
  mvf: OutcomeInstallation | undefined;
  /** The MGF entry (undefined when the GroupID requires none, or the MGF has no entry). */
  mgf: MgfInstallation | undefined;
  mef: MefInstallation | undefined;
  /** The decrypted EncryptedS1SPGroupInformation of the MEF entry (TMAD 5.23). */
  groupInformation: DecryptedS1spGroupInformation | DecryptedS1spDpGroupInformation | undefined;
}

/** 'present and populated validly' of a key (TMAD 12.8.1 …): 16 or 32 octets in hex, as the SMSO holds them. */
export function isValidKey(v: string | undefined): boolean {
  if (v === undefined) return false;
  const t = v.trim();
  return /^(?:[0-9A-Fa-f]{2})+$/.test(t) && (t.length === 32 || t.length === 64);
}

/** IMSI (ITU-T E.212): MCC, MNC and MSIN, 6 to 15 digits. */
const IMSI = /^[0-9]{6,15}$/;
/** An APN (3GPP TS 23.003 9.1): dot-separated labels of letters, digits and hyphens, at most 100 octets. */
const APN = /^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*$/;

/** 'present and populated validly' of one MGF CHFDetail element (TMAD 12.6.1, 14.7.1, 15.6.1). */
function mgfFieldProblem(d: MgfChfDetail | undefined, f: MgfChfField | 'serialNumbers'): string | null {
  if (f === 'serialNumbers') {
    // "populated" = at least SerialNumbers\CHF (Appendix A ET05), as the Requesting Party builds it.
    const chf = d?.serialNumbers?.chf?.trim();
    return d?.serialNumbers === undefined ? 'absent' : chf ? null : 'has no CHF serial number';
  }
  const v = d?.[f]?.trim();
  if (v === undefined) return 'absent';
  if (v === '') return 'empty';
  switch (f) {
    case 'imsi':
      return IMSI.test(v) ? null : `'${v.slice(0, 20)}' is not an IMSI (6 to 15 digits, ITU-T E.212)`;
    case 'ipAddr':
      return isIP(v) ? null : `'${v.slice(0, 45)}' is not an IPv4 or IPv6 address`;
    case 'previousApn':
      return v.length <= 100 && APN.test(v)
        ? null
        : `'${v.slice(0, 40)}' is not an APN (dot-separated labels, at most 100 octets, 3GPP TS 23.003)`;
    default:
      return null;
  }
}

const ASSOCIATION_ELEMENT: Readonly<Record<GroupInformationAssociation, string>> = {
  dataCollectionAssociation: 'DataCollectionAssociation',
  extendedDataCollectionAssociation: 'ExtendedDataCollectionAssociation',
  managementAssociation: 'ManagementAssociation',
  firmwareAssociation: 'FirmwareAssociation',
};

function keysProblem(keys: AssociationKeys | undefined): string | null {
  const missing = [
    isValidKey(keys?.authenticationKey) ? null : 'AuthenticationKey',
    isValidKey(keys?.encryptionKey) ? null : 'EncryptionKey',
  ].filter((x): x is string => x !== null);
  return missing.length ? `${missing.join(' and ')} not present and populated validly` : null;
}

function fail(
  failedStepNumber: string,
  rule: string,
  element: string,
  message: string,
  supportingData?: FailedCheck['supportingData'],
): Table525Result {
  return {
    viable: false,
    failure: {
      failedCheck: { failedStepNumber, ...(supportingData ? { supportingData } : {}) },
      rule,
      element,
      message,
    },
  };
}

const KEY_EXPECTED = '16 or 32 octets in hex';

/** One step of the group's MEF data validation, on the plaintext; a failure or null. */
function mefStep(
  s: S1spMefStep,
  mcf: McfInstallation,
  gi: DecryptedS1spGroupInformation | DecryptedS1spDpGroupInformation,
  clause: string,
): Table525Result | null {
  const step = `5.25.3.${s.step}`;
  const rule = `TMAD 5.25.3 (${clause}, ${s.step})`;
  switch (s.kind) {
    case 'associations': {
      const g = gi as DecryptedS1spGroupInformation;
      const devices = [
        ['CHFDetails', g.chfDetail, mcf.chfDetail.deviceId],
        ['GPFDetails', g.gpfDetail, mcf.gpfDetail.deviceId],
        ['ESMEDetails', g.esmeDetail, mcf.esmeDetail.deviceId],
      ] as const;
      for (const [name, d, deviceId] of devices)
        for (const a of GROUP_INFORMATION_ASSOCIATIONS) {
          const p = keysProblem(d?.[a]);
          if (p)
            return fail(
              step,
              rule,
              `DecryptedS1SPGroupInformation/${name}/${ASSOCIATION_ELEMENT[a]}`,
              `${p}: expected an AuthenticationKey and an EncryptionKey of ${KEY_EXPECTED}`,
              { deviceId, applicationAssociation: ASSOCIATION_ELEMENT[a] },
            );
        }
      if (s.esmePrepaymentKey && !isValidKey(g.esmeDetail?.prepaymentKey))
        return fail(
          step,
          rule,
          'DecryptedS1SPGroupInformation/ESMEDetails/PrepaymentKey',
          `PrepaymentKey not present and populated validly: expected ${KEY_EXPECTED}`,
          { deviceId: mcf.esmeDetail.deviceId },
        );
      return null;
    }
    case 'gsmePrepaymentKey': {
      if (!mcf.gsmeDetail) return null; // "If there is a GSMEIdentifier … in the Migration Common File"
      const g = gi as DecryptedS1spGroupInformation;
      return isValidKey(g.gsmeDetail?.prepaymentKey)
        ? null
        : fail(
            step,
            rule,
            'DecryptedS1SPGroupInformation/GSMEDetails/PrepaymentKey',
            `the MCF has a GSME, and its PrepaymentKey is not present and populated validly: expected ${KEY_EXPECTED}`,
            { deviceId: mcf.gsmeDetail.deviceId },
          );
    }
    case 'dpEsme': {
      const g = gi as DecryptedS1spDpGroupInformation;
      const p = keysProblem(g.esmeDetail?.highLevelAssociation);
      if (p)
        return fail(
          step,
          rule,
          'DecryptedS1SPDPGroupInformation/ESMEDetail/HighLevelAssociation',
          `${p}: expected an AuthenticationKey and an EncryptionKey of ${KEY_EXPECTED}`,
          { deviceId: mcf.esmeDetail.deviceId, applicationAssociation: 'HighLevelAssociation' },
        );
      return isValidKey(g.esmeDetail?.prepaymentKey)
        ? null
        : fail(
            step,
            rule,
            'DecryptedS1SPDPGroupInformation/ESMEDetail/PrepaymentKey',
            `PrepaymentKey not present and populated validly: expected ${KEY_EXPECTED}`,
            { deviceId: mcf.esmeDetail.deviceId },
          );
    }
    case 'dpGsmePrepaymentKey': {
      if (!mcf.gsmeDetail) return null;
      const g = gi as DecryptedS1spDpGroupInformation;
      return isValidKey(g.gsmeDetail?.prePayDetails?.prepaymentKey)
        ? null
        : fail(
            step,
            rule,
            'DecryptedS1SPDPGroupInformation/GSMEDetail/PrePayDetails/PrepaymentKey',
            `the MCF has a GSME, and its PrePayDetails PrepaymentKey is not present and populated validly: expected ${KEY_EXPECTED}`,
            { deviceId: mcf.gsmeDetail.deviceId },
          );
    }
  }
}

/** Table 5.25 for one installation of a complete S1SP Required File Set. */
export function checkTable525(i: Table525Input): Table525Result {
  const req = GROUP_FILE_REQUIREMENTS[i.groupId];
  const source = req.s1sp.requiredFileSet.mgf ? 'Migration Group File' : 'Migration Group Encrypted File';
  // 5.25.1.1
  if (!i.mcf)
    return fail(
      '5.25.1.1',
      'TMAD 5.25.1.1',
      'CHFIdentifier',
      `CHFIdentifier ${i.chfIdentifier} of the ${source} is not a CHF of the Migration Common File: expected a CHFDetail DeviceID with the same value`,
    );
  // 5.25.1.2: an installation the MVF does not report on has no clean result (docs/SPEC-DECISIONS.md).
  if (!i.mvf)
    return fail(
      '5.25.1.2',
      'TMAD 5.25.1.2',
      'CHFIdentifier',
      `CHFIdentifier ${i.chfIdentifier} is not in the Migration Common Validation File: expected an entry without FailedCheck`,
    );
  if (i.mvf.failedChecks.length)
    return fail(
      '5.25.1.2',
      'TMAD 5.25.1.2',
      'FailedCheck',
      `the Migration Common Validation File reports validation errors for CHFIdentifier ${i.chfIdentifier} (${i.mvf.failedChecks.map((c) => c.failedStepNumber).join(', ')}): expected none`,
    );
  // 5.25.2.X
  const mgfV = req.s1sp.mgfValidation;
  if (mgfV) {
    const step = `5.25.2.${mgfV.step}`;
    const rule = `TMAD 5.25.2 (${mgfV.clause}, ${mgfV.step})`;
    if (!i.mgf)
      return fail(
        step,
        rule,
        'SMETS1Installation',
        `the Migration Group File has no entry with CHFIdentifier ${i.chfIdentifier}: expected one`,
      );
    for (const f of mgfV.required) {
      const p = mgfFieldProblem(i.mgf.chfDetail, f);
      if (p)
        return fail(
          step,
          rule,
          `CHFDetail/${MGF_FIELD_ELEMENT[f]}`,
          `${MGF_FIELD_ELEMENT[f]} ${p}: expected it present and populated validly`,
        );
    }
  }
  // 5.25.3.X, after the MEF entry's Additional File Structure Validation.
  const m = req.mef;
  const structureStep = `5.25.3.${m.clause.replace(/^TMAD /, '')}`;
  const structureRule = `TMAD 5.25.3 (${m.clause})`;
  if (!i.mef)
    return fail(
      structureStep,
      structureRule,
      'SMETS1Installation',
      `the Migration Group Encrypted File has no entry with CHFIdentifier ${i.chfIdentifier}: expected one (${m.clause})`,
    );
  const present = {
    encryptedS1spGroupInformation: i.mef.encryptedS1spGroupInformation !== undefined,
    encryptedMasterKey: i.mef.encryptedMasterKeys.length > 0,
    suaKeyDetails: i.mef.suaKeyDetails.length > 0,
  };
  const names = {
    encryptedS1spGroupInformation: 'EncryptedS1SPGroupInformation',
    encryptedMasterKey: 'EncryptedMasterKey',
    suaKeyDetails: 'SUAKeyDetails',
  };
  for (const k of ['encryptedS1spGroupInformation', 'encryptedMasterKey', 'suaKeyDetails'] as const) {
    if (m[k] === 'required' && !present[k])
      return fail(
        structureStep,
        structureRule,
        names[k],
        `the entry has no ${names[k]}: GroupID ${i.groupId} requires it (${m.clause})`,
      );
    if (m[k] === 'forbidden' && present[k])
      return fail(
        structureStep,
        structureRule,
        names[k],
        `the entry has ${names[k]}: GroupID ${i.groupId} must not (${m.clause})`,
      );
  }
  const mefV = req.s1sp.mefValidation;
  if (mefV) {
    const gi = i.groupInformation;
    if (!gi)
      return fail(
        `5.25.3.${mefV.steps[0]!.step}`,
        `TMAD 5.25.3 (${mefV.clause})`,
        mefV.plaintext,
        `no decrypted ${mefV.plaintext} for CHFIdentifier ${i.chfIdentifier}: expected one (TMAD 5.23)`,
      );
    if (gi.chfIdentifier !== i.chfIdentifier)
      return fail(
        `5.25.3.${mefV.steps[0]!.step}`,
        `TMAD 5.25.3 (${mefV.clause})`,
        `${mefV.plaintext}/CHFIdentifier`,
        `the decrypted ${mefV.plaintext} is for CHFIdentifier ${gi.chfIdentifier}: expected ${i.chfIdentifier} (the entry it was found in)`,
      );
    for (const s of mefV.steps) {
      const r = mefStep(s, i.mcf, gi, mefV.clause);
      if (r) return r;
    }
  }
  return { viable: true };
}
