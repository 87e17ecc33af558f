// Benchmark (issue: signed migration files): s1mig's one-pass schema + signature check of a
// 100,000-installation MCF beside the Debian peers on the same file, in one run:
//   ours:  s1mig file authenticate --as dcc --no-store   (TMAD 5.9.1 schema, 5.9.2 signature,
//          5.9.3 role, 5.9.4 certificate validity — one streaming parse)
//   peers: xmllint --noout --stream --schema smets1-migration.xsd   (schema only)
//          xmlsec1 --verify (PKI mode: trusted root, untrusted issuing CA + signer) (signature only)
// Wall time, CPU time and max RSS of each process from /usr/bin/time -v; runs are interleaved.
//
//   npm run build && node dist/bench/authenticate-mcf.js [installations=100000] [runs=3]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = (() => {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json'))) dir = path.dirname(dir);
  return dir;
})();
const BIN = path.join(ROOT, 'bin', 's1mig.js');
const XSD = path.join(ROOT, 'schema', 'smets1-migration.xsd');

interface Measure {
  wall: number;
  cpu: number;
  rssMb: number;
  exit: number;
}

function timed(cmd: string, args: string[]): Measure {
  const r = spawnSync('/usr/bin/time', ['-v', cmd, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
  const err = r.stderr;
  const num = (re: RegExp): number => Number(re.exec(err)?.[1] ?? NaN);
  const wallText = /Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (.+)/.exec(err)?.[1] ?? '0:0';
  const wall = wallText
    .split(':')
    .map(Number)
    .reduce((acc, v) => acc * 60 + v, 0);
  return {
    wall,
    cpu: num(/User time \(seconds\): ([\d.]+)/) + num(/System time \(seconds\): ([\d.]+)/),
    rssMb: num(/Maximum resident set size \(kbytes\): (\d+)/) / 1024,
    exit: r.status ?? -1,
  };
}

function run(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}${r.stdout}`);
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function main(): void {
  const installations = Number(process.argv[2] ?? 100_000);
  const runs = Number(process.argv[3] ?? 3);
  for (const tool of ['xmllint', 'xmlsec1']) {
    if (spawnSync(tool, ['--version']).error)
      throw new Error(`${tool} is not installed (apt-get install libxml2-utils xmlsec1)`);
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), 's1mig-bench-auth-'));
  try {
    const pki = path.join(dir, 'pki');
    run(process.execPath, [BIN, 'pki', 'init', pki]);
    const t0 = Date.now();
    run(process.execPath, [
      BIN,
      'file',
      'generate',
      'MCF',
      '--pki',
      pki,
      '--sign',
      '--installations',
      String(installations),
      '--counter',
      '1',
      '--out',
      path.join(dir, 'mcf.xml'),
    ]);
    const file = path.join(dir, 'mcf.xml');
    const mb = statSync(file).size / 1e6;
    console.log(
      `MCF: ${installations} installations, ${mb.toFixed(1)} MB, generated and signed in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
    );

    const cases: Array<[string, string, string[]]> = [
      [
        's1mig file authenticate (schema + signature + role + validity, one pass)',
        process.execPath,
        [BIN, 'file', 'authenticate', '--as', 'dcc', '--no-store', '--trust', pki, file],
      ],
      ['xmllint --noout --stream --schema', 'xmllint', ['--noout', '--stream', '--schema', XSD, file]],
      [
        'xmlsec1 --verify (PKI mode)',
        'xmlsec1',
        [
          '--verify',
          '--trusted-pem',
          path.join(pki, 'root-ca.cert.pem'),
          '--untrusted-pem',
          path.join(pki, 'issuing-ca.cert.pem'),
          '--untrusted-pem',
          path.join(pki, 'requesting-party', 'requestingPartyFileSigning.cert.pem'),
          file,
        ],
      ],
    ];
    const results = cases.map(() => [] as Measure[]);
    for (let r = 0; r < runs; r++)
      cases.forEach(([, cmd, args], i) => {
        const m = timed(cmd, args);
        if (m.exit !== 0) throw new Error(`${cases[i]![0]} exited ${m.exit}`);
        results[i]!.push(m);
      });
    console.log(`\n| command (${runs} runs, median) | wall s | CPU s | max RSS MB | MB/s |`);
    console.log('| --- | --- | --- | --- | --- |');
    const rows = cases.map(([name], i) => {
      const ms = results[i]!;
      const wall = median(ms.map((m) => m.wall));
      return { name, wall, cpu: median(ms.map((m) => m.cpu)), rss: median(ms.map((m) => m.rssMb)) };
    });
    for (const r of rows)
      console.log(
        `| ${r.name} | ${r.wall.toFixed(1)} | ${r.cpu.toFixed(1)} | ${r.rss.toFixed(0)} | ${(mb / r.wall).toFixed(1)} |`,
      );
    const peers = rows[1]!.wall + rows[2]!.wall;
    console.log(
      `| xmllint + xmlsec1 (sum) | ${peers.toFixed(1)} | ${(rows[1]!.cpu + rows[2]!.cpu).toFixed(1)} | ${Math.max(rows[1]!.rss, rows[2]!.rss).toFixed(0)} | ${(mb / peers).toFixed(1)} |`,
    );
    console.log(
      `\n${os.cpus().length} × ${os.cpus()[0]?.model ?? 'CPU'}, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main();
