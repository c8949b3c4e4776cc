/** The mutable state of one run, shared by the loop, the model turn and the tool dispatcher. */

import type { ModelInfo } from '../src/model/types.js';
import type { TokenCounter } from '../src/util/tokens.js';
import type { Conversation } from './conversation.js';
import type { AgentDeps } from './deps.js';
import type { Protocol } from './protocol.js';
import type { TestRun } from './testing.js';

export interface RunState {
  readonly task: string;
  readonly deps: AgentDeps;
  readonly counter: TokenCounter;
  info: ModelInfo;
  protocol: Protocol;
  conversation: Conversation;
  /** Prompt tokens sent besides the messages (the native tool schemas). */
  overheadTokens: number;
  /** Most prompt tokens (our count) to send; lowered once when the server truncated a prompt. */
  promptCap: number;
  /** The run before any edit; null without a test command. */
  baseline: TestRun | null;
  /** The tests the task is about (named in it, or failing at baseline). */
  targets: string[];
  /** The last full-suite run; it reflects the files only while `dirty` is false. */
  lastFull: TestRun | null;
  /** Edits were applied since `lastFull`. */
  dirty: boolean;
  /** Completed edit-and-verify rounds. */
  iterations: number;
  /** Edits applied in the current round. */
  roundEdits: number;
  /** Model turns so far. */
  turns: number;
  tokens: { prompt: number; output: number };
  /** The model's summary from `finish`, or why the run stopped. */
  summary: string;
  /** `finish` was accepted. */
  done: boolean;
  /** Why the loop stopped early (budget spent, no progress), when it did. */
  stopReason: string;
}

/** Whether the run has changed any file. */
export function hasChanges(s: RunState): boolean {
  return s.deps.edits.changedFiles().length > 0;
}
