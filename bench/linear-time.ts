// Bench: the inputs that once cost quadratic time, timed at three sizes (×1, ×2, ×4) so that the
// growth shows: linear work doubles per step, quadratic work quadruples. The unit tests keep the
// functional checks on the ×1 size; wall-clock limits live here, not in the test suite.
//   - findCertificate with a huge untrusted X509SerialNumber (TMAD 2; test/unit/pki.test.ts);
//   - a comment far larger than the 16 KiB chunks it arrives in (test/unit/xml-tokenizer.test.ts);
//   - a long MPxN JSON list spread over many lines (MAM 4; test/unit/ma-builder.test.ts);
//   - writing and validating a 20,000-row Migration Authorisation (MAM 7.2; test/unit/ma-format.test.ts).
// Prints one JSON object: per case, the size and milliseconds of each run (median of `runs`), the
// ratio of the last to the first (≈4 when linear) and the limit the unit test used to assert on ×1.
//
//   npx tsc -p . && node dist/bench/linear-time.js [runs=3]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { findCertificate } from '../src/core/pki/index.js';
import { initTestPki } from '../src/estate/test-pki.js';
import { loadTrustStore } from '../src/files/trust-store.js';
import { XmlEventStream, type XmlEventSink } from '../src/lib/xml/sax.js';
import { parseMpxnJson } from '../src/supplier/ma-builder.js';
import { validateMigrationAuthorisation, writeMigrationAuthorisation } from '../src/core/formats/ma/index.js';
import { type Eui64, mpanWithCheckDigit } from '../src/core/ids/index.js';

const runs = Number(process.argv[2] ?? 3);
const SCALES = [1, 2, 4];

interface Case {
  name: string;
  /** The limit (ms) the unit test asserted on the ×1 size before it became this bench. */
  formerTestLimitMs: number;
  baseSize: number;
  /** Prepares the input of a size outside the timing, returns the timed work. */
  prepare(size: number): () => void;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

const dir = mkdtempSync(path.join(tmpdir(), 's1mig-bench-linear-'));
try {
  const { parties } = await initTestPki(dir);
  const trust = await loadTrustStore(dir);
  const leaf = parties.flatMap((p) => p.certificates).find((c) => c.role === 'requestingPartyFileSigning')!;

  const USER = '70-B3-D5-1F-30-00-A0-08' as Eui64;
  const cert = { serialNumber: '141596283460512330914526870235614772041', issuerName: 'CN=Test,O=Test' };
  const sink: XmlEventSink = { comment: () => undefined }; // a sink that asks for comments

  const cases: Case[] = [
    {
      name: 'findCertificate, huge X509SerialNumber (digits)',
      formerTestLimitMs: 1000,
      baseSize: 1_000_000,
      prepare: (size) => {
        const padded = '0'.repeat(size) + leaf.serialNumber;
        const nines = '9'.repeat(size);
        return () => {
          if (findCertificate(trust, leaf.issuerName, padded)?.role !== leaf.role)
            throw new Error('not found');
          if (findCertificate(trust, leaf.issuerName, nines) !== undefined) throw new Error('found');
        };
      },
    },
    {
      name: 'tokenizer, one comment over 16 KiB chunks (bytes)',
      formerTestLimitMs: 5000,
      baseSize: 8 << 20,
      prepare: (size) => {
        const xml = `<a><!--${'c'.repeat(size)}--></a>`;
        const chunks: string[] = [];
        for (let p = 0; p < xml.length; p += 16384) chunks.push(xml.slice(p, p + 16384));
        return () => {
          const ev = new XmlEventStream([sink]);
          for (const c of chunks) ev.write(c);
          ev.close();
        };
      },
    },
    {
      name: 'parseMpxnJson, multi-line list (entries)',
      formerTestLimitMs: 3000,
      baseSize: 20_000,
      prepare: (size) => {
        const items = Array.from(
          { length: size },
          (_, i) => `  {\n    "mpan": "${String(1000000000000 + i)}",\n    "comment": "[x, \\"y\\"] {"\n  }`,
        );
        const text = `[\n${items.join(',\n')}\n]\n`;
        return () => {
          if (parseMpxnJson(text).problems.length !== size) throw new Error('problems');
        };
      },
    },
    {
      name: 'Migration Authorisation, validate (rows)',
      formerTestLimitMs: 8000,
      baseSize: 20_000,
      prepare: (size) => {
        const rows = Array.from({ length: size }, (_, i) => ({
          mpan: mpanWithCheckDigit(String(100_000_000_000 + i)),
          migrationWeek: '2019-04-15',
          esmeSupplierCritical: cert,
          esmeSupplierNonCritical: cert,
        }));
        const text = writeMigrationAuthorisation({
          header: { userId: USER, commissionedByDcc: true, smsoCode: 'CGI' },
          rows,
        });
        return () => {
          const r = validateMigrationAuthorisation(text, { receivedAt: new Date('2019-04-01T00:00:00Z') });
          if (!r.valid || r.authorisation?.rows.length !== size) throw new Error('invalid');
        };
      },
    },
  ];

  const results = [];
  for (const c of cases) {
    const timings: { size: number; ms: number }[] = [];
    for (const scale of SCALES) {
      const size = c.baseSize * scale;
      const work = c.prepare(size);
      const ms: number[] = [];
      for (let r = 0; r < runs; r++) {
        const t0 = performance.now();
        work();
        ms.push(performance.now() - t0);
      }
      timings.push({ size, ms: Number(median(ms).toFixed(1)) });
    }
    results.push({
      case: c.name,
      timings,
      ratioLastToFirst: Number((timings.at(-1)!.ms / timings[0]!.ms).toFixed(2)),
      formerTestLimitMs: c.formerTestLimitMs,
      withinFormerLimit: timings[0]!.ms < c.formerTestLimitMs,
    });
  }
  console.log(JSON.stringify({ node: process.version, runs, scales: SCALES, results }, null, 2));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
