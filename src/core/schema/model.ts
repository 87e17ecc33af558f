// The SMETS1 Migration Schema (TMAD 10.1) as data: ONE source of truth.
//
// `schema/smets1-migration.xsd` and `schema/xmldsig-signature.xsd` are GENERATED from this model by
// `generateXsd()` / `generateSignatureXsd()` (run `npx tsx src/core/schema/write-xsd.ts`); a unit test
// fails if the files on disk differ from the generated text. The streaming validator
// (`validator.ts`) walks the same model, and typed readers/writers can consume it (`ROOTS`,
// `contentOf()`, `COMPLEX_TYPES`).
//
// Structural only (spec README): elements, order, cardinality and lexical types. Device types,
// Device Models, certificate roles, GroupID values and every Table 5.10 / group-specific
// "present and populated validly" rule stay OUT so those checks can fail per installation.
// Every choice below is recorded, with its clause, in docs/SPEC-DECISIONS.md.

export const TARGET_NAMESPACE = 'urn:s1mig:smets1-migration:1';
export const DSIG_NAMESPACE = 'http://www.w3.org/2000/09/xmldsig#';
export const SCHEMA_VERSION = '1.0.0';
export const SCHEMA_FILE = 'smets1-migration.xsd';
export const SIGNATURE_SCHEMA_FILE = 'xmldsig-signature.xsd';

/** The XSD built-in types the schema uses (the validator implements exactly these). */
export type BuiltinType = 'string' | 'unsignedLong' | 'boolean' | 'base64Binary';

export interface SimpleTypeDef {
  readonly kind: 'simple';
  readonly name: string;
  readonly base: BuiltinType;
  /** XSD regular expression (implicitly anchored); written with ASCII classes only. */
  readonly pattern?: string;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly doc: string;
}

export interface ElementParticle {
  /** Local name. Namespace is TARGET_NAMESPACE unless `ref` is 'ds:Signature'. */
  readonly name: string;
  /** Name of a SimpleTypeDef / ComplexTypeDef, or 'ds:Signature' for the signature reference. */
  readonly type: string;
  readonly minOccurs: number;
  /** Infinity = unbounded. */
  readonly maxOccurs: number;
  /** Clause(s) that put the element here. */
  readonly clause: string;
}

export interface ComplexTypeDef {
  readonly kind: 'complex';
  readonly name: string;
  /** xs:sequence of element particles; names are unique within one sequence (keeps UPA trivial). */
  readonly sequence: readonly ElementParticle[];
  readonly doc: string;
}

/**
 * The six signed migration files of Table 10.2 (TMAD 10.2 file name prefixes): the one list in s1mig,
 * re-exported by file-names.ts; their root elements are in ROOTS.
 */
export const MIGRATION_FILE_TYPES = ['MCF', 'MVF', 'MGF', 'MEF', 'SCF', 'COF'] as const;
export type MigrationFileType = (typeof MIGRATION_FILE_TYPES)[number];

/** A signed migration file, or one of the two plaintexts of Table 11.2.1. */
export type FileType =
  MigrationFileType | 'DecryptedS1SPGroupInformation' | 'DecryptedS1SPDPGroupInformation';

export interface RootDef {
  readonly element: string;
  readonly fileType: FileType;
  readonly type: string;
  /** Ends with a ds:Signature (Table 5.5 objects); the decrypted plaintexts are not signed. */
  readonly signed: boolean;
  readonly clause: string;
}

const simple = (
  name: string,
  base: BuiltinType,
  doc: string,
  facets: { pattern?: string; minLength?: number; maxLength?: number } = {},
): SimpleTypeDef => ({ kind: 'simple', name, base, doc, ...facets });

const el = (name: string, type: string, clause: string, minOccurs = 1, maxOccurs = 1): ElementParticle => ({
  name,
  type,
  minOccurs,
  maxOccurs,
  clause,
});
const opt = (name: string, type: string, clause: string): ElementParticle => el(name, type, clause, 0, 1);
const many = (name: string, type: string, clause: string, min = 0): ElementParticle =>
  el(name, type, clause, min, Infinity);
const SIGNATURE = el('Signature', 'ds:Signature', 'TMAD 10.1 Table 10.1 Signature; Table 5.5');

