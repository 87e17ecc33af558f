// Bounded WinZip-AES zip archives (MAM 7.5.1: "compress the file with AES-256 bits Encryption").
//
// Writing: one entry, deflated, encrypted with WinZip AES-256 (AE-2), which 7-Zip (`7zz x`/`7zz t`)
// and the other common tools open.
// Reading: archives come from other parties and are untrusted. Every bound (entry count, entry and
// total uncompressed size, compression ratio, entry names) is checked from the central directory
// BEFORE any entry is inflated, and enforced again on the bytes actually produced while inflating,
// so an archive whose headers lie about the sizes cannot get past them.
//
// Pure: no file-system access. Callers pass bytes or a Blob (for large files, `fs.openAsBlob(path)`).
import {
  configure,
  ERR_INVALID_AUTHENTICATION_CODE,
  ERR_INVALID_PASSWORD,
  ERR_INVALID_UNCOMPRESSED_SIZE,
  ERR_ENCRYPTED,
  BlobReader,
  Uint8ArrayReader,
  Uint8ArrayWriter,
  ZipReader,
  ZipWriter,
  type FileEntry,
} from '@zip.js/zip.js';

configure({ useWebWorkers: false });

const MiB = 1024 * 1024;

/** Hard bounds applied when reading an archive. */
export interface ZipLimits {
  /** Maximum number of entries (directories count). */
  maxEntries: number;
  /** Maximum uncompressed size of one entry, in bytes. */
  maxEntryBytes: number;
  /** Maximum uncompressed size of all entries together, in bytes. */
  maxTotalBytes: number;
  /** Maximum ratio uncompressed : compressed for one entry. */
  maxRatio: number;
  /** Entries smaller than this (uncompressed) are exempt from the ratio bound (tiny files compress oddly). */
  ratioFloorBytes: number;
}

/** Defaults for a Migration Authorisation archive: one CSV entry (SPEC-DECISIONS "MA archive bounds"). */
export const DEFAULT_ZIP_LIMITS: Readonly<ZipLimits> = Object.freeze({
  maxEntries: 1,
  maxEntryBytes: 512 * MiB,
  maxTotalBytes: 512 * MiB,
  maxRatio: 200,
  ratioFloorBytes: 1 * MiB,
});

export type ZipErrorCode =
  | 'wrong-password'
  | 'password-required'
  | 'not-encrypted'
  | 'weak-encryption'
  | 'too-many-entries'
  | 'no-entries'
  | 'entry-too-large'
  | 'total-too-large'
  | 'ratio-too-high'
  | 'unsafe-name'
  | 'not-a-file'
  | 'corrupt';

/** Any failure to read an archive; names the archive and (where known) the entry. */
export class ZipError extends Error {
  override name = 'ZipError';
  constructor(
    readonly code: ZipErrorCode,
    readonly archive: string,
    readonly entry: string | undefined,
    detail: string,
  ) {
    super(`${archive}${entry !== undefined ? ` [entry ${JSON.stringify(entry)}]` : ''}: ${detail}`);
  }
}

export interface WriteZipOptions {
  /** Modification date stored for the entry (default: now). */
  lastModDate?: Date;
  /** Deflate level 0–9 (default 6). */
  level?: number;
}

/**
 * Write an archive holding one entry, encrypted with WinZip AES-256 (AE-2) under `password`
 * (MAM 7.5.1). Returns the archive bytes.
 */
export async function writeEncryptedZip(
  entryName: string,
  content: Uint8Array,
  password: string,
  opts: WriteZipOptions = {},
): Promise<Uint8Array> {
  const nameProblem = unsafeEntryName(entryName, false);
  if (nameProblem) throw new Error(`cannot write entry ${JSON.stringify(entryName)}: ${nameProblem}`);
  if (password.length === 0) throw new Error('cannot write an encrypted zip with an empty password');
  const writer = new ZipWriter(new Uint8ArrayWriter(), {
    password,
    encryptionStrength: 3, // AES-256
    zipCrypto: false,
    level: opts.level ?? 6,
    useWebWorkers: false,
  });
  await writer.add(entryName, new Uint8ArrayReader(content), {
    lastModDate: opts.lastModDate ?? new Date(),
  });
  return writer.close();
}

