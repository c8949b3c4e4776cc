import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { EmbeddingError, HashEmbedder, OllamaEmbedder, createEmbedder, embedderForIndex, hashEmbed } from '../../indexers/embed/index.js';
import { configSchema } from '../../src/config/schema.js';
import { ModelUnavailableError } from '../../src/errors.js';

const dot = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * b[i]!, 0);
const norm = (a: Float32Array) => Math.sqrt(dot(a, a));

describe('hash embedder', () => {
  it('is deterministic, unit length and of the configured dimension', async () => {
    const e = new HashEmbedder(128);
    const [a, b] = await e.embed(['function parseConfig(path) {}', 'function parseConfig(path) {}']);
    expect(a).toHaveLength(128);
    expect(Array.from(a!)).toEqual(Array.from(b!));
    expect(norm(a!)).toBeCloseTo(1, 5);
  });

  it('maps camelCase and snake_case spellings of a name close together, unrelated code far apart', () => {
    const camel = hashEmbed('def loadUserProfile(userId): ...', 256);
    const snake = hashEmbed('def load_user_profile(user_id): ...', 256);
    const other = hashEmbed('class HttpServer { listen(port) {} }', 256);
    expect(dot(camel, snake)).toBeGreaterThan(0.5);
    expect(dot(camel, snake)).toBeGreaterThan(dot(camel, other) + 0.3);
  });

  it('gives text without identifiers a zero vector instead of NaN', () => {
    const v = hashEmbed('+ - 1 2 3', 64);
    expect(Array.from(v).every((x) => x === 0)).toBe(true);
  });
});

type Handler = (body: { model: string; input: string[] }, res: ServerResponse) => void;

const servers: Server[] = [];
afterEach(async () => {
  while (servers.length) await new Promise((r) => servers.pop()!.close(r));
});

/** A server speaking Ollama's /api/embed wire format, answering with `handler`. */
async function ollamaServer(handler: Handler): Promise<{ host: string; requests: string[][] }> {
  const requests: string[][] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/api/embed') {
        res.writeHead(404).end('404 page not found');
        return;
      }
      const body = JSON.parse(raw) as { model: string; input: string[] };
      requests.push(body.input);
      handler(body, res);
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { host: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests };
}

const reply = (res: ServerResponse, status: number, body: unknown) =>
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
const embeddings = (input: string[], dims: number) => input.map((t) => Array.from({ length: dims }, (_, i) => (t.length % 7) + i + 1));

const opts = (host: string) => ({ host, model: 'nomic-embed-text', batchSize: 2, retries: 2, requestTimeoutMs: 5_000 });

describe('ollama embedder', () => {
  it('learns the dimension, batches requests and returns unit vectors in order', async () => {
    const srv = await ollamaServer((body, res) => reply(res, 200, { model: body.model, embeddings: embeddings(body.input, 8) }));
    const e = await OllamaEmbedder.connect(opts(srv.host));
    expect(e.dimensions).toBe(8);
    expect(e.name).toBe('ollama:nomic-embed-text');
    const out = await e.embed(['a', 'bb', 'ccc', 'dddd', 'eeeee']);
    expect(out).toHaveLength(5);
    expect(srv.requests.slice(1)).toEqual([['a', 'bb'], ['ccc', 'dddd'], ['eeeee']]);
    for (const v of out) expect(norm(v)).toBeCloseTo(1, 5);
    expect(out[0]![0]).not.toBeCloseTo(out[1]![0]!, 5);
  });

  it('rejects a response whose dimension differs from the first', async () => {
    let calls = 0;
    const srv = await ollamaServer((body, res) => reply(res, 200, { embeddings: embeddings(body.input, calls++ === 0 ? 8 : 6) }));
    const e = await OllamaEmbedder.connect(opts(srv.host));
    await expect(e.embed(['x'])).rejects.toThrow(EmbeddingError);
    await expect(e.embed(['x'])).rejects.toThrow(/6 dimensions where 8 were expected/);
  });

  it('rejects a response with the wrong number of vectors', async () => {
    const srv = await ollamaServer((body, res) => reply(res, 200, { embeddings: embeddings(body.input.slice(1), 4) }));
    await expect(OllamaEmbedder.withDimensions(opts(srv.host), 4).embed(['a', 'b'])).rejects.toThrow(/1 embeddings for 2 inputs/);
  });

  it('says to pull a model the server does not have', async () => {
    const srv = await ollamaServer((body, res) => reply(res, 404, { error: `model "${body.model}" not found, try pulling it first` }));
    const err = await OllamaEmbedder.connect(opts(srv.host)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelUnavailableError);
    expect((err as ModelUnavailableError).hint).toBe('run: ollama pull nomic-embed-text');
  });

  it('retries transient server errors with backoff', async () => {
    let calls = 0;
    const srv = await ollamaServer((body, res) =>
      calls++ < 2 ? reply(res, 503, { error: 'busy' }) : reply(res, 200, { embeddings: embeddings(body.input, 4) }),
    );
    const e = await OllamaEmbedder.connect(opts(srv.host));
    expect(e.dimensions).toBe(4);
    expect(calls).toBe(3);
  });

  it('names the host and says how to start the server when nothing listens', async () => {
    const srv = await ollamaServer(() => {});
    const host = srv.host;
    await new Promise((r) => servers.pop()!.close(r));
    const err = await OllamaEmbedder.connect({ ...opts(host), retries: 1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelUnavailableError);
    expect((err as Error).message).toContain(host);
    expect((err as ModelUnavailableError).hint).toMatch(/ollama serve/);
  });

  it('is chosen by configuration, and rebuilt from an index\'s stored name without a request', async () => {
    const srv = await ollamaServer((body, res) => reply(res, 200, { embeddings: embeddings(body.input, 5) }));
    const config = configSchema.parse({ embedding: { provider: 'ollama', model: 'm1' }, model: { host: srv.host } });
    const e = await createEmbedder(config);
    expect([e.name, e.dimensions]).toEqual(['ollama:m1', 5]);
    const before = srv.requests.length;
    const again = embedderForIndex({ name: 'ollama:m1', dimensions: 5 }, config);
    expect(srv.requests.length).toBe(before);
    expect((await again.embed(['q']))[0]).toHaveLength(5);
    const hash = await createEmbedder(configSchema.parse({ embedding: { dimensions: 64 } }));
    expect([hash.name, hash.dimensions]).toEqual(['hash-v1', 64]);
  });
});
