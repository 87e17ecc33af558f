// Where each planted problem of the estate (docs/ESTATE.md) should end in the first half of the migration
// chain, and the comparison of a run's outcome per installation with it (docs/CHAIN.md).
import type { EstateProblem } from '../estate/estate.js';

/** The stage at which an installation left the chain, or 'mef' when it reached the MGF/MEF. */
export type FateStage =
  | 'ma' // no accepted MA lists it (MAM 4, 7.5)
  | 'rp-build-mcf' // the Requesting Party held it back or refused it (TMAD 4.16-4.48)
  | 'dcc-authenticate-mcf' // its MCF was rejected by Table 5.9
  | 'dcc-validate-mcf' // it failed a Table 5.10 check in the MVF
  | 'rp-build-group-files' // the Requesting Party held it back after the MVF (TMAD 5.12)
  | 'mef'; // it went into the MEF (and the MGF where the GroupID has one)

export interface Fate {
  stage: FateStage;
  /** The clauses that stopped it: the RP's rule(s), or the Table 5.10 steps ('5.10.4'). */
  clauses: string[];
}

export interface Expectation {
  stage: FateStage;
  /** At least the first clause must be among the fate's clauses; every clause of the fate must be listed. */
  clauses: readonly string[];
}

/**
 * The expected fate of an installation by its planted problem ('none' for a clean one). A clause matches
 * a fate's clause when the fate's clause starts with it ('TMAD 4.16' matches 'TMAD 4.16, 3.6').
 * Where the fate depends on the installation as well (its GroupID, whether it has gas), `expectedFate`
 * says so.
 */
export const CHAIN_EXPECTATIONS: Readonly<Record<EstateProblem | 'none', Expectation>> = {
  none: { stage: 'mef', clauses: [] },
  // The ESME's firmware is on no EPC entry: the Requesting Party's EPC gate refuses it (TMAD 4.16, 3.6)
  // before any MCF; the DCC would find it by 5.10.1-5.10.3.
  'unknown-model': { stage: 'rp-build-mcf', clauses: ['TMAD 4.16'] },
  'in-smi': { stage: 'dcc-validate-mcf', clauses: ['5.10.4'] },
  // The MPAN's Import Supplier is the other supplier: the DCC finds it (5.10.9). With gas see expectedFate.
  'wrong-supplier': { stage: 'dcc-validate-mcf', clauses: ['5.10.9'] },
  'revoked-certificate': { stage: 'dcc-validate-mcf', clauses: ['5.10.5'] },
  'change-of-supplier': { stage: 'dcc-validate-mcf', clauses: ['5.10.10'] },
  // A dormant-only installation is deemed authorised (TMAD 4.27) and migrates first (4.24); for EA/EB/EC
  // see expectedFate.
  dormant: { stage: 'mef', clauses: [] },
  // Both suppliers authorise their own meter point (MAM 7.2.2): the installation goes on.
  'split-supply': { stage: 'mef', clauses: [] },
  'stale-wan': { stage: 'rp-build-group-files', clauses: ['TMAD 5.12(c)'] },
};

/** The GroupIDs whose dormant-only installations wait for the suppliers' certificate IDs (TMAD 4.32A). */
const CERTIFICATES_FROM_DORMANT_RESPONSE: readonly string[] = ['EA', 'EB', 'EC'];

/** The expected fate of one installation of the manifest (docs/CHAIN.md, "Where each planted problem should end"). */
export function expectedFate(r: {
  groupId: string;
  mprn: string | null;
  problems: readonly (EstateProblem | 'none')[];
}): Expectation {
  const problem = r.problems[0] ?? 'none';
  // With gas the MPRN's Gas Supplier is the other supplier too, and it sent no MA: the Requesting Party
  // holds the installation back before any MCF (TMAD 4.17; TMAD 2 "Migration Authorisation").
  if (problem === 'wrong-supplier' && r.mprn !== null)
    return { stage: 'rp-build-mcf', clauses: ['TMAD 4.17'] };
  // The chain exchanges no Dormant Meter Migration Schedule, so no Supplier Certificate ID is known for a
  // dormant-only EA/EB/EC installation: it is held (TMAD 4.32A).
  if (problem === 'dormant' && CERTIFICATES_FROM_DORMANT_RESPONSE.includes(r.groupId))
    return { stage: 'rp-build-mcf', clauses: ['TMAD 4.32A'] };
  return CHAIN_EXPECTATIONS[problem];
}

const matches = (fateClause: string, expected: string): boolean =>
  fateClause === expected ||
  fateClause.startsWith(`${expected} `) ||
  fateClause.startsWith(`${expected},`) ||
  fateClause.startsWith(`${expected};`);

/** Whether a fate is what the expectation says. */
export function fateAgrees(fate: Fate, e: Expectation): boolean {
  if (fate.stage !== e.stage) return false;
  if (e.clauses.length === 0) return true;
  if (!fate.clauses.some((c) => matches(c, e.clauses[0]!))) return false;
  return fate.clauses.every((c) => e.clauses.some((x) => matches(c, x)));
}

export function describeFate(f: Fate | Expectation): string {
  return f.clauses.length ? `${f.stage} (${f.clauses.join('; ')})` : f.stage;
}
