/**
 * A scripted model server speaking Ollama's HTTP API on 127.0.0.1 (random port), for tests.
 *
 *   const server = await startScriptedOllama({ script: [
 *     { text: 'Let me look.', toolCalls: [{ name: 'search_code', arguments: { query: 'parse' } }] },
 *     (req) => { expect(lastMessage(req).role).toBe('tool'); return { text: 'Done.' }; },
 *   ] });
 *   // ... point the client at server.url ...
 *   expect(server.remaining()).toBe(0);
 *   await server.close();
 *
 * Each POST to /api/chat or /api/generate consumes the next turn of the script and streams it as
 * NDJSON (or one JSON object when the request says `stream: false`), the way Ollama does: text in
 * several chunks, tool calls in a chunk of their own, then a final `done` chunk with token counts.
 * GET /api/version, GET /api/tags, POST /api/show and POST /api/embed answer from `models` without
 * consuming turns. Unknown models get Ollama's 404 `model '<name>' not found`. A script that runs
 * out answers 500 so the test fails loudly; so does a turn function that throws (its message is the
 * error text). Every request body is kept, in order, in `requests`.
 */
import { createHash } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import {
  fakeEmbedding,
  roughPromptTokens,
  roughTokens,
  ScriptRunner,
  textPieces,
  type Fault,
  type ScriptedRequest,
  type Turn,
  wait,
} from './scripted-turns.js';

export * from './scripted-turns.js';


/** Ollama's historical default window, used when a request sends no `num_ctx`. */
export const OLLAMA_DEFAULT_NUM_CTX = 2048;

export interface ScriptedModel {
  name: string;
  /** Trained context length reported by /api/show; default 32768. */
  contextLength?: number;
  /** `capabilities` of /api/show; default ['completion', 'tools']. `null` leaves the field out (older servers). */
  capabilities?: string[] | null;
  /** `general.architecture`; default 'qwen2'. */
  architecture?: string;
  /** Chat template reported by /api/show. */
  template?: string;
  /** Leave `<arch>.context_length` out of model_info. */
  omitContextLength?: boolean;
}

export interface ScriptedOllamaOptions {
  models?: ScriptedModel[];
  script?: Turn[];
  /** Vector size of /api/embed; default 16. */
  embedDimensions?: number;
  faults?: Fault[];
  /** Behave like newer Ollama: with `truncate: false`, refuse an over-long prompt instead of cutting it. */
  honorTruncate?: boolean;
  version?: string;
}

export interface ScriptedOllama {
  url: string;
  /** Every request received, in order. */
  requests: ScriptedRequest[];
  /** Turns not yet consumed. */
  remaining(): number;
  /** Responses still being written (a stream the client walked away from ends when it notices). */
  openResponses(): number;
  /** Responses that ended because the client closed the connection before the last chunk. */
  abandoned(): number;
  close(): Promise<void>;
}

export const DEFAULT_MODELS: ScriptedModel[] = [
  { name: 'qwen2.5-coder:7b', contextLength: 32_768 },
  { name: 'nomic-embed-text', contextLength: 8_192, capabilities: ['embedding'], architecture: 'nomic-bert' },
];

