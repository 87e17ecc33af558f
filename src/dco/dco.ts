// The DCO (TMAD 5.13-5.21, 5.27, 12.10.1, 15.10.1; Appendices A-C, the "DCO checks and processing"
// column; docs/DCO.md). It receives the MCF, MVF and MEF of each DCO Required File Set, authenticates
// each as the Authenticator (Table 5.9, its own Stored Counters), decrypts the MEF's Master Keys (and
// for DA the SUA keys) with its private key chosen by Key Identifier (5.1(a), 5.15), keeps them sealed
// at rest, runs the 24-hour, 192-hour and 60-day timers on the clock it is given (every operation takes
// `now`; `tick(now)` discards what expired), decides the DCO Viable Installations (5.19) and answers
// the S1SP's requests (`DcoRequests`, src/core/dco-requests) only for them (5.20, 5.21).
import { createReadStream } from 'node:fs';
import { createPrivateKey, diffieHellman, randomBytes, type KeyObject } from 'node:crypto';
import path from 'node:path';
import { authenticateMigrationFile, type AuthenticationVerdict } from '../core/authentication/index.js';
import {
  decryptMasterKey,
  decryptSuaKey,
  formatSuaPublicKey,
  parseSuaPublicKey,
} from '../core/crypto/master-key.js';
import { aesKeyWrap } from '../lib/crypto/key-wrap.js';
import type {
  DcoRequests,
  DcoResponse,
  InstallationRef,
  RequiredFileSetRef,
} from '../core/dco-requests/index.js';
import {
  iterateMigrationFile,
  type EncryptedMasterKey,
  type McfInstallation,
  type MefInstallation,
  type OutcomeInstallation,
} from '../core/formats/migration-files/index.js';
import { isGroupId, parseEui64, type GroupId } from '../core/ids/index.js';
import { categoryFor, incidentTargets } from '../core/incidents/index.js';
import type { TrustStore } from '../core/pki/index.js';
import { generateP256KeyPair } from '../core/pki/index.js';
import { parseMigrationFileName } from '../core/schema/file-names.js';
import { createSealer, openSealed, type Sealer } from '../lib/crypto/seal.js';
import { discardFile } from '../files/discard.js';
import type { DcoFileSetRecord, DcoInstallationRecord, DcoSetKey, Store } from '../store/index.js';
import { viability, type DcoMcfData, type DcoMefData, type DcoMvfData } from './checks.js';
import { selectDcoKey, type DcoPrivateKey } from './keys.js';
import { buildEt02Package, verifyDeviceSignature, type PackageSubject } from './packages.js';
import {
  encodeSuaInstruction,
  p256PublicKey,
  suaInstructionMac,
  suaRotationKey,
  type SuaInstruction,
} from '../core/head-end/sua-instruction.js';
import { dueActions, setDeadlines } from './timers.js';

export { MEF_TIMER_MS, REQUEST_TIMER_MS, SET_TIMER_MS } from './timers.js';

/** A usage error (no passphrase for key material at rest): the CLI's exit 2. */
export class DcoUsageError extends Error {
  override name = 'DcoUsageError';
}

export interface DcoOptions {
  store: Store;
  /** The DCO's private keys with their notices (src/dco/keys.ts). */
  keys: readonly DcoPrivateKey[];
  /** For receiving files (Table 5.9). */
  trust?: TrustStore;
  /** 5.9.4: require a CRL of the signer's issuer (default true). */
  requireCrl?: boolean;
  /** TMAD 5.9, 5.15(b): move a rejected file into this directory (default: left in place). */
  discardTo?: string;
  /** The passphrase sealing key material at rest (S1MIG_KEY_PASSPHRASE). */
  passphrase: string | undefined;
  /** The clock of the DcoRequests operations (the S1SP's requests carry no time). Default: now. */
  clock?: () => Date;
}

/** What the DCO did with one received file. */
export interface DcoReceipt {
  file: string;
  fileType: 'MCF' | 'MVF' | 'MEF' | null;
  /** recorded: kept in its set; complete: kept, and it completed the set (5.19); already-received:
   * these bytes were received before; refused: authenticated or not, the DCO does not keep it. */
  outcome: 'recorded' | 'complete' | 'already-received' | 'refused';
  set: { requestingPartyId: string; mcfCounter: string; groupId: string } | null;
  /** The clause of a refusal. */
  clause: string | null;
  reason: string | null;
  authentication: AuthenticationVerdict | null;
  incidentId: number | null;
  /** 'left in place' | 'moved to <path>' for a refused file; null when kept. */
  disposition: string | null;
  /** When the set completed: the DCO Viable Installations and the others with their failures. */
  viable?: string[];
  notViable?: Array<{ chfIdentifier: string; failures: Array<{ step: string; message: string }> }>;
}

/** What `tick` discarded. */
export interface DcoTickAction {
  set: { requestingPartyId: string; mcfCounter: string; groupId: string };
  clause: string;
  action: 'discard-set' | 'expire-unrequested';
  reason: string;
  keysDeleted: number;
  installations?: number;
}

