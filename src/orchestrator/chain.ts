// The first half of the migration chain on an estate (issue #11; docs/CHAIN.md): the component that, as
// the DCC network does, moves files between the parties' mailboxes (docs/MAILBOXES.md) and asks each
// party to process them. Each stage is named and calls one party's own function (never the CLI), so a
// later Migration Week runner can run the stages one by one, persist the state between them and resume:
//
//   ref-import            DCC      reference data, Organisation Certificates and CRLs, group keys (TMAD 2, 5.1(a))
//   smso-import           SMSO     inventory and key material (TMAD 4.21, 11)
//   ma-seal               Supplier each MA sealed (MAM 7.5) and delivered to the MCC's mailbox
//   ma-open               MCC      verify, decrypt, validate and record each MA (MAM 4, 7.5)
//   rp-build-mcf          RP       the week's MCFs per SMSO (TMAD 4.16-4.48, 5.6, 5.8), delivered to the DCC
//   dcc-authenticate-mcf  DCC      Table 5.9 on each MCF (TMAD 5.9)
//   dcc-validate-mcf      DCC      Table 5.10 into a signed MVF, routed per 5.10(a), (d)
//   rp-record-mvf         RP       Table 5.9 on each MVF, its outcome per installation read from it
//   smso-encrypt          SMSO     the TMAD 11 hand-over for the installations that passed (5.12(g))
//   rp-build-group-files  RP       MGF and MEF per MCF (TMAD 5.12, 12-16), delivered to the S1SP and the DCO
//   group-files-authenticate S1SP, DCO  Table 5.9 on each MGF (S1SP) and MEF (S1SP, DCO)
//
// Nothing here decides a TMAD rule: the parties do. The chain only knows who gets which file.
import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import type { KeyObject } from 'node:crypto';
import type { Store } from '../store/index.js';
import { configuration } from '../config.js';
import { REGISTRY_NAMES, type RegistryName } from '../core/reference/index.js';
import { parseCertificate, type OrganisationCertificate, type TrustStore } from '../core/pki/index.js';
import { parseGroupKeyNotice, type GroupKeyNotice } from '../core/formats/smso/group-key.js';
import { parseSmsoInventoryCsv, type SmsoInstallation } from '../core/formats/smso/inventory.js';
import {
  iterateMigrationFile,
  migrationFileName,
  type OutcomeInstallation,
} from '../core/formats/migration-files/index.js';
import { isGroupId, type GroupId } from '../core/ids/reference.js';
import { readCertificateRows, readReferenceCsv } from '../files/reference-files.js';
import { loadPrivateKey } from '../files/trust-store.js';
import { deliver, take, type MailboxAddress } from '../files/mailbox.js';
import { seal } from '../supplier/ma-seal.js';
import { open as openMa } from '../mcc/ma-intake.js';
import { importInventory, encryptForRequestingParty } from '../smso/index.js';
import {
  buildAndRecordMcfs,
  storedAuthorisations,
  type AuthorisationRow,
} from '../requesting-party/index.js';
import { buildGroupFiles } from '../requesting-party/group-files.js';
import { authenticateReceivedFile, type IntakeVerdict } from '../dcc/intake.js';
import { runCommonValidation } from '../dcc/common-validation-run.js';
import { mvfSignerEntityId, type CommonValidationContext } from '../dcc/common-validation.js';
import { storeCommonValidationContext } from '../dcc/store-context.js';
import { mvfRecipients } from '../dcc/routing.js';
import { estatePaths, readEstateManifest, type EstateManifest } from './estate-input.js';
import { describeFate, expectedFate, fateAgrees, type Fate } from './expectations.js';

const HOUR = 3_600_000;

export interface ChainOptions {
  /** An estate written by `s1mig estate generate`. */
  estateDir: string;
  /** The run's working tree: mailboxes/ and each party's own files (created; must be new or empty). */
  outDir: string;
  store: Store;
  /** The Migration Week, its Monday (default: the manifest's). */
  week?: string;
  /** The simulated time of every step (default: 09:00 on the estate's day, the MAs' file-name time). */
  at?: Date;
  /** The passphrase of the SMSO's key material at rest (default S1MIG_KEY_PASSPHRASE). */
  passphrase?: string;
}

/** A stage could not do its work (bad estate file, refused import, missing key): the chain stops. */
export class ChainStageError extends Error {
  override name = 'ChainStageError';
  constructor(
    readonly stage: string,
    readonly problems: string[],
  ) {
    super(
      `${stage}: ${problems.slice(0, 5).join('; ')}${problems.length > 5 ? ` (and ${problems.length - 5} more)` : ''}`,
    );
  }
}

interface Signer {
  certificate: OrganisationCertificate;
  privateKey: KeyObject;
}

