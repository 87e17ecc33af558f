// Field names, order and limits of the Migration Authorisation CSV (MAM 7.2.2 header, MAM 7.2.3 body).
// Names are written exactly as MAM Table 7.2.3 names them, with the en dash (U+2013) the table uses
// before "Serial Number" / "Issuer Name". Extraction noise in the table ("(Non- Critical)",
// "(No Critical)", "Certifica Id") is read as "(Non-Critical)" and "Certificate Id"
// (docs/SPEC-DECISIONS.md, MAM 7.2.3).

/** Header lines, one field each, in order (MAM Table 7.2.2). */
export const MA_HEADER_FIELDS = ['User ID', 'Commissioned by DCC', 'SMSO'] as const;

/** The ten certificate pairs of MAM Table 7.2.3, in file order, with their model key. */
export const MA_CERTIFICATE_KEYS = [
  'esmeSupplierCritical',
  'esmeSupplierNonCritical',
  'esmeNetworkOperatorCritical',
  'esmeNetworkOperatorNonCritical',
  'gpfSupplierCritical',
  'gpfSupplierNonCritical',
  'gpfNetworkOperatorCritical',
  'gpfNetworkOperatorNonCritical',
  'gsmeSupplierCritical',
  'gsmeSupplierNonCritical',
] as const;
export type MaCertificateKey = (typeof MA_CERTIFICATE_KEYS)[number];

const CERT_LABEL: Record<MaCertificateKey, string> = {
  esmeSupplierCritical: 'ESME Supplier Certificate Id (Critical)',
  esmeSupplierNonCritical: 'ESME Supplier Certificate Id (Non-Critical)',
  esmeNetworkOperatorCritical: 'ESME Network Operator Certificate Id (Critical)',
  esmeNetworkOperatorNonCritical: 'ESME Network Operator Certificate Id (Non-Critical)',
  gpfSupplierCritical: 'GPF Supplier Certificate Id (Critical)',
  gpfSupplierNonCritical: 'GPF Supplier Certificate Id (Non-Critical)',
  gpfNetworkOperatorCritical: 'GPF Network Operator Certificate Id (Critical)',
  gpfNetworkOperatorNonCritical: 'GPF Network Operator Certificate Id (Non-Critical)',
  gsmeSupplierCritical: 'GSME Supplier Certificate Id (Critical)',
  gsmeSupplierNonCritical: 'GSME Supplier Certificate Id (Non-Critical)',
};

/** The certificate's name as the MAM writes it, without the "– Serial Number" / "– Issuer Name" suffix. */
export function certificateLabel(key: MaCertificateKey): string {
  return CERT_LABEL[key];
}

/** MAM field names of a certificate pair: [serial number field, issuer name field]. */
export function certificateFields(key: MaCertificateKey): readonly [serial: string, issuer: string] {
  return [`${CERT_LABEL[key]} – Serial Number`, `${CERT_LABEL[key]} – Issuer Name`];
}

export const F_MPAN = 'MPAN';
export const F_MPRN = 'MPRN';
export const F_MIGRATE_ON = 'Migrate on';
export const F_MIGRATION_WEEK = 'Migration Week';
export const F_PRIORITY = 'Priority';

/** The 25 body fields of MAM Table 7.2.3, in file order, named exactly as the MAM names them. */
export const MA_FIELDS: readonly string[] = Object.freeze([
  F_MPAN,
  F_MPRN,
  F_MIGRATE_ON,
  F_MIGRATION_WEEK,
  F_PRIORITY,
  ...MA_CERTIFICATE_KEYS.flatMap((k) => certificateFields(k)),
]);

/** Maximum field lengths (MAM 7.1: excluding quotes; MAM Table 7.2.3). Issuer names are "Variable". */
export const MA_FIELD_MAX_LENGTH: Readonly<Record<string, number>> = Object.freeze({
  [F_MPAN]: 13,
  [F_MPRN]: 10,
  [F_MIGRATE_ON]: 8,
  [F_MIGRATION_WEEK]: 8,
  [F_PRIORITY]: 1,
  ...Object.fromEntries(MA_CERTIFICATE_KEYS.map((k) => [certificateFields(k)[0], 44])),
});

/** Header field lengths (MAM Table 7.2.2). */
export const MA_HEADER_MAX_LENGTH: Readonly<Record<string, number>> = Object.freeze({
  'User ID': 23,
  'Commissioned by DCC': 3,
  SMSO: 3,
});

/** Supplier certificates mandatory with an MPAN / with an MPRN (MAM Table 7.2.3; TMAD Table 4.38). */
export const MANDATORY_WITH_MPAN: readonly MaCertificateKey[] = [
  'esmeSupplierCritical',
  'esmeSupplierNonCritical',
];
export const MANDATORY_WITH_MPRN: readonly MaCertificateKey[] = [
  'gpfSupplierCritical',
  'gpfSupplierNonCritical',
  'gsmeSupplierCritical',
  'gsmeSupplierNonCritical',
];
