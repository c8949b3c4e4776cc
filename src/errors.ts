/** Base of every error ragent expects: a message for the user plus a hint saying what to do next. */
export class RagentError extends Error {
  /** Process exit code the CLI uses when this error ends a command. */
  readonly exitCode: number = 1;
  constructor(
    message: string,
    readonly hint?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Bad flags, arguments or configuration: exit code 2. */
export class UsageError extends RagentError {
  override readonly exitCode = 2;
}

/** A configuration file or value that does not validate: exit code 2. */
export class ConfigError extends RagentError {
  override readonly exitCode = 2;
}

/** The repository (or path) given cannot be used. */
export class RepositoryError extends RagentError {}

/** The index is missing, unreadable or from an incompatible version. */
export class IndexError extends RagentError {}

/** The model server cannot be reached or the model cannot serve: exit code 3. */
export class ModelUnavailableError extends RagentError {
  override readonly exitCode = 3;
}

/** The user (or a caller's AbortSignal) cancelled the operation: exit code 130, like an interrupt. */
export class CancelledError extends RagentError {
  override readonly exitCode = 130;
}

/** Format an error for the terminal: message and hint, a stack only when debugging. */
export function formatError(err: unknown, debug = false): string {
  if (err instanceof RagentError) {
    const lines = [`error: ${err.message}`];
    if (err.hint) lines.push(`hint: ${err.hint}`);
    if (debug && err.stack) lines.push(err.stack);
    return lines.join('\n');
  }
  const e = err instanceof Error ? err : new Error(String(err));
  const lines = [`error: ${e.message}`];
  lines.push(debug && e.stack ? e.stack : 'hint: this is unexpected; run again with --debug for the stack trace');
  return lines.join('\n');
}
