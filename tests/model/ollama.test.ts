import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CancelledError } from '../../src/errors.js';
import {
  ContextOverflowError,
  ContextWindowTooSmallError,
  MalformedToolCallError,
  ModelNotFoundError,
  ModelServerError,
  ModelServerUnreachableError,
  ModelTimeoutError,
  PromptTruncatedError,
} from '../../src/model/errors.js';
import { OllamaClient, type OllamaClientSettings } from '../../src/model/ollama.js';
import type { ChatEvent, ChatMessage } from '../../src/model/types.js';
import { closedPort, startScriptedOllama, type ScriptedOllama, type ScriptedOllamaOptions } from '../helpers/scripted-ollama.js';

const MODEL = 'qwen2.5-coder:7b';
let server: ScriptedOllama | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function start(opts: ScriptedOllamaOptions): Promise<ScriptedOllama> {
  server = await startScriptedOllama(opts);
  return server;
}

function client(url: string, over: Partial<OllamaClientSettings> = {}): OllamaClient {
  return new OllamaClient({
    host: url,
    model: MODEL,
    embedModel: 'nomic-embed-text',
    embedBatchSize: 32,
    budget: 8_000,
    outputReserve: 1_000,
    contextLength: 0,
    keepAlive: '30m',
    temperature: 0.2,
    requestTimeoutMs: 10_000,
    retries: 2,
    retryBaseDelayMs: 5,
    ...over,
  });
}

async function collect(stream: AsyncIterable<ChatEvent>): Promise<ChatEvent[]> {
  const events: ChatEvent[] = [];
  for await (const e of stream) events.push(e);
  return events;
}

async function failure(p: Promise<unknown> | AsyncIterable<unknown>): Promise<unknown> {
  try {
    if (p instanceof Promise) await p;
    else for await (const _ of p) void _;
  } catch (err) {
    return err;
  }
  throw new Error('expected a failure');
}

const user = (content: string): ChatMessage => ({ role: 'user', content });
const chats = (s: ScriptedOllama) => s.requests.filter((r) => r.path === '/api/chat');

describe('Ollama client: streaming', () => {
  it('streams text deltas, tool calls and a final done event', async () => {
    const s = await start({
      script: [{ text: ['Let me ', 'search ', 'first.'], toolCalls: [{ name: 'search_code', arguments: { query: 'parseDate' } }] }],
    });
    const events = await collect(client(s.url).chat([user('fix the date parser')]));
    const texts = events.filter((e) => e.type === 'text').map((e) => (e as { delta: string }).delta);
    expect(texts).toEqual(['Let me ', 'search ', 'first.']);
    const calls = events.filter((e) => e.type === 'tool_call');
    expect(calls).toHaveLength(1);
    const done = events.at(-1)!;
    expect(done.type).toBe('done');
    if (done.type !== 'done') return;
    expect(done.message.content).toBe('Let me search first.');
    expect(done.message.toolCalls?.[0]).toMatchObject({ name: 'search_code', arguments: { query: 'parseDate' } });
    expect(done.message.toolCalls?.[0]?.id).toMatch(/\S/);
    expect(done.doneReason).toBe('stop');
    expect(done.usage.promptTokens).toBeGreaterThan(0);
    expect(done.usage.outputTokens).toBeGreaterThan(0);
  });

  it('sends the same num_ctx and keep_alive on every chat and generate request', async () => {
    const s = await start({ script: [{ text: 'one' }, { text: 'two' }, { text: 'three' }] });
    const c = client(s.url, { budget: 6_000, outputReserve: 2_000, keepAlive: '45m' });
    await collect(c.chat([user('a')]));
    await collect(c.chat([user('a'), { role: 'assistant', content: 'one' }, user('b')]));
    await c.complete('def f(x):\n');
    const calls = s.requests.filter((r) => r.path === '/api/chat' || r.path === '/api/generate');
    expect(calls).toHaveLength(3);
    for (const r of calls) {
      expect(r.body.options.num_ctx).toBe(8_000);
      expect(r.body.keep_alive).toBe('45m');
    }
    // /api/show is asked once for the whole run.
    expect(s.requests.filter((r) => r.path === '/api/show')).toHaveLength(1);
  });

  it('passes tools, tool results and earlier tool calls in Ollama wire shape', async () => {
    const s = await start({ script: [{ text: 'ok' }] });
    const c = client(s.url);
    await collect(
      c.chat(
        [
          user('task'),
          { role: 'assistant', content: '', toolCalls: [{ id: 'call_1', name: 'read_file', arguments: { path: 'a.ts' } }] },
          { role: 'tool', content: 'export const a = 1;', toolName: 'read_file', toolCallId: 'call_1' },
        ],
        { tools: [{ name: 'read_file', description: 'Read a file', parameters: { type: 'object', properties: { path: { type: 'string' } } } }] },
      ),
    );
    const body = chats(s)[0]!.body;
    expect(body.tools[0]).toEqual({
      type: 'function',
      function: { name: 'read_file', description: 'Read a file', parameters: { type: 'object', properties: { path: { type: 'string' } } } },
    });
    expect(body.messages[1].tool_calls[0].function).toEqual({ name: 'read_file', arguments: { path: 'a.ts' } });
    expect(body.messages[2]).toMatchObject({ role: 'tool', tool_name: 'read_file', content: 'export const a = 1;' });
    expect(body.stream).toBe(true);
  });
});

