// The S1SP's file handling (TMAD 5.22-5.26, 5.28; clauses 12-16):
//   receive(files, now)  5.22 Table 5.9 as the S1SP (its own Stored Counters); 5.23 decryption of each
//                        EncryptedS1SPGroupInformation with the S1SP private key chosen by Key
//                        Identifier within its dates (5.1(a)), the plaintext validated against the
//                        schema (Table 11.2.1) and SEALED at rest; failure: discard, Incident. Each
//                        file joins its S1SP Required File Set (12.4, 13.6, 14.5, 15.4, 16.4); the first
//                        MVF starts the 24-hour timer (5.24); a complete set runs Table 5.25, and each
//                        S1SP Viable Installation goes to the given CommissionInstallation (5.27).
//   tick(now)            5.24 discards sets whose timer reached 24 hours; 5.28 writes the SCFs due.
// Every operation takes `now` (a controllable clock). Plaintext group information is deleted after
// commissioning, rollback or discard (5.27, 12.10.2); without a commissioner, S1SP Viable Installations
// wait (sealed) and only Table 5.25 failures are reported in SCFs: nothing is reported as commissioned
// that was not.
import { createReadStream, createWriteStream } from 'node:fs';
import { access, copyFile, mkdir, rename, rm, unlink } from 'node:fs/promises';
import { createPublicKey, type KeyObject } from 'node:crypto';
import path from 'node:path';
import { authenticateMigrationFile, type AuthenticationVerdict } from '../core/authentication/index.js';
import { decryptS1spGroupInformationXml } from '../core/crypto/group-information.js';
import type { DcoRequests } from '../core/dco-requests/index.js';
import {
  createS1spOutcomesFileWriter,
  iterateMigrationFile,
  migrationFileName,
  parseDecryptedS1spDpGroupInformation,
  parseDecryptedS1spGroupInformation,
  type AnyMigrationHeader,
  type DecryptedS1spDpGroupInformation,
  type DecryptedS1spGroupInformation,
  type McfInstallation,
  type MefInstallation,
  type MgfInstallation,
  type MigrationCommonHeader,
  type OutcomeInstallation,
  type S1spOutcomesHeader,
} from '../core/formats/migration-files/index.js';
import { GROUP_FILE_REQUIREMENTS } from '../core/groups/requirements.js';
import { isGroupId, isNullCertificateId, type GroupId } from '../core/ids/index.js';
import { categoryFor, incidentTargets } from '../core/incidents/index.js';
import { criticalSupplierId, type OrganisationCertificate, type TrustStore } from '../core/pki/index.js';
import { spkiKeyIdentifier } from '../core/reference/certificates.js';
import { validateXml } from '../core/schema/index.js';
import { discardFile } from '../files/discard.js';
import { deliver, type MailboxAddress } from '../files/mailbox.js';
import { createSealer, openSealed, type Sealer } from '../lib/crypto/seal.js';
import { signXmlFile } from '../lib/xmldsig/index.js';
import type {
  S1spFileSet,
  S1spHeldFileType,
  S1spInstallationRecord,
  S1spMcfSummary,
  Store,
} from '../store/index.js';
import {
  scfEntryOf,
  type CommissionInstallation,
  type S1spViableInstallation,
} from './commissioning-contract.js';
import { checkTable525 } from './table-5-25.js';

/** TMAD 5.24: the S1SP Required File Set must be complete within 24 hours of the first MVF. */
export const REQUIRED_FILE_SET_HOURS = 24;
/** TMAD 5.28: no installation's details wait more than 60 minutes for an SCF. */
export const SCF_MAX_DELAY_MINUTES = 60;

export interface S1spFileHandlingOptions {
  store: Pick<Store, 's1sp' | 's1spKeys' | 'counters' | 'incidents' | 'acceptedFiles' | 'reference'>;
  trust: TrustStore;
  /** The S1SP's group private keys (TMAD 5.1(a), 5.4): chosen by Key Identifier, within their dates. */
  groupKeys: readonly KeyObject[];
  /** Passphrase sealing decrypted group information at rest (src/lib/crypto/seal.ts). */
  sealPassphrase: string | undefined;
  /** Where the S1SP keeps the files of its sets until they end. */
  heldDir: string;
  /** TMAD 5.9, 5.23: rejected files are moved here (default: left in place). */
  discardTo?: string;
  /** TMAD 5.28, Table 5.5: the s1SPMigrationSigning key and certificate; without it no SCF is written. */
  signer?: { key: KeyObject; cert: OrganisationCertificate };
  /** Where SCFs are written. */
  scfDir: string;
  /** TMAD 5.28, 9: the mailbox root the SCFs are delivered into (docs/MAILBOXES.md). */
  mailboxes?: string;
  /** TMAD 5.27 (src/s1sp/commissioning); absent: viable installations wait. */
  commission?: CommissionInstallation;
  dco?: DcoRequests;
  /** TMAD 5.28: installations per SCF (default 1000). */
  batchSize?: number;
  /** TMAD 5.28: write an SCF when its oldest outcome is this close to 60 minutes (default 5). */
  flushMarginMinutes?: number;
  requireCrl?: boolean;
}

