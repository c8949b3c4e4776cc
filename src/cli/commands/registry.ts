import type { Command } from 'commander';

type Register = (program: Command) => void;

// Each command lives in its own file and adds itself here.
const registrations: Register[] = [];

/** Attach every command to the program. */
export function registerCommands(program: Command): void {
  for (const register of registrations) register(program);
}
