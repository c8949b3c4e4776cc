import { z } from 'zod';

/**
 * Every configuration key ragent reads, with its default. `.agentrc.example` documents the same keys;
 * a test keeps the two in step.
 */
export const configSchema = z.strictObject({
  index: z
    .strictObject({
      /** Extra gitignore-style globs to leave out of the index. */
      ignore: z.array(z.string()).default([]),
      /** Files larger than this many bytes are skipped. */
      maxFileBytes: z.number().int().positive().default(1_000_000),
      /** A file whose longest line exceeds this is treated as minified or generated. */
      maxLineLength: z.number().int().positive().default(1_000),
      /** A symbol longer than this many lines is split at child boundaries into several chunks. */
      chunkMaxLines: z.number().int().min(10).default(120),
      /** Threads that parse, the main one included; 1 parses in the main thread only, 0 decides from the core count and the amount of work. */
      workers: z.number().int().min(0).default(0),
    })
    .prefault({}),
  embedding: z
    .strictObject({
      /** `hash` needs no model server; `ollama` uses the embedding model below. */
      provider: z.enum(['hash', 'ollama']).default('hash'),
      /** Embedding model when provider is `ollama`. */
      model: z.string().default('nomic-embed-text'),
      /** Vector size of the built-in hash embedder. */
      dimensions: z.number().int().min(16).max(4096).default(256),
      /** Texts per embedding request. */
      batchSize: z.number().int().positive().default(32),
    })
    .prefault({}),
  retrieval: z
    .strictObject({
      /** Weights of the ranking signals in reciprocal rank fusion. */
      weights: z
        .strictObject({
          fulltext: z.number().min(0).default(2),
          vector: z.number().min(0).default(0.6),
          name: z.number().min(0).default(1.2),
          path: z.number().min(0).default(0.8),
          trace: z.number().min(0).default(1.5),
          graph: z.number().min(0).default(0.5),
          tests: z.number().min(0).default(0.3),
        })
        .prefault({}),
      /** Default context budget in tokens when no model is configured. */
      budget: z.number().int().positive().default(100_000),
    })
    .prefault({}),
  model: z
    .strictObject({
      /** `ollama` (default) or any OpenAI-compatible server (`openai`). */
      provider: z.enum(['ollama', 'openai']).default('ollama'),
      /** Chat model name as the server knows it. */
      name: z.string().default('qwen2.5-coder:7b'),
      /** Ollama host; OLLAMA_HOST overrides it. */
      host: z.string().default('http://127.0.0.1:11434'),
      /** Base URL of an OpenAI-compatible server (provider `openai`). */
      baseUrl: z.string().default('http://127.0.0.1:8080/v1'),
      /** Environment variable that holds the OpenAI-compatible server's API key, if it needs one. */
      apiKeyEnv: z.string().default('OPENAI_API_KEY'),
      /** Upper bound on the context window used; 0 means the model's own maximum. */
      contextLength: z.number().int().min(0).default(0),
      /** Tokens kept free for the model's answer. */
      outputReserve: z.number().int().positive().default(4_096),
      /** How long Ollama keeps the model loaded between requests. */
      keepAlive: z.string().default('30m'),
      temperature: z.number().min(0).max(2).default(0.2),
      /** Milliseconds before a model request is abandoned. */
      requestTimeoutMs: z.number().int().positive().default(600_000),
      /** Retries on transient failures (connection reset, 5xx). */
      retries: z.number().int().min(0).default(3),
    })
    .prefault({}),
  agent: z
    .strictObject({
      maxIterations: z.number().int().positive().default(8),
      /** Total prompt plus output tokens a run may spend. */
      maxTokens: z.number().int().positive().default(1_000_000),
      /** Test command; empty means detect it from the project. */
      testCommand: z.string().default(''),
      /** Seconds before a test run is killed with its children. */
      testTimeoutSec: z.number().int().positive().default(600),
      /** `auto`: native tool calls when the model supports them; `text`: always the JSON text protocol. */
      toolProtocol: z.enum(['auto', 'text']).default('auto'),
    })
    .prefault({}),
  ci: z
    .strictObject({
      /** Issue label that asks the bot to act. */
      label: z.string().default('ragent'),
      /** Author associations the bot acts for. */
      trustedAssociations: z.array(z.string()).default(['OWNER', 'MEMBER', 'COLLABORATOR']),
      branchPrefix: z.string().default('ragent/'),
    })
    .prefault({}),
  eval: z
    .strictObject({
      /** HumanEval file (JSONL or .jsonl.gz) for `ragent eval humaneval` without --dataset; empty means none. */
      humanevalDataset: z.string().default(''),
      /** MBPP file for `ragent eval mbpp` without --dataset; empty means none. */
      mbppDataset: z.string().default(''),
    })
    .prefault({}),
});

export type RagentConfig = z.infer<typeof configSchema>;
