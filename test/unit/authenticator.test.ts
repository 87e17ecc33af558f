// The Table 5.9 authenticator (TMAD 5.5-5.9, 5.11), step by step, in both columns.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { authenticateMigrationFile, type AuthenticateOptions } from '../../src/core/authentication/index.js';
import { issueOrganisationCertificate } from '../../src/estate/test-pki.js';
import { loadTrustStore } from '../../src/files/trust-store.js';
import { openStore, type Store } from '../../src/store/index.js';
import { makeTestPki, sample, signAs, signWith, type TestPkiFixture } from '../support/signed-files.js';

const DAY = 86_400_000;
let pki: TestPkiFixture;
let store: Store;
let dataDir: string;
let RP: string;
let S1SP: string;
let CP: string;

before(async () => {
  pki = await makeTestPki();
  dataDir = await mkdtemp(path.join(os.tmpdir(), 's1mig-auth-'));
  store = await openStore({ url: `sqlite:${path.join(dataDir, 'auth.sqlite')}` });
  RP = pki.party('requesting-party').entityId;
  S1SP = pki.party('s1sp').entityId;
  CP = pki.party('commissioning-party').entityId;
});
after(async () => {
  await store.close();
  await rm(dataDir, { recursive: true, force: true });
  await pki.cleanup();
});

function opts(o: Partial<AuthenticateOptions> = {}): AuthenticateOptions {
  return { as: 'dcc', trust: pki.trust, counters: store.counters, incidents: store.incidents, ...o };
}

let counter = 1000;
const nextCounter = (): string => String(counter++);

async function signedMcf(
  o: {
    counter?: string;
    groupId?: string;
    supplierCertificates?: Array<{ issuerName: string; serialNumber: string }>;
  } = {},
): Promise<string> {
  return signAs(
    pki,
    'requesting-party',
    'requestingPartyFileSigning',
    sample('MCF', { requestingPartyId: RP, counter: o.counter ?? nextCounter(), ...o }),
  );
}