describe('Ollama client: model facts from /api/show', () => {
  it('reads the trained context length and the tools capability', async () => {
    const s = await start({ models: [{ name: MODEL, contextLength: 131_072, architecture: 'llama' }] });
    const info = await client(s.url, { budget: 20_000, outputReserve: 4_000 }).info();
    expect(info).toMatchObject({ name: MODEL, contextLength: 131_072, numCtx: 24_000, supportsTools: true, promptBudget: 20_000 });
    expect(info.notes).toBeUndefined();
  });

  it('caps the window at the model maximum and at model.contextLength', async () => {
    const s = await start({ models: [{ name: MODEL, contextLength: 16_384 }] });
    expect((await client(s.url, { budget: 100_000 }).info()).numCtx).toBe(16_384);
    expect((await client(s.url, { budget: 100_000, contextLength: 12_000 }).info()).numCtx).toBe(12_000);
  });

  it('reports no tool support when capabilities lack "tools"', async () => {
    const s = await start({ models: [{ name: MODEL, capabilities: ['completion'] }] });
    expect((await client(s.url).info()).supportsTools).toBe(false);
  });

  it('falls back to the chat template when the server predates capabilities, and says so', async () => {
    const s = await start({
      models: [
        { name: MODEL, capabilities: null, template: '{{ if .Tools }}<tools>{{ range .Tools }}{{ . }}{{ end }}</tools>{{ end }}' },
        { name: 'base:1b', capabilities: null, template: '{{ .Prompt }}' },
      ],
    });
    const withTools = await client(s.url).info();
    expect(withTools.supportsTools).toBe(true);
    expect(withTools.notes?.join(' ')).toMatch(/template/);
    const without = await client(s.url, { model: 'base:1b' }).info();
    expect(without.supportsTools).toBe(false);
  });

  it('refuses a model whose window is below the minimum', async () => {
    const s = await start({ models: [{ name: MODEL, contextLength: 4_096 }] });
    const err = await failure(client(s.url).info());
    expect(err).toBeInstanceOf(ContextWindowTooSmallError);
    expect((err as ContextWindowTooSmallError).message).toContain('4096');
    expect((err as ContextWindowTooSmallError).hint).toMatch(/model\.contextLength/);
    const capped = await failure(client((await start({})).url, { contextLength: 2_048 }).info());
    expect(capped).toBeInstanceOf(ContextWindowTooSmallError);
  });
});

