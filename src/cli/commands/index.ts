// The list of command groups. Add one line per group.
import type { Command } from 'commander';
import { register as registerCalendar } from './calendar.js';

export function registerCommands(program: Command): void {
  void program;
  registerCalendar(program);
}