/**
 * As writeEncryptedZip, streaming: the entry is read from a Blob (`fs.openAsBlob(path)`) and the
 * archive written to `sink`, so neither is held in memory.
 */
export async function writeEncryptedZipStream(
  entryName: string,
  content: Blob,
  password: string,
  sink: WritableStream<Uint8Array>,
  opts: WriteZipOptions = {},
): Promise<void> {
  const nameProblem = unsafeEntryName(entryName, false);
  if (nameProblem) throw new Error(`cannot write entry ${JSON.stringify(entryName)}: ${nameProblem}`);
  if (password.length === 0) throw new Error('cannot write an encrypted zip with an empty password');
  const writer = new ZipWriter(sink, {
    password,
    encryptionStrength: 3, // AES-256
    zipCrypto: false,
    level: opts.level ?? 6,
    useWebWorkers: false,
  });
  await writer.add(entryName, new BlobReader(content), { lastModDate: opts.lastModDate ?? new Date() });
  await writer.close();
}

export interface ReadZipOptions {
  /** Name used in error messages (usually the file name of the archive). */
  archiveName: string;
  /** Password for encrypted entries. */
  password?: string;
  /** Bounds; unspecified fields take DEFAULT_ZIP_LIMITS. */
  limits?: Partial<ZipLimits>;
  /** Refuse entries that are not encrypted with WinZip AES-256 (MAM 7.5.1). Default false. */
  requireAes256?: boolean;
  /** Allow entry names with directories (`a/b.csv`). Default false: flat names only. */
  allowDirectories?: boolean;
  /** Leave out directory entries (`a/`, as many tools write them) instead of refusing them. Default false. */
  skipDirectories?: boolean;
}

/** Metadata of an entry, as declared by the central directory. */
export interface ZipEntryInfo {
  name: string;
  compressedSize: number;
  uncompressedSize: number;
  encrypted: boolean;
  /** 1/2/3 = AES-128/192/256, 0 = ZipCrypto, undefined = not encrypted. */
  aesStrength?: number;
  lastModDate: Date;
}

export interface ZipEntryContent extends ZipEntryInfo {
  data: Uint8Array;
}

/** Problem with an entry name, or undefined if it is safe to use as a file name. */
export function unsafeEntryName(name: string, allowDirectories: boolean): string | undefined {
  if (name.length === 0) return 'empty name';
  if ([...name].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f))
    return 'control character in name';
  if (name.startsWith('/') || name.startsWith('\\')) return 'absolute path';
  if (/^[A-Za-z]:/.test(name)) return 'drive letter in name';
  const parts = name.split(/[/\\]/);
  if (parts.some((p) => p === '..')) return 'path traversal ("..")';
  if (!allowDirectories && parts.length > 1) return 'directory in name (a flat file name is expected)';
  if (parts.some((p) => p === '.' || p === '')) return 'empty or "." path component';
  return undefined;
}

function limitsOf(partial?: Partial<ZipLimits>): ZipLimits {
  return { ...DEFAULT_ZIP_LIMITS, ...(partial ?? {}) };
}

const isCode = (e: unknown, code: string): boolean => e instanceof Error && e.message === code;

/**
 * Read the central directory and check every bound without inflating anything.
 * Returns the entries' metadata.
 */
export async function listZip(source: Uint8Array | Blob, opts: ReadZipOptions): Promise<ZipEntryInfo[]> {
  const reader = openReader(source);
  try {
    const entries = await getEntries(reader, opts.archiveName);
    return checkDirectory(entries, opts).map(infoOf);
  } finally {
    await reader.close().catch(() => undefined);
  }
}

