// The Requesting Party's Migration Group File and Migration Group Encrypted File (TMAD 5.12(b), (c),
// (f), (g); the Group Specific Requirements of TMAD 12–16, src/core/groups/requirements.ts).
//
// Inputs are files only (parties never import each other): the signed MCF, the DCC's MVF for it, the
// SMSO's hand-over file (ciphertext; plaintext only for EB/EC, which never goes into the MEF), the SMSO
// inventory (last WAN contact, serial numbers) and, for the MGF, the Requesting Party's CHF details
// (chf-details.ts). An installation goes on only if its MVF entry has no FailedCheck (5.12(b)), its CHF
// had WAN contact within the last 7 days (5.12(c)) and every element its GroupID requires is at hand;
// every installation left out gets its reasons. Both files carry the MCF's Migration Header (5.12(f),
// (g)), their own counter (5.6, Table 5.7), the TMAD 10.2 name, and are signed with the Requesting
// Party's requestingPartyFileSigning certificate (Table 5.5).
//
// `planGroupFiles` decides (pure); `buildGroupFiles` reads the files, decides and writes.
import { createReadStream, createWriteStream } from 'node:fs';
import { link, readFile, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { KeyObject } from 'node:crypto';
import {
  MigrationFileReadError,
  createMigrationFileWriter,
  iterateMigrationFile,
  migrationFileName,
  type McfInstallation,
  type MefInstallation,
  type MgfChfDetail,
  type MgfInstallation,
  type MigrationCommonHeader,
  type MigrationGroupEncryptedHeader,
  type MigrationGroupHeader,
  type MigrationValidationHeader,
  type OutcomeInstallation,
  type SerialNumbers,
} from '../core/formats/migration-files/index.js';
import {
  parseHandover,
  parseSmsoInventoryCsv,
  type HandoverHeader,
  type HandoverInstallation,
  type SmsoInstallation,
} from '../core/formats/smso/index.js';
import { isGroupId, type GroupId } from '../core/ids/reference.js';
import type { Problem } from '../core/problem.js';
import type { OrganisationCertificate } from '../core/pki/index.js';
import { hasRole } from '../core/pki/validity.js';
import { signXmlFile } from '../lib/xmldsig/index.js';
import { parseChfDetailsCsv, type ChfCommsDetails } from './chf-details.js';
import {
  GROUP_FILE_REQUIREMENTS,
  MGF_FIELD_ELEMENT,
  type GroupFileRequirements,
} from '../core/groups/requirements.js';

/** TMAD 5.12(c): WAN contact with the Communications Hub within the last 7 days. */
export const WAN_CONTACT_DAYS = 7;

/** What the planner needs of one MCF installation (kept small: 100,000 of them fit in memory). */
export interface McfEntry {
  /** 0-based position in the MCF. */
  index: number;
  chfIdentifier: string;
  deviceIds: Partial<Record<keyof SerialNumbers, string>>;
}

export function mcfEntryOf(inst: McfInstallation, index: number): McfEntry {
  const deviceIds: McfEntry['deviceIds'] = {
    chf: inst.chfDetail.deviceId,
    gpf: inst.gpfDetail.deviceId,
    esme: inst.esmeDetail.deviceId,
  };
  if (inst.gsmeDetail) deviceIds.gsme = inst.gsmeDetail.deviceId;
  if (inst.ppmidDetail) deviceIds.ppmid = inst.ppmidDetail.deviceId;
  return { index, chfIdentifier: inst.chfDetail.deviceId, deviceIds };
}

export interface GroupFilesInputs {
  mcfHeader: MigrationCommonHeader;
  mcf: readonly McfEntry[];
  mvfHeader: MigrationValidationHeader;
  /** MVF entries by CHFIdentifier. */
  mvf: ReadonlyMap<string, OutcomeInstallation>;
  handoverHeader: HandoverHeader;
  /** Hand-over entries by CHFIdentifier. */
  handover: ReadonlyMap<string, HandoverInstallation>;
  /** SMSO inventory by CHF Device ID. */
  inventory: ReadonlyMap<string, SmsoInstallation>;
  /** The Requesting Party's CHF details by CHF Device ID (MGF only). */
  chfDetails?: ReadonlyMap<string, ChfCommsDetails>;
  /** The time of the 5.12(c) check. */
  at: Date;
  /** Default 7 (TMAD 5.12(c)). */
  wanContactDays?: number;
}

export interface IncludedInstallation {
  index: number;
  chfIdentifier: string;
  /** Present when the GroupID requires an MGF. */
  mgf?: MgfInstallation;
  mef: MefInstallation;
}

export interface ExcludedInstallation {
  index: number;
  chfIdentifier: string;
  /** Every reason it was left out, each with its clause. */
  reasons: Problem[];
}

export interface GroupFilesPlan {
  groupId: GroupId;
  requirements: GroupFileRequirements;
  included: IncludedInstallation[];
  excluded: ExcludedInstallation[];
}

/** Problems with the inputs as a whole: nothing is planned. */
export class GroupFilesInputError extends Error {
  override name = 'GroupFilesInputError';
  constructor(readonly problems: InputProblem[]) {
    super(problems.map((p) => p.message + ` (${p.rule})`).join('; '));
  }
}

const element = (e: McfEntry): string => `MigrationCommon/SMETS1Installation[${e.index + 1}]`;

/** Whole-file agreement of MCF, MVF and hand-over (TMAD 5.12(a), (b), (g)); [] when they agree. */
export function checkHeaders(
  mcf: MigrationCommonHeader,
  mvf: MigrationValidationHeader,
  handover: HandoverHeader,
): Problem[] {
  const out: Problem[] = [];
  if (!isGroupId(mcf.groupId))
    out.push({
      rule: 'TMAD 12-16 (GroupIDs)',
      element: 'MigrationCommon/GroupID',
      message: `GroupID '${mcf.groupId}': expected one of AA, BA, CA, CB, DA, EA, EB, EC`,
    });
  for (const [field, a, b] of [
    ['RequestingPartyID', mcf.requestingPartyId, mvf.requestingPartyId],
    ['MCFCounter', String(mcf.mcfCounter), String(mvf.mcfCounter)],
    ['GroupID', mcf.groupId, mvf.groupId],
  ] as const)
    if (a !== b)
      out.push({
        rule: 'TMAD 5.12(a), 5.10(b)',
        element: `MigrationValidation/${field}`,
        field,
        message: `the MVF's ${field} is '${b}', the MCF's '${a}': expected the MVF of this MCF (the same Migration Header)`,
      });
  if (handover.groupId !== mcf.groupId)
    out.push({
      rule: 'TMAD 5.12(g), 5.1(a)',
      field: 'groupId',
      message: `the hand-over file is for GroupID ${handover.groupId}, the MCF for ${mcf.groupId}: expected the SMSO's encryption for the MCF's GroupID`,
    });
  return out;
}

/** TMAD 5.12(b), (c), (f), (g) per installation, in MCF order. Throws GroupFilesInputError on header problems. */
export function planGroupFiles(inp: GroupFilesInputs): GroupFilesPlan {
  const fatal = checkHeaders(inp.mcfHeader, inp.mvfHeader, inp.handoverHeader);
  if (fatal.length) throw new GroupFilesInputError(fatal);
  const groupId = inp.mcfHeader.groupId as GroupId;
  const req = GROUP_FILE_REQUIREMENTS[groupId];
  const days = inp.wanContactDays ?? WAN_CONTACT_DAYS;
  const oldest = inp.at.getTime() - days * 86_400_000;
  const included: IncludedInstallation[] = [];
  const excluded: ExcludedInstallation[] = [];
  for (const e of inp.mcf) {
    const reasons: Problem[] = [];
    const why = (rule: string, field: string | null, message: string): void => {
      reasons.push({ rule, element: element(e), field, message });
    };
    // TMAD 5.12(b): the MVF shows no error for it (and has it at all).
    const v = inp.mvf.get(e.chfIdentifier);
    if (!v)
      why(
        'TMAD 5.12(b)',
        'CHFIdentifier',
        `CHF ${e.chfIdentifier} is not in the MVF: expected its validation result`,
      );
    else if (v.failedChecks.length)
      why(
        'TMAD 5.12(b)',
        'FailedCheck',
        `the MVF reports FailedCheck ${[...new Set(v.failedChecks.map((f) => f.failedStepNumber))].join(', ')}: expected no error`,
      );
    // TMAD 5.12(c): WAN contact with the CH within the last 7 days.
    const inv = inp.inventory.get(e.chfIdentifier);
    if (!inv)
      why(
        'TMAD 5.12(c)',
        'chf_device_id',
        `CHF ${e.chfIdentifier} is not in the SMSO inventory: expected its last WAN contact`,
      );
    else if (inv.lastWanContactAt === null)
      why(
        'TMAD 5.12(c)',
        'last_wan_contact_at',
        'the SMSO records no WAN contact with the CH: expected one within the last 7 days',
      );
    else if (new Date(inv.lastWanContactAt).getTime() < oldest)
      why(
        'TMAD 5.12(c)',
        'last_wan_contact_at',
        `last WAN contact ${inv.lastWanContactAt} is more than ${days} days before ${inp.at.toISOString()}: expected contact within the last ${days} days`,
      );
    // TMAD 5.12(g) and 12.15 / 13.16 / 14.16 / 15.3 / 16.16: the MEF entry from the SMSO's hand-over.
    const h = inp.handover.get(e.chfIdentifier);
    let mef: MefInstallation | undefined;
    if (!h)
      why(
        'TMAD 5.12(g)',
        'chfIdentifier',
        `CHF ${e.chfIdentifier} is not in the SMSO hand-over file: expected its encrypted information`,
      );
    else {
      const m = req.mef;
      const has = {
        encryptedS1spGroupInformation: h.encryptedS1spGroupInformation !== undefined,
        encryptedMasterKey: h.encryptedMasterKeys.length > 0,
        suaKeyDetails: h.suaKeyDetails.length > 0,
      };
      const names = {
        encryptedS1spGroupInformation: 'EncryptedS1SPGroupInformation',
        encryptedMasterKey: 'EncryptedMasterKey',
        suaKeyDetails: 'SUAKeyDetails',
      } as const;
      let ok = true;
      for (const k of ['encryptedS1spGroupInformation', 'encryptedMasterKey', 'suaKeyDetails'] as const) {
        if (m[k] === 'required' && !has[k]) {
          ok = false;
          why(
            m.clause,
            names[k],
            `the hand-over has no ${names[k]}: the MEF for GroupID ${groupId} must include it`,
          );
        } else if (m[k] === 'forbidden' && has[k]) {
          ok = false;
          why(
            m.clause,
            names[k],
            `the hand-over has ${names[k]}: the MEF for GroupID ${groupId} must not include it`,
          );
        }
      }
      if (ok)
        mef = {
          chfIdentifier: e.chfIdentifier,
          ...(m.encryptedS1spGroupInformation === 'required'
            ? { encryptedS1spGroupInformation: h.encryptedS1spGroupInformation! }
            : {}),
          encryptedMasterKeys: m.encryptedMasterKey === 'required' ? h.encryptedMasterKeys : [],
          suaKeyDetails: m.suaKeyDetails === 'required' ? h.suaKeyDetails : [],
        }; // the EB/EC plaintext never goes into the MEF (TMAD 11.1)
    }
    // TMAD 5.12(f): the MGF entry, with what the GroupID's S1SP checks need.
    let mgf: MgfInstallation | undefined;
    if (req.mgf) {
      const detail: MgfChfDetail = { ...(inp.chfDetails?.get(e.chfIdentifier) ?? {}) };
      const serials: SerialNumbers = {};
      if (inv) {
        const byId = new Map(inv.devices.map((d) => [d.deviceId, d.serialNumber]));
        for (const slot of ['chf', 'gpf', 'esme', 'gsme', 'ppmid'] as const) {
          const id = e.deviceIds[slot];
          const sn = id !== undefined ? byId.get(id) : undefined;
          if (sn) serials[slot] = sn;
        }
      }
      if (Object.keys(serials).length) detail.serialNumbers = serials;
      for (const f of req.mgf.required) {
        const missing =
          f === 'serialNumbers' ? serials.chf === undefined : detail[f] === undefined || detail[f] === '';
        if (missing)
          why(
            req.mgf.requiredClause,
            MGF_FIELD_ELEMENT[f],
            f === 'serialNumbers'
              ? `no serial number of the CHF in the SMSO inventory: the MGF's CHFDetail/SerialNumbers for GroupID ${groupId} must be populated`
              : `no ${MGF_FIELD_ELEMENT[f]} for CHF ${e.chfIdentifier} in the CHF details: the MGF's CHFDetail for GroupID ${groupId} must have it populated`,
          );
      }
      mgf = { chfIdentifier: e.chfIdentifier, chfDetail: detail };
    }
    if (reasons.length) excluded.push({ index: e.index, chfIdentifier: e.chfIdentifier, reasons });
    else
      included.push({ index: e.index, chfIdentifier: e.chfIdentifier, ...(mgf ? { mgf } : {}), mef: mef! });
  }
  return { groupId, requirements: req, included, excluded };
}

// ---------------------------------------------------------------------------------------------
// Files

export interface GroupFileSigner {
  certificate: OrganisationCertificate;
  privateKey: KeyObject;
}

export class GroupFilesSignerError extends Error {
  override name = 'GroupFilesSignerError';
}

/** Table 5.5: MGF and MEF are signed under requestingPartyFileSigning by the file's RequestingPartyID. */
export function checkSigner(c: OrganisationCertificate, requestingPartyId: string): void {
  if (!hasRole(c, 'requestingPartyFileSigning'))
    throw new GroupFilesSignerError(
      `the signing certificate (serial ${c.serialNumber}, issuer '${c.issuerName}') has role ${c.role ?? 'none'}: expected requestingPartyFileSigning (TMAD 5.5 Table 5.5)`,
    );
  if (!c.keyUsage.includes('digitalSignature'))
    throw new GroupFilesSignerError(
      `the signing certificate (serial ${c.serialNumber}) has no digitalSignature key usage (TMAD 5.5)`,
    );
  if (c.entityId !== requestingPartyId)
    throw new GroupFilesSignerError(
      `the signing certificate names Entity Identifier ${c.entityId ?? 'none'}, the MCF's RequestingPartyID is ${requestingPartyId}: expected the same party (TMAD 5.9.3, Table 10.1 RequestingPartyID)`,
    );
}

export interface GroupFilesPaths {
  mcf: string;
  mvf: string;
  handover: string;
  inventory: string;
  chfDetails?: string;
  /** Output directory (files named per TMAD 10.2). */
  out: string;
}

export interface GroupFilesOptions {
  mgfCounter: bigint;
  mefCounter: bigint;
  at: Date;
  wanContactDays?: number;
}

export interface WrittenFile<H> {
  path: string;
  header: H;
  installations: number;
}

export interface GroupFilesResult {
  mcfHeader: MigrationCommonHeader;
  plan: GroupFilesPlan;
  mgf?: WrittenFile<MigrationGroupHeader>;
  mef?: WrittenFile<MigrationGroupEncryptedHeader>;
}

async function readText(file: string, what: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new GroupFilesInputError([
      {
        rule: 'TMAD 5.12',
        field: what,
        message: `${file}: cannot read the ${what} (${err.code ?? err.message})`,
      },
    ]);
  }
}

