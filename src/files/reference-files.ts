// File input for the reference-data registries: a CSV read line by line (LF-separated; a CR before
// the LF is kept for the reader to strip, a lone CR is not a line break), and Organisation
// Certificates and CRLs from PEM/DER files or a directory of them (as a trust store is loaded).
import { createReadStream } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { loadTrustStore } from './trust-store.js';
import { certificateFields, crlFields } from '../core/reference/certificates.js';
import {
  ReferenceCsvReader,
  headerLine,
  rowLine,
  type ReferenceProblem,
  type ReferenceRow,
  type RegistryName,
} from '../core/reference/index.js';

/** The lines of a file without their LF, streamed (the last line may lack an LF; a final empty line is dropped). */
export async function* fileLines(file: string): AsyncGenerator<string> {
  const decoder = new StringDecoder('utf8');
  let rest = '';
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) {
    rest += decoder.write(chunk as Buffer);
    let start = 0;
    for (let nl = rest.indexOf('\n', start); nl !== -1; nl = rest.indexOf('\n', start)) {
      yield rest.slice(start, nl);
      start = nl + 1;
    }
    rest = rest.slice(start);
  }
  rest += decoder.end();
  if (rest !== '') yield rest;
}

/**
 * The certificates-registry rows (docs/REFERENCE-DATA.md) of every certificate and CRL under a PEM/DER
 * file or directory (recursive; `*.key.pem` ignored, as src/files/trust-store.ts loads them).
 */
export async function certificateRowsFromPath(pathOrDir: string): Promise<string[][]> {
  const trust = await loadTrustStore(pathOrDir);
  return [
    ...[...trust.roots, ...trust.intermediates, ...trust.certificates].map(certificateFields),
    ...trust.crls.map(crlFields),
  ];
}

/** A registry file checked whole: its problems (nothing is stored when any), and its rows to store. */
export interface ReferenceImportInput {
  problems: ReferenceProblem[];
  problemCount: number;
  rows: () => AsyncGenerator<ReferenceRow>;
}

/** Validate the whole CSV first (nothing is stored when any row is bad), then stream its rows. */
export async function readReferenceCsv(registry: RegistryName, file: string): Promise<ReferenceImportInput> {
  const check = new ReferenceCsvReader(registry, file);
  for await (const l of fileLines(file)) check.line(l);
  check.finish();
  return {
    problems: check.problems,
    problemCount: check.problemCount,
    async *rows() {
      const r = new ReferenceCsvReader(registry, file, false);
      for await (const l of fileLines(file)) {
        const got = r.line(l);
        if (got) yield got.row;
      }
    },
  };
}

/**
 * Certificates from PEM/DER files or a directory: rows made from the DER go through the same CSV row
 * checks. A path that cannot be read throws its I/O error; an unreadable certificate is a problem.
 */
export async function readCertificateRows(file: string): Promise<ReferenceImportInput> {
  let fields: string[][];
  try {
    fields = await certificateRowsFromPath(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code) throw e;
    return {
      problems: [
        { file, line: null, field: null, rule: 'TMAD 2 Certificate ID', message: (e as Error).message },
      ],
      problemCount: 1,
      rows: async function* () {},
    };
  }
  const r = new ReferenceCsvReader('certificates', file);
  r.line(headerLine('certificates'));
  const rows: ReferenceRow[] = [];
  for (const f of fields) {
    const got = r.line(rowLine(f));
    if (got) rows.push(got.row);
  }
  return {
    problems: r.problems,
    problemCount: r.problemCount,
    rows: async function* () {
      yield* rows;
    },
  };
}
