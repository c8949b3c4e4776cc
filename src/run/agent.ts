import type { ApproveEdit } from '../../agent/deps.js';
import { closeAgentDeps, createAgentDeps } from '../../agent/wire.js';
import { calibrationFile } from '../../agent/ports.js';
import { runAgent } from '../../agent/run.js';
import { indexRepository } from '../../indexers/index-repository.js';
import type { IndexProgress } from '../../indexers/types.js';
import type { RagentConfig } from '../config/schema.js';
import { ModelUnavailableError } from '../errors.js';
import { createModelClient } from '../model/create.js';
import type { ChatOptions, ChatMessage, ModelClient } from '../model/types.js';
import { redactor as defaultRedactor, type Redactor } from '../util/redact.js';
import type { AgentSession, PipelineDeps } from './pipeline.js';

/** The real agent stage behind the one-shot pipeline: model check, incremental index update, the planner loop. */

/**
 * The model client with a memory of the last "model unavailable" failure, so a run the loop ended on such an
 * error still exits with code 3 (the loop reports errors as data, without their class).
 */
function watched(inner: ModelClient, redactor: Redactor): { client: ModelClient; unavailable: () => ModelUnavailableError | null } {
  let last: ModelUnavailableError | null = null;
  const note = (err: unknown): never => {
    if (err instanceof ModelUnavailableError) last = err;
    throw err;
  };
  const client: ModelClient = {
    info: () => inner.info().catch(note),
    async *chat(messages: ChatMessage[], options?: ChatOptions) {
      try {
        // Test output the model reads could carry a secret (a test printing git's credentials): mask it first.
        yield* inner.chat(redactor.active ? redactor.redactValue(messages) : messages, options);
      } catch (err) {
        note(err);
      }
    },
    complete: (prompt, options) => inner.complete(redactor.redact(prompt), options).catch(note),
    embed: (texts, signal) => inner.embed(texts, signal).catch(note),
  };
  return { client, unavailable: () => last };
}

export interface AgentPipelineOptions {
  onIndexProgress?: (p: IndexProgress) => void;
  /** Secrets to mask in everything sent to the model (default: the process-wide redactor). */
  redactor?: Redactor;
  /** A policy every edit must pass, built for the worktree the run uses (the CI bot's guard). */
  approve?: (root: string, config: RagentConfig) => ApproveEdit;
}

/** Pipeline dependencies wired to the real model, index and agent loop. */
export function agentPipelineDeps(opts: AgentPipelineOptions = {}): PipelineDeps {
  return {
    async checkModel(config: RagentConfig) {
      await createModelClient(config).info();
    },
    async updateIndex(root: string, config: RagentConfig, signal?: AbortSignal) {
      const stats = await indexRepository(root, config, opts.onIndexProgress, signal ? { signal } : {});
      return `${stats.files} files, ${stats.chunks} chunks; ${stats.changed} re-indexed, ${stats.removed} removed (${stats.ms} ms)`;
    },
    async startAgent(task: string, root: string, config: RagentConfig, signal?: AbortSignal): Promise<AgentSession> {
      const model = watched(createModelClient(config, { calibrationFile: calibrationFile(root) }), opts.redactor ?? defaultRedactor);
      const approve = opts.approve?.(root, config);
      const deps = await createAgentDeps(root, config, { index: 'open', model: model.client, ...(signal ? { signal } : {}), ...(approve ? { approve } : {}) });
      return {
        events: runAgent(task, deps),
        close: () => closeAgentDeps(deps),
        modelUnavailable: model.unavailable,
      };
    },
  };
}
