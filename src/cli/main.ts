// s1mig CLI: one sub-command group per capability. Each group lives in src/cli/commands/<name>.ts
// and exports `register(program)`. Exit codes everywhere: 0 success/valid, 1 invalid/rejected,
// 2 usage or I/O error.
import { Command, CommanderError } from 'commander';
import { UsageError, EXIT, escapeTextBlock, printErrLines } from './io.js';
import { registerCommands } from './commands/index.js';

export async function buildProgram(argv: readonly string[] = []): Promise<Command> {
  const program = new Command();
  program
    .name('s1mig')
    .description(
      'Back office for migrating SMETS1 installations into the DCC network (TMAD, SEC Appendix AL; MAM; MRR).',
    )
    .version('0.1.0')
    .showHelpAfterError()
    .exitOverride();
  await registerCommands(program, argv);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = await buildProgram(argv);
  // Help and commander's errors echo arguments: escaped like all human output, on every sub-command.
  const output = {
    writeErr: (s: string) => process.stderr.write(escapeTextBlock(s)),
    writeOut: (s: string) => process.stdout.write(escapeTextBlock(s)),
  };
  for (const c of allCommands(program)) c.exitOverride().configureOutput(output);
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.OK;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version exit 0; everything else commander rejects is a usage error.
      if (
        err.code === 'commander.helpDisplayed' ||
        err.code === 'commander.version' ||
        err.code === 'commander.help'
      )
        return EXIT.OK;
      return EXIT.USAGE;
    }
    if (err instanceof UsageError) {
      printErrLines(`s1mig: ${err.message}`);
      return EXIT.USAGE;
    }
    const e = err as NodeJS.ErrnoException;
    printErrLines(`s1mig: ${e?.message ?? String(err)}`);
    return EXIT.USAGE;
  }
}

function* allCommands(c: Command): Generator<Command> {
  yield c;
  for (const sub of c.commands) yield* allCommands(sub);
}
