// The Commissioning Party (TMAD 6, 8): receives Migration Common Files and S1SP Commissioning Files,
// submits the Commissioning Requests of Table 6.3 to the DCC for each installation the S1SP
// commissioned, and reports them in signed Commissioning Outcome Files (docs/COMMISSIONING-PARTY.md).
//
//   6.1  each file goes through Table 5.9 with the Commissioning Party as Authenticator (its own
//        Stored Counters); an MCF whose ToBeCommissionedByDCC is not True is discarded (no Incident);
//   6.2  an MCF is held until SCFs covered all its installations, or 60 days;
//   6.3  an SCF: (a) held MCF with its Migration Header, else discard + Incident; (b) at least one
//        successful installation, else discard; (c) each successful one in the MCF, else discard +
//        Incident; (d) Table 6.3 requests in sequence (8.6: an error Response other than to a Handover
//        raises an Incident and halts that installation), one COF entry per installation;
//   6.4  COFs batched (nothing waits more than `batchMinutes` ≤ 60), one per MCF, SCF and Supplier
//        Party, Migration Header of the MCF, signed, sent to the Requesting Party and the Supplier Party.
import { createReadStream } from 'node:fs';
import { copyFile, mkdir, rename, stat, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { KeyObject } from 'node:crypto';
import type {
  AcceptedFileRepository,
  AuthenticationVerdict,
  StoredCounterRepository,
} from '../core/authentication/index.js';
import {
  authenticateReceived,
  certificateBase64,
  submitTable63,
  supplierPartyOfInstallation,
  table63Context,
  type CommissioningPartyRepository,
  type CommissioningRequestPort,
  type CpOutcome,
  type HeldMcf,
} from '../core/commissioning-requests/index.js';
import {
  iterateMigrationFile,
  migrationFileName,
  migrationFileToXmlString,
  parseMigrationFileName,
  type CommissioningOutcomesHeader,
  type FailedCheck,
  type McfInstallation,
  type MigrationCommonHeader,
  type S1spOutcomesHeader,
  type ScfInstallation,
} from '../core/formats/migration-files/index.js';
import { categoryFor, incidentTargets, type IncidentKind } from '../core/incidents/index.js';
import type { IncidentRepository } from '../core/incidents/repository.js';
import type { OrganisationCertificate, TrustStore } from '../core/pki/index.js';
import { discardFile } from '../files/discard.js';
import { deliver, type MailboxAddress } from '../files/mailbox.js';
import { signXmlString } from '../lib/xmldsig/index.js';

/** TMAD 6.2: how long an MCF is held. */
export const MCF_HOLD_DAYS = 60;
/** TMAD 6.4: the longest an installation's details may wait for its COF. */
export const MAX_COF_WAIT_MINUTES = 60;
const DAY = 86_400_000;

export interface CommissioningPartyRepositories {
  counters: StoredCounterRepository;
  incidents: IncidentRepository;
  acceptedFiles: AcceptedFileRepository;
  cp: CommissioningPartyRepository;
}

export interface CommissioningPartyOptions {
  trust: TrustStore;
  /** The time of the check (controllable clock). */
  now: Date;
  requireCrl?: boolean;
  /** The COF signer: the commissioningPartyFileSigning certificate and key (Table 5.5). */
  fileSigner: { certificate: OrganisationCertificate; privateKey: KeyObject };
  /** The certificate the DCC verifies Commissioning Requests with: commissioningPartyXmlSigning (Table 5.5). */
  requestSigner: OrganisationCertificate;
  /** The DCC (Commissioning Requests, TMAD 8). */
  dcc: CommissioningRequestPort;
  /** Where held MCFs are kept (6.2). */
  heldDir: string;
  /** Where the COFs are written. */
  outDir: string;
  /** Move discarded files here (default: left in place). */
  discardTo?: string;
  /** Deliver COFs into these mailboxes (docs/MAILBOXES.md). */
  mailboxes?: string;
  /** TMAD 6.4: hold outcomes up to this many minutes to batch them (0..60, default 0: a COF per SCF). */
  batchMinutes?: number;
  /** The Supplier Party (SEC Party Signifier) of a User ID (organisations registry). */
  supplierPartyOf?: (userId: string) => Promise<string | undefined>;
  /** Table 8.7.4: the DCC ID used as Business Target ID of a Device Pre-notification (default: the CP's Entity ID). */
  preNotificationTargetId?: string;
}

export type ReceiveOutcome =
  | 'rejected' // Table 5.9
  | 'discarded' // 6.1, 6.3(a)-(c)
  | 'held' // 6.2
  | 'processed' // 6.3(d)
  | 'already-accepted'
  | 'not-for-the-commissioning-party';

export interface InstallationReport {
  chf: string;
  state: 'commissioned' | 'halted' | 'failed-in-scf' | 'skipped';
  failedChecks: FailedCheck[];
  requests: Array<{ step: string; request: string; responseCode: string | null; note?: string }>;
  incidentId?: number;
}

export interface ReceiveResult {
  file: string;
  outcome: ReceiveOutcome;
  fileType: string | null;
  /** The clause that decided, and why. */
  rule?: string;
  reason?: string;
  verdict: AuthenticationVerdict;
  incidentId?: number;
  disposition?: string;
  installations?: InstallationReport[];
  cofs?: CofWritten[];
}

export interface CofWritten {
  path: string;
  name: string;
  installations: number;
  cofCounter: string;
  delivered: Array<{ to: MailboxAddress; path: string }>;
}

async function raise(
  incidents: IncidentRepository,
  kind: IncidentKind,
  summary: string,
  at: Date,
  fileName: string | null,
  step: string | null,
  details: unknown,
): Promise<number> {
  const t = incidentTargets(categoryFor(kind), at);
  return incidents.raise({
    category: t.category,
    kind,
    summary,
    fileName,
    step,
    party: 'commissioning-party',
    raisedAt: at,
    targetResponseBy: t.targetResponseBy,
    targetResolutionBy: t.targetResolutionBy,
    assignee: null,
    details,
  });
}

/** The Commissioning Party's Entity ID (from its file-signing certificate). */
export function commissioningPartyId(opts: Pick<CommissioningPartyOptions, 'fileSigner'>): string {
  const id = opts.fileSigner.certificate.entityId;
  if (!id)
    throw new RangeError('the Commissioning Party certificate has no Entity Identifier (TMAD Table 5.5)');
  return id;
}

/** Receive files in the order given (an MCF before the SCFs that answer it: 6.3(a)). */
export async function receiveFiles(
  files: readonly string[],
  opts: CommissioningPartyOptions,
  repos: CommissioningPartyRepositories,
  onResult: (r: ReceiveResult) => void | Promise<void> = () => undefined,
): Promise<ReceiveResult[]> {
  const out: ReceiveResult[] = [];
  for (const f of files) {
    const r = await receiveFile(f, opts, repos);
    out.push(r);
    await onResult(r);
  }
  return out;
}

async function discard(file: string, opts: CommissioningPartyOptions, verdict: unknown): Promise<string> {
  if (!opts.discardTo) return 'left in place';
  const d = await discardFile(file, opts.discardTo, verdict);
  return `moved to ${d.file}`;
}

/** One received file (TMAD 6.1-6.4). */
export async function receiveFile(
  file: string,
  opts: CommissioningPartyOptions,
  repos: CommissioningPartyRepositories,
): Promise<ReceiveResult> {
  const cpId = commissioningPartyId(opts);
  const fileName = path.basename(file);
  // 6.1: Table 5.9 as the Authenticator.
  const verdict = await authenticateReceived(
    () => createReadStream(file, { highWaterMark: 256 * 1024 }),
    fileName,
    {
      as: 'commissioning-party',
      trust: opts.trust,
      now: opts.now,
      ...(opts.requireCrl === false ? { requireCrl: false } : {}),
      repos,
    },
  );
  const base = { file, fileType: verdict.fileType, verdict };
  if (verdict.alreadyAccepted) {
    // Accepted before, but its processing may have been cut short (a kill after Table 5.9 recorded the
    // file): an MCF not held yet is held now; an SCF whose MCF is still held is processed again, each
    // installation still awaiting its SCF only (6.3(d) is idempotent per installation).
    const again = await unfinished(file, fileName, verdict.fileType, cpId, repos);
    if (again === 'MCF') return receiveMcf(file, fileName, cpId, opts, repos, base);
    if (again === 'SCF') return receiveScf(file, fileName, cpId, opts, repos, base);
    return { ...base, outcome: 'already-accepted', rule: 'TMAD 5.9.5-5.9.9' };
  }
  if (!verdict.accepted) {
    const disposition = await discard(file, opts, verdict);
    return {
      ...base,
      outcome: 'rejected',
      rule: `TMAD 5.9 (step ${verdict.failedStep})`,
      reason: verdict.problems[0]?.message ?? 'Table 5.9 check failed',
      ...(verdict.incidentId !== null ? { incidentId: verdict.incidentId } : {}),
      disposition,
    };
  }
  if (verdict.fileType === 'MCF') return receiveMcf(file, fileName, cpId, opts, repos, base);
  if (verdict.fileType === 'SCF') return receiveScf(file, fileName, cpId, opts, repos, base);
  return {
    ...base,
    outcome: 'not-for-the-commissioning-party',
    rule: 'TMAD 6.1',
    reason: `a ${verdict.fileType}: the Commissioning Party receives MCFs and SCFs only`,
  };
}

async function headerOf(file: string, fileName: string): Promise<MigrationCommonHeader | undefined> {
  const stream = createReadStream(file);
  try {
    for await (const item of iterateMigrationFile(stream, { fileName }))
      if (item.kind === 'header') return item.header as MigrationCommonHeader;
  } catch {
    return undefined;
  } finally {
    stream.destroy();
  }
  return undefined;
}

/** An already-accepted MCF or SCF whose processing did not finish (see receiveFile), or null. */
async function unfinished(
  file: string,
  fileName: string,
  fileType: string | null,
  cpId: string,
  repos: CommissioningPartyRepositories,
): Promise<'MCF' | 'SCF' | null> {
  if (fileType !== 'MCF' && fileType !== 'SCF') return null;
  const h = await headerOf(file, fileName);
  if (!h) return null;
  const same = (m: HeldMcf): boolean =>
    m.commissioningPartyId === cpId &&
    m.requestingPartyId === h.requestingPartyId &&
    m.mcfCounter === h.mcfCounter &&
    m.groupId === h.groupId;
  if (fileType === 'MCF') {
    if (!h.toBeCommissionedByDcc) return null;
    const all = await repos.cp.listMcfs({ includeDiscarded: true });
    return all.some(same) ? null : 'MCF';
  }
  const held = await repos.cp.findHeldMcf(cpId, h.requestingPartyId, h.mcfCounter, h.groupId);
  if (!held) return null;
  // Only when one of its successful installations still awaits it (a refused SCF is not refused twice).
  const successful: string[] = [];
  for await (const item of iterateMigrationFile(createReadStream(file), { expect: 'SCF', fileName }))
    if (item.kind === 'installation' && isSuccessfulScfInstallation(item.installation as ScfInstallation))
      successful.push((item.installation as ScfInstallation).chfIdentifier);
  const states = await repos.cp.installationStates(held.id, successful);
  return [...states.values()].includes('awaiting-scf') ? 'SCF' : null;
}

async function receiveMcf(
  file: string,
  fileName: string,
  cpId: string,
  opts: CommissioningPartyOptions,
  repos: CommissioningPartyRepositories,
  base: Pick<ReceiveResult, 'file' | 'fileType' | 'verdict'>,
): Promise<ReceiveResult> {
  let header: MigrationCommonHeader | undefined;
  const chfs: string[] = [];
  for await (const item of iterateMigrationFile(createReadStream(file), { expect: 'MCF', fileName })) {
    if (item.kind === 'header') {
      header = item.header as MigrationCommonHeader;
      if (!header.toBeCommissionedByDcc) break;
    } else chfs.push((item.installation as McfInstallation).chfDetail.deviceId);
  }
  if (!header!.toBeCommissionedByDcc) {
    // 6.1: discard and cease processing (no Incident: the clause asks for none).
    const reason = 'ToBeCommissionedByDCC is not True: the Responsible Supplier commissions (TMAD 6.6)';
    const disposition = await discard(file, opts, {
      ...base.verdict,
      discarded: { rule: 'TMAD 6.1', reason },
    });
    return { ...base, outcome: 'discarded', rule: 'TMAD 6.1', reason, disposition };
  }
  await mkdir(opts.heldDir, { recursive: true });
  // One held copy per file name (a re-run after a kill copies it again over itself).
  const held = path.join(opts.heldDir, fileName);
  await copyFile(file, held);
  await repos.cp.holdMcf(
    {
      commissioningPartyId: cpId,
      requestingPartyId: header!.requestingPartyId,
      mcfCounter: header!.mcfCounter,
      groupId: header!.groupId,
      fileName,
      heldPath: held,
      receivedAt: opts.now,
    },
    chfs,
  );
  return {
    ...base,
    outcome: 'held',
    rule: 'TMAD 6.2',
    reason: `held for ${chfs.length} installation(s) until SCFs cover them or ${MCF_HOLD_DAYS} days pass`,
  };
}

/** TMAD 5.27(b)(i), (c)(ii): an SCF entry with no FailedCheck is a success (docs/SPEC-DECISIONS.md). */
export const isSuccessfulScfInstallation = (i: ScfInstallation): boolean => i.failedChecks.length === 0;

async function receiveScf(
  file: string,
  fileName: string,
  cpId: string,
  opts: CommissioningPartyOptions,
  repos: CommissioningPartyRepositories,
  base: Pick<ReceiveResult, 'file' | 'fileType' | 'verdict'>,
): Promise<ReceiveResult> {
  let header: S1spOutcomesHeader | undefined;
  const entries: ScfInstallation[] = [];
  for await (const item of iterateMigrationFile(createReadStream(file), { expect: 'SCF', fileName })) {
    if (item.kind === 'header') header = item.header as S1spOutcomesHeader;
    else entries.push(item.installation as ScfInstallation);
  }
  const h = header!;
  const refuse = async (rule: string, reason: string, kind?: IncidentKind): Promise<ReceiveResult> => {
    const incidentId = kind
      ? await raise(repos.incidents, kind, reason, opts.now, fileName, rule, { header: jsonHeader(h) })
      : undefined;
    const disposition = await discard(file, opts, {
      ...base.verdict,
      discarded: { rule, reason, incidentId },
    });
    return {
      ...base,
      outcome: 'discarded',
      rule,
      reason,
      disposition,
      ...(incidentId ? { incidentId } : {}),
    };
  };
  // 6.3(a)
  const mcf = await repos.cp.findHeldMcf(cpId, h.requestingPartyId, h.mcfCounter, h.groupId);
  if (!mcf)
    return refuse(
      'TMAD 6.3(a)',
      `no held Migration Common File with RequestingPartyID ${h.requestingPartyId}, MCFCounter ${h.mcfCounter}, GroupID ${h.groupId}`,
      'scf-without-mcf',
    );
  // 6.3(b)
  const successful = entries.filter(isSuccessfulScfInstallation);
  if (successful.length === 0)
    return refuse(
      'TMAD 6.3(b)',
      `none of the ${entries.length} installation(s) was successfully processed by the S1SP`,
    );
  // 6.3(c)
  const states = await repos.cp.installationStates(
    mcf.id,
    entries.map((e) => e.chfIdentifier),
  );
  const missing = successful.filter((e) => !states.has(e.chfIdentifier.toUpperCase()));
  if (missing.length)
    return refuse(
      'TMAD 6.3(c)',
      `successful installation(s) not in the Migration Common File ${mcf.fileName}: CHF ${missing.map((m) => m.chfIdentifier).join(', ')}`,
      'scf-installation-not-in-mcf',
    );
  // The SCF's RequesterID parts (the COF's name, Table 10.2).
  const parsed = parseMigrationFileName(fileName);
  const scfSupplierSignifier = parsed.ok ? (parsed.value.supplierSignifier ?? '') : '';
  const scfReportingPartyId = h.reportingPartyId;
  const reports: InstallationReport[] = [];
  for (const e of entries)
    if (!isSuccessfulScfInstallation(e) && states.get(e.chfIdentifier.toUpperCase()) === 'awaiting-scf') {
      await repos.cp.setInstallationState(mcf.id, e.chfIdentifier, 'failed-in-scf', opts.now);
      reports.push({
        chf: e.chfIdentifier,
        state: 'failed-in-scf',
        failedChecks: e.failedChecks,
        requests: [],
      });
    }
  // 6.3(d): the MCF entries of the successful installations, from the held copy.
  const wanted = new Set(successful.map((e) => e.chfIdentifier.toUpperCase()));
  const mcfEntries = new Map<string, McfInstallation>();
  for await (const item of iterateMigrationFile(createReadStream(mcf.heldPath), { expect: 'MCF' }))
    if (item.kind === 'installation') {
      const i = item.installation as McfInstallation;
      if (wanted.has(i.chfDetail.deviceId.toUpperCase()))
        mcfEntries.set(i.chfDetail.deviceId.toUpperCase(), i);
    }
  // Outcomes already recorded for this MCF (by an attempt cut short before the installation's state).
  const recorded = new Set((await repos.cp.listOutcomes(mcf.id)).map((o) => o.chfDeviceId.toUpperCase()));
  for (const e of successful) {
    const key = e.chfIdentifier.toUpperCase();
    if (states.get(key) !== 'awaiting-scf') {
      reports.push({
        chf: e.chfIdentifier,
        state: 'skipped',
        failedChecks: [],
        requests: [],
      });
      continue;
    }
    const inst = mcfEntries.get(key)!;
    const report = await commissionInstallation(inst, fileName, cpId, opts, repos);
    reports.push(report);
    const supplierParty = await supplierPartyOf(inst, opts);
    // The outcome first, then the state: a kill between them leaves the installation awaiting, done
    // again on the re-run without a second COF entry.
    if (!recorded.has(key))
      await repos.cp.addOutcome({
        mcfId: mcf.id,
        batchKey: `${mcf.id}|${scfSupplierSignifier}|${scfReportingPartyId}|${supplierParty ?? ''}`,
        scfSupplierSignifier,
        scfReportingPartyId,
        supplierParty,
        chfDeviceId: inst.chfDetail.deviceId,
        failedChecks: report.failedChecks,
        decidedAt: opts.now,
      });
    await repos.cp.setInstallationState(
      mcf.id,
      e.chfIdentifier,
      report.state === 'halted' ? 'halted' : 'commissioned',
      opts.now,
      {
        requests: report.requests,
        ...(report.incidentId ? { incidentId: report.incidentId } : {}),
        // 8.6: what resuming a halted installation needs once the MCF itself is released (6.2).
        ...(report.state === 'halted'
          ? {
              resume: {
                mcfEntry: inst,
                scfName: fileName,
                scfSupplierSignifier,
                scfReportingPartyId,
                supplierParty,
                failedChecks: report.failedChecks,
              } satisfies HaltedResume,
            }
          : {}),
      },
    );
  }
  // 6.2: every installation covered → discard the MCF.
  if ((await repos.cp.stateCounts(mcf.id))['awaiting-scf'] === 0)
    await releaseMcf(
      mcf,
      opts.now,
      'TMAD 6.2: S1SP Commissioning Files processed for all its installations',
      repos,
    );
  const cofs = await flushOutcomes(opts, repos);
  return {
    ...base,
    outcome: 'processed',
    rule: 'TMAD 6.3(d)',
    reason: `${successful.length} successful installation(s) of ${entries.length}`,
    installations: reports,
    cofs,
  };
}

async function releaseMcf(
  mcf: HeldMcf,
  at: Date,
  reason: string,
  repos: CommissioningPartyRepositories,
): Promise<void> {
  await repos.cp.discardMcf(mcf.id, at, reason);
  await unlink(mcf.heldPath).catch(() => undefined);
}

/** The Supplier Party identified for the installation in the MCF (6.4(b)(ii)). */
const supplierPartyOf = (inst: McfInstallation, opts: CommissioningPartyOptions): Promise<string | null> =>
  supplierPartyOfInstallation(inst, opts.trust, opts.supplierPartyOf);

/** What a halted installation keeps to be resumed (TMAD 8.6). */
interface HaltedResume {
  mcfEntry: McfInstallation;
  scfName: string;
  scfSupplierSignifier: string;
  scfReportingPartyId: string;
  supplierParty: string | null;
  failedChecks: FailedCheck[];
}

/**
 * TMAD 6.3(d)(i), 8.6: the Table 6.3 requests of one installation, in sequence; with `fromStep`, the
 * steps before it are not submitted again (a halted installation resumed at its erroneous request).
 */
export async function commissionInstallation(
  inst: McfInstallation,
  scfName: string,
  cpId: string,
  opts: CommissioningPartyOptions,
  repos: Pick<CommissioningPartyRepositories, 'cp' | 'incidents'>,
  fromStep?: string,
): Promise<InstallationReport> {
  const report: InstallationReport = {
    chf: inst.chfDetail.deviceId,
    state: 'commissioned',
    failedChecks: [],
    requests: [],
  };
  const ctx = table63Context({
    businessOriginatorId: opts.requestSigner.entityId ?? cpId,
    preNotificationTargetId: opts.preNotificationTargetId ?? cpId,
    nextCounter: (name) => repos.cp.nextCounter(cpId, name),
    now: opts.now,
    trust: opts.trust,
  });
  const r = await submitTable63(inst, ctx, opts.dcc, certificateBase64(opts.requestSigner), fromStep);
  report.requests = r.requests;
  report.failedChecks = r.failedChecks;
  if (r.halted) {
    const { step, response } = r.halted;
    // 8.6: any other error Response: an Incident, and no further request for this installation.
    report.state = 'halted';
    report.incidentId = await raise(
      repos.incidents,
      'commissioning-request-rejected',
      `step ${step.step} ${step.request} for CHF ${inst.chfDetail.deviceId}: ${response.responseCode} ${response.responseCodeName}`,
      opts.now,
      scfName,
      step.step,
      {
        response: JSON.parse(
          JSON.stringify(response, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)),
        ) as unknown,
      },
    );
  }
  return report;
}