const complex = (name: string, doc: string, sequence: ElementParticle[]): ComplexTypeDef => ({
  kind: 'complex',
  name,
  doc,
  sequence,
});

// ---------------------------------------------------------------------------------------------
// Simple types
export const SIMPLE_TYPES: readonly SimpleTypeDef[] = [
  simple(
    'EUI64Type',
    'string',
    'EUI-64 (Device ID, DCC ID / Entity Identifier): eight upper-case hex octets joined by hyphens, as in DUIS and our CSVs.',
    { pattern: '[0-9A-F]{2}(-[0-9A-F]{2}){7}' },
  ),
  simple(
    'CounterType',
    'unsignedLong',
    'File counter (TMAD 5.6, Table 5.7): 0 .. 2^64-1, digits only (no sign).',
    {
      pattern: '[0-9]{1,20}',
    },
  ),
  simple(
    'GroupIDType',
    'string',
    'GroupID (TMAD 2): two upper-case letters; the list of Groups is reference data.',
    { pattern: '[A-Z]{2}' },
  ),
  simple('FlagType', 'boolean', 'ToBeCommissionedByDCC, PrepayFlag: true|false|1|0.'),
  simple(
    'X509IssuerNameType',
    'string',
    'issuerName (RFC 4514 string), or NULL in the Null Certificate ID.',
    { minLength: 1, maxLength: 1024 },
  ),
  simple(
    'X509SerialNumberType',
    'string',
    'serialNumber as a decimal integer of at most 44 digits (MAM Table 7.2.3), or 0 in the Null Certificate ID.',
    { pattern: '[0-9]{1,44}' },
  ),
  simple(
    'DeviceDetailTextType',
    'string',
    'FirmwareVersion, DeviceModel, DeviceManufacturer, DeviceType: any non-empty text (checked against the CPL by 5.10.1/5.10.2/5.10.18).',
    { minLength: 1, maxLength: 64 },
  ),
  simple('ESMEVariantType', 'string', 'ESMEVariant as required by DUIS (value not constrained here).', {
    minLength: 1,
    maxLength: 16,
  }),
  simple('MPANType', 'string', 'ImportMPAN: an MPAN core of 13 digits (check digit checked elsewhere).', {
    pattern: '[0-9]{13}',
  }),
  simple('MPRNType', 'string', 'MPRN: 1 to 10 digits (MAM Table 7.2.3).', { pattern: '[0-9]{1,10}' }),
  simple(
    'StepNumberType',
    'string',
    'FailedStepNumber: dot-separated step number, e.g. 5.10.3, 6.3.12, 12.9.1.ET05.',
    { pattern: '[0-9A-Za-z]+(\\.[0-9A-Za-z]+)*', maxLength: 32 },
  ),
  simple('ShortTextType', 'string', 'Short free text (error codes, sub-step numbers, names).', {
    maxLength: 64,
  }),
  simple(
    'SIMTextType',
    'string',
    'SIM data and serial numbers: free text, possibly empty, so that the group-specific "present and populated validly" checks (12.6.1, 14.7.1, 15.6.1) fire per installation.',
    { maxLength: 256 },
  ),
  simple(
    'KeyTextType',
    'string',
    'Key material and SUAKeyDetails values: free text, possibly empty, so that 12.8.x, 13.10.1, 14.9.1, 15.8.x and 16.7.5 fire per installation.',
    { maxLength: 4096 },
  ),
  simple('Base64Type', 'base64Binary', 'Base64 (RFC 4648 alphabet, padded, no line breaks or spaces).', {
    pattern: '([A-Za-z0-9+/]{4})*([A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?',
  }),
];

// ---------------------------------------------------------------------------------------------
// Complex types
const T101 = 'TMAD 10.1 Table 10.1';
const CERTS_SUPPLIER = [
  el('CriticalSupplierCertificateID', 'CertificateIDType', `${T101}`),
  el('NonCriticalSupplierCertificateID', 'CertificateIDType', `${T101}`),
];
const CERTS_NETWORK = [
  el('CriticalNetworkOperatorCertificateID', 'CertificateIDType', `${T101}`),
  el('NonCriticalNetworkOperatorCertificateID', 'CertificateIDType', `${T101}`),
];
const HEADER = [
  el('RequestingPartyID', 'EUI64Type', 'TMAD 2 Migration Header; Table 10.1'),
  el('MCFCounter', 'CounterType', 'TMAD 2 Migration Header; Table 5.7'),
];
const GROUP = el('GroupID', 'GroupIDType', `${T101} GroupID; TMAD 12.4`);
/**
 * A Table 10.2 signed file: the Migration Header (TMAD 2), its own fields, one or more
 * SMETS1Installation, and the ds:Signature last (Table 5.5).
 */
