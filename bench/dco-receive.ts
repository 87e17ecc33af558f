// Benchmark (the DCO, TMAD 5.15-5.21): receipt of one DCO Required File Set of N installations (MCF,
// MVF and an AA MEF with one EncryptedMasterKey per installation) on embedded SQLite — authentication,
// RSA-OAEP decryption (Table 11.3) of every EncryptedKey, sealing, recording, the 5.19 decision — and
// then one createKeyChange per installation (the S1SP's A5 ET08 requests), beside the RSA-2048
// private-operation rate `openssl speed` measures in the same run.
//
//   npm run build && node dist/bench/dco-receive.js [installations=2000]
import { spawnSync } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { initTestPki } from '../src/estate/test-pki.js';
import { loadPrivateKey, loadTrustStore } from '../src/files/trust-store.js';
import { signXmlString } from '../src/lib/xmldsig/index.js';
import { openStore } from '../src/store/index.js';
import { Dco } from '../src/dco/index.js';
import { encryptMasterKey } from '../src/core/crypto/index.js';
import { rsaKeyIdentifier } from '../src/core/formats/smso/group-key.js';
import {
  iterateMigrationFile,
  migrationFileName,
  migrationFileToXmlString,
  type McfInstallation,
  type MefInstallation,
} from '../src/core/formats/migration-files/index.js';
import * as samples from '../test/fixtures/schema/samples.js';

const N = Number(process.argv[2] ?? 2000);
const dir = await mkdtemp(path.join(os.tmpdir(), 's1mig-bench-dco-'));
try {
  const { parties } = await initTestPki(path.join(dir, 'pki'));
  const trust = await loadTrustStore(path.join(dir, 'pki'));
  const cert = (party: string, role: string) => {
    const c = parties.find((p) => p.name === party)!.certificates.find((x) => x.role === role)!;
    return { ...c, entityId: parties.find((p) => p.name === party)!.entityId };
  };
  const sign = async (xml: string, c: ReturnType<typeof cert>) =>
    signXmlString(xml, {
      privateKey: await loadPrivateKey(path.join(dir, 'pki', c.key)),
      issuerName: c.issuerName,
      serialNumber: c.serialNumber,
    });
  const rp = cert('requesting-party', 'requestingPartyFileSigning');
  const s1 = cert('s1sp', 's1SPMigrationSigning');
  const set = (xml: string, leaf: string, v: string) =>
    xml.replace(new RegExp(`<${leaf}>[^<]*</${leaf}>`), `<${leaf}>${v}</${leaf}>`);
  let mcfXml = samples.mcf(N).replace(/<ds:Signature>[\s\S]*<\/ds:Signature>\n?/, '');
  mcfXml = set(set(set(mcfXml, 'RequestingPartyID', rp.entityId), 'MCFCounter', '1'), 'GroupID', 'AA');
  const mcfSigned = await sign(mcfXml, rp);
  const installs: McfInstallation[] = [];
  for await (const item of iterateMigrationFile(Buffer.from(mcfSigned)))
    if (item.kind === 'installation') installs.push(item.installation as McfInstallation);
  const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const mvfHeader = {
    requestingPartyId: rp.entityId,
    mcfCounter: 1n,
    reportingPartyId: s1.entityId,
    mvfCounter: 1n,
    groupId: 'AA',
  };
  const mefHeader = { requestingPartyId: rp.entityId, mcfCounter: 1n, mefCounter: 1n, groupId: 'AA' };
  const mef: MefInstallation[] = installs.map((m) => ({
    chfIdentifier: m.chfDetail.deviceId,
    encryptedS1spGroupInformation: {
      protectedData: 'AAAA',
      authenticationTag: 'AAAAAAAAAAAAAAAAAAAAAA==',
      wrappedTransportKey: 'AAAA',
    },
    encryptedMasterKeys: [
      {
        encryptedKey: encryptMasterKey(randomBytes(16), pair.publicKey).toString('base64'),
        deviceIds: [m.chfDetail.deviceId, m.gpfDetail.deviceId, m.esmeDetail.deviceId],
      },
    ],
    suaKeyDetails: [],
  }));
  const files = {
    mcf: path.join(
      dir,
      migrationFileName('MCF', {
        requestingPartyId: rp.entityId,
        mcfCounter: 1n,
        groupId: 'AA',
        toBeCommissionedByDcc: true,
      }),
    ),
    mvf: path.join(dir, migrationFileName('MVF', mvfHeader)),
    mef: path.join(dir, migrationFileName('MEF', mefHeader)),
  };
  await writeFile(files.mcf, mcfSigned);
  await writeFile(
    files.mvf,
    await sign(
      await migrationFileToXmlString(
        'MVF',
        mvfHeader,
        installs.map((m) => ({ chfIdentifier: m.chfDetail.deviceId, failedChecks: [] })),
      ),
      s1,
    ),
  );
  await writeFile(files.mef, await sign(await migrationFileToXmlString('MEF', mefHeader, mef), rp));

  const store = await openStore({ url: '', dataDir: path.join(dir, 'db') });
  const now = new Date(Date.now() + 60_000);
  const dco = new Dco({
    store,
    trust,
    passphrase: 'bench',
    clock: () => now,
    keys: [
      {
        notice: {
          purpose: 'DCO-MasterKey',
          keyIdentifier: rsaKeyIdentifier(pair.publicKey),
          validFrom: '2020-01-01',
          validTo: '2099-12-31',
          groupIds: null,
          publicKey: pair.publicKey,
          source: 'bench',
        },
        privateKey: pair.privateKey,
      },
    ],
  });
  const out: Record<string, string> = { installations: String(N) };
  for (const t of ['mcf', 'mvf', 'mef'] as const) {
    const t0 = process.hrtime.bigint();
    const r = await dco.receive(files[t], now);
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    if (r.outcome === 'refused') throw new Error(`${t}: ${r.reason}`);
    out[`receive ${t.toUpperCase()} (s)`] = s.toFixed(2);
    if (t === 'mef')
      out['MEF installations/s (authenticate, decrypt, seal, record, 5.19)'] = (N / s).toFixed(0);
  }
  const t1 = process.hrtime.bigint();
  for (const m of installs)
    await dco.createKeyChange(
      { requestingPartyId: rp.entityId, mcfCounter: 1n, groupId: 'AA', chfIdentifier: m.chfDetail.deviceId },
      { deviceId: m.esmeDetail.deviceId, associationName: 'DataCollection', newKey: randomBytes(16) },
    );
  const s1s = Number(process.hrtime.bigint() - t1) / 1e9;
  out['createKeyChange requests/s'] = (N / s1s).toFixed(0);
  await store.close();
  const speed = spawnSync('openssl', ['speed', '-seconds', '2', 'rsa2048'], { encoding: 'utf8' });
  const line = speed.stdout.split('\n').find((l) => /^rsa 2048 bits/.test(l));
  if (line) out['openssl RSA-2048 private ops/s (1 core)'] = line.trim().split(/\s+/)[5] ?? '?';
  for (const [k, v] of Object.entries(out)) console.log(`${k.padEnd(66)} ${v}`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
