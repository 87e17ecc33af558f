// s1mig CLI: one sub-command group per capability. Each group lives in src/cli/commands/<name>.ts
// and exports `register(program)`. Exit codes everywhere: 0 success/valid, 1 invalid/rejected,
// 2 usage or I/O error.
import { Command, CommanderError } from 'commander';
import { UsageError, EXIT } from './io.js';
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
  program.configureOutput({
    writeErr: (s) => process.stderr.write(s),
    writeOut: (s) => process.stdout.write(s),
  });
  for (const c of allCommands(program)) c.exitOverride();
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
      process.stderr.write(`s1mig: ${err.message}\n`);
      return EXIT.USAGE;
    }
    const e = err as NodeJS.ErrnoException;
    process.stderr.write(`s1mig: ${e?.message ?? String(err)}\n`);
    return EXIT.USAGE;
  }
}

function* allCommands(c: Command): Generator<Command> {
  yield c;
  for (const sub of c.commands) yield* allCommands(sub);
}
