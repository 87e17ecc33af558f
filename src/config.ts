// The process environment, read in one place into a typed configuration. Nothing else in src/ reads
// process.env: the store, the file adapters, the test estate and the CLI take their defaults from here,
// and the TMAD core takes every setting as a parameter (docs/ARCHITECTURE.md).
//
// The key passphrase is a secret: it is never printed, logged or put in an error message.

/** Every environment variable s1mig reads, with what it sets. */
export const ENVIRONMENT_VARIABLES = {
  S1MIG_DATABASE_URL: 'the database: postgres://… for PostgreSQL, sqlite:<file>; default ./data/s1mig.sqlite',
  S1MIG_PG_SCHEMA: 'the PostgreSQL schema to use (default: the search_path)',
  S1MIG_DB_BUSY_TIMEOUT_MS: 'how long an SQLite command waits for another writer, in ms (default 60000)',
  S1MIG_KEY_PASSPHRASE: 'the passphrase of private keys at rest (PKCS#8, PBKDF2 + AES-256-CBC)',
  S1MIG_TRUST: 'the default trust store for file authenticate (a directory or PEM file)',
  S1MIG_PROGRESS: 'progress display: tty, plain or off (default: a bar on a terminal, plain lines otherwise)',
  S1MIG_PROGRESS_DELAY_MS: 'how long work runs before progress is shown, in ms (default 1000)',
  S1MIG_DMIN:
    'the Migration Scaling Methodology minimum per Active Supplier per day (TMAD 4.11; default 100; --dmin wins)',
  S1MIG_QUEUE_LOG:
    "the PostgreSQL job queue's own messages on stderr: any value for warnings and errors, debug for all",
} as const;

export type EnvironmentVariable = keyof typeof ENVIRONMENT_VARIABLES;

export interface Configuration {
  databaseUrl: string | undefined;
  pgSchema: string | undefined;
  /** Raw text: the store validates it and names the variable when it is not a whole number. */
  dbBusyTimeoutMs: string | undefined;
  keyPassphrase: string | undefined;
  trust: string | undefined;
  progress: 'tty' | 'plain' | 'off' | undefined;
  progressDelayMs: number | undefined;
  /** Raw text: `mcc commit` validates it and names the variable when it is not a whole number. */
  dmin: string | undefined;
  queueLog: 'on' | 'debug' | undefined;
}

/** Read the configuration from an environment (default: this process's). Empty values count as unset. */
export function readConfiguration(env: NodeJS.ProcessEnv = process.env): Configuration {
  const get = (name: EnvironmentVariable): string | undefined => {
    const v = env[name];
    return v === undefined || v === '' ? undefined : v;
  };
  const progress = get('S1MIG_PROGRESS');
  const delay = Number(get('S1MIG_PROGRESS_DELAY_MS'));
  return {
    databaseUrl: get('S1MIG_DATABASE_URL'),
    pgSchema: get('S1MIG_PG_SCHEMA'),
    dbBusyTimeoutMs: get('S1MIG_DB_BUSY_TIMEOUT_MS'),
    keyPassphrase: env.S1MIG_KEY_PASSPHRASE, // an empty passphrase is still a passphrase
    trust: get('S1MIG_TRUST'),
    progress: progress === 'tty' || progress === 'plain' || progress === 'off' ? progress : undefined,
    progressDelayMs:
      Number.isFinite(delay) && delay >= 0 && get('S1MIG_PROGRESS_DELAY_MS') ? delay : undefined,
    dmin: get('S1MIG_DMIN'),
    queueLog:
      get('S1MIG_QUEUE_LOG') === undefined ? undefined : get('S1MIG_QUEUE_LOG') === 'debug' ? 'debug' : 'on',
  };
}

/**
 * The configuration of this process. Read afresh on each call (it is a handful of lookups), so that a
 * test which sets a variable sees it; everything else goes through this one reader.
 */
export function configuration(): Configuration {
  return readConfiguration();
}