/**
 * Read and decrypt every entry of an archive within the bounds (checked from the central directory
 * before inflating, enforced while inflating). Throws ZipError.
 */
export async function readZip(source: Uint8Array | Blob, opts: ReadZipOptions): Promise<ZipEntryContent[]> {
  const limits = limitsOf(opts.limits);
  const archive = opts.archiveName;
  const reader = openReader(source);
  try {
    const entries = checkDirectory(await getEntries(reader, archive), opts);
    const out: ZipEntryContent[] = [];
    let total = 0;
    for (const entry of entries) {
      const info = infoOf(entry);
      if (info.encrypted && !opts.password) {
        throw new ZipError(
          'password-required',
          archive,
          info.name,
          'entry is encrypted and no password was given',
        );
      }
      // Enforced while inflating: never more than declared, nor than the bounds, whatever the headers say.
      const ratioCap = Math.max(limits.ratioFloorBytes, Math.floor(info.compressedSize * limits.maxRatio));
      const cap = Math.min(
        info.uncompressedSize,
        limits.maxEntryBytes,
        limits.maxTotalBytes - total,
        ratioCap,
      );
      const chunks: Uint8Array[] = [];
      let produced = 0;
      const sink = new WritableStream<Uint8Array>({
        write(chunk) {
          produced += chunk.length;
          if (produced > cap) {
            throw new ZipError(
              capCode(produced, info, limits, total),
              archive,
              info.name,
              `inflated data exceeds ${describeCap(cap, info, limits, total)} (stopped after ${produced} bytes)`,
            );
          }
          chunks.push(chunk);
        },
      });
      try {
        await (entry as FileEntry).getData(sink, {
          password: info.encrypted ? opts.password : undefined,
          checkSignature: true,
          useWebWorkers: false,
        });
      } catch (e) {
        throw translate(e, archive, info.name);
      }
      if (produced !== info.uncompressedSize) {
        throw new ZipError(
          'corrupt',
          archive,
          info.name,
          `inflated ${produced} bytes but the central directory declares ${info.uncompressedSize}`,
        );
      }
      total += produced;
      out.push({ ...info, data: concat(chunks, produced) });
    }
    return out;
  } finally {
    await reader.close().catch(() => undefined);
  }
}

/** Read an archive that must hold exactly one file entry and return it. */
export async function readSingleEntryZip(
  source: Uint8Array | Blob,
  opts: ReadZipOptions,
): Promise<ZipEntryContent> {
  const entries = await readZip(source, { ...opts, limits: { ...opts.limits, maxEntries: 1 } });
  const only = entries[0];
  if (!only) throw new ZipError('no-entries', opts.archiveName, undefined, 'archive holds no entry');
  return only;
}

/**
 * Stream the one file entry of an archive to `consume` as chunks of inflated bytes, within the same
 * bounds as readZip (checked from the central directory first, enforced on the bytes produced), in
 * memory bounded by the chunk size: nothing is gathered. The data is not authenticated until the end
 * (AE-2 checks its code after the last byte), so `consume` must treat what it reads as provisional
 * until this resolves; a wrong password usually fails before the first chunk, and always by the end.
 * `consume` may stop early by returning without reading everything: the rest is not inflated and the
 * size checks at the end are skipped. Throws ZipError (or what `consume` throws).
 */
export async function streamSingleEntryZip<T>(
  source: Uint8Array | Blob,
  opts: ReadZipOptions,
  consume: (info: ZipEntryInfo, chunks: AsyncIterable<Uint8Array>) => Promise<T>,
): Promise<T> {
  return streamZipEntry(source, { ...opts, limits: { ...opts.limits, maxEntries: 1 } }, undefined, consume);
}

/**
 * As streamSingleEntryZip, for the entry named `entryName` of an archive of several (undefined: the
 * first file entry): the central directory is checked whole (every bound, every name) before anything
 * is inflated, and only that entry is inflated, chunk by chunk. Throws ZipError ('no-entries' when no
 * entry has that name).
 */