const signedFile = (
  name: string,
  doc: string,
  installationType: string,
  clause: string,
  fields: ElementParticle[],
): ComplexTypeDef =>
  complex(name, doc, [
    ...HEADER,
    ...fields,
    many('SMETS1Installation', installationType, clause, 1),
    SIGNATURE,
  ]);
const CHF_ID = el('CHFIdentifier', 'EUI64Type', `${T101} CHFIdentifier; TMAD 5.25.1`);
const ASSOCIATIONS = [
  opt('DataCollectionAssociation', 'AssociationKeysType', 'TMAD 12.8.1; Appendix A'),
  opt('ExtendedDataCollectionAssociation', 'AssociationKeysType', 'TMAD 12.8.1; Appendix A'),
  opt('ManagementAssociation', 'AssociationKeysType', 'TMAD 12.8.1; Appendix A'),
  opt('FirmwareAssociation', 'AssociationKeysType', 'TMAD 12.8.1; Appendix A'),
];
const PREPAYMENT_KEYS = [
  opt('PrepaymentKey', 'KeyTextType', 'TMAD 12.8.1, 12.8.2, 13.3; Table A1 ET07'),
  opt('PrepaymentWrapperKey', 'KeyTextType', 'Table A1 ET07'),
  opt('WrappedPrepaymentKey', 'KeyTextType', 'TMAD 11.4, 13.4; Table A1 ET07'),
];

