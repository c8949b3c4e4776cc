import { ContextOverflowError, MalformedToolCallError, ModelNotFoundError, ModelServerError } from './errors.js';
import { sseData } from './sse.js';
import { newToolCallId, parseToolArguments } from './tool-calls.js';
import { RequestScope, streamWithRetries, underSignal, withRetries } from './transport.js';
import type { ChatEvent, ChatMessage, ChatOptions, CompletionResult, ModelClient, ModelInfo, ToolCall, ToolSpec, Usage } from './types.js';
import { settleUsage } from './usage.js';
import { assertPromptFits, chooseNumCtx, promptLimit } from './window.js';

/** Everything the OpenAI-compatible provider needs, already resolved from configuration. */
export interface OpenAIClientSettings {
  /** Base URL including `/v1`. */
  baseUrl: string;
  apiKey?: string;
  model: string;
  embedModel: string;
  embedBatchSize: number;
  budget: number;
  outputReserve: number;
  /** `model.contextLength`: a cap when > 0, and the window when the server does not say. */
  contextLength: number;
  temperature: number;
  requestTimeoutMs: number;
  retries: number;
  retryBaseDelayMs: number;
  calibrationFile?: string;
}

interface WireUsage {
  prompt_tokens?: number;
  completion_tokens?: number;
  prompt_tokens_details?: { cached_tokens?: number } | null;
}

interface WireToolDelta {
  index?: number;
  id?: string;
  function?: { name?: string; arguments?: string };
}

interface WireChunk {
  choices?: Array<{ delta?: { content?: string | null; tool_calls?: WireToolDelta[] }; finish_reason?: string | null }>;
  usage?: WireUsage | null;
  error?: unknown;
}

interface WireModel {
  id?: string;
  owned_by?: string;
  max_model_len?: number;
  context_length?: number;
  max_context_length?: number;
  meta?: { n_ctx_train?: number; n_ctx?: number };
}

const OVERFLOW = /maximum context length|exceeds the available context size|context length|prompt is too long|too many tokens/i;
const TOOLS_UNSUPPORTED = /tool[ _]choice|does not support tools|tools? (is|are) not supported|enable-auto-tool-choice/i;
const UNREACHABLE_HINT = 'start the server (llama.cpp: llama-server, vLLM: vllm serve, LM Studio: its local server) or fix model.baseUrl';

function toWireMessage(m: ChatMessage): Record<string, unknown> {
  if (m.role === 'tool') {
    return { role: 'tool', content: m.content, ...(m.toolCallId ? { tool_call_id: m.toolCallId } : {}), ...(m.toolName ? { name: m.toolName } : {}) };
  }
  const out: Record<string, unknown> = { role: m.role, content: m.content };
  if (m.toolCalls?.length) {
    out.tool_calls = m.toolCalls.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: JSON.stringify(c.arguments) } }));
  }
  return out;
}

function toWireTool(t: ToolSpec): Record<string, unknown> {
  return { type: 'function', function: { name: t.name, description: t.description, parameters: t.parameters } };
}

/** OpenAI counts cached tokens inside prompt_tokens; ours keeps the two apart. */
function usageOf(u: WireUsage | null | undefined): Usage {
  const cached = u?.prompt_tokens_details?.cached_tokens;
  const prompt = u?.prompt_tokens ?? 0;
  return {
    promptTokens: typeof cached === 'number' ? Math.max(0, prompt - cached) : prompt,
    ...(typeof cached === 'number' ? { cachedPromptTokens: cached } : {}),
    outputTokens: u?.completion_tokens ?? 0,
  };
}

/** The error text of an OpenAI-style, vLLM-style or plain error body. */
function errorText(body: string, status: number): string {
  try {
    const v = JSON.parse(body) as Record<string, unknown>;
    const e = v.error;
    if (typeof e === 'string') return e;
    if (e && typeof e === 'object' && typeof (e as { message?: unknown }).message === 'string') return (e as { message: string }).message;
    if (typeof v.message === 'string') return v.message;
    if (typeof v.detail === 'string') return v.detail;
  } catch {
    // not JSON: the text itself
  }
  return body.trim() || `HTTP ${status}`;
}

