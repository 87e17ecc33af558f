// The independent XML tools as test peers over a run's output (issues #11, #13: every file validates
// against the schema and verifies with xmlsec1): the distinct XML files under a directory, libxml2's
// xmllint against schema/smets1-migration.xsd, and xmlsec1 in PKI mode under the signer's Table 5.5
// certificate of an estate's PKI (the root trusted, the issuing CA and the signer untrusted).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from './cli.js';

export const MIGRATION_XSD = path.join(REPO_ROOT, 'schema', 'smets1-migration.xsd');
export const hasXmllint = spawnSync('xmllint', ['--version']).status === 0;
export const hasXmlsec1 = spawnSync('xmlsec1', ['--version']).status === 0;

function* walk(dir: string): Generator<string> {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) yield* walk(p);
    else if (e.name.endsWith('.xml')) yield p;
  }
}

/** Every XML file under `dir`, and one per distinct content (a mailbox copy equals the party's own). */
export function xmlFilesUnder(dir: string): { all: string[]; distinct: string[] } {
  const all = [...walk(dir)];
  const byHash = new Map<string, string>();
  for (const f of all) byHash.set(createHash('sha256').update(fs.readFileSync(f)).digest('hex'), f);
  return { all, distinct: [...byHash.values()] };
}

/** xmllint's complaint about `file` against the migration schema, or null when it validates. */
export function xmllintProblem(file: string): string | null {
  const r = spawnSync('xmllint', ['--noout', '--schema', MIGRATION_XSD, file], { encoding: 'utf8' });
  return r.status === 0 ? null : r.stderr;
}

/**
 * Table 5.5: the MCF, MGF and MEF are signed by the Requesting Party, the MVF and SCF by the S1SP, the
 * COF by the Commissioning Party (commissioningPartyFileSigning).
 */
export function table55Signer(pki: string, file: string): string {
  const type = path.basename(file).slice(0, 3);
  if (type === 'COF') return path.join(pki, 'commissioning-party', 'commissioningPartyFileSigning.cert.pem');
  return type === 'MVF' || type === 'SCF'
    ? path.join(pki, 's1sp', 's1SPMigrationSigning.cert.pem')
    : path.join(pki, 'requesting-party', 'requestingPartyFileSigning.cert.pem');
}

/** xmlsec1's complaint about `file` in PKI mode under `signerCert`, or null when it verifies. */
export function xmlsec1Problem(
  pki: string,
  file: string,
  signerCert = table55Signer(pki, file),
): string | null {
  const r = spawnSync(
    'xmlsec1',
    [
      '--verify',
      '--trusted-pem',
      path.join(pki, 'root-ca.cert.pem'),
      '--untrusted-pem',
      path.join(pki, 'issuing-ca.cert.pem'),
      '--untrusted-pem',
      signerCert,
      file,
    ],
    { encoding: 'utf8' },
  );
  return r.status === 0 ? null : r.stderr;
}

/** Whether xmlsec1 verifies `file` with the public key of `cert` alone (to show a wrong signer fails). */
export function xmlsec1VerifiesWithKeyOf(cert: string, file: string): boolean {
  return spawnSync('xmlsec1', ['--verify', '--pubkey-cert-pem', cert, file]).status === 0;
}
