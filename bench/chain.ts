// Bench (issue #11): the first half of the migration chain at scale. For each N (default 100,000) it
// generates an N-installation estate, runs `s1mig chain run` on it in a child process (each stage's
// seconds from its --json summary, the child's max RSS from process.resourceUsage), then merges the run's
// MCFs into one signed N-installation MCF and runs `s1mig dcc validate-mcf` on it alone against the same
// store (Table 5.10 in installations/s and its own max RSS). Beside them, in the same run:
// `openssl speed -seconds 3 ecdsap256` (verify/s) and `openssl speed -seconds 3 rsa2048` (sign/s, verify/s).
// Target (issue #11): MA -> MVF -> MEF for 100,000 installations under 60 s on the 2-core machine, memory
// flat as N grows (run 20000,100000 at least). "MA -> MVF -> MEF" is the stages ma-open through
// group-files-authenticate; ref-import, smso-import and ma-seal are set-up, reported apart. The last
// table has one row per N (peak RSS per N shows whether memory is flat). On a shared machine compare the
// CPU seconds (each stage's user + system time, from the --json summary), not the wall seconds.
//
//   npx tsc -p . && node dist/bench/chain.js [N=100000[,N2...]] [--keep]
import { spawnSync } from 'node:child_process';
import {
  createReadStream,
  createWriteStream,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  createMigrationCommonFileWriter,
  iterateMigrationFile,
  type McfInstallation,
  type MigrationCommonHeader,
} from '../src/core/formats/migration-files/index.js';
import { signXmlFile } from '../src/lib/xmldsig/index.js';
import { parseCertificate } from '../src/core/pki/index.js';
import { loadPrivateKey } from '../src/files/trust-store.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const BIN = path.join(ROOT, 'bin', 's1mig.js');
const sizes = (process.argv.slice(2).find((a) => /^[0-9,]+$/.test(a)) ?? '100000').split(',').map(Number);
const keep = process.argv.includes('--keep');
const dir = mkdtempSync(path.join(tmpdir(), 's1mig-bench-chain-'));
const probe = path.join(dir, 'rss-probe.mjs');
writeFileSync(
  probe,
  "process.on('exit', () => process.stderr.write(`MAXRSS_KB ${process.resourceUsage().maxRSS}\\n`));\n",
);
// The estate's keys are written encrypted under this passphrase; this process reads the RP key too.
process.env.S1MIG_KEY_PASSPHRASE = 'bench chain';
const baseEnv = { ...process.env, S1MIG_PROGRESS: 'off' };

interface Run {
  code: number | null;
  seconds: number;
  rssMB: number;
  stdout: string;
  stderr: string;
}

function s1mig(args: string[], env: NodeJS.ProcessEnv = baseEnv): Run {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, ['--import', pathToFileURL(probe).href, BIN, ...args], {
    env,
    encoding: 'utf8',
    maxBuffer: 1024 * 1024 * 1024,
  });
  const m = /MAXRSS_KB (\d+)/.exec(r.stderr);
  return {
    code: r.status,
    seconds: Number(process.hrtime.bigint() - t0) / 1e9,
    rssMB: m ? Number(m[1]) / 1024 : NaN,
    stdout: r.stdout,
    stderr: r.stderr.replace(/MAXRSS_KB \d+\n/, ''),
  };
}