describe('TMAD Table 5.9, general column', () => {
  test('TMAD 5.9: a well-formed, valid, correctly signed MCF passes 5.9.1-5.9.5 at the DCC', async () => {
    const v = await authenticateMigrationFile(await signedMcf(), opts());
    assert.equal(v.accepted, true, JSON.stringify(v.problems));
    assert.deepEqual(v.stepsPassed, ['5.9.1', '5.9.2', '5.9.3', '5.9.4', '5.9.5']);
    assert.equal(v.fileType, 'MCF');
    assert.equal(v.column, 'general');
    assert.equal(v.signer?.entityId, RP);
  });

  test('TMAD 5.9.5: the same MCFCounter again within 60 days is a replay; after 60 days it is accepted', async () => {
    const c = nextCounter();
    const t0 = new Date(Date.now() + DAY);
    const first = await authenticateMigrationFile(await signedMcf({ counter: c }), opts({ now: t0 }));
    assert.equal(first.accepted, true);
    const replay = await authenticateMigrationFile(
      await signedMcf({ counter: c }),
      opts({ now: new Date(t0.getTime() + 59 * DAY) }),
    );
    assert.equal(replay.accepted, false);
    assert.equal(replay.failedStep, '5.9.5');
    assert.match(replay.problems[0]!.message, /replay/);
    const later = await authenticateMigrationFile(
      await signedMcf({ counter: c }),
      opts({ now: new Date(t0.getTime() + 61 * DAY) }),
    );
    assert.equal(later.accepted, true, JSON.stringify(later.problems));
  });

  test('TMAD 5.9: a failed check raises an Incident with TMAD 3.5 category and targets', async () => {
    const c = nextCounter();
    await authenticateMigrationFile(await signedMcf({ counter: c }), opts());
    const v = await authenticateMigrationFile(
      await signedMcf({ counter: c }),
      opts({ fileName: 'MCF_x_1_0.xml' }),
    );
    assert.equal(v.accepted, false);
    assert.ok(v.incidentId);
    const incidents = await store.incidents.list();
    const inc = incidents.find((i) => i.id === v.incidentId)!;
    assert.equal(inc.kind, 'file-authentication-failure');
    assert.equal(inc.step, '5.9.5');
    assert.equal(inc.category, 3);
    assert.equal(inc.targetResolutionBy.getTime() - inc.raisedAt.getTime(), 72 * 3_600_000);
  });

  test('TMAD 5.9.1: a schema-invalid file is rejected at 5.9.1 with line and element', async () => {
    const xml = (await signedMcf()).replace('<GroupID>AA</GroupID>', '<GroupID>AA</GroupID><Bogus/>');
    const v = await authenticateMigrationFile(xml, opts());
    assert.equal(v.failedStep, '5.9.1');
    assert.ok(v.problems[0]!.line);
    assert.match(v.problems[0]!.element ?? '', /MigrationCommon/);
  });

  test('TMAD 5.9.1: not well-formed or with a DOCTYPE is rejected at 5.9.1', async () => {
    const v1 = await authenticateMigrationFile('<MigrationCommon><x></MigrationCommon>', opts());
    assert.equal(v1.failedStep, '5.9.1');
    const v2 = await authenticateMigrationFile(
      '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><MigrationCommon/>',
      opts(),
    );
    assert.equal(v2.failedStep, '5.9.1');
    assert.match(v2.problems[0]!.message, /DOCTYPE/);
  });

  test('TMAD 10.1 Table 10.1: RequestingPartyID must equal the signer certificate Entity Identifier (5.9.1)', async () => {
    const xml = await signAs(
      pki,
      'requesting-party',
      'requestingPartyFileSigning',
      sample('MCF', { requestingPartyId: S1SP, counter: nextCounter() }),
    );
    const v = await authenticateMigrationFile(xml, opts());
    assert.equal(v.failedStep, '5.9.1');
    assert.match(v.problems[0]!.message, /Entity Identifier/);
  });

  test('TMAD 5.9.1 / Table 10.1 GPFDetail: without a GSME the GPF certificate IDs must be Null', async () => {
    // The sample's second installation has no GSME and Null GPF certificate IDs; give it a real one.
    const xml = sample('MCF', { requestingPartyId: RP, counter: nextCounter() });
    const i2 = xml.indexOf('<SMETS1Installation>', xml.indexOf('<SMETS1Installation>') + 1);
    const broken =
      xml.slice(0, i2) +
      xml
        .slice(i2)
        .replace(
          '<X509IssuerName>NULL</X509IssuerName>',
          '<X509IssuerName>CN=Issuing CA,O=Example,C=GB</X509IssuerName>',
        )
        .replace('<X509SerialNumber>0</X509SerialNumber>', '<X509SerialNumber>1001</X509SerialNumber>');
    const v = await authenticateMigrationFile(
      await signAs(pki, 'requesting-party', 'requestingPartyFileSigning', broken),
      opts(),
    );
    assert.equal(v.failedStep, '5.9.1');
    assert.equal(v.problems[0]!.rule, 'TMAD 10.1 Table 10.1 GPFDetail');
    assert.match(v.problems[0]!.element ?? '', /SMETS1Installation\[2\]\/GPFDetail/);
  });

  test('TMAD 5.9.2: a tampered file fails Check Cryptographic Protection', async () => {
    const xml = (await signedMcf()).replace(
      '<FirmwareVersion>01020304</FirmwareVersion>',
      '<FirmwareVersion>01020305</FirmwareVersion>',
    );
    const v = await authenticateMigrationFile(xml, opts());
    assert.equal(v.failedStep, '5.9.2');
  });

  test('TMAD 5.9.2: a signer certificate not in the trust store fails 5.9.2', async () => {
    const xml = (await signedMcf()).replace(/<ds:X509SerialNumber>\d+</, '<ds:X509SerialNumber>12345<');
    const v = await authenticateMigrationFile(xml, opts());
    assert.equal(v.failedStep, '5.9.2');
  });

  test('TMAD 5.9.3 / Table 5.5: an MCF signed with a certificate of the wrong Remote Party Role is rejected', async () => {
    const wrong = await issueOrganisationCertificate(pki.dir, {
      party: 'requesting-party',
      role: 's1SPMigrationSigning',
      keyUsage: 'digitalSignature',
    });
    const trust = await loadTrustStore(pki.dir);
    const xml = await signWith(pki, wrong, sample('MCF', { requestingPartyId: RP, counter: nextCounter() }));
    const v = await authenticateMigrationFile(xml, opts({ trust }));
    assert.equal(v.failedStep, '5.9.3');
    assert.match(v.problems[0]!.message, /requestingPartyFileSigning/);
  });

  test('TMAD 5.9.4: an expired signer certificate fails Confirm Validity', async () => {
    const expired = await issueOrganisationCertificate(pki.dir, {
      party: 'requesting-party',
      role: 'requestingPartyFileSigning',
      keyUsage: 'digitalSignature',
      notBefore: new Date(Date.now() - 400 * DAY),
      notAfter: new Date(Date.now() - 10 * DAY),
    });
    const trust = await loadTrustStore(pki.dir);
    const xml = await signWith(
      pki,
      expired,
      sample('MCF', { requestingPartyId: RP, counter: nextCounter() }),
    );
    const v = await authenticateMigrationFile(xml, opts({ trust }));
    assert.equal(v.failedStep, '5.9.4');
    assert.match(v.problems[0]!.message, /expired/);
  });

  test('TMAD 5.11 / 5.9.8: the Requesting Party authenticates an MVF signed by the S1SP; counters per RequestingPartyID', async () => {
    const c = nextCounter();
    const mvf = await signAs(
      pki,
      's1sp',
      's1SPMigrationSigning',
      sample('MVF', { requestingPartyId: RP, creatorId: S1SP, counter: c }),
    );
    const v = await authenticateMigrationFile(mvf, opts({ as: 'requesting-party' }));
    assert.equal(v.accepted, true, JSON.stringify(v.problems));
    assert.deepEqual(v.stepsPassed.at(-1), '5.9.8');
    assert.equal(v.header.counterPartyId, RP);
    const again = await authenticateMigrationFile(mvf, opts({ as: 'requesting-party' }));
    assert.equal(again.failedStep, '5.9.8');
    // A different Authenticator keeps its own Stored Counters (TMAD 5.7).
    const dco = await authenticateMigrationFile(mvf, opts({ as: 'dco' }));
    assert.equal(dco.accepted, true);
  });

  test('TMAD 5.9.6, 5.9.7, 5.9.9 and the COF decision: every signed file type authenticates once and replays fail', async () => {
    const cases = [
      {
        type: 'MGF' as const,
        party: 'requesting-party',
        role: 'requestingPartyFileSigning',
        creator: undefined,
        step: '5.9.6',
      },
      {
        type: 'MEF' as const,
        party: 'requesting-party',
        role: 'requestingPartyFileSigning',
        creator: undefined,
        step: '5.9.7',
      },
      { type: 'SCF' as const, party: 's1sp', role: 's1SPMigrationSigning', creator: S1SP, step: '5.9.9' },
      {
        type: 'COF' as const,
        party: 'commissioning-party',
        role: 'commissioningPartyFileSigning',
        creator: CP,
        step: '5.9.9A',
      },
    ];
    for (const c of cases) {
      const xml = await signAs(
        pki,
        c.party,
        c.role,
        sample(c.type, { requestingPartyId: RP, creatorId: c.creator, counter: nextCounter() }),
      );
      const v = await authenticateMigrationFile(xml, opts({ as: 'supplier' }));
      assert.equal(v.accepted, true, `${c.type}: ${JSON.stringify(v.problems)}`);
      assert.equal(v.fileType, c.type);
      assert.equal(v.stepsPassed.at(-1), c.step);
      const replay = await authenticateMigrationFile(xml, opts({ as: 'supplier' }));
      assert.equal(replay.failedStep, c.step, c.type);
    }
  });

  test('TMAD Table 5.5: an SCF signed by the Requesting Party is rejected (creator/role)', async () => {
    const xml = await signAs(
      pki,
      'requesting-party',
      'requestingPartyFileSigning',
      sample('SCF', { requestingPartyId: RP, creatorId: RP, counter: nextCounter() }),
    );
    const v = await authenticateMigrationFile(xml, opts({ as: 'supplier' }));
    assert.equal(v.failedStep, '5.9.3');
  });
});