export const COMPLEX_TYPES: readonly ComplexTypeDef[] = [
  complex('CertificateIDType', 'Certificate ID (TMAD 2): X509IssuerSerial-shaped pair; Null = (NULL, 0).', [
    el('X509IssuerName', 'X509IssuerNameType', `${T101} X509IssuerName`),
    el('X509SerialNumber', 'X509SerialNumberType', `${T101} X509SerialNumber`),
  ]),
  complex('DeviceDetailType', 'Device Model and Device Type of a Device (Table 10.1 DeviceDetail).', [
    el('FirmwareVersion', 'DeviceDetailTextType', `${T101} DeviceDetail`),
    el('DeviceModel', 'DeviceDetailTextType', `${T101} DeviceDetail`),
    el('DeviceManufacturer', 'DeviceDetailTextType', `${T101} DeviceDetail`),
    el('DeviceType', 'DeviceDetailTextType', `${T101} DeviceDetail`),
  ]),
  complex(
    'DeviceWithoutCertificatesType',
    'CHFDetail, PPMIDDetail, IHDDetail, CADDetail: no certificate IDs (Table 10.1).',
    [
      el('DeviceID', 'EUI64Type', `${T101} DeviceID`),
      el('DeviceDetail', 'DeviceDetailType', `${T101} DeviceDetail`),
    ],
  ),
  complex('GPFDetailType', 'GPFDetail: exactly one of each of the four certificate IDs (Table 10.1).', [
    el('DeviceID', 'EUI64Type', `${T101} DeviceID`),
    el('DeviceDetail', 'DeviceDetailType', `${T101} DeviceDetail`),
    ...CERTS_SUPPLIER,
    ...CERTS_NETWORK,
  ]),
  complex(
    'ESMEDetailType',
    'ESMEDetail: ESMEVariant, ImportMPAN and exactly one of each of the four certificate IDs.',
    [
      el('DeviceID', 'EUI64Type', `${T101} DeviceID`),
      el('DeviceDetail', 'DeviceDetailType', `${T101} DeviceDetail`),
      el('ESMEVariant', 'ESMEVariantType', `${T101} ESMEVariant`),
      el('ImportMPAN', 'MPANType', `${T101} ImportMPAN; TMAD 5.10.9`),
      ...CERTS_SUPPLIER,
      ...CERTS_NETWORK,
    ],
  ),
  complex('GSMEDetailType', 'GSMEDetail: MPRN and both Supplier certificate IDs, no Network Operator IDs.', [
    el('DeviceID', 'EUI64Type', `${T101} DeviceID`),
    el('DeviceDetail', 'DeviceDetailType', `${T101} DeviceDetail`),
    el('MPRN', 'MPRNType', `${T101} MPRN; TMAD 5.10.14`),
    ...CERTS_SUPPLIER,
  ]),
  complex(
    'MCFInstallationType',
    'SMETS1 Installation (TMAD 2): CHF, GPF, ESME and at most one each of GSME, PPMID, IHD, CAD.',
    [
      el('CHFDetail', 'DeviceWithoutCertificatesType', `${T101} CHFDetail; TMAD 2`),
      el('GPFDetail', 'GPFDetailType', `${T101} GPFDetail; TMAD 2`),
      el('ESMEDetail', 'ESMEDetailType', `${T101} ESMEDetail; TMAD 2`),
      opt('GSMEDetail', 'GSMEDetailType', `${T101} GSMEDetail; TMAD 2`),
      opt('PPMIDDetail', 'DeviceWithoutCertificatesType', `${T101} PPMIDDetail; TMAD 2`),
      opt('IHDDetail', 'DeviceWithoutCertificatesType', `${T101} IHDDetail; TMAD 2`),
      opt('CADDetail', 'DeviceWithoutCertificatesType', `${T101} CADDetail; TMAD 2`),
    ],
  ),
  signedFile('MigrationCommonType', 'Migration Common File (TMAD 5.8).', 'MCFInstallationType', 'TMAD 5.8', [
    GROUP,
    el('ToBeCommissionedByDCC', 'FlagType', 'TMAD 5.8, 5.10(a)'),
    opt('CommissioningPartyIdentifier', 'EUI64Type', 'TMAD 5.28(b)'),
  ]),
  complex(
    'CertificatePairType',
    'Supporting Data of 5.10.8/11/13/16: Critical then Non-Critical Certificate ID.',
    [el('CertificateID', 'CertificateIDType', `${T101} CertificatePair`, 2, 2)],
  ),
  complex(
    'SupportingDataType',
    'Supporting Data (Table 5.10, group tables, Appendices A-C); every part optional.',
    [
      opt('DeviceID', 'EUI64Type', 'Table 5.10 (5.10.1, 5.10.2, 5.10.4, 5.10.18); Appendix A'),
      opt('CertificateID', 'CertificateIDType', `${T101} CertificateID; Table 5.10`),
      opt('CertificatePair', 'CertificatePairType', `${T101} CertificatePair; Table 5.10`),
      opt('ErrorCode', 'ShortTextType', 'TMAD 12.9, 15.9, 16.9, 16.10 (error code of Appendix A-C)'),
      opt('SubStep', 'ShortTextType', 'Appendices A-C ("sub step which failed")'),
      opt('ApplicationAssociation', 'ShortTextType', "Table A1 ET04 ('name of Application Association')"),
      opt('EncryptedMasterKey', 'EncryptedMasterKeyType', 'Table A1 ET02'),
    ],
  ),
  complex('FailedCheckType', 'A failed check (TMAD 5.10(c), 5.25, 5.27(b), 6.3(d)(ii)).', [
    el('FailedStepNumber', 'StepNumberType', `${T101} FailedStepNumber`),
    opt('SupportingData', 'SupportingDataType', `${T101} SupportingData`),
  ]),
  complex(
    'OutcomeInstallationType',
    'MVF / COF entry: the CHF and zero or more FailedCheck (5.10(c), 6.3(d)(ii)).',
    [CHF_ID, many('FailedCheck', 'FailedCheckType', 'TMAD 5.10(c), 6.3(d)(ii)')],
  ),
  complex(
    'SCFInstallationType',
    'SCF entry: the CHF, PrepayFlag (Appendices A-C), zero or more FailedCheck.',
    [
      CHF_ID,
      opt('PrepayFlag', 'FlagType', `${T101} PrepayFlag; Table A1, B2, B3, C1, C2`),
      many('FailedCheck', 'FailedCheckType', 'TMAD 5.25, 5.27(b)'),
    ],
  ),
  signedFile(
    'MigrationValidationType',
    'Migration Common Validation File (TMAD 5.10(b)-(d)).',
    'OutcomeInstallationType',
    'TMAD 5.10(c)',
    [
      el('ReportingPartyID', 'EUI64Type', `${T101} ReportingPartyID; Table 10.2 MVF`),
      el('MVFCounter', 'CounterType', 'Table 5.7'),
      GROUP,
    ],
  ),
  signedFile(
    'S1SPOutcomesType',
    'S1SP Commissioning File (TMAD 5.25, 5.27, 5.28).',
    'SCFInstallationType',
    'TMAD 5.28',
    [
      el('ReportingPartyID', 'EUI64Type', `${T101} ReportingPartyID; Table 10.2 SCF; TMAD 5.9.9`),
      el('SCFCounter', 'CounterType', 'Table 5.7'),
      GROUP,
    ],
  ),
  signedFile(
    'CommissioningOutcomesType',
    'Commissioning Outcome File (TMAD 6.3(d)(ii)).',
    'OutcomeInstallationType',
    'TMAD 6.3(d)(ii)',
    [
      el('CommissioningPartyID', 'EUI64Type', `${T101} CommissioningPartyID; Table 5.5`),
      el('COFCounter', 'CounterType', 'Table 5.7'),
      GROUP,
    ],
  ),
  complex(
    'SerialNumbersType',
    'Serial numbers per Device (Table 10.1; Appendix A ET05/ET07, B2 ET01, B3 GT02).',
    [
      opt('CHF', 'SIMTextType', 'Table A1 ET05; Table B2 ET01'),
      opt('GPF', 'SIMTextType', 'TMAD 12.6.1'),
      opt('ESME', 'SIMTextType', 'Table A1 ET07'),
      opt('GSME', 'SIMTextType', 'Table B3 GT02'),
      opt('PPMID', 'SIMTextType', 'TMAD 12.6.1'),
    ],
  ),
  complex(
    'MGFCHFDetailType',
    'CHF data of a Migration Group File (Table 10.1 SIM data; 12.6.1, 14.7.1, 15.6.1).',
    [
      opt('IMSI', 'SIMTextType', `${T101} IMSI`),
      opt('IPAddr', 'SIMTextType', `${T101} IPAddr`),
      opt('DNSServer', 'SIMTextType', `${T101} DNSServer`),
      opt('PingServer', 'SIMTextType', `${T101} PingServer`),
      opt('PreviousAPN', 'SIMTextType', `${T101} PreviousAPN`),
      opt('SerialNumbers', 'SerialNumbersType', `${T101} SerialNumbers`),
      opt('DeviceCertificate', 'Base64Type', `${T101} DeviceCertificate; Appendix B`),
    ],
  ),
  complex(
    'MGFInstallationType',
    'Migration Group File entry (TMAD 12.6.1: "the entry with the CHFIdentifier").',
    [CHF_ID, opt('CHFDetail', 'MGFCHFDetailType', 'TMAD 12.6.1, 14.7.1, 15.6.1')],
  ),
  signedFile(
    'MigrationGroupType',
    'Migration Group File (TMAD 5.12(f)).',
    'MGFInstallationType',
    'TMAD 5.12(f)',
    [el('MGFCounter', 'CounterType', 'Table 5.7'), GROUP],
  ),
  complex(
    'EncryptedS1SPGroupInformationType',
    'AES-GCM ciphertext, tag and RSA-OAEP wrapped key (Tables 11.2.1, 11.2.2).',
    [
      el('ProtectedData', 'Base64Type', 'Table 11.2.1'),
      el('AuthenticationTag', 'Base64Type', 'Table 11.2.1'),
      el('WrappedTransportKey', 'Base64Type', 'Table 11.2.2'),
    ],
  ),
  complex(
    'EncryptedMasterKeyType',
    'One EncryptedKey and the DeviceIDs (ESME/GPF/CHF, or the PPMID) it is the Master Key of.',
    [
      el('EncryptedKey', 'Base64Type', 'Table 11.3'),
      el('DeviceID', 'EUI64Type', `${T101} EncryptedMasterKey; Table 11.3`, 1, 3),
    ],
  ),
  complex(
    'SUAKeyDetailsType',
    'SUA key for one ESME or GSME (Table 11.3B); values may be empty so 16.7.5 can fire.',
    [
      el('DeviceType', 'KeyTextType', 'Table 11.3B'),
      el('SerialNumber', 'KeyTextType', 'Table 11.3B'),
      el('PublicKey', 'KeyTextType', 'Table 11.3B'),
      el('EncryptedSUAKey', 'KeyTextType', 'Table 11.3B'),
    ],
  ),
  complex(
    'MEFInstallationType',
    'Migration Group Encrypted File entry; presence per GroupID is checked by 12.15, 15.3, 16.7, 16.16.',
    [
      CHF_ID,
      opt('EncryptedS1SPGroupInformation', 'EncryptedS1SPGroupInformationType', `${T101}; Table 11.2.1`),
      many('EncryptedMasterKey', 'EncryptedMasterKeyType', `${T101}; Table 11.3`),
      many('SUAKeyDetails', 'SUAKeyDetailsType', 'Table 11.3B; TMAD 16.7'),
    ],
  ),
  signedFile(
    'MigrationGroupEncryptedType',
    'Migration Group Encrypted File (TMAD 5.12(g)).',
    'MEFInstallationType',
    'TMAD 5.12(g)',
    [el('MEFCounter', 'CounterType', 'Table 5.7'), GROUP],
  ),
  complex(
    'AssociationKeysType',
    'AuthenticationKey and EncryptionKey of an Application Association (Appendix A, B).',
    [
      opt('AuthenticationKey', 'KeyTextType', 'TMAD 12.8.1, 15.8.1'),
      opt('EncryptionKey', 'KeyTextType', 'TMAD 12.8.1, 15.8.1'),
    ],
  ),
  complex('DecryptedDeviceKeysType', 'CHFDetail / GPFDetail of the plaintext (TMAD 12.8.1).', [
    ...ASSOCIATIONS,
  ]),
  complex(
    'DecryptedMeterKeysType',
    'ESMEDetail / GSMEDetail of the plaintext (TMAD 12.8.1, 12.8.2; Table A1).',
    [...ASSOCIATIONS, ...PREPAYMENT_KEYS],
  ),
  complex(
    'DecryptedS1SPGroupInformationType',
    'Plaintext of EncryptedS1SPGroupInformation, GroupIDs AA/BA/CA/CB/DA (Table 11.2.1).',
    [
      CHF_ID,
      opt('CHFDetail', 'DecryptedDeviceKeysType', 'TMAD 12.8.1'),
      opt('GPFDetail', 'DecryptedDeviceKeysType', 'TMAD 12.8.1'),
      opt('ESMEDetail', 'DecryptedMeterKeysType', 'TMAD 12.8.1'),
      opt('GSMEDetail', 'DecryptedMeterKeysType', 'TMAD 12.8.2'),
    ],
  ),
  complex('DPESMEDetailType', 'ESMEDetail of the EA/EB/EC plaintext (TMAD 15.8.1; Table B2).', [
    opt('HighLevelAssociation', 'AssociationKeysType', 'TMAD 15.8.1'),
    opt('PrepaymentKey', 'KeyTextType', 'TMAD 15.8.1; Table B2 ET02'),
  ]),
  complex('PrePayDetailsType', 'GSMEDetail/PrePayDetails (TMAD 15.8.2).', [
    opt('PrepaymentKey', 'KeyTextType', 'TMAD 15.8.2'),
  ]),
  complex('DPGSMEDetailType', 'GSMEDetail of the EA/EB/EC plaintext (TMAD 15.8.2).', [
    opt('PrePayDetails', 'PrePayDetailsType', 'TMAD 15.8.2'),
  ]),
  complex(
    'DecryptedS1SPDPGroupInformationType',
    'Plaintext of EncryptedS1SPGroupInformation, GroupIDs EA/EB/EC (Table 11.2.1).',
    [
      CHF_ID,
      opt('ESMEDetail', 'DPESMEDetailType', 'TMAD 15.8.1'),
      opt('GSMEDetail', 'DPGSMEDetailType', 'TMAD 15.8.2'),
    ],
  ),
];

