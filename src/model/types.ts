/**
 * The model client's contract: one interface over Ollama and OpenAI-compatible servers.
 */

export type Role = 'system' | 'user' | 'assistant' | 'tool';

export interface ToolCall {
  /** Server-assigned id when the protocol has one (OpenAI); generated otherwise. */
  id: string;
  name: string;
  arguments: Record<string, unknown>;
}

export interface ChatMessage {
  role: Role;
  content: string;
  /** Tool calls the assistant made in this message. */
  toolCalls?: ToolCall[];
  /** For role `tool`: the tool this message answers. */
  toolName?: string;
  toolCallId?: string;
}

/** A tool the model may call, described by a JSON schema for its arguments. */
export interface ToolSpec {
  name: string;
  description: string;
  parameters: Record<string, unknown>;
}

export interface ChatOptions {
  tools?: ToolSpec[];
  /** JSON schema the answer must follow (Ollama `format`), for models without native tool calling. */
  format?: Record<string, unknown>;
  temperature?: number;
  stop?: string[];
  /** Most tokens to generate. */
  maxTokens?: number;
  /**
   * Cancels the call: the HTTP request is aborted (its socket closed) and the call ends with
   * `CancelledError`, also while waiting to retry.
   */
  signal?: AbortSignal;
  /**
   * Our own count of the prompt's tokens (everything sent: messages and tool specs). A prompt over
   * the window minus the reserve is refused before sending (`ContextOverflowError`); one the server
   * cut ends the call with `PromptTruncatedError` instead of its result.
   */
  expectedPromptTokens?: number;
}

export interface Usage {
  /** Prompt tokens the server evaluated (may leave out KV-cached ones). */
  promptTokens: number;
  /** Cached prompt tokens, when the server reports them. */
  cachedPromptTokens?: number;
  outputTokens: number;
}

export type ChatEvent =
  | { type: 'text'; delta: string }
  | { type: 'tool_call'; call: ToolCall }
  | { type: 'done'; message: ChatMessage; usage: Usage; doneReason: string };

export interface ModelInfo {
  name: string;
  /** The model's trained maximum context length. */
  contextLength: number;
  /** The window ragent sends on every request (`num_ctx`). */
  numCtx: number;
  supportsTools: boolean;
  /** Tokens a prompt may use: `numCtx` minus the answer's reserve. */
  promptBudget?: number;
  /** What had to be guessed (e.g. tool support read from the template on servers without `capabilities`). */
  notes?: string[];
}

export interface CompletionResult {
  text: string;
  usage: Usage;
  doneReason: string;
}

export interface ModelClient {
  /** Model facts, fetched once (`/api/show`). */
  info(): Promise<ModelInfo>;
  /**
   * Stream one assistant turn, ending in `done`. Transient failures are retried only before the first
   * event; an error after events were seen (truncation, malformed tool call, lost connection) means
   * the turn is void. A malformed tool call is reported once the stream has ended, as
   * `MalformedToolCallError`, after the well-formed calls were yielded.
   */
  chat(messages: ChatMessage[], options?: ChatOptions): AsyncIterable<ChatEvent>;
  /** Plain text completion of a prompt (function completion for pass@k). */
  complete(prompt: string, options?: ChatOptions): Promise<CompletionResult>;
  /** Embed texts with the configured embedding model. */
  embed(texts: string[], signal?: AbortSignal): Promise<number[][]>;
}