export async function streamZipEntry<T>(
  source: Uint8Array | Blob,
  opts: ReadZipOptions,
  entryName: string | undefined,
  consume: (info: ZipEntryInfo, chunks: AsyncIterable<Uint8Array>) => Promise<T>,
): Promise<T> {
  const limits = limitsOf(opts.limits);
  const archive = opts.archiveName;
  const reader = openReader(source);
  try {
    const all = checkDirectory(await getEntries(reader, archive), { ...opts, limits });
    const entry = entryName === undefined ? all[0] : all.find((e) => e.filename === entryName);
    if (!entry)
      throw new ZipError('no-entries', archive, entryName, 'the archive holds no entry of that name');
    const info = infoOf(entry);
    if (info.encrypted && !opts.password)
      throw new ZipError(
        'password-required',
        archive,
        info.name,
        'entry is encrypted and no password was given',
      );
    const ratioCap = Math.max(limits.ratioFloorBytes, Math.floor(info.compressedSize * limits.maxRatio));
    const cap = Math.min(info.uncompressedSize, limits.maxEntryBytes, limits.maxTotalBytes, ratioCap);
    // A one-slot hand-over between zip.js's sink and the consumer: the sink's write() waits until the
    // consumer has taken the chunk, so at most one chunk is in flight.
    let produced = 0;
    let slot: { chunk: Uint8Array; taken: () => void } | null = null;
    let wake: (() => void) | null = null;
    let finished = false;
    let failure: Error | undefined;
    let stopped = false;
    const signal = () => {
      const w = wake;
      wake = null;
      w?.();
    };
    const sink = new WritableStream<Uint8Array>({
      write(chunk) {
        if (stopped) throw new ZipError('corrupt', archive, info.name, 'reading stopped');
        produced += chunk.length;
        if (produced > cap)
          throw new ZipError(
            capCode(produced, info, limits, 0),
            archive,
            info.name,
            `inflated data exceeds ${describeCap(cap, info, limits, 0)} (stopped after ${produced} bytes)`,
          );
        return new Promise<void>((taken) => {
          slot = { chunk, taken };
          signal();
        });
      },
    });
    const inflating = (entry as FileEntry)
      .getData(sink, {
        password: info.encrypted ? opts.password : undefined,
        checkSignature: true,
        useWebWorkers: false,
      })
      .then(
        () => {
          finished = true;
          signal();
        },
        (e: unknown) => {
          failure = translate(e, archive, info.name);
          finished = true;
          signal();
        },
      );
    async function* chunks(): AsyncGenerator<Uint8Array> {
      for (;;) {
        if (slot) {
          const s: { chunk: Uint8Array; taken: () => void } = slot;
          slot = null;
          s.taken();
          yield s.chunk;
          continue;
        }
        if (finished) {
          if (failure !== undefined) throw failure;
          if (produced !== info.uncompressedSize)
            throw new ZipError(
              'corrupt',
              archive,
              info.name,
              `inflated ${produced} bytes but the central directory declares ${info.uncompressedSize}`,
            );
          return;
        }
        await new Promise<void>((r) => (wake = r));
      }
    }
    let out: T;
    try {
      out = await consume(info, chunks());
    } finally {
      if (!finished) {
        // The consumer stopped early: make the sink refuse the rest and let zip.js unwind.
        stopped = true;
        const s = slot as { taken: () => void } | null;
        slot = null;
        s?.taken();
      }
      await inflating;
    }
    if (failure !== undefined && !stopped) throw failure;
    return out;
  } finally {
    await reader.close().catch(() => undefined);
  }
}

type Entry = Awaited<ReturnType<ZipReader<unknown>['getEntries']>>[number];

function openReader(source: Uint8Array | Blob): ZipReader<unknown> {
  return source instanceof Uint8Array
    ? new ZipReader(new Uint8ArrayReader(source), { useWebWorkers: false })
    : new ZipReader(new BlobReader(source), { useWebWorkers: false });
}

