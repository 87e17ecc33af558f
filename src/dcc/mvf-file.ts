// TMAD 5.10(b)–(d) on files, streaming: read an MCF one installation at a time, run the Table 5.10 checks
// on each, write its MVF SMETS1Installation at once, then sign the MVF (two passes over the file, as
// `signXmlFile` does). Memory stays bounded whatever the number of installations (up to 100,000).
import { createWriteStream } from 'node:fs';
import { rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import {
  createMigrationValidationFileWriter,
  iterateMigrationFile,
  type McfInstallation,
  type MigrationCommonHeader,
  type MigrationValidationHeader,
} from '../core/formats/migration-files/index.js';
import type { XmlSource } from '../lib/xml/sax.js';
import { signXmlFile } from '../lib/xmldsig/index.js';
import {
  DEFAULT_LOOK_AHEAD_DAYS,
  memoiseCertificates,
  mvfHeader,
  mvfSignerEntityId,
  validateInstallation,
  registrationKeysOf,
  type CommonValidationContext,
  type CommonValidationOptions,
  type InstallationValidation,
  type MvfSigner,
} from './common-validation.js';

export interface MvfFileOptions extends CommonValidationOptions {
  /** The DCC's Migration Common Validation File Counter (Table 5.7). */
  mvfCounter: bigint;
  /** For messages of the MCF reader. */
  fileName?: string;
  /** Called with each installation's result, in MCF order. */
  onInstallation?: (result: InstallationValidation) => void;
  /** Called with each installation as read from the MCF, before its checks (e.g. routing, TMAD 5.10(a)). */
  onMcfInstallation?: (installation: McfInstallation, context: CommonValidationContext) => void;
}

export interface MvfFileSummary {
  mcfHeader: MigrationCommonHeader;
  mvfHeader: MigrationValidationHeader;
  installations: number;
  failed: number;
}

/**
 * Read the MCF from `source`, check every installation (Table 5.10) and write the signed MVF to `out`
 * (a path, or a directory and a name made from the MVF header, e.g. the TMAD 10.2 name).
 * The signer is checked before anything is read (MvfSignerError). A fault in the MCF (MigrationFileReadError,
 * XmlSyntaxError) is thrown and no MVF (nor temporary file) is left behind.
 */
/** Installations checked per window (and Registration Data read per window). */
const WINDOW = 400;

export async function writeMigrationCommonValidationFile(
  source: XmlSource,
  context: CommonValidationContext,
  signer: MvfSigner,
  out: string | { directory: string; name: (header: MigrationValidationHeader) => string },
  opts: MvfFileOptions,
): Promise<MvfFileSummary & { path: string }> {
  const dir = typeof out === 'string' ? path.dirname(path.resolve(out)) : out.directory;
  const reportingPartyId = mvfSignerEntityId(signer.certificate);
  const at = opts.at ?? new Date();
  const lookAheadDays = opts.lookAheadDays ?? DEFAULT_LOOK_AHEAD_DAYS;
  if (!Number.isFinite(lookAheadDays) || lookAheadDays < 0)
    throw new RangeError(`look-ahead ${lookAheadDays} days: expected a number of days ≥ 0 (TMAD 5.10.10)`);
  const ctx = memoiseCertificates(context);
  const tag = `${process.pid}-${Math.random().toString(16).slice(2, 10)}`;
  const unsignedPath = path.join(dir, `.mvf-unsigned-${tag}`);
  const signedTmp = path.join(dir, `.mvf-signing-${tag}`);
  let outPath = typeof out === 'string' ? out : '';
  let mcfHeader: MigrationCommonHeader | undefined;
  let header: MigrationValidationHeader | undefined;
  let writer: ReturnType<typeof createMigrationValidationFileWriter> | undefined;
  let sink: ReturnType<typeof createWriteStream> | undefined;
  let count = 0;
  let failed = 0;
  // Installations are checked WINDOW at a time, so that a context reading the Registration Data per
  // window (prefetchRegistrations) holds only those installations' registrations, whatever the MCF's size.
  let window: Array<{ installation: McfInstallation; index: number }> = [];
  const flush = async (): Promise<void> => {
    if (!window.length) return;
    const items = window;
    window = [];
    await ctx.prefetchRegistrations?.(registrationKeysOf(items.map((w) => w.installation)));
    for (const { installation, index } of items) {
      opts.onMcfInstallation?.(installation, ctx);
      const r = validateInstallation(installation, index, mcfHeader!, ctx, { at, lookAheadDays });
      count++;
      if (r.failures.length) failed++;
      opts.onInstallation?.(r);
      await writer!.writeInstallation({
        chfIdentifier: r.chfIdentifier,
        failedChecks: r.failures.map((f) => f.failedCheck),
      });
    }
  };
  try {
    for await (const item of iterateMigrationFile(source, {
      expect: 'MCF',
      ...(opts.fileName !== undefined ? { fileName: opts.fileName } : {}),
    })) {
      if (item.kind === 'header') {
        mcfHeader = item.header as MigrationCommonHeader;
        header = mvfHeader(mcfHeader, reportingPartyId, opts.mvfCounter);
        sink = createWriteStream(unsignedPath, { flags: 'wx', mode: 0o600 });
        writer = createMigrationValidationFileWriter(sink, header);
        continue;
      }
      window.push({ installation: item.installation as McfInstallation, index: item.index });
      if (window.length >= WINDOW) await flush();
    }
    await flush();
    if (!writer || !header) throw new RangeError('the MCF has no MigrationCommon header (TMAD 10.1)');
    await writer.end();
    await signXmlFile(unsignedPath, signedTmp, {
      privateKey: signer.privateKey,
      issuerName: signer.certificate.issuerName,
      serialNumber: signer.certificate.serialNumber,
    });
    if (typeof out !== 'string') outPath = path.join(out.directory, out.name(header));
    await rename(signedTmp, outPath);
  } catch (e) {
    sink?.destroy();
    await unlink(signedTmp).catch(() => undefined);
    throw e;
  } finally {
    await unlink(unsignedPath).catch(() => undefined);
  }
  return { mcfHeader: mcfHeader!, mvfHeader: header, installations: count, failed, path: outPath };
}
