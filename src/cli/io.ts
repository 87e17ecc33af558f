// Shared CLI plumbing: exit codes, usage errors, JSON/text output.
export const EXIT = { OK: 0, INVALID: 1, USAGE: 2 } as const;

/** A problem with how the command was called or with reading/writing its files (exit 2). */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** Print a value as pretty JSON on stdout. */
/** A TMAD 5.6 / Table 5.7 counter given as `flag`: a decimal from 0 to 2^64-1. */
export function parseCounter(v: string, flag: string): bigint {
  if (!/^\d{1,20}$/.test(v) || BigInt(v) > MAX_UNSIGNED_LONG)
    throw new UsageError(`${flag} '${v}': expected a counter from 0 to 2^64-1 (TMAD 5.6, Table 5.7)`);
  return BigInt(v);
}

/** A JSON-safe copy of `v`: every bigint (counters) as its decimal string. */
export function jsonSafe(v: unknown): unknown {
  return JSON.parse(JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x)));
}

export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}

/** One JSON value on one line, resolved once written (so it is out before the next file is read). */
export function writeJsonLine(value: unknown): Promise<void> {
  return new Promise((resolve, reject) =>
    process.stdout.write(JSON.stringify(value) + '\n', (e) => (e ? reject(e) : resolve())),
  );
}

/**
 * --json over the files of one command: for one file its object; for several, JSON Lines, one object
 * per file written as soon as it is decided (the same rule in every command that takes several files).
 */
export function jsonPerFile(files: number): (value: unknown) => Promise<void> {
  return files > 1 ? writeJsonLine : (value) => Promise.resolve(printJson(value));
}

/**
 * The one escaping of human-readable output (never of --json, which escapes itself): what a terminal
 * would interpret or reorder is shown, not obeyed. C0 controls (TAB, LF and CR too: they would break a
 * one-line message) as \t, \n, \r or \xNN; DEL and the C1 range (including U+009B, the one-byte
 * CSI) as \xNN; the bidirectional embeddings, overrides and isolates U+202A-U+202E and U+2066-U+2069
 * as \u{NNNN}. ESC `[31m` prints as `\x1B[31m`.
 */
export function escapeForTerminal(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, (c) => {
    if (c === '\t') return '\\t';
    if (c === '\n') return '\\n';
    if (c === '\r') return '\\r';
    const code = c.charCodeAt(0);
    const hex = code.toString(16).toUpperCase();
    return code > 0xff ? `\\u{${hex}}` : `\\x${hex.padStart(2, '0')}`;
  });
}

/** Print lines of text on stdout, each escaped for the terminal (escapeForTerminal). */
export function printLines(...lines: string[]): void {
  process.stdout.write(lines.map(escapeForTerminal).join('\n') + '\n');
}

/** Print lines of text on stderr, each escaped for the terminal (escapeForTerminal). */
export function printErrLines(...lines: string[]): void {
  process.stderr.write(lines.map(escapeForTerminal).join('\n') + '\n');
}

/** Multi-line text (commander's help and errors): each line escaped, the line breaks kept. */
export function escapeTextBlock(s: string): string {
  return s
    .split('\n')
    .map((l) => escapeForTerminal(l))
    .join('\n');
}

/** Set the process exit code without exiting (so streams flush). */
export function setExit(code: number): void {
  process.exitCode = code;
}

import { MAX_UNSIGNED_LONG } from '../core/schema/lexical.js';
import type { Command } from 'commander';

