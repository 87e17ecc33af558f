// What the migration chain reads of an estate written by `s1mig estate generate` (docs/ESTATE.md): the
// manifest and the paths of the parties' files. Only the fields the chain uses are checked.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { ESTATE_FORMAT, ESTATE_MANIFEST } from '../estate/write-estate.js';
import { isEstateProblem, type EstateInstallationRecord } from '../estate/estate.js';

export interface EstateManifest {
  seed: string;
  installations: number;
  asOf: string;
  validUntil: string;
  migrationWeek: string;
  suppliers: Array<{ name: string; signifier: string; userId: string }>;
  smsos: Array<{ code: string; groupIds: string[]; installations: number; inventory: string; keys: string }>;
  migrationAuthorisations: Array<{ supplier: string; smso: string; file: string; rows: number }>;
  records: EstateInstallationRecord[];
}

/** The estate cannot be used: no manifest, another format, or a field missing. */
export class EstateInputError extends Error {
  override name = 'EstateInputError';
}

/** Read and check `<dir>/manifest.json`. */
export async function readEstateManifest(dir: string): Promise<EstateManifest> {
  const file = path.join(dir, ESTATE_MANIFEST);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new EstateInputError(
      `${file}: cannot read the estate's manifest (${code ?? (e as Error).message}): expected a directory written by s1mig estate generate (docs/ESTATE.md)`,
    );
  }
  let m: Record<string, unknown>;
  try {
    m = JSON.parse(text) as Record<string, unknown>;
  } catch (e) {
    throw new EstateInputError(`${file}: not JSON (${(e as Error).message})`);
  }
  if (m.format !== ESTATE_FORMAT)
    throw new EstateInputError(
      `${file}: format '${String(m.format)}': expected '${ESTATE_FORMAT}' (docs/ESTATE.md)`,
    );
  for (const [k, t] of [
    ['asOf', 'string'],
    ['migrationWeek', 'string'],
    ['suppliers', 'array'],
    ['smsos', 'array'],
    ['migrationAuthorisations', 'array'],
    ['records', 'array'],
  ] as const)
    if (t === 'array' ? !Array.isArray(m[k]) : typeof m[k] !== t)
      throw new EstateInputError(
        `${file}: field '${k}': expected ${t === 'array' ? 'an array' : 'a string'}`,
      );
  const manifest = m as unknown as EstateManifest;
  for (const [i, r] of manifest.records.entries())
    for (const p of r.problems ?? [])
      if (!isEstateProblem(p))
        throw new EstateInputError(`${file}: records[${i}].problems: unknown problem '${String(p)}'`);
  return manifest;
}

/** The paths of an estate's files (docs/ESTATE.md layout). */
export function estatePaths(dir: string) {
  return {
    pki: path.join(dir, 'pki'),
    reference: (registry: string) => path.join(dir, 'reference', `${registry}.csv`),
    groupKeys: path.join(dir, 'group-keys'),
    chfDetails: path.join(dir, 'requesting-party', 'chf-details.csv'),
    file: (rel: string) => path.join(dir, rel),
  };
}