export interface ResumeResult {
  chf: string;
  /** Why it was not resumed (no halted installation with that CHF, or one without resume data). */
  problem?: string;
  /** The Table 6.3 step it resumed at (the request that had the error Response). */
  resumedAt?: string;
  installation?: InstallationReport;
  cofs?: CofWritten[];
}

/**
 * TMAD 8.6: "not continue processing subsequent Commissioning Requests for that SMETS1 Installation
 * until and unless that incident is resolved so as to allow the erroneous requests to be processed
 * without error". Once the operator has resolved the Incident, each halted installation named is
 * resumed at the request that had the error Response (submitted again), then the requests after it;
 * the requests answered before the halt are not submitted again. Its outcome goes in a new COF entry
 * (6.3(d)(ii), 6.4) with the FailedChecks of the whole installation (the Handover errors before the
 * halt, and those of the resumed requests).
 */
export async function resumeInstallations(
  chfs: readonly string[],
  opts: CommissioningPartyOptions,
  repos: Pick<CommissioningPartyRepositories, 'cp' | 'incidents'>,
): Promise<ResumeResult[]> {
  const cpId = commissioningPartyId(opts);
  const halted = await repos.cp.installationsInState('halted');
  const out: ResumeResult[] = [];
  for (const chf of chfs) {
    const h = [...halted].reverse().find((x) => x.chfDeviceId.toUpperCase() === chf.toUpperCase());
    if (!h) {
      out.push({ chf, problem: 'TMAD 8.6: no halted installation with this CHF Device ID' });
      continue;
    }
    const d = (h.details ?? {}) as {
      requests?: InstallationReport['requests'];
      incidentId?: number;
      resume?: HaltedResume;
    };
    const last = d.requests?.at(-1);
    if (!d.resume || !last) {
      out.push({ chf, problem: 'TMAD 8.6: the halted installation has no record of where it stopped' });
      continue;
    }
    const r = d.resume;
    const again = await commissionInstallation(r.mcfEntry, r.scfName, cpId, opts, repos, last.step);
    // The FailedChecks before the halted step stay; the halted request's error is replaced by its retry.
    const before = r.failedChecks.filter((f) => f.failedStepNumber !== last.step);
    const report: InstallationReport = {
      ...again,
      failedChecks: [...before, ...again.failedChecks],
      requests: [...(d.requests ?? []), ...again.requests],
    };
    await repos.cp.setInstallationState(
      h.mcfId,
      h.chfDeviceId,
      report.state === 'halted' ? 'halted' : 'commissioned',
      opts.now,
      {
        requests: report.requests,
        resumedFrom: { step: last.step, incidentId: d.incidentId ?? null },
        ...(report.incidentId ? { incidentId: report.incidentId } : {}),
        ...(report.state === 'halted' ? { resume: { ...r, failedChecks: report.failedChecks } } : {}),
      },
    );
    await repos.cp.addOutcome({
      mcfId: h.mcfId,
      batchKey: `${h.mcfId}|${r.scfSupplierSignifier}|${r.scfReportingPartyId}|${r.supplierParty ?? ''}`,
      scfSupplierSignifier: r.scfSupplierSignifier,
      scfReportingPartyId: r.scfReportingPartyId,
      supplierParty: r.supplierParty,
      chfDeviceId: r.mcfEntry.chfDetail.deviceId,
      failedChecks: report.failedChecks,
      decidedAt: opts.now,
    });
    out.push({ chf, resumedAt: last.step, installation: report });
  }
  const cofs = await flushOutcomes(opts, repos);
  if (out.length) out[out.length - 1]!.cofs = cofs;
  return out;
}

