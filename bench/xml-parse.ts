// Bench: the one streaming parse of a signed migration file (TMAD 5.9.1/5.9.2), before and after the
// hand-written tokenizer (src/core/xml/tokenizer.ts) replaced saxes (test/support/saxes-event-stream.ts
// keeps the old saxes path). Four modes on the same signed MCF, each in its own process, interleaved:
//   saxes-empty / tokenizer-empty: parse with one empty sink (the parser alone);
//   saxes-full  / tokenizer-full:  the sinks of `s1mig file authenticate` (schema validator, signature
//                                   verifier with exc-c14n digest, header extractor, Table 10.1 rules).
// Reports MB/s (wall), CPU seconds and max RSS (process.resourceUsage) per mode (median of the runs).
//
//   npx tsc -p . && node dist/bench/xml-parse.js [installations=25000] [runs=3] [file]
// (25,000 installations ≈ 88 MB; an existing signed file can be given instead; it must be signed by a
// key whose certificate the bench cannot know, so the signature check then only digests.)
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseXml, type XmlEventSink } from '../src/lib/xml/sax.js';
import { parseXmlSaxes } from '../test/support/saxes-event-stream.js';
import { generateSampleFile } from '../src/estate/migration-file-samples.js';
import { signXmlFile, createSignatureVerifier } from '../src/lib/xmldsig/index.js';
import { createSchemaValidator } from '../src/core/schema/validator.js';
import * as auth from '../src/core/authentication/index.js';

const MODES = ['saxes-empty', 'tokenizer-empty', 'saxes-full', 'tokenizer-full'] as const;
type Mode = (typeof MODES)[number];

interface ChildResult {
  mode: Mode;
  seconds: number;
  cpuSeconds: number;
  maxRssMB: number;
  elements: number;
  signatureValid?: boolean;
  schemaValid?: boolean;
}

async function child(mode: Mode, file: string, pubKeyPem: string | undefined): Promise<ChildResult> {
  const parse = mode.startsWith('saxes') ? parseXmlSaxes : parseXml;
  let elements = 0;
  const counter: XmlEventSink = {
    startElement: () => {
      elements++;
    },
  };
  const sinks: XmlEventSink[] = [counter];
  let finish: () => Promise<Partial<ChildResult>> = async () => ({});
  if (mode.endsWith('full')) {
    const { createPublicKey } = await import('node:crypto');
    const key: KeyObject | undefined = pubKeyPem ? createPublicKey(pubKeyPem) : undefined;
    const schema = createSchemaValidator();
    const signature = createSignatureVerifier({ resolveKey: () => key });
    const header = new auth.HeaderExtractor();
    sinks.push(schema.sink, signature.sink, header);
    // The Table 10.1 content rules sink, where the authenticator has one.
    const Rules = (auth as Record<string, unknown>)['Table101ContentRules'] as
      (new () => XmlEventSink) | undefined;
    if (Rules) sinks.push(new Rules());
    finish = async () => ({
      signatureValid: (await signature.result()).valid,
      schemaValid: schema.result().valid,
    });
  }
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await parse(createReadStream(file, { highWaterMark: 256 * 1024 }), sinks, { fileName: file });
  const extra = await finish();
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  return {
    mode,
    seconds,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    maxRssMB: process.resourceUsage().maxRSS / 1024,
    elements,
    ...extra,
  };
}

async function prepare(installations: number, dir: string): Promise<{ file: string; pubKeyPem: string }> {
  const plain = path.join(dir, 'MCF-unsigned.xml');
  const file = path.join(dir, 'MCF.xml');
  await generateSampleFile(
    'MCF',
    {
      installations,
      requestingPartyId: '70-B3-D5-1F-30-10-00-01',
      counter: 1,
      mcfCounter: 1,
      seed: 1,
    },
    createWriteStream(plain, { highWaterMark: 256 * 1024 }),
  );
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  await signXmlFile(plain, file, { privateKey, issuerName: 'CN=Bench,O=s1mig', serialNumber: '1' });
  rmSync(plain);
  return { file, pubKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString() };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  if (process.argv[2] === '--child') {
    const r = await child(process.argv[3] as Mode, process.argv[4]!, process.env['BENCH_PUBKEY']);
    process.stdout.write(JSON.stringify(r));
    return;
  }
  const installations = Number(process.argv[2] ?? 25_000);
  const runs = Number(process.argv[3] ?? 3);
  const given = process.argv[4];
  const dir = mkdtempSync(path.join(tmpdir(), 's1mig-bench-xml-'));
  try {
    let file: string;
    let pubKeyPem = '';
    if (given !== undefined && existsSync(given)) file = given;
    else ({ file, pubKeyPem } = await prepare(installations, dir));
    const size = statSync(file).size;
    const mb = size / 1024 / 1024;
    const self = fileURLToPath(import.meta.url);
    const results = new Map<Mode, ChildResult[]>(MODES.map((m) => [m, []]));
    for (let r = 0; r < runs; r++) {
      for (const mode of MODES) {
        const out = execFileSync(process.execPath, [self, '--child', mode, file], {
          encoding: 'utf8',
          env: { ...process.env, BENCH_PUBKEY: pubKeyPem },
          maxBuffer: 1 << 20,
        });
        results.get(mode)!.push(JSON.parse(out) as ChildResult);
      }
    }
    const rows = MODES.map((mode) => {
      const rs = results.get(mode)!;
      const s = median(rs.map((x) => x.seconds));
      const cpu = median(rs.map((x) => x.cpuSeconds));
      return {
        mode,
        seconds: Number(s.toFixed(2)),
        MBps: Number((mb / s).toFixed(1)),
        cpuSeconds: Number(cpu.toFixed(2)),
        MBpsCpu: Number((mb / cpu).toFixed(1)),
        maxRssMB: Number(median(rs.map((x) => x.maxRssMB)).toFixed(0)),
        elements: rs[0]!.elements,
        ...(rs[0]!.signatureValid !== undefined
          ? { signatureValid: rs[0]!.signatureValid, schemaValid: rs[0]!.schemaValid }
          : {}),
      };
    });
    const by = (m: Mode): number => rows.find((x) => x.mode === m)!.seconds;
    console.log(
      JSON.stringify(
        {
          file: given ?? `generated signed MCF, ${installations} installations`,
          sizeMB: Number(mb.toFixed(1)),
          runs,
          node: process.version,
          rows,
          speedupEmpty: Number((by('saxes-empty') / by('tokenizer-empty')).toFixed(2)),
          speedupFull: Number((by('saxes-full') / by('tokenizer-full')).toFixed(2)),
        },
        null,
        2,
      ),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