describe('Ollama client: errors', () => {
  it('names the host and says how to start Ollama when nothing listens', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const err = await failure(client(url).chat([user('hi')]));
    expect(err).toBeInstanceOf(ModelServerUnreachableError);
    expect((err as Error).message).toContain(url);
    expect((err as ModelServerUnreachableError).hint).toContain('ollama serve');
  });

  it('gives the pull command when the model is missing (404)', async () => {
    const s = await start({ models: [{ name: 'other:1b' }] });
    const err = await failure(client(s.url).chat([user('hi')]));
    expect(err).toBeInstanceOf(ModelNotFoundError);
    expect((err as ModelNotFoundError).hint).toBe(`pull it with: ollama pull ${MODEL}`);
    expect(s.requests.filter((r) => r.path === '/api/show')).toHaveLength(1);
  });

  it('maps a 404 from /api/chat to the pull hint too', async () => {
    const s = await start({ script: [{ error: { status: 404, message: `model "${MODEL}" not found, try pulling it first` } }] });
    const err = await failure(client(s.url).chat([user('hi')]));
    expect(err).toBeInstanceOf(ModelNotFoundError);
  });

  it('retries a busy server (503) with backoff and then succeeds', async () => {
    const s = await start({
      script: [{ text: 'finally' }],
      faults: [{ path: '/api/chat', status: 503, message: 'server busy, please try again.  maximum pending requests exceeded', times: 2 }],
    });
    const events = await collect(client(s.url, { retries: 3 }).chat([user('hi')]));
    expect(events.at(-1)).toMatchObject({ type: 'done', message: { content: 'finally' } });
    expect(chats(s)).toHaveLength(3);
  });

  it('gives up after the configured retries and surfaces the server text', async () => {
    const s = await start({ faults: [{ path: '/api/chat', status: 500, message: 'llama runner process has terminated: exit status 2', times: 5 }] });
    const err = await failure(client(s.url, { retries: 2 }).chat([user('hi')]));
    expect(err).toBeInstanceOf(ModelServerError);
    expect((err as Error).message).toContain('llama runner process has terminated');
    expect(chats(s)).toHaveLength(3);
  });

  it('says to use the text protocol when the model cannot call tools', async () => {
    const s = await start({ script: [{ error: { status: 400, message: `registry.ollama.ai/library/${MODEL} does not support tools` } }] });
    const err = await failure(client(s.url).chat([user('hi')], { tools: [{ name: 'finish', description: 'd', parameters: { type: 'object' } }] }));
    expect(err).toBeInstanceOf(ModelServerError);
    expect((err as ModelServerError).hint).toMatch(/text tool protocol/);
  });

  it('never retries a 400', async () => {
    const s = await start({ script: [{ error: { status: 400, message: 'invalid options: num_thread' } }, { text: 'unused' }] });
    const err = await failure(client(s.url, { retries: 3 }).chat([user('hi')]));
    expect(err).toBeInstanceOf(ModelServerError);
    expect((err as ModelServerError).status).toBe(400);
    expect((err as Error).message).toContain('invalid options');
    expect(chats(s)).toHaveLength(1);
    expect(s.remaining()).toBe(1);
  });

  it('surfaces an error sent inside the stream', async () => {
    const s = await start({ script: [{ text: 'partial', streamError: 'an error was encountered while running the model: CUDA out of memory' }] });
    const err = await failure(client(s.url).chat([user('hi')]));
    expect(err).toBeInstanceOf(ModelServerError);
    expect((err as Error).message).toContain('CUDA out of memory');
  });

  it('abandons a request that exceeds model.requestTimeoutMs', async () => {
    const s = await start({ script: [{ text: 'late', headerDelayMs: 3_000 }] });
    const t0 = Date.now();
    const err = await failure(client(s.url, { requestTimeoutMs: 300, retries: 2 }).chat([user('hi')]));
    expect(err).toBeInstanceOf(ModelTimeoutError);
    expect((err as ModelTimeoutError).hint).toMatch(/requestTimeoutMs/);
    expect(Date.now() - t0).toBeLessThan(2_500);
    expect(chats(s)).toHaveLength(1);
  });
});

