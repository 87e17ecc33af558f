// s1mig file validate: the SMETS1 Migration Schema check (TMAD 10.1, step 5.9.1) on its own, for any
// file of Table 10.2 or the decrypted plaintexts of Table 11.2.1, signed or not.
import type { Command } from 'commander';
import {
  EXIT,
  MAX_NODE_SIZE_HELP,
  UsageError,
  commandGroup,
  parseMaxNodeSize,
  jsonPerFile,
  printLines,
  requireFile,
  setExit,
} from '../io.js';
import { ROOTS, validateXmlFile, type FileType, type SchemaProblem } from '../../core/schema/index.js';

const FILE_TYPES = ROOTS.map((r) => r.fileType);

/** The problem a signed root (Table 5.5) reports when its ds:Signature is absent. */
function isMissingSignature(p: SchemaProblem, rootElement: string | undefined): boolean {
  return (
    rootElement !== undefined &&
    p.element === rootElement &&
    /Missing child element\(s\)\. Expected is (one of )?\(.*\bds:Signature\b/.test(p.message)
  );
}

export const UNSIGNED_HINT =
  'the file is unsigned (no ds:Signature; TMAD 10.1 Table 10.1, Table 5.5): sign it with ' +
  '`s1mig xml sign <in> <out> --key <pem> --cert <pem>` (or create it signed with `s1mig file generate <type> --pki <dir> --sign`), ' +
  'or validate it as an unsigned document with `s1mig file validate --unsigned`';

export function register(program: Command): void {
  commandGroup(program, 'file')
    .command('validate')
    .description(
      'Validate XML files against the SMETS1 Migration Schema (TMAD 10.1; schema/smets1-migration.xsd) in one ' +
        'streaming pass: well-formedness (no DOCTYPE), root element, element order, cardinality and lexical types; ' +
        'every problem with line, element path and clause. A signed file type must end with its ds:Signature ' +
        '(--unsigned: validate a file before signing). Does not check the signature (see file authenticate). ' +
        'Exit 0 all valid, 1 any invalid, 2 usage or I/O error',
    )
    .argument('<files...>', 'XML files')
    .option('--expect <type>', `the file type the root must be: ${FILE_TYPES.join(', ')}`)
    .option(
      '--unsigned',
      'validate as an unsigned document: the ds:Signature may be absent (checked where present)',
    )
    .option('--max-errors <n>', 'stop listing problems of a file after this many', '100')
    .option('--max-node-size <chars>', MAX_NODE_SIZE_HELP)
    .option(
      '--json',
      'print {file, valid, fileType, problems} per file (JSON Lines, one object per file as it is decided, for several files)',
    )
    .action(
      async (
        files: string[],
        o: { expect?: string; unsigned?: boolean; maxErrors: string; maxNodeSize?: string; json?: boolean },
      ) => {
        if (o.expect !== undefined && !FILE_TYPES.includes(o.expect as FileType))
          throw new UsageError(`--expect '${o.expect}': expected one of ${FILE_TYPES.join(', ')}`);
        const maxErrors = Number(o.maxErrors);
        if (!Number.isInteger(maxErrors) || maxErrors < 1)
          throw new UsageError(`--max-errors '${o.maxErrors}': expected a whole number of at least 1`);
        const maxNodeLength = parseMaxNodeSize(o.maxNodeSize);
        const results = [];
        const emitJson = jsonPerFile(files.length);
        for (const file of files) {
          await requireFile(file);
          const r = await validateXmlFile(file, {
            maxErrors,
            ...(maxNodeLength !== undefined ? { maxNodeLength } : {}),
            ...(o.expect !== undefined ? { expectedFileType: o.expect as FileType } : {}),
            ...(o.unsigned ? { signatureOptional: true } : {}),
          });
          const unsigned = !o.unsigned && r.problems.some((p) => isMissingSignature(p, r.rootElement));
          const result = {
            file,
            valid: r.valid,
            fileType: r.fileType ?? null,
            signatureRequired: !o.unsigned,
            ...(unsigned ? { unsigned: true, hint: UNSIGNED_HINT } : {}),
            problems: r.problems,
          };
          results.push(result);
          if (o.json) await emitJson(result);
          else {
            if (r.valid)
              printLines(
                `${file}: valid ${r.fileType ?? ''} (TMAD 10.1)${o.unsigned ? ', validated as an unsigned document (--unsigned)' : ''}`,
              );
            else
              printLines(
                ...r.problems.map(
                  (p) =>
                    `${file}:${p.line}:${p.column}: ${p.element ? `${p.element}: ` : ''}${p.message} (${p.rule})`,
                ),
                `${file}: INVALID: ${r.problems.length}${r.truncated ? '+' : ''} problem(s)`,
                ...(unsigned ? [`${file}: ${UNSIGNED_HINT}`] : []),
              );
          }
        }
        setExit(results.every((r) => r.valid) ? EXIT.OK : EXIT.INVALID);
      },
    );
}