/** Table 10.2 roots (and the two plaintext structures of Table 11.2.1). */
export const ROOTS: readonly RootDef[] = [
  {
    element: 'MigrationCommon',
    fileType: 'MCF',
    type: 'MigrationCommonType',
    signed: true,
    clause: 'Table 10.2 MCF',
  },
  {
    element: 'MigrationValidation',
    fileType: 'MVF',
    type: 'MigrationValidationType',
    signed: true,
    clause: 'Table 10.2 MVF',
  },
  {
    element: 'MigrationGroup',
    fileType: 'MGF',
    type: 'MigrationGroupType',
    signed: true,
    clause: 'Table 10.2 MGF',
  },
  {
    element: 'MigrationGroupEncrypted',
    fileType: 'MEF',
    type: 'MigrationGroupEncryptedType',
    signed: true,
    clause: 'Table 10.2 MEF',
  },
  {
    element: 'S1SPOutcomes',
    fileType: 'SCF',
    type: 'S1SPOutcomesType',
    signed: true,
    clause: 'Table 10.2 SCF',
  },
  {
    element: 'CommissioningOutcomes',
    fileType: 'COF',
    type: 'CommissioningOutcomesType',
    signed: true,
    clause: 'Table 10.2 COF',
  },
  {
    element: 'DecryptedS1SPGroupInformation',
    fileType: 'DecryptedS1SPGroupInformation',
    type: 'DecryptedS1SPGroupInformationType',
    signed: false,
    clause: 'Table 11.2.1; TMAD 5.23(b)',
  },
  {
    element: 'DecryptedS1SPDPGroupInformation',
    fileType: 'DecryptedS1SPDPGroupInformation',
    type: 'DecryptedS1SPDPGroupInformationType',
    signed: false,
    clause: 'Table 11.2.1; TMAD 5.23(b)',
  },
];

