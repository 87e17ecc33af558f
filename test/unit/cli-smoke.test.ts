import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from '../support/cli.js';

test('s1mig --help lists the program and exits 0', async () => {
  const r = await runCli(['--help']);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /Usage: s1mig/);
});

test('an unknown command is a usage error (exit 2)', async () => {
  const r = await runCli(['no-such-command']);
  assert.equal(r.code, 2);
});