/**
 * The last parse of each kind of whole-estate input (SMSO inventory, CHF details), keyed by path, size
 * and modification time: the MCFs of one SMSO share one inventory, and a run builds the group files of
 * every MCF in turn, so each file is parsed once per run instead of once per MCF. One entry per kind
 * (memory stays one file's worth).
 */
const lastParse = new Map<string, { key: string; value: unknown }>();
async function parsedOnce<T>(
  kind: string,
  file: string,
  what: string,
  parse: (text: string) => T,
): Promise<T> {
  const st = await stat(file).catch(() => undefined);
  const key = st ? `${path.resolve(file)}\0${st.size}\0${st.mtimeMs}\0${st.ino}` : undefined;
  const hit = lastParse.get(kind);
  if (key !== undefined && hit?.key === key) return hit.value as T;
  const value = parse(await readText(file, what));
  if (key !== undefined) lastParse.set(kind, { key, value });
  return value;
}

/** A problem of an input file keeps the file's name beside its line and column. */
export type InputProblem = Problem & { file?: string };

/** Read the MCF (signed, header + compact entries) and the MVF (entries by CHFIdentifier). */
async function readMcfAndMvf(paths: GroupFilesPaths): Promise<{
  mcfHeader: MigrationCommonHeader;
  mcf: McfEntry[];
  mvfHeader: MigrationValidationHeader;
  mvf: Map<string, OutcomeInstallation>;
}> {
  let mcfHeader: MigrationCommonHeader | undefined;
  const mcf: McfEntry[] = [];
  let mvfHeader: MigrationValidationHeader | undefined;
  const mvf = new Map<string, OutcomeInstallation>();
  const wrap = (file: string, e: unknown): GroupFilesInputError => {
    const err = e as NodeJS.ErrnoException & {
      rule?: string;
      line?: number;
      column?: number;
      element?: string;
      reason?: string;
    };
    if (err.code)
      return new GroupFilesInputError([
        { file, rule: 'TMAD 5.12', message: `cannot read the file (${err.code})` },
      ]);
    if (e instanceof MigrationFileReadError)
      return new GroupFilesInputError([
        { file, line: e.line, column: e.column, element: e.element, rule: e.rule, message: e.reason },
      ]);
    return new GroupFilesInputError([
      { file, rule: 'TMAD 10.1 (SMETS1 Migration Schema)', message: err.message },
    ]);
  };
  try {
    for await (const item of iterateMigrationFile(createReadStream(paths.mcf), {
      expect: 'MCF',
      fileName: paths.mcf,
      requireSignature: true,
    }))
      if (item.kind === 'header') mcfHeader = item.header as MigrationCommonHeader;
      else mcf.push(mcfEntryOf(item.installation as McfInstallation, item.index));
  } catch (e) {
    throw wrap(paths.mcf, e);
  }
  try {
    for await (const item of iterateMigrationFile(createReadStream(paths.mvf), {
      expect: 'MVF',
      fileName: paths.mvf,
      requireSignature: true,
    }))
      if (item.kind === 'header') mvfHeader = item.header as MigrationValidationHeader;
      else {
        const i = item.installation as OutcomeInstallation;
        mvf.set(i.chfIdentifier, i);
      }
  } catch (e) {
    throw wrap(paths.mvf, e);
  }
  return { mcfHeader: mcfHeader!, mcf, mvfHeader: mvfHeader!, mvf };
}

