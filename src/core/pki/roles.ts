// Remote Party Roles (TMAD 3.16, replacing the table in SEC L3.18) and how an Organisation Certificate
// carries them; the signing roles required per file type (TMAD 5.5, Table 5.5).
//
// Encoding (docs/SPEC-DECISIONS.md "PKI: Remote Party Role encoding"): as in the DCC's published GBCS
// test Organisation Certificates, the role is the subject's organizationalUnitName holding the role
// code as two upper-case hex digits (supplier = "02", networkOperator = "03", issuingAuthority = "07").
// The codes of the SMETS1-only roles are not public: s1mig assigns them from 0xA0 (configurable).
import type { MigrationFileType } from '../schema/model.js';

/** A Remote Party Role name as written in TMAD 3.16 / Table 5.5 (open for roles s1mig does not know). */
export type RemotePartyRole =
  | 'supplier'
  | 'networkOperator'
  | 'requestingPartyFileSigning'
  | 's1SPMigrationSigning'
  | 's1SPxmlSigning'
  | 'commissioningPartyFileSigning'
  | 'commissioningPartyXmlSigning'
  | 'ikiFileSigning'
  | (string & {});

/** Role name → numeric code (0..255) carried as two hex digits in the subject OU. */
export type RoleCodeTable = Readonly<Record<string, number>>;

/**
 * Default role codes. 0x00–0x08, 0x7F, 0x87 and 0x89 are the GBCS codes seen in the DCC's public test
 * certificates; 0xA0–0xA7 are s1mig's own for roles whose codes are not published (TMAD 3.16 rows
 * (g)–(j), Table 5.5 commissioningPartyXmlSigning, and MAM 7.5.3's IKI File Signing Key).
 */
export const DEFAULT_ROLE_CODES: RoleCodeTable = Object.freeze({
  root: 0x00,
  recovery: 0x01,
  supplier: 0x02,
  networkOperator: 0x03,
  accessControlBroker: 0x04,
  transitionalCoS: 0x05,
  wanProvider: 0x06,
  issuingAuthority: 0x07,
  loadController: 0x08,
  other: 0x7f,
  xmlSign: 0x87,
  dspXmlSign: 0x89,
  pPPXmlSign: 0xa0,
  pPRDPFileSign: 0xa1,
  s1SPxmlSigning: 0xa2,
  commissioningPartyFileSigning: 0xa3,
  requestingPartyFileSigning: 0xa4,
  s1SPMigrationSigning: 0xa5,
  commissioningPartyXmlSigning: 0xa6,
  ikiFileSigning: 0xa7,
});

/** The OU value (two upper-case hex digits) for a role, or undefined when the table has no code. */
export function roleCodeOu(role: string, table: RoleCodeTable = DEFAULT_ROLE_CODES): string | undefined {
  const code = table[role];
  if (code === undefined) return undefined;
  return code.toString(16).toUpperCase().padStart(2, '0');
}

/** The role named by an OU value of two hex digits; unknown codes come back as `code:XX`. */
export function roleFromOu(ou: string, table: RoleCodeTable = DEFAULT_ROLE_CODES): RemotePartyRole | null {
  if (!/^[0-9A-Fa-f]{2}$/.test(ou)) return null;
  const code = parseInt(ou, 16);
  for (const [name, c] of Object.entries(table)) if (c === code) return name;
  return `code:${ou.toUpperCase()}`;
}

/** TMAD 3.16: the roles of the replaced L3.18 table, with the Party that holds them. */
export const TMAD_3_16_ROLES: Readonly<Record<string, string>> = Object.freeze({
  root: 'The DCC',
  recovery: 'The DCC',
  transitionalCoS: 'The DCC',
  wanProvider: 'The DCC',
  accessControlBroker: 'The DCC',
  issuingAuthority: 'The DCC',
  networkOperator: 'A Network Party',
  supplier: 'A Supplier Party',
  other: 'An RDP or any Party other than the DCC',
  pPPXmlSign: 'The DCC',
  pPRDPFileSign: 'The DCC',
  s1SPxmlSigning: 'The DCC',
  commissioningPartyFileSigning: 'The DCC',
  requestingPartyFileSigning: 'The DCC',
  s1SPMigrationSigning: 'The DCC',
});

/** File types whose signatures Table 5.5 governs. */
export type SignedObjectType =
  | 'CommissioningOutcomeFile'
  | 'MigrationCommonFile'
  | 'MigrationGroupFile'
  | 'MigrationGroupEncryptedFile'
  | 'MigrationCommonValidationFile'
  | 'S1SPCommissioningFile'
  | 'DUISRequest';

/** TMAD Table 5.5: the Remote Party Role required in the Certificate used to check each signature. */
export const TABLE_5_5: Readonly<Record<SignedObjectType, { signer: string; role: RemotePartyRole }>> =
  Object.freeze({
    CommissioningOutcomeFile: { signer: 'Commissioning Party', role: 'commissioningPartyFileSigning' },
    MigrationCommonFile: { signer: 'Requesting Party', role: 'requestingPartyFileSigning' },
    MigrationGroupFile: { signer: 'Requesting Party', role: 'requestingPartyFileSigning' },
    MigrationGroupEncryptedFile: { signer: 'Requesting Party', role: 'requestingPartyFileSigning' },
    MigrationCommonValidationFile: { signer: 'S1SP', role: 's1SPMigrationSigning' },
    S1SPCommissioningFile: { signer: 'S1SP', role: 's1SPMigrationSigning' },
    DUISRequest: { signer: 'Commissioning Party', role: 'commissioningPartyXmlSigning' },
  });

/** Short names used in file names and reports (COF, MCF, MGF, MEF, MVF, SCF). */
export const SIGNED_OBJECT_ABBREVIATIONS: Readonly<Record<string, SignedObjectType>> = Object.freeze({
  COF: 'CommissioningOutcomeFile',
  MCF: 'MigrationCommonFile',
  MGF: 'MigrationGroupFile',
  MEF: 'MigrationGroupEncryptedFile',
  MVF: 'MigrationCommonValidationFile',
  SCF: 'S1SPCommissioningFile',
  DUIS: 'DUISRequest',
} satisfies Record<MigrationFileType | 'DUIS', SignedObjectType>);

/** TMAD 5.5 / Table 5.5: the role a signing certificate must have for a file type (full or short name). */
export function requiredSigningRole(fileType: SignedObjectType | string): RemotePartyRole | undefined {
  const full = (SIGNED_OBJECT_ABBREVIATIONS[fileType] ?? fileType) as SignedObjectType;
  return TABLE_5_5[full]?.role;
}
