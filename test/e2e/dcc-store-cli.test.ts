// s1mig dcc validate-mcf / early-validate on the store's reference data, through the real CLI, on
// SQLite and (when reachable) PostgreSQL in a schema unique to this run:
//   - the registries imported with `s1mig ref import` from samples/dcc-reference/*.csv (the CSV form of
//     samples/dcc-reference.json) give the same FailedChecks and the same MVF content as the fixture;
//   - a missing registry is refused with the clause that needs it (TMAD 5.10), no MVF;
//   - --mailboxes delivers the MCF per 5.10(a) and the MVF per 5.10(d);
//   - early validation (TMAD 4.2) writes the same MVF content as the pipeline, with its own counters.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { REPO_ROOT, runCli } from '../support/cli.js';

const PG_URL = process.env.S1MIG_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const dir = mkdtempSync(path.join(tmpdir(), 's1mig-dcc-store-'));
const pki = path.join(dir, 'pki');
const fixture = path.join(REPO_ROOT, 'samples', 'dcc-reference.json');
const csvDir = path.join(REPO_ROOT, 'samples', 'dcc-reference');
// The validation time is now: the test PKI's certificates are valid from an hour before pki init.
const AT = new Date().toISOString();
const hasXmlsec = spawnSync('xmlsec1', ['--version']).status === 0;
let mcf: string;
let mcfBySupplier: string; // ToBeCommissionedByDCC False (unsigned: validate-mcf follows Table 5.9)
let mcfSameCounter: string; // another MCF with the same MCFCounter (a replay for Table 5.9)

after(() => rmSync(dir, { recursive: true, force: true }));

const signer = (): string[] => [
  '--sign-key',
  path.join(pki, 's1sp', 's1SPMigrationSigning.key.pem'),
  '--cert',
  path.join(pki, 's1sp', 's1SPMigrationSigning.cert.pem'),
];

async function generate(out: string, seed: string, sign: boolean): Promise<string> {
  const g = await runCli([
    'file',
    'generate',
    'MCF',
    '--pki',
    pki,
    ...(sign ? ['--sign'] : []),
    '--installations',
    '5',
    '--seed',
    seed,
    '--counter',
    '12',
    '--out',
    out + '/',
  ]);
  assert.equal(g.code, 0, g.stderr);
  return path.join(out, readdirSync(out)[0]!);
}

before(async () => {
  assert.equal((await runCli(['pki', 'init', pki])).code, 0);
  mcf = await generate(path.join(dir, 'files'), '1', true);
  mcfSameCounter = await generate(path.join(dir, 'files2'), '2', true);
  const unsigned = await generate(path.join(dir, 'draft'), '1', false);
  const text = readFileSync(unsigned, 'utf8').replace(
    /<ToBeCommissionedByDCC>true<\/ToBeCommissionedByDCC><CommissioningPartyIdentifier>[^<]*<\/CommissioningPartyIdentifier>/,
    '<ToBeCommissionedByDCC>false</ToBeCommissionedByDCC>',
  );
  assert.match(text, /<ToBeCommissionedByDCC>false</);
  mcfBySupplier = path.join(dir, 'by-supplier.xml');
  writeFileSync(mcfBySupplier, text);
});

interface JsonOut {
  mvf: string;
  installations: number;
  failed: number;
  delivered: Array<{ file: string; role: string; party: string; path: string }>;
  unrouted: unknown[];
  results: Array<{ failedChecks: Array<{ failedStepNumber: string; supportingData?: unknown }> }>;
}

/** The MVF without its SignatureValue (ECDSA signatures differ run to run; everything else must not). */
const content = (file: string): string =>
  readFileSync(file, 'utf8').replace(/<ds:SignatureValue>[^<]*<\/ds:SignatureValue>/, '');

async function probePg(): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 10_000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('select 1');
    return undefined;
  } catch (e) {
    return (e as Error).message || String(e);
  } finally {
    await client.end().catch(() => undefined);
  }
}
const pgProblem = await probePg();
const pgSchema = `dccstore_${process.pid}_${crypto.randomBytes(3).toString('hex')}`;