export interface McfRecord {
  name: string;
  /** The Requesting Party's own copy. */
  path: string;
  smso: string;
  groupId: string;
  mcfCounter: bigint;
  installations: number;
  /** The DCC's copy, taken from its mailbox. */
  dccPath?: string;
  accepted?: boolean;
  mvf?: { name: string; path: string; failed: number; installations: number };
  /** The Requesting Party's copy of the MVF, taken from its mailbox. */
  rpMvfPath?: string;
  mvfAccepted?: boolean;
  handover?: string;
  mgf?: { name: string; path: string; installations: number };
  mef?: { name: string; path: string; installations: number };
}

export interface FileVerdict {
  file: string;
  as: string;
  accepted: boolean;
  failedStep: string | null;
  problems: string[];
}

/** Everything the stages hand on (paths and small records: a runner can persist it between stages). */
export interface ChainState {
  options: ChainOptions;
  manifest: EstateManifest;
  paths: ReturnType<typeof estatePaths>;
  week: string;
  at: Date;
  mailboxes: string;
  requestingPartyId: string;
  s1spId: string;
  dcoId: string;
  /** Row counts per registry imported. */
  imported: Record<string, number>;
  maSealed: Array<{ supplier: string; zip: string; passwordFile: string; signature: string }>;
  maReceipts: Array<{ file: string; outcome: string; rows: number; stage?: string; errors: string[] }>;
  authorisedMpxns: Set<string>;
  mcfs: McfRecord[];
  /** The RP's outcome of each installation of the inventories (rp build-mcf). */
  rpOutcomes: Map<string, { outcome: string; rule: string | null; groupId: string | null }>;
  /** The failed Table 5.10 steps of each installation, as the RP reads them from its MVFs. */
  mvfFailures: Map<string, string[]>;
  /** The TMAD 5.12 reasons (clauses) of each installation held back from the MGF/MEF. */
  groupHeld: Map<string, string[]>;
  inMef: Set<string>;
  verdicts: FileVerdict[];
  /** Per stage: what it did, one line. */
  notes: Record<string, string>;
  /** Milliseconds per stage. */
  millis: Record<string, number>;
  /**
   * Per stage run by runChainStages: this process's CPU milliseconds (user + system; on a shared machine
   * the measure to compare, not wall time) and its peak resident set size so far, in MB.
   */
  usage?: Record<string, { cpuMillis: number; maxRssMB: number }>;
  /** Only these CHF Device IDs go into the MCFs (a Migration Week's commenced installations); all when absent. */
  include?: ReadonlySet<string>;
  /** The first MVFCounter (TMAD 5.6; a week run gives a deterministic one); the time in ms when absent. */
  mvfCounter?: bigint;
}

export interface ChainStage {
  name: string;
  /** The party that does the work. */
  party: string;
  title: string;
  run(state: ChainState): Promise<void>;
}

// --------------------------------------------------------------------------------------------------
// Helpers

async function signerOf(keyFile: string, certFile: string, stage: string): Promise<Signer> {
  try {
    const pem = await readFile(certFile, 'latin1');
    return { certificate: parseCertificate(pem), privateKey: await loadPrivateKey(keyFile) };
  } catch (e) {
    throw new ChainStageError(stage, [`${keyFile} / ${certFile}: ${(e as Error).message}`]);
  }
}

const repos = (s: Store) => ({
  counters: s.counters,
  incidents: s.incidents,
  acceptedFiles: s.acceptedFiles,
});

function verdictOf(file: string, as: string, v: IntakeVerdict): FileVerdict {
  return {
    file,
    as,
    accepted: v.accepted,
    failedStep: v.failedStep,
    problems: v.problems.map((p) => `${p.step}${p.line ? ` line ${p.line}` : ''}: ${p.message} (${p.rule})`),
  };
}

let trustCache: WeakMap<Store, TrustStore> = new WeakMap();
async function trustOf(state: ChainState): Promise<TrustStore> {
  let t = trustCache.get(state.options.store);
  if (!t) trustCache.set(state.options.store, (t = await state.options.store.reference.data.trustStore()));
  return t;
}

async function authenticate(
  state: ChainState,
  file: string,
  as: 'dcc' | 'requesting-party' | 's1sp' | 'dco',
) {
  const v = await authenticateReceivedFile(
    file,
    { as, trust: await trustOf(state), now: state.at },
    repos(state.options.store),
  );
  state.verdicts.push(verdictOf(path.basename(file), as, v));
  return v;
}

/** One SMSO's inventory as the Requesting Party reads it, parsed when needed and not kept (flat memory). */
async function inventoryOf(state: ChainState, code: string): Promise<SmsoInstallation[]> {
  const s = state.manifest.smsos.find((x) => x.code === code)!;
  const file = state.paths.file(s.inventory);
  const inv = parseSmsoInventoryCsv(await readFile(file, 'utf8'), file);
  if (inv.problems.length)
    throw new ChainStageError(
      'rp-build-mcf',
      inv.problems.map((p) => `${p.file}:${p.line ?? ''}: ${p.field ?? ''}: ${p.message} (${p.rule})`),
    );
  return state.include
    ? inv.installations.filter((i) => state.include!.has(i.chfDeviceId))
    : inv.installations;
}

