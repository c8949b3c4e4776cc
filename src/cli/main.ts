import { Command, CommanderError } from 'commander';
import { formatError, RagentError } from '../errors.js';
import { registerCommands } from './commands/registry.js';

/** Build the `ragent` program with every command registered. */
export function buildProgram(): Command {
  const program = new Command('ragent')
    .description('A repository-level, retrieval-augmented coding agent that runs on a local model.')
    .option('--repo <dir>', 'repository to work on (default: the git top-level of the current directory)')
    .option('--debug', 'print stack traces for errors')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  registerCommands(program);
  return program;
}

let watchingOutput = false;

/**
 * A reader that stops early (`ragent search … | head`) closes the pipe: the output is finished, not failed, so
 * the process ends quietly instead of dying on the unhandled write error.
 */
function endQuietlyWhenOutputCloses(): void {
  if (watchingOutput) return;
  watchingOutput = true;
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => process.exit(err.code === 'EPIPE' ? (typeof process.exitCode === 'number' ? process.exitCode : 0) : 1));
  }
}

/** Run the CLI and return the exit code: 0 ok, 1 failure, 2 usage or configuration error, 3 model unavailable. */
export async function main(argv: string[]): Promise<number> {
  endQuietlyWhenOutputCloses();
  const program = buildProgram();
  const debug = argv.includes('--debug');
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return 0;
      return 2;
    }
    process.stderr.write(formatError(err, debug) + '\n');
    return err instanceof RagentError ? err.exitCode : 1;
  }
}