export interface ReceiptReport {
  file: string;
  accepted: boolean;
  fileType: string | null;
  /** The Table 5.9 verdict. */
  verdict: AuthenticationVerdict;
  /** The set it joined: "<RequestingPartyID>/<MCFCounter>/<GroupID>". */
  set: string | null;
  /** Why it was not used after authentication (TMAD 5.22-5.24), with the clause. */
  problem: { rule: string; message: string } | null;
  disposition: string | null;
  incidentId: number | null;
}

export interface ScfWritten {
  path: string;
  set: string;
  scfCounter: string;
  installations: number;
  failed: number;
  delivered: Array<{ to: MailboxAddress; path: string }>;
}

export interface TickReport {
  discarded: Array<{ set: string; reason: string }>;
  processed: Array<{ set: string; viable: number; failed: number; commissioned: number }>;
  scfs: ScfWritten[];
  problems: Array<{ set: string; rule: string; message: string }>;
}

const setName = (s: { requestingPartyId: string; mcfCounter: bigint; groupId: string }): string =>
  `${s.requestingPartyId}/${s.mcfCounter}/${s.groupId}`;
const HOUR = 3_600_000;
const sealContext = (setId: number, chf: string): string => `s1sp-group-information|${setId}|${chf}`;

class ReceiptRefusal extends Error {
  constructor(
    readonly rule: string,
    message: string,
    readonly incident: boolean,
  ) {
    super(message);
  }
}

/** TMAD 5.1(a), 5.4: the S1SP's private key Key Identifiers, and which are usable for a GroupID at t. */
async function usableKeys(
  o: S1spFileHandlingOptions,
  groupId: string,
  at: Date,
): Promise<Array<{ key: KeyObject; keyIdentifier: string; validFrom: string }>> {
  const out: Array<{ key: KeyObject; keyIdentifier: string; validFrom: string }> = [];
  for (const key of o.groupKeys) {
    const der = new Uint8Array(createPublicKey(key).export({ type: 'spki', format: 'der' }));
    const kid = spkiKeyIdentifier(der);
    if (!kid.ok) continue;
    const e = await o.store.reference.data.groupPublicKey(kid.value, at);
    if (e && e.holder === 'S1SP' && e.groupId === groupId)
      out.push({ key, keyIdentifier: kid.value, validFrom: e.validFrom });
  }
  return out.sort((a, b) => (a.validFrom < b.validFrom ? 1 : a.validFrom > b.validFrom ? -1 : 0));
}

/** TMAD 2 Supplier Signifier of an MCF and (5.28(c)) the Responsible Suppliers of its installations. */
async function mcfSummary(
  o: S1spFileHandlingOptions,
  header: MigrationCommonHeader,
  installations: readonly McfInstallation[],
): Promise<S1spMcfSummary> {
  const ref = o.store.reference.data;
  // Each certificate looked up once per MCF: an MCF's installations share a few supplier certificates,
  // and a look-up parses the certificate (twice) in the reference data.
  const parties = new Map<string, Promise<string | null>>();
  const partyOf = (id: { serialNumber: string; issuerName: string }): Promise<string | null> => {
    const k = `${id.serialNumber}\u0000${id.issuerName}`;
    let p = parties.get(k);
    if (!p) {
      p = (async () => {
        const cert = await ref.certificate(id);
        const userId = criticalSupplierId(cert);
        if (!userId) return null;
        return (await ref.partyOfUserId(userId))?.partySignifier ?? null;
      })();
      parties.set(k, p);
    }
    return p;
  };
  let anyNull = false;
  let first: { serialNumber: string; issuerName: string } | undefined;
  const suppliers = new Set<string>();
  let problem: string | undefined;
  for (const i of installations) {
    for (const c of [
      i.esmeDetail.criticalSupplierCertificateId,
      i.gpfDetail.criticalSupplierCertificateId,
      i.gsmeDetail?.criticalSupplierCertificateId,
    ]) {
      if (!c) continue;
      if (isNullCertificateId(c)) anyNull = true;
      else first ??= c;
    }
    const esme = i.esmeDetail.criticalSupplierCertificateId;
    if (!isNullCertificateId(esme)) {
      const p = await partyOf(esme);
      if (p) suppliers.add(p);
    }
  }
  let signifier: string | null = anyNull ? '' : null;
  if (!anyNull && first) {
    signifier = await partyOf(first);
    if (signifier === null)
      problem = `no Supplier Party found for the CriticalSupplierCertificateID (serial ${first.serialNumber}, issuer ${first.issuerName}) in the reference data (TMAD 2 Supplier Signifier, 10.2)`;
  }
  return {
    toBeCommissionedByDcc: header.toBeCommissionedByDcc,
    ...(header.commissioningPartyIdentifier !== undefined
      ? { commissioningPartyIdentifier: header.commissioningPartyIdentifier }
      : {}),
    supplierSignifier: signifier,
    ...(problem ? { supplierSignifierProblem: problem } : {}),
    responsibleSuppliers: [...suppliers].sort(),
  };
}

async function readAll(file: string): Promise<{ header: AnyMigrationHeader; installations: unknown[] }> {
  let header: AnyMigrationHeader | undefined;
  const installations: unknown[] = [];
  for await (const item of iterateMigrationFile(createReadStream(file), { fileName: path.basename(file) }))
    if (item.kind === 'header') header = item.header;
    else installations.push(item.installation);
  if (!header) throw new Error(`${file}: no Migration Header (TMAD 10.1)`);
  return { header, installations };
}

