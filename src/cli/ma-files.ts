// Input files of the `ma` commands: clear messages for a missing file, a directory, the wrong kind of file
// (a zip where a CSV is expected and the other way round, a binary file), and terminal-safe output.
import { closeSync, openSync, promises as fs, readSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import path from 'node:path';
import { UsageError, escapeForTerminal } from './io.js';

/** The CLI's one terminal escaping (src/cli/io.ts), under the name the ma commands use. */
export const escapeControls = escapeForTerminal;

/** POSIX shell quoting: safe words stay as they are, anything else is single-quoted. */
export function shellQuote(s: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(s)) return s;
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** A path for a message: control characters escaped. */
export const shown = (file: string): string => escapeControls(file);

/**
 * Stat a file given on the command line: UsageError (exit 2) when it is missing, a directory or unreadable,
 * saying what was expected.
 */
export async function checkInputFile(
  file: string,
  what: string,
  expected = `a file (${what})`,
): Promise<number> {
  let st;
  try {
    st = await fs.stat(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      const dir = path.dirname(file);
      const dirExists = await fs
        .stat(dir)
        .then((d) => d.isDirectory())
        .catch(() => false);
      throw new UsageError(
        `${what} '${shown(file)}' not found` +
          (dirExists ? '' : ` (the directory '${shown(dir)}' does not exist either)`) +
          (/[*?[]/.test(file) ? ': the shell pattern matched no file' : ''),
      );
    }
    if (code === 'EACCES') throw new UsageError(`${what} '${shown(file)}': permission denied`);
    throw new UsageError(`cannot read ${what} '${shown(file)}' (${code ?? (e as Error).message})`);
  }
  if (st.isDirectory()) throw new UsageError(`${what} '${shown(file)}' is a directory: expected ${expected}`);
  if (!st.isFile()) throw new UsageError(`${what} '${shown(file)}' is not a regular file`);
  return st.size;
}

/** Read a whole input file after checkInputFile. */
export async function readInputFile(file: string, what: string, expected?: string): Promise<Buffer> {
  await checkInputFile(file, what, expected);
  try {
    return await fs.readFile(file);
  } catch (e) {
    throw new UsageError(
      `cannot read ${what} '${shown(file)}' (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
    );
  }
}

/** Longest line fileLines hands on; the rest of a longer line is skipped (a list line is under 40 bytes). */
export const MAX_LIST_LINE_CHARS = 64 * 1024;

/**
 * The lines of a UTF-8 text file (without their LF), read afresh from the file on each iteration in
 * blocks of 64 KiB: memory is bounded by the block and one line, whatever the file's size (issue #10).
 * A line longer than MAX_LIST_LINE_CHARS is cut there, so the caller reports it as malformed.
 * UsageError (exit 2) when the file cannot be read.
 */
export function fileLines(file: string, what: string): Iterable<string> {
  return {
    *[Symbol.iterator]() {
      let fd: number;
      try {
        fd = openSync(file, 'r');
      } catch (e) {
        throw new UsageError(
          `cannot read ${what} '${shown(file)}' (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
        );
      }
      try {
        const block = Buffer.alloc(64 * 1024);
        const decoder = new StringDecoder('utf8');
        let line = '';
        let cut = false;
        const add = (text: string) => {
          if (cut) return;
          line += text;
          if (line.length > MAX_LIST_LINE_CHARS) {
            line = line.slice(0, MAX_LIST_LINE_CHARS);
            cut = true;
          }
        };
        for (;;) {
          let n: number;
          try {
            n = readSync(fd, block, 0, block.length, null);
          } catch (e) {
            throw new UsageError(
              `cannot read ${what} '${shown(file)}' (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
            );
          }
          const text = n === 0 ? decoder.end() : decoder.write(block.subarray(0, n));
          let at = 0;
          for (let lf = text.indexOf('\n'); lf >= 0; lf = text.indexOf('\n', at)) {
            add(text.slice(at, lf));
            yield line;
            line = '';
            cut = false;
            at = lf + 1;
          }
          add(text.slice(at));
          if (n === 0) break;
        }
        yield line;
      } finally {
        closeSync(fd);
      }
    },
  };
}

/** The first bytes of a file (for recognising its kind without reading it all). */
export async function readHead(file: string, n = 1024): Promise<Buffer> {
  const h = await fs.open(file, 'r');
  try {
    const buf = Buffer.alloc(n);
    const { bytesRead } = await h.read(buf, 0, n, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await h.close();
  }
}

export type FileKind = { kind: 'zip' } | { kind: 'binary'; detail: string } | { kind: 'text' };

const ZIP_MAGIC = [0x50, 0x4b, 0x03, 0x04]; // "PK\x03\x04", APPNOTE 4.3.7 local file header
const EMPTY_ZIP_MAGIC = [0x50, 0x4b, 0x05, 0x06];

/**
 * What a file is, from its first KiB: a zip (local file header or empty-archive magic), binary (a NUL
 * byte, or bytes that are not UTF-8 together with control characters), or text. A text file with a few
 * non-ASCII characters stays text, so the MA validator can name the lines (MAM 7.1).
 */
export function fileKind(head: Uint8Array): FileKind {
  const starts = (m: number[]) => m.every((b, i) => head[i] === b);
  if (starts(ZIP_MAGIC) || starts(EMPTY_ZIP_MAGIC)) return { kind: 'zip' };
  const nul = head.indexOf(0);
  if (nul >= 0) return { kind: 'binary', detail: `a NUL byte at offset ${nul}` };
  let controls = 0;
  for (const b of head) if ((b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d) || b === 0x7f) controls++;
  let utf8 = true;
  try {
    // A multi-byte character cut at the end of the KiB is not an error.
    new TextDecoder('utf-8', { fatal: true }).decode(head.subarray(0, trimPartialUtf8(head)));
  } catch {
    utf8 = false;
  }
  if (!utf8 && controls > 0)
    return { kind: 'binary', detail: `bytes that are not UTF-8 text and ${controls} control characters` };
  return { kind: 'text' };
}

function trimPartialUtf8(b: Uint8Array): number {
  let end = b.length;
  for (let i = 1; i <= 3 && end - i >= 0; i++) {
    const c = b[end - i]!;
    if ((c & 0xc0) === 0x80) continue; // continuation byte
    const need = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
    if (need > i) end -= i;
    break;
  }
  return end;
}

/** The names `ma seal` writes for an MA CSV (MAM 7.5), used for hints. */
export function isPasswordFileName(name: string): boolean {
  return /^MAPASSWORD_/i.test(name);
}
