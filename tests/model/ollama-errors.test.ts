import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CancelledError } from '../../src/errors.js';
import {
  ContextOverflowError,
  ModelNotFoundError,
  ModelServerError,
  ModelServerUnreachableError,
  ModelTimeoutError,
  PromptTruncatedError,
} from '../../src/model/errors.js';
import { closedPort } from '../helpers/scripted-ollama.js';
import { MODEL, chats, client, collect, failure, scriptedServers, user } from './ollama-fixture.js';

const start = scriptedServers();

describe('Ollama client: errors', () => {
  it('names the host and says how to start Ollama when nothing listens', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const err = await failure(client(url).chat([user('hi')]));
    expect(err).toBeInstanceOf(ModelServerUnreachableError);
    expect((err as Error).message).toContain(url);
    expect((err as ModelServerUnreachableError).hint).toContain('ollama serve');
  });

  it('says so when the address answers, but not as a model server', async () => {
    const web = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('<html>router login</html>');
    });
    await new Promise<void>((r) => web.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(web.address() as { port: number }).port}`;
      const err = await failure(client(url).info());
      expect(err).toBeInstanceOf(ModelServerError);
      expect((err as Error).message).toContain('not JSON');
      expect((err as ModelServerError).hint).toMatch(/model server/);
    } finally {
      web.closeAllConnections();
      await new Promise<void>((r) => web.close(() => r()));
    }
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

  it('stops waiting for a hung model lookup when the caller cancels', async () => {
    const s = await start({ faults: [{ path: '/api/show', status: 500, message: 'stuck', delayMs: 3_000 }] });
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 100);
    const t0 = Date.now();
    expect(await failure(client(s.url, { retries: 0 }).chat([user('hi')], { signal: ac.signal }))).toBeInstanceOf(CancelledError);
    expect(Date.now() - t0).toBeLessThan(1_500);
    expect(chats(s)).toHaveLength(0);
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