function opensslSpeed(args: string[]): string {
  const r = spawnSync('openssl', ['speed', ...args], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout : `openssl speed failed: ${r.stderr}`;
}

/** `openssl speed` result lines: ecdsap256 sign/s, verify/s; rsa2048 sign/s, verify/s. */
function speeds(): { ecdsaVerify: number; ecdsaSign: number; rsaSign: number; rsaVerify: number } {
  const ec = opensslSpeed(['-seconds', '3', 'ecdsap256']);
  const rsa = opensslSpeed(['-seconds', '3', 'rsa2048']);
  const ecLine = /256 bits ecdsa \(nistp256\)\s+\S+s\s+\S+s\s+([\d.]+)\s+([\d.]+)/.exec(ec);
  const rsaLine = /rsa 2048 bits\s+\S+s\s+\S+s\s+([\d.]+)\s+([\d.]+)/.exec(rsa);
  return {
    ecdsaSign: ecLine ? Number(ecLine[1]) : NaN,
    ecdsaVerify: ecLine ? Number(ecLine[2]) : NaN,
    rsaSign: rsaLine ? Number(rsaLine[1]) : NaN,
    rsaVerify: rsaLine ? Number(rsaLine[2]) : NaN,
  };
}

/** Every installation of the run's MCFs in one MCF (the first MCF's header), signed by the Requesting Party. */
async function mergeMcfs(mcfDir: string, pki: string, out: string): Promise<number> {
  const names = readdirSync(mcfDir)
    .filter((n) => n.startsWith('MCF_') && n.endsWith('.xml'))
    .sort();
  const unsigned = `${out}.unsigned`;
  const sink = createWriteStream(unsigned);
  let writer: ReturnType<typeof createMigrationCommonFileWriter> | undefined;
  let n = 0;
  for (const name of names)
    for await (const item of iterateMigrationFile(createReadStream(path.join(mcfDir, name)), {
      expect: 'MCF',
    })) {
      if (item.kind === 'header') {
        writer ??= createMigrationCommonFileWriter(sink, {
          ...(item.header as MigrationCommonHeader),
          mcfCounter: 999_999_999n,
        });
        continue;
      }
      await writer!.writeInstallation(item.installation as McfInstallation);
      n++;
    }
  await writer!.end();
  const rp = path.join(pki, 'requesting-party');
  const cert = parseCertificate(readFileSync(path.join(rp, 'requestingPartyFileSigning.cert.pem'), 'latin1'));
  await signXmlFile(unsigned, out, {
    privateKey: await loadPrivateKey(path.join(rp, 'requestingPartyFileSigning.key.pem')),
    issuerName: cert.issuerName,
    serialNumber: cert.serialNumber,
  });
  rmSync(unsigned);
  return n;
}

interface Stage {
  name: string;
  millis: number;
  note: string;
  /** CPU ms (user + system) of the chain's process in this stage, and its peak RSS at the stage's end. */
  cpuMillis?: number;
  maxRssMB?: number;
}

const results: string[] = [];
const totals: Array<{
  n: number;
  wall: number;
  rss: number;
  step: number;
  stepCpu: number;
  setup: number;
  mcf: number;
  v510: number;
  v510Rss: number;
}> = [];
const line = (s: string) => {
  results.push(s);
  console.log(s);
};

const sp = speeds();
line(
  `machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}; load ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`,
);
line(
  `openssl speed -seconds 3: ecdsap256 ${sp.ecdsaSign.toFixed(0)} sign/s, ${sp.ecdsaVerify.toFixed(0)} verify/s; rsa2048 ${sp.rsaSign.toFixed(0)} sign/s, ${sp.rsaVerify.toFixed(0)} verify/s`,
);

for (const n of sizes) {
  const estate = path.join(dir, `estate-${n}`);
  const runDir = path.join(dir, `run-${n}`);
  const gen = s1mig([
    'estate',
    'generate',
    '--installations',
    String(n),
    '--seed',
    'bench',
    '--out',
    estate,
    '--problems',
    'unknown-model=0.02,in-smi=0.01,wrong-supplier=0.01,revoked-certificate=0.01,change-of-supplier=0.01,dormant=0.05,split-supply=0.03,stale-wan=0.02',
  ]);
  if (gen.code !== 0) throw new Error(`estate generate ${n}: ${gen.stderr}`);
  line(`\nN = ${n}: estate generate ${gen.seconds.toFixed(1)} s, max RSS ${gen.rssMB.toFixed(0)} MB`);

  const chain = s1mig(['chain', 'run', '--estate', estate, '--out', runDir, '--json']);
  if (chain.code !== 0) {
    line(`chain run exit ${chain.code}: ${chain.stderr.slice(0, 2000)} ${chain.stdout.slice(0, 2000)}`);
    continue;
  }
  const summary = JSON.parse(chain.stdout) as { stages: Stage[]; expectation: { disagree: number } };
  const ms = (name: string) => summary.stages.find((s) => s.name === name)!.millis;
  const cpu = (name: string) => summary.stages.find((s) => s.name === name)!.cpuMillis ?? NaN;
  const sum = (from: string, to: string, of = ms) => {
    const names = summary.stages.map((s) => s.name);
    return names.slice(names.indexOf(from), names.indexOf(to) + 1).reduce((t, s) => t + of(s), 0);
  };
  line(
    `chain run: ${chain.seconds.toFixed(1)} s wall, max RSS ${chain.rssMB.toFixed(0)} MB, ${summary.expectation.disagree} disagreement(s)`,
  );
  line('| stage | wall s | CPU s | installations/CPU s | peak RSS MB at its end | what |');
  line('| --- | --- | --- | --- | --- | --- |');
  for (const s of summary.stages)
    line(
      `| ${s.name} | ${(s.millis / 1000).toFixed(1)} | ${((s.cpuMillis ?? NaN) / 1000).toFixed(1)} | ${((n / (s.cpuMillis ?? NaN)) * 1000).toFixed(0)} | ${s.maxRssMB ?? '?'} | ${s.note} |`,
    );
  // The MA -> MVF -> MEF step: from the MCC opening the sealed MAs to the receivers' Table 5.9 on the
  // MGF/MEF. Reference import, the SMSO's inventory import and the suppliers' sealing are set-up.
  const step = sum('ma-open', 'group-files-authenticate');
  const stepCpu = sum('ma-open', 'group-files-authenticate', cpu);
  const setup = sum('ref-import', 'ma-seal');
  line(
    `MA -> MVF -> MEF (ma-open .. group-files-authenticate): ${(step / 1000).toFixed(1)} s wall, ${(stepCpu / 1000).toFixed(1)} s CPU (${((n / stepCpu) * 1000).toFixed(0)} installations per CPU s); set-up (ref-import, smso-import, ma-seal) ${(setup / 1000).toFixed(1)} s wall; target < 60 s at 100,000`,
  );
  line(
    `MCF building from the stored MAs (rp-build-mcf): ${(ms('rp-build-mcf') / 1000).toFixed(1)} s, ${((n / ms('rp-build-mcf')) * 1000).toFixed(0)} installations/s`,
  );

  // Table 5.10 alone on one N-installation MCF, in its own process, against the chain's store.
  const merged = path.join(dir, `MCF_merged_${n}.xml`);
  const count = await mergeMcfs(
    path.join(runDir, 'requesting-party', 'mcf'),
    path.join(estate, 'pki'),
    merged,
  );
  const s1sp = path.join(estate, 'pki', 's1sp');
  const v = s1mig(
    [
      'dcc',
      'validate-mcf',
      merged,
      '--sign-key',
      path.join(s1sp, 's1SPMigrationSigning.key.pem'),
      '--cert',
      path.join(s1sp, 's1SPMigrationSigning.cert.pem'),
      '--out',
      path.join(dir, `mvf-${n}/`),
      '--at',
      '2026-01-05T09:00:00Z',
    ],
    { ...baseEnv, S1MIG_DATABASE_URL: `sqlite:${path.join(runDir, 's1mig.sqlite')}` },
  );
  // Exit 1 is "some installation failed a check" (the planted problems), 0 none, 2 bad input.
  line(
    `dcc validate-mcf (Table 5.10) on one ${count}-installation MCF: exit ${v.code}, ${v.seconds.toFixed(1)} s (${(count / v.seconds).toFixed(0)} installations/s, registries loaded once, Registration Data per 400 installations), max RSS ${v.rssMB.toFixed(0)} MB`,
  );
  totals.push({
    n,
    wall: chain.seconds,
    rss: chain.rssMB,
    step: step / 1000,
    stepCpu: stepCpu / 1000,
    setup: setup / 1000,
    mcf: ms('rp-build-mcf') / 1000,
    v510: count / v.seconds,
    v510Rss: v.rssMB,
  });
  if (!keep) {
    rmSync(runDir, { recursive: true, force: true });
    rmSync(estate, { recursive: true, force: true });
  }
}
line(
  `\n| N | chain wall s | chain max RSS MB | MA -> MVF -> MEF wall s | its CPU s | installations/CPU s | set-up wall s | rp-build-mcf wall s | Table 5.10 installations/s (one MCF) | its max RSS MB |`,
);
line('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
for (const t of totals)
  line(
    `| ${t.n} | ${t.wall.toFixed(1)} | ${t.rss.toFixed(0)} | ${t.step.toFixed(1)} | ${t.stepCpu.toFixed(1)} | ${(t.n / t.stepCpu).toFixed(0)} | ${t.setup.toFixed(1)} | ${t.mcf.toFixed(1)} | ${t.v510.toFixed(0)} | ${t.v510Rss.toFixed(0)} |`,
  );
line(
  `crypto bound, same run: ECDSA P-256 ${sp.ecdsaVerify.toFixed(0)} verify/s, ${sp.ecdsaSign.toFixed(0)} sign/s; RSA-2048 ${sp.rsaVerify.toFixed(0)} public-key ops/s (OAEP encrypt), ${sp.rsaSign.toFixed(0)} sign/s (one core)`,
);
if (!keep) rmSync(dir, { recursive: true, force: true });
else console.log(`kept ${dir}`);
