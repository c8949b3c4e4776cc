import type { RagentConfig } from '../config/schema.js';
import { OllamaClient } from './ollama.js';
import { OpenAICompatibleClient } from './openai.js';
import type { ModelClient } from './types.js';

export interface CreateModelClientOptions {
  /** Prompt tokens the caller plans to send at most; default `retrieval.budget`. */
  budget?: number;
  /** Where measured token ratios are stored (see `recordCalibration`); none means no calibration. */
  calibrationFile?: string;
  /** First retry delay in ms, doubled on each retry; default 500. */
  retryBaseDelayMs?: number;
  /** Environment for the API key lookup; default `process.env`. */
  env?: NodeJS.ProcessEnv;
}

/** The model client the configuration asks for (`model.provider`). Nothing is sent until first use. */
export function createModelClient(config: RagentConfig, opts: CreateModelClientOptions = {}): ModelClient {
  const m = config.model;
  const common = {
    model: m.name,
    embedModel: config.embedding.model,
    embedBatchSize: config.embedding.batchSize,
    budget: opts.budget ?? config.retrieval.budget,
    outputReserve: m.outputReserve,
    contextLength: m.contextLength,
    temperature: m.temperature,
    requestTimeoutMs: m.requestTimeoutMs,
    retries: m.retries,
    retryBaseDelayMs: opts.retryBaseDelayMs ?? 500,
    ...(opts.calibrationFile ? { calibrationFile: opts.calibrationFile } : {}),
  };
  if (m.provider === 'openai') {
    const env = opts.env ?? process.env;
    const apiKey = m.apiKeyEnv ? env[m.apiKeyEnv] : undefined;
    return new OpenAICompatibleClient({ ...common, baseUrl: m.baseUrl, ...(apiKey ? { apiKey } : {}) });
  }
  return new OllamaClient({ ...common, host: m.host, keepAlive: m.keepAlive });
}