// --------------------------------------------------------------------------------------------------
// The stages

/** The registries in the order they are imported (organisations before what names them). */
const REFERENCE_ORDER: readonly RegistryName[] = [
  'organisations',
  'products',
  'epc',
  'group-models',
  'smi',
  'registration',
  'network-operator-ids',
  'group-keys',
];

const refImport: ChainStage = {
  name: 'ref-import',
  party: 'DCC',
  title: 'import reference data, certificates and group keys (s1mig ref import)',
  async run(state) {
    const store = state.options.store;
    const problems: string[] = [];
    const inputs: Array<[RegistryName, string, Awaited<ReturnType<typeof readReferenceCsv>>]> = [];
    for (const r of REFERENCE_ORDER) {
      if (!REGISTRY_NAMES.includes(r)) continue;
      const file = state.paths.reference(r);
      inputs.push([r, file, await readReferenceCsv(r, file)]);
    }
    inputs.push(['certificates', state.paths.pki, await readCertificateRows(state.paths.pki)]);
    for (const [, , input] of inputs)
      problems.push(
        ...input.problems.map(
          (p) =>
            `${p.file}${p.line !== null ? `:${p.line}` : ''}${p.field ? ` column '${p.field}'` : ''}: ${p.message} [${p.rule}]`,
        ),
      );
    if (problems.length) throw new ChainStageError('ref-import', problems);
    for (const [registry, , input] of inputs) {
      const r = await store.reference.import(registry, input.rows(), { replace: false });
      state.imported[registry] = r.total;
    }
    state.notes['ref-import'] = Object.entries(state.imported)
      .map(([k, n]) => `${k} ${n}`)
      .join(', ');
  },
};

const smsoImport: ChainStage = {
  name: 'smso-import',
  party: 'SMSO',
  title: 'import each SMSO inventory and its key material (s1mig smso import)',
  async run(state) {
    const parts: string[] = [];
    for (const s of state.manifest.smsos) {
      const inventory = state.paths.file(s.inventory);
      const keys = state.paths.file(s.keys);
      const r = await importInventory(state.options.store, s.code, {
        inventory: { text: await readFile(inventory, 'utf8'), file: inventory },
        // Read twice as a stream (checked, then sealed in batches): memory does not grow with the file.
        keys: { open: () => createReadStream(keys, { highWaterMark: 1 << 20 }), file: keys },
        passphrase: state.options.passphrase ?? configuration().keyPassphrase,
      }).catch((e: Error) => {
        throw new ChainStageError('smso-import', [`SMSO ${s.code}: ${e.message}`]);
      });
      if (!r.accepted)
        throw new ChainStageError(
          'smso-import',
          r.problems.map((p) => `${p.file}:${p.line ?? ''}: ${p.field ?? ''}: ${p.message} (${p.rule})`),
        );
      parts.push(`${s.code} ${r.installations}`);
    }
    state.notes['smso-import'] = parts.join(', ');
  },
};

const MCC: MailboxAddress = { role: 'mcc', party: 'MCC' };
const DCC: MailboxAddress = { role: 'dcc', party: 'DCC' };

const maSeal: ChainStage = {
  name: 'ma-seal',
  party: 'Supplier',
  title: "seal each supplier's MA and send it to the MCC (s1mig ma seal)",
  async run(state) {
    for (const ma of state.manifest.migrationAuthorisations) {
      const key = path.join(state.paths.pki, ma.supplier, 'ikiFileSigning.key.pem');
      const certFile = path.join(state.paths.pki, ma.supplier, 'ikiFileSigning.cert.pem');
      const outDir = path.join(state.options.outDir, 'supplier', ma.supplier);
      await mkdir(outDir, { recursive: true });
      let r;
      try {
        r = await seal(state.paths.file(ma.file), {
          key: await loadPrivateKey(key),
          cert: await readFile(certFile, 'latin1'),
          outDir,
          at: state.at,
        });
      } catch (e) {
        throw new ChainStageError('ma-seal', [`${ma.file}: ${(e as Error).message}`]);
      }
      const sent = {
        supplier: ma.supplier,
        zip: await deliver(state.mailboxes, MCC, path.basename(r.zipPath), r.zipPath),
        passwordFile: await deliver(
          state.mailboxes,
          MCC,
          path.basename(r.passwordFilePath),
          r.passwordFilePath,
        ),
        signature: await deliver(state.mailboxes, MCC, path.basename(r.signaturePath), r.signaturePath),
      };
      state.maSealed.push(sent);
    }
    state.notes['ma-seal'] = `${state.maSealed.length} MA(s) sealed and sent to the MCC`;
  },
};

