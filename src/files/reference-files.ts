// File input for the reference-data registries: a CSV read line by line (LF-separated; a CR before
// the LF is kept for the reader to strip, a lone CR is not a line break), and Organisation
// Certificates and CRLs from PEM/DER files or a directory of them (as a trust store is loaded).
import { createReadStream } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { loadTrustStore } from './trust-store.js';
import { certificateFields, crlFields } from '../core/reference/certificates.js';

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