/** Stream the entries into an unsigned file, sign it, and link it to its TMAD 10.2 name (never overwriting). */
async function writeSigned<T extends 'MGF' | 'MEF'>(
  fileType: T,
  header: T extends 'MGF' ? MigrationGroupHeader : MigrationGroupEncryptedHeader,
  entries: Iterable<T extends 'MGF' ? MgfInstallation : MefInstallation>,
  dir: string,
  signer: GroupFileSigner,
): Promise<string> {
  const name = migrationFileName(fileType, header as never);
  const tag = `${process.pid}-${Math.random().toString(16).slice(2, 10)}`;
  const unsigned = path.join(dir, `.${fileType.toLowerCase()}-unsigned-${tag}`);
  const signed = path.join(dir, `.${fileType.toLowerCase()}-signing-${tag}`);
  const target = path.join(dir, name);
  const sink = createWriteStream(unsigned, { flags: 'wx', mode: 0o600 });
  try {
    const w = createMigrationFileWriter(fileType, sink, header as never);
    for (const e of entries) await w.writeInstallation(e as never);
    await w.end();
    await signXmlFile(unsigned, signed, {
      privateKey: signer.privateKey,
      issuerName: signer.certificate.issuerName,
      serialNumber: signer.certificate.serialNumber,
    });
    await link(signed, target); // fails with EEXIST rather than replace a file
  } catch (e) {
    sink.destroy();
    throw e;
  } finally {
    await unlink(unsigned).catch(() => undefined);
    await unlink(signed).catch(() => undefined);
  }
  return target;
}

