/**
 * The script shared by the scripted model servers (Ollama and OpenAI-compatible): what a turn says,
 * how requests are recorded, faults injected and streams written, and small helpers for tests.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Socket } from 'node:net';

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
  /** Milliseconds to wait before answering (a server that hangs). */
  delayMs?: number;
}

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

/** Resolve after `ms` milliseconds. */
export const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

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
            if (fault.delayMs) await wait(fault.delayMs);
            if (res.destroyed) return;
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

/** A port on 127.0.0.1 that nothing listens on (taken and released), for "server down" tests. */
export async function closedPort(): Promise<number> {
  const probe = createTcpServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((r) => probe.close(() => r()));
  return port;
}
