import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { onTestFinished } from 'vitest';
import { formatError, RagentError } from '../../src/errors.js';
import { registerEvalPassK } from '../../src/cli/commands/eval-passk.js';
import { captureOutput } from '../helpers/cli.js';

/**
 * Run `ragent eval …` in-process with just the pass@k commands registered (the same flags as the real
 * program), capturing what it prints. Returns the exit code the CLI would give.
 */
export async function runEvalCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const program = new Command('ragent').option('--repo <dir>').option('--debug').exitOverride();
  registerEvalPassK(program);
  const { value: code, stdout, stderr } = await captureOutput(async () => {
    try {
      await program.parseAsync(['node', 'ragent', ...args]);
      return 0;
    } catch (err) {
      if (err instanceof CommanderError) return 2;
      process.stderr.write(formatError(err) + '\n');
      return err instanceof RagentError ? err.exitCode : 1;
    }
  });
  return { code, stdout, stderr };
}

/** A fresh temp directory, removed when the current test finishes. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