/** The trained or served context length a /v1/models entry declares, whichever field the server uses. */
function contextLengthOf(m: WireModel | undefined): number | undefined {
  const candidates = [m?.max_model_len, m?.context_length, m?.max_context_length, m?.meta?.n_ctx, m?.meta?.n_ctx_train];
  return candidates.find((v): v is number => typeof v === 'number' && v > 0);
}

/** A model served over the OpenAI HTTP API: llama.cpp's server, vLLM, LM Studio and the like. */
export class OpenAICompatibleClient implements ModelClient {
  private infoPromise: Promise<ModelInfo> | undefined;
  private numCtxIfKnown: number | undefined;

  constructor(readonly settings: OpenAIClientSettings) {}

  /** Model facts from `/models`, fetched once. */
  info(): Promise<ModelInfo> {
    this.infoPromise ??= this.loadInfo().catch((err: unknown) => {
      this.infoPromise = undefined;
      throw err;
    });
    return this.infoPromise;
  }

  /** Stream one assistant turn from `/chat/completions` (SSE). See `ModelClient.chat`. */
  async *chat(messages: ChatMessage[], options: ChatOptions = {}): AsyncGenerator<ChatEvent> {
    const s = this.settings;
    const info = await underSignal(this.info(), options.signal);
    assertPromptFits(options.expectedPromptTokens, info.numCtx, promptLimit(info.numCtx, s.outputReserve, options.maxTokens));
    const body = {
      model: s.model,
      messages: messages.map(toWireMessage),
      ...(options.tools?.length ? { tools: options.tools.map(toWireTool) } : {}),
      ...(options.format ? { response_format: { type: 'json_schema', json_schema: { name: 'answer', schema: options.format } } } : {}),
      ...(options.stop?.length ? { stop: options.stop } : {}),
      temperature: options.temperature ?? s.temperature,
      max_tokens: options.maxTokens ?? s.outputReserve,
      stream: true,
      stream_options: { include_usage: true },
    };

    const policy = { retries: s.retries, baseDelayMs: s.retryBaseDelayMs, signal: options.signal, timeoutMs: s.requestTimeoutMs, host: s.baseUrl };
    yield* streamWithRetries({ ...policy, classify: (err, scope) => this.classify(err, scope, 'chat') }, (scope) =>
      this.streamChat(scope, body, info.numCtx, options),
    );
  }

  /** One attempt at a streamed `/chat/completions` answer. */
  private async *streamChat(scope: RequestScope, body: object, numCtx: number, options: ChatOptions): AsyncGenerator<ChatEvent> {
    const s = this.settings;
    const res = await this.post('/chat/completions', body, scope, 'chat');
    if (!res.body) throw new ModelServerError(res.status, 'the response has no body');
    let text = '';
    const pending = new Map<number, { id?: string; name: string; args: string }>();
    const calls: ToolCall[] = [];
    let malformed: MalformedToolCallError | undefined;
    let finish: string | undefined;
    let usage: Usage | undefined;
    let sawDone = false;
    const flush = function* (): Generator<ChatEvent> {
      for (const [, p] of [...pending.entries()].sort((a, b) => a[0] - b[0])) {
        try {
          if (!p.name) throw new MalformedToolCallError(undefined, p.args, 'a tool call needs a function name');
          const call = { id: p.id ?? newToolCallId(), name: p.name, arguments: parseToolArguments(p.name, p.args) };
          calls.push(call);
          yield { type: 'tool_call', call };
        } catch (err) {
          if (!(err instanceof MalformedToolCallError)) throw err;
          malformed ??= err;
        }
      }
      pending.clear();
    };
    for await (const data of sseData(res.body)) {
      if (data.trim() === '[DONE]') {
        sawDone = true;
        break;
      }
      let chunk: WireChunk;
      try {
        chunk = JSON.parse(data) as WireChunk;
      } catch {
        throw new ModelServerError(undefined, `unreadable event in the stream: ${data.slice(0, 200)}`);
      }
      if (chunk.error) throw new ModelServerError(undefined, errorText(JSON.stringify({ error: chunk.error }), 0));
      if (chunk.usage) usage = usageOf(chunk.usage);
      const choice = chunk.choices?.[0];
      const delta = choice?.delta?.content;
      if (delta) {
        text += delta;
        yield { type: 'text', delta };
      }
      for (const t of choice?.delta?.tool_calls ?? []) {
        // Without an index, a delta naming a call starts one; a bare fragment continues the last.
        const index = t.index ?? (t.id || t.function?.name || pending.size === 0 ? pending.size : pending.size - 1);
        const p = pending.get(index) ?? { name: '', args: '' };
        if (t.id) p.id = t.id;
        if (t.function?.name) p.name += t.function.name;
        if (t.function?.arguments) p.args += t.function.arguments;
        pending.set(index, p);
      }
      if (choice?.finish_reason) {
        finish = choice.finish_reason;
        yield* flush();
      }
    }
    if (!sawDone && finish === undefined) throw new ModelServerError(undefined, 'the stream ended before the answer did');
    yield* flush();
    const final = usage ?? { promptTokens: 0, outputTokens: 0 };
    settleUsage({ model: s.model, numCtx, expectedPromptTokens: options.expectedPromptTokens, usage: final, calibrationFile: s.calibrationFile });
    if (malformed) throw malformed;
    const message: ChatMessage = { role: 'assistant', content: text, ...(calls.length ? { toolCalls: calls } : {}) };
    yield { type: 'done', message, usage: final, doneReason: finish ?? 'stop' };
  }

