// The Table 5.9 authenticator (TMAD 5.5–5.9, 5.11): every party that receives a signed migration file
// runs these steps, in order, and on the first failure stops, discards the file and raises an
// Incident (TMAD 5.9 preamble; categories and targets per TMAD 3.5).
//
// One streaming parse does the work of 5.9.1 (well-formedness + SMETS1 Migration Schema) and 5.9.2
// (the digest of the document for the enveloped signature) and reads the Migration Header: the
// schema validator, the signature verifier and the header extractor are sinks of the same parse.
import { createHash, type KeyObject } from 'node:crypto';
import { parseXml, XmlSyntaxError, type XmlSource } from '../../lib/xml/sax.js';
import { createSchemaValidator } from '../schema/validator.js';
import { createSignatureVerifier } from '../../lib/xmldsig/verify.js';
import {
  checkSigningCertificate,
  findCertificate,
  type ConfirmValidityOptions,
  type OrganisationCertificate,
  type TrustStore,
} from '../pki/index.js';
import { isNullCertificateId, parseEui64, S1SP_COUNTER_GROUP_IDS, type GroupId } from '../ids/index.js';
import { categoryFor, incidentTargets, type IncidentCategory } from '../incidents/index.js';
import {
  baseName,
  fileNameCounterMismatches,
  parseMigrationFileName,
  type MigrationFileType,
} from '../schema/file-names.js';
import type { IncidentRepository } from '../incidents/repository.js';
import type { StoredCounterRepository } from './stored-counters.js';
import type { AcceptedFile, AcceptedFileRepository } from './accepted-files.js';
import { HeaderExtractor, type MigrationFileHeader } from './header.js';
import { Table101ContentRules } from './content-rules.js';
import type { Problem } from '../problem.js';
import { signedFileTypeOfRoot, type AuthenticatorParty, type SignedFileTypeRules } from './file-types.js';

/** TMAD 5.9.5–5.9.9: the 60-day window of the general column. */
export const COUNTER_WINDOW_DAYS = 60;

export type Table59Column = 'general' | 's1sp';

/** A Problem (src/core/problem.ts) that always names the Table 5.9 step. */
export interface AuthenticationProblem extends Problem {
  /** The Table 5.9 step that failed ('5.9.1' … '5.9.10'). */
  step: string;
  /** The clause behind the rule (e.g. 'TMAD 10.1 KeyInfo', 'TMAD Table 5.5'). */
  rule: string;
  message: string;
  line?: number;
  element?: string;
}

export interface AuthenticationVerdict {
  accepted: boolean;
  fileName: string | null;
  fileType: MigrationFileType | null;
  authenticator: AuthenticatorParty;
  /** Which column of Table 5.9 applied. */
  column: Table59Column;
  /** Steps passed, in order. */
  stepsPassed: string[];
  /** The step that failed (null when accepted). */
  failedStep: string | null;
  problems: AuthenticationProblem[];
  header: {
    rootElement: string | null;
    groupId: string | null;
    creatorId: string | null;
    counterPartyId: string | null;
    counter: string | null;
    mcfCounter: string | null;
  };
  signer: { issuerName: string; serialNumber: string; entityId: string | null; role: string | null } | null;
  /** The Incident raised for a rejected file (TMAD 5.9), when an incident repository was given. */
  incidentId: number | null;
  /** SHA-256 of the file's bytes (hex), when accepted files are recorded (opts.acceptedFiles). */
  sha256?: string;
  /**
   * TMAD 5.9.5-5.9.9: these bytes were accepted before (their Stored Counter is theirs): this is the
   * verdict given then, not a replay. `fileName` is the name they were accepted under.
   */
  alreadyAccepted?: { acceptedAt: string; fileName: string | null };
}

export interface AuthenticateOptions {
  /** Who is authenticating: decides the Table 5.9 column (the S1SP's for GroupIDs EA/EB/EC). */
  as: AuthenticatorParty;
  trust: TrustStore;
  counters: StoredCounterRepository;
  incidents?: IncidentRepository;
  /**
   * TMAD 5.9.5-5.9.9: record each accepted file in the same transaction as its Stored Counter, and
   * answer the same bytes again with the original verdict ("already accepted") instead of a replay.
   */
  acceptedFiles?: AcceptedFileRepository;
  now?: Date;
  fileName?: string;
  counterWindowDays?: number;
  /** Options for Confirm Validity (5.9.4), e.g. whether a CRL is required. */
  validity?: ConfirmValidityOptions;
  /**
   * TMAD 5.9.10: the Supplier Party to which a User ID (Entity Identifier) is allocated. Defaults to
   * the User ID itself (one User ID per Supplier Party); a deployment with an organisations registry
   * maps several User IDs of one Party to the same value.
   */
  supplierPartyOf?: (userId: string) => string | undefined;
  /** Incident category overrides per kind (TMAD 3.5(e) is the DCC's judgement). */
  incidentCategories?: Readonly<Record<string, IncidentCategory>>;
  maxBytes?: number;
  /** TMAD 5.9.1: bound on one XML node in characters; default DEFAULT_MAX_NODE_LENGTH (16 MiB). */
  maxNodeLength?: number;
}

