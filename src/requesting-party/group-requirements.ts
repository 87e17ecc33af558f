// What each GroupID requires of the Requesting Party after the MVF (TMAD 5.12(f), 5.12(g)): whether a
// Migration Group File is needed, which CHFDetail elements it must carry, and which MEF elements must
// and must not appear (TMAD 12–16, "Group Specific Requirements").
import type { GroupId } from '../core/ids/reference.js';

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

export interface GroupFileRequirements {
  groupId: GroupId;
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
  AA: { groupId: 'AA', mgf: AA_BA_MGF('TMAD 12.14', 'TMAD 12.6.1'), mef: CIPHER_MEF('TMAD 12.15') },
  // TMAD 13.6 (the S1SP Required File Set holds an MGF); 13.8 applies 12.6; 13.16 as 12.15.
  BA: { groupId: 'BA', mgf: AA_BA_MGF('TMAD 13.6', 'TMAD 13.8 (12.6.1)'), mef: CIPHER_MEF('TMAD 13.16') },
  // TMAD 14.15 MGF required; 14.7.1 IMSI, IPAddr, PreviousAPN, SerialNumbers; 14.16 as 12.15.
  CA: { groupId: 'CA', mgf: CA_CB_MGF, mef: CIPHER_MEF('TMAD 14.16') },
  CB: { groupId: 'CB', mgf: CA_CB_MGF, mef: CIPHER_MEF('TMAD 14.16') },
  // TMAD 15.4 (MGF in the S1SP Required File Set); 15.6.1 IMSI, PreviousAPN; Appendix B ET01/GT01 use
  // CHFDetails\DeviceCertificate; 15.3 MEF with EncryptedS1SPGroupInformation and EncryptedMasterKey.
  EA: { groupId: 'EA', mgf: E_MGF, mef: CIPHER_MEF('TMAD 15.3') },
  EB: { groupId: 'EB', mgf: E_MGF, mef: CIPHER_MEF('TMAD 15.3') },
  EC: { groupId: 'EC', mgf: E_MGF, mef: CIPHER_MEF('TMAD 15.3') },
  // TMAD 16.15 no MGF; 16.16 MEF without EncryptedS1SPGroupInformation or EncryptedMasterKey, with
  // SUAKeyDetails.
  DA: {
    groupId: 'DA',
    mgf: null,
    mef: {
      clause: 'TMAD 16.16',
      encryptedS1spGroupInformation: 'forbidden',
      encryptedMasterKey: 'forbidden',
      suaKeyDetails: 'required',
    },
  },
};