  /** Plain text completion through `/completions`. */
  async complete(prompt: string, options: ChatOptions = {}): Promise<CompletionResult> {
    const s = this.settings;
    const info = await underSignal(this.info(), options.signal);
    assertPromptFits(options.expectedPromptTokens, info.numCtx, promptLimit(info.numCtx, s.outputReserve, options.maxTokens));
    const body = {
      model: s.model,
      prompt,
      temperature: options.temperature ?? s.temperature,
      max_tokens: options.maxTokens ?? s.outputReserve,
      ...(options.stop?.length ? { stop: options.stop } : {}),
      stream: false,
    };
    const res = (await this.json('/completions', body, options.signal, 'completion')) as {
      choices?: Array<{ text?: string; finish_reason?: string | null }>;
      usage?: WireUsage;
    };
    const usage = usageOf(res.usage);
    settleUsage({ model: s.model, numCtx: info.numCtx, expectedPromptTokens: options.expectedPromptTokens, usage, calibrationFile: s.calibrationFile });
    const choice = res.choices?.[0];
    return { text: choice?.text ?? '', usage, doneReason: choice?.finish_reason ?? 'stop' };
  }

  /** Embed texts through `/embeddings`, in batches. */
  async embed(texts: string[], signal?: AbortSignal): Promise<number[][]> {
    const s = this.settings;
    const out: number[][] = [];
    for (let i = 0; i < texts.length; i += s.embedBatchSize) {
      const batch = texts.slice(i, i + s.embedBatchSize);
      const res = (await this.json('/embeddings', { model: s.embedModel, input: batch }, signal, 'embedding', s.embedModel)) as {
        data?: Array<{ index?: number; embedding?: unknown }>;
      };
      const data = [...(res.data ?? [])].sort((a, b) => (a.index ?? 0) - (b.index ?? 0));
      if (data.length !== batch.length || !data.every((d) => Array.isArray(d.embedding))) {
        throw new ModelServerError(undefined, `expected ${batch.length} embeddings from ${s.embedModel}, got ${data.length}`);
      }
      out.push(...data.map((d) => d.embedding as number[]));
    }
    return out;
  }

  private async loadInfo(): Promise<ModelInfo> {
    const s = this.settings;
    const res = (await this.request('GET', '/models', undefined, undefined, 'model lookup')) as { data?: WireModel[] };
    const models = Array.isArray(res.data) ? res.data : [];
    const entry = models.find((m) => m.id === s.model);
    if (!entry) {
      const offered = models.map((m) => m.id).filter(Boolean).join(', ') || 'none';
      throw new ModelNotFoundError(s.model, `set model.name to a model the server offers (${offered})`);
    }
    const notes = ['OpenAI-compatible servers do not report tool support; native tool calling is assumed'];
    const trained = contextLengthOf(entry);
    const slot = entry.owned_by === 'llamacpp' ? await this.llamaCppSlotContext() : undefined;
    const served = slot !== undefined && trained !== undefined ? Math.min(slot, trained) : (slot ?? trained);
    if (slot !== undefined) notes.push(`llama.cpp serves ${slot} tokens a slot (GET /props)`);
    if (served === undefined) notes.push('the server does not report a context length; the window comes from the budget and model.contextLength');
    const numCtx = chooseNumCtx({ model: s.model, budget: s.budget, outputReserve: s.outputReserve, modelMax: served, configuredCap: s.contextLength });
    this.numCtxIfKnown = numCtx;
    return { name: s.model, contextLength: trained ?? served ?? numCtx, numCtx, supportsTools: true, promptBudget: promptLimit(numCtx, s.outputReserve), notes };
  }

