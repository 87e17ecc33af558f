// Progress display for long-running commands (file generate, file authenticate, xml sign/verify).
// Progress never goes to stdout (which carries the command's result, and its --json output):
// - stderr is a TTY: one live bar, redrawn in place at most 10 times a second;
// - stderr is not a TTY: plain lines, one per 10 % (or every 5 s when the total is unknown or slow),
//   and none with --json (a pipeline's log should hold only the result);
// - --quiet (or S1MIG_PROGRESS=off): nothing.
// Nothing is shown for work that ends within `delayMs` (default 1 s), so short runs stay silent.
// S1MIG_PROGRESS=tty|plain|off forces a mode; S1MIG_PROGRESS_DELAY_MS sets the delay (tests use 0).
import { configuration } from '../config.js';
import { escapeForTerminal } from './io.js';

export interface ProgressOptions {
  /** What is being done, e.g. "writing MCF" or "authenticating file.xml". */
  label: string;
  /** Expected final value; undefined when unknown (then no percentage is shown). */
  total?: number;
  /** 'bytes' (shown as kB/MB/GB) or a noun for counted things, e.g. 'installations'. */
  unit?: string;
  /** The command prints JSON on stdout: progress only on a TTY stderr, else none. */
  json?: boolean;
  /** Print nothing. */
  quiet?: boolean;
  /** Defaults to process.stderr. */
  stream?: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  /** Show nothing before this much time has passed (ms). */
  delayMs?: number;
}

export interface Progress {
  /** Add n (default 1) to the current value. */
  tick(n?: number): void;
  /** Set the current value. */
  update(value: number): void;
  /** The work is finished: clear the bar (TTY) or print a last line if any was printed. */
  done(): void;
}

export type ProgressMode = 'tty' | 'plain' | 'off';

const NOOP: Progress = { tick: () => undefined, update: () => undefined, done: () => undefined };

/** The display mode for these options and the environment. */
export function progressMode(o: Pick<ProgressOptions, 'json' | 'quiet' | 'stream'>): ProgressMode {
  if (o.quiet) return 'off';
  const forced = configuration().progress;
  const tty = forced === 'tty' || (forced !== 'plain' && !!(o.stream ?? process.stderr).isTTY);
  if (forced === 'off') return 'off';
  if (tty) return 'tty';
  return o.json ? 'off' : 'plain';
}

export function formatAmount(v: number, unit: string | undefined): string {
  if (unit !== 'bytes') return `${Math.round(v)}${unit ? ` ${unit}` : ''}`;
  if (v < 1e3) return `${v} B`;
  if (v < 1e6) return `${(v / 1e3).toFixed(1)} kB`;
  if (v < 1e9) return `${(v / 1e6).toFixed(1)} MB`;
  return `${(v / 1e9).toFixed(2)} GB`;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** Create a progress display; see the module comment for where and when it prints. */
export function createProgress(o: ProgressOptions): Progress {
  // The label may hold a file name: escaped like all human output (src/cli/io.ts).
  const label = escapeForTerminal(o.label);
  const mode = progressMode(o);
  if (mode === 'off') return NOOP;
  const out = o.stream ?? process.stderr;
  const delayMs = o.delayMs ?? configuration().progressDelayMs ?? 1000;
  const total = o.total !== undefined && o.total > 0 ? o.total : undefined;
  const start = Date.now();
  let value = 0;
  let lastDraw = 0;
  let lastTenth = -1;
  let shown = false;
  let finished = false;

  const amount = (): string =>
    total === undefined
      ? formatAmount(value, o.unit)
      : o.unit === 'bytes'
        ? `${formatAmount(value, o.unit)} of ${formatAmount(total, o.unit)}`
        : `${formatAmount(value, undefined)} of ${formatAmount(total, o.unit)}`;
  const percent = (): number | undefined =>
    total !== undefined ? Math.min(100, Math.floor((value / total) * 100)) : undefined;

  const drawTty = (): void => {
    const p = percent();
    const width = 24;
    const bar =
      p !== undefined
        ? `[${'#'.repeat(Math.round((p / 100) * width)).padEnd(width, '-')}] ${String(p).padStart(3)}% `
        : '';
    let line = `${label} ${bar}${amount()} ${seconds(Date.now() - start)}`;
    const cols = out.columns ?? 80;
    if (line.length > cols - 1) line = line.slice(0, cols - 1);
    out.write(`\r\x1b[2K${line}`);
    shown = true;
  };

  const plainLine = (): void => {
    const p = percent();
    out.write(
      `s1mig: ${label}: ${p !== undefined ? `${p}%, ` : ''}${amount()}, ${seconds(Date.now() - start)}\n`,
    );
    shown = true;
  };

  const maybeDraw = (): void => {
    if (finished) return;
    const now = Date.now();
    if (now - start < delayMs) return;
    if (mode === 'tty') {
      if (now - lastDraw >= 100 || !shown) {
        lastDraw = now;
        drawTty();
      }
      return;
    }
    const p = percent();
    const tenth = p !== undefined ? Math.floor(p / 10) : -1;
    if (tenth > lastTenth || now - lastDraw >= 5000) {
      lastTenth = Math.max(lastTenth, tenth);
      lastDraw = now;
      plainLine();
    }
  };

  return {
    tick(n = 1) {
      value += n;
      maybeDraw();
    },
    update(v) {
      value = v;
      maybeDraw();
    },
    done() {
      if (finished) return;
      finished = true;
      if (!shown) return;
      if (mode === 'tty') out.write('\r\x1b[2K');
      else out.write(`s1mig: ${label}: done, ${amount()} in ${seconds(Date.now() - start)}\n`);
    },
  };
}

/**
 * Pass the chunks of `source` through unchanged, reporting the bytes read so far to `progress`
 * (for a parser that takes an async iterable, e.g. the authenticator or the XMLDSig verifier).
 */
export async function* countBytes(
  source: AsyncIterable<Uint8Array | string>,
  progress: Progress,
): AsyncGenerator<Uint8Array | string> {
  for await (const chunk of source) {
    progress.tick(typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.byteLength);
    yield chunk;
  }
}
