// Secret key material at rest: with S1MIG_KEY_PASSPHRASE set, the test PKI writes its private keys as
// encrypted PKCS#8 (mode 0600) and loadPrivateKey needs the passphrase to read them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { initTestPki } from '../../src/estate/test-pki.js';
import { KEY_PASSPHRASE_ENV, loadPrivateKey } from '../../src/files/trust-store.js';

test('private keys are written encrypted (PKCS#8 PBES2) and mode 0600 when a passphrase is set', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 's1mig-keys-'));
  const saved = process.env[KEY_PASSPHRASE_ENV];
  try {
    process.env[KEY_PASSPHRASE_ENV] = 'correct horse battery staple';
    const { parties } = await initTestPki(dir);
    const keyPath = path.join(dir, parties[0]!.certificates[0]!.key);
    const pem = await readFile(keyPath, 'utf8');
    assert.match(pem, /^-----BEGIN ENCRYPTED PRIVATE KEY-----/);
    assert.equal((await stat(keyPath)).mode & 0o777, 0o600);
    const key = await loadPrivateKey(keyPath);
    assert.equal(key.asymmetricKeyType, 'ec');
    // The wrong passphrase is named as such, never as OpenSSL's "error:1C800064:...:bad decrypt".
    await assert.rejects(loadPrivateKey(keyPath, 'wrong'), (e: Error) => {
      assert.match(
        e.message,
        /wrong passphrase: the key is encrypted and S1MIG_KEY_PASSPHRASE does not decrypt it/,
      );
      assert.doesNotMatch(e.message, /error:[0-9A-F]{8}|bad decrypt/);
      return true;
    });
    delete process.env[KEY_PASSPHRASE_ENV];
    await assert.rejects(loadPrivateKey(keyPath), new RegExp(`set ${KEY_PASSPHRASE_ENV}`));
  } finally {
    if (saved === undefined) delete process.env[KEY_PASSPHRASE_ENV];
    else process.env[KEY_PASSPHRASE_ENV] = saved;
    await rm(dir, { recursive: true, force: true });
  }
});