/**
 * TMAD 5.12: read the inputs, plan, and write the signed MGF (when the GroupID requires one) and MEF
 * into `paths.out`. Nothing is written when no installation goes on. Input problems throw
 * GroupFilesInputError (every problem), a wrong signer GroupFilesSignerError, before anything is written.
 */
export async function buildGroupFiles(
  paths: GroupFilesPaths,
  signer: GroupFileSigner,
  opts: GroupFilesOptions,
): Promise<GroupFilesResult> {
  const problems: InputProblem[] = [];
  const ho = parseHandover(await readText(paths.handover, 'hand-over file'), paths.handover);
  problems.push(...ho.problems);
  const inv = await parsedOnce('inventory', paths.inventory, 'SMSO inventory', (text) => {
    const r = parseSmsoInventoryCsv(text, paths.inventory);
    return { problems: r.problems, byChf: new Map(r.installations.map((i) => [i.chfDeviceId, i])) };
  });
  problems.push(...inv.problems);
  let chfDetails: Map<string, ChfCommsDetails> | undefined;
  if (paths.chfDetails !== undefined) {
    const file = paths.chfDetails;
    const d = await parsedOnce('chf-details', file, 'CHF details', (text) => parseChfDetailsCsv(text, file));
    problems.push(...d.problems);
    chfDetails = d.details;
  }
  if (problems.length) throw new GroupFilesInputError(problems);
  const { mcfHeader, mcf, mvfHeader, mvf } = await readMcfAndMvf(paths);
  checkSigner(signer.certificate, mcfHeader.requestingPartyId);
  const plan = planGroupFiles({
    mcfHeader,
    mcf,
    mvfHeader,
    mvf,
    handoverHeader: ho.header!,
    handover: new Map(ho.installations.map((i) => [i.chfIdentifier, i])),
    inventory: inv.byChf,
    ...(chfDetails ? { chfDetails } : {}),
    at: opts.at,
    ...(opts.wanContactDays !== undefined ? { wanContactDays: opts.wanContactDays } : {}),
  });
  const result: GroupFilesResult = { mcfHeader, plan };
  if (plan.included.length === 0) return result;
  const base = {
    requestingPartyId: mcfHeader.requestingPartyId,
    mcfCounter: mcfHeader.mcfCounter,
  };
  if (plan.requirements.mgf) {
    const header: MigrationGroupHeader = { ...base, mgfCounter: opts.mgfCounter, groupId: mcfHeader.groupId };
    const p = await writeSigned(
      'MGF',
      header,
      plan.included.map((i) => i.mgf!),
      paths.out,
      signer,
    );
    result.mgf = { path: p, header, installations: plan.included.length };
  }
  const header: MigrationGroupEncryptedHeader = {
    ...base,
    mefCounter: opts.mefCounter,
    groupId: mcfHeader.groupId,
  };
  const p = await writeSigned(
    'MEF',
    header,
    plan.included.map((i) => i.mef),
    paths.out,
    signer,
  );
  result.mef = { path: p, header, installations: plan.included.length };
  return result;
}
