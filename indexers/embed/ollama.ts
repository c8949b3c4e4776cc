/**
 * Embeddings from any model Ollama serves, over its HTTP API (`POST /api/embed`). Requests are batched,
 * retried with backoff on transient failures, and every vector's length is checked against the first one:
 * a store with mixed dimensions would answer nonsense without complaint.
 */
import { ModelUnavailableError, RagentError } from '../../src/errors.js';
import type { Embedder } from '../types.js';

/** The embedding server answered with something the index cannot use. */
export class EmbeddingError extends RagentError {}

export interface OllamaEmbedderOptions {
  host: string;
  model: string;
  batchSize: number;
  retries: number;
  requestTimeoutMs: number;
  keepAlive?: string;
}

interface EmbedResponse {
  embeddings?: unknown;
  error?: string;
}

/** Failures worth another try: the server restarting, overloaded or dropping the connection. */
class TransientError extends Error {}

const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(signal.reason);
    }, { once: true });
  });

function unitVector(values: unknown, expected: number | undefined, model: string): Float32Array {
  if (!Array.isArray(values) || values.length === 0 || !values.every((v) => typeof v === 'number' && Number.isFinite(v))) {
    throw new EmbeddingError(`embedding model ${model} returned a malformed vector`, 'check that the model is an embedding model');
  }
  if (expected !== undefined && values.length !== expected) {
    throw new EmbeddingError(
      `embedding model ${model} returned a vector of ${values.length} dimensions where ${expected} were expected`,
      'the model changed while indexing; run `ragent index --full` to re-embed everything',
    );
  }
  const vec = Float32Array.from(values as number[]);
  let norm = 0;
  for (const x of vec) norm += x * x;
  if (norm > 0) {
    const inv = 1 / Math.sqrt(norm);
    for (let i = 0; i < vec.length; i++) vec[i]! *= inv;
  }
  return vec;
}

/** Embeds through Ollama; build it with `connect`, which learns the model's dimension. */
export class OllamaEmbedder implements Embedder {
  readonly name: string;
  private constructor(
    private readonly opts: OllamaEmbedderOptions,
    readonly dimensions: number,
  ) {
    this.name = `ollama:${opts.model}`;
  }

  /** Check the server and model with one small request and return an embedder of the model's dimension. */
  static async connect(opts: OllamaEmbedderOptions, signal?: AbortSignal): Promise<OllamaEmbedder> {
    const [probe] = await request(opts, ['dimension probe'], undefined, signal);
    return new OllamaEmbedder(opts, probe!.length);
  }

  /** An embedder for an index already built with this model: the dimension is known, nothing is probed. */
  static withDimensions(opts: OllamaEmbedderOptions, dimensions: number): OllamaEmbedder {
    return new OllamaEmbedder(opts, dimensions);
  }

  /** Embed `texts` in batches of `batchSize`, in order. */
  async embed(texts: string[], signal?: AbortSignal): Promise<Float32Array[]> {
    const out: Float32Array[] = [];
    for (let i = 0; i < texts.length; i += this.opts.batchSize) {
      const batch = texts.slice(i, i + this.opts.batchSize);
      out.push(...(await request(this.opts, batch, this.dimensions, signal)));
    }
    return out;
  }
}

async function request(opts: OllamaEmbedderOptions, input: string[], dims: number | undefined, signal?: AbortSignal): Promise<Float32Array[]> {
  const url = `${opts.host.replace(/\/+$/, '')}/api/embed`;
  const body = JSON.stringify({ model: opts.model, input, truncate: true, ...(opts.keepAlive ? { keep_alive: opts.keepAlive } : {}) });
  let lastError: unknown;
  for (let attempt = 0; attempt <= opts.retries; attempt++) {
    if (attempt > 0) await sleep(200 * 2 ** (attempt - 1), signal);
    try {
      return await once(url, body, opts, input.length, dims, signal);
    } catch (err) {
      if (!(err instanceof TransientError)) throw err;
      lastError = err.cause ?? err;
    }
  }
  const reason = lastError instanceof Error ? lastError.message : String(lastError);
  throw new ModelUnavailableError(
    `cannot reach Ollama at ${opts.host} for embeddings (${reason})`,
    'start it with `ollama serve`, or point OLLAMA_HOST / model.host at a running server; the built-in `hash` embedder needs no server',
    { cause: lastError },
  );
}

async function once(
  url: string,
  body: string,
  opts: OllamaEmbedderOptions,
  count: number,
  dims: number | undefined,
  signal?: AbortSignal,
): Promise<Float32Array[]> {
  const timeout = AbortSignal.timeout(opts.requestTimeoutMs);
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
    });
  } catch (err) {
    if (signal?.aborted) throw err;
    throw new TransientError('connection failed', { cause: (err as { cause?: unknown }).cause ?? err });
  }
  const text = await res.text().catch(() => '');
  let parsed: EmbedResponse = {};
  try {
    parsed = JSON.parse(text) as EmbedResponse;
  } catch {
    // Not JSON: handled below by status.
  }
  if (res.status >= 500 || res.status === 429) {
    throw new TransientError(`HTTP ${res.status}${parsed.error ? `: ${parsed.error}` : ''}`);
  }
  if (res.status === 404 || /not found|try pulling/i.test(parsed.error ?? '')) {
    throw new ModelUnavailableError(
      `embedding model ${opts.model} is not available on ${opts.host}`,
      `run: ollama pull ${opts.model}`,
    );
  }
  if (!res.ok) {
    throw new EmbeddingError(
      `Ollama refused the embedding request (HTTP ${res.status}): ${parsed.error ?? text.slice(0, 200)}`,
      `check that ${opts.model} is an embedding model, or set embedding.provider to "hash"`,
    );
  }
  const vectors = parsed.embeddings;
  if (!Array.isArray(vectors) || vectors.length !== count) {
    throw new EmbeddingError(
      `Ollama returned ${Array.isArray(vectors) ? vectors.length : 'no'} embeddings for ${count} inputs`,
      `check that ${opts.model} is an embedding model`,
    );
  }
  const first = dims ?? (Array.isArray(vectors[0]) ? (vectors[0] as unknown[]).length : undefined);
  return vectors.map((v) => unitVector(v, first, opts.model));
}
