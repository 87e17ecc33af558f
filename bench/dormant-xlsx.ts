// Bench: a Dormant Meter Migration Schedule (MAM 7.4; TMAD 4.30) of N rows written as .xlsx by the
// streaming writer and read back by the streaming reader, each in its own process, with the child's
// peak RSS (process.resourceUsage().maxRSS) beside the row count. The gathering reader (readXlsx, every
// row held) is measured too, for comparison. The rows are checked on the way back: every cell of every
// row must equal the row written (recomputed from its index), so nothing is counted that was not read.
// Then the commands on the same schedule, each under `/usr/bin/time -v` (its Maximum resident set size):
// `s1mig supplier dormant respond` (every row filled in: Priority and an ESME Supplier Certificate ID)
// and `s1mig mcc dormant receive` (every row recorded in a fresh SQLite store).
//
//   npx tsc -p . && node dist/bench/dormant-xlsx.js [rows=20000,200000] [--no-commands]
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { readXlsx, streamXlsxRows, writeXlsxStream } from '../src/lib/xlsx/xlsx.js';
import { SCHEDULE_COLUMNS, formatNoticeDate } from '../src/core/formats/dormant/index.js';
import { mpanWithCheckDigit } from '../src/core/ids/mpxn.js';
import { makeOpensslPki } from '../test/support/openssl-pki.js';

const WEEK = '2027-03-01';
const HEADER: string[][] = [
  ['Name', 'Bench Energy Ltd'],
  ['SEC Party Signifier', 'BENCH1'],
  ['Market Participant ID', 'BNCH'],
  ['SMSO', 'CGI'],
  [...SCHEDULE_COLUMNS],
];
const hex = (n: number, w: number) => n.toString(16).toUpperCase().padStart(w, '0');
const eui = (t: number, i: number) => {
  const h = hex(t, 2) + hex(i, 6);
  return `00-DB-26-76-${h.slice(0, 2)}-${h.slice(2, 4)}-${h.slice(4, 6)}-${h.slice(6, 8)}`;
};

/** Body row `i` (0-based) of the schedule: the values of MAM Table 7.4.2 that the MCC fills in. */
function bodyRow(i: number): string[] {
  const r: Record<string, string> = {
    MPAN: mpanWithCheckDigit(`14${String(i).padStart(10, '0')}`),
    MPRN: String(1_000_000 + i),
    'Not before': formatNoticeDate('schedule', WEEK),
    'Not after': formatNoticeDate('schedule', '2027-03-07'),
    'CHF Device ID': eui(0x10, i),
    'ESME Device ID': eui(0x20, i),
    'GSME Device ID': eui(0x30, i),
    'IHD Device ID': eui(0x40, i),
    'CH Serial Number': `TEL${i}`,
    'ESME Serial Number': `SEC${i}`,
    'GSME Serial Number': `GAS${i}`,
    'IHD Serial Number': `IHD${i}`,
  };
  return SCHEDULE_COLUMNS.map((c) => r[c] ?? '');
}
const trimmed = (row: string[]) => {
  const c = [...row];
  while (c.length > 0 && c[c.length - 1] === '') c.pop();
  return c;
};

function* rows(n: number): Generator<string[]> {
  yield* HEADER;
  for (let i = 0; i < n; i++) yield bodyRow(i);
}

function check(index: number, cells: string[]): void {
  const want = index < HEADER.length ? HEADER[index]! : trimmed(bodyRow(index - HEADER.length));
  if (cells.length !== want.length || cells.some((v, k) => v !== want[k]))
    throw new Error(`row ${index + 1} read back differs from the row written`);
}

async function child(mode: string, file: string, n: number): Promise<Record<string, unknown>> {
  const t0 = process.hrtime.bigint();
  let count = 0;
  if (mode === 'write') {
    const out = fs.createWriteStream(file);
    await writeXlsxStream({ name: 'Dormant Migration Schedule', rows: rows(n) }, Writable.toWeb(out));
    count = n;
  } else if (mode === 'stream-read') {
    await streamXlsxRows(await fs.openAsBlob(file), path.basename(file), (i, cells) => {
      check(i, cells);
      count++;
    });
    count -= HEADER.length;
  } else {
    const r = await readXlsx(await fs.openAsBlob(file), path.basename(file));
    r.rows.forEach((cells, i) => check(i, cells));
    count = r.rows.length - HEADER.length;
  }
  if (count !== n) throw new Error(`${mode}: ${count} body rows, expected ${n}`);
  return {
    mode,
    rows: count,
    seconds: Number(process.hrtime.bigint() - t0) / 1e9,
    // CPU time (user + system): steadier than the wall clock on a shared machine.
    cpuSeconds: +(
      (process.resourceUsage().userCPUTime + process.resourceUsage().systemCPUTime) /
      1e6
    ).toFixed(2),
    maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
  };
}

const CLI = fileURLToPath(new URL('../../bin/s1mig.js', import.meta.url));