/** The bytes were accepted before: runSteps stops with the original verdict. */
class AlreadyAccepted extends Error {
  constructor(readonly prior: AcceptedFile) {
    super('already accepted');
  }
}

class StepFailure extends Error {
  constructor(readonly problems: AuthenticationProblem[]) {
    super(problems.map((p) => p.message).join('; '));
  }
}

function fail(
  step: string,
  rule: string,
  message: string,
  extra: Partial<AuthenticationProblem> = {},
): never {
  throw new StepFailure([{ step, rule, message, ...extra }]);
}

/**
 * Authenticate a signed migration file (MCF, MGF, MEF, MVF, SCF or COF) as `opts.as`, per Table 5.9.
 * Never throws for bad input: the verdict names the failed step and every problem found in it.
 */
export async function authenticateMigrationFile(
  source: XmlSource,
  opts: AuthenticateOptions,
): Promise<AuthenticationVerdict> {
  const now = opts.now ?? new Date();
  const verdict: AuthenticationVerdict = {
    accepted: false,
    fileName: opts.fileName ?? null,
    fileType: null,
    authenticator: opts.as,
    column: 'general',
    stepsPassed: [],
    failedStep: null,
    problems: [],
    header: {
      rootElement: null,
      groupId: null,
      creatorId: null,
      counterPartyId: null,
      counter: null,
      mcfCounter: null,
    },
    signer: null,
    incidentId: null,
  };
  try {
    await runSteps(source, opts, now, verdict);
    verdict.accepted = true;
  } catch (e) {
    if (e instanceof AlreadyAccepted) return alreadyAccepted(e.prior, verdict);
    if (!(e instanceof StepFailure)) throw e;
    verdict.problems = e.problems;
    verdict.failedStep = e.problems[0]?.step ?? null;
    if (opts.incidents) verdict.incidentId = await raiseIncident(opts, now, verdict);
  }
  return verdict;
}

