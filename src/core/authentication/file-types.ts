// What Table 5.9 needs to know about each signed file type (TMAD 5.5, Table 5.5, Table 5.7, Table 5.9,
// Table 10.1): its root element, the signer's Remote Party Role, the element naming the creating party
// (which must equal the signer certificate's Entity Identifier), its counter and the Table 5.9 step.
import { ROOT_OF_FILE_TYPE, type MigrationFileType } from '../schema/file-names.js';
import { requiredSigningRole } from '../pki/roles.js';

export interface SignedFileTypeRules {
  fileType: MigrationFileType;
  rootElement: string;
  /** TMAD Table 5.5. */
  signerRole: string;
  /** Table 10.1: the *PartyID element equal to the signer certificate's Entity Identifier. */
  creatorIdElement: 'RequestingPartyID' | 'ReportingPartyID' | 'CommissioningPartyID';
  /** Table 5.9: the identifier the stored counters are kept per. */
  counterPartyElement: 'RequestingPartyID' | 'ReportingPartyID' | 'CommissioningPartyID';
  counterElement: 'MCFCounter' | 'MGFCounter' | 'MEFCounter' | 'MVFCounter' | 'SCFCounter' | 'COFCounter';
  /** The Table 5.9 step that checks the counter (COF has none: docs/SPEC-DECISIONS.md). */
  counterStep: string;
}

type OwnRules = Omit<SignedFileTypeRules, 'rootElement' | 'signerRole'>;

const OWN_RULES: Readonly<Record<MigrationFileType, OwnRules>> = {
  // TMAD 5.9.5: MCF counters per RequestingPartyID.
  MCF: {
    fileType: 'MCF',
    creatorIdElement: 'RequestingPartyID',
    counterPartyElement: 'RequestingPartyID',
    counterElement: 'MCFCounter',
    counterStep: '5.9.5',
  },
  // TMAD 5.9.6
  MGF: {
    fileType: 'MGF',
    creatorIdElement: 'RequestingPartyID',
    counterPartyElement: 'RequestingPartyID',
    counterElement: 'MGFCounter',
    counterStep: '5.9.6',
  },
  // TMAD 5.9.7
  MEF: {
    fileType: 'MEF',
    creatorIdElement: 'RequestingPartyID',
    counterPartyElement: 'RequestingPartyID',
    counterElement: 'MEFCounter',
    counterStep: '5.9.7',
  },
  // TMAD 5.9.8: the MVF is the S1SP's, but its stored counters are kept per RequestingPartyID.
  MVF: {
    fileType: 'MVF',
    creatorIdElement: 'ReportingPartyID',
    counterPartyElement: 'RequestingPartyID',
    counterElement: 'MVFCounter',
    counterStep: '5.9.8',
  },
  // TMAD 5.9.9: per S1SP Identifier; the SCF carries it as ReportingPartyID (Table 10.2).
  SCF: {
    fileType: 'SCF',
    creatorIdElement: 'ReportingPartyID',
    counterPartyElement: 'ReportingPartyID',
    counterElement: 'SCFCounter',
    counterStep: '5.9.9',
  },
  // Table 5.7 defines a COF Stored Counter but Table 5.9 has no step: the general column's 60-day
  // rule is applied per CommissioningPartyID (shared/spec README decision), reported as '5.9.9A'.
  COF: {
    fileType: 'COF',
    creatorIdElement: 'CommissioningPartyID',
    counterPartyElement: 'CommissioningPartyID',
    counterElement: 'COFCounter',
    counterStep: '5.9.9A',
  },
};

/**
 * The Table 5.9 rules of each signed file type: root element from Table 10.2 (src/core/schema), signer
 * role from Table 5.5 (src/core/pki). (The list of the six types itself is MIGRATION_FILE_TYPES.)
 */
export const SIGNED_FILE_TYPE_RULES: Readonly<Record<MigrationFileType, SignedFileTypeRules>> = Object.freeze(
  Object.fromEntries(
    Object.entries(OWN_RULES).map(([t, r]) => [
      t,
      { ...r, rootElement: ROOT_OF_FILE_TYPE[t as MigrationFileType], signerRole: requiredSigningRole(t)! },
    ]),
  ) as Record<MigrationFileType, SignedFileTypeRules>,
);

export function signedFileTypeOfRoot(rootElement: string): SignedFileTypeRules | undefined {
  return Object.values(SIGNED_FILE_TYPE_RULES).find((t) => t.rootElement === rootElement);
}

/** The parties that act as Authenticator (TMAD 2 "Authenticator"; 5.9, 5.11, 5.13, 5.21, 6.3). */
// One party vocabulary for the whole CLI (--as, --party): the TMAD party names, written as the test
// PKI's party directories are (commissioning-party, requesting-party, …).
export const AUTHENTICATORS = [
  'dcc',
  'dco',
  's1sp',
  'commissioning-party',
  'requesting-party',
  'supplier',
] as const;
export type AuthenticatorParty = (typeof AUTHENTICATORS)[number];
export const isAuthenticatorParty = (s: string): s is AuthenticatorParty =>
  (AUTHENTICATORS as readonly string[]).includes(s);
/** Short forms accepted for a party name. */
export const PARTY_ALIASES: Readonly<Record<string, AuthenticatorParty>> = Object.freeze({
  cp: 'commissioning-party',
});
/** A party name or its short form (PARTY_ALIASES) → the party name; undefined when unknown. */
export function parseAuthenticatorParty(s: string): AuthenticatorParty | undefined {
  const v = s.toLowerCase();
  if (isAuthenticatorParty(v)) return v;
  return PARTY_ALIASES[v];
}
