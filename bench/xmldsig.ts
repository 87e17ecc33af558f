// Benchmark: s1mig streaming XMLDSig sign/verify vs xmlsec1 on a generated ~100 MB file (not part of
// the test suite). Wall time and max RSS of each run come from `/usr/bin/time -v`.
//
//   npx tsc -p . && node dist/bench/xmldsig.js [sizeMB=100]   # generate, then time everything
//   (npx tsx bench/xmldsig.ts also works, slower: tsx adds its own overhead)
//   npx tsx bench/xmldsig.ts op sign|verify|parse <in> <out> <dir> # (internal) one timed operation
// "parse only" runs the shared event layer with an empty sink: verify minus it is the cost of the
// canonicalisation, digests and signature checks.
import { spawnSync } from 'node:child_process';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { createWriteStream, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { streamXmlFile } from '../src/lib/xml/sax.js';
import { XmlWriter } from '../src/lib/xml/writer.js';
import { signXmlFile, verifyXmlFile } from '../src/lib/xmldsig/index.js';
import { decimalSerial, makeXmlTestPki, rfc4514Issuer } from '../test/support/xml-test-pki.js';

const SELF = fileURLToPath(import.meta.url);

/** A Migration-Common-File-like document with `n` installations (~1 KB each). */
async function generate(file: string, targetBytes: number): Promise<number> {
  const w = new XmlWriter(createWriteStream(file), { indent: '  ' });
  w.xmlDeclaration();
  w.startElement('mig:MigrationCommonFile', {
    'xmlns:mig': 'urn:s1mig:bench',
    'xmlns:xsi': 'http://www.w3.org/2001/XMLSchema-instance',
  });
  w.startElement('mig:Header')
    .element('mig:RequestingPartyID', '90-B3-D5-1F-30-01-00-00')
    .element('mig:MCFCounter', 1)
    .endElement();
  let n = 0;
  let approx = 400;
  while (approx < targetBytes) {
    w.startElement('mig:SMETS1Installation', { seq: n });
    w.element('mig:MPAN', String(1000000000000 + n)).element('mig:MPRN', String(100000000 + n));
    for (const d of ['ESME', 'GSME', 'CHF', 'GPF', 'PPMID']) {
      w.startElement(`mig:${d}Detail`, { 'mig:type': d });
      w.element(
        'mig:DeviceID',
        `00-DB-12-34-56-78-${(n % 256).toString(16).padStart(2, '0').toUpperCase()}-0${d.length}`,
      );
      w.element('mig:Model', `Model & Co <${d}>`);
      w.element('mig:Firmware', 'v1.2.3');
      w.endElement();
    }
    w.endElement();
    n++;
    approx += 1040;
    if (n % 200 === 0) await w.drain();
  }
  w.endElement();
  await w.end();
  return n;
}

function timed(
  cmd: string,
  args: string[],
): { seconds: number; cpuSeconds: number; maxRssMb: number; ok: boolean; out: string } {
  const r = spawnSync('/usr/bin/time', ['-v', cmd, ...args], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const wall = /Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)/.exec(r.stderr);
  const user = /User time \(seconds\): ([\d.]+)/.exec(r.stderr);
  const sys = /System time \(seconds\): ([\d.]+)/.exec(r.stderr);
  const cpuSeconds = Number(user?.[1] ?? NaN) + Number(sys?.[1] ?? NaN);
  const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr);
  const seconds = wall ? Number(wall[1] ?? 0) * 3600 + Number(wall[2]) * 60 + Number(wall[3]) : NaN;
  return {
    seconds,
    cpuSeconds,
    maxRssMb: rss ? Number(rss[1]) / 1024 : NaN,
    ok: r.status === 0,
    out: (r.stdout + r.stderr).slice(0, 2000),
  };
}

