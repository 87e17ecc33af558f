// Runs the real CLI (bin/s1mig.js) in a child process, as a user would.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { existsSync } from 'node:fs';

/** The repository root: the nearest directory above this file with a package.json (works from test/ and dist/test/). */
function findRepoRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json'))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error('package.json not found above test/support');
    dir = up;
  }
  return dir;
}

export const REPO_ROOT = findRepoRoot();
export const BIN = path.join(REPO_ROOT, 'bin', 's1mig.js');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function runCli(
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: opts.cwd ?? REPO_ROOT,
      env: { ...process.env, ...opts.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(opts.input ?? '');
  });
}

/** The objects of a command's JSON Lines output (`--json` over several files: one per line). */
export function jsonLines<T>(stdout: string): T[] {
  return stdout
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as T);
}

/**
 * Run the CLI with `args` and SIGKILL it `delay` ms after `when()` first holds (checked every 5 ms).
 * Resolves when the process has ended: true if it was killed, false if it ended on its own first.
 */
export async function killCliWhen(
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; when: () => boolean; delay?: number },
): Promise<boolean> {
  const child = spawn(process.execPath, [BIN, ...args], {
    stdio: 'ignore',
    env: { ...process.env, ...opts.env },
  });
  let killed = false;
  await new Promise<void>((resolve) => {
    const t = setInterval(() => {
      if (opts.when()) {
        clearInterval(t);
        setTimeout(() => {
          killed = child.kill('SIGKILL');
        }, opts.delay ?? 0);
      }
    }, 5);
    child.on('exit', () => {
      clearInterval(t);
      resolve();
    });
  });
  return killed;
}
