import type { Command } from 'commander';
import { printJson } from '../context.js';

/** The shared `ragent eval` parent command; each harness adds its subcommand to it. */
export function evalCommand(program: Command): Command {
  return (
    program.commands.find((c) => c.name() === 'eval') ??
    program.command('eval').description('measure ragent and models: pass@k, localization recall, resolved rate')
  );
}

/** A progress display that an eval updates and ends. */
export interface EvalProgress<P> {
  update(p: P): void;
  end(): void;
}

/**
 * Run an eval the way every harness does: Ctrl-C asks it to stop (its results so far stay, and the same
 * command resumes), a progress display while it runs, then the summary as a table or JSON.
 */
export async function runEval<P, S>(opts: {
  progress: EvalProgress<P>;
  interruptedNote: string;
  json?: boolean;
  run: (signal: AbortSignal, onProgress: (p: P) => void) => Promise<S>;
  format: (summary: S) => string;
}): Promise<S> {
  const controller = new AbortController();
  const onSigint = (): void => {
    process.stderr.write(`\ninterrupted: ${opts.interruptedNote}\n`);
    controller.abort();
  };
  process.once('SIGINT', onSigint);
  try {
    const summary = await opts.run(controller.signal, (p) => opts.progress.update(p));
    opts.progress.end();
    if (opts.json) printJson(summary);
    else process.stdout.write(opts.format(summary) + '\n');
    return summary;
  } finally {
    opts.progress.end();
    process.removeListener('SIGINT', onSigint);
  }
}
