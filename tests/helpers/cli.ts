/** Running the CLI inside the test process (a child pays a cold start each time), capturing what it prints. */

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run `fn` with stdout and stderr captured; both are restored however it ends. */
export async function captureOutput<T>(fn: () => Promise<T>): Promise<{ value: T; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const out = process.stdout.write;
  const err = process.stderr.write;
  process.stdout.write = ((chunk: string | Uint8Array) => ((stdout += String(chunk)), true)) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) => ((stderr += String(chunk)), true)) as typeof process.stderr.write;
  try {
    const value = await fn();
    return { value, stdout, stderr };
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
  }
}

/** Run `ragent <args>` through the real entry function; returns its exit code and what it printed. */
export async function cliInProcess(args: string[]): Promise<CliResult> {
  const { main } = await import('../../src/cli/main.js');
  try {
    const { value, stdout, stderr } = await captureOutput(() => main(['node', 'ragent', ...args]));
    return { code: value, stdout, stderr };
  } finally {
    process.exitCode = undefined;
  }
}
