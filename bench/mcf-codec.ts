// Bench: write and read a 100,000-installation MCF (TMAD 10.1) streaming, in bounded memory.
//   npx tsx bench/mcf-codec.ts [installations=100000] [dir=os.tmpdir()]
// Reports file size, write and read time, and peak RSS (sampled every 50 ms via process.memoryUsage,
// plus the process's maxRSS from process.resourceUsage).
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readMigrationCommonFile } from '../src/core/formats/migration-files/index.js';
import { generateSampleFile } from '../src/estate/migration-file-samples.js';

const n = Number(process.argv[2] ?? 100_000);
const dir = mkdtempSync(path.join(process.argv[3] ?? tmpdir(), 's1mig-bench-mcf-'));
const file = path.join(dir, 'MCF.xml');

let peak = 0;
const sample = (): void => void (peak = Math.max(peak, process.memoryUsage().rss));
const timer = setInterval(sample, 50);
const mb = (b: number): string => (b / 1024 / 1024).toFixed(1);

try {
  sample();
  const rssStart = process.memoryUsage().rss;
  let t = performance.now();
  await generateSampleFile(
    'MCF',
    { installations: n, requestingPartyId: '70-B3-D5-1F-30-10-00-01', counter: 1, mcfCounter: 1, seed: 1 },
    createWriteStream(file, { highWaterMark: 256 * 1024 }),
  );
  const writeS = (performance.now() - t) / 1000;
  sample();
  const peakWrite = peak;
  const size = statSync(file).size;

  t = performance.now();
  let count = 0;
  let devices = 0;
  const s = await readMigrationCommonFile(createReadStream(file, { highWaterMark: 256 * 1024 }), {
    onInstallation: (i) => {
      count++;
      devices +=
        3 + (i.gsmeDetail ? 1 : 0) + (i.ppmidDetail ? 1 : 0) + (i.ihdDetail ? 1 : 0) + (i.cadDetail ? 1 : 0);
    },
  });
  const readS = (performance.now() - t) / 1000;
  sample();
  if (s.installations !== n || count !== n) throw new Error(`read ${count} of ${n}`);
  console.log(
    JSON.stringify(
      {
        installations: n,
        devices,
        sizeMB: Number(mb(size)),
        writeSeconds: Number(writeS.toFixed(2)),
        writeMBps: Number((size / 1024 / 1024 / writeS).toFixed(1)),
        readSeconds: Number(readS.toFixed(2)),
        readMBps: Number((size / 1024 / 1024 / readS).toFixed(1)),
        rssAtStartMB: Number(mb(rssStart)),
        peakRssDuringWriteMB: Number(mb(peakWrite)),
        peakRssMB: Number(mb(peak)),
        maxRssMB: Number((process.resourceUsage().maxRSS / 1024).toFixed(1)),
        node: process.version,
      },
      null,
      2,
    ),
  );
} finally {
  clearInterval(timer);
  rmSync(dir, { recursive: true, force: true });
}