/** The command groups of `s1mig` and what each is for (shown by `s1mig --help`). */
export const COMMAND_GROUPS = {
  chain:
    'The migration chain on an estate: MA to MCF, MVF and MGF/MEF, each step by its party (issue #11; docs/CHAIN.md)',
  calendar:
    'England and Wales Working Days and the weekly migration cycle deadlines (TMAD 2, 4.8, 4.29, 4.30, 4.37; MAM 4)',
  cp: 'The Commissioning Party (alias commissioning-party): receive MCFs and SCFs, Commissioning Requests to the DCC, COFs (TMAD 6, 8)',
  dcc: 'The DCC on the SMETS1 Migration Interface: the Common Validation Checks (TMAD 5.10, Table 5.10) and the MVF',
  dco: 'The DCO: receipt of the MCF, MVF and MEF, Master Keys sealed at rest, the DCO Required File Set timers and the DCO Viable Installations (TMAD 5.13-5.21)',
  db: 'The s1mig database: SQLite by default, PostgreSQL via S1MIG_DATABASE_URL',
  demo: 'Walk-throughs on sample data',
  estate:
    'A reproducible simulated estate: PKI, reference data, SMSO inventories, MAs, planted problems (issue #11)',
  file: 'Signed migration files (TMAD 5, 10, 11): generate, validate, inspect, authenticate',
  incidents: 'Incidents recorded when files are discarded or steps fail (TMAD 3.5)',
  ma: 'Migration Authorisations (MAM): build, validate, seal, open, received',
  rp: "The Requesting Party: Migration Common Files from the week's MAs, the SMSO inventory and reference data, and the MGF and MEF each GroupID requires (TMAD 4.16-4.48, 5.6, 5.8, 5.12, 10.2, 12-16)",
  ref: 'Reference data registries: CPL, EPC, Group Device Model Combination List, SMI, Registration Data, organisations, certificates, Network Operator Certificate IDs, group keys (TMAD 2, 3.6, 4.47, 5.1(a))',
  mcc: "The DCC's Migration Control Centre planning cycle: forecasts, demands, commitments, actuals (TMAD 4.5–4.15)",
  supplier: "The Responsible Supplier's planning files: Daily Migration Demand (TMAD 4.8(a))",
  pki: 'Test SMKI PKI and Organisation Certificate checks (TMAD 2, 3.16, 5.5, 5.9.3/5.9.4)',
  s1sp: 'The S1SP: receipt of MCF, MVF, MGF and MEF (Table 5.9, 5.23), the S1SP Required File Set and its 24-hour timer, Table 5.25, S1SP commissioning against a generated estate with the DCO (5.27), S1SP Commissioning Files (TMAD 5.22-5.28, 12-16)',
  smso: 'The SMETS1 SMSO: inventory, key material at rest, TMAD 11 hand-over to the Requesting Party (TMAD 4.21, 11)',
  xml: 'XML files: XMLDSig signatures (TMAD 10.1, 5.9.2) and canonicalisation',
} as const;
export type CommandGroupName = keyof typeof COMMAND_GROUPS;

/**
 * Find or create a command group (e.g. `ma`), so several modules can add sub-commands to one group
 * without importing each other.
 */
export function commandGroup(program: Command, name: CommandGroupName): Command {
  const existing = program.commands.find((c) => c.name() === name);
  if (existing) return existing;
  return program.command(name).description(COMMAND_GROUPS[name]);
}

const INSTANT = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?$/;

/**
 * An instant given on the command line: an ISO 8601 date (midnight UTC) or date-time. A date-time
 * without an offset is UTC (as the times in s1mig's files are), never the machine's local time zone.
 */
export function parseInstant(v: string, flag: string): Date {
  const utc = /T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(v) ? `${v}Z` : v;
  const d = new Date(utc);
  if (!INSTANT.test(v) || Number.isNaN(d.getTime()))
    throw new UsageError(
      `${flag} '${v}': expected an ISO 8601 date or date-time, e.g. 2026-11-23, 2026-11-23T09:30:00Z or 2026-11-23T10:30:00+01:00 (no offset = UTC)`,
    );
  return d;
}

/**
 * Why a file given on the command line cannot be used, in words: "no such file", "is a directory
 * (expected a file)", "permission denied", … (never only the raw errno code).
 */
export function describePathProblem(file: string, e: unknown, what = 'file'): string {
  const err = e as NodeJS.ErrnoException;
  switch (err?.code) {
    case 'ENOENT':
      return `${file}: no such ${what} (ENOENT)`;
    case 'EISDIR':
      return `${file}: is a directory, expected a ${what} (EISDIR)`;
    case 'EACCES':
    case 'EPERM':
      return `${file}: permission denied (${err.code})`;
    case 'ENOTDIR':
      return `${file}: a part of the path is not a directory (ENOTDIR)`;
    default:
      if (err?.message === 'not a regular file')
        return `${file}: is a directory or special file, expected a ${what}`;
      return `${file}: cannot read (${err?.code ?? err?.message ?? String(e)})`;
  }
}

/** Throw a UsageError unless `file` is a readable regular file. */
export async function requireFile(file: string, what = 'file'): Promise<number> {
  const { stat } = await import('node:fs/promises');
  let st;
  try {
    st = await stat(file);
  } catch (e) {
    throw new UsageError(describePathProblem(file, e, what));
  }
  if (st.isDirectory()) throw new UsageError(`${file}: is a directory, expected a ${what}`);
  if (!st.isFile()) throw new UsageError(`${file}: not a regular file, expected a ${what}`);
  return st.size;
}

/** `--max-node-size <chars>` (TMAD 5.9.1: the bound on one XML node), shared by the file commands. */
export const MAX_NODE_SIZE_HELP =
  'the longest XML node accepted (text of one element, tag, comment, PI, CDATA), in characters; longer is a TMAD 5.9.1 rejection (default 16777216 = 16 MiB)';

export function parseMaxNodeSize(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!/^[0-9]+$/.test(v) || !Number.isSafeInteger(n) || n < 1)
    throw new UsageError(`--max-node-size '${v}': expected a whole number of characters, at least 1`);
  return n;
}