export interface DcoSetStatus {
  requestingPartyId: string;
  mcfCounter: string;
  groupId: string;
  state: DcoFileSetRecord['state'];
  files: Record<'MCF' | 'MVF' | 'MEF', { file: string; receivedAt: string } | null>;
  timers: {
    /** TMAD 5.18: set incomplete at this instant → discarded (open sets with an MVF). */
    completeBy: string | null;
    /** TMAD 5.16: no request by this instant → MEF discarded. */
    firstRequestBy: string | null;
    /** TMAD 5.17: never-requested installations discarded at this instant. */
    unrequestedDiscardAt: string | null;
  };
  completedAt: string | null;
  firstRequestAt: string | null;
  discarded: { at: string; clause: string | null; reason: string | null } | null;
  viable: string[];
  notViable: Array<{ chfIdentifier: string; failures: Array<{ step: string; message: string }> }>;
  removed: Array<{ chfIdentifier: string; clause: string | null }>;
}

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);
const setOf = (k: DcoSetKey) => ({
  requestingPartyId: k.requestingPartyId,
  mcfCounter: k.mcfCounter.toString(),
  groupId: k.groupId,
});

function canonicalId(id: string): string {
  const r = parseEui64(id);
  return r.ok ? r.value : id.trim().toUpperCase();
}

function mcfData(i: McfInstallation): DcoMcfData {
  const d: DcoMcfData['devices'] = {
    CHF: canonicalId(i.chfDetail.deviceId),
    GPF: canonicalId(i.gpfDetail.deviceId),
    ESME: canonicalId(i.esmeDetail.deviceId),
  };
  if (i.gsmeDetail) d.GSME = canonicalId(i.gsmeDetail.deviceId);
  if (i.ppmidDetail) d.PPMID = canonicalId(i.ppmidDetail.deviceId);
  if (i.ihdDetail) d.IHD = canonicalId(i.ihdDetail.deviceId);
  if (i.cadDetail) d.CAD = canonicalId(i.cadDetail.deviceId);
  return { devices: d };
}

function mefData(i: MefInstallation): DcoMefData {
  return {
    hasGroupInformation: i.encryptedS1spGroupInformation !== undefined,
    encryptedMasterKeys: i.encryptedMasterKeys.map((k) => ({
      encryptedKey: k.encryptedKey.replace(/\s+/g, ''),
      deviceIds: k.deviceIds.map(canonicalId),
    })),
    suaKeyDetails: i.suaKeyDetails.map((s) => ({
      deviceType: s.deviceType,
      serialNumber: s.serialNumber,
      publicKey: s.publicKey.replace(/\s+/g, ''),
      encryptedSuaKey: s.encryptedSuaKey.replace(/\s+/g, ''),
    })),
  };
}

const SECRET_ET02 = 'et02-secret-key';
const SECRET_SIGNING = 'package-signing-key';

export class Dco implements DcoRequests {
  private sealerCache: Sealer | undefined;
  private signingKeyCache: Promise<KeyObject> | undefined;
  private readonly clock: () => Date;

  constructor(private readonly o: DcoOptions) {
    this.clock = o.clock ?? (() => new Date());
  }

  private sealer(): Sealer {
    if (this.o.passphrase === undefined)
      throw new DcoUsageError(
        'key material is kept encrypted at rest: set S1MIG_KEY_PASSPHRASE to the passphrase to encrypt it with',
      );
    return (this.sealerCache ??= createSealer(this.o.passphrase));
  }

  private context(ref: InstallationRef, name: string): string {
    return `dco|${ref.requestingPartyId}|${ref.mcfCounter}|${ref.groupId}|${ref.chfIdentifier}|${name}`;
  }

  private open(sealed: string, context: string): Buffer {
    return openSealed(sealed, this.o.passphrase, context);
  }

  // ------------------------------------------------------------------------------------------------
  // Receipt (TMAD 5.11, 5.13, 5.15, 5.18, 5.19)

