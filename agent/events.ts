/**
 * What the planner loop emits. Every event is a plain JSON-serializable object: the terminal UI renders them,
 * the one-shot run prints them as text or JSON lines (and writes them to a transcript), the CI bot reads the
 * final `result`. Nothing here holds functions, class instances or cycles.
 */

import type { ChatMessage, ToolCall } from '../src/model/types.js';

/**
 * How a run ended.
 * - `verified`: files changed, the tests ran, and both done criteria hold.
 * - `unverified`: files changed but the tests could not tell (no test command, or results unknown).
 * - `no_change`: no edit was applied.
 * - `failed`: files changed and a done criterion does not hold, or the run stopped on an error.
 * - `cancelled`: the caller aborted the run.
 */
export type Outcome = 'verified' | 'unverified' | 'no_change' | 'failed' | 'cancelled';

/** Which tests a run covered: the baseline before any edit, the tests related to the changed files, or all. */
export type TestScope = 'baseline' | 'related' | 'full';

/** A test run reduced to what views and the result need. */
export interface TestSummary {
  scope: TestScope;
  command: string;
  exitCode: number | null;
  timedOut: boolean;
  /** False when the runner's output could not be parsed per test; counts then come from the exit code only. */
  parsed: boolean;
  passed: number;
  failed: number;
  /** Names of the failing tests (file-qualified when the runner says which file). */
  failing: string[];
  durationMs: number;
}

/**
 * The two done criteria, each `true`, `false`, or `null` when it cannot be known (no test command, or output
 * that could not be parsed), with the evidence and one honest sentence.
 */
export interface DoneCriteria {
  /** No test that passed at baseline fails now. */
  noRegressions: boolean | null;
  /** The tests the task is about (named in the task, or failing at baseline) pass. */
  taskTestsPass: boolean | null;
  /** Tests that passed at baseline and fail now. */
  regressions: string[];
  /** The tests the task is about, as identified before editing. */
  targetTests: string[];
  /** Target tests that do not pass at the end. */
  stillFailing: string[];
  /** Test files the change edits, when any: passing tests prove less when the tests were changed too. */
  testFilesChanged?: string[];
  statement: string;
}

export interface AgentResult {
  outcome: Outcome;
  /** Unified diff of every applied edit against the original files (`git apply` accepts it); '' when none. */
  patch: string;
  filesChanged: string[];
  testCommand: string | null;
  testsBefore: TestSummary | null;
  testsAfter: TestSummary | null;
  /** Edit-and-verify rounds used. */
  iterations: number;
  tokens: { prompt: number; output: number };
  /** The model's own summary (from `finish`), or why the run stopped. */
  summary: string;
  criteria: DoneCriteria;
  /** Set when the run stopped on an error. */
  error?: { message: string; hint?: string };
}

/** One item of the packed context, as shown to the user. */
export interface RetrievalItem {
  path: string;
  startLine: number;
  endLine: number;
  kind: string;
  reason: string;
  tokens: number;
}

export type AgentEvent =
  | {
      type: 'start';
      task: string;
      root: string;
      model: string;
      /** The window sent on every request. */
      numCtx: number;
      /** `native` tool calls, or the structured `text` protocol for models without them. */
      protocol: 'native' | 'text';
      testCommand: string | null;
    }
  | { type: 'retrieval'; items: RetrievalItem[]; tokens: number; budget: number }
  /**
   * Messages added to the conversation since the previous request, and our count of the whole prompt. After
   * old output was condensed, `full` is true and `messages` is the whole conversation as sent.
   */
  | { type: 'model_request'; turn: number; messages: ChatMessage[]; promptTokens: number; full?: true }
  | { type: 'model_delta'; text: string }
  /** The model's raw output for one turn. */
  | { type: 'model_response'; turn: number; text: string; toolCalls: ToolCall[]; doneReason: string }
  | { type: 'tool_call'; id: string; name: string; args: Record<string, unknown> }
  /** `output` is exactly what the model is given back; `summary` is one line for views. */
  | { type: 'tool_result'; id: string; name: string; ok: boolean; summary: string; output: string }
  | { type: 'edit_proposed'; path: string; diff: string }
  | { type: 'edit_applied'; path: string; diff: string }
  | { type: 'edit_rejected'; path: string; diff: string; reason: string }
  | { type: 'test_started'; scope: TestScope; command: string; files: string[] }
  /** `output` is the tail of the runner's output. */
  | { type: 'test_finished'; scope: TestScope; run: TestSummary; output: string }
  | { type: 'iteration'; n: number; summary: string }
  | { type: 'usage'; prompt: number; output: number; totalPrompt: number; totalOutput: number }
  /** Old tool output was dropped from the conversation to stay inside the window. */
  | { type: 'context_condensed'; messages: number; tokensFreed: number }
  | { type: 'error'; message: string; hint?: string; fatal: boolean }
  | { type: 'result'; result: AgentResult };

/** The event types, for views that switch on them exhaustively. */
export type AgentEventType = AgentEvent['type'];
