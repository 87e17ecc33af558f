// s1mig file authenticate: the Table 5.9 authenticator (TMAD 5.9, 5.11) from the command line.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import {
  EXIT,
  MAX_NODE_SIZE_HELP,
  UsageError,
  commandGroup,
  parseInstant,
  parseMaxNodeSize,
  printJson,
  printLines,
  setExit,
} from '../io.js';
import { loadTrustStore } from '../../core/pki/index.js';
import {
  AUTHENTICATORS,
  authenticateMigrationFile,
  isAuthenticatorParty,
  type AuthenticationVerdict,
} from '../../core/authentication/index.js';
import { openStore } from '../../store/index.js';
import { discardFile } from '../discard.js';

export function describeVerdict(v: AuthenticationVerdict): string[] {
  const lines: string[] = [];
  const what = `${v.fileName ?? 'file'} (${v.fileType ?? 'unknown type'})`;
  if (v.accepted) {
    lines.push(`${what}: AUTHENTICATED by the ${v.authenticator} (Table 5.9, ${v.column} column)`);
    lines.push(`  steps passed: ${v.stepsPassed.join(', ')}`);
  } else {
    lines.push(`${what}: REJECTED at step ${v.failedStep} — file discarded (TMAD 5.9)`);
    for (const p of v.problems)
      lines.push(
        `  ${p.step}${p.line ? ` line ${p.line}` : ''}${p.element ? ` ${p.element}` : ''}: ${p.message} (${p.rule})`,
      );
    if (v.incidentId !== null) lines.push(`  Incident ${v.incidentId} raised`);
  }
  if (v.signer)
    lines.push(
      `  signer: serial ${v.signer.serialNumber}, issuer '${v.signer.issuerName}', entity ${v.signer.entityId ?? '?'}, role ${v.signer.role ?? '?'}`,
    );
  const h = v.header;
  if (h.rootElement)
    lines.push(
      `  header: ${h.rootElement} GroupID=${h.groupId ?? '-'} creator=${h.creatorId ?? '-'} counter=${h.counter ?? '-'} MCFCounter=${h.mcfCounter ?? '-'}`,
    );
  return lines;
}

export function register(program: Command): void {
  const file = commandGroup(program, 'file');
  file
    .command('authenticate')
    .description(
      'Authenticate a signed migration file (MCF, MGF, MEF, MVF, SCF, COF) per TMAD Table 5.9: schema (5.9.1), ' +
        'signature (5.9.2), Remote Party Role (5.9.3), certificate validity (5.9.4), anti-replay counters ' +
        '(5.9.5-5.9.9, stored in the database) and, for the S1SP with GroupID EA/EB/EC, one Supplier Party (5.9.10). ' +
        'A rejected file is discarded and an Incident is recorded (TMAD 3.5). Exit 0 all authenticated, 1 any rejected, 2 usage. ' +
        '--json prints the verdict (an array of verdicts for several files).',
    )
    .argument('<files...>', 'the signed XML file(s), authenticated in the order given')
    .requiredOption(
      '--as <party>',
      `the Authenticator: ${AUTHENTICATORS.join(', ')} (s1sp uses the S1SP column for GroupID EA/EB/EC)`,
    )
    .option(
      '--trust <dir|pem>',
      'trusted CA certificates, CRLs and the known Organisation Certificates (e.g. the directory of `s1mig pki init`); default $S1MIG_TRUST',
    )
    .option('--at <iso>', 'the time of the check (certificate validity, counter window); default now')
    .option('--no-store', 'do not record counters or Incidents (a dry run: anti-replay is not checked)')
    .option(
      '--discard-to <dir>',
      'move a rejected file into this directory, with its verdict beside it as <file>.verdict.json (TMAD 5.9: discard); never overwrites (a name taken becomes <file>.1, <file>.2, ...), works across file systems',
    )
    .option('--max-node-size <chars>', MAX_NODE_SIZE_HELP)
    .option('--json', 'print the verdict as JSON')
    .action(
      async (
        files: string[],
        o: {
          as: string;
          trust?: string;
          at?: string;
          store: boolean;
          discardTo?: string;
          maxNodeSize?: string;
          json?: boolean;
        },
      ) => {
        if (!isAuthenticatorParty(o.as))
          throw new UsageError(`--as '${o.as}': expected one of ${AUTHENTICATORS.join(', ')}`);
        const now = o.at !== undefined ? parseInstant(o.at, '--at') : new Date();
        const maxNodeLength = parseMaxNodeSize(o.maxNodeSize);
        for (const file of files) {
          try {
            const st = await stat(file);
            if (!st.isFile()) throw new Error('not a regular file');
          } catch (e) {
            throw new UsageError(
              `${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
            );
          }
        }
        const trustPath = o.trust ?? process.env.S1MIG_TRUST;
        if (!trustPath) throw new UsageError('--trust <dir|pem> is required (or set S1MIG_TRUST)');
        const trust = await loadTrustStore(trustPath).catch((e: Error) => {
          throw new UsageError(`--trust ${trustPath}: ${e.message}`);
        });
        const store = o.store ? await openStore() : undefined;
        const verdicts: AuthenticationVerdict[] = [];
        try {
          const counters = store?.counters ?? {
            // Dry run: counters are neither checked against history nor stored.
            acceptIfUnseen: async () => true,
            acceptIfGreater: async () => true,
            list: async () => [],
          };
          // In the order given: the counters of one file are stored before the next is checked.
          for (const file of files) {
            const stream = createReadStream(file, { highWaterMark: 256 * 1024 });
            const verdict = await authenticateMigrationFile(stream, {
              as: o.as,
              trust,
              counters,
              ...(store ? { incidents: store.incidents } : {}),
              now,
              fileName: path.basename(file),
              ...(maxNodeLength !== undefined ? { maxNodeLength } : {}),
            }).finally(() => stream.destroy());
            if (!verdict.accepted && o.discardTo) {
              // TMAD 5.9: the file is discarded — moved out of the way with its verdict beside it.
              await discardFile(file, o.discardTo, verdict);
            }
            verdicts.push(verdict);
            if (!o.json) printLines(...describeVerdict(verdict));
          }
        } finally {
          await store?.close();
        }
        if (o.json) printJson(files.length === 1 ? verdicts[0] : verdicts);
        setExit(verdicts.every((v) => v.accepted) ? EXIT.OK : EXIT.INVALID);
      },
    );
}