  /** Receive one file at `now`: authenticate, (MEF) decrypt, record, and complete its set when it can. */
  async receive(file: string, now: Date): Promise<DcoReceipt> {
    const base = path.basename(file);
    const r: DcoReceipt = {
      file,
      fileType: null,
      outcome: 'refused',
      set: null,
      clause: null,
      reason: null,
      authentication: null,
      incidentId: null,
      disposition: 'left in place',
    };
    // TMAD 12.5: the DCO Required File Set is an MCF, an MVF and an MEF; other files are not the DCO's.
    const named = parseMigrationFileName(base);
    if (named.ok && !['MCF', 'MVF', 'MEF'].includes(named.value.fileType)) {
      r.clause = 'TMAD 12.5';
      r.reason = `${base}: a ${named.value.fileType} is not part of a DCO Required File Set (expected an MCF, MVF or MEF)`;
      return r;
    }
    if (!this.o.trust) throw new DcoUsageError('receiving files needs a trust store (--trust)');
    const stream = createReadStream(file, { highWaterMark: 256 * 1024 });
    const v = await authenticateMigrationFile(stream, {
      as: 'dco',
      trust: this.o.trust,
      counters: this.o.store.counters,
      incidents: this.o.store.incidents,
      acceptedFiles: this.o.store.acceptedFiles,
      now,
      fileName: base,
      ...(this.o.requireCrl === false ? { validity: { requireCrl: false } } : {}),
    }).finally(() => stream.destroy());
    r.authentication = v;
    r.fileType = (v.fileType as DcoReceipt['fileType']) ?? null;
    if (!v.accepted) {
      r.clause = `TMAD ${v.failedStep ?? '5.9'}`;
      r.reason = v.problems[0]?.message ?? 'rejected by Table 5.9';
      r.incidentId = v.incidentId;
      await this.discard(file, r);
      return r;
    }
    if (r.fileType !== 'MCF' && r.fileType !== 'MVF' && r.fileType !== 'MEF') {
      r.fileType = null;
      r.clause = 'TMAD 12.5';
      r.reason = `${base}: a ${v.fileType ?? 'file'} is not part of a DCO Required File Set (expected an MCF, MVF or MEF)`;
      return r;
    }
    const fileType = r.fileType;
    // The content (the second read of an authenticated file).
    let header: { requestingPartyId: string; mcfCounter: bigint; groupId: string } | undefined;
    const items: Array<McfInstallation | OutcomeInstallation | MefInstallation> = [];
    const rs = createReadStream(file, { highWaterMark: 256 * 1024 });
    try {
      for await (const item of iterateMigrationFile(rs))
        if (item.kind === 'header') header = item.header;
        else items.push(item.installation as McfInstallation);
    } finally {
      rs.destroy();
    }
    if (!header || !isGroupId(header.groupId)) {
      r.clause = 'TMAD 12.5';
      r.reason = `${base}: no Migration Header with a known GroupID`;
      return r;
    }
    const groupId: GroupId = header.groupId;
    const key: DcoSetKey = {
      requestingPartyId: header.requestingPartyId,
      mcfCounter: header.mcfCounter,
      groupId,
    };
    r.set = setOf(key);
    // The set's timers at the time of receipt (TMAD 5.18: a file at or after 24 hours is too late).
    const held = await this.o.store.dco.getSet(key);
    if (held) await this.tickSet(held, now);

    let installations: Array<{ chfIdentifier: string; data: unknown }>;
    let sealedKeys: Array<{ chfIdentifier: string; name: string; sealed: string }> = [];
    if (fileType === 'MCF')
      installations = (items as McfInstallation[]).map((i) => ({
        chfIdentifier: canonicalId(i.chfDetail.deviceId),
        data: mcfData(i),
      }));
    else if (fileType === 'MVF')
      installations = (items as OutcomeInstallation[]).map((i) => ({
        chfIdentifier: canonicalId(i.chfIdentifier),
        data: { failedSteps: i.failedChecks.map((f) => f.failedStepNumber) } satisfies DcoMvfData,
      }));
    else {
      const d = this.decryptMef(items as MefInstallation[], key, now);
      if (!d.ok) {
        // TMAD 5.15(b): cease processing, discard the file, raise an Incident.
        r.clause = d.clause;
        r.reason = d.reason;
        r.incidentId = await this.raiseIncident(
          'master-key-decryption-failure',
          now,
          base,
          d.clause,
          d.reason,
          key,
        );
        await this.discard(file, r);
        return r;
      }
      installations = d.installations;
      sealedKeys = d.sealedKeys;
    }
    const rec = await this.o.store.dco.recordFile(key, fileType, base, now, installations, sealedKeys);
    if (rec === 'duplicate') {
      if (v.alreadyAccepted) {
        r.outcome = 'already-received';
        r.disposition = null;
        return r;
      }
      r.clause = 'TMAD 12.5';
      r.reason = `the DCO Required File Set ${key.requestingPartyId}/${key.mcfCounter}/${groupId} already has its ${fileType} (one of each, with the same Migration Header)`;
      return r;
    }
    if (rec === 'discarded') {
      const set = await this.o.store.dco.getSet(key);
      r.clause = set?.discardClause ?? 'TMAD 5.18';
      r.reason = `the DCO Required File Set ${key.requestingPartyId}/${key.mcfCounter}/${groupId} was discarded (${set?.discardReason ?? ''})`;
      await this.discard(file, r);
      return r;
    }
    r.outcome = 'recorded';
    r.disposition = null;
    const done = await this.completeIfReady(key);
    if (done) {
      r.outcome = 'complete';
      r.viable = done.viable;
      r.notViable = done.notViable;
    }
    return r;
  }

  private async discard(file: string, r: DcoReceipt): Promise<void> {
    if (!this.o.discardTo) return;
    await discardFile(file, this.o.discardTo, (target: string) => {
      r.disposition = `moved to ${target}`;
      return { ...r };
    });
  }

  private async raiseIncident(
    kind: 'master-key-decryption-failure' | 'key-deletion-failure',
    now: Date,
    fileName: string | null,
    clause: string,
    reason: string,
    set: DcoSetKey,
  ): Promise<number> {
    const category = categoryFor(kind);
    const t = incidentTargets(category, now);
    return this.o.store.incidents.raise({
      category,
      kind,
      summary: `${clause}: ${reason}`.slice(0, 2000),
      fileName,
      step: clause.replace(/^TMAD /, ''),
      party: 'dco',
      raisedAt: now,
      targetResponseBy: t.targetResponseBy,
      targetResolutionBy: t.targetResolutionBy,
      assignee: 'DCC',
      details: { set: setOf(set) },
    });
  }

