// s1mig supplier commission end to end (TMAD 6.6): an MCF with ToBeCommissionedByDCC = False and its
// SCF (written with the codec and the test PKI), the CHF and GPF in the SMI as the S1SP leaves them
// (3.3(a)); the supplier's requests, signed with its own certificate, answered by the DCC.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT, runCli } from '../support/cli.js';
import { makeTestPki, type TestPkiFixture } from '../support/signed-files.js';
import { installation, mcfHeader, pkiIds, success, writeMcf, writeScf } from '../support/commissioning.js';

let pki: TestPkiFixture;
let tmp: string;
const env = { S1MIG_DATABASE_URL: '', S1MIG_TRUST: '' };
before(async () => {
  pki = await makeTestPki();
  tmp = await mkdtemp(path.join(os.tmpdir(), 's1mig-supplier-commission-'));
});
after(async () => {
  await pki.cleanup();
  await rm(tmp, { recursive: true, force: true });
});

test("TMAD 6.6: supplier commission sends the Table 6.3 requests for the supplier's own installation; --json; an MCF for the Commissioning Party is refused", async () => {
  const inst = installation(1, pkiIds(pki));
  await writeFile(
    path.join(tmp, 'smi.csv'),
    `Device ID,Device Type,Status\n${inst.chfDetail.deviceId},CHF,Commissioned\n${inst.gpfDetail.deviceId},GPF,Commissioned\n`,
  );
  assert.equal((await runCli(['ref', 'import', 'smi', 'smi.csv'], { cwd: tmp, env })).code, 0);
  const orgs = path.join(REPO_ROOT, 'samples', 'dcc-reference', 'organisations.csv');
  assert.equal((await runCli(['ref', 'import', 'organisations', orgs], { cwd: tmp, env })).code, 0);
  const h = mcfHeader(pki, 6n, { toBeCommissionedByDcc: false });
  const mcf = await writeMcf(pki, tmp, h, [inst]);
  const scf = await writeScf(pki, tmp, h, 1n, [success(inst)]);
  const cert = pki
    .party('supplier-a')
    .certificates.find((c) => c.role === 'supplier' && c.keyUsage === 'digitalSignature')!;
  const common = [
    '--trust',
    pki.dir,
    '--supplier',
    'SUPA',
    '--request-cert',
    path.join(pki.dir, cert.cert),
    '--no-require-crl',
  ];
  const at = new Date(Date.now() + 3_600_000).toISOString();
  const r = await runCli(['supplier', 'commission', mcf, scf, '--at', at, '--json', ...common], {
    cwd: tmp,
    env,
  });
  assert.equal(r.code, 0, r.stderr + r.stdout);
  const out = JSON.parse(r.stdout) as Array<{
    accepted: boolean;
    installations?: Array<{ chf: string; state: string; requests: Array<{ step: string }> }>;
  }>;
  assert.deepEqual(
    out.map((x) => x.accepted),
    [true, true],
  );
  // The ESME's Critical Supplier certificate is supplier-a's, SUPA in the organisations registry.
  const i = out[1]!.installations![0]!;
  assert.equal(i.chf, inst.chfDetail.deviceId);
  assert.equal(i.state, 'commissioned');
  assert.deepEqual(
    i.requests.map((q) => q.step),
    ['6.3.1', '6.3.2', '6.3.11', '6.3.13', '6.3.19'],
  );
  const cpMcf = await writeMcf(pki, tmp, mcfHeader(pki, 7n), [inst]);
  const refused = await runCli(['supplier', 'commission', cpMcf, scf, '--at', at, ...common], {
    cwd: tmp,
    env,
  });
  assert.equal(refused.code, 1, refused.stderr);
  assert.match(refused.stdout, /TMAD 6\.6: ToBeCommissionedByDCC is True/);
});