async function runSteps(
  source: XmlSource,
  opts: AuthenticateOptions,
  now: Date,
  verdict: AuthenticationVerdict,
): Promise<void> {
  // One parse: schema (5.9.1), signature digest (5.9.2) and header extraction.
  // TMAD 5.9.1 / 10.2: the file name, where it states a file type, decides the root expected.
  const schema = createSchemaValidator({
    ...(opts.maxNodeLength !== undefined ? { maxValueLength: opts.maxNodeLength } : {}),
    ...(opts.fileName !== undefined ? { fileName: opts.fileName } : {}),
  });
  let signerCert: OrganisationCertificate | undefined;
  const signature = createSignatureVerifier({
    resolveKey: (issuerName: string, serialNumber: string): KeyObject | undefined => {
      signerCert = findCertificate(opts.trust, issuerName, serialNumber);
      return signerCert?.publicKey;
    },
  });
  const header = new HeaderExtractor();
  const contentRules = new Table101ContentRules();
  // The SHA-256 of the bytes parsed (the same single read), when accepted files are recorded.
  const hash = opts.acceptedFiles ? createHash('sha256') : undefined;
  if (hash && typeof source === 'string') hash.update(source, 'utf8');
  try {
    await parseXml(source, [schema.sink, signature.sink, header, contentRules], {
      ...(hash && typeof source !== 'string' ? { onBytes: (chunk: Uint8Array) => hash.update(chunk) } : {}),
      ...(opts.fileName !== undefined ? { fileName: opts.fileName } : {}),
      ...(opts.maxBytes !== undefined ? { maxBytes: opts.maxBytes } : {}),
      ...(opts.maxNodeLength !== undefined ? { maxNodeLength: opts.maxNodeLength } : {}),
    });
  } catch (e) {
    if (e instanceof XmlSyntaxError)
      fail('5.9.1', 'TMAD 5.9.1', `not well-formed XML: ${e.reason}`, {
        line: e.line,
        ...(e.element !== undefined ? { element: e.element } : {}),
      });
    throw e;
  }
  if (hash && opts.acceptedFiles) {
    verdict.sha256 = hash.digest('hex');
    // TMAD 5.9.5-5.9.9: the same bytes accepted before are not a replay of their own counter.
    const prior = await opts.acceptedFiles.find(opts.as, verdict.sha256);
    if (prior) throw new AlreadyAccepted(prior);
  }
  const h = header.result();
  const rules = step591(schema.result(), h, verdict);
  // TMAD 10.2 (checked with 5.9.1): a file named by the 10.2 scheme carries its content's counters.
  const named = opts.fileName !== undefined ? parseMigrationFileName(baseName(opts.fileName)) : undefined;
  if (named?.ok && named.value.fileType === rules.fileType) {
    const mismatches = fileNameCounterMismatches(named.value, {
      ...(h.values.MCFCounter !== undefined ? { mcfCounter: h.values.MCFCounter } : {}),
      ownCounterElement: rules.counterElement,
      ...(h.values[rules.counterElement] !== undefined ? { ownCounter: h.values[rules.counterElement] } : {}),
    });
    if (mismatches.length > 0)
      throw new StepFailure(
        mismatches.map((message) => ({
          step: '5.9.1',
          rule: 'TMAD 10.2',
          message,
          element: `${rules.rootElement}/${/AdditionalID/.test(message) ? rules.counterElement : 'MCFCounter'}`,
        })),
      );
  }
  // TMAD 5.9.1 "meets the requirements of Clause 10.1": the content rules of Table 10.1.
  if (contentRules.problems.length > 0)
    throw new StepFailure(
      contentRules.problems.map((p) => ({
        step: '5.9.1',
        line: p.line,
        element: p.element,
        rule: p.rule,
        message: p.message,
      })),
    );
  const groupId = h.values.GroupID ?? null;
  verdict.column =
    opts.as === 's1sp' && S1SP_COUNTER_GROUP_IDS.includes(groupId as GroupId) ? 's1sp' : 'general';

  // 5.9.2 Check Cryptographic Protection.
  const sig = await signature.result();
  if (sig.signer) verdict.signer = { ...sig.signer, entityId: null, role: null };
  if (!signerCert && sig.signer)
    fail(
      '5.9.2',
      'TMAD 5.9.2',
      `the certificate named in KeyInfo (serial ${sig.signer.serialNumber}, issuer '${sig.signer.issuerName}') is not in the trust store: the signature cannot be checked`,
    );
  if (!sig.valid || !signerCert)
    throw new StepFailure(
      sig.problems.map((p) => ({
        step: '5.9.2',
        rule: p.rule,
        message: p.message,
        ...(p.line ? { line: p.line } : {}),
      })),
    );
  verdict.signer = {
    issuerName: signerCert.issuerName,
    serialNumber: signerCert.serialNumber,
    entityId: signerCert.entityId,
    role: signerCert.role,
  };
  // TMAD Table 10.1 (checked with 5.9.1's "meets the requirements of Clause 10.1", once the signer is
  // known): the creating party's ID equals the signer certificate's Entity Identifier.
  const creator = h.values[rules.creatorIdElement];
  const creatorId = creator === undefined ? undefined : parseEui64(creator);
  if (!creatorId?.ok || creatorId.value !== signerCert.entityId)
    fail(
      '5.9.1',
      'TMAD 10.1 Table 10.1',
      `${rules.creatorIdElement} is '${creator ?? ''}' but the signing certificate's Entity Identifier is '${signerCert.entityId ?? 'absent'}': they must be equal`,
      { element: `${rules.rootElement}/${rules.creatorIdElement}` },
    );
  verdict.stepsPassed.push('5.9.1', '5.9.2');

  // 5.9.3 Remote Party Role per Table 5.5, then 5.9.4 Confirm Validity.
  const certCheck = checkSigningCertificate(signerCert, rules.signerRole, opts.trust, now, opts.validity);
  for (const step of ['5.9.3', '5.9.4'] as const) {
    const failed = certCheck.problems.filter((p) => p.step === step);
    if (failed.length > 0) throw new StepFailure(failed);
    verdict.stepsPassed.push(step);
  }

  if (opts.acceptedFiles && verdict.sha256 !== undefined) {
    await acceptInOneTransaction(opts, opts.acceptedFiles, verdict.sha256, now, rules, h, verdict);
    return;
  }
  // 5.9.5–5.9.9 anti-replay (and the COF decision).
  await counterStep(opts, opts.counters, now, rules, h, verdict);
  // 5.9.10 (S1SP column, MCF only): one Supplier Party for every Supplier Certificate ID.
  lastSteps(opts, rules, h, verdict);
}

