// The command groups and the modules that add commands to each. Modules are loaded only for the group
// being run (a CLI start then pays for its own dependencies only); `s1mig --help` loads them all.
// Add a module to its group's list; a new group gets a new entry.
import type { Command } from 'commander';
import type { CommandGroupName } from '../io.js';

type CommandModule = { register(program: Command): void };

const GROUPS: Readonly<Record<CommandGroupName, ReadonlyArray<() => Promise<CommandModule>>>> = {
  calendar: [() => import('./calendar.js')],
  cp: [() => import('./cp.js')],
  chain: [() => import('./chain.js')],
  db: [() => import('./db.js')],
  dcc: [() => import('./dcc.js')],
  dco: [() => import('./dco.js')],
  demo: [() => import('./demo.js')],
  estate: [() => import('./estate.js')],
  file: [() => import('./file.js'), () => import('./validate.js'), () => import('./authenticate.js')],
  incidents: [() => import('./incidents.js')],
  ma: [() => import('./ma.js'), () => import('./ma-exchange.js'), () => import('./ma-received.js')],
  mcc: [() => import('./mcc-planning.js'), () => import('./mcc-dormant.js')],
  pki: [() => import('./pki.js')],
  s1sp: [() => import('./s1sp.js')],
  smso: [() => import('./smso.js')],
  ref: [() => import('./ref.js')],
  rp: [() => import('./rp.js'), () => import('./rp-group.js')],
  supplier: [
    () => import('./supplier-planning.js'),
    () => import('./supplier-dormant.js'),
    () => import('./supplier-commission.js'),
  ],
  xml: [() => import('./xml.js')],
};

/** Register the command group named by argv (or every group, for help and unknown commands). */
export async function registerCommands(program: Command, argv: readonly string[] = []): Promise<void> {
  const first = argv.slice(2).find((a) => !a.startsWith('-'));
  const names = (
    first !== undefined && first in GROUPS
      ? [first]
      : first === 'commissioning-party'
        ? ['cp']
        : Object.keys(GROUPS)
  ) as CommandGroupName[];
  for (const name of names) for (const load of GROUPS[name]) (await load()).register(program);
}
