// s1mig ma received: the Migration Authorisations the DCC has received (MAM 4), from the store.
import type { Command } from 'commander';
import { UsageError, commandGroup, printJson, printLines } from '../io.js';
import { openStore } from '../../store/index.js';
import { parseEui64 } from '../../core/ids/index.js';

export function register(program: Command): void {
  commandGroup(program, 'ma')
    .command('received')
    .description(
      'List the Migration Authorisations the DCC has received (ma open): file, User ID, SMSO, rows, outcome, ' +
        'received time; with an id, the rows and every error and warning of that receipt',
    )
    .argument('[id]', 'one receipt to show in full')
    .option('--user-id <eui64>', "only this supplier's receipts")
    .option('--json', 'print JSON')
    .action(async (id: string | undefined, o: { userId?: string; json?: boolean }) => {
      let userId: string | undefined;
      if (o.userId !== undefined) {
        const r = parseEui64(o.userId);
        if (!r.ok) throw new UsageError(`--user-id: ${r.error}`);
        userId = r.value;
      }
      const store = await openStore();
      try {
        if (id !== undefined) {
          if (!/^\d+$/.test(id)) throw new UsageError(`'${id}' is not a receipt id: expected a number`);
          const detail = await store.receivedMas.get(Number(id));
          if (!detail) throw new UsageError(`no received MA with id ${id}`);
          const rows = await store.receivedMas.rows(Number(id));
          if (o.json) printJson({ ...detail, rows });
          else
            printLines(
              `${detail.id} ${detail.fileName}: ${detail.outcome.toUpperCase()}, User ID ${detail.userId}, SMSO ${detail.smsoCode ?? '-'}, ${detail.rowCount} rows, received ${detail.receivedAt.toISOString()}`,
              ...(detail.errors as Array<{ line: number | null; message: string; rule: string }>).map(
                (e) => `  error   line ${e.line ?? '-'}: ${e.message} (${e.rule})`,
              ),
              ...(detail.warnings as Array<{ line: number | null; message: string; rule: string }>).map(
                (w) => `  warning line ${w.line ?? '-'}: ${w.message} (${w.rule})`,
              ),
              ...rows.map(
                (r) =>
                  `  line ${r.line}: MPAN ${r.mpan ?? '-'} MPRN ${r.mprn ?? '-'} week ${r.migrationWeek ?? '-'}${r.priority ? ' priority' : ''}`,
              ),
            );
          return;
        }
        const list = await store.receivedMas.list(userId !== undefined ? { userId } : {});
        if (o.json) printJson(list);
        else if (list.length === 0) printLines(`no Migration Authorisations received (${store.location})`);
        else
          printLines(
            ...list.map(
              (m) =>
                `${m.id} ${m.receivedAt.toISOString()} ${m.outcome.padEnd(8)} ${m.userId} ${m.smsoCode ?? '-'} ${String(m.rowCount).padStart(6)} rows  ${m.fileName}`,
            ),
          );
      } finally {
        await store.close();
      }
    });
}
