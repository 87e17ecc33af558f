// What a new user meets in the signed-file commands, through the real CLI: unsigned files (TMAD 10.1,
// Table 5.5), --no-store and discarding (TMAD 5.9, 5.9.5), progress on stderr only, one party
// vocabulary, --force, clear file and key errors, and xml verify's signer checks (TMAD 5.9.3, Table 5.5).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCli } from '../support/cli.js';

const dir = mkdtempSync(path.join(tmpdir(), 's1mig-usability-cli-'));
const pki = path.join(dir, 'pki');
const env = { S1MIG_DATABASE_URL: `sqlite:${path.join(dir, 'db.sqlite')}` };
after(() => rmSync(dir, { recursive: true, force: true }));

before(async () => {
  const r = await runCli(['pki', 'init', pki]);
  assert.equal(r.code, 0, r.stderr);
});

async function generate(type: string, out: string, ...extra: string[]) {
  return runCli(['file', 'generate', type, '--pki', pki, '--installations', '3', '--out', out, ...extra], {
    env,
  });
}

test('TMAD 10.1 / Table 5.5: an unsigned MCF gets a note from file generate, a hint from file validate, and is valid with --unsigned', async () => {
  const f = path.join(dir, 'unsigned.xml');
  const g = await generate('MCF', f);
  assert.equal(g.code, 0, g.stderr);
  assert.match(g.stdout, /unsigned/);
  assert.match(g.stderr, /note: .*unsigned\.xml: written unsigned \(no ds:Signature\)/);
  assert.match(g.stderr, /s1mig xml sign/);

  const v = await runCli(['file', 'validate', f]);
  assert.equal(v.code, 1);
  assert.match(
    v.stdout,
    /Missing child element\(s\)\. Expected is one of \( SMETS1Installation, ds:Signature \)/,
  );
  assert.match(v.stdout, /the file is unsigned \(no ds:Signature/);
  assert.match(v.stdout, /s1mig xml sign/);
  assert.match(v.stdout, /file generate <type> --pki <dir> --sign/);
  assert.match(v.stdout, /file validate --unsigned/);

  const j = await runCli(['file', 'validate', '--json', f]);
  const jr = JSON.parse(j.stdout) as { valid: boolean; unsigned?: boolean; hint?: string };
  assert.equal(jr.valid, false);
  assert.equal(jr.unsigned, true);
  assert.match(jr.hint!, /--unsigned/);

  const u = await runCli(['file', 'validate', '--unsigned', f]);
  assert.equal(u.code, 0, u.stdout);
  assert.match(u.stdout, /valid MCF \(TMAD 10\.1\), validated as an unsigned document/);

  // --unsigned still checks the rest of the schema, and a signed file stays valid with it.
  const s = path.join(dir, 'signed-too.xml');
  assert.equal((await generate('MCF', s, '--sign')).code, 0);
  assert.equal((await runCli(['file', 'validate', '--unsigned', s])).code, 0);
  const plain = await runCli(['file', 'validate', s]);
  assert.equal(plain.code, 0);
  assert.doesNotMatch(plain.stdout, /unsigned/);
});

test('TMAD 5.9.5: --no-store reports the anti-replay step as skipped, not passed (text and JSON)', async () => {
  const f = path.join(dir, 'nostore.xml');
  assert.equal((await generate('MCF', f, '--sign', '--counter', '7')).code, 0);
  const j = await runCli(['file', 'authenticate', '--as', 'dcc', '--trust', pki, '--no-store', '--json', f], {
    env,
  });
  assert.equal(j.code, 0, j.stderr);
  const v = JSON.parse(j.stdout) as {
    stepsPassed: string[];
    stepsSkipped: Array<{ step: string; status: string; reason: string }>;
  };
  assert.deepEqual(v.stepsPassed, ['5.9.1', '5.9.2', '5.9.3', '5.9.4']);
  assert.deepEqual(
    v.stepsSkipped.map((s) => [s.step, s.status]),
    [['5.9.5', 'skipped']],
  );
  assert.match(v.stepsSkipped[0]!.reason, /not checked \(--no-store\)/);
  const t = await runCli(['file', 'authenticate', '--as', 'dcc', '--trust', pki, '--no-store', f], { env });
  assert.equal(t.code, 0);
  assert.match(t.stdout, /steps passed: 5\.9\.1, 5\.9\.2, 5\.9\.3, 5\.9\.4\n/);
  assert.match(t.stdout, /step 5\.9\.5: not checked \(--no-store\)/);
});

test('TMAD 5.9: a rejected file says whether an Incident was raised and where the file is (left in place / moved)', async () => {
  const f = path.join(dir, 'replayed.xml');
  const first = path.join(dir, 'first.xml');
  assert.equal((await generate('MCF', first, '--sign', '--counter', '8')).code, 0);
  // Other bytes with the same MCFCounter: a replay (the same bytes again would be already accepted).
  assert.equal((await generate('MCF', f, '--sign', '--counter', '8', '--seed', '2')).code, 0);
  const auth = (...extra: string[]) =>
    runCli(['file', 'authenticate', '--as', 'dcc', '--trust', pki, ...extra, f], { env });
  const accepted = await runCli(['file', 'authenticate', '--as', 'dcc', '--trust', pki, first], { env });
  assert.equal(accepted.code, 0);
  const left = await auth();
  assert.equal(left.code, 1);
  assert.match(
    left.stdout,
    /REJECTED at step 5\.9\.5 \(TMAD 5\.9\); an Incident was raised \(\d+\); file left in place/,
  );
  assert.doesNotMatch(left.stdout, /discarded/);
  assert.ok(existsSync(f));
  const dry = await auth('--no-store');
  assert.equal(dry.code, 0, 'a dry run does not see the stored counter');
  const discard = path.join(dir, 'rejected');
  const moved = await auth('--discard-to', discard, '--json');
  assert.equal(moved.code, 1);
  const mv = JSON.parse(moved.stdout) as { disposition: string; incidentId: number };
  assert.equal(mv.disposition, `moved to ${path.join(discard, 'replayed.xml')}`);
  assert.equal(typeof mv.incidentId, 'number');
  assert.ok(!existsSync(f));
});

test('progress: plain lines on a non-TTY stderr, none with --json or --quiet; a live bar only on stderr with --json on a TTY', async () => {
  const fast = { ...env, S1MIG_PROGRESS_DELAY_MS: '0' };
  const p = await runCli(
    [
      'file',
      'generate',
      'MCF',
      '--pki',
      pki,
      '--sign',
      '--installations',
      '200',
      '--out',
      path.join(dir, 'p1.xml'),
    ],
    { env: fast },
  );
  assert.equal(p.code, 0, p.stderr);
  assert.match(p.stderr, /^s1mig: writing MCF: 100%, 200 of 200 installations, /m);
  assert.match(p.stderr, /^s1mig: signing MCF, pass 1 of 2 \(digest\): done, /m);
  assert.match(p.stderr, /^s1mig: signing MCF, pass 2 of 2 \(copy\): done, /m);
  assert.doesNotMatch(p.stdout, /writing|signing MCF/);

  const j = await runCli(
    [
      'file',
      'generate',
      'MCF',
      '--pki',
      pki,
      '--sign',
      '--installations',
      '200',
      '--out',
      path.join(dir, 'p2.xml'),
      '--json',
    ],
    { env: fast },
  );
  assert.equal(j.code, 0);
  assert.equal(j.stderr, '');
  assert.equal((JSON.parse(j.stdout) as { installations: number }).installations, 200);

  const a = await runCli(
    ['file', 'authenticate', '--as', 'dcc', '--trust', pki, '--no-store', path.join(dir, 'p2.xml')],
    {
      env: fast,
    },
  );
  assert.match(a.stderr, /^s1mig: authenticating p2\.xml: done, [\d.]+ kB of [\d.]+ kB in /m);
  const q = await runCli(
    [
      'file',
      'authenticate',
      '--as',
      'dcc',
      '--trust',
      pki,
      '--no-store',
      '--quiet',
      path.join(dir, 'p2.xml'),
    ],
    { env: fast },
  );
  assert.equal(q.stderr, '');

  const tty = await runCli(['xml', 'verify', '--trust', pki, '--json', path.join(dir, 'p2.xml')], {
    env: { ...fast, S1MIG_PROGRESS: 'tty' },
  });
  assert.equal(tty.code, 0, tty.stdout);
  assert.ok(tty.stderr.startsWith('\r\x1b[2Kverifying p2.xml ['), JSON.stringify(tty.stderr));
  assert.match(tty.stderr, /verifying p2\.xml \[[#-]{24}\] +\d+% /);
  assert.equal((JSON.parse(tty.stdout) as { valid: boolean }).valid, true);
});

test('one party vocabulary: --as commissioning-party and its short form cp; file generate --party cp', async () => {
  const cof = path.join(dir, 'cof.xml');
  const g = await generate('COF', cof, '--sign', '--party', 'cp', '--json');
  assert.equal(g.code, 0, g.stderr);
  assert.equal((JSON.parse(g.stdout) as { signer: { party: string } }).signer.party, 'commissioning-party');
  for (const as of ['commissioning-party', 'cp']) {
    const r = await runCli(
      ['file', 'authenticate', '--as', as, '--trust', pki, '--no-store', '--json', cof],
      { env },
    );
    assert.equal(r.code, 0, r.stdout);
    assert.equal((JSON.parse(r.stdout) as { authenticator: string }).authenticator, 'commissioning-party');
  }
  const bad = await runCli(['file', 'authenticate', '--as', 'nobody', '--trust', pki, cof], { env });
  assert.equal(bad.code, 2);
  assert.match(
    bad.stderr,
    /expected one of dcc, dco, s1sp, commissioning-party, requesting-party, supplier \(or cp\)/,
  );
});

test('TMAD 5.9.4: the CRL is required by default everywhere; --no-require-crl is the one opt-out name', async () => {
  const f = path.join(dir, 'crl.xml');
  assert.equal((await generate('MCF', f, '--sign')).code, 0);
  const a = await runCli(
    ['file', 'authenticate', '--as', 'dcc', '--trust', pki, '--no-store', '--no-require-crl', '--json', f],
    { env },
  );
  assert.equal(a.code, 0, a.stdout);
  assert.equal((JSON.parse(a.stdout) as { crlRequired: boolean }).crlRequired, false);
  const v = await runCli(['xml', 'verify', '--trust', pki, '--json', f]);
  assert.equal((JSON.parse(v.stdout) as { crlRequired: boolean }).crlRequired, true);
  for (const args of [
    ['xml', 'verify', '--trust', pki, '--no-require-crl', f],
    [
      'pki',
      'verify',
      '--trust',
      pki,
      '--no-require-crl',
      path.join(pki, 'requesting-party', 'requestingPartyFileSigning.cert.pem'),
    ],
  ]) {
    const r = await runCli(args);
    assert.notEqual(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
  }
});

test('file generate refuses to overwrite without --force; missing files, directories and wrong passphrases are named plainly', async () => {
  const f = path.join(dir, 'exists.xml');
  assert.equal((await generate('MCF', f, '--quiet')).code, 0);
  const again = await generate('MCF', f, '--quiet');
  assert.equal(again.code, 2);
  assert.match(again.stderr, /exists\.xml: exists; pass --force to overwrite it/);
  assert.equal((await generate('MCF', f, '--quiet', '--force')).code, 0);

  const missing = await runCli(['file', 'validate', path.join(dir, 'nope.xml')]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /nope\.xml: no such file \(ENOENT\)/);
  const d = path.join(dir, 'a-directory');
  mkdirSync(d);
  for (const args of [
    ['file', 'validate', d],
    ['file', 'inspect', d],
    ['file', 'authenticate', '--as', 'dcc', '--trust', pki, d],
    ['xml', 'verify', '--trust', pki, d],
  ]) {
    const r = await runCli(args, { env });
    assert.equal(r.code, 2, args.join(' '));
    assert.match(r.stderr, /a-directory: is a directory, expected a/, args.join(' '));
  }

  // An encrypted test PKI, signed with the wrong passphrase.
  const epki = path.join(dir, 'epki');
  const init = await runCli(['pki', 'init', epki], { env: { S1MIG_KEY_PASSPHRASE: 'right one' } });
  assert.equal(init.code, 0, init.stderr);
  const w = await runCli(
    ['file', 'generate', 'MCF', '--pki', epki, '--sign', '--out', path.join(dir, 'wrong-pass.xml')],
    { env: { S1MIG_KEY_PASSPHRASE: 'wrong one' } },
  );
  assert.equal(w.code, 2);
  assert.match(
    w.stderr,
    /cannot load the signing key: .*: wrong passphrase: the key is encrypted and S1MIG_KEY_PASSPHRASE does not decrypt it/,
  );
  assert.doesNotMatch(w.stderr, /error:[0-9A-F]{8}|bad decrypt/);
  const parties = JSON.parse(readFileSync(path.join(epki, 'parties.json'), 'utf8')) as Array<{
    name: string;
    certificates: Array<{ role: string; keyUsage: string; key: string; cert: string }>;
  }>;
  const rp = parties
    .find((p) => p.name === 'requesting-party')!
    .certificates.find((c) => c.keyUsage === 'digitalSignature')!;
  const xs = await runCli(
    [
      'xml',
      'sign',
      '--key',
      path.join(epki, rp.key),
      '--cert',
      path.join(epki, rp.cert),
      f,
      path.join(dir, 'x.xml'),
    ],
    { env: { S1MIG_KEY_PASSPHRASE: 'wrong one' } },
  );
  assert.equal(xs.code, 2);
  assert.match(xs.stderr, /--key .*: wrong passphrase/);
  assert.doesNotMatch(xs.stderr, /error:[0-9A-F]{8}|bad decrypt/);
});

test('TMAD 5.9.3 / Table 5.5: xml verify rejects a correct signature by a keyAgreement-only or wrong-role certificate, as file authenticate does', async () => {
  const unsigned = path.join(dir, 'to-sign.xml');
  assert.equal((await generate('MCF', unsigned, '--quiet')).code, 0);
  const issue = async (role: string, keyUsage: string, name: string) => {
    const r = await runCli([
      'pki',
      'issue',
      pki,
      '--party',
      'requesting-party',
      '--role',
      role,
      '--key-usage',
      keyUsage,
      '--name',
      name,
      '--json',
    ]);
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout) as { cert: string; key: string };
  };
  const cases = [
    {
      name: 'ka-only',
      role: 'requestingPartyFileSigning',
      keyUsage: 'keyAgreement',
      expect: /keyUsage is \[keyAgreement\]: a signing certificate needs digitalSignature/,
    },
    {
      name: 'wrong-role',
      role: 's1SPMigrationSigning',
      keyUsage: 'digitalSignature',
      expect: /Remote Party Role 's1SPMigrationSigning': Table 5\.5 requires 'requestingPartyFileSigning'/,
    },
  ];
  for (const c of cases) {
    const cert = await issue(c.role, c.keyUsage, c.name);
    const signed = path.join(dir, `${c.name}.xml`);
    const s = await runCli([
      'xml',
      'sign',
      '--key',
      path.join(pki, cert.key),
      '--cert',
      path.join(pki, cert.cert),
      unsigned,
      signed,
    ]);
    assert.equal(s.code, 0, s.stderr);
    const v = await runCli(['xml', 'verify', '--trust', pki, signed]);
    assert.equal(v.code, 1, `${c.name}: ${v.stdout}`);
    assert.match(
      v.stdout,
      /INVALID: the signature value is correct, but the signer's certificate is not acceptable for a file signed in role requestingPartyFileSigning/,
    );
    assert.match(v.stdout, /\[TMAD 5\.9\.3\]/);
    assert.match(v.stdout, c.expect);
    const j = JSON.parse((await runCli(['xml', 'verify', '--trust', pki, '--json', signed])).stdout) as {
      valid: boolean;
      signatureValid: boolean;
      fileType: string;
      requiredRole: string;
    };
    assert.deepEqual(
      [j.valid, j.signatureValid, j.fileType, j.requiredRole],
      [false, true, 'MCF', 'requestingPartyFileSigning'],
    );
    const a = await runCli(
      ['file', 'authenticate', '--as', 'dcc', '--trust', pki, '--no-store', '--json', signed],
      { env },
    );
    assert.equal((JSON.parse(a.stdout) as { failedStep: string }).failedStep, '5.9.3');
  }
  // The file's own signer passes, with the Table 5.5 role named.
  const ok = path.join(dir, 'ok-signer.xml');
  assert.equal((await generate('MCF', ok, '--sign', '--quiet')).code, 0);
  const v = await runCli(['xml', 'verify', '--trust', pki, ok]);
  assert.equal(v.code, 0, v.stdout);
  assert.match(v.stdout, /VALID: .*\(role requestingPartyFileSigning, Table 5\.5 for MCF\)/);
});