/** TMAD 6.4: write the COFs of every batch that is due at opts.now (all of them when batchMinutes is 0). */
export async function flushOutcomes(
  opts: CommissioningPartyOptions,
  repos: Pick<CommissioningPartyRepositories, 'cp'>,
  force = false,
): Promise<CofWritten[]> {
  const wait = Math.min(Math.max(opts.batchMinutes ?? 0, 0), MAX_COF_WAIT_MINUTES) * 60_000;
  const written: CofWritten[] = await repairCofs(opts, repos);
  const pending = await repos.cp.pendingOutcomes();
  const batches = new Map<string, CpOutcome[]>();
  for (const o of pending) batches.set(o.batchKey, [...(batches.get(o.batchKey) ?? []), o]);
  const mcfs = new Map((await repos.cp.listMcfs({ includeDiscarded: true })).map((m) => [m.id, m]));
  for (const batch of batches.values()) {
    const oldest = batch[0]!.decidedAt.getTime();
    if (!force && opts.now.getTime() - oldest < wait) continue;
    written.push(await writeCof(batch, mcfs.get(batch[0]!.mcfId)!, opts, repos));
  }
  return written;
}

/** When the oldest waiting outcome must be sent (6.4), or null when none waits. */
export async function nextCofDue(
  opts: Pick<CommissioningPartyOptions, 'batchMinutes'>,
  repos: Pick<CommissioningPartyRepositories, 'cp'>,
): Promise<Date | null> {
  const pending = await repos.cp.pendingOutcomes();
  if (!pending.length) return null;
  const wait = Math.min(Math.max(opts.batchMinutes ?? 0, 0), MAX_COF_WAIT_MINUTES) * 60_000;
  return new Date(Math.min(...pending.map((p) => p.decidedAt.getTime())) + wait);
}

