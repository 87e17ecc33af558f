// src/config.ts: every environment variable s1mig reads, parsed in one place.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ENVIRONMENT_VARIABLES, readConfiguration } from '../../src/config.js';

test('readConfiguration: unset and empty variables are undefined; values are typed', () => {
  assert.deepEqual(readConfiguration({}), {
    databaseUrl: undefined,
    pgSchema: undefined,
    dbBusyTimeoutMs: undefined,
    keyPassphrase: undefined,
    trust: undefined,
    progress: undefined,
    progressDelayMs: undefined,
    dmin: undefined,
    queueLog: undefined,
  });
  const c = readConfiguration({
    S1MIG_DATABASE_URL: 'postgres://u@h/db',
    S1MIG_PG_SCHEMA: '',
    S1MIG_DB_BUSY_TIMEOUT_MS: '500',
    S1MIG_KEY_PASSPHRASE: '',
    S1MIG_TRUST: '/pki',
    S1MIG_PROGRESS: 'plain',
    S1MIG_PROGRESS_DELAY_MS: '0',
  });
  assert.equal(c.databaseUrl, 'postgres://u@h/db');
  assert.equal(c.pgSchema, undefined);
  assert.equal(c.dbBusyTimeoutMs, '500');
  assert.equal(c.keyPassphrase, '', 'an empty passphrase is still a passphrase');
  assert.equal(c.trust, '/pki');
  assert.equal(c.progress, 'plain');
  assert.equal(c.progressDelayMs, 0);
  assert.equal(
    readConfiguration({ S1MIG_PROGRESS: 'loud', S1MIG_PROGRESS_DELAY_MS: '-1' }).progress,
    undefined,
  );
  assert.equal(readConfiguration({ S1MIG_PROGRESS_DELAY_MS: 'x' }).progressDelayMs, undefined);
  // TMAD 4.11: DMIN is raw text; mcc commit validates it and names S1MIG_DMIN.
  assert.equal(readConfiguration({ S1MIG_DMIN: '40' }).dmin, '40');
  assert.equal(readConfiguration({ S1MIG_DMIN: '' }).dmin, undefined);
  assert.equal(readConfiguration({ S1MIG_QUEUE_LOG: '1' }).queueLog, 'on');
  assert.equal(readConfiguration({ S1MIG_QUEUE_LOG: 'debug' }).queueLog, 'debug');
  assert.equal(readConfiguration({ S1MIG_QUEUE_LOG: '' }).queueLog, undefined);
});

test('every variable the configuration reads is documented', () => {
  assert.deepEqual(Object.keys(ENVIRONMENT_VARIABLES).sort(), [
    'S1MIG_DATABASE_URL',
    'S1MIG_DB_BUSY_TIMEOUT_MS',
    'S1MIG_DMIN',
    'S1MIG_KEY_PASSPHRASE',
    'S1MIG_PG_SCHEMA',
    'S1MIG_PROGRESS',
    'S1MIG_PROGRESS_DELAY_MS',
    'S1MIG_QUEUE_LOG',
    'S1MIG_TRUST',
  ]);
});