const maOpen: ChainStage = {
  name: 'ma-open',
  party: 'MCC',
  title: 'open, validate and record each MA (s1mig ma open)',
  async run(state) {
    const trust = await trustOf(state);
    for (const s of state.maSealed) {
      const zip = await take(state.mailboxes, MCC, path.basename(s.zip));
      const pw = await take(state.mailboxes, MCC, path.basename(s.passwordFile));
      const sig = await take(state.mailboxes, MCC, path.basename(s.signature));
      const r = await openMa(zip, pw, sig, {
        trust,
        receivedAt: state.at,
        at: state.at,
        store: state.options.store,
      });
      state.maReceipts.push({
        file: r.csvFileName ?? path.basename(zip),
        outcome: r.outcome,
        rows: r.report?.validRowCount ?? 0,
        ...(r.stage ? { stage: r.stage } : {}),
        errors: r.errors.map((e) => `${e.line !== null ? `line ${e.line}: ` : ''}${e.message} (${e.rule})`),
      });
    }
    const accepted = state.maReceipts.filter((r) => r.outcome === 'accepted');
    state.notes['ma-open'] =
      `${accepted.length} of ${state.maReceipts.length} MA(s) accepted, ${accepted.reduce((n, r) => n + r.rows, 0)} row(s)`;
  },
};

const rpBuildMcf: ChainStage = {
  name: 'rp-build-mcf',
  party: 'Requesting Party',
  title: "build the week's MCFs and send them to the DCC (s1mig rp build-mcf)",
  async run(state) {
    const store = state.options.store;
    const signer = await signerOf(
      path.join(state.paths.pki, 'requesting-party', 'requestingPartyFileSigning.key.pem'),
      path.join(state.paths.pki, 'requesting-party', 'requestingPartyFileSigning.cert.pem'),
      'rp-build-mcf',
    );
    state.requestingPartyId = signer.certificate.entityId ?? '';
    const outDir = path.join(state.options.outDir, 'requesting-party', 'mcf');
    await mkdir(outDir, { recursive: true });
    const authorisations: AuthorisationRow[] = await storedAuthorisations(store);
    for (const a of authorisations) {
      if (a.mpan) state.authorisedMpxns.add(a.mpan);
      if (a.mprn) state.authorisedMpxns.add(a.mprn);
    }
    for (const s of state.manifest.smsos) {
      const run = await buildAndRecordMcfs(
        store,
        {
          week: state.week,
          smso: s.code,
          inventory: await inventoryOf(state, s.code),
          signer: {
            privateKey: signer.privateKey,
            issuerName: signer.certificate.issuerName,
            serialNumber: signer.certificate.serialNumber,
            requestingPartyId: state.requestingPartyId,
          },
          outDir,
          at: state.at,
        },
        authorisations,
      );
      for (const o of run.plan.outcomes)
        state.rpOutcomes.set(o.chfDeviceId, { outcome: o.outcome, rule: o.rule, groupId: o.groupId });
      for (const f of run.files) {
        await deliver(state.mailboxes, DCC, f.name, f.file);
        state.mcfs.push({
          name: f.name,
          path: f.file,
          smso: s.code,
          groupId: f.groupId,
          mcfCounter: f.mcfCounter,
          installations: f.installations,
        });
      }
    }
    state.notes['rp-build-mcf'] =
      `${state.mcfs.length} MCF(s), ${state.mcfs.reduce((n, m) => n + m.installations, 0)} installation(s)`;
  },
};

const dccAuthenticateMcf: ChainStage = {
  name: 'dcc-authenticate-mcf',
  party: 'DCC',
  title: 'authenticate each MCF (Table 5.9; s1mig file authenticate --as dcc)',
  async run(state) {
    for (const m of state.mcfs) {
      m.dccPath = await take(state.mailboxes, DCC, m.name);
      m.accepted = (await authenticate(state, m.dccPath, 'dcc')).accepted;
    }
    const n = state.mcfs.filter((m) => m.accepted).length;
    state.notes['dcc-authenticate-mcf'] = `${n} of ${state.mcfs.length} MCF(s) authenticated`;
  },
};