/** 5.9.10 (S1SP column, MCF only): one Supplier Party for every Supplier Certificate ID. */
function lastSteps(
  opts: AuthenticateOptions,
  rules: SignedFileTypeRules,
  h: MigrationFileHeader,
  verdict: AuthenticationVerdict,
): void {
  if (verdict.column === 's1sp' && rules.fileType === 'MCF') {
    step5910(opts, h);
    verdict.stepsPassed.push('5.9.10');
  }
}

/**
 * TMAD 5.9.5–5.9.9 with the accepted file recorded: the Stored Counter and the accepted-file row
 * commit in one transaction, so no accepted counter exists without the verdict that used it. A
 * 5.9.10 failure still keeps the counter ("should this check succeed, the Authenticator shall
 * create ... the Stored Counter") but records no accepted file. A replay whose bytes were accepted
 * meanwhile (a concurrent run of the same file) is answered as already accepted.
 */
async function acceptInOneTransaction(
  opts: AuthenticateOptions,
  files: AcceptedFileRepository,
  sha256: string,
  now: Date,
  rules: SignedFileTypeRules,
  h: MigrationFileHeader,
  verdict: AuthenticationVerdict,
): Promise<void> {
  let later: StepFailure | undefined;
  try {
    await files.transaction(async (tx) => {
      const counter = await counterStep(opts, tx.counters, now, rules, h, verdict);
      try {
        lastSteps(opts, rules, h, verdict);
      } catch (e) {
        if (!(e instanceof StepFailure)) throw e;
        later = e; // the counter stays stored (5.9.5–5.9.9 succeeded); no accepted file
        return;
      }
      await tx.recordAccepted({
        authenticator: opts.as,
        sha256,
        fileType: rules.fileType,
        counter: counter.value,
        partyId: counter.partyId,
        fileName: verdict.fileName,
        acceptedAt: now,
        verdict: { ...verdict, stepsPassed: [...verdict.stepsPassed], accepted: true },
      });
    });
  } catch (e) {
    if (e instanceof StepFailure && e.problems[0]?.step === rules.counterStep) {
      const prior = await files.find(opts.as, sha256);
      if (prior) throw new AlreadyAccepted(prior);
    }
    throw e;
  }
  if (later) throw later;
}

/** The original verdict of an accepted file, marked "already accepted" (TMAD 5.9.5–5.9.9). */
function alreadyAccepted(prior: AcceptedFile, now: AuthenticationVerdict): AuthenticationVerdict {
  return {
    ...prior.verdict,
    fileName: now.fileName ?? prior.verdict.fileName,
    sha256: prior.sha256,
    alreadyAccepted: { acceptedAt: prior.acceptedAt.toISOString(), fileName: prior.fileName },
  };
}

function step591(
  schemaResult: ReturnType<ReturnType<typeof createSchemaValidator>['result']>,
  h: MigrationFileHeader,
  verdict: AuthenticationVerdict,
): SignedFileTypeRules {
  verdict.header.rootElement = h.rootElement;
  if (!schemaResult.valid)
    throw new StepFailure(
      schemaResult.problems.map((p) => ({
        step: '5.9.1',
        rule: p.rule,
        message: p.message,
        line: p.line,
        element: p.element,
      })),
    );
  const rules = h.rootElement ? signedFileTypeOfRoot(h.rootElement) : undefined;
  if (!rules)
    fail(
      '5.9.1',
      'TMAD 10.1 Table 10.2',
      `root element '${h.rootElement ?? ''}' is not a signed migration file: expected MigrationCommon, MigrationGroup, MigrationGroupEncrypted, MigrationValidation, S1SPOutcomes or CommissioningOutcomes`,
    );
  verdict.fileType = rules.fileType;
  verdict.header.groupId = h.values.GroupID ?? null;
  verdict.header.creatorId = h.values[rules.creatorIdElement] ?? null;
  verdict.header.counterPartyId = h.values[rules.counterPartyElement] ?? null;
  verdict.header.counter = h.values[rules.counterElement] ?? null;
  verdict.header.mcfCounter = h.values.MCFCounter ?? null;
  return rules;
}

