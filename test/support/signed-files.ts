// Test helpers: a test SMKI PKI and signed migration files built from the schema samples.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { type TrustStore } from '../../src/core/pki/index.js';
import { initTestPki, type TestPkiParty } from '../../src/estate/test-pki.js';
import { loadPrivateKey, loadTrustStore } from '../../src/files/trust-store.js';
import { signXmlString } from '../../src/lib/xmldsig/index.js';
import * as samples from '../fixtures/schema/samples.js';

export interface TestPkiFixture {
  dir: string;
  parties: TestPkiParty[];
  trust: TrustStore;
  party(name: string): TestPkiParty;
  cleanup(): Promise<void>;
}

export async function makeTestPki(): Promise<TestPkiFixture> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 's1mig-pki-'));
  const { parties } = await initTestPki(dir);
  const trust = await loadTrustStore(dir);
  return {
    dir,
    parties,
    trust,
    party: (name) => {
      const p = parties.find((x) => x.name === name);
      if (!p) throw new Error(`no party ${name}`);
      return p;
    },
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

/** Strip the placeholder ds:Signature of a schema sample (the signer inserts the real one). */
export function unsigned(xml: string): string {
  return xml.replace(/<ds:Signature>[\s\S]*<\/ds:Signature>\n?/, '');
}

export type SampleType = 'MCF' | 'MGF' | 'MEF' | 'MVF' | 'SCF' | 'COF';

/** A schema sample of the given type with its IDs, counters and GroupID replaced. */
export function sample(
  type: SampleType,
  o: {
    requestingPartyId: string;
    creatorId?: string;
    counter?: string;
    mcfCounter?: string;
    groupId?: string;
    supplierCertificates?: Array<{ issuerName: string; serialNumber: string }>;
  },
): string {
  const raw = {
    MCF: samples.mcf,
    MGF: samples.mgf,
    MEF: samples.mef,
    MVF: samples.mvf,
    SCF: samples.scf,
    COF: samples.cof,
  }[type]();
  let xml = unsigned(raw);
  const setLeaf = (name: string, value: string): void => {
    xml = xml.replace(new RegExp(`<${name}>[^<]*</${name}>`), `<${name}>${value}</${name}>`);
  };
  setLeaf('RequestingPartyID', o.requestingPartyId);
  if (o.creatorId) {
    setLeaf('ReportingPartyID', o.creatorId);
    setLeaf('CommissioningPartyID', o.creatorId);
  }
  if (o.mcfCounter) setLeaf('MCFCounter', o.mcfCounter);
  if (o.counter)
    for (const c of ['MGFCounter', 'MEFCounter', 'MVFCounter', 'SCFCounter', 'COFCounter'])
      setLeaf(c, o.counter);
  if (type === 'MCF' && o.counter) setLeaf('MCFCounter', o.counter);
  if (o.groupId) setLeaf('GroupID', o.groupId);
  if (o.supplierCertificates) {
    let i = 0;
    const certs = o.supplierCertificates;
    xml = xml.replace(
      /<((?:Non)?CriticalSupplierCertificateID)>\s*<X509IssuerName>[^<]*<\/X509IssuerName>\s*<X509SerialNumber>[^<]*<\/X509SerialNumber>\s*<\/\1>/g,
      (m: string, el: string) => {
        if (m.includes('<X509IssuerName>NULL<')) return m; // keep Null Certificate IDs (GPF without GSME)
        const c = certs[i++ % certs.length]!;
        return `<${el}>\n<X509IssuerName>${c.issuerName}</X509IssuerName>\n<X509SerialNumber>${c.serialNumber}</X509SerialNumber>\n</${el}>`;
      },
    );
  }
  return xml;
}

/** Sign with the named party's certificate of the given role. */
export async function signAs(
  pki: TestPkiFixture,
  partyName: string,
  role: string,
  xml: string,
): Promise<string> {
  const party = pki.party(partyName);
  const cert = party.certificates.find((c) => c.role === role);
  if (!cert) throw new Error(`${partyName} has no ${role} certificate`);
  return signWith(pki, cert, xml);
}

export async function signWith(
  pki: TestPkiFixture,
  cert: { key: string; issuerName: string; serialNumber: string },
  xml: string,
): Promise<string> {
  const privateKey = await loadPrivateKey(path.join(pki.dir, cert.key));
  return signXmlString(xml, { privateKey, issuerName: cert.issuerName, serialNumber: cert.serialNumber });
}

export { readFile };