async function getEntries(reader: ZipReader<unknown>, archive: string): Promise<Entry[]> {
  try {
    // Names are validated below by unsafeEntryName, with our own messages.
    return await reader.getEntries({ filenameValidation: 'tolerant' });
  } catch (e) {
    throw new ZipError('corrupt', archive, undefined, `not a readable zip archive (${errMessage(e)})`);
  }
}

function infoOf(e: Entry): ZipEntryInfo {
  const aes = e.extraFieldAES?.strength;
  return {
    name: e.filename,
    compressedSize: e.compressedSize,
    uncompressedSize: e.uncompressedSize,
    encrypted: e.encrypted,
    ...(e.encrypted ? { aesStrength: e.zipCrypto ? 0 : aes } : {}),
    lastModDate: e.lastModDate,
  };
}

/** Central-directory checks, before any inflation. */
function checkDirectory(all: Entry[], opts: ReadZipOptions): Entry[] {
  const limits = limitsOf(opts.limits);
  const entries = opts.skipDirectories
    ? all.filter((e) => {
        if (!e.directory) return true;
        const problem = unsafeEntryName(e.filename.replace(/\/$/, ''), opts.allowDirectories ?? false);
        if (problem)
          throw new ZipError('unsafe-name', opts.archiveName, e.filename, `unsafe entry name: ${problem}`);
        return false;
      })
    : all;
  const archive = opts.archiveName;
  if (all.length > limits.maxEntries) {
    throw new ZipError(
      'too-many-entries',
      archive,
      undefined,
      `archive holds ${all.length} entries; at most ${limits.maxEntries} allowed`,
    );
  }
  if (entries.length === 0) throw new ZipError('no-entries', archive, undefined, 'archive holds no entry');
  let total = 0;
  for (const e of entries) {
    const name = e.filename;
    const problem = unsafeEntryName(name, opts.allowDirectories ?? false);
    if (problem) throw new ZipError('unsafe-name', archive, name, `unsafe entry name: ${problem}`);
    if (e.directory || e.symlink) {
      throw new ZipError(
        'not-a-file',
        archive,
        name,
        `entry is a ${e.directory ? 'directory' : 'symbolic link'}`,
      );
    }
    if (opts.requireAes256) {
      if (!e.encrypted)
        throw new ZipError('not-encrypted', archive, name, 'entry is not encrypted (MAM 7.5.1: AES-256)');
      if (e.zipCrypto || e.extraFieldAES?.strength !== 3) {
        throw new ZipError(
          'weak-encryption',
          archive,
          name,
          `entry is encrypted with ${e.zipCrypto ? 'ZipCrypto' : `AES strength ${e.extraFieldAES?.strength}`}, not AES-256 (MAM 7.5.1)`,
        );
      }
    }
    if (e.uncompressedSize > limits.maxEntryBytes) {
      throw new ZipError(
        'entry-too-large',
        archive,
        name,
        `declared uncompressed size ${e.uncompressedSize} bytes exceeds the limit of ${limits.maxEntryBytes}`,
      );
    }
    total += e.uncompressedSize;
    if (total > limits.maxTotalBytes) {
      throw new ZipError(
        'total-too-large',
        archive,
        name,
        `declared total uncompressed size ${total} bytes exceeds the limit of ${limits.maxTotalBytes}`,
      );
    }
    if (e.uncompressedSize > limits.ratioFloorBytes) {
      const ratio = e.uncompressedSize / Math.max(1, e.compressedSize);
      if (ratio > limits.maxRatio) {
        throw new ZipError(
          'ratio-too-high',
          archive,
          name,
          `declared compression ratio ${ratio.toFixed(0)}:1 exceeds the limit of ${limits.maxRatio}:1`,
        );
      }
    }
  }
  return entries;
}

