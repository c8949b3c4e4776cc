/**
 * Test runs inside the loop: the baseline before any edit, and verification after edits (the tests related to
 * the changed files first, then the full suite), each announced with `test_started` / `test_finished`.
 */

import type { TestPort } from './deps.js';
import type { AgentEvent, TestScope } from './events.js';
import { runPassed, summarizeRun } from './judge.js';

export type TestRun = Awaited<ReturnType<TestPort['run']>>;

// Views show the end of the output, where runners print their summaries.
const EVENT_OUTPUT_CHARS = 8_000;

/**
 * Run the tests once, yielding start and finish events. A run asked for some files that the runner could not
 * limit ran the whole suite: it finishes as `full`, and the returned scope says so.
 */
export async function* runScoped(tests: TestPort, scope: TestScope, only: string[], signal?: AbortSignal): AsyncGenerator<AgentEvent, TestRun> {
  yield { type: 'test_started', scope, command: tests.command ?? '', files: only };
  const run = await tests.run({ only: only.length ? only : undefined, signal });
  signal?.throwIfAborted();
  const ran = scopeOf(run, scope);
  yield { type: 'test_finished', scope: ran, run: summarizeRun(run, ran), output: tail(run.output, EVENT_OUTPUT_CHARS) };
  return run;
}

/** The scope a run really had. */
function scopeOf(run: TestRun, asked: TestScope): TestScope {
  return asked === 'related' && run.only === null ? 'full' : asked;
}

/**
 * Verify the current state: related tests first when the runner can select them, and the full suite only when
 * those pass (a failing related test is reported at once, without the wait for the whole suite).
 */
export async function* verifyChanges(tests: TestPort, changed: string[], signal?: AbortSignal): AsyncGenerator<AgentEvent, { run: TestRun; scope: TestScope }> {
  const related = changed.length ? await tests.related(changed) : [];
  if (related.length) {
    const run = yield* runScoped(tests, 'related', related, signal);
    if (scopeOf(run, 'related') === 'full') return { run, scope: 'full' };
    if (!runPassed(run)) return { run, scope: 'related' };
  }
  const run = yield* runScoped(tests, 'full', [], signal);
  return { run, scope: 'full' };
}

function tail(text: string, max: number): string {
  return text.length <= max ? text : '…' + text.slice(text.length - max + 1);
}