function suite(name: string, env: NodeJS.ProcessEnv, skip: string | false, mailboxes: boolean): void {
  describe(`dcc validate-mcf on the store (${name})`, { skip }, () => {
    const cli = (args: string[]) => runCli(args, { env });
    const validate = (extra: string[], file = mcf) =>
      cli(['dcc', 'validate-mcf', file, ...signer(), '--at', AT, '--json', ...extra]);

    test('TMAD 5.10: a missing registry is refused with the clause that needs it, and no MVF is written', async () => {
      const out = path.join(dir, `${name}-none`, 'm.xml');
      const r = await validate(['--out', out]);
      assert.equal(r.code, 2, r.stdout);
      assert.match(r.stderr, /no 'products' registry \(needed by TMAD 5\.10\.1/);
      assert.doesNotMatch(r.stderr, /at .*\.js:\d+/); // no stack trace
      assert.equal(existsSync(out), false);
      const p = await cli(['ref', 'import', 'products', path.join(csvDir, 'products.csv')]);
      assert.equal(p.code, 0, p.stderr);
      const r2 = await validate(['--out', out]);
      assert.equal(r2.code, 2);
      assert.doesNotMatch(r2.stderr, /'products'/);
      assert.match(r2.stderr, /no 'epc' registry \(needed by TMAD 5\.10\.3/);
      assert.match(r2.stderr, /no 'registration' registry \(needed by TMAD 5\.10\.9-5\.10\.17/);
    });

    test("TMAD 5.10: the store's registries give the same FailedChecks and MVF content as the fixture form of the same data", async () => {
      for (const r of ['epc', 'group-models', 'smi', 'organisations', 'registration']) {
        const i = await cli(['ref', 'import', r, path.join(csvDir, `${r}.csv`)]);
        assert.equal(i.code, 0, i.stderr);
      }
      const c = await cli(['ref', 'import', 'certificates', pki]);
      assert.equal(c.code, 0, c.stderr);
      const fromStore = await validate([
        '--out',
        path.join(dir, `${name}-store`) + '/',
        '--mvf-counter',
        '5',
      ]);
      assert.equal(fromStore.code, 1, fromStore.stderr);
      const s = JSON.parse(fromStore.stdout) as JsonOut;
      const fromFixture = await validate([
        '--reference',
        fixture,
        '--trust',
        pki,
        '--out',
        path.join(dir, `${name}-fixture`) + '/',
        '--mvf-counter',
        '5',
      ]);
      assert.equal(fromFixture.code, 1, fromFixture.stderr);
      const f = JSON.parse(fromFixture.stdout) as JsonOut;
      assert.deepEqual(
        s.results.map((x) => x.failedChecks.map((c) => c.failedStepNumber)),
        [[], [], [], ['5.10.9'], ['5.10.4']],
      );
      assert.deepEqual(
        s.results.map((x) => x.failedChecks),
        f.results.map((x) => x.failedChecks),
      );
      assert.equal(content(s.mvf), content(f.mvf));
    });

    // The mailboxes do not depend on the store: checked once, on SQLite.
    test(
      'TMAD 5.10(a), (d): --mailboxes gives the MCF to the S1SP, DCO and Commissioning Party, the MVF to the S1SP, DCO and Requesting Party',
      { skip: !mailboxes },
      async () => {
        const root = path.join(dir, `${name}-mb`);
        const r = await validate([
          '--out',
          path.join(dir, `${name}-mb-out`) + '/',
          '--mvf-counter',
          '6',
          '--mailboxes',
          root,
        ]);
        assert.equal(r.code, 1, r.stderr);
        const j = JSON.parse(r.stdout) as JsonOut;
        const got = j.delivered.map((d) => `${d.file} ${d.role}/${d.party}`);
        assert.deepEqual(got, [
          'MCF s1sp/70-B3-D5-1F-30-11-00-01',
          'MCF dco/DCO',
          'MCF commissioning-party/70-B3-D5-1F-30-12-00-01',
          'MVF s1sp/70-B3-D5-1F-30-11-00-01',
          'MVF dco/DCO',
          'MVF requesting-party/70-B3-D5-1F-30-10-00-01',
        ]);
        const mcfName = path.basename(mcf);
        assert.deepEqual(readFileSync(path.join(root, 'dco', 'DCO', 'inbox', mcfName)), readFileSync(mcf));
        assert.deepEqual(
          readdirSync(path.join(root, 'commissioning-party', '70-B3-D5-1F-30-12-00-01', 'inbox')),
          [mcfName],
        );
        // The Requesting Party authenticates the MVF it received (TMAD 5.11, Table 5.9).
        const rpMvf = j.delivered.find((d) => d.role === 'requesting-party')!.path;
        const a = await cli(['file', 'authenticate', '--as', 'requesting-party', '--trust', pki, rpMvf]);
        assert.equal(a.code, 0, a.stdout + a.stderr);
        if (hasXmlsec) {
          const x = spawnSync(
            'xmlsec1',
            ['--verify', '--pubkey-cert-pem', path.join(pki, 's1sp', 's1SPMigrationSigning.cert.pem'), rpMvf],
            { encoding: 'utf8' },
          );
          assert.equal(x.status, 0, x.stderr);
        }
        // Delivering again under the same names is refused, never overwritten.
        const again = await validate([
          '--out',
          path.join(dir, `${name}-mb-out2`) + '/',
          '--mvf-counter',
          '6',
          '--mailboxes',
          root,
        ]);
        assert.equal(again.code, 2);
        assert.match(again.stderr, /already delivered/);
      },
    );

    test(
      'TMAD 5.10(a): ToBeCommissionedByDCC False sends the MCF to the Responsible Supplier (the ESME Supplier Party), not a Commissioning Party',
      { skip: !mailboxes },
      async () => {
        const root = path.join(dir, `${name}-mb-rs`);
        const r = await validate(
          ['--out', path.join(dir, `${name}-rs-out`) + '/', '--mvf-counter', '7', '--mailboxes', root],
          mcfBySupplier,
        );
        assert.equal(r.code, 1, r.stderr);
        const j = JSON.parse(r.stdout) as JsonOut;
        assert.deepEqual(
          j.delivered.filter((d) => d.file === 'MCF').map((d) => `${d.role}/${d.party}`),
          ['s1sp/70-B3-D5-1F-30-11-00-01', 'dco/DCO', 'responsible-supplier/SUPA'],
        );
        assert.deepEqual(j.unrouted, []);
        assert.equal(existsSync(path.join(root, 'commissioning-party')), false);
      },
    );

    test('TMAD 4.2: early validation writes the same MVF content as the pipeline, with its own Stored Counters', async () => {
      const pipeline = await validate(['--out', path.join(dir, `${name}-pipe`) + '/', '--mvf-counter', '9']);
      const early = await cli([
        'dcc',
        'early-validate',
        mcf,
        ...signer(),
        '--smso',
        'CGI',
        '--at',
        AT,
        '--mvf-counter',
        '9',
        '--out',
        path.join(dir, `${name}-early`) + '/',
        '--mailboxes',
        path.join(dir, `${name}-mb-early`),
        '--json',
      ]);
      assert.equal(early.code, 1, early.stdout + early.stderr);
      const e = JSON.parse(early.stdout) as JsonOut & { earlyValidation: { authenticator: string } };
      const p = JSON.parse(pipeline.stdout) as JsonOut;
      assert.equal(e.earlyValidation.authenticator, 'dcc-early-validation');
      assert.equal(content(e.mvf), content(p.mvf));
      assert.deepEqual(
        e.delivered.map((d) => `${d.file} ${d.role}/${d.party}`),
        ['MVF smso/CGI'],
      );
      // The production intake's counters are untouched: the same MCF still authenticates there.
      const prod = await cli(['file', 'authenticate', '--as', 'dcc', '--trust', pki, '--at', AT, mcf]);
      assert.equal(prod.code, 0, prod.stdout + prod.stderr);
      // Early validation's own counter blocks another MCF with the same MCFCounter (5.9.5).
      const replay = await cli([
        'dcc',
        'early-validate',
        mcfSameCounter,
        ...signer(),
        '--smso',
        'CGI',
        '--at',
        AT,
        '--out',
        path.join(dir, `${name}-early2`) + '/',
      ]);
      assert.equal(replay.code, 1, replay.stdout + replay.stderr);
      assert.match(replay.stdout, /REJECTED by early validation/);
      assert.match(replay.stdout, /5\.9\.5/);
      assert.equal(
        existsSync(path.join(dir, `${name}-early2`)) &&
          readdirSync(path.join(dir, `${name}-early2`)).length > 0,
        false,
      );
    });
  });
}

suite('SQLite', { S1MIG_DATABASE_URL: `sqlite:${path.join(dir, 'db.sqlite')}` }, false, true);
suite(
  'PostgreSQL',
  { S1MIG_DATABASE_URL: PG_URL, S1MIG_PG_SCHEMA: pgSchema },
  pgProblem ? `PostgreSQL unreachable (${pgProblem}); set S1MIG_TEST_PG_URL to run these` : false,
  false,
);

after(async () => {
  if (pgProblem) return;
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  await client.query(`DROP SCHEMA IF EXISTS "${pgSchema}" CASCADE`);
  await client.end();
});

test('samples/reference imported with s1mig ref import: validate-mcf runs on a generated MCF and reports every installation', async () => {
  const env = { S1MIG_DATABASE_URL: `sqlite:${path.join(dir, 'samples.sqlite')}` };
  for (const r of [
    'products',
    'epc',
    'group-models',
    'smi',
    'organisations',
    'registration',
    'certificates',
  ]) {
    const i = await runCli(['ref', 'import', r, path.join(REPO_ROOT, 'samples', 'reference', `${r}.csv`)], {
      env,
    });
    assert.equal(i.code, 0, i.stderr);
  }
  const r = await runCli(
    [
      'dcc',
      'validate-mcf',
      mcf,
      ...signer(),
      '--at',
      AT,
      '--json',
      '--out',
      path.join(dir, 'samples-out') + '/',
    ],
    { env },
  );
  assert.equal(r.code, 1, r.stderr);
  const j = JSON.parse(r.stdout) as JsonOut;
  assert.equal(j.installations, 5);
  assert.equal(j.failed, 5);
  // Those registries describe another estate (other models, meter points and certificates).
  for (const x of j.results) assert.ok(x.failedChecks.length > 0);
  assert.ok(j.results.some((x) => x.failedChecks.some((c) => c.failedStepNumber === '5.10.3')));
});