const dccValidateMcf: ChainStage = {
  name: 'dcc-validate-mcf',
  party: 'DCC',
  title: 'Table 5.10 into a signed MVF, routed to the parties (s1mig dcc validate-mcf)',
  async run(state) {
    const store = state.options.store;
    const s1sp = await signerOf(
      path.join(state.paths.pki, 's1sp', 's1SPMigrationSigning.key.pem'),
      path.join(state.paths.pki, 's1sp', 's1SPMigrationSigning.cert.pem'),
      'dcc-validate-mcf',
    );
    state.s1spId = mvfSignerEntityId(s1sp.certificate);
    const parties = { s1sp: state.s1spId, dco: state.dcoId };
    const ctx: CommonValidationContext = await storeCommonValidationContext(store.reference, {
      at: state.at,
      location: store.location,
    }).catch((e: Error) => {
      throw new ChainStageError('dcc-validate-mcf', [e.message]);
    });
    const outDir = path.join(state.options.outDir, 'dcc', 'mvf');
    await mkdir(outDir, { recursive: true });
    // TMAD 5.6, Table 5.7: the MVFCounter only grows (milliseconds since 1970, then one more per file).
    let counter = state.mvfCounter ?? BigInt(Date.now());
    for (const m of state.mcfs) {
      if (!m.accepted) continue;
      const run = await runCommonValidation(
        m.dccPath!,
        m.name,
        ctx,
        s1sp,
        { directory: outDir },
        { at: state.at, mvfCounter: counter++, fileName: m.name },
        {
          root: state.mailboxes,
          mcfTo: (h, routing) => routing.recipients(h, parties),
          mvfTo: (h) => mvfRecipients(h, parties),
        },
      );
      m.mvf = {
        name: migrationFileName('MVF', run.mvfHeader),
        path: run.path,
        failed: run.failed,
        installations: run.installations,
      };
    }
    const v = state.mcfs.filter((m) => m.mvf);
    state.notes['dcc-validate-mcf'] =
      `${v.length} MVF(s): ${v.reduce((n, m) => n + m.mvf!.failed, 0)} of ${v.reduce((n, m) => n + m.mvf!.installations, 0)} installation(s) failed`;
  },
};

const rpRecordMvf: ChainStage = {
  name: 'rp-record-mvf',
  party: 'Requesting Party',
  title: 'authenticate each MVF (s1mig file authenticate --as requesting-party) and read its outcomes',
  async run(state) {
    const rp: MailboxAddress = { role: 'requesting-party', party: state.requestingPartyId };
    for (const m of state.mcfs) {
      if (!m.mvf) continue;
      m.rpMvfPath = await take(state.mailboxes, rp, m.mvf.name);
      m.mvfAccepted = (await authenticate(state, m.rpMvfPath, 'requesting-party')).accepted;
      if (!m.mvfAccepted) continue;
      for await (const item of iterateMigrationFile(createReadStream(m.rpMvfPath), {
        expect: 'MVF',
        fileName: m.mvf.name,
      }))
        if (item.kind === 'installation') {
          const i = item.installation as OutcomeInstallation;
          state.mvfFailures.set(i.chfIdentifier, [...new Set(i.failedChecks.map((f) => f.failedStepNumber))]);
        }
    }
    let failed = 0;
    for (const f of state.mvfFailures.values()) if (f.length) failed++;
    state.notes['rp-record-mvf'] = `${state.mvfFailures.size} outcome(s) read, ${failed} failed`;
  },
};

const smsoEncrypt: ChainStage = {
  name: 'smso-encrypt',
  party: 'SMSO',
  title: 'the TMAD 11 hand-over for the installations that passed (s1mig smso encrypt)',
  async run(state) {
    const store = state.options.store;
    const notices: GroupKeyNotice[] = [];
    for (const f of (await readdir(state.paths.groupKeys)).filter((n) => n.endsWith('.notice')).sort()) {
      const file = path.join(state.paths.groupKeys, f);
      const r = parseGroupKeyNotice(await readFile(file, 'utf8'), file);
      if (!r.ok) throw new ChainStageError('smso-encrypt', [r.error]);
      notices.push(r.value);
    }
    const rp: MailboxAddress = { role: 'requesting-party', party: state.requestingPartyId };
    let written = 0;
    for (const m of state.mcfs) {
      if (!m.mvfAccepted) continue;
      // TMAD 5.12(b): only the installations whose MVF entry shows no error go on.
      const ids: Array<{ chf: string; line: number }> = [];
      for await (const item of iterateMigrationFile(createReadStream(m.path), { expect: 'MCF' }))
        if (item.kind === 'installation') {
          const chf = (item.installation as { chfDetail: { deviceId: string } }).chfDetail.deviceId;
          if ((state.mvfFailures.get(chf) ?? ['?']).length === 0) ids.push({ chf, line: item.index + 1 });
        }
      const dir = path.join(state.options.outDir, 'smso', m.smso);
      await mkdir(dir, { recursive: true });
      const name = `HANDOVER_${m.name.replace(/\.xml$/, '')}.jsonl`;
      const file = path.join(dir, name);
      const out = createWriteStream(file, { flags: 'wx', mode: 0o600 });
      let r;
      try {
        r = await encryptForRequestingParty(store, m.smso, {
          groupId: m.groupId,
          installations: ids,
          installationsFile: `${m.name} (installations with no FailedCheck)`,
          notices,
          at: state.at,
          passphrase: state.options.passphrase ?? configuration().keyPassphrase,
          write: async (chunk) => {
            if (!out.write(chunk)) await once(out, 'drain');
          },
        });
      } catch (e) {
        out.destroy();
        throw new ChainStageError('smso-encrypt', [`${m.name}: ${(e as Error).message}`]);
      }
      await new Promise<void>((resolve, reject) => out.end(() => resolve()).once('error', reject));
      if (r.problems.length)
        throw new ChainStageError(
          'smso-encrypt',
          r.problems.map((p) => `${p.file}:${p.line ?? ''}: ${p.message} (${p.rule})`),
        );
      written += r.written;
      // TMAD 5.12(g): the SMSO hands the ciphertext to the Requesting Party.
      await deliver(state.mailboxes, rp, name, file);
      m.handover = await take(state.mailboxes, rp, name);
    }
    state.notes['smso-encrypt'] = `${written} installation(s) encrypted for the Requesting Party`;
  },
};

