// s1mig db migrate|status: the storage layer's schema (src/store). Engine: SQLite at
// ./data/s1mig.sqlite by default, PostgreSQL when S1MIG_DATABASE_URL (or --url) is postgres://…
import fs from 'node:fs';
import type { Command } from 'commander';
import { commandGroup, printJson, printLines, UsageError } from '../io.js';
import {
  describeLocation,
  knownMigrations,
  openStore,
  resolveStoreLocation,
  StoreError,
  type MigrationState,
  type OpenStoreOptions,
  type Store,
} from '../../store/index.js';

interface DbOptions {
  json?: boolean;
  url?: string;
  dataDir?: string;
  pgSchema?: string;
}

function storeOptions(o: DbOptions): OpenStoreOptions {
  return {
    ...(o.url !== undefined ? { url: o.url } : {}),
    ...(o.dataDir !== undefined ? { dataDir: o.dataDir } : {}),
    ...(o.pgSchema !== undefined ? { pgSchema: o.pgSchema } : {}),
  };
}

async function open(o: DbOptions, migrate: boolean): Promise<Store> {
  try {
    return await openStore({ ...storeOptions(o), migrate });
  } catch (err) {
    if (err instanceof StoreError) throw new UsageError(err.message);
    throw err;
  }
}

function location(o: DbOptions) {
  try {
    return resolveStoreLocation(storeOptions(o));
  } catch (err) {
    if (err instanceof StoreError) throw new UsageError(err.message);
    throw err;
  }
}

const json = (m: MigrationState) => ({ name: m.name, executedAt: m.executedAt?.toISOString() ?? null });

function withStoreOptions(cmd: Command): Command {
  return cmd
    .option('--url <url>', 'database URL (default: $S1MIG_DATABASE_URL; postgres://… or sqlite:<path>)')
    .option('--data-dir <dir>', 'SQLite directory when no URL is set (default ./data)')
    .option('--pg-schema <name>', 'PostgreSQL schema (default: $S1MIG_PG_SCHEMA or the search_path)')
    .option('--json', 'print the result as JSON');
}

export function register(program: Command): void {
  const db = commandGroup(program, 'db');

  withStoreOptions(
    db
      .command('migrate')
      .description('Open the database (creating it if needed) and apply every pending schema migration'),
  ).action(async (o: DbOptions) => {
    const store = await open(o, true);
    try {
      const migrations = await store.migrationStatus();
      const result = {
        engine: store.kind,
        location: store.location,
        appliedNow: [...store.migrationsAppliedOnOpen],
        migrations: migrations.map(json),
      };
      if (o.json) printJson(result);
      else
        printLines(
          `engine: ${result.engine}`,
          `location: ${result.location}`,
          result.appliedNow.length
            ? `applied now: ${result.appliedNow.join(', ')}`
            : 'applied now: none (schema already current)',
          ...migrations.map((m) => `  ${m.name}  applied ${m.executedAt?.toISOString() ?? '-'}`),
        );
    } finally {
      await store.close();
    }
  });

  withStoreOptions(
    db
      .command('status')
      .description(
        'Show the engine, location, applied and pending migrations and row counts (changes nothing)',
      ),
  ).action(async (o: DbOptions) => {
    const loc = location(o);
    let result: {
      engine: string;
      location: string;
      exists: boolean;
      upToDate: boolean;
      migrations: Array<{ name: string; executedAt: string | null }>;
      pending: string[];
      counts: Awaited<ReturnType<Store['stats']>> | null;
    };
    if (loc.kind === 'sqlite' && loc.file !== ':memory:' && !fs.existsSync(loc.file)) {
      // Do not create the file just to say it is missing.
      const names = knownMigrations();
      result = {
        engine: 'sqlite',
        location: describeLocation(loc),
        exists: false,
        upToDate: false,
        migrations: names.map((name) => ({ name, executedAt: null })),
        pending: names,
        counts: null,
      };
    } else {
      const store = await open(o, false);
      try {
        const migrations = await store.migrationStatus();
        const pending = migrations.filter((m) => m.executedAt === null).map((m) => m.name);
        result = {
          engine: store.kind,
          location: store.location,
          exists: true,
          upToDate: pending.length === 0,
          migrations: migrations.map(json),
          pending,
          counts: pending.length === 0 ? await store.stats() : null,
        };
      } finally {
        await store.close();
      }
    }
    if (o.json) return printJson(result);
    printLines(
      `engine: ${result.engine}`,
      `location: ${result.location}${result.exists ? '' : ' (does not exist yet: run `s1mig db migrate`)'}`,
      `schema: ${result.upToDate ? 'up to date' : `${result.pending.length} pending migration(s): run \`s1mig db migrate\``}`,
      ...result.migrations.map((m) => `  ${m.name}  ${m.executedAt ? `applied ${m.executedAt}` : 'pending'}`),
      ...(result.counts
        ? [
            `received MAs: ${result.counts.receivedMas} (${result.counts.receivedMaRows} rows)`,
            `stored counters: ${result.counts.storedCounters}`,
            `incidents: ${result.counts.incidents}`,
            `accepted files: ${result.counts.acceptedFiles}`,
          ]
        : []),
    );
  });
}