async function writeCof(
  batch: CpOutcome[],
  mcf: HeldMcf,
  opts: CommissioningPartyOptions,
  repos: Pick<CommissioningPartyRepositories, 'cp'>,
): Promise<CofWritten> {
  const cpId = commissioningPartyId(opts);
  const cofCounter = await repos.cp.nextCounter(cpId, 'COF');
  const first = batch[0]!;
  const name = cofName(mcf, cpId, cofCounter, first);
  const target = path.join(opts.outDir, name);
  // Recorded as sent before the file is written: a kill in between leaves a COF to write again
  // (repairCofs), never an installation in two COFs.
  await repos.cp.markOutcomesSent(
    batch.map((o) => o.id),
    target,
  );
  await writeCofFile(batch, mcf, cofCounter, target, opts);
  const delivered: CofWritten['delivered'] = [];
  if (opts.mailboxes) {
    // 6.4(b)(i) the Requesting Party; (ii) each Supplier Party identified in the MCF entries.
    for (const a of cofRecipients(mcf, first))
      delivered.push({ to: a, path: await deliver(opts.mailboxes, a, name, target) });
  }
  return { path: target, name, installations: batch.length, cofCounter: cofCounter.toString(), delivered };
}

/** TMAD 6.4(b): who receives a COF: (i) the Requesting Party, (ii) the Supplier Party of its installations. */
export function cofRecipients(
  mcf: Pick<HeldMcf, 'requestingPartyId'>,
  outcome: Pick<CpOutcome, 'supplierParty'>,
): MailboxAddress[] {
  const to: MailboxAddress[] = [{ role: 'requesting-party', party: mcf.requestingPartyId }];
  if (outcome.supplierParty) to.push({ role: 'responsible-supplier', party: outcome.supplierParty });
  return to;
}

