/**
 * Carries out one tool call for the model. Every failure (unknown tool, malformed arguments, an edit that
 * cannot apply, a path outside the repository) becomes an `ok: false` result whose output tells the model
 * what went wrong; only failures that are not the model's to fix (the disk, the runner) propagate.
 */

import { CancelledError, RagentError } from '../src/errors.js';
import { loadPrompt } from '../src/util/prompts.js';
import type { AgentEvent, TestScope } from './events.js';
import { judge, outcomeFor, runPassed } from './judge.js';
import type { ProposedCall } from './protocol.js';
import { hasChanges, type RunState } from './state.js';
import { verifyChanges, type TestRun } from './testing.js';
import { performEdit } from './tools/edit.js';
import { listSymbols, readFile, searchCode, stripLineNumbers } from './tools/read.js';
import { isToolName, toolNames, validateArgs, type ToolName } from './tools/specs.js';

export interface ToolOutcome {
  ok: boolean;
  /** One line for views. */
  summary: string;
  /** What the model is given back. */
  output: string;
  /** The call ran the tests after edits: one edit-and-verify round ended. */
  round?: { run: TestRun; scope: TestScope };
}

// Shares of the prompt window one file read and one failure report may take (at about three characters a
// token), so neither crowds out the code in a small window.
const READ_SHARE = 0.25;
const FAILURE_SHARE = 0.15;
const MAX_FAILURE_CHARS = 4_000;
const CHARS_PER_TOKEN = 3;

function windowChars(s: RunState, share: number): number {
  const window = s.info.numCtx - s.deps.config.model.outputReserve - s.overheadTokens;
  return Math.floor(Math.max(0, window) * share * CHARS_PER_TOKEN);
}

function readLimit(s: RunState): number {
  return Math.max(2_000, windowChars(s, READ_SHARE));
}

function failureLimit(s: RunState): number {
  return Math.max(1_000, Math.min(MAX_FAILURE_CHARS, windowChars(s, FAILURE_SHARE)));
}

/** Run one proposed call, yielding the events it causes (edits, test runs). */
export async function* dispatch(call: ProposedCall, s: RunState): AsyncGenerator<AgentEvent, ToolOutcome> {
  if (call.problem) return fail(`${call.problem}. Answer with one JSON object: {"thought": "...", "tool": "<tool name>", "arguments": {...}}.`, 'unreadable call');
  if (!isToolName(call.name)) {
    return fail(`unknown tool "${call.name}". The tools are: ${toolNames().join(', ')}.`, `unknown tool ${call.name}`);
  }
  const checked = validateArgs(call.name, call.args);
  if (!checked.ok) return fail(`malformed arguments for ${call.name}: ${checked.problem}`, 'malformed arguments');
  const a = checked.args;
  const str = (k: string): string => a[k] as string;
  // Code copied with the `N| ` prefixes it was shown with is taken without them.
  const code = (k: string): string => stripLineNumbers(str(k)) ?? str(k);
  const int = (k: string): number | undefined => a[k] as number | undefined;
  try {
    switch (call.name as ToolName) {
      case 'search_code':
        return ok(await searchCode(s.deps.retrieval, str('query')));
      case 'read_file':
        return ok(await readFile(s.deps.edits, str('path'), int('start_line'), int('end_line'), readLimit(s)));
      case 'list_symbols':
        return ok(await listSymbols(s.deps.edits, str('path')));
      case 'edit_file':
        return yield* edit(s, call.name, { type: 'search_replace', path: str('path'), search: code('search'), replace: code('replace') });
      case 'replace_symbol':
        return yield* edit(s, call.name, { type: 'replace_symbol', path: str('path'), symbol: str('symbol'), code: code('code') });
      case 'create_file':
        return yield* edit(s, call.name, { type: 'create_file', path: str('path'), content: str('content') });
      case 'run_tests':
        return yield* runTests(s);
      case 'finish':
        return yield* finish(s, str('summary'));
    }
  } catch (err) {
    if (err instanceof RagentError && !(err instanceof CancelledError)) return fail(err.hint ? `${err.message}\n${err.hint}` : err.message, err.message);
    throw err;
  }
  return fail(`unknown tool "${call.name}"`, 'unknown tool');
}

async function* edit(s: RunState, tool: string, e: Parameters<typeof performEdit>[0]): AsyncGenerator<AgentEvent, ToolOutcome> {
  const out = yield* performEdit(e, tool, s.deps.edits, s.deps.approve, s.deps.signal);
  if (out.applied) {
    s.dirty = true;
    s.roundEdits++;
  }
  return { ok: out.ok, summary: out.summary, output: out.output };
}

