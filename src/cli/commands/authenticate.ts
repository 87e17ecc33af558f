// s1mig file authenticate: the Table 5.9 authenticator (TMAD 5.9, 5.11) from the command line. The
// intake itself is src/dcc/intake.ts; this command parses the options, calls it and prints each
// verdict as soon as it is decided.
import path from 'node:path';
import type { Command } from 'commander';
import {
  EXIT,
  MAX_NODE_SIZE_HELP,
  UsageError,
  commandGroup,
  parseInstant,
  parseMaxNodeSize,
  jsonPerFile,
  printLines,
  requireFile,
  setExit,
} from '../io.js';
import { createProgress } from '../progress.js';
import { loadTrustStore } from '../../files/trust-store.js';
import {
  AUTHENTICATORS,
  PARTY_ALIASES,
  parseAuthenticatorParty,
  type AuthenticationVerdict,
} from '../../core/authentication/index.js';
import { openStore } from '../../store/index.js';
import { authenticateMigrationFiles, type IntakeVerdict } from '../../dcc/intake.js';
import { configuration } from '../../config.js';

export type { SkippedStep } from '../../dcc/intake.js';
/** The verdict as the CLI reports it (src/dcc/intake.ts). */
export type CliVerdict = IntakeVerdict;

/** One JSON Line on stdout, written through before the next file is read. */
export function describeVerdict(v: AuthenticationVerdict & Partial<CliVerdict>): string[] {
  const lines: string[] = [];
  const what = `${v.fileName ?? 'file'} (${v.fileType ?? 'unknown type'})`;
  if (v.accepted && v.alreadyAccepted) {
    lines.push(
      `${what}: ALREADY ACCEPTED by the ${v.authenticator} at ${v.alreadyAccepted.acceptedAt}${v.alreadyAccepted.fileName && v.alreadyAccepted.fileName !== v.fileName ? ` as ${v.alreadyAccepted.fileName}` : ''} (the same bytes; TMAD 5.9.5-5.9.9: not a replay): the original verdict follows`,
    );
    lines.push(`  steps passed: ${v.stepsPassed.join(', ')}`);
  } else if (v.accepted) {
    lines.push(`${what}: AUTHENTICATED by the ${v.authenticator} (Table 5.9, ${v.column} column)`);
    lines.push(`  steps passed: ${v.stepsPassed.join(', ')}`);
    for (const s of v.stepsSkipped ?? []) lines.push(`  step ${s.step}: ${s.reason}`);
  } else {
    const incident =
      v.incidentId !== null
        ? `an Incident was raised (${v.incidentId})`
        : 'no Incident recorded (--no-store)';
    lines.push(
      `${what}: REJECTED at step ${v.failedStep} (TMAD 5.9); ${incident}; file ${v.disposition ?? 'left in place'}`,
    );
    for (const p of v.problems)
      lines.push(
        `  ${p.step}${p.line ? ` line ${p.line}` : ''}${p.element ? ` ${p.element}` : ''}: ${p.message} (${p.rule})`,
      );
  }
  if (v.crlRequired === false) lines.push('  5.9.4 checked without requiring a CRL (--no-require-crl)');
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
        'A rejected file raises an Incident (TMAD 3.5) and, with --discard-to, is moved aside. Exit 0 all authenticated, 1 any rejected, 2 usage. ' +
        '--json prints the verdict as one JSON object (for several files: JSON Lines, one object per file, each written as soon as it is decided). ' +
        'The same bytes authenticated again return the original verdict, marked alreadyAccepted (exit 0, no Incident, no discard).',
    )
    .argument('<files...>', 'the signed XML file(s), authenticated in the order given')
    .requiredOption(
      '--as <party>',
      `the Authenticator: ${AUTHENTICATORS.join(', ')} (short form: ${Object.entries(PARTY_ALIASES)
        .map(([a, p]) => `${a} = ${p}`)
        .join(', ')}; s1sp uses the S1SP column for GroupID EA/EB/EC)`,
    )
    .option(
      '--trust <dir|pem>',
      'trusted CA certificates, CRLs and the known Organisation Certificates (e.g. the directory of `s1mig pki init`); default $S1MIG_TRUST',
    )
    .option('--at <iso>', 'the time of the check (certificate validity, counter window); default now')
    .option(
      '--no-store',
      'do not record counters or Incidents (a dry run: anti-replay 5.9.5-5.9.9 is reported as not checked)',
    )
    .option(
      '--no-require-crl',
      "5.9.4: accept the signer's certificate when no CRL of its issuer is available (default: a CRL is required)",
    )
    .option(
      '--discard-to <dir>',
      'move a rejected file into this directory, with its verdict beside it as <file>.verdict.json (TMAD 5.9: discard); never overwrites (a name taken becomes <file>.1, <file>.2, ...), works across file systems; without it a rejected file is left in place',
    )
    .option('--max-node-size <chars>', MAX_NODE_SIZE_HELP)
    .option('--quiet', 'no progress display on stderr')
    .option(
      '--json',
      'print the verdict as JSON (several files: JSON Lines, one object per file as it is decided)',
    )
    .action(
      async (
        files: string[],
        o: {
          as: string;
          trust?: string;
          at?: string;
          store: boolean;
          requireCrl: boolean;
          discardTo?: string;
          maxNodeSize?: string;
          quiet?: boolean;
          json?: boolean;
        },
      ) => {
        const as = parseAuthenticatorParty(o.as);
        if (!as)
          throw new UsageError(
            `--as '${o.as}': expected one of ${AUTHENTICATORS.join(', ')} (or ${Object.keys(PARTY_ALIASES).join(', ')})`,
          );
        const now = o.at !== undefined ? parseInstant(o.at, '--at') : new Date();
        const maxNodeLength = parseMaxNodeSize(o.maxNodeSize);
        const sizes = new Map<string, number>();
        for (const file of files) sizes.set(file, await requireFile(file, 'signed XML file'));
        const trustPath = o.trust ?? configuration().trust;
        if (!trustPath) throw new UsageError('--trust <dir|pem> is required (or set S1MIG_TRUST)');
        const trust = await loadTrustStore(trustPath).catch((e: Error) => {
          throw new UsageError(`--trust ${trustPath}: ${e.message}`);
        });
        const store = o.store ? await openStore() : undefined;
        // One file: the single verdict object; several: JSON Lines, one per file as it is decided.
        const emitJson = jsonPerFile(files.length);
        let verdicts: CliVerdict[];
        try {
          verdicts = await authenticateMigrationFiles(
            files,
            {
              as,
              trust,
              now,
              requireCrl: o.requireCrl,
              ...(maxNodeLength !== undefined ? { maxNodeLength } : {}),
              ...(o.discardTo ? { discardTo: o.discardTo } : {}),
              progress: (file) =>
                createProgress({
                  label: `authenticating ${path.basename(file)}`,
                  total: sizes.get(file)!,
                  unit: 'bytes',
                  json: !!o.json,
                  quiet: !!o.quiet,
                }),
            },
            store,
            async (verdict) => {
              if (o.json) await emitJson(verdict);
              else printLines(...describeVerdict(verdict));
            },
          );
        } finally {
          await store?.close();
        }
        setExit(verdicts.every((v) => v.accepted) ? EXIT.OK : EXIT.INVALID);
      },
    );
}
