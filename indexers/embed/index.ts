/** Choosing the embedder from configuration. */
import type { RagentConfig } from '../../src/config/schema.js';
import type { Embedder } from '../types.js';
import { HashEmbedder } from './hash.js';
import { OllamaEmbedder, type OllamaEmbedderOptions } from './ollama.js';
import { IndexError } from '../../src/errors.js';

export { HashEmbedder, hashEmbed } from './hash.js';
export { OllamaEmbedder, EmbeddingError } from './ollama.js';

function ollamaOptions(config: RagentConfig, model: string): OllamaEmbedderOptions {
  return {
    host: config.model.host,
    model,
    batchSize: config.embedding.batchSize,
    retries: config.model.retries,
    requestTimeoutMs: config.model.requestTimeoutMs,
    keepAlive: config.model.keepAlive,
  };
}

/** The embedder `config.embedding` names; `ollama` checks the server and learns the dimension first. */
export async function createEmbedder(config: RagentConfig, signal?: AbortSignal): Promise<Embedder> {
  const e = config.embedding;
  if (e.provider === 'hash') return new HashEmbedder(e.dimensions);
  return OllamaEmbedder.connect(ollamaOptions(config, e.model), signal);
}

/** The embedder an existing index was built with (by its stored name and dimension), for embedding queries. */
export function embedderForIndex(stored: { name: string; dimensions: number }, config: RagentConfig): Embedder {
  if (stored.name.startsWith('ollama:')) {
    return OllamaEmbedder.withDimensions(ollamaOptions(config, stored.name.slice('ollama:'.length)), stored.dimensions);
  }
  const hash = new HashEmbedder(stored.dimensions);
  if (stored.name !== hash.name) {
    throw new IndexError(`the index was built with an unknown embedder "${stored.name}"`, 'run: ragent index --full');
  }
  return hash;
}

/** The name an embedder will have, known without contacting any server. */
export function embedderName(config: RagentConfig): string {
  return config.embedding.provider === 'hash' ? new HashEmbedder(config.embedding.dimensions).name : `ollama:${config.embedding.model}`;
}
