// The list of command groups. Add one line per group.
import type { Command } from 'commander';

export function registerCommands(program: Command): void {
  void program;
}