/** Run the CLI under /usr/bin/time -v: seconds (wall clock) and Maximum resident set size. */
function timedCli(
  args: string[],
  cwd: string,
): { seconds: number; cpuSeconds: number; maxRssMb: number; stdout: string } {
  const t0 = process.hrtime.bigint();
  const outFile = path.join(cwd, 'stdout.json');
  const fd = fs.openSync(outFile, 'w');
  const r = spawnSync('/usr/bin/time', ['-v', process.execPath, CLI, ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, S1MIG_DATABASE_URL: '', S1MIG_PG_SCHEMA: '' },
    stdio: ['ignore', fd, 'pipe'],
    maxBuffer: 64 * 1024 * 1024,
  });
  fs.closeSync(fd);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const stdout = fs.readFileSync(outFile, 'utf8');
  const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr);
  if (r.status !== 0 || !rss)
    throw new Error(
      `s1mig ${args.slice(0, 3).join(' ')}: exit ${r.status}\n${stdout.slice(0, 2000)}\n${r.stderr.slice(0, 2000)}`,
    );
  const cpu = (label: string) =>
    Number(new RegExp(`${label} time \\(seconds\\): ([\\d.]+)`).exec(r.stderr)?.[1] ?? NaN);
  return {
    seconds,
    cpuSeconds: +(cpu('User') + cpu('System')).toFixed(2),
    maxRssMb: Math.round(Number(rss[1]) / 1024),
    stdout,
  };
}

/** respond and receive on the schedule of `n` rows (`file`, written by the write child). */
async function commands(dir: string, file: string, n: number): Promise<Record<string, unknown>[]> {
  const pki = makeOpensslPki();
  try {
    const leaf = pki.leaf('Bench Supplier IKI');
    const certs = path.join(dir, `certs-${n}.csv`);
    const out = fs.createWriteStream(certs);
    const S = 'ESME Supplier Certificate Id (Critical)';
    out.write(`CHF Device ID,Priority,${S} – Serial Number,${S} – Issuer Name\n`);
    for (let i = 0; i < n; i++) out.write(`${eui(0x10, i)},Y,${1000 + i},CN=Bench Supplier CA\n`);
    await new Promise((ok) => out.end(ok));
    const work = fs.mkdtempSync(path.join(dir, 'cmd-'));
    const respond = timedCli(
      [
        'supplier',
        'dormant',
        'respond',
        file,
        '--certificates',
        certs,
        '--user-id',
        '70-B3-D5-1F-30-00-A0-08',
        '--key',
        leaf.keyPath,
        '--cert',
        leaf.certPath,
        '--out',
        'sealed',
        '--at',
        '2027-02-20T09:00:00Z',
        '--json',
      ],
      work,
    );
    const sealed = JSON.parse(respond.stdout) as {
      installations: number;
      filled: number;
      files: { zip: string };
    };
    if (sealed.installations !== n || sealed.filled !== n)
      throw new Error(`respond: ${respond.stdout.slice(0, 500)}`);
    const receive = timedCli(
      [
        'mcc',
        'dormant',
        'receive',
        sealed.files.zip,
        '--week',
        WEEK,
        '--trust',
        pki.caBundlePath,
        '--no-require-crl',
        '--received-at',
        '2027-02-20T10:00:00Z',
        '--json',
      ],
      work,
    );
    const got = JSON.parse(receive.stdout) as {
      outcome: string;
      priority: number;
      stored?: { recorded: number };
    };
    if (got.outcome !== 'accepted' || got.stored?.recorded !== n || got.priority !== n)
      throw new Error(`receive: ${receive.stdout.slice(0, 500)}`);
    fs.rmSync(work, { recursive: true, force: true });
    return [
      {
        mode: 'respond (CLI)',
        rows: n,
        seconds: respond.seconds,
        cpuSeconds: respond.cpuSeconds,
        maxRssMb: respond.maxRssMb,
      },
      {
        mode: 'receive (CLI, SQLite)',
        rows: n,
        seconds: receive.seconds,
        cpuSeconds: receive.cpuSeconds,
        maxRssMb: receive.maxRssMb,
      },
    ];
  } finally {
    pki.cleanup();
  }
}

async function main(): Promise<void> {
  if (process.argv[2] === '--child') {
    const r = await child(process.argv[3]!, process.argv[4]!, Number(process.argv[5]));
    process.stdout.write(JSON.stringify(r) + '\n');
    return;
  }
  const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
  const withCommands = !process.argv.includes('--no-commands');
  const counts = (args[0] ?? '20000,200000').split(',').map(Number);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 's1mig-bench-xlsx-'));
  const self = fileURLToPath(import.meta.url);
  const results: Record<string, unknown>[] = [];
  try {
    for (const n of counts) {
      const file = path.join(
        dir,
        `SMETS1_Dormant_Meter_Migration_Schedule_Notification_BENCH1_CGI_${WEEK.replaceAll('-', '')}.xlsx`,
      );
      for (const mode of ['write', 'stream-read', 'gather-read']) {
        const r = spawnSync(process.execPath, [self, '--child', mode, file, String(n)], {
          encoding: 'utf8',
        });
        if (r.status !== 0) throw new Error(`${mode} ${n}: exit ${r.status}\n${r.stderr}`);
        const out = JSON.parse(r.stdout) as Record<string, unknown>;
        if (mode === 'write') out.fileMb = +(fs.statSync(file).size / 1e6).toFixed(1);
        results.push(out);
        process.stderr.write(`${JSON.stringify(out)}\n`);
      }
      if (withCommands)
        for (const out of await commands(dir, file, n)) {
          results.push(out);
          process.stderr.write(`${JSON.stringify(out)}\n`);
        }
      fs.rmSync(file);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  process.stdout.write(
    JSON.stringify({ node: process.version, cpus: os.cpus().length, results }, null, 2) + '\n',
  );
}

await main();
