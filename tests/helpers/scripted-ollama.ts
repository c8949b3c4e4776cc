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
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Socket } from 'node:net';

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

export interface ScriptedToolCall {
  name: string;
  /** Sent as is, so a test can send malformed arguments (a string, an array…). */
  arguments: unknown;
  id?: string;
}

/** What the "model" says on one turn. */
export interface TurnSpec {
  /** Text of the answer. An array is sent one piece a chunk; a string is split into a few chunks. */
  text?: string | string[];
  toolCalls?: ScriptedToolCall[];
  /** Wire tool calls sent verbatim, for malformed shapes. */
  rawToolCalls?: unknown[];
  /** Default: a rough count of the request, clamped at its `num_ctx` as Ollama's silent truncation does. */
  promptEvalCount?: number;
  /** Reported as `prompt_eval_cached_count` when set (the field is missing on most servers). */
  promptEvalCachedCount?: number;
  /** Default: a rough count of the text. */
  evalCount?: number;
  doneReason?: string;
  /** Milliseconds between chunks (for cancellation and timeout tests). */
  delayMs?: number;
  /** Milliseconds before the response starts (headers included). */
  headerDelayMs?: number;
  /** Answer with this status and Ollama's `{"error": message}` body instead. */
  error?: { status: number; message: string };
  /** Send `{"error": message}` inside the stream after the text, then end (no done chunk). */
  streamError?: string;
  /** Close the connection without answering (a crashed server). */
  hangUp?: boolean;
  /** Close the connection after this many stream chunks (a server that dies mid-answer). */
  hangUpAfterChunks?: number;
  /** Leave the token counts out of the final chunk, as some server versions do. */
  omitCounts?: boolean;
}

/** A received request, as the server saw it. */
export interface ScriptedRequest {
  method: string;
  path: string;
  /** Parsed JSON body (`undefined` for GET). */
  body: any;
  headers: IncomingMessage['headers'];
}

/** A turn: fixed, or computed from the request so a test can assert what the client sent. */
export type Turn = TurnSpec | ((req: ScriptedRequest) => TurnSpec | Promise<TurnSpec>);

/** A failure injected on any path before the script is consulted, `times` times (default 1). */
export interface Fault {
  path: string;
  status: number;
  message: string;
  times?: number;
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

/** Rough token count: about four characters a token, as a stand-in for a real tokenizer. */
export function roughTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

/** Rough prompt size of a chat or generate request body. */
export function roughPromptTokens(body: any): number {
  if (typeof body?.prompt === 'string') return roughTokens(body.prompt);
  let n = 0;
  for (const m of Array.isArray(body?.messages) ? body.messages : []) {
    n += 4 + roughTokens(String(m?.content ?? ''));
    if (m?.tool_calls) n += roughTokens(JSON.stringify(m.tool_calls));
  }
  if (Array.isArray(body?.tools)) n += roughTokens(JSON.stringify(body.tools));
  return n;
}

/** Split text into up to `parts` chunks at word boundaries (so a stream has several deltas). */
export function splitText(text: string, parts = 3): string[] {
  if (text.length < 2) return text ? [text] : [];
  const size = Math.ceil(text.length / parts);
  const out: string[] = [];
  let rest = text;
  while (rest.length > size) {
    let cut = rest.indexOf(' ', size);
    if (cut < 0 || cut > size * 2) cut = size;
    out.push(rest.slice(0, cut));
    rest = rest.slice(cut);
  }
  if (rest) out.push(rest);
  return out;
}

/** A deterministic unit vector for a text (same text, same vector). */
export function fakeEmbedding(text: string, dims: number): number[] {
  const out: number[] = [];
  let block = Buffer.alloc(0);
  for (let k = 0; k < dims; k++) {
    // 16 values per digest: hash text + block number for each new block.
    if (k % 16 === 0) block = createHash('sha256').update(`${k / 16}:${text}`).digest();
    out.push(block.readInt16BE((k % 16) * 2) / 32768);
  }
  const norm = Math.hypot(...out) || 1;
  return out.map((v) => v / norm);
}

/** Resolve a turn (calling it with the request when it is a function). */
export async function resolveTurn(turn: Turn, req: ScriptedRequest): Promise<TurnSpec> {
  return typeof turn === 'function' ? await turn(req) : turn;
}

/** The text pieces of a turn. */
export function textPieces(spec: TurnSpec): string[] {
  if (Array.isArray(spec.text)) return spec.text;
  return spec.text ? splitText(spec.text) : [];
}

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Shared plumbing of the scripted servers: sockets, request log, script queue, faults. */
export class ScriptRunner {
  readonly requests: ScriptedRequest[] = [];
  private readonly sockets = new Set<Socket>();
  private open = 0;
  private abandonedCount = 0;
  private turnsUsed = 0;
  private readonly faults: Fault[];