function cofHeader(mcf: HeldMcf, cpId: string, cofCounter: bigint): CommissioningOutcomesHeader {
  // 6.4(a): the Migration Header of the MCF.
  return {
    requestingPartyId: mcf.requestingPartyId,
    mcfCounter: mcf.mcfCounter,
    commissioningPartyId: cpId,
    cofCounter,
    groupId: mcf.groupId,
  };
}

function cofName(mcf: HeldMcf, cpId: string, cofCounter: bigint, first: CpOutcome): string {
  return migrationFileName('COF', cofHeader(mcf, cpId, cofCounter), {
    supplierSignifier: first.scfSupplierSignifier,
    scfReportingPartyId: first.scfReportingPartyId,
  });
}

/**
 * The COFs recorded as sent whose file is missing (a kill between the record and the write): written
 * again with the same COFCounter and entries. Returns them.
 */
export async function repairCofs(
  opts: CommissioningPartyOptions,
  repos: Pick<CommissioningPartyRepositories, 'cp'>,
): Promise<CofWritten[]> {
  const cpId = commissioningPartyId(opts);
  const byFile = new Map<string, CpOutcome[]>();
  for (const o of await repos.cp.listOutcomes())
    if (o.cofFile) byFile.set(o.cofFile, [...(byFile.get(o.cofFile) ?? []), o]);
  const mcfs = new Map((await repos.cp.listMcfs({ includeDiscarded: true })).map((m) => [m.id, m]));
  const out: CofWritten[] = [];
  for (const [target, batch] of byFile) {
    if (
      await stat(target).then(
        () => true,
        () => false,
      )
    )
      continue;
    const parsed = parseMigrationFileName(path.basename(target));
    const mcf = mcfs.get(batch[0]!.mcfId);
    if (!parsed.ok || !mcf || !/^\d+$/.test(parsed.value.additionalId)) continue;
    const cofCounter = BigInt(parsed.value.additionalId);
    if (path.basename(target) !== cofName(mcf, cpId, cofCounter, batch[0]!)) continue;
    await writeCofFile(batch, mcf, cofCounter, target, opts);
    out.push({
      path: target,
      name: path.basename(target),
      installations: batch.length,
      cofCounter: cofCounter.toString(),
      delivered: [],
    });
  }
  return out;
}

