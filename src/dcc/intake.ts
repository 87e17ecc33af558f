// The DCC's intake of signed migration files (TMAD 5.9, Table 5.9): each file, in the order given, is
// authenticated by the Table 5.9 authenticator as the chosen Authenticator; a rejected file raises an
// Incident (TMAD 3.5) and, with `discardTo`, is discarded (moved aside with its verdict beside it).
//
// A verdict is never lost (TMAD 5.9.5-5.9.9): with a store, an accepted file is recorded in the same
// transaction as its Stored Counter, and each verdict is handed to `onVerdict` as soon as it is
// decided (before the next file is read). Authenticating the same bytes again returns the original
// verdict marked "already accepted": no replay, no Incident, no discard.
import { createReadStream } from 'node:fs';
import path from 'node:path';
import {
  SIGNED_FILE_TYPE_RULES,
  authenticateMigrationFile,
  type AcceptedFileRepository,
  type AuthenticationVerdict,
  type AuthenticatorParty,
  type StoredCounterRepository,
} from '../core/authentication/index.js';
import type { IncidentRepository } from '../core/incidents/repository.js';
import type { TrustStore } from '../core/pki/index.js';
import { discardFile } from '../files/discard.js';

/** A Table 5.9 step that was not checked, and why. */
export interface SkippedStep {
  step: string;
  status: 'skipped';
  reason: string;
}

/** The verdict on one received file: what was checked, skipped, and what happened to the file. */
export type IntakeVerdict = AuthenticationVerdict & {
  stepsSkipped: SkippedStep[];
  /** 5.9.4 was checked without requiring a CRL. */
  crlRequired: boolean;
  /** What happened to a rejected file: 'left in place' or 'moved to <path>'; null when accepted. */
  disposition: string | null;
};

export interface IntakeOptions {
  /** The Authenticator (decides the Table 5.9 column). */
  as: AuthenticatorParty;
  trust: TrustStore;
  /** The time of the check (certificate validity, counter window). */
  now: Date;
  /** 5.9.4: require a CRL of the signer's issuer (default true). */
  requireCrl?: boolean;
  /** TMAD 5.9.1: the bound on one XML node in characters. */
  maxNodeLength?: number;
  /** TMAD 5.9: move a rejected file into this directory (default: left in place). */
  discardTo?: string;
  /** A progress display per file: called with the file, told the bytes read. */
  progress?: (file: string) => { tick(n: number): void; done(): void };
}

/** The store's repositories; undefined for a dry run (nothing recorded, anti-replay not checked). */
export interface IntakeRepositories {
  counters: StoredCounterRepository;
  incidents: IncidentRepository;
  acceptedFiles: AcceptedFileRepository;
}

const ANTI_REPLAY_STEPS = new Set(Object.values(SIGNED_FILE_TYPE_RULES).map((t) => t.counterStep));

/** Dry run: counters are neither checked against history nor stored. */
const NO_COUNTERS: StoredCounterRepository = {
  acceptIfUnseen: async () => true,
  acceptIfGreater: async () => true,
  list: async () => [],
};

/**
 * Dry run: the anti-replay steps (5.9.5–5.9.9, 5.9.9A) ran against an empty history that records
 * nothing, so they proved nothing. Report them as skipped, not passed.
 */
function markCounterStepsSkipped(v: AuthenticationVerdict): SkippedStep[] {
  const skipped: SkippedStep[] = [];
  v.stepsPassed = v.stepsPassed.filter((s) => {
    if (!ANTI_REPLAY_STEPS.has(s)) return true;
    skipped.push({ step: s, status: 'skipped', reason: 'not checked (--no-store): no Stored Counters' });
    return false;
  });
  return skipped;
}

async function* counted(
  source: AsyncIterable<Uint8Array | string>,
  tick: (n: number) => void,
): AsyncGenerator<Uint8Array | string> {
  for await (const chunk of source) {
    tick(typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.byteLength);
    yield chunk;
  }
}

/** Authenticate one file (TMAD 5.9) and discard it if rejected. */
export async function authenticateReceivedFile(
  file: string,
  options: IntakeOptions,
  repositories: IntakeRepositories | undefined,
): Promise<IntakeVerdict> {
  const requireCrl = options.requireCrl ?? true;
  const stream = createReadStream(file, { highWaterMark: 256 * 1024 });
  const progress = options.progress?.(file);
  const core = await authenticateMigrationFile(progress ? counted(stream, (n) => progress.tick(n)) : stream, {
    as: options.as,
    trust: options.trust,
    counters: repositories?.counters ?? NO_COUNTERS,
    ...(repositories ? { incidents: repositories.incidents, acceptedFiles: repositories.acceptedFiles } : {}),
    ...(requireCrl ? {} : { validity: { requireCrl: false } }),
    now: options.now,
    fileName: path.basename(file),
    ...(options.maxNodeLength !== undefined ? { maxNodeLength: options.maxNodeLength } : {}),
  }).finally(() => {
    stream.destroy();
    progress?.done();
  });
  const stepsSkipped = repositories ? [] : markCounterStepsSkipped(core); // before core is copied
  const verdict: IntakeVerdict = {
    ...core,
    stepsSkipped,
    crlRequired: requireCrl,
    disposition: core.accepted ? null : 'left in place',
  };
  if (!verdict.accepted && options.discardTo) {
    // TMAD 5.9: the file is discarded — moved out of the way with its verdict beside it.
    await discardFile(file, options.discardTo, (target: string) => {
      verdict.disposition = `moved to ${target}`;
      return verdict;
    });
  }
  return verdict;
}

/**
 * Authenticate `files` in the order given (the counters of one file are stored before the next is
 * checked), handing each verdict to `onVerdict` as soon as it is decided. Returns every verdict.
 */
export async function authenticateMigrationFiles(
  files: readonly string[],
  options: IntakeOptions,
  repositories: IntakeRepositories | undefined,
  onVerdict: (verdict: IntakeVerdict, file: string) => void | Promise<void> = () => undefined,
): Promise<IntakeVerdict[]> {
  const verdicts: IntakeVerdict[] = [];
  for (const file of files) {
    const verdict = await authenticateReceivedFile(file, options, repositories);
    verdicts.push(verdict);
    await onVerdict(verdict, file);
  }
  return verdicts;
}