const rpBuildGroupFiles: ChainStage = {
  name: 'rp-build-group-files',
  party: 'Requesting Party',
  title: 'build the MGF and MEF and send them to the S1SP and the DCO (s1mig rp build-group-files)',
  async run(state) {
    const store = state.options.store;
    const signer = await signerOf(
      path.join(state.paths.pki, 'requesting-party', 'requestingPartyFileSigning.key.pem'),
      path.join(state.paths.pki, 'requesting-party', 'requestingPartyFileSigning.cert.pem'),
      'rp-build-group-files',
    );
    const outDir = path.join(state.options.outDir, 'requesting-party', 'group-files');
    await mkdir(outDir, { recursive: true });
    const hasChfDetails = await readFile(state.paths.chfDetails).then(
      () => true,
      () => false,
    );
    const s1sp: MailboxAddress = { role: 's1sp', party: state.s1spId };
    const dco: MailboxAddress = { role: 'dco', party: state.dcoId };
    for (const m of state.mcfs) {
      if (!m.handover) continue;
      const smso = state.manifest.smsos.find((s) => s.code === m.smso)!;
      const r = await buildGroupFiles(
        {
          mcf: m.path,
          mvf: m.rpMvfPath!,
          handover: m.handover,
          inventory: state.paths.file(smso.inventory),
          ...(hasChfDetails ? { chfDetails: state.paths.chfDetails } : {}),
          out: outDir,
        },
        signer,
        {
          mgfCounter: await store.rpOutcomes.nextCounter(state.requestingPartyId, 'MGF'),
          mefCounter: await store.rpOutcomes.nextCounter(state.requestingPartyId, 'MEF'),
          at: state.at,
        },
      ).catch((e: Error & { problems?: Array<{ message: string; rule: string }> }) => {
        throw new ChainStageError(
          'rp-build-group-files',
          e.problems
            ? e.problems.map((p) => `${m.name}: ${p.message} (${p.rule})`)
            : [`${m.name}: ${e.message}`],
        );
      });
      for (const x of r.plan.excluded)
        state.groupHeld.set(x.chfIdentifier, [...new Set(x.reasons.map((p) => p.rule))]);
      for (const x of r.plan.included) state.inMef.add(x.chfIdentifier);
      if (r.mgf) {
        m.mgf = { name: path.basename(r.mgf.path), path: r.mgf.path, installations: r.mgf.installations };
        await deliver(state.mailboxes, s1sp, m.mgf.name, r.mgf.path);
      }
      if (r.mef) {
        m.mef = { name: path.basename(r.mef.path), path: r.mef.path, installations: r.mef.installations };
        await deliver(state.mailboxes, s1sp, m.mef.name, r.mef.path);
        await deliver(state.mailboxes, dco, m.mef.name, r.mef.path);
      }
    }
    state.notes['rp-build-group-files'] =
      `${state.mcfs.filter((m) => m.mgf).length} MGF(s), ${state.mcfs.filter((m) => m.mef).length} MEF(s), ${state.inMef.size} installation(s) go on, ${state.groupHeld.size} held back`;
  },
};

const groupFilesAuthenticate: ChainStage = {
  name: 'group-files-authenticate',
  party: 'S1SP, DCO',
  title: 'authenticate each MGF (S1SP) and MEF (S1SP, DCO) with Table 5.9',
  async run(state) {
    const s1sp: MailboxAddress = { role: 's1sp', party: state.s1spId };
    const dco: MailboxAddress = { role: 'dco', party: state.dcoId };
    let n = 0;
    let ok = 0;
    for (const m of state.mcfs) {
      const jobs: Array<[MailboxAddress, string, 's1sp' | 'dco']> = [];
      if (m.mgf) jobs.push([s1sp, m.mgf.name, 's1sp']);
      if (m.mef) jobs.push([s1sp, m.mef.name, 's1sp'], [dco, m.mef.name, 'dco']);
      for (const [box, name, as] of jobs) {
        const file = await take(state.mailboxes, box, name);
        n++;
        if ((await authenticate(state, file, as)).accepted) ok++;
      }
    }
    state.notes['group-files-authenticate'] = `${ok} of ${n} file(s) authenticated by their receivers`;
  },
};