/** The S1SP's file handling over one store. */
export class S1spFileHandling {
  private sealer: Sealer | undefined;
  constructor(private readonly o: S1spFileHandlingOptions) {}

  private requiredTypes(groupId: GroupId): S1spHeldFileType[] {
    return GROUP_FILE_REQUIREMENTS[groupId].s1sp.requiredFileSet.mgf
      ? ['MCF', 'MVF', 'MGF', 'MEF']
      : ['MCF', 'MVF', 'MEF'];
  }

  /** TMAD 5.22-5.25: receive files in order; each verdict is handed to `onReport` as decided. */
  async receive(
    files: readonly string[],
    now: Date,
    onReport: (r: ReceiptReport) => void | Promise<void> = () => undefined,
  ): Promise<{ reports: ReceiptReport[]; tick: TickReport }> {
    const tick = emptyTick();
    await this.expire(now, tick); // TMAD 5.24 first: a file arriving at 24 hours is too late
    const reports: ReceiptReport[] = [];
    for (const file of files) {
      const r = await this.receiveOne(file, now, tick);
      reports.push(r);
      await onReport(r);
    }
    await this.flush(now, tick);
    return { reports, tick };
  }

  private async receiveOne(file: string, now: Date, tick: TickReport): Promise<ReceiptReport> {
    const o = this.o;
    const stream = createReadStream(file, { highWaterMark: 256 * 1024 });
    const verdict = await authenticateMigrationFile(stream, {
      as: 's1sp',
      trust: o.trust,
      counters: o.store.counters,
      incidents: o.store.incidents,
      acceptedFiles: o.store.acceptedFiles,
      now,
      fileName: path.basename(file),
      ...(o.requireCrl === false ? { validity: { requireCrl: false } } : {}),
    }).finally(() => stream.destroy());
    const report: ReceiptReport = {
      file,
      accepted: verdict.accepted,
      fileType: verdict.fileType,
      verdict,
      set: null,
      problem: null,
      disposition: verdict.accepted ? null : 'left in place',
      incidentId: verdict.incidentId,
    };
    const discard = async (): Promise<void> => {
      if (!o.discardTo) return;
      await discardFile(file, o.discardTo, (target: string) => {
        report.disposition = `moved to ${target}`;
        return report;
      });
    };
    if (!verdict.accepted) {
      await discard();
      return report;
    }
    let pre: Awaited<ReturnType<typeof readAll>> | undefined;
    if (verdict.alreadyAccepted) {
      // TMAD 5.9.5-5.9.9: a verdict is never lost. Bytes accepted before are nothing to do, unless
      // their receipt was cut short (a crash between Table 5.9's record and the set's): it goes on.
      pre = await readAll(file);
      const existing = await o.store.s1sp.findSet({
        requestingPartyId: pre.header.requestingPartyId,
        mcfCounter: pre.header.mcfCounter,
        groupId: pre.header.groupId,
      });
      const held = existing ? await o.store.s1sp.heldFiles(existing.id) : [];
      const cutShort =
        existing === undefined ||
        (existing.state === 'collecting' &&
          !held.some((h) => h.sha256 === verdict.sha256 && h.fileName === path.basename(file)));
      if (!cutShort) {
        report.problem = {
          rule: 'TMAD 5.9.5-5.9.9',
          message: 'these bytes were received before: nothing to do',
        };
        // A crash after the file completed its set but before Table 5.25 ran: it runs now.
        if (existing.state === 'collecting' && isGroupId(existing.groupId))
          await this.processIfComplete(existing.id, existing.groupId, now, tick);
        return report;
      }
    }
    const type = verdict.fileType;
    if (type !== 'MCF' && type !== 'MVF' && type !== 'MGF' && type !== 'MEF') {
      report.accepted = false;
      report.problem = {
        rule: 'TMAD 5.22',
        message: `a ${type ?? 'file'} is not a file the S1SP receives: expected an MCF, MVF, MGF or MEF`,
      };
      return report;
    }
    const { header, installations } = pre ?? (await readAll(file));
    const key = {
      requestingPartyId: header.requestingPartyId,
      mcfCounter: header.mcfCounter,
      groupId: header.groupId,
    };
    report.set = setName(key);
    if (!isGroupId(key.groupId)) {
      report.accepted = false;
      report.problem = {
        rule: 'TMAD 12-16',
        message: `GroupID '${key.groupId}' has no Group Specific Requirements`,
      };
      return report;
    }
    const groupId: GroupId = key.groupId;
    const set = await o.store.s1sp.openSet(key, now);
    if (set.state !== 'collecting') {
      report.accepted = false;
      report.problem = {
        rule: set.state === 'discarded' ? 'TMAD 5.24' : 'TMAD 12.4',
        message: `the S1SP Required File Set ${report.set} was ${set.state} at ${set.closedAt?.toISOString()} (${set.closeReason ?? ''}): the file is not used`,
      };
      await discard();
      return report;
    }
    if (!this.requiredTypes(groupId).includes(type)) {
      report.accepted = false;
      report.problem = {
        rule: GROUP_FILE_REQUIREMENTS[groupId].s1sp.requiredFileSet.clause,
        message: `the S1SP Required File Set of GroupID ${groupId} holds no ${type}`,
      };
      await discard();
      return report;
    }
    // TMAD 5.23: decrypt, validate, seal; any failure discards the whole file with an Incident.
    let sealed: Array<{ chfIdentifier: string; sealed: string }> = [];
    if (type === 'MEF') {
      try {
        sealed = await this.decryptMef(set, groupId, installations as MefInstallation[], now);
      } catch (e) {
        if (!(e instanceof ReceiptRefusal)) throw e;
        report.accepted = false;
        report.problem = { rule: e.rule, message: e.message };
        report.incidentId = await this.raiseIncident(
          now,
          path.basename(file),
          verdict.sha256 ?? '',
          e.rule,
          e.message,
        );
        await discard();
        return report;
      }
    }
    const dir = path.join(o.heldDir, String(set.id));
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const held = path.join(dir, `${type}-${path.basename(file)}`);
    await copyFile(file, held);
    // One transaction: the held file with what it brings to its set (the sealed group information,
    // 5.23; the timer, 5.24; the MCF's summary), so a crash never leaves it held without them.
    const fresh = await o.store.s1sp.holdFile(
      {
        setId: set.id,
        fileType: type,
        fileName: path.basename(file),
        sha256: verdict.sha256 ?? '',
        heldPath: held,
        receivedAt: now,
        installations: installations.length,
      },
      {
        ...(sealed.length ? { groupInformation: sealed } : {}),
        ...(type === 'MVF' ? { startTimer: now } : {}), // TMAD 5.24
        ...(type === 'MCF'
          ? {
              mcf: await mcfSummary(o, header as MigrationCommonHeader, installations as McfInstallation[]),
            }
          : {}),
      },
    );
    if (!fresh) {
      report.accepted = false;
      report.problem = {
        rule: GROUP_FILE_REQUIREMENTS[groupId].s1sp.requiredFileSet.clause,
        message: `the S1SP Required File Set ${report.set} already holds an ${type}: expected one`,
      };
      await discard();
      return report;
    }
    await this.processIfComplete(set.id, groupId, now, tick);
    return report;
  }