async function* runTests(s: RunState): AsyncGenerator<AgentEvent, ToolOutcome> {
  const tests = s.deps.tests;
  if (!tests.command) return fail('there is no test command: none is configured (agent.testCommand) and none was detected.', 'no test command');
  if (!hasChanges(s) && s.baseline) {
    return { ok: true, summary: 'no change since the baseline', output: reflection(s, s.baseline, 'baseline', 'Nothing has changed since the baseline run, so these are its results.') };
  }
  const round = yield* verifyChanges(tests, s.deps.edits.changedFiles(), s.deps.signal);
  record(s, round);
  return { ok: true, summary: countsOf(round.run), output: reflection(s, round.run, round.scope, verdictOf(s, round)), round };
}

async function* finish(s: RunState, summary: string): AsyncGenerator<AgentEvent, ToolOutcome> {
  s.summary = summary;
  const tests = s.deps.tests;
  if (!hasChanges(s) || !tests.command) {
    s.done = true;
    return { ok: true, summary: 'finished', output: 'Finished.' };
  }
  let round: ToolOutcome['round'];
  if (s.dirty || !s.lastFull) {
    round = yield* verifyChanges(tests, s.deps.edits.changedFiles(), s.deps.signal);
    record(s, round);
    if (round.scope === 'related') {
      return { ok: false, summary: 'finish refused: related tests fail', output: reflection(s, round.run, round.scope, `Not finished: ${verdictOf(s, round)}`), round };
    }
  }
  const criteria = judge({ hasTestCommand: true, baseline: s.baseline, final: s.dirty ? null : s.lastFull, targets: s.targets, changed: true });
  if (outcomeFor(true, true, criteria) !== 'failed') {
    s.done = true;
    return { ok: true, summary: 'finished', output: `Finished. ${criteria.statement}`, round };
  }
  const run = round?.run ?? s.lastFull!;
  const scope = round?.scope ?? 'full';
  return { ok: false, summary: 'finish refused: tests fail', output: reflection(s, run, scope, `Not finished: ${criteria.statement}`), round };
}

/** Keep a full-suite run as the state of the files it saw. */
export function record(s: RunState, round: { run: TestRun; scope: TestScope }): void {
  if (round.scope === 'full') {
    s.lastFull = round.run;
    s.dirty = false;
  }
}

function verdictOf(s: RunState, round: { run: TestRun; scope: TestScope }): string {
  const criteria = judge({ hasTestCommand: true, baseline: s.baseline, final: round.run, targets: s.targets, changed: true });
  if (round.scope === 'related') {
    const n = criteria.regressions.length;
    const lead = n ? `${n} test(s) that passed before now fail: ${criteria.regressions.join(', ')}. ` : '';
    return `${lead}Tests related to your change fail, so the full suite was not run.`;
  }
  const done = outcomeFor(true, true, criteria) === 'verified';
  return done ? `${criteria.statement} Call finish with a summary.` : criteria.statement;
}

/** The reflection prompt for a test run: counts, verdict, trimmed failures, rounds left. */
export function reflection(s: RunState, run: TestRun, scope: TestScope, verdict: string): string {
  const failures = runPassed(run) ? '' : s.deps.tests.summarize(run, failureLimit(s));
  const remaining = Math.max(0, s.deps.config.agent.maxIterations - s.iterations - 1);
  return loadPrompt('reflection', { scope: scopeName(scope), counts: countsOf(run), verdict, failures, remaining: String(remaining) }).replace(/\n{3,}/g, '\n\n');
}

function scopeName(scope: TestScope): string {
  return scope === 'related' ? 'the tests related to the changed files' : scope === 'full' ? 'the full suite' : 'before any change';
}

/** `5 passed, 1 failed`, or the exit code when the output could not be read per test. */
export function countsOf(run: TestRun): string {
  if (run.timedOut) return `timed out after ${Math.round(run.durationMs / 1000)} s`;
  if (run.parsed) return `${run.passed} passed, ${run.failed} failed`;
  return `exit code ${run.exitCode} (per-test results could not be read)`;
}

function ok(r: { output: string; summary: string }): ToolOutcome {
  return { ok: true, ...r };
}

function fail(output: string, summary: string): ToolOutcome {
  return { ok: false, output, summary };
}
