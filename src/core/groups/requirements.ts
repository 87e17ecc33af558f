// The Group Specific Requirements of TMAD 12–16 that more than one party applies, one table for all:
// whether a Migration Group File is needed (the Requesting Party builds it, TMAD 5.12(f); the S1SP
// Required File Set holds it, 12.4, 13.6, 14.5, 15.4, 16.4), which CHFDetail elements it must carry,
// which MEF elements must and must not appear (12.15, 13.16, 14.16, 15.3, 16.16), and the S1SP's own
// checks of both files ('S1SP Migration Group File data validation' 12.6, 13.8, 14.7, 15.6, 16.6;
// 'S1SP Migration Group Encrypted File data validation' 12.8, 13.10, 14.9, 15.8, 16.8). Pure data.
import type { GroupId } from '../ids/reference.js';

/** MGF CHFDetail elements (Table 10.1), by their typed property name. */
export type MgfChfField =
  'imsi' | 'ipAddr' | 'dnsServer' | 'pingServer' | 'previousApn' | 'deviceCertificate';

/** The TMAD element name of each MGF field (for messages). */
export const MGF_FIELD_ELEMENT: Readonly<Record<MgfChfField | 'serialNumbers', string>> = {
  imsi: 'IMSI',
  ipAddr: 'IPAddr',
  dnsServer: 'DNSServer',
  pingServer: 'PingServer',
  previousApn: 'PreviousAPN',
  deviceCertificate: 'DeviceCertificate',
  serialNumbers: 'SerialNumbers',
};

/** The Application Associations of TMAD 12.8.1 / 13.10.1 / 14.9.1 (typed property names). */
export const GROUP_INFORMATION_ASSOCIATIONS = [
  'dataCollectionAssociation',
  'extendedDataCollectionAssociation',
  'managementAssociation',
  'firmwareAssociation',
] as const;
export type GroupInformationAssociation = (typeof GROUP_INFORMATION_ASSOCIATIONS)[number];

/** One step of an 'S1SP Migration Group Encrypted File data validation' table. */
export type S1spMefStep =
  /** 12.8.1, 13.10.1, 14.9.1: the four associations × CHF, GPF, ESME; with `esmePrepaymentKey` (12.8.1). */
  | { step: string; kind: 'associations'; esmePrepaymentKey: boolean }
  /** 12.8.2: a GSME in the MCF → GSMEDetails PrepaymentKey. */
  | { step: string; kind: 'gsmePrepaymentKey' }
  /** 15.8.1: ESMEDetail HighLevelAssociation AuthenticationKey, EncryptionKey; PrepaymentKey. */
  | { step: string; kind: 'dpEsme' }
  /** 15.8.2: each GSME of the MCF → GSMEDetail/PrePayDetails PrepaymentKey. */
  | { step: string; kind: 'dpGsmePrepaymentKey' };

export interface S1spGroupChecks {
  /** TMAD 12.4 / 13.6 / 14.5 / 15.4 / 16.4: the S1SP Required File Set (MCF, MVF, MEF, and MGF when true). */
  requiredFileSet: { clause: string; mgf: boolean };
  /** 'S1SP Migration Group File data validation' (Table 5.25 step 5.25.2.X); null: none (16.6). */
  mgfValidation: {
    clause: string;
    step: string;
    required: ReadonlyArray<MgfChfField | 'serialNumbers'>;
  } | null;
  /** 'S1SP Migration Group Encrypted File data validation' (Table 5.25 step 5.25.3.X); null: none (16.8). */
  mefValidation: {
    clause: string;
    /** TMAD 5.23(b), Table 11.2.1: the plaintext structure EncryptedS1SPGroupInformation decrypts to. */
    plaintext: 'DecryptedS1SPGroupInformation' | 'DecryptedS1SPDPGroupInformation';
    steps: readonly S1spMefStep[];
  } | null;
}

export interface GroupFileRequirements {
  groupId: GroupId;
  /** What the S1SP checks for this GroupID (TMAD 5.24, 5.25). */
  s1sp: S1spGroupChecks;
  /** TMAD 12.14 / 13.6 / 14.15 / 15.4 / 16.15 (null: no MGF for this GroupID). */
  mgf: {
    clause: string;
    /** CHFDetail elements that must be present and populated (12.6.1, 14.7.1, 15.6.1, Appendix B). */
    required: ReadonlyArray<MgfChfField | 'serialNumbers'>;
    /** The clause of the S1SP check that would fail without them. */
    requiredClause: string;
  } | null;
  /** TMAD 12.3 / 13.5 / 14.4 / 15.3 / 16.3: an MEF is required for every GroupID. */
  mef: {
    clause: string;
    encryptedS1spGroupInformation: 'required' | 'forbidden';
    encryptedMasterKey: 'required' | 'forbidden';
    suaKeyDetails: 'required' | 'forbidden';
  };
}

const S1SP_AA_BA = (
  fileSet: string,
  mgfClause: string,
  mefClause: string,
  prepay: boolean,
): S1spGroupChecks => ({
  requiredFileSet: { clause: fileSet, mgf: true },
  mgfValidation: { clause: mgfClause, step: '12.6.1', required: ['imsi', 'previousApn', 'serialNumbers'] },
  mefValidation: {
    clause: mefClause,
    plaintext: 'DecryptedS1SPGroupInformation',
    steps: prepay
      ? [
          { step: '12.8.1', kind: 'associations', esmePrepaymentKey: true },
          { step: '12.8.2', kind: 'gsmePrepaymentKey' },
        ]
      : [{ step: '13.10.1', kind: 'associations', esmePrepaymentKey: false }],
  },
});

