import type { Command } from 'commander';
import { loadConfig, type LoadedConfig } from '../config/load.js';
import { resolveRepoRoot } from '../util/repo.js';

/** What every command needs: the repository root, its configuration and the global flags. */
export interface CommandContext extends LoadedConfig {
  repo: string;
  debug: boolean;
}

/** Build the context from a command's options (global ones included) and configuration flags. */
export function commandContext(cmd: Command, flagConfig?: Record<string, unknown>): CommandContext {
  const opts = cmd.optsWithGlobals() as { repo?: string; debug?: boolean };
  const repo = resolveRepoRoot(opts.repo);
  const loaded = loadConfig({ repo, flags: flagConfig });
  return { ...loaded, repo, debug: Boolean(opts.debug) };
}

/** Print data as one JSON document on stdout. */
export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}
