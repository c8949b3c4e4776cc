/**
 * Real dependencies for `runAgent`, built from the configuration: the model client, the index (updated, then
 * opened) behind retrieval, an edit session on the working tree, and the project's test command.
 */

import { indexRepository } from '../indexers/index-repository.js';
import { openIndex } from '../indexers/store/index.js';
import type { IndexProgress, IndexReader } from '../indexers/types.js';
import type { RagentConfig } from '../src/config/schema.js';
import { createModelClient } from '../src/model/create.js';
import type { ModelClient } from '../src/model/types.js';
import type { AgentDeps, ApproveEdit, TestPort } from './deps.js';
import { EditSession } from './edits/session.js';
import { calibrationFile, editPort, retrievalPort, tokenCounter } from './ports.js';
import { detectTestCommand, isTestFile, relatedTests, runTests, summarizeFailures } from './verify/index.js';

// Runner output kept in memory per test run; the end is kept, where the summaries are.
const TEST_OUTPUT_CAP = 1_000_000;

export interface WireOptions {
  /** `update` re-indexes what changed, then opens (default); `open` uses the index as it is; `none` skips it. */
  index?: 'update' | 'open' | 'none';
  onIndexProgress?: (p: IndexProgress) => void;
  approve?: ApproveEdit;
  signal?: AbortSignal;
  /** A model client to use instead of the configured one. */
  model?: ModelClient;
}

/** Build the real dependencies for a run in `root`. Close them with `closeAgentDeps` when done. */
export async function createAgentDeps(root: string, config: RagentConfig, opts: WireOptions = {}): Promise<AgentDeps> {
  const counter = tokenCounter(root, config);
  const model = opts.model ?? createModelClient(config, { calibrationFile: calibrationFile(root) });
  let index: IndexReader | null = null;
  if (opts.index !== 'none') {
    if ((opts.index ?? 'update') === 'update') await indexRepository(root, config, opts.onIndexProgress, { signal: opts.signal });
    index = await openIndex(root, config);
  }
  return {
    root,
    config,
    model,
    retrieval: index ? retrievalPort(index, counter, config, opts.signal) : null,
    edits: editPort(new EditSession(root)),
    tests: testPort(root, config),
    counter,
    index,
    ...(opts.approve ? { approve: opts.approve } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
  };
}

/** Release what `createAgentDeps` opened. */
export async function closeAgentDeps(deps: AgentDeps): Promise<void> {
  await deps.index?.close();
}

/** The project's tests: the configured command, else the detected one. */
export function testPort(root: string, config: RagentConfig): TestPort {
  const detected = detectTestCommand(root, config);
  const timeoutMs = config.agent.testTimeoutSec * 1000;
  return {
    command: detected?.command ?? null,
    async run({ only, signal }) {
      return runTests(root, detected!, { timeoutMs, ...(signal ? { signal } : {}), ...(only ? { only } : {}), outputCap: TEST_OUTPUT_CAP });
    },
    async related(changed) {
      return detected ? relatedTests(root, changed, detected.runner) : [];
    },
    summarize: (run, maxChars) => summarizeFailures(run, maxChars),
    isTestFile: (path) => isTestFile(path, detected?.runner ?? 'custom'),
  };
}