const S1SP_C: S1spGroupChecks = {
  requiredFileSet: { clause: 'TMAD 14.5', mgf: true },
  mgfValidation: {
    clause: 'TMAD 14.7',
    step: '14.7.1',
    required: ['imsi', 'ipAddr', 'previousApn', 'serialNumbers'],
  },
  mefValidation: {
    clause: 'TMAD 14.9',
    plaintext: 'DecryptedS1SPGroupInformation',
    steps: [{ step: '14.9.1', kind: 'associations', esmePrepaymentKey: false }],
  },
};

const S1SP_E: S1spGroupChecks = {
  requiredFileSet: { clause: 'TMAD 15.4', mgf: true },
  mgfValidation: { clause: 'TMAD 15.6', step: '15.6.1', required: ['imsi', 'previousApn'] },
  mefValidation: {
    clause: 'TMAD 15.8',
    plaintext: 'DecryptedS1SPDPGroupInformation',
    steps: [
      { step: '15.8.1', kind: 'dpEsme' },
      { step: '15.8.2', kind: 'dpGsmePrepaymentKey' },
    ],
  },
};

const CIPHER_MEF = (clause: string) =>
  ({
    clause,
    encryptedS1spGroupInformation: 'required',
    encryptedMasterKey: 'required',
    suaKeyDetails: 'forbidden',
  }) as const;

const AA_BA_MGF = (clause: string, requiredClause: string) => ({
  clause,
  required: ['imsi', 'previousApn', 'serialNumbers'] as const,
  requiredClause,
});

const CA_CB_MGF = {
  clause: 'TMAD 14.15',
  required: ['imsi', 'ipAddr', 'previousApn', 'serialNumbers'] as const,
  requiredClause: 'TMAD 14.7.1',
};

const E_MGF = {
  clause: 'TMAD 15.4',
  required: ['imsi', 'previousApn', 'deviceCertificate'] as const,
  requiredClause: 'TMAD 15.6.1, Appendix B ET01/GT01',
};

/** The table behind every decision of group-files.ts. */
export const GROUP_FILE_REQUIREMENTS: Readonly<Record<GroupId, GroupFileRequirements>> = {
  // TMAD 12.14 MGF required; 12.6.1 IMSI, PreviousAPN, SerialNumbers; 12.15 MEF with
  // EncryptedS1SPGroupInformation and EncryptedMasterKey, no SUAKeyDetails.
  AA: {
    groupId: 'AA',
    s1sp: S1SP_AA_BA('TMAD 12.4', 'TMAD 12.6', 'TMAD 12.8', true),
    mgf: AA_BA_MGF('TMAD 12.14', 'TMAD 12.6.1'),
    mef: CIPHER_MEF('TMAD 12.15'),
  },
  // TMAD 13.6 (the S1SP Required File Set holds an MGF); 13.8 applies 12.6; 13.16 as 12.15.
  // The S1SP: 13.6 file set, 13.8 (12.6.1 applies), 13.10.1 (no PrepaymentKey: A1 ET07 checks it).
  BA: {
    groupId: 'BA',
    s1sp: S1SP_AA_BA('TMAD 13.6', 'TMAD 13.8 (12.6)', 'TMAD 13.10', false),
    mgf: AA_BA_MGF('TMAD 13.6', 'TMAD 13.8 (12.6.1)'),
    mef: CIPHER_MEF('TMAD 13.16'),
  },
  // TMAD 14.15 MGF required; 14.7.1 IMSI, IPAddr, PreviousAPN, SerialNumbers; 14.16 as 12.15.
  CA: { groupId: 'CA', s1sp: S1SP_C, mgf: CA_CB_MGF, mef: CIPHER_MEF('TMAD 14.16') },
  CB: { groupId: 'CB', s1sp: S1SP_C, mgf: CA_CB_MGF, mef: CIPHER_MEF('TMAD 14.16') },
  // TMAD 15.4 (MGF in the S1SP Required File Set); 15.6.1 IMSI, PreviousAPN; Appendix B ET01/GT01 use
  // CHFDetails\DeviceCertificate; 15.3 MEF with EncryptedS1SPGroupInformation and EncryptedMasterKey.
  // The S1SP: 15.6.1 IMSI, PreviousAPN only ("Table 15.6Table 14.7" is a redline: 15.6 stands);
  // 15.8.1, 15.8.2 on the DecryptedS1SPDPGroupInformation.
  EA: { groupId: 'EA', s1sp: S1SP_E, mgf: E_MGF, mef: CIPHER_MEF('TMAD 15.3') },
  EB: { groupId: 'EB', s1sp: S1SP_E, mgf: E_MGF, mef: CIPHER_MEF('TMAD 15.3') },
  EC: { groupId: 'EC', s1sp: S1SP_E, mgf: E_MGF, mef: CIPHER_MEF('TMAD 15.3') },
  // TMAD 16.15 no MGF; 16.16 MEF without EncryptedS1SPGroupInformation or EncryptedMasterKey, with
  // SUAKeyDetails.
  // The S1SP: 16.4 file set without an MGF; 16.6 and 16.8 NONE REQUIRED.
  DA: {
    groupId: 'DA',
    s1sp: {
      requiredFileSet: { clause: 'TMAD 16.4', mgf: false },
      mgfValidation: null,
      mefValidation: null,
    },
    mgf: null,
    mef: {
      clause: 'TMAD 16.16',
      encryptedS1spGroupInformation: 'forbidden',
      encryptedMasterKey: 'forbidden',
      suaKeyDetails: 'required',
    },
  },
};