  /**
   * TMAD 5.15(a), 11.3, 11.3B: decrypt every EncryptedKey (and for DA every EncryptedSUAKey) with the
   * DCO's key for the GroupID valid now (5.1(a)); one failure fails the file (5.15(b)). The plaintexts
   * are sealed at once and the buffers wiped.
   */
  private decryptMef(
    items: readonly MefInstallation[],
    set: DcoSetKey,
    now: Date,
  ):
    | {
        ok: true;
        installations: Array<{ chfIdentifier: string; data: unknown }>;
        sealedKeys: Array<{ chfIdentifier: string; name: string; sealed: string }>;
      }
    | { ok: false; clause: string; reason: string } {
    const groupId = set.groupId as GroupId;
    // Only the ciphertext the GroupID uses is the DCO's to decrypt: EncryptedMasterKey except for DA,
    // EncryptedSUAKey for DA (16.16, 12.15). A misplaced element is a per-installation check (16.7.1,
    // 12.15), not a reason to refuse the file.
    const da = groupId === 'DA';
    const needsMaster = !da && items.some((i) => i.encryptedMasterKeys.length > 0);
    const needsSua = da && items.some((i) => i.suaKeyDetails.length > 0);
    let master: KeyObject | undefined;
    let sua: KeyObject | undefined;
    for (const [need, purpose] of [
      [needsMaster, 'DCO-MasterKey'],
      [needsSua, 'DCO-SUAKey'],
    ] as const) {
      if (!need) continue;
      const k = selectDcoKey(this.o.keys, purpose, groupId, now);
      if (!k.ok) return { ok: false, clause: 'TMAD 5.1(a)', reason: k.error };
      if (purpose === 'DCO-MasterKey') master = k.value.privateKey;
      else sua = k.value.privateKey;
    }
    const sealer = this.sealer();
    const installations: Array<{ chfIdentifier: string; data: unknown }> = [];
    const sealedKeys: Array<{ chfIdentifier: string; name: string; sealed: string }> = [];
    for (const i of items) {
      const chfIdentifier = canonicalId(i.chfIdentifier);
      const data = mefData(i);
      const ref: InstallationRef = { ...set, groupId, chfIdentifier };
      const parts: Array<
        [string, string, (c: string, k: KeyObject) => Buffer, KeyObject | undefined, string]
      > = [
        ...(da ? [] : data.encryptedMasterKeys).map(
          (k, n) =>
            [`mk:${n}`, k.encryptedKey, decryptMasterKey, master, `EncryptedMasterKey[${n + 1}]`] as [
              string,
              string,
              typeof decryptMasterKey,
              KeyObject | undefined,
              string,
            ],
        ),
        ...(da ? data.suaKeyDetails : []).map(
          (s, n) =>
            [`sua:${n}`, s.encryptedSuaKey, decryptSuaKey, sua, `SUAKeyDetails[${n + 1}]`] as [
              string,
              string,
              typeof decryptSuaKey,
              KeyObject | undefined,
              string,
            ],
        ),
      ];
      for (const [name, ct, fn, key, where] of parts) {
        if (ct === '') continue; // an empty element: a per-installation check (12.7.1, 16.7.5)
        let plain: Buffer;
        try {
          plain = fn(ct, key!);
        } catch (e) {
          return {
            ok: false,
            clause: 'TMAD 5.15(b)',
            reason: `SMETS1Installation ${chfIdentifier} ${where}: ${(e as Error).message} (TMAD 5.15(a), Clause 11): expected ciphertext to the DCO's ${
              fn === decryptMasterKey ? 'DCO-MasterKey' : 'DCO-SUAKey'
            } key for GroupID ${groupId}`,
          };
        }
        sealedKeys.push({ chfIdentifier, name, sealed: sealer.seal(plain, this.context(ref, name)) });
        plain.fill(0);
      }
      installations.push({ chfIdentifier, data });
    }
    return { ok: true, installations, sealedKeys };
  }

  /**
   * TMAD 5.19: with all three files received before 24 hours, decide the DCO Viable Installations, as
   * of the receipt of the last file (also when a process stopped between recording it and this).
   */
  private async completeIfReady(
    key: DcoSetKey,
  ): Promise<{ viable: string[]; notViable: NonNullable<DcoReceipt['notViable']> } | undefined> {
    const set = await this.o.store.dco.getSet(key);
    if (!set || set.state !== 'open' || !set.files.MCF || !set.files.MVF || !set.files.MEF) return undefined;
    const now = new Date(
      Math.max(...[set.files.MCF, set.files.MVF, set.files.MEF].map((f) => f.receivedAt.getTime())),
    );
    const rows = await this.o.store.dco.installations(key);
    const verdicts = rows.map((i) => {
      const v = viability(
        key.groupId as GroupId,
        i.mcf as DcoMcfData | null,
        i.mvf as DcoMvfData | null,
        i.mef as DcoMefData | null,
      );
      return { chfIdentifier: i.chfIdentifier, viable: v.viable, dcoFailures: v.failures };
    });
    await this.o.store.dco.completeSet(key, now, verdicts);
    // Key material of installations that are not viable is not Authorised DCO SMETS1 Device
    // Credentials (5.21) and never will be: delete it now.
    for (const v of verdicts.filter((x) => !x.viable))
      await this.o.store.dco.removeInstallation({ ...key, chfIdentifier: v.chfIdentifier }, now, 'TMAD 5.19');
    return {
      viable: verdicts.filter((v) => v.viable).map((v) => v.chfIdentifier),
      notViable: verdicts
        .filter((v) => !v.viable)
        .map((v) => ({ chfIdentifier: v.chfIdentifier, failures: v.dcoFailures })),
    };
  }

