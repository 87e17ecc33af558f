// TMAD 6.6: where an MCF has ToBeCommissionedByDCC = False, the Responsible Supplier "shall undertake
// those steps necessary (including submitting Service Requests) to achieve an outcome that is
// equivalent to that which would have been achieved had the Commissioning Party carried out the steps
// set out in the Clause 6". It receives the MCF from the DCC (5.10(a)) and the SCFs from the S1SP
// (5.28(c)); this is what it does with them, the Commissioning Party's steps made its own:
//   6.1  each file through Table 5.9 with the supplier as Authenticator (its Stored Counters); an MCF
//        whose ToBeCommissionedByDCC is True is the Commissioning Party's, not the supplier's;
//   6.3  (a) each SCF has the MCF's Migration Header; (b) at least one successful installation; (c)
//        each successful one is in the MCF; (d) for each successful installation whose ESME (else
//        GSME) Critical Supplier certificate is this supplier's, the Table 6.3 steps in sequence with
//        the Table 8.7.4 values (submitTable63), signed with its own supplier certificate; a Handover
//        error is a FailedCheck and the rest carries on, another error stops that installation (8.6).
// Installations of another supplier are left alone (they are that supplier's to commission). No COF
// is written: the COF is the Commissioning Party's report to the suppliers, here the supplier is its
// own reader; the result is returned (and printed by `s1mig supplier commission`).
import { createReadStream } from 'node:fs';
import path from 'node:path';
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
  type CommissioningRequestPort,
  type SequenceRequest,
} from '../core/commissioning-requests/index.js';
import {
  iterateMigrationFile,
  type FailedCheck,
  type McfInstallation,
  type MigrationCommonHeader,
  type S1spOutcomesHeader,
  type ScfInstallation,
} from '../core/formats/migration-files/index.js';
import type { IncidentRepository } from '../core/incidents/repository.js';
import type { OrganisationCertificate, TrustStore } from '../core/pki/index.js';

export interface SelfCommissioningOptions {
  trust: TrustStore;
  now: Date;
  requireCrl?: boolean;
  /** The supplier's Party Signifier (SEC), e.g. SUPA. */
  supplierParty: string;
  /** The certificate that verifies its Service Requests: its supplier digital-signing certificate. */
  requestSigner: OrganisationCertificate;
  /** The DCC, answering the supplier's Service Requests (src/dcc, requester `responsible-supplier`). */
  dcc: CommissioningRequestPort;
  /** The Party Signifier of a User ID (organisations registry). */
  supplierPartyOf(userId: string): Promise<string | undefined>;
  /** Table 8.7.4 Originator Counter and the Join Service (Critical) counter per Target Device. */
  nextCounter(name: string): Promise<bigint>;
  /** Table 8.7.4: Business Target ID of a Device Pre-notification (default the supplier's Entity ID). */
  preNotificationTargetId?: string;
}

export interface SelfCommissioningRepositories {
  counters: StoredCounterRepository;
  incidents: IncidentRepository;
  acceptedFiles: AcceptedFileRepository;
}

export interface SelfCommissionedInstallation {
  chf: string;
  state: 'commissioned' | 'halted' | 'failed-in-scf' | 'another-supplier';
  failedChecks: FailedCheck[];
  requests: SequenceRequest[];
}

export interface SelfCommissioningFileResult {
  file: string;
  accepted: boolean;
  /** The clause that refused or decided, and why. */
  rule?: string;
  reason?: string;
  verdict?: AuthenticationVerdict;
  installations?: SelfCommissionedInstallation[];
}

async function readAll<H, I>(file: string): Promise<{ header: H; installations: I[] }> {
  let header: H | undefined;
  const installations: I[] = [];
  for await (const item of iterateMigrationFile(createReadStream(file), { fileName: path.basename(file) }))
    if (item.kind === 'header') header = item.header as H;
    else installations.push(item.installation as I);
  return { header: header!, installations };
}