// ---------------------------------------------------------------------------------------------
// Lookups

const simpleByName = new Map(SIMPLE_TYPES.map((t) => [t.name, t]));
const complexByName = new Map(COMPLEX_TYPES.map((t) => [t.name, t]));

export function simpleType(name: string): SimpleTypeDef | undefined {
  return simpleByName.get(name);
}
export function complexType(name: string): ComplexTypeDef | undefined {
  return complexByName.get(name);
}
export function rootByElement(local: string): RootDef | undefined {
  return ROOTS.find((r) => r.element === local);
}
export function rootByFileType(fileType: FileType): RootDef {
  return ROOTS.find((r) => r.fileType === fileType)!;
}
/** The ordered child particles of a complex type (what a typed reader/writer iterates). */
export function contentOf(typeName: string): readonly ElementParticle[] {
  const t = complexByName.get(typeName);
  if (!t) throw new Error(`no complex type ${typeName}`);
  return t.sequence;
}

/**
 * Indented outline of a type's content (for documentation and reports), e.g.
 * `SMETS1Installation [1..*]` followed by its children, two spaces deeper.
 */
export function outline(typeName: string, indent = ''): string[] {
  const out: string[] = [];
  for (const p of contentOf(typeName)) {
    const max = p.maxOccurs === Infinity ? '*' : String(p.maxOccurs);
    const occ = p.minOccurs === 1 && p.maxOccurs === 1 ? '' : ` [${p.minOccurs}..${max}]`;
    const name = p.type === 'ds:Signature' ? 'ds:Signature' : p.name;
    const st = simpleByName.get(p.type);
    out.push(`${indent}${name}${occ}${st ? ` : ${st.name}` : ''}`);
    if (complexByName.has(p.type)) out.push(...outline(p.type, `${indent}  `));
  }
  return out;
}

/** Self-check of the model: every referenced type exists; names unique within each sequence. */
export function checkModel(): string[] {
  const problems: string[] = [];
  for (const t of COMPLEX_TYPES) {
    const seen = new Set<string>();
    for (const p of t.sequence) {
      if (seen.has(p.name)) problems.push(`${t.name}: element ${p.name} twice in one sequence`);
      seen.add(p.name);
      if (p.type !== 'ds:Signature' && !simpleByName.has(p.type) && !complexByName.has(p.type))
        problems.push(`${t.name}/${p.name}: unknown type ${p.type}`);
      if (p.minOccurs > p.maxOccurs) problems.push(`${t.name}/${p.name}: minOccurs > maxOccurs`);
    }
  }
  for (const r of ROOTS) {
    const t = complexByName.get(r.type);
    if (!t) problems.push(`root ${r.element}: unknown type ${r.type}`);
    else {
      const last = t.sequence[t.sequence.length - 1];
      const hasSig = last?.type === 'ds:Signature';
      if (hasSig !== r.signed)
        problems.push(`root ${r.element}: signed=${r.signed} but Signature last=${hasSig}`);
    }
  }
  return problems;
}
