import type { Command } from 'commander';
import { redactor, redactStream } from '../../util/redact.js';
import { commandContext } from '../context.js';

/** `ragent ci`: the GitHub Actions bot. */
export function registerCi(program: Command): void {
  program
    .command('ci')
    .description('GitHub Actions bot: act on an issue labelled with ci.label or a "/ragent" comment, and open a pull request')
    .addHelpText(
      'after',
      '\nReads GITHUB_EVENT_PATH, GITHUB_EVENT_NAME, GITHUB_REPOSITORY, GITHUB_TOKEN and GITHUB_API_URL (default https://api.github.com).\nSee examples/github-workflow.yml. Exit codes: 0 handled (or nothing to do), 1 a GitHub call failed, 2 configuration, 3 model unavailable.',
    )
    .action(async (_opts: unknown, cmd: Command) => {
      // Loaded on demand, so other commands start fast.
      const [{ runCiBot }, { ciEditPolicy }, { agentPipelineDeps }, { plainView }] = await Promise.all([
        import('../../ci/bot.js'),
        import('../../ci/policy.js'),
        import('../../run/agent.js'),
        import('../../run/progress.js'),
      ]);
      // Everything printed from here on is redacted, whatever prints it (errors included, printed later by main).
      redactor.add(process.env.GITHUB_TOKEN);
      redactStream(process.stdout);
      redactStream(process.stderr);
      const ctx = commandContext(cmd);
      const view = plainView(process.stdout);
      const result = await runCiBot({
        env: { ...process.env },
        repo: ctx.repo,
        config: ctx.config,
        deps: agentPipelineDeps({ approve: ciEditPolicy }),
        log: (line) => process.stdout.write(line + '\n'),
        onEvent: (e) => view.event(e),
        redactor,
      });
      process.exitCode = result.exitCode;
    });
}