  /** TMAD 5.25 on the set when it holds every file of its S1SP Required File Set (and is collecting). */
  private async processIfComplete(
    setId: number,
    groupId: GroupId,
    now: Date,
    tick: TickReport,
  ): Promise<void> {
    const o = this.o;
    const heldTypes = new Set((await o.store.s1sp.heldFiles(setId)).map((h) => h.fileType));
    if (!this.requiredTypes(groupId).every((t) => heldTypes.has(t))) return;
    const set = await o.store.s1sp.set(setId);
    if (set?.state === 'collecting') await this.process(set, groupId, now, tick);
  }

  /** TMAD 5.23: the Incident of a discarded MEF; these bytes refused again (a re-run) raise none more. */
  private async raiseIncident(
    now: Date,
    fileName: string,
    sha256: string,
    step: string,
    message: string,
  ): Promise<number> {
    const kind = 'file-decryption-failure';
    const prior = (await this.o.store.incidents.list({ party: 's1sp' })).find(
      (i) =>
        i.kind === kind &&
        i.fileName === fileName &&
        i.step === step &&
        (i.details as { sha256?: string } | null)?.sha256 === sha256,
    );
    if (prior) return prior.id;
    const category = categoryFor(kind);
    const targets = incidentTargets(category, now);
    return this.o.store.incidents.raise({
      category,
      kind,
      summary: `${step}: MEF ${fileName} discarded by the S1SP: ${message}`.slice(0, 2000),
      fileName,
      step,
      party: 's1sp',
      raisedAt: now,
      targetResponseBy: targets.targetResponseBy,
      targetResolutionBy: targets.targetResolutionBy,
      assignee: 'DCC',
      details: { rule: step, message, sha256 },
    });
  }

  /** TMAD 5.23 (a), (b) for every EncryptedS1SPGroupInformation of an MEF. */
  private async decryptMef(
    set: S1spFileSet,
    groupId: GroupId,
    mef: readonly MefInstallation[],
    now: Date,
  ): Promise<Array<{ chfIdentifier: string; sealed: string }>> {
    const checks = GROUP_FILE_REQUIREMENTS[groupId].s1sp.mefValidation;
    if (!checks || GROUP_FILE_REQUIREMENTS[groupId].mef.encryptedS1spGroupInformation !== 'required')
      return [];
    const keys = await usableKeys(this.o, groupId, now);
    if (keys.length === 0)
      throw new ReceiptRefusal(
        'TMAD 5.23(a), 5.1(a)',
        `no S1SP private key usable for GroupID ${groupId} on ${now.toISOString().slice(0, 10)}: expected one whose Key Identifier is a notified S1SP key of that GroupID within its start and end dates`,
        true,
      );
    if (this.o.sealPassphrase === undefined)
      throw new Error(
        'no passphrase configured to seal decrypted group information at rest (S1MIG_KEY_PASSPHRASE)',
      );
    // One salt (and one scrypt) for this S1SP's life, not one per MEF: each value still has its own IV
    // and its own context (set and CHFIdentifier) as additional data (src/lib/crypto/seal.ts).
    const sealer = (this.sealer ??= createSealer(this.o.sealPassphrase));
    const out: Array<{ chfIdentifier: string; sealed: string }> = [];
    for (const [n, inst] of mef.entries()) {
      const enc = inst.encryptedS1spGroupInformation;
      if (!enc) continue; // Table 5.25 reports the missing element for that installation (12.15)
      let plain: Buffer | undefined;
      let why = '';
      for (const k of keys) {
        try {
          plain = decryptS1spGroupInformationXml(
            {
              ProtectedData: enc.protectedData,
              AuthenticationTag: enc.authenticationTag,
              WrappedTransportKey: enc.wrappedTransportKey,
            },
            k.key,
          );
          break;
        } catch (e) {
          why = (e as Error).message;
        }
      }
      const where = `SMETS1Installation ${n + 1} (CHFIdentifier ${inst.chfIdentifier})`;
      if (!plain)
        throw new ReceiptRefusal(
          'TMAD 5.23(a)',
          `${where}: EncryptedS1SPGroupInformation does not decrypt with the S1SP keys usable for GroupID ${groupId} (${keys.map((k) => k.keyIdentifier).join(', ')}): ${why}`,
          true,
        );
      try {
        const v = await validateXml(plain, { expectedFileType: checks.plaintext });
        if (!v.valid) {
          const p = v.problems[0];
          throw new ReceiptRefusal(
            'TMAD 5.23(b)',
            `${where}: the decrypted plaintext is not a valid ${checks.plaintext} (Table 11.2.1): line ${p?.line ?? '?'}, <${p?.element ?? ''}>: ${p?.message ?? ''}`,
            true,
          );
        }
        out.push({
          chfIdentifier: inst.chfIdentifier,
          sealed: sealer.seal(plain, sealContext(set.id, inst.chfIdentifier)),
        });
      } finally {
        plain.fill(0);
      }
    }
    return out;
  }