async function counterStep(
  opts: AuthenticateOptions,
  counters: StoredCounterRepository,
  now: Date,
  rules: SignedFileTypeRules,
  h: MigrationFileHeader,
  verdict: AuthenticationVerdict,
): Promise<{ value: bigint; partyId: string }> {
  const step = rules.counterStep;
  const partyId = h.values[rules.counterPartyElement]!;
  const counterText = h.values[rules.counterElement]!;
  const counter = BigInt(counterText); // schema-valid xs:unsignedLong
  const key = {
    authenticator: opts.as,
    partyId: parseEui64(partyId).ok ? (parseEui64(partyId) as { value: string }).value : partyId,
    fileType: rules.fileType,
  };
  if (verdict.column === 's1sp' && rules.fileType !== 'COF') {
    // S1SP column: strictly greater than the stored counter, which is then set.
    if (!(await counters.acceptIfGreater(key, counter, now)))
      fail(
        step,
        `TMAD ${step} (S1SP column)`,
        `${rules.counterElement} ${counterText} is not greater than the ${rules.fileType} Stored Counter held for ${rules.counterPartyElement} ${partyId}: replay rejected`,
        { element: `${rules.rootElement}/${rules.counterElement}` },
      );
  } else {
    const window = opts.counterWindowDays ?? COUNTER_WINDOW_DAYS;
    if (!(await counters.acceptIfUnseen(key, counter, now, window)))
      fail(
        step,
        `TMAD ${step}`,
        `${rules.counterElement} ${counterText} equals a ${rules.fileType} Stored Counter created in the last ${window} days for ${rules.counterPartyElement} ${partyId}: replay rejected`,
        { element: `${rules.rootElement}/${rules.counterElement}` },
      );
  }
  verdict.stepsPassed.push(step);
  return { value: counter, partyId: key.partyId };
}

function step5910(opts: AuthenticateOptions, h: MigrationFileHeader): void {
  if (h.supplierCertificateIdsTruncated)
    fail(
      '5.9.10',
      'TMAD 5.9.10',
      'too many distinct Supplier Certificate IDs to check that they belong to one Supplier Party',
    );
  const partyOf = opts.supplierPartyOf ?? ((id: string) => id);
  const parties = new Map<string, string>(); // party → first certificate described
  for (const id of h.supplierCertificateIds) {
    let party: string;
    let what: string;
    if (isNullCertificateId(id)) {
      // "the Null Certificate ID shall be treated as belonging to a different Supplier Party than any other"
      party = '\u0000null';
      what = 'the Null Certificate ID';
    } else {
      const cert = findCertificate(opts.trust, id.issuerName, id.serialNumber);
      if (!cert || !cert.entityId)
        fail(
          '5.9.10',
          'TMAD 5.9.10',
          `Supplier Certificate ID (serial ${id.serialNumber}, issuer '${id.issuerName}') does not refer to a known Organisation Certificate with a User ID`,
        );
      party = partyOf(cert.entityId) ?? cert.entityId;
      what = `certificate serial ${id.serialNumber} (User ID ${cert.entityId})`;
    }
    if (!parties.has(party)) parties.set(party, what);
  }
  if (parties.size > 1)
    fail(
      '5.9.10',
      'TMAD 5.9.10',
      `the Supplier Certificate IDs belong to ${parties.size} different Supplier Parties (${[...parties.values()].join('; ')}): all must belong to the same Supplier Party`,
    );
}

async function raiseIncident(
  opts: AuthenticateOptions,
  now: Date,
  v: AuthenticationVerdict,
): Promise<number> {
  const kind = 'file-authentication-failure';
  const category = categoryFor(kind, opts.incidentCategories);
  const targets = incidentTargets(category, now);
  const first = v.problems[0];
  return opts.incidents!.raise({
    category,
    kind,
    summary:
      `TMAD ${v.failedStep}: ${v.fileType ?? 'file'} ${v.fileName ?? ''} rejected by the ${opts.as}: ${first?.message ?? ''}`.slice(
        0,
        2000,
      ),
    fileName: v.fileName,
    step: v.failedStep,
    party: opts.as,
    raisedAt: now,
    targetResponseBy: targets.targetResponseBy,
    targetResolutionBy: targets.targetResolutionBy,
    // TMAD 3.5(c): a discarded migration file is for the DCC (its own parts created it) to resolve.
    assignee: 'DCC',
    details: { problems: v.problems, header: v.header, signer: v.signer, column: v.column },
  });
}
