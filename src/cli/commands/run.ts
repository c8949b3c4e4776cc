import { Command, InvalidArgumentError } from 'commander';
import { commandContext } from '../context.js';
import type { RunEvent } from '../../run/pipeline.js';
import { redactor, redactStream } from '../../util/redact.js';

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('must be a positive whole number');
  return n;
}

interface RunFlags {
  issue?: string;
  issueFile?: string;
  githubIssue?: string;
  json?: boolean;
  out?: string;
  branch?: string;
  maxIterations?: number;
  testCmd?: string;
  apply?: boolean;
}

/** `ragent run`: one task to a verified patch on its own branch, without touching the working tree. */
export function registerRun(program: Command): void {
  program
    .command('run')
    .description('work on one task in a separate git worktree and branch; commit the change when the tests pass')
    .option('--issue <text>', 'the task, as text')
    .option('--issue-file <file>', 'the task, from a text or Markdown file')
    .option('--github-issue <owner/repo#n>', 'the task, from a GitHub issue (GITHUB_TOKEN and GITHUB_API_URL are used when set)')
    .option('--json', 'print one JSON event a line, then the result object')
    .option('--out <file.patch>', 'also write the patch to this file')
    .option('--branch <name>', 'branch to create (default: ragent/<slug of the task>)')
    .option('--max-iterations <n>', 'edit-and-test rounds at most (agent.maxIterations)', positiveInt)
    .option('--test-cmd <cmd>', 'test command (agent.testCommand)')
    .option('--apply', 'apply the change to the working tree too, when the tests pass and the tree is clean')
    .addHelpText('after', '\nExit codes: 0 tests pass with the change, 1 no verified fix (the attempt stays on its branch), 2 usage or configuration error, 3 model unavailable.')
    .action(async (flags: RunFlags, cmd: Command) => {
      // The pipeline and what it pulls in load only when a run starts, so other commands start fast.
      const [{ agentPipelineDeps }, { runOneShot }, { formatReport, jsonView, liveView, plainView }, { resolveTask }] = await Promise.all([
        import('../../run/agent.js'),
        import('../../run/pipeline.js'),
        import('../../run/progress.js'),
        import('../../run/task.js'),
      ]);
      const agent: Record<string, unknown> = {};
      if (flags.maxIterations !== undefined) agent.maxIterations = flags.maxIterations;
      if (flags.testCmd !== undefined) agent.testCommand = flags.testCmd;
      const ctx = commandContext(cmd, Object.keys(agent).length ? { agent } : undefined);
      redactor.add(process.env.GITHUB_TOKEN);
      if (redactor.active) {
        redactStream(process.stdout);
        redactStream(process.stderr);
      }
      const task = await resolveTask(flags, { cwd: process.cwd(), env: process.env, redactor });

      const json = flags.json ? jsonView(process.stdout) : null;
      const live = !json && process.stderr.isTTY ? liveView(process.stderr, ctx.config.agent.maxIterations, process.stderr.columns || 100) : null;
      const plain = !json && !live ? plainView(process.stderr) : null;
      const onEvent = (e: RunEvent) => (json ?? live ?? plain)!.event(e);

      const abort = new AbortController();
      const onSigint = () => abort.abort();
      process.once('SIGINT', onSigint);
      try {
        const report = await runOneShot(
          { repo: ctx.repo, config: ctx.config, task, branch: flags.branch, outFile: flags.out, apply: flags.apply, onEvent, signal: abort.signal, redactor },
          agentPipelineDeps(),
        );
        live?.stop();
        if (json) json.finish(report);
        else process.stdout.write(redactor.redact(formatReport(report)));
        process.exitCode = report.exitCode;
      } finally {
        live?.stop();
        process.off('SIGINT', onSigint);
      }
    });
}