  /** TMAD 5.23: an installation's sealed group information, opened and parsed (the plaintext wiped). */
  private async openGroupInformation(
    setId: number,
    chf: string,
    plaintext: 'DecryptedS1SPGroupInformation' | 'DecryptedS1SPDPGroupInformation' | undefined,
  ): Promise<DecryptedS1spGroupInformation | DecryptedS1spDpGroupInformation | undefined> {
    const sealed = await this.o.store.s1sp.groupInformation(setId, chf);
    if (!sealed || !plaintext) return undefined;
    const plain = openSealed(sealed, this.o.sealPassphrase, sealContext(setId, chf));
    try {
      return plaintext === 'DecryptedS1SPGroupInformation'
        ? await parseDecryptedS1spGroupInformation(plain)
        : await parseDecryptedS1spDpGroupInformation(plain);
    } finally {
      plain.fill(0);
    }
  }

  /** TMAD 5.25 on a complete set, then 5.27 for each S1SP Viable Installation when a commissioner is given. */
  private async process(set: S1spFileSet, groupId: GroupId, now: Date, tick: TickReport): Promise<void> {
    const o = this.o;
    const held = new Map((await o.store.s1sp.heldFiles(set.id)).map((h) => [h.fileType, h]));
    const mcfFile = await readAll(held.get('MCF')!.heldPath);
    const mcfHeader = mcfFile.header as MigrationCommonHeader;
    const mcf = new Map((mcfFile.installations as McfInstallation[]).map((i) => [i.chfDetail.deviceId, i]));
    const mvf = new Map(
      ((await readAll(held.get('MVF')!.heldPath)).installations as OutcomeInstallation[]).map((i) => [
        i.chfIdentifier,
        i,
      ]),
    );
    const mefList = (await readAll(held.get('MEF')!.heldPath)).installations as MefInstallation[];
    const mef = new Map(mefList.map((i) => [i.chfIdentifier, i]));
    const needsMgf = GROUP_FILE_REQUIREMENTS[groupId].s1sp.requiredFileSet.mgf;
    const mgfList = needsMgf
      ? ((await readAll(held.get('MGF')!.heldPath)).installations as MgfInstallation[])
      : [];
    const mgf = new Map(mgfList.map((i) => [i.chfIdentifier, i]));
    const driver = needsMgf ? mgfList.map((i) => i.chfIdentifier) : mefList.map((i) => i.chfIdentifier);
    const plaintext = GROUP_FILE_REQUIREMENTS[groupId].s1sp.mefValidation?.plaintext;
    const records: S1spInstallationRecord[] = [];
    const viable: S1spViableInstallation[] = [];
    for (const chf of new Set(driver)) {
      const gi = await this.openGroupInformation(set.id, chf, plaintext);
      const r = checkTable525({
        groupId,
        chfIdentifier: chf,
        mcf: mcf.get(chf),
        mvf: mvf.get(chf),
        mgf: mgf.get(chf),
        mef: mef.get(chf),
        groupInformation: gi,
      });
      const base = { setId: set.id, chfIdentifier: chf, decidedAt: now, scfCounter: null, scfFile: null };
      if (!r.viable) {
        records.push({
          ...base,
          state: 'failed',
          failedChecks: [r.failure.failedCheck],
          prepayFlag: false,
          detail: { rule: r.failure.rule, element: r.failure.element, message: r.failure.message },
        });
        // TMAD 5.25: no further processing: the installation's plaintext is not kept (recordProcessed).
      } else {
        records.push({ ...base, state: 'viable', failedChecks: [], prepayFlag: false, detail: {} });
        viable.push({
          ref: {
            requestingPartyId: set.requestingPartyId,
            mcfCounter: set.mcfCounter,
            groupId,
            chfIdentifier: chf,
          },
          header: mcfHeader,
          mcf: mcf.get(chf)!,
          ...(mgf.get(chf) ? { mgf: mgf.get(chf)! } : {}),
          mef: mef.get(chf)!,
          ...(gi ? { groupInformation: gi } : {}),
        });
      }
    }
    // One transaction: the outcomes, the failed installations' plaintext deleted, the set processed.
    const closed = await o.store.s1sp.recordProcessed(
      set.id,
      records,
      now,
      `TMAD 5.25: ${viable.length} S1SP Viable Installation(s)`,
    );
    if (!closed) return; // another process ended the set first
    const commissioned = await this.commissionAll(set, viable, now);
    tick.processed.push({
      set: setName(set),
      viable: viable.length,
      failed: records.length - viable.length,
      commissioned,
    });
  }