/** Start the scripted Ollama server. */
export async function startScriptedOllama(opts: ScriptedOllamaOptions = {}): Promise<ScriptedOllama> {
  const models = opts.models ?? DEFAULT_MODELS;
  const dims = opts.embedDimensions ?? 16;
  const runner = new ScriptRunner([...(opts.script ?? [])], opts.faults);
  const findModel = (name: unknown) => models.find((m) => m.name === name || `${m.name}:latest` === name);
  const notFound = (res: ServerResponse, name: unknown) => runner.json(res, 404, { error: `model '${String(name)}' not found` });
  const now = () => new Date().toISOString();

  const { server, url } = await runner.listen(async (req, res) => {
    const body = req.body ?? {};
    switch (`${req.method} ${req.path}`) {
      case 'GET /api/version':
        return runner.json(res, 200, { version: opts.version ?? '0.12.6' });
      case 'GET /api/tags':
        return runner.json(res, 200, {
          models: models.map((m) => ({
            name: m.name,
            model: m.name,
            modified_at: now(),
            size: 4_683_087_332,
            digest: createHash('sha256').update(m.name).digest('hex'),
            details: { parent_model: '', format: 'gguf', family: m.architecture ?? 'qwen2', families: [m.architecture ?? 'qwen2'], parameter_size: '7.6B', quantization_level: 'Q4_K_M' },
          })),
        });
      case 'POST /api/show': {
        const m = findModel(body.model ?? body.name);
        if (!m) return notFound(res, body.model ?? body.name);
        const arch = m.architecture ?? 'qwen2';
        const info: Record<string, unknown> = { 'general.architecture': arch, 'general.parameter_count': 7_615_616_512 };
        if (!m.omitContextLength) info[`${arch}.context_length`] = m.contextLength ?? 32_768;
        return runner.json(res, 200, {
          license: '',
          modelfile: `FROM ${m.name}`,
          parameters: 'stop "<|im_end|>"',
          template: m.template ?? '{{- if .Messages }}{{ range .Messages }}<|im_start|>{{ .Role }}\n{{ .Content }}<|im_end|>\n{{ end }}{{ end }}',
          details: { parent_model: '', format: 'gguf', family: arch, families: [arch], parameter_size: '7.6B', quantization_level: 'Q4_K_M' },
          model_info: info,
          ...(m.capabilities === null ? {} : { capabilities: m.capabilities ?? ['completion', 'tools'] }),
          modified_at: now(),
        });
      }
      case 'POST /api/embed': {
        if (!findModel(body.model)) return notFound(res, body.model);
        const input: string[] = Array.isArray(body.input) ? body.input : [String(body.input ?? '')];
        return runner.json(res, 200, {
          model: body.model,
          embeddings: input.map((t) => fakeEmbedding(t, dims)),
          total_duration: 1_000_000,
          load_duration: 100_000,
          prompt_eval_count: input.reduce((n, t) => n + roughTokens(t), 0),
        });
      }
      case 'POST /api/chat':
      case 'POST /api/generate':
        return answer(req, res, req.path === '/api/chat');
      default:
        res.writeHead(404, { 'content-type': 'text/plain' });
        res.end('404 page not found');
    }
  });

  async function answer(req: ScriptedRequest, res: ServerResponse, chat: boolean): Promise<void> {
    const body = req.body ?? {};
    if (!findModel(body.model)) return notFound(res, body.model);
    const turn = await runner.nextTurn(req);
    if ('exhausted' in turn) return runner.json(res, 500, { error: turn.exhausted });
    if (turn.headerDelayMs) await wait(turn.headerDelayMs);
    if (turn.hangUp) return void res.socket?.destroy();
    if (turn.error) return runner.json(res, turn.error.status, { error: turn.error.message });

    const numCtx = Number(body.options?.num_ctx) || OLLAMA_DEFAULT_NUM_CTX;
    const wanted = roughPromptTokens(body);
    if (opts.honorTruncate && body.truncate === false && wanted > numCtx && turn.promptEvalCount === undefined) {
      return runner.json(res, 400, { error: 'the input length exceeds the context length' });
    }
    const pieces = textPieces(turn);
    const fullText = pieces.join('');
    const model = body.model;
    const base = () => ({ model, created_at: now() });
    const lines: object[] = [];
    for (const piece of pieces) {
      lines.push(chat ? { ...base(), message: { role: 'assistant', content: piece }, done: false } : { ...base(), response: piece, done: false });
    }
    const calls = turn.rawToolCalls ?? (turn.toolCalls ?? []).map((c, i) => ({ id: c.id ?? `call_${i}_${Date.now().toString(36)}`, function: { index: i, name: c.name, arguments: c.arguments } }));
    if (chat && calls.length) lines.push({ ...base(), message: { role: 'assistant', content: '', tool_calls: calls }, done: false });
    const final = {
      ...base(),
      ...(chat ? { message: { role: 'assistant', content: '' } } : { response: '' }),
      done: true,
      done_reason: turn.doneReason ?? 'stop',
      total_duration: 1_500_000_000,
      load_duration: 20_000_000,
      ...(turn.omitCounts
        ? {}
        : {
            prompt_eval_count: turn.promptEvalCount ?? Math.min(wanted, numCtx),
            ...(turn.promptEvalCachedCount !== undefined ? { prompt_eval_cached_count: turn.promptEvalCachedCount } : {}),
            prompt_eval_duration: 300_000_000,
            eval_count: turn.evalCount ?? Math.max(1, roughTokens(fullText) + calls.length * 10),
            eval_duration: 1_000_000_000,
          }),
    };

    if (body.stream === false) {
      const whole = chat
        ? { ...final, message: { role: 'assistant', content: fullText, ...(calls.length ? { tool_calls: calls } : {}) } }
        : { ...final, response: fullText };
      if (turn.streamError) return runner.json(res, 500, { error: turn.streamError });
      if (turn.delayMs) await wait(turn.delayMs * Math.max(1, lines.length));
      return runner.json(res, 200, whole);
    }
    const out = lines.map((l) => JSON.stringify(l) + '\n');
    if (turn.streamError) out.push(JSON.stringify({ error: turn.streamError }) + '\n');
    else out.push(JSON.stringify(final) + '\n');
    await runner.stream(res, 'application/x-ndjson', out, turn.delayMs ?? 0, turn.hangUpAfterChunks);
  }

  return {
    url,
    requests: runner.requests,
    remaining: () => runner.remaining(),
    openResponses: () => runner.openResponses(),
    abandoned: () => runner.abandoned(),
    close: () => runner.close(server),
  };
}

/** The last message of a chat request (what the client just added). */
export function lastMessage(req: ScriptedRequest): { role: string; content: string; tool_calls?: unknown[]; tool_name?: string } {
  const msgs = req.body?.messages ?? [];
  return msgs[msgs.length - 1];
}