/** TMAD 6.6 on one MCF and the SCFs that answer it (in that order). */
export async function selfCommission(
  mcfFile: string,
  scfFiles: readonly string[],
  opts: SelfCommissioningOptions,
  repos: SelfCommissioningRepositories,
): Promise<SelfCommissioningFileResult[]> {
  const authenticate = (file: string): Promise<AuthenticationVerdict> =>
    authenticateReceived(() => createReadStream(file, { highWaterMark: 256 * 1024 }), path.basename(file), {
      as: 'supplier',
      trust: opts.trust,
      now: opts.now,
      ...(opts.requireCrl === false ? { requireCrl: false } : {}),
      repos,
    });
  const out: SelfCommissioningFileResult[] = [];
  // 6.1 (as the supplier): the MCF.
  const mv = await authenticate(mcfFile);
  if (!mv.accepted || mv.fileType !== 'MCF') {
    out.push({
      file: mcfFile,
      accepted: false,
      rule: mv.accepted ? 'TMAD 6.6' : `TMAD 5.9 (step ${mv.failedStep})`,
      reason: mv.accepted
        ? `a ${mv.fileType}: expected the Migration Common File first`
        : (mv.problems[0]?.message ?? 'Table 5.9 check failed'),
      verdict: mv,
    });
    return out;
  }
  const mcf = await readAll<MigrationCommonHeader, McfInstallation>(mcfFile);
  if (mcf.header.toBeCommissionedByDcc) {
    out.push({
      file: mcfFile,
      accepted: false,
      rule: 'TMAD 6.6',
      reason: 'ToBeCommissionedByDCC is True: the Commissioning Party commissions these installations',
      verdict: mv,
    });
    return out;
  }
  out.push({ file: mcfFile, accepted: true, rule: 'TMAD 6.6', verdict: mv });
  const byChf = new Map(mcf.installations.map((i) => [i.chfDetail.deviceId.toUpperCase(), i]));
  const selfId = opts.requestSigner.entityId ?? '';
  const ctx = table63Context({
    businessOriginatorId: selfId,
    preNotificationTargetId: opts.preNotificationTargetId ?? selfId,
    nextCounter: (name) => opts.nextCounter(name),
    now: opts.now,
    trust: opts.trust,
  });
  const responsibleSupplier = (i: McfInstallation): Promise<string | null> =>
    supplierPartyOfInstallation(i, opts.trust, (u) => opts.supplierPartyOf(u));
  const done = new Set<string>();
  for (const file of scfFiles) {
    const v = await authenticate(file);
    if (!v.accepted || v.fileType !== 'SCF') {
      out.push({
        file,
        accepted: false,
        rule: v.accepted ? 'TMAD 6.6' : `TMAD 5.9 (step ${v.failedStep})`,
        reason: v.accepted
          ? `a ${v.fileType}: expected an S1SP Commissioning File`
          : (v.problems[0]?.message ?? 'Table 5.9 check failed'),
        verdict: v,
      });
      continue;
    }
    const scf = await readAll<S1spOutcomesHeader, ScfInstallation>(file);
    const h = scf.header;
    const refuse = (rule: string, reason: string) =>
      out.push({ file, accepted: false, rule, reason, verdict: v });
    if (
      h.requestingPartyId !== mcf.header.requestingPartyId ||
      h.mcfCounter !== mcf.header.mcfCounter ||
      h.groupId !== mcf.header.groupId
    ) {
      refuse(
        'TMAD 6.6 (6.3(a))',
        `its Migration Header (${h.requestingPartyId}, ${h.mcfCounter}, ${h.groupId}) is not the MCF's (${mcf.header.requestingPartyId}, ${mcf.header.mcfCounter}, ${mcf.header.groupId})`,
      );
      continue;
    }
    const successful = scf.installations.filter((e) => e.failedChecks.length === 0);
    if (successful.length === 0) {
      refuse(
        'TMAD 6.6 (6.3(b))',
        `none of the ${scf.installations.length} installation(s) was successfully processed by the S1SP`,
      );
      continue;
    }
    const missing = successful.filter((e) => !byChf.has(e.chfIdentifier.toUpperCase()));
    if (missing.length) {
      refuse(
        'TMAD 6.6 (6.3(c))',
        `successful installation(s) not in the MCF: CHF ${missing.map((m) => m.chfIdentifier).join(', ')}`,
      );
      continue;
    }
    const installations: SelfCommissionedInstallation[] = [];
    for (const e of scf.installations) {
      const key = e.chfIdentifier.toUpperCase();
      if (done.has(key)) continue; // an installation is commissioned once
      done.add(key);
      if (e.failedChecks.length) {
        installations.push({
          chf: e.chfIdentifier,
          state: 'failed-in-scf',
          failedChecks: e.failedChecks,
          requests: [],
        });
        continue;
      }
      const inst = byChf.get(key)!;
      if ((await responsibleSupplier(inst)) !== opts.supplierParty) {
        installations.push({
          chf: e.chfIdentifier,
          state: 'another-supplier',
          failedChecks: [],
          requests: [],
        });
        continue;
      }
      const r = await submitTable63(inst, ctx, opts.dcc, certificateBase64(opts.requestSigner));
      installations.push({
        chf: e.chfIdentifier,
        state: r.halted ? 'halted' : 'commissioned',
        failedChecks: r.failedChecks,
        requests: r.requests,
      });
    }
    out.push({ file, accepted: true, rule: 'TMAD 6.6 (6.3(d))', verdict: v, installations });
  }
  return out;
}