  /** TMAD 5.27 for S1SP Viable Installations of a set, each outcome recorded as it is known. */
  private async commissionAll(
    set: S1spFileSet,
    viable: readonly S1spViableInstallation[],
    now: Date,
  ): Promise<number> {
    const o = this.o;
    let commissioned = 0;
    if (!o.commission || !o.dco) return 0;
    for (const v of viable) {
      // An installation still waiting that holds commissioning keys was cut short by the end of the
      // process (every outcome is recorded as soon as it is known): it starts again from its first
      // step, from the SMSO's keys of the MEF, with nothing kept from that attempt by the S1SP or the
      // DCO (docs/SPEC-DECISIONS.md, TMAD 5.27).
      if ((await o.store.s1spKeys.countKeys(v.ref)) > 0) {
        await o.dco.commissioningRestarted(v.ref);
        await o.store.s1spKeys.deleteInstallationKeys(v.ref);
      }
      const out = await o.commission(v, { dco: o.dco, now: () => now });
      if (out.kind === 'commissioned') commissioned++;
      // TMAD 5.27(b)(iii), (c), 12.10.2: the plaintext is not kept after commissioning or rollback: it
      // is deleted in the transaction that records the outcome.
      await o.store.s1sp.recordCommissioningOutcome({
        setId: set.id,
        chfIdentifier: v.ref.chfIdentifier,
        state: out.kind === 'commissioned' ? 'commissioned' : 'commissioning-failed',
        failedChecks: scfEntryOf(out).failedChecks,
        prepayFlag: scfEntryOf(out).prepayFlag ?? false,
        detail:
          out.kind === 'failed'
            ? { critical: out.critical, rolledBack: out.rolledBack }
            : { earlySteps: out.earlySteps ?? [] },
        decidedAt: now,
        scfCounter: null,
        scfFile: null,
      });
      // 5.27(b)(iii), 12.10.2, 15.10.2: a failed installation keeps no key in the stored key store
      // (the commissioner deletes them on rollback; this covers a commissioner keeping them there).
      if (out.kind === 'failed') await o.store.s1spKeys.deleteInstallationKeys(v.ref);
    }
    return commissioned;
  }

  /**
   * TMAD 5.27, then 5.28: commission the S1SP Viable Installations still waiting in processed sets
   * (received without a commissioner, or cut short by a crash: each outcome is recorded as it is known,
   * so only those with none are commissioned), then write the SCFs that are due.
   * `only`: just these CHFIdentifiers (a batch of them: the SCFs written are then of this batch's
   * outcomes alone, so batches commissioned side by side never report an installation twice).
   */
  async commissionWaiting(now: Date, opts: { only?: ReadonlySet<string> } = {}): Promise<TickReport> {
    const o = this.o;
    const tick = emptyTick();
    if (!o.commission || !o.dco) throw new Error('TMAD 5.27: no commissioner (or no DCO) given');
    for (const set of await o.store.s1sp.listSets({ state: 'processed' })) {
      const waiting = (await o.store.s1sp.installations(set.id, { state: 'viable' })).filter(
        (w) => !opts.only || opts.only.has(w.chfIdentifier),
      );
      if (waiting.length === 0 || !isGroupId(set.groupId)) continue;
      const groupId: GroupId = set.groupId;
      const held = new Map((await o.store.s1sp.heldFiles(set.id)).map((h) => [h.fileType, h]));
      const mcfFile = await readAll(held.get('MCF')!.heldPath);
      const mcfHeader = mcfFile.header as MigrationCommonHeader;
      const mcf = new Map((mcfFile.installations as McfInstallation[]).map((i) => [i.chfDetail.deviceId, i]));
      const mef = new Map(
        ((await readAll(held.get('MEF')!.heldPath)).installations as MefInstallation[]).map((i) => [
          i.chfIdentifier,
          i,
        ]),
      );
      const mgf = held.get('MGF')
        ? new Map(
            ((await readAll(held.get('MGF')!.heldPath)).installations as MgfInstallation[]).map((i) => [
              i.chfIdentifier,
              i,
            ]),
          )
        : new Map<string, MgfInstallation>();
      const plaintext = GROUP_FILE_REQUIREMENTS[groupId].s1sp.mefValidation?.plaintext;
      const viable: S1spViableInstallation[] = [];
      for (const w of waiting) {
        const chf = w.chfIdentifier;
        const gi = await this.openGroupInformation(set.id, chf, plaintext);
        const m = mcf.get(chf);
        const e = mef.get(chf);
        if (!m || !e) continue; // Table 5.25 found them in the set's files: never absent here
        viable.push({
          ref: {
            requestingPartyId: set.requestingPartyId,
            mcfCounter: set.mcfCounter,
            groupId,
            chfIdentifier: chf,
          },
          header: mcfHeader,
          mcf: m,
          ...(mgf.get(chf) ? { mgf: mgf.get(chf)! } : {}),
          mef: e,
          ...(gi ? { groupInformation: gi } : {}),
        });
      }
      const commissioned = await this.commissionAll(set, viable, now);
      tick.processed.push({ set: setName(set), viable: viable.length, failed: 0, commissioned });
    }
    await this.flush(now, tick, opts.only);
    return tick;
  }