/** Every COF recorded as sent: its file and the outcomes in it (oldest first). */
export async function sentCofs(
  repos: Pick<CommissioningPartyRepositories, 'cp'>,
): Promise<Array<{ file: string; mcf: HeldMcf; outcomes: CpOutcome[] }>> {
  const byFile = new Map<string, CpOutcome[]>();
  for (const o of await repos.cp.listOutcomes())
    if (o.cofFile) byFile.set(o.cofFile, [...(byFile.get(o.cofFile) ?? []), o]);
  const mcfs = new Map((await repos.cp.listMcfs({ includeDiscarded: true })).map((m) => [m.id, m]));
  return [...byFile].map(([file, outcomes]) => ({ file, mcf: mcfs.get(outcomes[0]!.mcfId)!, outcomes }));
}

async function writeCofFile(
  batch: CpOutcome[],
  mcf: HeldMcf,
  cofCounter: bigint,
  target: string,
  opts: CommissioningPartyOptions,
): Promise<void> {
  const cpId = commissioningPartyId(opts);
  const header = cofHeader(mcf, cpId, cofCounter);
  const xml = await migrationFileToXmlString(
    'COF',
    header,
    batch.map((o) => ({ chfIdentifier: o.chfDeviceId, failedChecks: o.failedChecks })),
  );
  // 6.4(b): Digitally Signed with the Commissioning Party's file-signing certificate (Table 5.5).
  const signed = await signXmlString(xml, {
    privateKey: opts.fileSigner.privateKey,
    issuerName: opts.fileSigner.certificate.issuerName,
    serialNumber: opts.fileSigner.certificate.serialNumber,
  });
  await mkdir(opts.outDir, { recursive: true });
  const tmp = `${target}.${process.pid}.tmp`;
  await writeFile(tmp, signed);
  await rename(tmp, target);
}

