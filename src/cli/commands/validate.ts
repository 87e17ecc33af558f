// s1mig file validate: the SMETS1 Migration Schema check (TMAD 10.1, step 5.9.1) on its own, for any
// file of Table 10.2 or the decrypted plaintexts of Table 11.2.1, signed or not.
import { stat } from 'node:fs/promises';
import type { Command } from 'commander';
import {
  EXIT,
  MAX_NODE_SIZE_HELP,
  UsageError,
  commandGroup,
  parseMaxNodeSize,
  printJson,
  printLines,
  setExit,
} from '../io.js';
import { ROOTS, validateXmlFile, type FileType } from '../../core/schema/index.js';

const FILE_TYPES = ROOTS.map((r) => r.fileType);

export function register(program: Command): void {
  commandGroup(program, 'file')
    .command('validate')
    .description(
      'Validate XML files against the SMETS1 Migration Schema (TMAD 10.1; schema/smets1-migration.xsd) in one ' +
        'streaming pass: well-formedness (no DOCTYPE), root element, element order, cardinality and lexical types; ' +
        'every problem with line, element path and clause. Does not check the signature (see file authenticate). ' +
        'Exit 0 all valid, 1 any invalid, 2 usage or I/O error',
    )
    .argument('<files...>', 'XML files')
    .option('--expect <type>', `the file type the root must be: ${FILE_TYPES.join(', ')}`)
    .option('--max-errors <n>', 'stop listing problems of a file after this many', '100')
    .option('--max-node-size <chars>', MAX_NODE_SIZE_HELP)
    .option('--json', 'print {file, valid, fileType, problems} per file (an array for several files)')
    .action(
      async (
        files: string[],
        o: { expect?: string; maxErrors: string; maxNodeSize?: string; json?: boolean },
      ) => {
        if (o.expect !== undefined && !FILE_TYPES.includes(o.expect as FileType))
          throw new UsageError(`--expect '${o.expect}': expected one of ${FILE_TYPES.join(', ')}`);
        const maxErrors = Number(o.maxErrors);
        if (!Number.isInteger(maxErrors) || maxErrors < 1)
          throw new UsageError(`--max-errors '${o.maxErrors}': expected a whole number of at least 1`);
        const maxNodeLength = parseMaxNodeSize(o.maxNodeSize);
        const results = [];
        for (const file of files) {
          try {
            if (!(await stat(file)).isFile()) throw new Error('not a regular file');
          } catch (e) {
            throw new UsageError(
              `${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
            );
          }
          const r = await validateXmlFile(file, {
            maxErrors,
            ...(maxNodeLength !== undefined ? { maxNodeLength } : {}),
            ...(o.expect !== undefined ? { expectedFileType: o.expect as FileType } : {}),
          });
          results.push({ file, valid: r.valid, fileType: r.fileType ?? null, problems: r.problems });
          if (!o.json) {
            if (r.valid) printLines(`${file}: valid ${r.fileType ?? ''} (TMAD 10.1)`);
            else
              printLines(
                ...r.problems.map(
                  (p) =>
                    `${file}:${p.line}:${p.column}: ${p.element ? `${p.element}: ` : ''}${p.message} (${p.rule})`,
                ),
                `${file}: INVALID: ${r.problems.length}${r.truncated ? '+' : ''} problem(s)`,
              );
          }
        }
        if (o.json) printJson(files.length === 1 ? results[0] : results);
        setExit(results.every((r) => r.valid) ? EXIT.OK : EXIT.INVALID);
      },
    );
}
