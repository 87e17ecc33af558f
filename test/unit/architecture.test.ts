// The layering rules of docs/ARCHITECTURE.md, checked on the source. Every directory under src/ is a known
// area; each area imports only the areas it may; the core and the building blocks do no I/O of their own.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../support/cli.js';

const SRC = path.join(REPO_ROOT, 'src');

/** The TMAD parties (one directory each, created as each party is built). */
const PARTIES = [
  'supplier',
  'mcc',
  'smso',
  'requesting-party',
  'dcc',
  'dco',
  's1sp',
  'commissioning-party',
  'reporting',
];

/** Which areas each area may import (besides itself). */
const MAY_IMPORT: Record<string, readonly string[]> = {
  lib: [],
  core: ['lib'],
  files: ['core', 'lib', 'config.ts'],
  store: ['core', 'lib', 'config.ts'],
  estate: ['core', 'lib', 'files', 'config.ts'],
  // The orchestrator (docs/CHAIN.md, docs/WEEK.md) moves files between the parties and asks each to
  // process them: it may call every party (none may import it), never the CLI.
  orchestrator: ['core', 'lib', 'files', 'store', 'estate', 'config.ts', ...PARTIES],
  'config.ts': [],
  ...Object.fromEntries(PARTIES.map((p) => [p, ['core', 'lib', 'files', 'store', 'config.ts']])),
  cli: ['*'],
};

/** Areas that must exist with sources today (a rule over a missing folder would pass vacuously). */
const REQUIRED = [
  'lib',
  'core',
  'files',
  'store',
  'estate',
  'cli',
  'supplier',
  'mcc',
  'dcc',
  'smso',
  'requesting-party',
  'orchestrator',
];

/** Node modules that do I/O: not allowed in core or lib's pure modules. */
const IO_MODULES =
  /^(node:)?(fs|fs\/promises|child_process|net|http|https|http2|dgram|dns|tls|worker_threads|cluster)$/;

function* tsFiles(dir: string): Generator<string> {
  for (const e of readdirSync(dir)) {
    const p = path.join(dir, e);
    if (statSync(p).isDirectory()) yield* tsFiles(p);
    else if (p.endsWith('.ts')) yield p;
  }
}

function areaOf(file: string): string {
  return path.relative(SRC, file).split(path.sep)[0]!;
}

/** The import specifiers of a source text (static, dynamic and `typeof import(...)`). */
export function importSpecifiers(text: string): string[] {
  return [...text.matchAll(/(?:from|import)\s*\(?\s*'([^']+)'/g)].map((m) => m[1]!);
}

/** Top-level areas under src/ that the relative imports of `file` (with source `text`) resolve into. */
function importedAreas(file: string, text: string): string[] {
  const areas: string[] = [];
  for (const spec of importSpecifiers(text)) {
    if (!spec.startsWith('.')) continue;
    const rel = path.relative(SRC, path.resolve(path.dirname(file), spec));
    if (!rel.startsWith('..')) areas.push(rel.split(path.sep)[0]!.replace(/\.js$/, '.ts'));
  }
  return areas;
}

function layeringViolations(file: string, text: string): string[] {
  const area = areaOf(file);
  const allowed = MAY_IMPORT[area] ?? [];
  if (allowed.includes('*')) return [];
  return importedAreas(file, text)
    .filter((a) => a !== area && !allowed.includes(a))
    .map((a) => `${path.relative(REPO_ROOT, file)} (${area}) imports src/${a}`);
}

/** I/O in the pure core: node I/O modules or the process environment (docs/ARCHITECTURE.md). */
function ioViolations(file: string, text: string): string[] {
  const out: string[] = [];
  for (const spec of importSpecifiers(text))
    if (IO_MODULES.test(spec)) out.push(`${path.relative(REPO_ROOT, file)} imports ${spec}`);
  if (/\bprocess\.env\b/.test(text)) out.push(`${path.relative(REPO_ROOT, file)} reads process.env`);
  return out;
}

test('every directory under src/ is a known area, and the required ones hold sources', () => {
  for (const e of readdirSync(SRC))
    assert.ok(e in MAY_IMPORT, `src/${e} is not an area of docs/ARCHITECTURE.md`);
  for (const a of REQUIRED) assert.ok([...tsFiles(path.join(SRC, a))].length > 0, `src/${a} has sources`);
});

test('each area imports only what docs/ARCHITECTURE.md allows (parties never import each other)', () => {
  const found: string[] = [];
  for (const f of tsFiles(SRC)) found.push(...layeringViolations(f, readFileSync(f, 'utf8')));
  assert.deepEqual(found, []);
});

test('the core does no I/O and reads no environment (ports and adapters do)', () => {
  const found: string[] = [];
  for (const f of tsFiles(path.join(SRC, 'core'))) found.push(...ioViolations(f, readFileSync(f, 'utf8')));
  assert.deepEqual(found, []);
});

test('only src/config.ts reads the process environment (one typed configuration)', () => {
  const found: string[] = [];
  for (const f of tsFiles(SRC))
    if (path.relative(SRC, f) !== 'config.ts' && /\bprocess\.env\b/.test(readFileSync(f, 'utf8')))
      found.push(path.relative(REPO_ROOT, f));
  assert.deepEqual(found, []);
});

test('the checks can fail: planted violations are found', () => {
  const dco = path.join(SRC, 'dco', 'x.ts');
  assert.deepEqual(layeringViolations(dco, "import { a } from '../s1sp/y.js';"), [
    'src/dco/x.ts (dco) imports src/s1sp',
  ]);
  const core = path.join(SRC, 'core', 'x.ts');
  assert.equal(layeringViolations(core, "const m = await import('../store/index.js');").length, 1);
  assert.equal(layeringViolations(core, "import { b } from '../lib/xml/sax.js';").length, 0);
  const lib = path.join(SRC, 'lib', 'x.ts');
  assert.equal(layeringViolations(lib, "import type { C } from '../core/ids/index.js';").length, 1);
  assert.equal(ioViolations(core, "import { readFile } from 'node:fs/promises';").length, 1);
  assert.equal(ioViolations(core, 'const u = process.env.X;').length, 1);
  assert.equal(ioViolations(core, "import { createHash } from 'node:crypto';").length, 0);
});
