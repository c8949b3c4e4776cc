import { Ollama } from 'ollama';
import { ModelNotFoundError, ModelServerError, ContextOverflowError, MalformedToolCallError } from './errors.js';
import { readOllamaToolCall } from './tool-calls.js';
import { RequestScope, streamWithRetries, underSignal, withRetries } from './transport.js';
import type { ChatEvent, ChatMessage, ChatOptions, CompletionResult, ModelClient, ModelInfo, ToolCall, ToolSpec, Usage } from './types.js';
import { settleUsage } from './usage.js';
import { assertPromptFits, chooseNumCtx, promptLimit } from './window.js';

/** Everything the Ollama provider needs, already resolved from configuration. */
export interface OllamaClientSettings {
  host: string;
  model: string;
  embedModel: string;
  embedBatchSize: number;
  /** Prompt tokens the caller plans to send at most; the window is sized from it. */
  budget: number;
  outputReserve: number;
  /** `model.contextLength`: a cap when > 0. */
  contextLength: number;
  keepAlive: string;
  temperature: number;
  requestTimeoutMs: number;
  retries: number;
  /** First retry delay in ms; each retry doubles it. */
  retryBaseDelayMs: number;
  calibrationFile?: string;
}

/** Ollama's chunks as they arrive on the wire (the package's types claim Dates and Maps). */
interface WireChunk {
  message?: { content?: string; tool_calls?: unknown[] };
  response?: string;
  done?: boolean;
  done_reason?: string;
  prompt_eval_count?: number;
  prompt_eval_cached_count?: number;
  eval_count?: number;
}

interface WireShow {
  template?: string;
  model_info?: Record<string, unknown>;
  capabilities?: unknown;
}