/** The stages, in order. */
export const CHAIN_STAGES: readonly ChainStage[] = [
  refImport,
  smsoImport,
  maSeal,
  maOpen,
  rpBuildMcf,
  dccAuthenticateMcf,
  dccValidateMcf,
  rpRecordMvf,
  smsoEncrypt,
  rpBuildGroupFiles,
  groupFilesAuthenticate,
];

// --------------------------------------------------------------------------------------------------
// The run and its summary

/**
 * Check the inputs and make the state the stages share. `store` may be a function, called once the
 * output directory has been found new or empty (a fresh store can then live inside it).
 */
export async function prepareChain(
  opts: Omit<ChainOptions, 'store'>,
  store: Store | (() => Promise<Store>),
): Promise<ChainState> {
  const manifest = await readEstateManifest(opts.estateDir);
  const existing = await readdir(opts.outDir).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return [];
    throw e;
  });
  if (existing.length > 0)
    throw new ChainStageError('prepare', [
      `${opts.outDir} is not empty: a chain run writes into a new directory`,
    ]);
  await mkdir(opts.outDir, { recursive: true });
  const options: ChainOptions = { ...opts, store: typeof store === 'function' ? await store() : store };
  const at = options.at ?? new Date(new Date(manifest.asOf).getTime() + 9 * HOUR);
  return {
    options,
    manifest,
    paths: estatePaths(options.estateDir),
    week: options.week ?? manifest.migrationWeek,
    at,
    mailboxes: path.join(options.outDir, 'mailboxes'),
    requestingPartyId: '',
    s1spId: '',
    dcoId: 'DCO',
    imported: {},
    maSealed: [],
    maReceipts: [],
    authorisedMpxns: new Set(),
    mcfs: [],
    rpOutcomes: new Map(),
    mvfFailures: new Map(),
    groupHeld: new Map(),
    inMef: new Set(),
    verdicts: [],
    notes: {},
    millis: {},
  };
}

export interface ChainHooks {
  onStageStart?(stage: ChainStage, index: number, total: number): void;
  onStageEnd?(stage: ChainStage, index: number, total: number, state: ChainState): void;
}

/** Run every stage in order (or those from `from` on, for a state that already ran the earlier ones). */
export async function runChainStages(state: ChainState, hooks: ChainHooks = {}): Promise<ChainState> {
  for (const [i, stage] of CHAIN_STAGES.entries()) {
    hooks.onStageStart?.(stage, i, CHAIN_STAGES.length);
    const t = Date.now();
    const cpu = process.cpuUsage();
    await stage.run(state);
    state.millis[stage.name] = Date.now() - t;
    const used = process.cpuUsage(cpu);
    (state.usage ??= {})[stage.name] = {
      cpuMillis: Math.round((used.user + used.system) / 1000),
      maxRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
    };
    hooks.onStageEnd?.(stage, i, CHAIN_STAGES.length, state);
  }
  return state;
}

export interface GroupSummary {
  groupId: GroupId;
  /** Installations of the estate in this GroupID. */
  installations: number;
  /** ... of which an accepted MA lists the MPAN or MPRN. */
  inMas: number;
  /** Held back or refused by the Requesting Party before the MCF, per clause. */
  rpHeld: Record<string, number>;
  rpRefused: Record<string, number>;
  inMcfs: number;
  mcfs: number;
  mcfsRejected: number;
  /** Installations that failed the MVF, and per Table 5.10 step (an installation counts under each step). */
  mvfFailed: number;
  mvfFailedByCheck: Record<string, number>;
  /** Held back from the MGF/MEF by the Requesting Party (TMAD 5.12), per clause. */
  groupFilesHeld: Record<string, number>;
  inMgf: number;
  inMef: number;
}

export interface Disagreement {
  chfDeviceId: string;
  groupId: string;
  problem: string;
  expected: string;
  actual: string;
}

export interface ChainSummary {
  estate: string;
  out: string;
  week: string;
  at: string;
  installations: number;
  groups: GroupSummary[];
  stages: Array<{
    name: string;
    party: string;
    note: string;
    millis: number;
    /** When the stages ran in this process (runChainStages): CPU ms, and peak RSS MB at its end. */
    cpuMillis?: number;
    maxRssMB?: number;
  }>;
  verdicts: { accepted: number; rejected: FileVerdict[] };
  maRejected: ChainState['maReceipts'];
  files: Array<Pick<McfRecord, 'name' | 'groupId' | 'smso' | 'installations'> & Record<string, unknown>>;
  expectation: { agree: number; disagree: number; disagreements: Disagreement[] };
}

const inc = (r: Record<string, number>, k: string, n = 1): void => {
  r[k] = (r[k] ?? 0) + n;
};

