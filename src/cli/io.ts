// Shared CLI plumbing: exit codes, usage errors, JSON/text output.
export const EXIT = { OK: 0, INVALID: 1, USAGE: 2 } as const;

/** A problem with how the command was called or with reading/writing its files (exit 2). */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** Print a value as pretty JSON on stdout. */
export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}

/** Print lines of text on stdout. */
export function printLines(...lines: string[]): void {
  process.stdout.write(lines.join('\n') + '\n');
}

/** Set the process exit code without exiting (so streams flush). */
export function setExit(code: number): void {
  process.exitCode = code;
}

import type { Command } from 'commander';

/**
 * Find or create a command group (e.g. `ma`), so several modules can add sub-commands to one group
 * without importing each other.
 */
export function commandGroup(program: Command, name: string, description: string): Command {
  const existing = program.commands.find((c) => c.name() === name);
  if (existing) return existing;
  return program.command(name).description(description);
}
