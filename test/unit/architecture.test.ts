// The layering rules of docs/ARCHITECTURE.md, checked on the source: parties never import each other;
// the core imports neither the store, nor a party, nor the CLI; the store imports no party or CLI.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../support/cli.js';

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
const SRC = path.join(REPO_ROOT, 'src');

function* tsFiles(dir: string): Generator<string> {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return;
  }
  for (const e of entries) {
    const p = path.join(dir, e);
    if (statSync(p).isDirectory()) yield* tsFiles(p);
    else if (p.endsWith('.ts')) yield p;
  }
}

/** Top-level area under src/ that each relative import of `file` resolves into. */
function importedAreas(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const areas: string[] = [];
  for (const m of text.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)) {
    const target = path.resolve(path.dirname(file), m[1]!);
    const rel = path.relative(SRC, target);
    if (!rel.startsWith('..')) areas.push(rel.split(path.sep)[0]!);
  }
  return areas;
}

function violations(area: string, forbidden: (a: string) => boolean): string[] {
  const out: string[] = [];
  for (const f of tsFiles(path.join(SRC, area)))
    for (const a of importedAreas(f))
      if (forbidden(a)) out.push(`${path.relative(REPO_ROOT, f)} imports src/${a}`);
  return out;
}

test('parties never import each other (they meet only through files)', () => {
  for (const party of PARTIES)
    assert.deepEqual(
      violations(party, (a) => a !== party && (PARTIES.includes(a) || a === 'cli')),
      [],
      party,
    );
});

test('the core imports no store, party or CLI code', () => {
  assert.ok([...tsFiles(path.join(SRC, 'core'))].length > 50, 'core sources found');
  assert.deepEqual(
    violations('core', (a) => a !== 'core'),
    [],
  );
});

test('the store imports only the core', () => {
  assert.deepEqual(
    violations('store', (a) => a !== 'store' && a !== 'core'),
    [],
  );
});