const NOT_FOUND = /model ['"]?.*['"]? not found/i;
const OVERFLOW = /exceeds the context length|context length exceeded|prompt is too long/i;

function toWireMessage(m: ChatMessage): Record<string, unknown> {
  const out: Record<string, unknown> = { role: m.role, content: m.content };
  if (m.toolCalls?.length) {
    out.tool_calls = m.toolCalls.map((c) => ({ id: c.id, function: { name: c.name, arguments: c.arguments } }));
  }
  if (m.role === 'tool') {
    if (m.toolName) out.tool_name = m.toolName;
    if (m.toolCallId) out.tool_call_id = m.toolCallId;
  }
  return out;
}

function toWireTool(t: ToolSpec): Record<string, unknown> {
  return { type: 'function', function: { name: t.name, description: t.description, parameters: t.parameters } };
}

function usageOf(chunk: WireChunk): Usage {
  return {
    promptTokens: chunk.prompt_eval_count ?? 0,
    ...(typeof chunk.prompt_eval_cached_count === 'number' ? { cachedPromptTokens: chunk.prompt_eval_cached_count } : {}),
    outputTokens: chunk.eval_count ?? 0,
  };
}

/**
 * Ollama reads a string keep_alive as a Go duration ("30m") and a number as seconds (negative: for
 * ever); a bare number written as a string ("-1", "3600") would be refused, so send it as a number.
 */
export function keepAliveValue(value: string): string | number {
  return /^-?\d+$/.test(value.trim()) ? Number(value.trim()) : value;
}

/** Chat templates that mention tools render them, which is how Ollama decided before `capabilities`. */
function templateSupportsTools(template: string | undefined): boolean {
  return typeof template === 'string' && /\.Tools\b|\.ToolCalls\b/.test(template);
}

/** The trained context length from `model_info`: `<general.architecture>.context_length`. */
export function contextLengthFromModelInfo(info: Record<string, unknown> | undefined): number | undefined {
  if (!info) return undefined;
  const arch = info['general.architecture'];
  const direct = typeof arch === 'string' ? info[`${arch}.context_length`] : undefined;
  if (typeof direct === 'number' && direct > 0) return direct;
  for (const [key, value] of Object.entries(info)) {
    if (key.endsWith('.context_length') && typeof value === 'number' && value > 0) return value;
  }
  return undefined;
}

/**
 * A fetch bound to one request scope: every call the package makes can be cancelled or timed out,
 * and error bodies that are not JSON are wrapped so the package reads them without console noise.
 */
function scopedFetch(signal: AbortSignal): typeof fetch {
  return async (input, init = {}) => {
    const merged = init.signal ? AbortSignal.any([init.signal, signal]) : signal;
    const res = await fetch(input, { ...init, signal: merged });
    if (res.ok || (res.headers.get('content-type') ?? '').includes('application/json')) return res;
    const text = (await res.text().catch(() => '')).trim();
    return new Response(JSON.stringify({ error: text || res.statusText || `HTTP ${res.status}` }), {
      status: res.status,
      statusText: res.statusText,
      headers: { 'content-type': 'application/json' },
    });
  };
}

/** The default provider: a model served by Ollama over its native API. */
export class OllamaClient implements ModelClient {
  private infoPromise: Promise<ModelInfo> | undefined;
  private numCtxIfKnown: number | undefined;

  constructor(readonly settings: OllamaClientSettings) {}

  /** Model facts from `/api/show`, fetched once; the window (`numCtx`) is fixed here for the run. */
  info(): Promise<ModelInfo> {
    this.infoPromise ??= this.loadInfo().catch((err: unknown) => {
      this.infoPromise = undefined;
      throw err;
    });
    return this.infoPromise;
  }

  /** The server's version (`/api/version`), to check that it answers at all. */
  async version(signal?: AbortSignal): Promise<string> {
    const res = await this.call('version', signal, (c) => c.version());
    return String((res as { version?: unknown }).version ?? 'unknown');
  }

  /** Stream one assistant turn from `/api/chat`. See `ModelClient.chat`. */
  async *chat(messages: ChatMessage[], options: ChatOptions = {}): AsyncGenerator<ChatEvent> {
    const s = this.settings;
    const info = await underSignal(this.info(), options.signal);
    assertPromptFits(options.expectedPromptTokens, info.numCtx, promptLimit(info.numCtx, s.outputReserve, options.maxTokens));
    const request = {
      model: s.model,
      messages: messages.map(toWireMessage),
      ...(options.tools?.length ? { tools: options.tools.map(toWireTool) } : {}),
      ...(options.format ? { format: options.format } : {}),
      stream: true as const,
      keep_alive: keepAliveValue(s.keepAlive),
      options: this.wireOptions(info.numCtx, options),
      // Newer servers then refuse an over-long prompt instead of cutting it; older ones ignore both.
      truncate: false,
      shift: false,
    };

    const policy = { retries: s.retries, baseDelayMs: s.retryBaseDelayMs, signal: options.signal, timeoutMs: s.requestTimeoutMs, host: s.host };
    yield* streamWithRetries({ ...policy, classify: (err, scope) => this.classify(err, scope, 'chat') }, (scope) =>
      this.streamChat(scope, request, info.numCtx, options),
    );
  }

  /** One attempt at a streamed `/api/chat` answer. */
  private async *streamChat(scope: RequestScope, request: object, numCtx: number, options: ChatOptions): AsyncGenerator<ChatEvent> {
    const s = this.settings;
    let stream: { abort(): void } | undefined;
    try {
      const iterator = await this.client(scope).chat(request as unknown as Parameters<Ollama['chat']>[0] & { stream: true });
      stream = iterator;
      let text = '';
      const calls: ToolCall[] = [];
      let malformed: MalformedToolCallError | undefined;
      let last: WireChunk | undefined;
      for await (const raw of iterator as AsyncIterable<unknown>) {
        const chunk = raw as WireChunk;
        last = chunk;
        const delta = chunk.message?.content ?? '';
        if (delta) {
          text += delta;
          yield { type: 'text', delta } satisfies ChatEvent;
        }
        for (const rawCall of chunk.message?.tool_calls ?? []) {
          let call: ToolCall;
          try {
            call = readOllamaToolCall(rawCall);
          } catch (err) {
            // Keep reading so the error can carry the whole turn; the first bad call is reported.
            if (err instanceof MalformedToolCallError) {
              malformed ??= err;
              continue;
            }
            throw err;
          }
          calls.push(call);
          yield { type: 'tool_call', call } satisfies ChatEvent;
        }
        if (chunk.done) break;
      }
      if (!last?.done) throw new ModelServerError(undefined, 'the stream ended before its final chunk');
      const usage = usageOf(last);
      settleUsage({ model: s.model, numCtx, expectedPromptTokens: options.expectedPromptTokens, usage, calibrationFile: s.calibrationFile });
      if (malformed) throw malformed;
      const message: ChatMessage = { role: 'assistant', content: text, ...(calls.length ? { toolCalls: calls } : {}) };
      yield { type: 'done', message, usage, doneReason: last.done_reason ?? 'stop' } satisfies ChatEvent;
    } finally {
      // Ends the HTTP request (and frees its socket) however the loop was left, a consumer's break included.
      stream?.abort();
    }
  }

  /** Raw text completion through `/api/generate` (no chat template: base-model style). */
  async complete(prompt: string, options: ChatOptions = {}): Promise<CompletionResult> {
    const s = this.settings;
    const info = await underSignal(this.info(), options.signal);
    assertPromptFits(options.expectedPromptTokens, info.numCtx, promptLimit(info.numCtx, s.outputReserve, options.maxTokens));
    const request = {
      model: s.model,
      prompt,
      raw: true,
      stream: false as const,
      keep_alive: keepAliveValue(s.keepAlive),
      ...(options.format ? { format: options.format } : {}),
      options: this.wireOptions(info.numCtx, options),
      truncate: false,
      shift: false,
    };
    const res = (await this.call('completion', options.signal, (c) =>
      c.generate(request as unknown as Parameters<Ollama['generate']>[0] & { stream: false }),
    )) as unknown as WireChunk;
    const usage = usageOf(res);
    settleUsage({ model: s.model, numCtx: info.numCtx, expectedPromptTokens: options.expectedPromptTokens, usage, calibrationFile: s.calibrationFile });
    return { text: res.response ?? '', usage, doneReason: res.done_reason ?? 'stop' };
  }

  /** Embed texts with the embedding model through `/api/embed`, in batches. */
  async embed(texts: string[], signal?: AbortSignal): Promise<number[][]> {
    const s = this.settings;
    const out: number[][] = [];
    for (let i = 0; i < texts.length; i += s.embedBatchSize) {
      const batch = texts.slice(i, i + s.embedBatchSize);
      const res = (await this.call(
        'embedding',
        signal,
        (c) => c.embed({ model: s.embedModel, input: batch, keep_alive: keepAliveValue(s.keepAlive) }),
        s.embedModel,
      )) as { embeddings?: unknown };
      const vectors = res.embeddings;
      if (!Array.isArray(vectors) || vectors.length !== batch.length || !vectors.every((v) => Array.isArray(v))) {
        throw new ModelServerError(undefined, `expected ${batch.length} embeddings from ${s.embedModel}, got ${Array.isArray(vectors) ? vectors.length : 'none'}`);
      }
      out.push(...(vectors as number[][]));
    }
    return out;
  }

  private async loadInfo(): Promise<ModelInfo> {
    const s = this.settings;
    const show = (await this.call('model lookup', undefined, (c) => c.show({ model: s.model }))) as unknown as WireShow;
    const notes: string[] = [];
    const modelMax = contextLengthFromModelInfo(show.model_info);
    let supportsTools: boolean;
    if (Array.isArray(show.capabilities)) {
      supportsTools = show.capabilities.includes('tools');
    } else {
      supportsTools = templateSupportsTools(show.template);
      notes.push(`the server does not report capabilities; tool support (${supportsTools ? 'yes' : 'no'}) was read from the chat template`);
    }
    if (modelMax === undefined) {
      notes.push('the server does not report the trained context length; the window comes from the budget and model.contextLength');
    }
    const numCtx = chooseNumCtx({ model: s.model, budget: s.budget, outputReserve: s.outputReserve, modelMax, configuredCap: s.contextLength });
    this.numCtxIfKnown = numCtx;
    return {
      name: s.model,
      contextLength: modelMax ?? numCtx,
      numCtx,
      supportsTools,
      promptBudget: promptLimit(numCtx, s.outputReserve),
      ...(notes.length ? { notes } : {}),
    };
  }

  private wireOptions(numCtx: number, options: ChatOptions): Record<string, unknown> {
    return {
      num_ctx: numCtx,
      temperature: options.temperature ?? this.settings.temperature,
      num_predict: options.maxTokens ?? this.settings.outputReserve,
      ...(options.stop?.length ? { stop: options.stop } : {}),
    };
  }

  private client(scope: RequestScope): Ollama {
    return new Ollama({ host: this.settings.host, fetch: scopedFetch(scope.signal) });
  }

  /** One non-streaming request with timeout, cancellation, retries and typed errors. */
  private call<T>(what: string, signal: AbortSignal | undefined, fn: (c: Ollama) => Promise<T>, model = this.settings.model): Promise<T> {
    const s = this.settings;
    return withRetries({ retries: s.retries, baseDelayMs: s.retryBaseDelayMs, signal }, async () => {
      const scope = new RequestScope(signal, s.requestTimeoutMs);
      try {
        return await fn(this.client(scope));
      } catch (err) {
        throw this.classify(err, scope, what, model);
      } finally {
        scope.dispose();
      }
    });
  }

  private classify(err: unknown, scope: RequestScope, what: string, model = this.settings.model): unknown {
    const host = this.settings.host;
    const general = scope.classify(err, what, host, `start it with: ollama serve (or point OLLAMA_HOST / model.host at the host running it)`);
    if (general !== err || !(err instanceof Error)) return general;
    const status = (err as { status_code?: unknown }).status_code;
    const message = (err as { error?: unknown }).error;
    const text = typeof message === 'string' ? message : err.message;
    if (OVERFLOW.test(text)) return new ContextOverflowError({ numCtx: this.numCtxIfKnown, serverMessage: text });
    if (typeof status === 'number') {
      if (status === 404 && NOT_FOUND.test(text)) return new ModelNotFoundError(model, `pull it with: ollama pull ${model}`, text);
      if (status >= 500) return new ModelServerError(status, text, 'the model server failed; its log (ollama serve) says more');
      if (/does not support tools/i.test(text)) {
        return new ModelServerError(status, text, 'this model has no native tool calling; use the text tool protocol');
      }
      return new ModelServerError(status, text);
    }
    // The package turns `{"error": ...}` lines inside a stream into plain Errors.
    if (err.name === 'Error' && err.message === 'Did not receive done or success response in stream.') {
      return new ModelServerError(undefined, 'the stream ended before its final chunk');
    }
    if (err.name === 'Error') return new ModelServerError(undefined, err.message);
    return err;
  }
}