export interface TickResult {
  cofs: CofWritten[];
  /** MCFs discarded because 60 days passed (6.2). */
  expired: Array<{ fileName: string; receivedAt: string }>;
}

/** The clock moved to opts.now: send the COFs that are due (6.4) and discard MCFs held 60 days (6.2). */
export async function tick(
  opts: CommissioningPartyOptions,
  repos: Pick<CommissioningPartyRepositories, 'cp'>,
): Promise<TickResult> {
  const cofs = await flushOutcomes(opts, repos);
  const expired: TickResult['expired'] = [];
  for (const m of await repos.cp.listMcfs())
    if (opts.now.getTime() - m.receivedAt.getTime() >= MCF_HOLD_DAYS * DAY) {
      await repos.cp.discardMcf(m.id, opts.now, `TMAD 6.2: held ${MCF_HOLD_DAYS} days`);
      await unlink(m.heldPath).catch(() => undefined);
      expired.push({ fileName: m.fileName, receivedAt: m.receivedAt.toISOString() });
    }
  return { cofs, expired };
}

export interface CommissioningPartyStatus {
  mcfs: Array<{
    fileName: string;
    requestingPartyId: string;
    mcfCounter: string;
    groupId: string;
    receivedAt: string;
    holdUntil: string;
    discardedAt: string | null;
    discardReason: string | null;
    installations: Record<string, number>;
  }>;
  pendingOutcomes: number;
  nextCofDue: string | null;
}

export async function status(
  opts: Pick<CommissioningPartyOptions, 'batchMinutes'>,
  repos: Pick<CommissioningPartyRepositories, 'cp'>,
  all = false,
): Promise<CommissioningPartyStatus> {
  const mcfs = [];
  for (const m of await repos.cp.listMcfs({ includeDiscarded: all }))
    mcfs.push({
      fileName: m.fileName,
      requestingPartyId: m.requestingPartyId,
      mcfCounter: m.mcfCounter.toString(),
      groupId: m.groupId,
      receivedAt: m.receivedAt.toISOString(),
      holdUntil: new Date(m.receivedAt.getTime() + MCF_HOLD_DAYS * DAY).toISOString(),
      discardedAt: m.discardedAt?.toISOString() ?? null,
      discardReason: m.discardReason,
      installations: await repos.cp.stateCounts(m.id),
    });
  const due = await nextCofDue(opts, repos);
  return {
    mcfs,
    pendingOutcomes: (await repos.cp.pendingOutcomes()).length,
    nextCofDue: due?.toISOString() ?? null,
  };
}

function jsonHeader(h: S1spOutcomesHeader): Record<string, string> {
  return Object.fromEntries(Object.entries(h).map(([k, v]) => [k, String(v)]));
}
