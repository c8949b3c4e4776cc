/**
 * What the planner loop needs from the outside, injected so the terminal session, the one-shot run and the CI
 * bot all drive the same loop: the model, the index, the edit session, the test runner, the configuration, an
 * approval callback and a cancellation signal. `createAgentDeps` (agent/wire.ts) builds the real ones.
 */

import type { IndexReader } from '../indexers/types.js';
import type { RagentConfig } from '../src/config/schema.js';
import type { ModelClient } from '../src/model/types.js';
import type { TokenCounter } from '../src/util/tokens.js';
import type { Edit } from './edits/types.js';
import type { TestRun } from './verify/types.js';

/** An edit about to be written, shown to whoever approves it. */
export interface EditProposal {
  path: string;
  /** Unified diff of the file before and after. */
  diff: string;
  /** The tool that asked for it. */
  tool: string;
}

/** The user's answer to a proposal: `true`, `false`, or a refusal with a reason the model is told. */
export type Approval = boolean | { approved: boolean; reason?: string };

/** Asks before each edit is written; absent means every edit is approved. */
export type ApproveEdit = (proposal: EditProposal) => Promise<Approval>;

/** The edit session the loop writes through: previews, atomic writes, an undo stack and the patch. */
export interface EditPort {
  /** The change `edit` would make, without writing anything; throws an EditError the model can act on. */
  preview(edit: Edit): Promise<{ path: string; diff: string }>;
  /**
   * Write the edit (re-checked against the file as it is now); throws an EditError. `matchedBy` says how a
   * search block was found when it was not found exactly (`whitespace`, `indentation`, `fuzzy`).
   */
  apply(edit: Edit): Promise<{ path: string; diff: string; matchedBy?: string }>;
  /** Repository-relative paths changed so far. */
  changedFiles(): string[];
  /** Unified diff of every applied edit against the originals ('' when none). */
  diff(): Promise<string>;
  /** Read a file of the repository, confined like edits are (outside paths, `.git/`, binary files refused). */
  readText(path: string): Promise<string>;
}

/** The project's tests, as the configured or detected command runs them. */
export interface TestPort {
  /** The test command, or null when none is configured or detected. */
  readonly command: string | null;
  /** Run the whole suite, or only the given test files. */
  run(opts: { only?: string[]; signal?: AbortSignal }): Promise<TestRun>;
  /** Test files related to the changed files (empty when the runner cannot select). */
  related(changedFiles: string[]): Promise<string[]>;
  /** The failures trimmed for the model. */
  summarize(run: TestRun, maxChars: number): string;
  /** Whether a repository path is a test file (so the result can say when tests themselves were edited). */
  isTestFile?(path: string): boolean;
}

/** Code search and context packing over the index. */
export interface RetrievalPort {
  search(query: string, k: number): Promise<SearchHit[]>;
  pack(task: string, budget: number): Promise<PackedContext>;
}

export interface SearchHit {
  path: string;
  startLine: number;
  endLine: number;
  name: string;
  kind: string;
  score: number;
  signature?: string;
}

export interface PackedContext {
  tokens: number;
  text: string;
  items: { path: string; startLine: number; endLine: number; kind: string; reason: string; tokens: number }[];
}

export interface AgentDeps {
  /** Repository root the run works in. */
  root: string;
  config: RagentConfig;
  model: ModelClient;
  /** Null when the repository has no index: the model then starts from the tools alone. */
  retrieval: RetrievalPort | null;
  edits: EditPort;
  tests: TestPort;
  approve?: ApproveEdit;
  signal?: AbortSignal;
  /** Token counter matching the model as closely as ragent can (default: cl100k). */
  counter?: TokenCounter;
  /** Kept for closing: the index the retrieval port reads. */
  index?: IndexReader | null;
}