  // ------------------------------------------------------------------------------------------------
  // Timers (TMAD 5.16, 5.17, 5.18)

  /** Discard whatever has expired at `now`, deleting its key material. */
  async tick(now: Date): Promise<DcoTickAction[]> {
    const out: DcoTickAction[] = [];
    for (const set of await this.o.store.dco.listSets()) out.push(...(await this.tickSet(set, now)));
    return out;
  }

  /** The timers of one set at `now` (every operation on a set runs them first). */
  private async tickSet(held: DcoFileSetRecord, now: Date): Promise<DcoTickAction[]> {
    const out: DcoTickAction[] = [];
    let set = held;
    if (set.state === 'open' && set.files.MCF && set.files.MVF && set.files.MEF) {
      await this.completeIfReady(set); // its last file was recorded in time: finish what was begun
      set = (await this.o.store.dco.getSet(set)) ?? set;
    }
    for (const a of dueActions(set, now)) {
      if (a.action === 'discard-set') {
        const keysDeleted = await this.o.store.dco.discardSet(set, now, a.clause, a.reason);
        out.push({ set: setOf(set), clause: a.clause, action: a.action, reason: a.reason, keysDeleted });
      } else {
        const e = await this.o.store.dco.expireUnrequested(set, now, a.clause);
        out.push({
          set: setOf(set),
          clause: a.clause,
          action: a.action,
          reason: a.reason,
          keysDeleted: e.keys,
          installations: e.installations,
        });
      }
    }
    return out;
  }

  async status(): Promise<DcoSetStatus[]> {
    const out: DcoSetStatus[] = [];
    for (const s of await this.o.store.dco.listSets()) {
      const rows = await this.o.store.dco.installations(s);
      const d = setDeadlines(s);
      const f = (x: DcoFileSetRecord['files']['MCF']) =>
        x ? { file: x.file, receivedAt: x.receivedAt.toISOString() } : null;
      out.push({
        ...setOf(s),
        state: s.state,
        files: { MCF: f(s.files.MCF), MVF: f(s.files.MVF), MEF: f(s.files.MEF) },
        timers: {
          completeBy: iso(d.completeBy),
          firstRequestBy: iso(d.firstRequestBy),
          unrequestedDiscardAt: iso(d.unrequestedDiscardAt),
        },
        completedAt: iso(s.completedAt),
        firstRequestAt: iso(s.firstRequestAt),
        discarded: s.discardedAt
          ? { at: s.discardedAt.toISOString(), clause: s.discardClause, reason: s.discardReason }
          : null,
        viable: rows.filter((i) => i.viable && !i.removedAt).map((i) => i.chfIdentifier),
        notViable:
          s.state === 'complete'
            ? rows
                .filter((i) => !i.viable && (i.dcoFailures?.length ?? 0) > 0)
                .map((i) => ({ chfIdentifier: i.chfIdentifier, failures: i.dcoFailures ?? [] }))
            : [],
        removed: rows
          .filter((i) => i.removedAt && i.removedClause !== 'TMAD 5.19')
          .map((i) => ({ chfIdentifier: i.chfIdentifier, clause: i.removedClause })),
      });
    }
    return out;
  }

  // ------------------------------------------------------------------------------------------------
  // Requests from the S1SP (DcoRequests; TMAD 5.17, 5.20, 5.21)

  /**
   * TMAD 5.20: the installation must be one of the DCO Viable Installations of a set the DCO holds
   * (a), or have been one when the S1SP notified that its CHF was commissioned (b).
   */
  private async gate(
    ref: InstallationRef,
    now: Date,
  ): Promise<
    { ok: true; inst: DcoInstallationRecord; mef: DcoMefData } | { ok: false; clause: string; reason: string }
  > {
    const name = `${ref.requestingPartyId}/${ref.mcfCounter}/${ref.groupId} ${ref.chfIdentifier}`;
    const key = { ...ref, chfIdentifier: canonicalId(ref.chfIdentifier) };
    const before = await this.o.store.dco.getSet(key);
    if (before) await this.tickSet(before, now); // the set's timers first (TMAD 5.16-5.18)
    const set = before ? await this.o.store.dco.getSet(key) : undefined;
    if (!set)
      return {
        ok: false,
        clause: 'TMAD 5.20',
        reason: `${name}: the DCO holds no DCO Required File Set with this Migration Header`,
      };
    const inst = await this.o.store.dco.installation(key);
    if (!inst)
      return {
        ok: false,
        clause: 'TMAD 5.20',
        reason: `${name}: not an installation of that DCO Required File Set`,
      };
    if (inst.removedAt)
      return {
        ok: false,
        clause: 'TMAD 5.20',
        reason: `${name}: no longer a DCO Viable Installation (${inst.removedClause ?? 'removed'} at ${inst.removedAt.toISOString()})`,
      };
    const a = set.state === 'complete' && inst.viable;
    const b = inst.commissionedAt !== null;
    if (!a && !b)
      return {
        ok: false,
        clause: 'TMAD 5.20',
        reason:
          set.state === 'open'
            ? `${name}: the DCO Required File Set is not complete (${(['MCF', 'MVF', 'MEF'] as const).filter((t) => !set.files[t]).join(', ')} missing)`
            : set.state === 'discarded'
              ? `${name}: the DCO Required File Set was discarded (${set.discardClause ?? ''})`
              : `${name}: not a DCO Viable Installation (${(inst.dcoFailures ?? []).map((f) => f.step).join(', ')})`,
      };
    if (!inst.mef)
      return { ok: false, clause: 'TMAD 5.21', reason: `${name}: the DCO holds no MEF details for it` };
    return { ok: true, inst, mef: inst.mef as DcoMefData };
  }