describe('Ollama client: prompt size', () => {
  it('refuses before sending a prompt our count puts over the window minus the reserve', async () => {
    const s = await start({ script: [{ text: 'unused' }] });
    const err = await failure(client(s.url).chat([user('x')], { expectedPromptTokens: 8_500 }));
    expect(err).toBeInstanceOf(ContextOverflowError);
    expect((err as Error).message).toMatch(/8500.*8000/);
    expect(chats(s)).toHaveLength(0);
  });

  it('detects a prompt the server cut to its window', async () => {
    // Our count says 7,500 (fits 9,000 − 1,000) but the server's tokenizer needs far more: it clamps at num_ctx.
    const s = await start({ script: [{ text: 'answer from half a prompt' }] });
    const big = 'lorem ipsum '.repeat(4_000);
    const err = await failure(client(s.url).chat([user(big)], { expectedPromptTokens: 7_500 }));
    expect(err).toBeInstanceOf(PromptTruncatedError);
    expect((err as PromptTruncatedError).serverTokens).toBe(9_000);
    expect(chats(s)[0]!.body.options.num_ctx).toBe(9_000);
  });

  it('does not cry wolf over tokenizer differences or KV-cache reuse', async () => {
    const s = await start({
      script: [{ text: 'a', promptEvalCount: 7_900 }, { text: 'b', promptEvalCount: 6_000 }, { text: 'c', promptEvalCount: 120 }],
    });
    const c = client(s.url);
    for (let i = 0; i < 3; i++) {
      const events = await collect(c.chat([user('q')], { expectedPromptTokens: 7_000 }));
      expect(events.at(-1)?.type).toBe('done');
    }
  });

  it('detects dropped messages when the server reports its cached tokens', async () => {
    const s = await start({ script: [{ text: 'a', promptEvalCount: 500, promptEvalCachedCount: 2_000 }, { text: 'b', promptEvalCount: 500, promptEvalCachedCount: 5_000 }] });
    const c = client(s.url);
    expect(await failure(c.chat([user('q')], { expectedPromptTokens: 6_000 }))).toBeInstanceOf(PromptTruncatedError);
    const events = await collect(c.chat([user('q')], { expectedPromptTokens: 6_000 }));
    expect(events.at(-1)).toMatchObject({ type: 'done', usage: { promptTokens: 500, cachedPromptTokens: 5_000 } });
  });

  it('maps a newer server refusing an over-long prompt to ContextOverflowError', async () => {
    const s = await start({ honorTruncate: true, script: [{ text: 'unused' }] });
    const err = await failure(client(s.url).chat([user('lorem ipsum '.repeat(4_000))]));
    expect(err).toBeInstanceOf(ContextOverflowError);
    expect((err as Error).message).toContain('exceeds the context length');
    expect(chats(s)[0]!.body.truncate).toBe(false);
  });

  it('feeds plausible measurements to the calibration file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ragent-calib-'));
    try {
      const file = join(dir, 'calibration.json');
      const s = await start({ script: [{ text: 'a', promptEvalCount: 1_100 }, { text: 'b', promptEvalCount: 30 }] });
      const c = client(s.url, { calibrationFile: file });
      await collect(c.chat([user('q')], { expectedPromptTokens: 1_000 }));
      await collect(c.chat([user('q')], { expectedPromptTokens: 1_000 })); // a cache hit: not a tokenizer ratio
      const stored = JSON.parse(readFileSync(file, 'utf8'))[MODEL];
      expect(stored.factor).toBeCloseTo(1.1, 5);
      expect(stored.samples).toBe(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('Ollama client: tool calls', () => {
  it('turns arguments that are not a JSON object into MalformedToolCallError with the raw text', async () => {
    const s = await start({
      script: [
        { text: 'calling', toolCalls: [{ name: 'edit_file', arguments: '{"path": "a.ts", "search": ' }] },
        { toolCalls: [{ name: 'edit_file', arguments: ['a.ts'] }] },
        { rawToolCalls: [{ function: { arguments: { path: 'a.ts' } } }] },
      ],
    });
    const c = client(s.url);
    const first = await failure(c.chat([user('go')]));
    expect(first).toBeInstanceOf(MalformedToolCallError);
    expect((first as MalformedToolCallError).raw).toBe('{"path": "a.ts", "search": ');
    expect((first as MalformedToolCallError).toolName).toBe('edit_file');
    const second = await failure(c.chat([user('go')]));
    expect((second as MalformedToolCallError).raw).toBe('["a.ts"]');
    const third = await failure(c.chat([user('go')]));
    expect(third).toBeInstanceOf(MalformedToolCallError);
    expect((third as MalformedToolCallError).raw).toContain('a.ts');
  });

  it('accepts arguments sent as a JSON string holding an object', async () => {
    const s = await start({ script: [{ toolCalls: [{ name: 'read_file', arguments: '{"path":"src/a.ts","start_line":3}', id: 'call_x' }] }] });
    const events = await collect(client(s.url).chat([user('go')]));
    expect(events[0]).toEqual({ type: 'tool_call', call: { id: 'call_x', name: 'read_file', arguments: { path: 'src/a.ts', start_line: 3 } } });
  });
});

describe('Ollama client: cancellation', () => {
  it('aborts mid-stream: ends promptly with CancelledError and closes the connection', async () => {
    const s = await start({ script: [{ text: Array.from({ length: 20 }, (_, i) => `piece${i} `), delayMs: 250 }] });
    const ac = new AbortController();
    const seen: ChatEvent[] = [];
    const t0 = Date.now();
    const err = await failure(
      (async function* () {
        for await (const e of client(s.url).chat([user('go')], { signal: ac.signal })) {
          seen.push(e);
          ac.abort();
          yield e;
        }
      })(),
    );
    expect(err).toBeInstanceOf(CancelledError);
    expect(seen).toHaveLength(1);
    expect(Date.now() - t0).toBeLessThan(2_000);
    await expect.poll(() => s.openResponses(), { timeout: 1_000 }).toBe(0);
    expect(s.abandoned()).toBe(1);
  });

  it('closes the connection when the consumer stops reading', async () => {
    const s = await start({ script: [{ text: Array.from({ length: 20 }, (_, i) => `piece${i} `), delayMs: 250 }] });
    for await (const e of client(s.url).chat([user('go')])) {
      expect(e.type).toBe('text');
      break;
    }
    await expect.poll(() => s.openResponses(), { timeout: 1_000 }).toBe(0);
    expect(s.abandoned()).toBe(1);
  });

  it('does not start a request when the signal is already aborted', async () => {
    const s = await start({ script: [{ text: 'unused' }] });
    const c = client(s.url);
    await c.info();
    const err = await failure(c.chat([user('go')], { signal: AbortSignal.abort() }));
    expect(err).toBeInstanceOf(CancelledError);
    expect(s.remaining()).toBe(1);
  });
});

describe('Ollama client: completion and embeddings', () => {
  it('completes raw text with stop sequences, temperature and a token limit', async () => {
    const s = await start({ script: [{ text: ['    return a', ' + b\n'], doneReason: 'stop' }] });
    const res = await client(s.url).complete('def add(a, b):\n', { stop: ['\ndef ', '\nclass '], temperature: 0.8, maxTokens: 128 });
    expect(res.text).toBe('    return a + b\n');
    expect(res.doneReason).toBe('stop');
    const body = s.requests.find((r) => r.path === '/api/generate')!.body;
    expect(body).toMatchObject({ model: MODEL, prompt: 'def add(a, b):\n', raw: true, keep_alive: '30m' });
    expect(body.options).toEqual({ num_ctx: 9_000, temperature: 0.8, num_predict: 128, stop: ['\ndef ', '\nclass '] });
  });

  it('embeds in batches with the embedding model, one vector per text', async () => {
    const s = await start({ embedDimensions: 24 });
    const c = client(s.url, { embedBatchSize: 2 });
    const texts = ['alpha', 'beta', 'gamma', 'alpha', 'delta'];
    const vectors = await c.embed(texts);
    expect(vectors).toHaveLength(5);
    expect(vectors.every((v) => v.length === 24)).toBe(true);
    expect(vectors[3]).toEqual(vectors[0]);
    expect(vectors[1]).not.toEqual(vectors[0]);
    const embeds = s.requests.filter((r) => r.path === '/api/embed');
    expect(embeds.map((r) => r.body.input)).toEqual([['alpha', 'beta'], ['gamma', 'alpha'], ['delta']]);
    expect(embeds.every((r) => r.body.model === 'nomic-embed-text' && r.body.keep_alive === '30m')).toBe(true);
  });

  it('gives the pull hint for a missing embedding model', async () => {
    const s = await start({ models: [{ name: MODEL }] });
    const err = await failure(client(s.url).embed(['x']));
    expect(err).toBeInstanceOf(ModelNotFoundError);
    expect((err as ModelNotFoundError).hint).toContain('ollama pull nomic-embed-text');
  });
});

describe('Ollama client: more failure modes', () => {
  it('retries a connection the server dropped before answering', async () => {
    const s = await start({ script: [{ hangUp: true }, { text: 'second try' }] });
    const events = await collect(client(s.url).chat([user('hi')]));
    expect(events.at(-1)).toMatchObject({ type: 'done', message: { content: 'second try' } });
    expect(chats(s)).toHaveLength(2);
  });

  it('does not retry when the connection dies mid-answer, and says so', async () => {
    const s = await start({ script: [{ text: ['one ', 'two ', 'three'], hangUpAfterChunks: 2 }, { text: 'never asked' }] });
    const seen: string[] = [];
    const err = await failure(
      (async function* () {
        for await (const e of client(s.url).chat([user('hi')])) {
          if (e.type === 'text') seen.push(e.delta);
          yield e;
        }
      })(),
    );
    expect(err).toBeInstanceOf(ModelServerError);
    expect((err as Error).message).toMatch(/lost in the middle of the answer/);
    expect(seen).toEqual(['one ', 'two ']);
    expect(s.remaining()).toBe(1);
  });

  it('times out and cancels non-streamed requests too (completion)', async () => {
    const s = await start({ script: [{ text: 'late', headerDelayMs: 3_000 }, { text: 'late', headerDelayMs: 3_000 }] });
    const c = client(s.url, { requestTimeoutMs: 300, retries: 0 });
    const t0 = Date.now();
    expect(await failure(c.complete('x'))).toBeInstanceOf(ModelTimeoutError);
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 100);
    const c2 = client(s.url, { requestTimeoutMs: 10_000 });
    expect(await failure(c2.complete('x', { signal: ac.signal }))).toBeInstanceOf(CancelledError);
    expect(Date.now() - t0).toBeLessThan(2_500);
    await expect.poll(() => s.openResponses(), { timeout: 4_000 }).toBe(0);
  });

  it('asks /api/show once even when the first calls overlap', async () => {
    const s = await start({ script: [{ text: 'a' }, { text: 'b' }] });
    const c = client(s.url);
    await Promise.all([collect(c.chat([user('1')])), collect(c.chat([user('2')]))]);
    expect(s.requests.filter((r) => r.path === '/api/show')).toHaveLength(1);
  });

  it('asks /api/show again after a failed first lookup', async () => {
    const s = await start({ faults: [{ path: '/api/show', status: 400, message: 'bad request', times: 1 }] });
    const c = client(s.url);
    expect(await failure(c.info())).toBeInstanceOf(ModelServerError);
    expect((await c.info()).numCtx).toBe(9_000);
  });

  it('accepts a final chunk without token counts and skips the truncation check', async () => {
    const s = await start({ script: [{ text: 'fine', omitCounts: true }] });
    const events = await collect(client(s.url).chat([user('q')], { expectedPromptTokens: 7_000 }));
    expect(events.at(-1)).toMatchObject({ type: 'done', usage: { promptTokens: 0, outputTokens: 0 } });
  });

  it('reads the window of a server that omits the architecture key', async () => {
    const s = await start({ models: [{ name: MODEL, omitContextLength: true }] });
    const info = await client(s.url, { budget: 10_000, outputReserve: 2_000 }).info();
    expect(info.numCtx).toBe(12_000);
    expect(info.notes?.join(' ')).toMatch(/context length/);
  });

  it('sends the format schema for models driven by the text protocol', async () => {
    const s = await start({ script: [{ text: '{"tool":"finish","arguments":{"summary":"done"}}' }] });
    const schema = { type: 'object', properties: { tool: { type: 'string' } }, required: ['tool'] };
    await collect(client(s.url).chat([user('q')], { format: schema }));
    expect(chats(s)[0]!.body.format).toEqual(schema);
    expect(chats(s)[0]!.body.tools).toBeUndefined();
  });
});
