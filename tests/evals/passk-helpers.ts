import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { onTestFinished } from 'vitest';
import { formatError, RagentError } from '../../src/errors.js';
import { registerEvalPassK } from '../../src/cli/commands/eval-passk.js';

/**
 * Run `ragent eval …` in-process with just the pass@k commands registered (the same flags as the real
 * program), capturing what it prints. Returns the exit code the CLI would give.
 */
export async function runEvalCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const program = new Command('ragent').option('--repo <dir>').option('--debug').exitOverride();
  registerEvalPassK(program);
  let stdout = '';
  let stderr = '';
  const realOut = process.stdout.write.bind(process.stdout);
  const realErr = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((chunk: string | Uint8Array) => ((stdout += chunk.toString()), true)) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) => ((stderr += chunk.toString()), true)) as typeof process.stderr.write;
  let code = 0;
  try {
    await program.parseAsync(['node', 'ragent', ...args]);
  } catch (err) {
    if (err instanceof CommanderError) code = 2;
    else {
      stderr += formatError(err) + '\n';
      code = err instanceof RagentError ? err.exitCode : 1;
    }
  } finally {
    process.stdout.write = realOut;
    process.stderr.write = realErr;
  }
  return { code, stdout, stderr };
}

/** A fresh temp directory, removed when the current test finishes. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