  private async keyOf(ref: InstallationRef, name: string): Promise<Buffer | undefined> {
    const sealed = (await this.o.store.dco.sealedKeys(ref)).get(name);
    return sealed === undefined ? undefined : this.open(sealed, this.context(ref, name));
  }

  /** The DCO's own secret (ET02 key, package-signing key), made on first use and kept sealed. */
  private async secret(name: string, make: () => Buffer, now: Date): Promise<Buffer> {
    const ctx = `dco-secret|${name}`;
    let sealed = await this.o.store.dco.getSecret(name);
    if (sealed === undefined) {
      const fresh = make();
      sealed = await this.o.store.dco.putSecretIfAbsent(name, this.sealer().seal(fresh, ctx), now);
      fresh.fill(0);
    }
    return this.open(sealed, ctx);
  }

  private async signingKey(now: Date): Promise<KeyObject> {
    // Made once and never replaced (putSecretIfAbsent): opened and imported once per Dco, not per package.
    return (this.signingKeyCache ??= this.openSigningKey(now).catch((e: unknown) => {
      this.signingKeyCache = undefined;
      throw e;
    }));
  }

  private async openSigningKey(now: Date): Promise<KeyObject> {
    const der = await this.secret(
      SECRET_SIGNING,
      () => generateP256KeyPair().privateKey.export({ type: 'pkcs8', format: 'der' }),
      now,
    );
    const k = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
    der.fill(0);
    return k;
  }

  /** The public key that verifies the DCO's ET02 packages (base64 0x04 || X || Y). */
  async packageVerificationKey(): Promise<string> {
    return formatSuaPublicKey(await this.signingKey(this.clock()));
  }

  private refuse<T>(clause: string, reason: string): DcoResponse<T> {
    return { ok: false, clause, reason };
  }

  private subject(ref: InstallationRef): PackageSubject {
    return {
      requestingPartyId: ref.requestingPartyId,
      mcfCounter: ref.mcfCounter.toString(),
      groupId: ref.groupId,
      chfIdentifier: canonicalId(ref.chfIdentifier),
    };
  }

  async processEncryptedMasterKey(
    installation: InstallationRef,
    encryptedMasterKey: EncryptedMasterKey,
  ): Promise<DcoResponse<{ signedPackage: Uint8Array }>> {
    const now = this.clock();
    const g = await this.gate(installation, now);
    if (!g.ok) return g;
    const ref = { ...installation, chfIdentifier: g.inst.chfIdentifier };
    // A1 ET02: semantically identical to the MEF's: the same ciphertext bytes and the same Device IDs.
    const want = Buffer.from(encryptedMasterKey.encryptedKey.replace(/\s+/g, ''), 'base64');
    const ids = [...new Set(encryptedMasterKey.deviceIds.map(canonicalId))].sort();
    const n = g.mef.encryptedMasterKeys.findIndex(
      (k) =>
        Buffer.from(k.encryptedKey, 'base64').equals(want) &&
        JSON.stringify([...new Set(k.deviceIds)].sort()) === JSON.stringify(ids),
    );
    if (n < 0)
      return this.refuse(
        'TMAD Appendix A A1 ET02',
        `${ref.chfIdentifier}: the EncryptedMasterKey is not semantically identical to one of the MEF (EncryptedKey and DeviceIDs ${ids.join(' ')}) (TMAD 5.21)`,
      );
    const master = await this.keyOf(ref, `mk:${n}`);
    if (!master) return this.refuse('TMAD 5.21', `${ref.chfIdentifier}: the Master Key is no longer held`);
    await this.o.store.dco.markRequested(ref, now); // TMAD 5.17
    const secretKey = await this.secret(SECRET_ET02, () => randomBytes(32), now);
    try {
      const signedPackage = buildEt02Package(
        this.subject(ref),
        g.mef.encryptedMasterKeys[n]!.deviceIds,
        master,
        secretKey,
        SECRET_ET02,
        await this.signingKey(now),
        now,
      );
      return { ok: true, value: { signedPackage } };
    } finally {
      master.fill(0);
      secretKey.fill(0);
    }
  }