/** Where an installation left the chain. */
export function fateOf(state: ChainState, chf: string, mpan: string, mprn: string | null): Fate {
  if (!state.authorisedMpxns.has(mpan) && !(mprn !== null && state.authorisedMpxns.has(mprn)))
    return { stage: 'ma', clauses: [] };
  const o = state.rpOutcomes.get(chf);
  if (!o) return { stage: 'rp-build-mcf', clauses: ['no outcome'] };
  if (o.outcome !== 'included') return { stage: 'rp-build-mcf', clauses: [o.rule ?? o.outcome] };
  const steps = state.mvfFailures.get(chf);
  if (!steps) return { stage: 'dcc-authenticate-mcf', clauses: [] };
  if (steps.length) return { stage: 'dcc-validate-mcf', clauses: steps };
  if (state.inMef.has(chf)) return { stage: 'mef', clauses: [] };
  return { stage: 'rp-build-group-files', clauses: state.groupHeld.get(chf) ?? ['no MGF/MEF built'] };
}

/** The summary per GroupID and the comparison with the manifest's planted problems. */
export function summariseChain(state: ChainState): ChainSummary {
  const groups = new Map<string, GroupSummary>();
  const group = (g: GroupId): GroupSummary => {
    let s = groups.get(g);
    if (!s)
      groups.set(
        g,
        (s = {
          groupId: g,
          installations: 0,
          inMas: 0,
          rpHeld: {},
          rpRefused: {},
          inMcfs: 0,
          mcfs: 0,
          mcfsRejected: 0,
          mvfFailed: 0,
          mvfFailedByCheck: {},
          groupFilesHeld: {},
          inMgf: 0,
          inMef: 0,
        }),
      );
    return s;
  };
  const disagreements: Disagreement[] = [];
  let agree = 0;
  for (const r of state.manifest.records) {
    const g = group(r.groupId);
    g.installations++;
    const fate = fateOf(state, r.chfDeviceId, r.mpan, r.mprn);
    if (fate.stage !== 'ma') g.inMas++;
    const o = state.rpOutcomes.get(r.chfDeviceId);
    if (o && o.outcome === 'held') inc(g.rpHeld, o.rule ?? 'held');
    if (o && o.outcome === 'refused') inc(g.rpRefused, o.rule ?? 'refused');
    if (o && o.outcome === 'included') g.inMcfs++;
    if (fate.stage === 'dcc-validate-mcf') {
      g.mvfFailed++;
      for (const s of fate.clauses) inc(g.mvfFailedByCheck, s);
    }
    if (fate.stage === 'rp-build-group-files') for (const c of fate.clauses) inc(g.groupFilesHeld, c);
    if (fate.stage === 'mef') {
      g.inMef++;
      if (isGroupId(r.groupId) && r.groupId !== 'DA') g.inMgf++;
    }
    const problem = r.problems[0] ?? 'none';
    const e = expectedFate(r);
    if (fateAgrees(fate, e)) agree++;
    else
      disagreements.push({
        chfDeviceId: r.chfDeviceId,
        groupId: r.groupId,
        problem,
        expected: describeFate(e),
        actual: describeFate(fate),
      });
  }
  for (const m of state.mcfs) {
    const g = isGroupId(m.groupId) ? group(m.groupId) : undefined;
    if (!g) continue;
    g.mcfs++;
    if (m.accepted === false) g.mcfsRejected++;
  }
  const rejected = state.verdicts.filter((v) => !v.accepted);
  return {
    estate: state.options.estateDir,
    out: state.options.outDir,
    week: state.week,
    at: state.at.toISOString(),
    installations: state.manifest.records.length,
    groups: [...groups.values()].sort((a, b) => (a.groupId < b.groupId ? -1 : 1)),
    stages: CHAIN_STAGES.filter((s) => s.name in state.millis).map((s) => ({
      name: s.name,
      party: s.party,
      note: state.notes[s.name] ?? '',
      millis: state.millis[s.name]!,
      ...(state.usage?.[s.name] ?? {}),
    })),
    verdicts: { accepted: state.verdicts.length - rejected.length, rejected },
    maRejected: state.maReceipts.filter((r) => r.outcome !== 'accepted'),
    files: state.mcfs.map((m) => ({
      name: m.name,
      groupId: m.groupId,
      smso: m.smso,
      installations: m.installations,
      mcfCounter: m.mcfCounter.toString(),
      authenticated: m.accepted ?? null,
      mvf: m.mvf ? { name: m.mvf.name, failed: m.mvf.failed } : null,
      mgf: m.mgf ? { name: m.mgf.name, installations: m.mgf.installations } : null,
      mef: m.mef ? { name: m.mef.name, installations: m.mef.installations } : null,
    })),
    expectation: { agree, disagree: disagreements.length, disagreements },
  };
}

/** Prepare, run every stage and summarise. */
export async function runChain(options: ChainOptions, hooks: ChainHooks = {}): Promise<ChainSummary> {
  trustCache = new WeakMap();
  const { store, ...rest } = options;
  const state = await prepareChain(rest, store);
  await runChainStages(state, hooks);
  return summariseChain(state);
}