describe('TMAD Table 5.9, S1SP column (GroupID EA, EB, EC)', () => {
  const supplierA = () => pki.party('supplier-a').certificates.filter((c) => c.role === 'supplier');
  const supplierB = () => pki.party('supplier-b').certificates.filter((c) => c.role === 'supplier');

  test('5.9 column choice: the S1SP uses strictly increasing counters only for GroupID EA/EB/EC', async () => {
    const xml = await signedMcf({ groupId: 'AA' });
    const v = await authenticateMigrationFile(xml, opts({ as: 's1sp' }));
    assert.equal(v.column, 'general');
    const ea = await signedMcf({ groupId: 'EA', supplierCertificates: supplierA() });
    const v2 = await authenticateMigrationFile(ea, opts({ as: 's1sp' }));
    assert.equal(v2.column, 's1sp');
    assert.equal(v2.accepted, true, JSON.stringify(v2.problems));
    assert.deepEqual(v2.stepsPassed, ['5.9.1', '5.9.2', '5.9.3', '5.9.4', '5.9.5', '5.9.10']);
    // The DCC uses the general column even for EA.
    const dcc = await authenticateMigrationFile(
      await signedMcf({ groupId: 'EA', supplierCertificates: supplierA() }),
      opts({ as: 'dcc' }),
    );
    assert.equal(dcc.column, 'general');
  });

  test('TMAD 5.9.5 (S1SP column): MCFCounter must be greater than the Stored Counter', async () => {
    const s1sp = opts({ as: 's1sp' });
    const base = 5_000_000;
    const mk = (c: number) =>
      signedMcf({ counter: String(c), groupId: 'EB', supplierCertificates: supplierA() });
    assert.equal((await authenticateMigrationFile(await mk(base), s1sp)).accepted, true);
    const equal = await authenticateMigrationFile(await mk(base), s1sp);
    assert.equal(equal.failedStep, '5.9.5');
    const lower = await authenticateMigrationFile(await mk(base - 1), s1sp);
    assert.equal(lower.failedStep, '5.9.5');
    assert.equal((await authenticateMigrationFile(await mk(base + 1), s1sp)).accepted, true);
  });

  test('TMAD 5.9.10: Supplier Certificate IDs of two Supplier Parties are rejected', async () => {
    const mixed = [supplierA()[0]!, supplierB()[0]!];
    const v = await authenticateMigrationFile(
      await signedMcf({ counter: String(6_000_000), groupId: 'EC', supplierCertificates: mixed }),
      opts({ as: 's1sp' }),
    );
    assert.equal(v.failedStep, '5.9.10');
    assert.match(v.problems[0]!.message, /2 different Supplier Parties/);
  });

  test('TMAD 5.9.10: the Null Certificate ID counts as a different Supplier Party', async () => {
    const withNull = [supplierA()[0]!, { issuerName: 'NULL', serialNumber: '0' }];
    const v = await authenticateMigrationFile(
      await signedMcf({ counter: String(6_000_001), groupId: 'EA', supplierCertificates: withNull }),
      opts({ as: 's1sp' }),
    );
    assert.equal(v.failedStep, '5.9.10');
    assert.match(v.problems[0]!.message, /Null Certificate ID/);
  });

  test('TMAD 5.9.10: the Null GPF certificate IDs Table 10.1 requires without a GSME do not count; a Null ESME one does', async () => {
    // The sample's second installation has no GSME (its GPF IDs are Null by Table 10.1): accepted.
    const ok = await authenticateMigrationFile(
      await signedMcf({ counter: String(6_000_010), groupId: 'EA', supplierCertificates: supplierA() }),
      opts({ as: 's1sp' }),
    );
    assert.equal(ok.accepted, true, JSON.stringify(ok.problems));
    // A Null Supplier Certificate ID on an ESME is a different Supplier Party.
    const esmeNull = await authenticateMigrationFile(
      await signedMcf({
        counter: String(6_000_011),
        groupId: 'EA',
        supplierCertificates: [supplierA()[0]!, { issuerName: 'NULL', serialNumber: '0' }],
      }),
      opts({ as: 's1sp' }),
    );
    assert.equal(esmeNull.failedStep, '5.9.10');
  });

  test('TMAD 5.9.10: an organisations registry may map several User IDs to one Supplier Party', async () => {
    const mixed = [supplierA()[0]!, supplierB()[0]!];
    const v = await authenticateMigrationFile(
      await signedMcf({ counter: String(6_000_020), groupId: 'EA', supplierCertificates: mixed }),
      opts({ as: 's1sp', supplierPartyOf: () => 'ONE-PARTY' }),
    );
    assert.equal(v.accepted, true, JSON.stringify(v.problems));
  });
});