  async createKeyChange(
    installation: InstallationRef,
    request: { deviceId: string; associationName: string; newKey: Uint8Array },
  ): Promise<DcoResponse<{ protectedKey: Uint8Array }>> {
    const now = this.clock();
    const g = await this.gate(installation, now);
    if (!g.ok) return g;
    const ref = { ...installation, chfIdentifier: g.inst.chfIdentifier };
    const device = canonicalId(request.deviceId);
    const n = g.mef.encryptedMasterKeys.findIndex((k) => k.deviceIds.includes(device));
    if (n < 0)
      return this.refuse(
        'TMAD 5.21',
        `${ref.chfIdentifier}: the MEF has no EncryptedMasterKey for device ${device}: its Master Key is not an Authorised DCO SMETS1 Device Credential`,
      );
    const newKey = Buffer.from(request.newKey);
    if (newKey.length !== 16 && newKey.length !== 32)
      return this.refuse(
        'TMAD Appendix A A5 ET08',
        `the new ${request.associationName} key must be 128 or 256 bits, got ${newKey.length * 8}`,
      );
    // The device's current Master Key: the one of the MEF, or the one a MasterKey change made (B ET05,
    // ET06: the keys after it are wrapped under the new Master Key the device now holds).
    const current = `mk-device:${device}`;
    const master = (await this.keyOf(ref, current)) ?? (await this.keyOf(ref, `mk:${n}`));
    if (!master) return this.refuse('TMAD 5.21', `${ref.chfIdentifier}: the Master Key is no longer held`);
    await this.o.store.dco.markRequested(ref, now); // TMAD 5.17
    try {
      // RFC 3394 AES Key Wrap of the new key under the device's Master Key (as Table 11.4 does).
      const protectedKey = new Uint8Array(aesKeyWrap(master, newKey));
      if (request.associationName === 'MasterKey')
        await this.o.store.dco.putKeys(
          ref,
          new Map([[current, this.sealer().seal(newKey, this.context(ref, current))]]),
        );
      return { ok: true, value: { protectedKey } };
    } finally {
      master.fill(0);
      newKey.fill(0);
    }
  }

  private suaIndex(mef: DcoMefData, deviceType: string, serialNumber: string): number {
    return mef.suaKeyDetails.findIndex((s) => s.deviceType === deviceType && s.serialNumber === serialNumber);
  }

  async createSuaAuthorisation(
    installation: InstallationRef,
    request: { deviceType: 'ESME' | 'GSME'; serialNumber: string },
  ): Promise<DcoResponse<{ instruction: Uint8Array; dcoPublicKey: Uint8Array }>> {
    const now = this.clock();
    const step = request.deviceType === 'GSME' ? 'GT03' : 'ET03';
    const g = await this.gate(installation, now);
    if (!g.ok) return g;
    const ref = { ...installation, chfIdentifier: g.inst.chfIdentifier };
    const n = this.suaIndex(g.mef, request.deviceType, request.serialNumber);
    if (n < 0)
      return this.refuse(
        `TMAD Appendix C ${step}`,
        `${ref.chfIdentifier}: no SUAKeyDetails with DeviceType ${request.deviceType} and SerialNumber ${request.serialNumber} in a DCO Viable Installation (TMAD 5.20, 5.21)`,
      );
    const suaKey = await this.keyOf(ref, `sua:${n}`);
    if (!suaKey) return this.refuse('TMAD 5.21', `${ref.chfIdentifier}: the SUA key is no longer held`);
    await this.o.store.dco.markRequested(ref, now); // TMAD 5.17
    // TMAD 5.4A: a DCO key pair for Securing this device, generated per installation and device.
    const pair = generateP256KeyPair();
    const der = pair.privateKey.export({ type: 'pkcs8', format: 'der' });
    const name = `dco-sua:${request.deviceType}`;
    await this.o.store.dco.putKeys(ref, new Map([[name, this.sealer().seal(der, this.context(ref, name))]]));
    der.fill(0);
    const dcoPublicKey = new Uint8Array(Buffer.from(formatSuaPublicKey(pair.publicKey), 'base64'));
    try {
      // Appendix C GT03 / ET03 "containing a DCO Public Key, using the decrypted EncryptedSUAKey":
      // the one instruction form of src/core/head-end/sua-instruction.ts, MAC under the SUA key.
      const i: Omit<SuaInstruction, 'mac'> = {
        kind: 'authorisation',
        deviceType: request.deviceType,
        serialNumber: request.serialNumber,
        dcoPublicKey,
      };
      const instruction = encodeSuaInstruction({ ...i, mac: suaInstructionMac(suaKey, i) });
      return { ok: true, value: { instruction, dcoPublicKey } };
    } finally {
      suaKey.fill(0);
    }
  }