  /** TMAD 5.24: discard each collecting set whose timer has reached 24 hours. */
  private async expire(now: Date, tick: TickReport): Promise<void> {
    const s1sp = this.o.store.s1sp;
    for (const set of await s1sp.listSets({ state: 'collecting' })) {
      if (!set.firstMvfAt || now.getTime() < set.firstMvfAt.getTime() + REQUIRED_FILE_SET_HOURS * HOUR)
        continue;
      const have = (await s1sp.heldFiles(set.id)).map((h) => h.fileType);
      const reason = `TMAD 5.24: the S1SP Required File Set was not complete 24 hours after its first MVF (${set.firstMvfAt.toISOString()}); held ${have.join(', ') || 'nothing'}`;
      if (!(await s1sp.closeSet(set.id, 'discarded', now, reason))) continue;
      await this.discardSetData(set.id);
      tick.discarded.push({ set: setName(set), reason });
    }
  }

  private async discardSetData(setId: number): Promise<void> {
    const s1sp = this.o.store.s1sp;
    await s1sp.deleteGroupInformation(setId); // 5.27 / 12.10.2: nothing derived is kept
    const set = await s1sp.set(setId);
    if (set) await this.o.store.s1spKeys.deleteSetKeys(set); // nor any commissioning key (5.27)
    for (const h of await s1sp.heldFiles(setId)) await rm(h.heldPath, { force: true });
    await s1sp.forgetHeldFiles(setId);
    await rm(path.join(this.o.heldDir, String(setId)), { recursive: true, force: true });
  }

  /** TMAD 5.24 and 5.28 at `now`. */
  async tick(now: Date): Promise<TickReport> {
    const tick = emptyTick();
    await this.expire(now, tick);
    await this.flush(now, tick);
    return tick;
  }

  /** TMAD 5.28: write the SCFs that are due. */
  private async flush(now: Date, tick: TickReport, only?: ReadonlySet<string>): Promise<void> {
    const o = this.o;
    const batch = o.batchSize ?? 1000;
    const dueMs = (SCF_MAX_DELAY_MINUTES - (o.flushMarginMinutes ?? 5)) * 60_000;
    for (const set of await o.store.s1sp.listSets({ state: 'processed' })) {
      const mine = (i: S1spInstallationRecord): boolean => !only || only.has(i.chfIdentifier);
      await this.writeAssignedScfs(set, tick, mine);
      const unsent = (await o.store.s1sp.installations(set.id, { unsent: true })).filter(mine);
      if (unsent.length === 0) continue;
      const waiting = (await o.store.s1sp.installations(set.id, { state: 'viable' })).filter(mine).length;
      const oldest = Math.min(...unsent.map((u) => u.decidedAt.getTime()));
      // Due: a full batch, the oldest near 60 minutes, or nothing else can join (no viable installation waits).
      if (unsent.length < batch && now.getTime() - oldest < dueMs && waiting > 0) continue;
      if (!o.signer) {
        tick.problems.push({
          set: setName(set),
          rule: 'TMAD 5.28',
          message: 'SCF due but no s1SPMigrationSigning signer given (--sign-key, --cert)',
        });
        continue;
      }
      if (!set.mcf || set.mcf.supplierSignifier === null) {
        tick.problems.push({
          set: setName(set),
          rule: 'TMAD 10.2',
          message: `SCF due but its file name cannot be made: ${set.mcf?.supplierSignifierProblem ?? 'no MCF summary'}`,
        });
        continue;
      }
      for (let i = 0; i < unsent.length; i += batch)
        tick.scfs.push(await this.writeScf(set, unsent.slice(i, i + batch)));
    }
  }

  /**
   * TMAD 5.6, 5.28: the SCFs whose counter and name were given to their outcomes but whose file was
   * never written (a crash in between), written now with that counter and name and those outcomes.
   */
  private async writeAssignedScfs(
    set: S1spFileSet,
    tick: TickReport,
    mine: (i: S1spInstallationRecord) => boolean,
  ): Promise<void> {
    const o = this.o;
    if (!o.signer) return;
    const byFile = new Map<string, S1spInstallationRecord[]>();
    for (const r of await o.store.s1sp.installations(set.id, { sent: true })) {
      // A job writes only the SCFs of its own installations (another worker may be writing its own).
      if (r.scfFile === null || r.scfCounter === null || !mine(r)) continue;
      let l = byFile.get(r.scfFile);
      if (!l) byFile.set(r.scfFile, (l = []));
      l.push(r);
    }
    for (const [scfFile, rows] of byFile) {
      if (await exists(path.join(o.scfDir, scfFile))) continue;
      tick.scfs.push(await this.writeScf(set, rows, { scfCounter: rows[0]!.scfCounter!, scfFile }));
    }
  }

