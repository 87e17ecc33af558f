// TMAD 9.2, 9.3: one mailbox tree per party (docs/MAILBOXES.md): atomic delivery, list, take.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { MailboxError, deliver, inboxPath, list, parties, take } from '../../src/files/mailbox.js';
import { McfRouting, mvfRecipients } from '../../src/dcc/routing.js';
import type { MigrationCommonHeader } from '../../src/core/formats/migration-files/types.js';

const fresh = (): string => mkdtempSync(path.join(tmpdir(), 's1mig-mailbox-'));

test('TMAD 9.2: deliver puts the whole file in the party inbox, never replaces one, and leaves no temporary file', async () => {
  const root = fresh();
  try {
    const src = path.join(root, 'src.xml');
    writeFileSync(src, '<a/>');
    const to = { role: 'dco' as const, party: 'DCO' };
    const p = await deliver(root, to, 'MCF_X_1_0.xml', src);
    assert.equal(p, inboxPath(root, to, 'MCF_X_1_0.xml'));
    assert.equal(readFileSync(p, 'utf8'), '<a/>');
    await deliver(root, to, 'MVF_Y_1_2.xml', new TextEncoder().encode('<b/>'));
    assert.deepEqual(await list(root, to), ['MCF_X_1_0.xml', 'MVF_Y_1_2.xml']);
    await assert.rejects(deliver(root, to, 'MCF_X_1_0.xml', src), (e: unknown) => {
      assert.ok(e instanceof MailboxError);
      assert.match(e.message, /already delivered/);
      return true;
    });
    assert.deepEqual(readdirSync(path.join(root, 'dco', 'DCO', '.incoming')), []);
    assert.deepEqual(await parties(root), [to]);
    assert.deepEqual(await list(root, { role: 's1sp', party: 'none' }), []);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('TMAD 9.3: take moves a file out of the inbox once; bad party or file names are refused', async () => {
  const root = fresh();
  try {
    const to = { role: 'smso' as const, party: 'CGI' };
    await deliver(root, to, 'f.xml', new Uint8Array([1]));
    const taken = await take(root, to, 'f.xml');
    assert.equal(path.basename(path.dirname(taken)), 'taken');
    assert.deepEqual(await list(root, to), []);
    await assert.rejects(take(root, to, 'f.xml'), /no such file in the inbox/);
    await deliver(root, to, 'f.xml', new Uint8Array([2]));
    await assert.rejects(take(root, to, 'f.xml'), /already taken/);
    assert.deepEqual(await list(root, to), ['f.xml']);
    for (const bad of ['../x', '.hidden', 'a/b', '', 'a..b'])
      await assert.rejects(deliver(root, to, bad, new Uint8Array()), MailboxError, bad);
    await assert.rejects(deliver(root, { role: 'dco', party: '..' }, 'x', new Uint8Array()), MailboxError);
    await assert.rejects(
      deliver(root, { role: 'nobody' as 'dco', party: 'X' }, 'x', new Uint8Array()),
      /mailbox role 'nobody'/,
    );
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

const header = (flag: boolean): MigrationCommonHeader => ({
  requestingPartyId: '70-B3-D5-1F-30-10-00-01',
  mcfCounter: 1n,
  groupId: 'AA',
  toBeCommissionedByDcc: flag,
  ...(flag ? { commissioningPartyIdentifier: '70-B3-D5-1F-30-12-00-01' } : {}),
});
const parts = { s1sp: 'S1SP1', dco: 'DCO1' };

test('TMAD 5.10(d): the MVF goes to the S1SP, the DCO and the Requesting Party only', () => {
  assert.deepEqual(mvfRecipients(header(true), parts), [
    { role: 's1sp', party: 'S1SP1' },
    { role: 'dco', party: 'DCO1' },
    { role: 'requesting-party', party: '70-B3-D5-1F-30-10-00-01' },
  ]);
});

test('TMAD 5.10(a): the MCF goes to the Commissioning Party when ToBeCommissionedByDCC is True, else to the Responsible Suppliers', () => {
  const routing = new McfRouting();
  assert.deepEqual(routing.recipients(header(true), parts), [
    { role: 's1sp', party: 'S1SP1' },
    { role: 'dco', party: 'DCO1' },
    { role: 'commissioning-party', party: '70-B3-D5-1F-30-12-00-01' },
  ]);
  routing.suppliers.add('SUPB').add('SUPA');
  assert.deepEqual(routing.recipients(header(false), parts).slice(2), [
    { role: 'responsible-supplier', party: 'SUPA' },
    { role: 'responsible-supplier', party: 'SUPB' },
  ]);
});
