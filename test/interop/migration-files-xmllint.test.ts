// TMAD 10.1: generated files of every Table 10.2 type, once signed (enveloped XMLDSig, ds:Signature as
// the root's last child), validate against schema/smets1-migration.xsd with libxml2's xmllint; the
// decrypted plaintexts (Table 11.2.1) validate too. Readers accept what xmllint accepts.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { createReadStream, createWriteStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { signXmlFile } from '../../src/lib/xmldsig/index.js';
import { decryptS1spGroupInformationXml } from '../../src/core/crypto/index.js';
import {
  readMigrationFile,
  readMigrationGroupEncryptedFile,
  type MefInstallation,
  type SignedMigrationFileType,
} from '../../src/core/formats/migration-files/index.js';
import { generateSampleFile } from '../../src/estate/migration-file-samples.js';

// Run from the repository root (as npm test and CI do).
const XSD = path.resolve('schema/smets1-migration.xsd');
const hasXmllint = spawnSync('xmllint', ['--version']).status === 0;
const dir = mkdtempSync(path.join(tmpdir(), 's1mig-mf-xmllint-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const key = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signing = {
  privateKey: key.privateKey,
  issuerName: 'CN=s1mig Test SMKI Issuing CA,OU=07,O=s1mig Test',
  serialNumber: '4242',
};

function xmllint(file: string): { status: number | null; stderr: string } {
  const r = spawnSync('xmllint', ['--noout', '--schema', XSD, file], { encoding: 'utf8' });
  return { status: r.status, stderr: r.stderr };
}

const CASES: Array<[SignedMigrationFileType, string]> = [
  ['MCF', 'AA'],
  ['MCF', 'EA'],
  ['MVF', 'AA'],
  ['MGF', 'CA'],
  ['MEF', 'AA'],
  ['MEF', 'DA'],
  ['MEF', 'EB'],
  ['SCF', 'BA'],
  ['COF', 'AA'],
];

for (const [type, groupId] of CASES) {
  test(
    `TMAD 10.1: generated and signed ${type} (GroupID ${groupId}) passes xmllint --schema`,
    { skip: !hasXmllint && 'xmllint not installed' },
    async () => {
      const unsigned = path.join(dir, `${type}-${groupId}.unsigned.xml`);
      const signed = path.join(dir, `${type}-${groupId}.xml`);
      const res = await generateSampleFile(
        type,
        {
          installations: 20,
          requestingPartyId: '70-B3-D5-1F-30-10-00-01',
          commissioningPartyId: '70-B3-D5-1F-30-12-00-01',
          counter: 12,
          mcfCounter: 11,
          groupId,
          seed: 7,
          s1spPublicKey: rsa.publicKey,
          dcoPublicKey: rsa.publicKey,
        },
        createWriteStream(unsigned),
      );
      await signXmlFile(unsigned, signed, signing);
      const v = xmllint(signed);
      assert.equal(v.status, 0, v.stderr);
      // The unsigned file lacks the required ds:Signature: the schema says so.
      assert.notEqual(xmllint(unsigned).status, 0);
      const s = await readMigrationFile(createReadStream(signed), {}, { requireSignature: true });
      assert.equal(s.fileType, type);
      assert.equal(s.installations, 20);
      assert.deepEqual(s.header, res.header);
      if (type === 'MEF') {
        // Table 11.2.1: the decrypted Plaintext is itself a schema-valid document.
        let first: MefInstallation | undefined;
        await readMigrationGroupEncryptedFile(createReadStream(signed), {
          onInstallation: (i) => void (first ??= i),
        });
        const g = first!.encryptedS1spGroupInformation!;
        const plain = decryptS1spGroupInformationXml(
          {
            ProtectedData: g.protectedData,
            AuthenticationTag: g.authenticationTag,
            WrappedTransportKey: g.wrappedTransportKey,
          },
          rsa.privateKey,
        );
        const p = path.join(dir, `${type}-${groupId}.plaintext.xml`);
        writeFileSync(p, plain);
        const pv = xmllint(p);
        assert.equal(pv.status, 0, pv.stderr);
      }
    },
  );
}