  private async writeScf(
    set: S1spFileSet,
    rows: readonly S1spInstallationRecord[],
    assigned?: { scfCounter: bigint; scfFile: string },
  ): Promise<ScfWritten> {
    const o = this.o;
    const signer = o.signer!;
    const reportingPartyId = signer.cert.entityId;
    if (!reportingPartyId)
      throw new Error('the SCF signing certificate has no Entity Identifier (Table 10.1 ReportingPartyID)');
    const headerOf = (scfCounter: bigint): S1spOutcomesHeader => ({
      requestingPartyId: set.requestingPartyId,
      mcfCounter: set.mcfCounter,
      reportingPartyId,
      scfCounter,
      groupId: set.groupId,
    });
    // TMAD 5.6: the counter and the name are given to the outcomes in one transaction, before the file
    // is written, so that a crash between the two never skips a counter nor renames the SCF.
    const { scfCounter, scfFile: name } =
      assigned ??
      (await o.store.s1sp.assignScf(
        reportingPartyId,
        set.id,
        rows.map((r) => r.chfIdentifier),
        (n) => migrationFileName('SCF', headerOf(n), { supplierSignifier: set.mcf!.supplierSignifier! }),
      ));
    const header = headerOf(scfCounter);
    await mkdir(o.scfDir, { recursive: true });
    const tag = `${process.pid}-${scfCounter}`;
    const unsigned = path.join(o.scfDir, `.scf-unsigned-${tag}`);
    const signing = path.join(o.scfDir, `.scf-signing-${tag}`);
    const out = path.join(o.scfDir, name);
    try {
      const sink = createWriteStream(unsigned, { flags: 'w', mode: 0o600 });
      const w = createS1spOutcomesFileWriter(sink, header);
      for (const r of rows)
        await w.writeInstallation({
          chfIdentifier: r.chfIdentifier,
          prepayFlag: r.prepayFlag,
          failedChecks: r.failedChecks,
        });
      await w.end();
      await signXmlFile(unsigned, signing, {
        privateKey: signer.key,
        issuerName: signer.cert.issuerName,
        serialNumber: signer.cert.serialNumber,
      });
      await rename(signing, out);
    } finally {
      await unlink(unsigned).catch(() => undefined);
      await unlink(signing).catch(() => undefined);
    }
    const delivered: ScfWritten['delivered'] = [];
    if (o.mailboxes) {
      // TMAD 5.28(a) the Requesting Party; (b) the Commissioning Party or (c) the Responsible Supplier.
      const to: MailboxAddress[] = [{ role: 'requesting-party', party: set.requestingPartyId }];
      if (set.mcf!.toBeCommissionedByDcc)
        to.push({ role: 'commissioning-party', party: set.mcf!.commissioningPartyIdentifier ?? 'DCC' });
      else for (const s of set.mcf!.responsibleSuppliers) to.push({ role: 'responsible-supplier', party: s });
      for (const a of to) delivered.push({ to: a, path: await deliver(o.mailboxes, a, name, out) });
    }
    return {
      path: out,
      set: setName(set),
      scfCounter: String(scfCounter),
      installations: rows.length,
      failed: rows.filter((r) => r.failedChecks.length > 0).length,
      delivered,
    };
  }

  /** Every set with its files, timer and installations (for `s1mig s1sp status`). */
  async status(now: Date): Promise<
    Array<{
      set: string;
      state: string;
      createdAt: string;
      timerDeadline: string | null;
      closedAt: string | null;
      closeReason: string | null;
      files: Array<{ fileType: string; fileName: string; installations: number; receivedAt: string }>;
      installations: Record<string, number>;
      unsent: number;
      sealedGroupInformation: number;
      overdue: boolean;
    }>
  > {
    const s1sp = this.o.store.s1sp;
    const out = [];
    for (const set of await s1sp.listSets()) {
      const inst = await s1sp.installations(set.id);
      const counts: Record<string, number> = {};
      for (const i of inst) counts[i.state] = (counts[i.state] ?? 0) + 1;
      const deadline = set.firstMvfAt
        ? new Date(set.firstMvfAt.getTime() + REQUIRED_FILE_SET_HOURS * HOUR)
        : null;
      out.push({
        set: setName(set),
        state: set.state,
        createdAt: set.createdAt.toISOString(),
        timerDeadline: deadline?.toISOString() ?? null,
        closedAt: set.closedAt?.toISOString() ?? null,
        closeReason: set.closeReason,
        files: (await s1sp.heldFiles(set.id)).map((h) => ({
          fileType: h.fileType,
          fileName: h.fileName,
          installations: h.installations,
          receivedAt: h.receivedAt.toISOString(),
        })),
        installations: counts,
        unsent: inst.filter((i) => i.scfCounter === null && i.state !== 'viable').length,
        sealedGroupInformation: await s1sp.countGroupInformation(set.id),
        overdue: set.state === 'collecting' && deadline !== null && now >= deadline,
      });
    }
    return out;
  }
}

const exists = (p: string): Promise<boolean> =>
  access(p).then(
    () => true,
    () => false,
  );

function emptyTick(): TickReport {
  return { discarded: [], processed: [], scfs: [], problems: [] };
}
