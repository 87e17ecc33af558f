// Bench companion (issues #11, #13): every distinct XML migration file under a run directory (a
// `s1mig chain run --out` or a `s1mig demo week --dir`) checked by the independent tools, timed:
// xmllint against schema/smets1-migration.xsd (TMAD 10.1; many files per call) and xmlsec1 --verify in
// PKI mode (the root trusted; the issuing CA and the Table 5.5 signing certificates of the estate's PKI
// untrusted: xmlsec1 picks the signer by the signature's X509IssuerSerial). Prints counts, failures and
// the files/s of each tool; exit 1 when any file fails.
//
//   npx tsc -p . && node dist/bench/verify-files.js <run-dir> <estate-pki-dir> [--json]
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const XSD = path.join(ROOT, 'schema', 'smets1-migration.xsd');
const [runDir, pki] = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const json = process.argv.includes('--json');
if (!runDir || !pki) {
  process.stderr.write('usage: node dist/bench/verify-files.js <run-dir> <estate-pki-dir> [--json]\n');
  process.exit(2);
}

function* walk(dir: string): Generator<string> {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) yield* walk(p);
    else if (e.name.endsWith('.xml')) yield p;
  }
}

// Distinct files by content: a mailbox copy is byte-identical to the party's own.
const distinct = new Map<string, string>();
let seen = 0;
for (const f of walk(runDir)) {
  seen++;
  distinct.set(createHash('sha256').update(readFileSync(f)).digest('hex'), f);
}
const files = [...distinct.values()].sort();
const byType: Record<string, number> = {};
for (const f of files) byType[path.basename(f).slice(0, 3)] = (byType[path.basename(f).slice(0, 3)] ?? 0) + 1;

const signing = [
  'requesting-party/requestingPartyFileSigning.cert.pem',
  's1sp/s1SPMigrationSigning.cert.pem',
  'commissioning-party/commissioningPartyFileSigning.cert.pem',
  'commissioning-party/commissioningPartyXmlSigning.cert.pem',
].map((p) => path.join(pki, p));

const failures: Array<{ tool: string; file: string; message: string }> = [];
const t0 = process.hrtime.bigint();
for (let i = 0; i < files.length; i += 200) {
  const chunk = files.slice(i, i + 200);
  const r = spawnSync('xmllint', ['--noout', '--schema', XSD, ...chunk], { encoding: 'utf8' });
  if (r.error) throw r.error;
  if (r.status !== 0)
    for (const f of chunk) {
      const one = spawnSync('xmllint', ['--noout', '--schema', XSD, f], { encoding: 'utf8' });
      if (one.status !== 0)
        failures.push({ tool: 'xmllint', file: f, message: one.stderr.trim().slice(0, 500) });
    }
}
const t1 = process.hrtime.bigint();
for (const f of files) {
  const args = ['--verify', '--trusted-pem', path.join(pki, 'root-ca.cert.pem')];
  args.push('--untrusted-pem', path.join(pki, 'issuing-ca.cert.pem'));
  for (const c of signing) args.push('--untrusted-pem', c);
  const r = spawnSync('xmlsec1', [...args, f], { encoding: 'utf8' });
  if (r.error) throw r.error;
  if (r.status !== 0) failures.push({ tool: 'xmlsec1', file: f, message: r.stderr.trim().slice(0, 500) });
}
const t2 = process.hrtime.bigint();
const seconds = (a: bigint, b: bigint) => Number(b - a) / 1e9;
const result = {
  runDir,
  xmlFiles: seen,
  distinct: files.length,
  byType,
  xmllint: { seconds: seconds(t0, t1), filesPerSecond: files.length / seconds(t0, t1) },
  xmlsec1: { seconds: seconds(t1, t2), filesPerSecond: files.length / seconds(t1, t2) },
  failures,
};
if (json) process.stdout.write(JSON.stringify(result, null, 2) + '\n');
else {
  process.stdout.write(
    `${seen} XML files, ${files.length} distinct (${Object.entries(byType)
      .map(([t, n]) => `${t} ${n}`)
      .join(', ')})\n` +
      `xmllint --schema: ${result.xmllint.seconds.toFixed(1)} s; xmlsec1 --verify: ${result.xmlsec1.seconds.toFixed(1)} s\n` +
      (failures.length === 0
        ? 'every file validates and verifies\n'
        : failures.map((x) => `FAIL ${x.tool} ${x.file}: ${x.message}`).join('\n') + '\n'),
  );
}
process.exit(failures.length === 0 ? 0 : 1);
