// Early validation (TMAD 4.2): an SMSO submits an MCF, through the relevant Requesting Party's
// arrangement, to a location other than that of 5.8; the DCC carries out the steps of Clauses 5.9 and
// 5.10 on it. Here that is the same code as the pipeline: the Table 5.9 authenticator as the DCC
// (authenticateReceivedFile) and runCommonValidation, with two differences only:
//   - its own Stored Counters and accepted files: the Authenticator's name in the store is
//     EARLY_VALIDATION_AUTHENTICATOR, so an early file never consumes (nor is blocked by) a counter of
//     the production intake (docs/SPEC-DECISIONS.md);
//   - its own recipients: the MVF goes to the SMSO's mailbox only; the MCF is not forwarded (4.2 asks
//     for validation, not for the migration to start).
import type {
  AcceptedFileRepository,
  CounterKey,
  StoredCounterRepository,
} from '../core/authentication/index.js';
import type { IncidentRepository } from '../core/incidents/repository.js';
import type { TrustStore } from '../core/pki/index.js';
import type { CommonValidationContext, MvfSigner } from './common-validation.js';
import { runCommonValidation, type CommonValidationRun } from './common-validation-run.js';
import { authenticateReceivedFile, type IntakeVerdict } from './intake.js';
import type { MvfFileOptions } from './mvf-file.js';
import path from 'node:path';

/** The Authenticator name of early validation in the Stored Counter and accepted-file tables. */
export const EARLY_VALIDATION_AUTHENTICATOR = 'dcc-early-validation';

function earlyCounters(inner: StoredCounterRepository): StoredCounterRepository {
  const k = (key: CounterKey): CounterKey => ({ ...key, authenticator: EARLY_VALIDATION_AUTHENTICATOR });
  return {
    acceptIfUnseen: (key, counter, now, windowDays) => inner.acceptIfUnseen(k(key), counter, now, windowDays),
    acceptIfGreater: (key, counter, now) => inner.acceptIfGreater(k(key), counter, now),
    list: (key) => inner.list(k(key)),
  };
}

function earlyAcceptedFiles(inner: AcceptedFileRepository): AcceptedFileRepository {
  return {
    find: (_authenticator, sha256) => inner.find(EARLY_VALIDATION_AUTHENTICATOR, sha256),
    transaction: (work) =>
      inner.transaction((tx) =>
        work({
          counters: earlyCounters(tx.counters),
          recordAccepted: (f) => tx.recordAccepted({ ...f, authenticator: EARLY_VALIDATION_AUTHENTICATOR }),
        }),
      ),
  };
}

export interface EarlyValidationOptions extends MvfFileOptions {
  trust: TrustStore;
  /** The time of the Table 5.9 check (default: the time of validation, opts.at, or now). */
  now?: Date;
  requireCrl?: boolean;
  /** The SMSO that submitted the file (its mailbox receives the MVF). */
  smso: string;
  /** The mailbox tree; without it the MVF is only written to `out`. */
  mailboxes?: string;
}

export interface EarlyValidationResult {
  verdict: IntakeVerdict;
  /** Undefined when the MCF failed Table 5.9 (no MVF). */
  run?: CommonValidationRun;
}

/** TMAD 4.2: Table 5.9 with early validation's own counters, then Table 5.10 and the MVF. */
export async function earlyValidate(
  mcfPath: string,
  context: CommonValidationContext,
  signer: MvfSigner,
  out: string | { directory: string },
  repositories: {
    counters: StoredCounterRepository;
    incidents: IncidentRepository;
    acceptedFiles: AcceptedFileRepository;
  },
  opts: EarlyValidationOptions,
): Promise<EarlyValidationResult> {
  const now = opts.now ?? opts.at ?? new Date();
  const verdict = await authenticateReceivedFile(
    mcfPath,
    { as: 'dcc', trust: opts.trust, now, ...(opts.requireCrl === false ? { requireCrl: false } : {}) },
    {
      counters: earlyCounters(repositories.counters),
      incidents: repositories.incidents,
      acceptedFiles: earlyAcceptedFiles(repositories.acceptedFiles),
    },
  );
  if (!verdict.accepted || verdict.fileType !== 'MCF') return { verdict };
  const { trust: _t, now: _n, requireCrl: _r, smso, mailboxes, ...mvfOpts } = opts;
  const run = await runCommonValidation(
    mcfPath,
    path.basename(mcfPath),
    context,
    signer,
    out,
    mvfOpts,
    mailboxes === undefined
      ? undefined
      : { root: mailboxes, mcfTo: () => [], mvfTo: () => [{ role: 'smso', party: smso }] },
  );
  return { verdict, run };
}