  async createSuaRotation(
    installation: InstallationRef,
    request: {
      deviceType: 'ESME' | 'GSME';
      serialNumber: string;
      devicePublicKey: Uint8Array;
      deviceSignature: Uint8Array;
      dcoPublicKey: Uint8Array;
    },
  ): Promise<DcoResponse<{ instruction: Uint8Array }>> {
    const now = this.clock();
    const step = `TMAD Appendix C ${request.deviceType === 'GSME' ? 'GT06' : 'ET06'}`;
    const g = await this.gate(installation, now);
    if (!g.ok) return g;
    const ref = { ...installation, chfIdentifier: g.inst.chfIdentifier };
    const n = this.suaIndex(g.mef, request.deviceType, request.serialNumber);
    if (n < 0)
      return this.refuse(
        step,
        `${ref.chfIdentifier}: no SUAKeyDetails with DeviceType ${request.deviceType} and SerialNumber ${request.serialNumber} (TMAD 5.21)`,
      );
    // The device's Digital Signature on its public key, against the key stored at installation (the
    // SUAKeyDetails PublicKey of the MEF).
    let stored: KeyObject;
    try {
      stored = parseSuaPublicKey(g.mef.suaKeyDetails[n]!.publicKey);
    } catch (e) {
      return this.refuse(
        step,
        `${ref.chfIdentifier}: the stored PublicKey is unusable (${(e as Error).message})`,
      );
    }
    if (!verifyDeviceSignature(request.devicePublicKey, request.deviceSignature, stored))
      return this.refuse(
        step,
        `${ref.chfIdentifier}: the device's signature on its public key does not verify with the PublicKey stored for ${request.deviceType} ${request.serialNumber}`,
      );
    const name = `dco-sua:${request.deviceType}`;
    const prevDer = await this.keyOf(ref, name);
    if (!prevDer)
      return this.refuse(
        step,
        `${ref.chfIdentifier}: no DCO Public Key was issued to this device (GT03/ET03 first)`,
      );
    const prev = createPrivateKey({ key: prevDer, format: 'der', type: 'pkcs8' });
    prevDer.fill(0);
    const prevPub = formatSuaPublicKey(prev);
    if (Buffer.from(request.dcoPublicKey).toString('base64') !== prevPub)
      return this.refuse(
        step,
        `${ref.chfIdentifier}: the DCO Public Key given is not the one the DCO issued to this device`,
      );
    let devicePublic: KeyObject;
    try {
      devicePublic = p256PublicKey(request.devicePublicKey);
    } catch (e) {
      return this.refuse(
        step,
        `${ref.chfIdentifier}: the device public key is not an uncompressed P-256 point (${(e as Error).message})`,
      );
    }
    await this.o.store.dco.markRequested(ref, now); // TMAD 5.17
    // Appendix C GT06 / ET06: "using the key derived from the device's Public Key and the Private Key
    // corresponding to the supplied DCO Public Key" (src/core/head-end/sua-instruction.ts).
    const shared = diffieHellman({ privateKey: prev, publicKey: devicePublic });
    const k = suaRotationKey(shared);
    shared.fill(0);
    try {
      const i: Omit<SuaInstruction, 'mac'> = {
        kind: 'rotation',
        deviceType: request.deviceType,
        serialNumber: request.serialNumber,
        dcoPublicKey: new Uint8Array(Buffer.from(prevPub, 'base64')),
        devicePublicKey: new Uint8Array(request.devicePublicKey),
      };
      return {
        ok: true,
        value: { instruction: encodeSuaInstruction({ ...i, mac: suaInstructionMac(k, i) }) },
      };
    } finally {
      k.fill(0);
    }
  }

  async commissioningRestarted(installation: InstallationRef): Promise<void> {
    const g = await this.gate(installation, this.clock());
    if (!g.ok) return; // nothing of it is held any more
    // The device's Master Key is again the MEF's (createKeyChange: `mk-device:<Device ID>`).
    await this.o.store.dco.deleteKeys({ ...installation, chfIdentifier: g.inst.chfIdentifier }, 'mk-device:');
  }

  async chfCommissioned(installation: InstallationRef): Promise<void> {
    const now = this.clock();
    const g = await this.gate(installation, now);
    // TMAD 5.20(b): recorded only while it is a DCO Viable Installation of a set the DCO holds.
    if (g.ok)
      await this.o.store.dco.markCommissioned({ ...installation, chfIdentifier: g.inst.chfIdentifier }, now);
  }

  async installationRolledBack(installation: InstallationRef): Promise<void> {
    const now = this.clock();
    const ref = { ...installation, chfIdentifier: canonicalId(installation.chfIdentifier) };
    // TMAD 12.10.1 (AA; BA, CA, CB by 13.12, 14.11), 15.10.1 (EA, EB, EC); DA has no DCO step in
    // 16.11: 5.27(b)(iii) "discard information it has stored or derived".
    const clause = ['EA', 'EB', 'EC'].includes(ref.groupId)
      ? 'TMAD 15.10.1'
      : ref.groupId === 'DA'
        ? 'TMAD 5.27(b)(iii)'
        : 'TMAD 12.10.1';
    try {
      await this.o.store.dco.removeInstallation(ref, now, clause);
    } catch (e) {
      // "The DCO shall either successfully delete all such keys and information or raise an Incident".
      await this.raiseIncident(
        'key-deletion-failure',
        now,
        null,
        clause,
        `${ref.chfIdentifier}: the DCO could not delete its keys and information (${(e as Error).name})`,
        ref,
      );
    }
  }
}

export type { RequiredFileSetRef };