  /**
   * llama.cpp's window per slot (`/props`), which its `-c` and `--parallel` can make smaller than the
   * trained one that /v1/models reports. Best effort: any failure means "not known".
   */
  private async llamaCppSlotContext(): Promise<number | undefined> {
    const origin = this.settings.baseUrl.replace(/\/+$/, '').replace(/\/v1$/, '');
    const scope = new RequestScope(undefined, Math.min(this.settings.requestTimeoutMs, 10_000));
    try {
      const res = await fetch(`${origin}/props`, { signal: scope.signal, headers: this.headers() });
      if (!res.ok) return undefined;
      const props = (await res.json()) as { default_generation_settings?: { n_ctx?: unknown } };
      const n = props.default_generation_settings?.n_ctx;
      return typeof n === 'number' && n > 0 ? n : undefined;
    } catch {
      return undefined;
    } finally {
      scope.dispose();
    }
  }

  private headers(): Record<string, string> {
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
    if (this.settings.apiKey) headers.authorization = `Bearer ${this.settings.apiKey}`;
    return headers;
  }

  private url(path: string): string {
    return this.settings.baseUrl.replace(/\/+$/, '') + path;
  }

  /** One HTTP request in a scope; a non-2xx answer becomes a ModelServerError carrying the server's text. */
  private async post(path: string, body: unknown, scope: RequestScope, what: string, method = 'POST'): Promise<Response> {
    const res = await fetch(this.url(path), {
      method,
      headers: this.headers(),
      signal: scope.signal,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    if (res.ok) return res;
    const text = errorText(await res.text().catch(() => ''), res.status);
    throw new ModelServerError(res.status, text, res.status === 401 || res.status === 403 ? `set the API key in the environment variable named by model.apiKeyEnv` : undefined);
  }

  private json(path: string, body: unknown, signal: AbortSignal | undefined, what: string, model = this.settings.model): Promise<unknown> {
    return this.request('POST', path, body, signal, what, model);
  }

  private request(method: string, path: string, body: unknown, signal: AbortSignal | undefined, what: string, model = this.settings.model): Promise<unknown> {
    const s = this.settings;
    return withRetries({ retries: s.retries, baseDelayMs: s.retryBaseDelayMs, signal }, async () => {
      const scope = new RequestScope(signal, s.requestTimeoutMs);
      try {
        const res = await this.post(path, body, scope, what, method);
        return (await res.json()) as unknown;
      } catch (err) {
        throw this.classify(err, scope, what, model);
      } finally {
        scope.dispose();
      }
    });
  }

  private classify(err: unknown, scope: RequestScope, what: string, model = this.settings.model): unknown {
    const general = scope.classify(err, what, this.settings.baseUrl, UNREACHABLE_HINT);
    if (!(general instanceof ModelServerError)) return general;
    if (OVERFLOW.test(general.serverMessage) && (general.status === 400 || general.status === 413 || general.status === undefined)) {
      return new ContextOverflowError({ numCtx: this.numCtxIfKnown, serverMessage: general.serverMessage });
    }
    if (TOOLS_UNSUPPORTED.test(general.serverMessage) && general.status !== undefined && general.status < 500) {
      return new ModelServerError(general.status, general.serverMessage, 'the server cannot call tools for this model; use the text tool protocol or enable tool calling on the server');
    }
    if (general.status === 404 && /model/i.test(general.serverMessage)) {
      return new ModelNotFoundError(model, `check model.name against ${this.url('/models')}`, general.serverMessage);
    }
    return general;
  }
}
