import { ModelUnavailableError, RagentError } from '../errors.js';

/** The model server did not answer at all (connection refused, reset, unknown host). */
export class ModelServerUnreachableError extends ModelUnavailableError {
  constructor(
    readonly host: string,
    hint: string,
    options?: { cause?: unknown },
  ) {
    super(`cannot reach the model server at ${host}`, hint, options);
  }
}

/** The server does not have the model (Ollama: not pulled). */
export class ModelNotFoundError extends ModelUnavailableError {
  constructor(
    readonly model: string,
    hint: string,
    readonly serverMessage?: string,
  ) {
    super(`model "${model}" is not available on the server${serverMessage ? ` (${serverMessage})` : ''}`, hint);
  }
}

/** The model's window (or the configured cap) is below what ragent needs to work at all. */
export class ContextWindowTooSmallError extends ModelUnavailableError {
  constructor(
    readonly model: string,
    readonly window: number,
    readonly minimum: number,
  ) {
    super(
      `model "${model}" offers a context window of ${window} tokens; ragent needs at least ${minimum}`,
      `choose a model with a larger window, or raise model.contextLength (0 means the model's own maximum)`,
    );
  }
}

/** A prompt beyond the window: refused before sending by our own count, or by the server. */
export class ContextOverflowError extends RagentError {
  constructor(readonly details: { promptTokens?: number; limit?: number; numCtx?: number; serverMessage?: string }) {
    const { promptTokens, limit, numCtx, serverMessage } = details;
    super(
      serverMessage
        ? `the server refused a prompt longer than its context window${numCtx ? ` of ${numCtx} tokens` : ''} (${serverMessage})`
        : `the prompt needs about ${promptTokens} tokens but at most ${limit} fit (window ${numCtx} minus the answer's reserve)`,
      'send less context: lower retrieval.budget or shorten the conversation; or raise model.contextLength if the model allows it',
    );
  }
}

/** The server evaluated less of the prompt than was sent: it cut the prompt to fit its window. */
export class PromptTruncatedError extends RagentError {
  constructor(
    readonly expectedTokens: number,
    readonly serverTokens: number,
    readonly numCtx: number,
  ) {
    super(
      `the model server truncated the prompt: it evaluated ${serverTokens} tokens of a prompt we counted at ${expectedTokens} (window ${numCtx})`,
      'the answer was produced from a partial prompt and was discarded; lower retrieval.budget or raise model.contextLength',
    );
  }
}

/** The model called a tool with arguments that are not a JSON object, or in a shape we cannot read. */
export class MalformedToolCallError extends RagentError {
  constructor(
    /** The tool the model named, if it named one. */
    readonly toolName: string | undefined,
    /** The offending call exactly as received, so the agent can show the model what went wrong. */
    readonly raw: string,
    readonly reason: string,
  ) {
    super(
      `the model made a malformed call${toolName ? ` to tool "${toolName}"` : ''}: ${reason}`,
      'tell the model its tool arguments must be one JSON object matching the tool schema',
    );
  }
}

/** The server answered with an error status (or an error inside the stream); its text is kept. */
export class ModelServerError extends RagentError {
  constructor(
    readonly status: number | undefined,
    readonly serverMessage: string,
    hint?: string,
    options?: { cause?: unknown },
  ) {
    super(`the model server answered ${status ? `${status}: ` : 'with an error: '}${serverMessage}`, hint, options);
  }

  /** Whether trying again later may succeed (5xx, busy). */
  get transient(): boolean {
    return this.status === undefined ? false : this.status >= 500 || this.status === 429;
  }
}

/** A model request ran longer than `model.requestTimeoutMs`. */
export class ModelTimeoutError extends RagentError {
  constructor(
    readonly timeoutMs: number,
    what: string,
  ) {
    super(
      `the model request (${what}) did not finish within ${timeoutMs} ms`,
      'raise model.requestTimeoutMs, or use a smaller model or context',
    );
  }
}
