// TMAD 10.1 / 5.9.1: our streaming validator's verdict equals `xmllint --noout --schema
// schema/smets1-migration.xsd` for every document of a corpus covering every root (valid samples and
// well-formed mutants), and for invalid ones our first problem's line equals xmllint's first error line.
// (Above line 65535 libxml2 without XML_PARSE_BIG_LINES reports a neighbouring node's line; ours is the
// true line. The corpus documents are small.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { corpus } from '../fixtures/schema/mutations.js';
import { validateXml } from '../../src/core/schema/index.js';

const XSD = resolve('schema/smets1-migration.xsd');

function hasXmllint(): boolean {
  try {
    execFileSync('xmllint', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

interface XmllintVerdict {
  valid: boolean;
  firstLine?: number;
  firstMessage?: string;
}

/** Run xmllint once over many files; parse its per-file verdict and first error line. */
function xmllintVerdicts(files: string[]): Map<string, XmllintVerdict> {
  const r = spawnSync('xmllint', ['--noout', '--nonet', '--schema', XSD, ...files], {
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  const out = new Map<string, XmllintVerdict>();
  for (const line of r.stderr.split('\n')) {
    for (const f of files) {
      if (!line.startsWith(f)) continue;
      const rest = line.slice(f.length);
      if (rest === ' validates') out.set(f, { ...(out.get(f) ?? {}), valid: true });
      else if (rest === ' fails to validate') out.set(f, { ...(out.get(f) ?? {}), valid: false });
      else {
        const m = /^:(\d+): (.*)$/.exec(rest);
        if (m && !out.get(f)?.firstLine)
          out.set(f, { valid: false, firstLine: Number(m[1]), firstMessage: m[2]! });
      }
      break;
    }
  }
  return out;
}

test(
  'TMAD 10.1: schema/smets1-migration.xsd compiles with xmllint (no network)',
  { skip: !hasXmllint() },
  () => {
    const r = spawnSync('xmllint', ['--noout', '--nonet', XSD], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
  },
);

/** The names of "Expected is [one of] ( ... )" with namespaces stripped, or undefined. */
function expectedList(message: string): string | undefined {
  const m = /Expected is (?:one of )?\( (.*) \)/.exec(message);
  return m?.[1]!.replace(/\{[^}]*\}|ds:/g, '');
}

test(
  'TMAD 10.1: verdict, first error line and its expected elements agree with xmllint --schema on the corpus',
  { skip: !hasXmllint() },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 's1mig-schema-'));
    try {
      // Example files (one valid file per root, named per TMAD 10.2) plus the generated corpus.
      const exampleDir = resolve('test/fixtures/schema/valid');
      const examples = readdirSync(exampleDir).map((f) => ({
        name: f,
        text: readFileSync(join(exampleDir, f), 'utf8'),
      }));
      const docs = [...examples, ...corpus()];
      // Names must not prefix each other (xmllint output is matched by file-name prefix).
      const files = docs.map((d, i) => join(dir, `d${String(i).padStart(5, '0')}.xml`));
      docs.forEach((d, i) => writeFileSync(files[i]!, d.text));
      const verdicts = xmllintVerdicts(files);
      let invalid = 0;
      const mismatches: string[] = [];
      for (let i = 0; i < docs.length; i++) {
        const d = docs[i]!;
        const x = verdicts.get(files[i]!);
        assert.ok(x, `no xmllint verdict for ${d.name}`);
        const ours = await validateXml(d.text);
        if (ours.valid !== x.valid) {
          mismatches.push(
            `${d.name}: ours=${ours.valid} xmllint=${x.valid} ${x.firstMessage ?? ''} | ${ours.problems[0]?.message ?? ''}`,
          );
          continue;
        }
        if (!x.valid) {
          invalid++;
          const first = ours.problems[0]!;
          if (x.firstLine !== undefined && first.line !== x.firstLine)
            mismatches.push(
              `${d.name}: line ours=${first.line} xmllint=${x.firstLine} (${x.firstMessage}) | ${first.message}`,
            );
          // The names listed as expected instead, without namespaces ({uri} for xmllint, ds: for us).
          const theirs = expectedList(x.firstMessage ?? '');
          if (theirs !== undefined && theirs !== expectedList(first.message))
            mismatches.push(`${d.name}: expected ours=(${expectedList(first.message)}) xmllint=(${theirs})`);
        }
      }
      assert.deepEqual(mismatches, []);
      for (const e of examples) assert.equal(verdicts.get(files[docs.indexOf(e)]!)?.valid, true, e.name);
      assert.ok(docs.length > 1000, `corpus has ${docs.length} documents`);
      assert.ok(invalid > docs.length / 2, `corpus has ${invalid} invalid documents`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
