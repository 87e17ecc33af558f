// The list of command groups. Add one line per group.
import type { Command } from 'commander';
import { register as registerDb } from './db.js';
import { register as registerMa } from './ma.js';
import { register as registerCalendar } from './calendar.js';
import { register as registerPki } from './pki.js';
import { register as registerMaExchange } from './ma-exchange.js';
import { register as registerXml } from './xml.js';
import { register as registerFile } from './file.js';
import { register as registerAuthenticate } from './authenticate.js';

export function registerCommands(program: Command): void {
  void program;
  registerDb(program);
  registerMa(program);
  registerCalendar(program);
  registerPki(program);
  registerMaExchange(program);
  registerXml(program);
  registerFile(program);
  registerAuthenticate(program);
}
