import { describe, expect, it } from 'vitest';
import { CancelledError } from '../../src/errors.js';
import {
  ContextWindowTooSmallError,
  MalformedToolCallError,
  ModelNotFoundError,
} from '../../src/model/errors.js';
import type { ChatEvent } from '../../src/model/types.js';
import { MODEL, chats, client, collect, failure, scriptedServers, user } from './ollama-fixture.js';

const start = scriptedServers();

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

  it('sends a keep_alive written as a bare number as seconds', async () => {
    const s = await start({ script: [{ text: 'x' }] });
    await collect(client(s.url, { keepAlive: '-1' }).chat([user('a')]));
    expect(chats(s)[0]!.body.keep_alive).toBe(-1);
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