function capCode(produced: number, info: ZipEntryInfo, limits: ZipLimits, totalBefore: number): ZipErrorCode {
  if (produced > limits.maxEntryBytes) return 'entry-too-large';
  if (produced + totalBefore > limits.maxTotalBytes) return 'total-too-large';
  if (produced > info.uncompressedSize) return 'corrupt';
  return 'ratio-too-high';
}

function describeCap(cap: number, info: ZipEntryInfo, limits: ZipLimits, totalBefore: number): string {
  if (cap === info.uncompressedSize) return `the declared uncompressed size (${cap} bytes): the header lies`;
  if (cap === limits.maxEntryBytes) return `the entry size limit (${cap} bytes)`;
  if (cap === limits.maxTotalBytes - totalBefore)
    return `the total size limit (${limits.maxTotalBytes} bytes)`;
  return `the compression ratio limit (${limits.maxRatio}:1 of ${info.compressedSize} compressed bytes)`;
}

function translate(e: unknown, archive: string, entry: string): ZipError {
  if (e instanceof ZipError) return e;
  if (isCode(e, ERR_INVALID_PASSWORD) || isCode(e, ERR_INVALID_AUTHENTICATION_CODE)) {
    // 1 in 65,536 wrong passwords pass the 2-byte verifier and fail the authentication code instead.
    return new ZipError(
      'wrong-password',
      archive,
      entry,
      'wrong password (or the encrypted data was altered)',
    );
  }
  if (isCode(e, ERR_ENCRYPTED))
    return new ZipError('password-required', archive, entry, 'entry is encrypted');
  if (isCode(e, ERR_INVALID_UNCOMPRESSED_SIZE)) {
    return new ZipError('corrupt', archive, entry, 'inflated size differs from the declared size');
  }
  return new ZipError('corrupt', archive, entry, `cannot read entry (${errMessage(e)})`);
}

function errMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function concat(chunks: Uint8Array[], size: number): Uint8Array {
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/**
 * Write an archive of several unencrypted, deflated entries (a container format such as an Office
 * Open XML workbook; not for MAM 7.5.1 exchange, which is writeEncryptedZip). Names may hold
 * directories (`xl/workbook.xml`) but never `..` or an absolute path. Returns the archive bytes.
 */
export async function writeZip(
  entries: ReadonlyArray<{ name: string; data: Uint8Array }>,
  opts: WriteZipOptions = {},
): Promise<Uint8Array> {
  const writer = new ZipWriter(new Uint8ArrayWriter(), {
    level: opts.level ?? 6,
    useWebWorkers: false,
  });
  for (const e of entries) {
    const nameProblem = unsafeEntryName(e.name, true);
    if (nameProblem) throw new Error(`cannot write entry ${JSON.stringify(e.name)}: ${nameProblem}`);
    await writer.add(e.name, new Uint8ArrayReader(e.data), { lastModDate: opts.lastModDate ?? new Date() });
  }
  return writer.close();
}

/**
 * As writeZip, streaming into `sink`: an entry's data may be a ReadableStream (e.g. generated XML), so
 * neither the entries nor the archive are held in memory. Entries are written one after another.
 */
export async function writeZipStream(
  entries: Iterable<{ name: string; data: Uint8Array | ReadableStream<Uint8Array> }>,
  sink: WritableStream<Uint8Array>,
  opts: WriteZipOptions = {},
): Promise<void> {
  const writer = new ZipWriter(sink, { level: opts.level ?? 6, useWebWorkers: false });
  for (const e of entries) {
    const nameProblem = unsafeEntryName(e.name, true);
    if (nameProblem) throw new Error(`cannot write entry ${JSON.stringify(e.name)}: ${nameProblem}`);
    await writer.add(e.name, e.data instanceof Uint8Array ? new Uint8ArrayReader(e.data) : e.data, {
      lastModDate: opts.lastModDate ?? new Date(),
    });
  }
  await writer.close();
}
