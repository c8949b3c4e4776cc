import { afterEach, describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/schema.js';
import { CancelledError } from '../../src/errors.js';
import { createModelClient } from '../../src/model/create.js';
import {
  ContextOverflowError,
  MalformedToolCallError,
  ModelNotFoundError,
  ModelServerError,
  ModelServerUnreachableError,
  ModelTimeoutError,
  PromptTruncatedError,
} from '../../src/model/errors.js';
import { OpenAICompatibleClient } from '../../src/model/openai.js';
import type { ChatEvent, ModelClient } from '../../src/model/types.js';
import { closedPort } from '../helpers/scripted-ollama.js';
import { startScriptedOpenAI, type ScriptedOpenAI, type ScriptedOpenAIOptions } from '../helpers/scripted-openai.js';

const MODEL = 'qwen2.5-coder-7b';
let server: ScriptedOpenAI | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function start(opts: ScriptedOpenAIOptions): Promise<ScriptedOpenAI> {
  server = await startScriptedOpenAI(opts);
  return server;
}

function client(baseUrl: string, model: Record<string, unknown> = {}, env: NodeJS.ProcessEnv = {}): ModelClient {
  const config = configSchema.parse({
    model: { provider: 'openai', name: MODEL, baseUrl, retries: 2, outputReserve: 1_000, ...model },
    embedding: { model: 'nomic-embed-text', batchSize: 2 },
  });
  return createModelClient(config, { budget: 8_000, retryBaseDelayMs: 5, env });
}

async function collect(stream: AsyncIterable<ChatEvent>): Promise<ChatEvent[]> {
  const out: ChatEvent[] = [];
  for await (const e of stream) out.push(e);
  return out;
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

const chats = (s: ScriptedOpenAI) => s.requests.filter((r) => r.path === '/v1/chat/completions');

describe('OpenAI-compatible client', () => {
  it('is what createModelClient builds for provider "openai"', async () => {
    const s = await start({});
    expect(client(s.url)).toBeInstanceOf(OpenAICompatibleClient);
  });

  it('reads the model and its window from /v1/models', async () => {
    const s = await start({ models: [{ id: MODEL, contextLength: 16_384 }] });
    const info = await client(s.url, {}).info();
    expect(info).toMatchObject({ name: MODEL, contextLength: 16_384, numCtx: 9_000, supportsTools: true });
    const capped = await client(s.url, { contextLength: 8_192 }).info();
    expect(capped.numCtx).toBe(8_192);
  });

  it("takes llama.cpp's per-slot window from /props when it is smaller than the trained one", async () => {
    const s = await start({ models: [{ id: MODEL, contextLength: 32_768, llamaCppSlotContext: 8_192 }] });
    const info = await client(s.url).info();
    expect(info).toMatchObject({ contextLength: 32_768, numCtx: 8_192 });
    expect(info.notes?.join(' ')).toMatch(/8192 tokens a slot/);
  });

  it('says to use the text protocol when the server cannot call tools', async () => {
    const s = await start({
      script: [{ error: { status: 400, message: '"auto" tool choice requires --enable-auto-tool-choice and --tool-call-parser to be set' } }],
    });
    const err = await failure(
      client(s.url).chat([{ role: 'user', content: 'x' }], { tools: [{ name: 'finish', description: 'd', parameters: { type: 'object' } }] }),
    );
    expect(err).toBeInstanceOf(ModelServerError);
    expect((err as ModelServerError).hint).toMatch(/text tool protocol/);
  });

  it('streams text and assembles tool-call argument fragments by index', async () => {
    const s = await start({
      script: [
        {
          text: ['I will ', 'read both.'],
          toolCalls: [
            { name: 'read_file', arguments: { path: 'src/parse.ts', start_line: 10, end_line: 40 }, id: 'call_a' },
            { name: 'search_code', arguments: { query: 'parseDate timezone handling' } },
          ],
          promptEvalCount: 900,
          promptEvalCachedCount: 600,
        },
      ],
    });
    const events = await collect(client(s.url).chat([{ role: 'user', content: 'fix it' }]));
    expect(events.filter((e) => e.type === 'text').map((e) => (e as { delta: string }).delta)).toEqual(['I will ', 'read both.']);
    const calls = events.filter((e) => e.type === 'tool_call').map((e) => (e as { call: unknown }).call);
    expect(calls).toEqual([
      { id: 'call_a', name: 'read_file', arguments: { path: 'src/parse.ts', start_line: 10, end_line: 40 } },
      { id: 'chatcmpl-tool-1', name: 'search_code', arguments: { query: 'parseDate timezone handling' } },
    ]);
    const done = events.at(-1)!;
    expect(done).toMatchObject({ type: 'done', doneReason: 'tool_calls', usage: { promptTokens: 300, cachedPromptTokens: 600 } });
    const body = chats(s)[0]!.body;
    expect(body).toMatchObject({ model: MODEL, stream: true, stream_options: { include_usage: true }, max_tokens: 1_000 });
  });

  it('assembles tool-call deltas that carry no index', async () => {
    const s = await start({
      omitToolIndex: true,
      script: [{ toolCalls: [{ name: 'read_file', arguments: { path: 'a/b/c.ts' } }, { name: 'search_code', arguments: { query: 'x y z' } }] }],
    });
    const events = await collect(client(s.url).chat([{ role: 'user', content: 'go' }]));
    const calls = events.filter((e) => e.type === 'tool_call').map((e) => (e as { call: { name: string; arguments: unknown } }).call);
    expect(calls.map((c) => [c.name, c.arguments])).toEqual([
      ['read_file', { path: 'a/b/c.ts' }],
      ['search_code', { query: 'x y z' }],
    ]);
  });

  it('sends earlier tool calls and tool results in OpenAI shape', async () => {
    const s = await start({ script: [{ text: 'ok' }] });
    await collect(
      client(s.url).chat([
        { role: 'user', content: 'task' },
        { role: 'assistant', content: '', toolCalls: [{ id: 'call_1', name: 'read_file', arguments: { path: 'a.ts' } }] },
        { role: 'tool', content: 'const a = 1;', toolName: 'read_file', toolCallId: 'call_1' },
      ]),
    );
    const msgs = chats(s)[0]!.body.messages;
    expect(msgs[1].tool_calls[0]).toEqual({ id: 'call_1', type: 'function', function: { name: 'read_file', arguments: '{"path":"a.ts"}' } });
    expect(msgs[2]).toEqual({ role: 'tool', content: 'const a = 1;', tool_call_id: 'call_1', name: 'read_file' });
  });

  it('reports malformed tool-call arguments with the raw text', async () => {
    const s = await start({ script: [{ toolCalls: [{ name: 'edit_file', arguments: '{"path": "a.ts", "search": "x"' }] }] });
    const err = await failure(client(s.url).chat([{ role: 'user', content: 'go' }]));
    expect(err).toBeInstanceOf(MalformedToolCallError);
    expect((err as MalformedToolCallError).raw).toBe('{"path": "a.ts", "search": "x"');
  });

  it('sends the API key from the environment variable model.apiKeyEnv names', async () => {
    const s = await start({ apiKey: 'sk-test-123', script: [{ text: 'hi' }] });
    const err = await failure(client(s.url, { apiKeyEnv: 'MY_KEY' }, {}).info());
    expect(err).toBeInstanceOf(ModelServerError);
    expect((err as ModelServerError).status).toBe(401);
    expect((err as ModelServerError).hint).toMatch(/apiKeyEnv/);
    const events = await collect(client(s.url, { apiKeyEnv: 'MY_KEY' }, { MY_KEY: 'sk-test-123' }).chat([{ role: 'user', content: 'x' }]));
    expect(events.at(-1)?.type).toBe('done');
  });

  it('names a model the server does not offer, listing what it does', async () => {
    const s = await start({ models: [{ id: 'llama-3.1-8b' }] });
    const err = await failure(client(s.url).info());
    expect(err).toBeInstanceOf(ModelNotFoundError);
    expect((err as ModelNotFoundError).hint).toContain('llama-3.1-8b');
  });

  it('maps the server refusing an over-long prompt to ContextOverflowError', async () => {
    const s = await start({ models: [{ id: MODEL, contextLength: 9_000 }], script: [{ text: 'unused' }] });
    const err = await failure(client(s.url).chat([{ role: 'user', content: 'word '.repeat(40_000) }]));
    expect(err).toBeInstanceOf(ContextOverflowError);
    expect((err as Error).message).toContain("maximum context length is 9000");
    expect(chats(s)).toHaveLength(1);
  });

  it('detects truncation from usage when cached tokens are reported', async () => {
    const s = await start({ script: [{ text: 'a', promptEvalCount: 2_000, promptEvalCachedCount: 500 }] });
    const err = await failure(client(s.url).chat([{ role: 'user', content: 'q' }], { expectedPromptTokens: 6_000 }));
    expect(err).toBeInstanceOf(PromptTruncatedError);
  });

  it('retries a 503 and then streams', async () => {
    const s = await start({ script: [{ text: 'back' }], faults: [{ path: '/v1/chat/completions', status: 503, message: 'busy', times: 1 }] });
    const events = await collect(client(s.url).chat([{ role: 'user', content: 'x' }]));
    expect(events.at(-1)).toMatchObject({ type: 'done', message: { content: 'back' } });
    expect(chats(s)).toHaveLength(2);
  });

  it('abandons a request past model.requestTimeoutMs, and retries a dropped connection', async () => {
    const s = await start({ script: [{ text: 'late', headerDelayMs: 3_000 }, { hangUp: true }, { text: 'after reconnecting' }] });
    const err = await failure(client(s.url, { requestTimeoutMs: 300, retries: 0 }).chat([{ role: 'user', content: 'x' }]));
    expect(err).toBeInstanceOf(ModelTimeoutError);
    const events = await collect(client(s.url).chat([{ role: 'user', content: 'x' }]));
    expect(events.at(-1)).toMatchObject({ type: 'done', message: { content: 'after reconnecting' } });
  });

  it('surfaces an error event inside the stream', async () => {
    const s = await start({ script: [{ text: 'par', streamError: 'out of memory while decoding' }] });
    const err = await failure(client(s.url).chat([{ role: 'user', content: 'x' }]));
    expect(err).toBeInstanceOf(ModelServerError);
    expect((err as Error).message).toContain('out of memory while decoding');
  });

  it('cancels mid-stream and closes the connection', async () => {
    const s = await start({ script: [{ text: Array.from({ length: 20 }, (_, i) => `w${i} `), delayMs: 250 }] });
    const ac = new AbortController();
    const err = await failure(
      (async function* () {
        for await (const e of client(s.url).chat([{ role: 'user', content: 'x' }], { signal: ac.signal })) {
          ac.abort();
          yield e;
        }
      })(),
    );
    expect(err).toBeInstanceOf(CancelledError);
    await expect.poll(() => s.openResponses(), { timeout: 1_000 }).toBe(0);
    expect(s.abandoned()).toBe(1);
  });

  it('closes the connection when the consumer stops reading', async () => {
    const s = await start({ script: [{ text: Array.from({ length: 20 }, (_, i) => `w${i} `), delayMs: 250 }] });
    for await (const e of client(s.url).chat([{ role: 'user', content: 'x' }])) {
      expect(e.type).toBe('text');
      break;
    }
    await expect.poll(() => s.openResponses(), { timeout: 1_000 }).toBe(0);
    expect(s.abandoned()).toBe(1);
  });

  it('completes through /v1/completions with stop sequences', async () => {
    const s = await start({ script: [{ text: '    return a + b\n', doneReason: 'stop' }] });
    const res = await client(s.url).complete('def add(a, b):\n', { stop: ['\ndef '], maxTokens: 64, temperature: 0 });
    expect(res).toMatchObject({ text: '    return a + b\n', doneReason: 'stop' });
    expect(s.requests.find((r) => r.path === '/v1/completions')!.body).toMatchObject({ prompt: 'def add(a, b):\n', stop: ['\ndef '], max_tokens: 64, temperature: 0 });
  });

  it('embeds in batches and orders vectors by index', async () => {
    const s = await start({ embedDimensions: 8 });
    const c = client(s.url);
    const vectors = await c.embed(['a', 'b', 'c']);
    const again = await c.embed(['c', 'b']);
    expect(vectors).toHaveLength(3);
    expect(again[0]).toEqual(vectors[2]);
    expect(again[1]).toEqual(vectors[1]);
    expect(s.requests.filter((r) => r.path === '/v1/embeddings')).toHaveLength(3);
  });

  it('names the base URL when nothing listens', async () => {
    const baseUrl = `http://127.0.0.1:${await closedPort()}/v1`;
    const err = await failure(client(baseUrl, { retries: 0 }).info());
    expect(err).toBeInstanceOf(ModelServerUnreachableError);
    expect((err as Error).message).toContain(baseUrl);
    expect((err as ModelServerUnreachableError).hint).toMatch(/model\.baseUrl/);
  });
});