async function op(kind: string, inp: string, out: string, dir: string): Promise<void> {
  if (kind === 'parse') {
    // The event layer alone (one sink that does nothing): the floor under sign pass 1 and verify.
    await streamXmlFile(inp, [{ startElement: () => undefined, text: () => undefined }]);
    return;
  }
  const cert = new X509Certificate(readFileSync(path.join(dir, 'leaf.pem')));
  if (kind === 'sign') {
    await signXmlFile(inp, out, {
      privateKey: createPrivateKey(readFileSync(path.join(dir, 'leaf.key'))),
      issuerName: rfc4514Issuer(path.join(dir, 'leaf.pem')),
      serialNumber: decimalSerial(cert),
    });
  } else {
    const v = await verifyXmlFile(inp, { resolveKey: () => cert.publicKey });
    if (!v.valid) {
      console.error(JSON.stringify(v.problems));
      process.exit(1);
    }
  }
}

async function main(): Promise<void> {
  if (process.argv[2] === 'op')
    return op(process.argv[3]!, process.argv[4]!, process.argv[5]!, process.argv[6]!);
  const mb = Number(process.argv[2] ?? 100);
  const pki = makeXmlTestPki();
  const work = mkdtempSync(path.join(os.tmpdir(), 's1mig-bench-xmldsig-'));
  try {
    const plain = path.join(work, 'plain.xml');
    console.log(
      `load average before: ${os
        .loadavg()
        .map((x) => x.toFixed(1))
        .join(' ')}`,
    );
    const t0 = Date.now();
    const n = await generate(plain, mb * 1024 * 1024);
    const size = statSync(plain).size;
    console.log(
      `generated ${(size / 1048576).toFixed(1)} MB, ${n} installations, in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
    );

    const ours = path.join(work, 'ours.xml');
    // Compiled (dist/bench/xmldsig.js): run plain node; from source: through tsx.
    const tsx = SELF.endsWith('.js') ? [SELF, 'op'] : ['--import', 'tsx', SELF, 'op'];
    const rows: Array<[string, ReturnType<typeof timed>]> = [];
    rows.push(['s1mig sign (2 passes)', timed(process.execPath, [...tsx, 'sign', plain, ours, pki.dir])]);
    rows.push(['s1mig verify', timed(process.execPath, [...tsx, 'verify', ours, '-', pki.dir])]);
    rows.push([
      's1mig parse only (no c14n/digest; floor of verify)',
      timed(process.execPath, [...tsx, 'parse', ours, '-', pki.dir]),
    ]);
    rows.push([
      'xmlsec1 --verify (s1mig-signed)',
      timed('xmlsec1', ['--verify', '--pubkey-cert-pem', pki.leafCertPath, ours]),
    ]);

    const text = readFileSync(plain, 'utf8');
    const tpl = path.join(work, 'template.xml');
    const sig =
      '<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:SignedInfo>' +
      '<ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>' +
      '<ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256"/>' +
      '<ds:Reference URI=""><ds:Transforms><ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/></ds:Transforms>' +
      '<ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><ds:DigestValue/></ds:Reference></ds:SignedInfo>' +
      '<ds:SignatureValue/><ds:KeyInfo><ds:X509Data><ds:X509IssuerSerial/></ds:X509Data></ds:KeyInfo></ds:Signature>';
    const end = text.lastIndexOf('</mig:MigrationCommonFile>');
    writeFileSync(tpl, text.slice(0, end) + sig + text.slice(end));
    const theirs = path.join(work, 'xmlsec.xml');
    rows.push([
      'xmlsec1 --sign',
      timed('xmlsec1', [
        '--sign',
        '--privkey-pem',
        `${pki.leafKeyPath},${pki.leafCertPath}`,
        '--output',
        theirs,
        tpl,
      ]),
    ]);
    rows.push([
      's1mig verify (xmlsec1-signed)',
      timed(process.execPath, [...tsx, 'verify', theirs, '-', pki.dir]),
    ]);

    console.log(
      `\n| operation on ${(size / 1048576).toFixed(0)} MB | wall s | CPU s | max RSS MB | ok |\n| --- | --- | --- | --- | --- |`,
    );
    for (const [name, r] of rows) {
      console.log(
        `| ${name} | ${r.seconds.toFixed(1)} | ${r.cpuSeconds.toFixed(1)} | ${r.maxRssMb.toFixed(0)} | ${r.ok ? 'yes' : 'NO'} |`,
      );
      if (!r.ok) console.error(r.out);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
    pki.cleanup();
  }
}

await main();
