import type { Command } from 'commander';

/** The shared `ragent eval` parent command; each harness adds its subcommand to it. */
export function evalCommand(program: Command): Command {
  return (
    program.commands.find((c) => c.name() === 'eval') ??
    program.command('eval').description('measure ragent and models: pass@k, localization recall, resolved rate')
  );
}
