import type { Command } from 'commander';
import { commandContext } from '../context.js';

/** `ragent chat` (also plain `ragent`): the interactive terminal session. */
export function registerChat(program: Command): void {
  program
    .command('chat', { isDefault: true })
    .description('interactive session: chat with the repository, review every edit, run the tests')
    .option('--auto', 'accept every edit without asking')
    .option('--model <name>', 'model to use (default: model.name from the configuration)')
    .addHelpText(
      'after',
      '\nOn a terminal it opens a full-screen session; with stdin not a TTY (or CI set) it reads one line at a time, for scripts.\nType /help inside for commands.',
    )
    .action(async (opts: { auto?: boolean; model?: string }, cmd: Command) => {
      const ctx = commandContext(cmd, opts.model ? { model: { name: opts.model } } : undefined);
      // Loaded on demand: the terminal UI and what it pulls in would slow every other command's start.
      const { startChat } = await import('../../tui/index.js');
      const color = !process.env.NO_COLOR && Boolean(process.stdout.isTTY);
      process.exitCode = await startChat({
        root: ctx.repo,
        config: ctx.config,
        auto: Boolean(opts.auto),
        // Under CI the terminal renderer draws only on exit, so the plain line mode serves better there.
        interactive: Boolean(process.stdin.isTTY && process.stdout.isTTY) && !process.env.CI,
        color,
      });
    });
}