  constructor(
    private readonly script: Turn[],
    faults: Fault[] = [],
  ) {
    this.faults = faults.map((f) => ({ ...f, times: f.times ?? 1 }));
  }

  remaining(): number {
    return this.script.length;
  }

  openResponses(): number {
    return this.open;
  }

  abandoned(): number {
    return this.abandonedCount;
  }

  /** Start an HTTP server on 127.0.0.1 that hands each parsed request to `handle`. */
  async listen(handle: (req: ScriptedRequest, res: ServerResponse) => Promise<void>): Promise<{ server: Server; url: string }> {
    const server = createServer((req, res) => {
      void (async () => {
        this.open++;
        let finished = false;
        res.on('finish', () => (finished = true));
        res.on('close', () => {
          this.open--;
          if (!finished) this.abandonedCount++;
        });
        try {
          const text = await readBody(req);
          let body: unknown;
          try {
            body = text ? JSON.parse(text) : undefined;
          } catch {
            return this.json(res, 400, { error: 'invalid character in request body' });
          }
          const parsed: ScriptedRequest = {
            method: req.method ?? 'GET',
            path: new URL(req.url ?? '/', 'http://x').pathname,
            body,
            headers: req.headers,
          };
          this.requests.push(parsed);
          const fault = this.faults.find((f) => f.path === parsed.path && (f.times ?? 0) > 0);
          if (fault) {
            fault.times = (fault.times ?? 1) - 1;
            return this.json(res, fault.status, { error: fault.message });
          }
          await handle(parsed, res);
        } catch (err) {
          if (!res.headersSent) this.json(res, 500, { error: `scripted server: ${(err as Error).message}` });
          else res.destroy();
        }
      })();
    });
    server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    return { server, url: `http://127.0.0.1:${port}` };
  }

  /** The next turn for a request, or an error answer when the script has run out. */
  async nextTurn(req: ScriptedRequest): Promise<TurnSpec | { exhausted: string }> {
    const turn = this.script.shift();
    if (!turn) return { exhausted: `scripted model: script exhausted after ${this.turnsUsed} turns (${req.method} ${req.path})` };
    this.turnsUsed++;
    try {
      return await resolveTurn(turn, req);
    } catch (err) {
      return { exhausted: `scripted model: turn ${this.turnsUsed} rejected the request: ${(err as Error).message}` };
    }
  }

  json(res: ServerResponse, status: number, value: unknown): void {
    const data = JSON.stringify(value);
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(data) });
    res.end(data);
  }

  /** Write chunks one a time with a pause, stopping as soon as the client goes away (or `hangUpAfter`). */
  async stream(res: ServerResponse, contentType: string, chunks: string[], delayMs: number, hangUpAfter?: number): Promise<void> {
    res.writeHead(200, { 'content-type': contentType });
    for (let i = 0; i < chunks.length; i++) {
      if (res.destroyed) return;
      if (i > 0 && delayMs > 0) await wait(delayMs);
      if (res.destroyed) return;
      if (hangUpAfter !== undefined && i >= hangUpAfter) {
        // Let the chunks already written reach the client before the connection dies.
        await wait(20);
        res.socket?.destroy();
        return;
      }
      res.write(chunks[i]);
    }
    res.end();
  }

  async close(server: Server): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

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

/** A port on 127.0.0.1 that nothing listens on (taken and released), for "server down" tests. */
export async function closedPort(): Promise<number> {
  const probe = createTcpServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((r) => probe.close(() => r()));
  return port;
}