describe('TMAD 5.9.5-5.9.9: accepted files are recorded with their Stored Counter', () => {
  const withFiles = (o: Partial<AuthenticateOptions> = {}) =>
    opts({ acceptedFiles: store.acceptedFiles, ...o });

  test('TMAD 5.9.5: the same bytes again return the original verdict marked alreadyAccepted (no Incident); other bytes with the counter are a replay', async () => {
    const c = nextCounter();
    const file = await signedMcf({ counter: c });
    const first = await authenticateMigrationFile(file, withFiles({ fileName: 'first.xml' }));
    assert.equal(first.accepted, true, JSON.stringify(first.problems));
    assert.equal(first.alreadyAccepted, undefined);
    // The digest is of the bytes, computed by an independent hash of the same text.
    const { createHash } = await import('node:crypto');
    assert.equal(first.sha256, createHash('sha256').update(file, 'utf8').digest('hex'));
    const incidents = (await store.incidents.list()).length;

    const again = await authenticateMigrationFile(file, withFiles({ fileName: 'again.xml' }));
    assert.equal(again.accepted, true);
    assert.deepEqual(again.stepsPassed, first.stepsPassed);
    assert.equal(again.fileName, 'again.xml');
    assert.equal(again.alreadyAccepted?.fileName, 'first.xml');
    assert.equal(again.incidentId, null);
    assert.equal((await store.incidents.list()).length, incidents, 'no Incident');

    // Streamed as bytes (chunks), the same file is still recognised.
    const chunks = async function* () {
      const b = Buffer.from(file, 'utf8');
      for (let i = 0; i < b.length; i += 1000) yield b.subarray(i, i + 1000);
    };
    assert.ok((await authenticateMigrationFile(chunks(), withFiles())).alreadyAccepted);

    const other = await signedMcf({ counter: c, groupId: 'AB' });
    const replay = await authenticateMigrationFile(other, withFiles());
    assert.equal(replay.accepted, false);
    assert.equal(replay.failedStep, '5.9.5');
    assert.equal(replay.alreadyAccepted, undefined);
    assert.equal(typeof replay.incidentId, 'number');
  });

  test('TMAD 5.9.5: when the verdict cannot be recorded the Stored Counter is rolled back (one transaction)', async () => {
    const c = nextCounter();
    const file = await signedMcf({ counter: c });
    const failing: AuthenticateOptions['acceptedFiles'] = {
      find: (a, h) => store.acceptedFiles.find(a, h),
      transaction: (work) =>
        store.acceptedFiles.transaction((tx) =>
          work({
            counters: tx.counters,
            recordAccepted: async () => {
              throw new Error('disk full');
            },
          }),
        ),
    };
    // As a kill would: the run ends without a verdict.
    await assert.rejects(authenticateMigrationFile(file, withFiles({ acceptedFiles: failing })), /disk full/);
    const key = { authenticator: 'dcc', partyId: RP, fileType: 'MCF' as const };
    assert.ok(!(await store.counters.list(key)).some((x) => x.counter === BigInt(c)), 'counter rolled back');
    // The re-run accepts the genuine file (not a replay of its own counter).
    const rerun = await authenticateMigrationFile(file, withFiles());
    assert.equal(rerun.accepted, true, JSON.stringify(rerun.problems));
    assert.equal(rerun.alreadyAccepted, undefined);
    assert.ok(
      (await store.counters.list(key)).some((x) => x.counter === BigInt(c)),
      'now stored',
    );
  });
});
