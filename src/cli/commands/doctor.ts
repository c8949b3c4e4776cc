import type { Command } from 'commander';
import { resolveRepoRoot } from '../../util/repo.js';
import { printJson } from '../context.js';

/** `ragent doctor`: check everything a full run needs, one line each with the fix. */
export function registerDoctor(program: Command): void {
  program
    .command('doctor')
    .description('check Node, git, the index, the model server and models, the test command and the configuration')
    .option('--json', 'print the checks as JSON')
    .option('--no-run-tests', 'do not run the test command (only report which one would be used)')
    .option('--timeout <ms>', 'milliseconds allowed for each network check', (v) => Number.parseInt(v, 10), 5000)
    .action(async (opts: { json?: boolean; runTests: boolean; timeout: number }, cmd: Command) => {
      // Loaded on demand, so other commands start fast.
      const [{ doctorExitCode, runDoctor }, { formatChecks }] = await Promise.all([import('../../doctor/checks.js'), import('../../doctor/report.js')]);
      const globals = cmd.optsWithGlobals() as { repo?: string };
      const repo = resolveRepoRoot(globals.repo);
      const results = await runDoctor({ repo, runTests: opts.runTests, timeoutMs: opts.timeout });
      const exitCode = doctorExitCode(results);
      if (opts.json) printJson({ ok: exitCode === 0, exitCode, checks: results });
      else process.stdout.write(formatChecks(results, Boolean(process.stdout.isTTY)));
      process.exitCode = exitCode;
    });
}
