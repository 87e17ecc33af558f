// Inside the S1SP: what its file handling (TMAD 5.22-5.26, 5.28: the S1SP Required File Set, Table
// 5.25, S1SP Viable Installations, SCFs) hands to its commissioning (TMAD 5.27: the 'S1SP / DCO
// Commissioning of SMETS1 Installation' tables of clauses 12-16 and Appendices A, B and C, with
// Installation Rollback), and what comes back. Both halves live in src/s1sp.
import type { InstallationRef, DcoRequests } from '../core/dco-requests/index.js';
import type {
  DecryptedS1spDpGroupInformation,
  DecryptedS1spGroupInformation,
  FailedCheck,
  McfInstallation,
  MefInstallation,
  MgfInstallation,
  MigrationCommonHeader,
  ScfInstallation,
} from '../core/formats/migration-files/index.js';

/** An S1SP Viable Installation (TMAD 5.25, 5.26) with everything its commissioning may use. */
export interface S1spViableInstallation {
  ref: InstallationRef;
  header: MigrationCommonHeader;
  mcf: McfInstallation;
  /** Present when the GroupID requires an MGF (12.14, 13.x, 14.x, 15.x, 16.x). */
  mgf?: MgfInstallation;
  mef: MefInstallation;
  /** The decrypted EncryptedS1SPGroupInformation (TMAD 5.23): plaintext keys, never logged. */
  groupInformation?: DecryptedS1spGroupInformation | DecryptedS1spDpGroupInformation;
}

/** The result of TMAD 5.27 for one installation: what goes in its SCF entry, and what was done. */
export type S1spCommissioningOutcome =
  | {
      kind: 'commissioned';
      chfIdentifier: string;
      /** Appendix A ET07: set when a zero-value Add Credit succeeded on a prepayment ESME. */
      prepayFlag?: boolean;
      /** Steps done ahead of the Migration Week (DA, TMAD 16.9), for the event log. */
      earlySteps?: string[];
    }
  | {
      kind: 'failed';
      chfIdentifier: string;
      /** FailedStepNumber (e.g. "12.9.1.ET05") with SupportingData (error code, sub-step, device). */
      failedCheck: FailedCheck;
      /** Whether the step was Critical (5.27(b)); a non-critical failure still commissions. */
      critical: boolean;
      /** Whether the Installation Rollback of the GroupID ran (12.10, 15.10, 16.11). */
      rolledBack: boolean;
    };

/** TMAD 5.27 for one S1SP Viable Installation. Implemented by src/s1sp/commissioning. */
export type CommissionInstallation = (
  installation: S1spViableInstallation,
  services: { dco: DcoRequests; now: () => Date },
) => Promise<S1spCommissioningOutcome>;

/**
 * TMAD 5.27(b)(i), (c)(ii): the SCF entry of an outcome. A failure carries its FailedCheck
 * (FailedStepNumber, SupportingData with the Appendix error code) and PrepayFlag false; a success no
 * FailedCheck and the PrepayFlag the Appendix steps set (A1 ET07.14, A2 GT02.15, B2 ET02.6, B3 GT02.7,
 * C1 ET01.5, C2 GT02.5).
 */
export function scfEntryOf(outcome: S1spCommissioningOutcome): ScfInstallation {
  return outcome.kind === 'commissioned'
    ? { chfIdentifier: outcome.chfIdentifier, prepayFlag: outcome.prepayFlag ?? false, failedChecks: [] }
    : { chfIdentifier: outcome.chfIdentifier, prepayFlag: false, failedChecks: [outcome.failedCheck] };
}
