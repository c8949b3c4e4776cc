/**
 * The planner loop. `runAgent(task, deps)` runs the baseline tests, packs the context for the task, then lets
 * the model search, read, edit and run the tests until the task is done or the budget is spent, and ends with a
 * result. Every interface (terminal session, one-shot run, CI bot) consumes the events it yields.
 */

import { CancelledError, RagentError } from '../src/errors.js';
import { loadPrompt } from '../src/util/prompts.js';
import { bpeCounter } from '../src/util/tokens.js';
import { Conversation } from './conversation.js';
import type { AgentDeps } from './deps.js';
import { countsOf, dispatch, record, reflection } from './dispatch.js';
import type { AgentEvent, AgentResult } from './events.js';
import { judge, outcomeFor, summarizeRun, targetTests } from './judge.js';
import { protocolFor } from './protocol.js';
import { hasChanges, type RunState } from './state.js';
import { runScoped, verifyChanges, type TestRun } from './testing.js';
import { modelTurn } from './turn.js';

// Model turns allowed between two test runs before the loop calls it a round (or gives up without edits).
const TURNS_PER_ROUND = 12;
// Answers without a tool call tolerated in a row before the run ends.
const MAX_NUDGES = 2;
// Share of the window kept for the conversation (tool output, edits, test failures) after the packed context.
const CONVERSATION_SHARE = 0.3;
const MIN_CONVERSATION_ROOM = 2_000;
// A context budget below this is not worth a retrieval: the model starts from the tools alone.
const MIN_CONTEXT_BUDGET = 256;
// The task prompt names at most this many target tests; a long list would crowd out the code.
const MAX_LISTED_TARGETS = 30;

/** Run the agent on `task`; yields events and returns (and yields last) the result. */
export async function* runAgent(task: string, deps: AgentDeps): AsyncGenerator<AgentEvent, AgentResult> {
  const s = newState(task, deps);
  let error: { message: string; hint?: string } | undefined;
  let cancelled = false;
  try {
    yield* prepare(s);
    yield* loop(s);
    if (hasChanges(s) && s.dirty && deps.tests.command && !s.done) {
      // The loop stopped with edits the full suite has not seen: run it so the result is not a guess.
      const run = yield* runScoped(deps.tests, 'full', [], deps.signal);
      record(s, { run, scope: 'full' });
    }
  } catch (err) {
    if (deps.signal?.aborted || err instanceof CancelledError) cancelled = true;
    else {
      error = describe(err);
      yield { type: 'error', ...error, fatal: true };
    }
  }
  const result = await buildResult(s, cancelled, error);
  yield { type: 'result', result };
  return result;
}

function newState(task: string, deps: AgentDeps): RunState {
  const counter = deps.counter ?? bpeCounter();
  return {
    task,
    deps,
    counter,
    info: { name: deps.config.model.name, contextLength: 0, numCtx: 0, supportsTools: false },
    protocol: protocolFor(false),
    conversation: new Conversation(counter),
    overheadTokens: 0,
    promptCap: Infinity,
    baseline: null,
    targets: [],
    lastFull: null,
    dirty: false,
    iterations: 0,
    roundEdits: 0,
    turns: 0,
    tokens: { prompt: 0, output: 0 },
    summary: '',
    done: false,
    stopReason: '',
  };
}

/** Model facts, the baseline test run, the packed context, and the opening messages. */
async function* prepare(s: RunState): AsyncGenerator<AgentEvent, void> {
  const { deps } = s;
  s.info = await deps.model.info();
  s.protocol = protocolFor(s.info.supportsTools && deps.config.agent.toolProtocol !== 'text');
  const offered = s.protocol.chatOptions().tools;
  s.overheadTokens = offered ? s.counter.count(JSON.stringify(offered)) : 0;
  const command = deps.tests.command;
  yield { type: 'start', task: s.task, root: deps.root, model: s.info.name, numCtx: s.info.numCtx, protocol: s.protocol.kind, testCommand: command };

  if (command) {
    s.baseline = yield* runScoped(deps.tests, 'baseline', [], deps.signal);
    s.targets = targetTests(s.task, s.baseline);
  }

  const system = loadPrompt('system', { test_command: command ? `\`${command}\`` : 'none configured or detected; run_tests is unavailable', tool_instructions: s.protocol.instructions() });
  const baseline = baselineText(s.baseline, s.targets);
  const window = s.info.numCtx - deps.config.model.outputReserve;
  const fixed = s.overheadTokens + s.counter.count(system) + s.counter.count(loadPrompt('task', { task: s.task, baseline, context: '' }));
  const budget = Math.max(0, window - fixed - Math.max(MIN_CONVERSATION_ROOM, Math.floor(window * CONVERSATION_SHARE)));

  let context = 'No code was retrieved up front (the repository has no index); use the tools to find it.';
  let retrieved = false;
  if (deps.retrieval && budget >= MIN_CONTEXT_BUDGET) {
    try {
      const packed = await deps.retrieval.pack(s.task, budget);
      yield { type: 'retrieval', items: packed.items.map((i) => ({ ...i })), tokens: packed.tokens, budget };
      if (packed.text.trim()) context = packed.text;
      retrieved = true;
    } catch (err) {
      if (deps.signal?.aborted || err instanceof CancelledError) throw err;
      // The model can still find the code with its tools; the user is told what went wrong.
      yield { type: 'error', ...describe(err), fatal: false };
    }
  }
  if (!retrieved) yield { type: 'retrieval', items: [], tokens: 0, budget };
  s.conversation.add({ role: 'system', content: system }, 'system');
  const lean = loadPrompt('task', { task: s.task, baseline, context: 'The code that was here was dropped to make room; use search_code and read_file.' });
  s.conversation.add({ role: 'user', content: loadPrompt('task', { task: s.task, baseline, context }) }, 'task', lean);
}

/** Turns until `finish` is accepted or a budget is spent. */
async function* loop(s: RunState): AsyncGenerator<AgentEvent, void> {
  const { deps } = s;
  const { maxIterations, maxTokens } = deps.config.agent;
  let nudges = 0;
  let turnsThisRound = 0;
  while (!s.done) {
    deps.signal?.throwIfAborted();
    if (s.tokens.prompt + s.tokens.output >= maxTokens) {
      s.stopReason = `the token budget (agent.maxTokens = ${maxTokens}) is spent`;
      return;
    }
    if (turnsThisRound >= TURNS_PER_ROUND && s.roundEdits === 0) {
      s.stopReason = `the model made no edit in ${TURNS_PER_ROUND} turns`;
      return;
    }
    const turn = yield* modelTurn(s);
    turnsThisRound++;
    if (!turn) continue;

    let calls = turn.calls;
    if (calls.length === 0) {
      // An answer without a call: after edits it is the model's way of saying it is done.
      if (hasChanges(s)) calls = [{ id: 'implicit_finish', name: 'finish', args: { summary: turn.text.trim() || 'done' } }];
      else if (++nudges > MAX_NUDGES) {
        s.summary = turn.text.trim();
        s.stopReason = 'the model stopped without calling a tool';
        return;
      } else {
        const output = loadPrompt('nudge', { when_done: '; call finish when the task is done' });
        s.conversation.add({ role: 'user', content: output }, 'feedback');
        continue;
      }
    }
    nudges = 0;

    for (const call of calls) {
      if (s.done) break;
      const args = typeof call.args === 'object' && call.args !== null && !Array.isArray(call.args) ? (call.args as Record<string, unknown>) : { raw: call.args };
      yield { type: 'tool_call', id: call.id, name: call.name, args };
      const out = yield* dispatch(call, s);
      yield { type: 'tool_result', id: call.id, name: call.name, ok: out.ok, summary: out.summary, output: out.output };
      s.conversation.add(s.protocol.resultMessage(call, out.output), 'tool');
      if (!out.round) continue;
      s.iterations++;
      yield { type: 'iteration', n: s.iterations, summary: `${s.roundEdits} edit(s) applied; ${out.round.scope === 'related' ? 'related tests' : 'tests'}: ${countsOf(out.round.run)}` };
      s.roundEdits = 0;
      turnsThisRound = 0;
      if (!s.done && s.iterations >= maxIterations) {
        s.stopReason = `the iteration budget (agent.maxIterations = ${maxIterations}) is spent`;
        return;
      }
    }
    if (turnsThisRound >= TURNS_PER_ROUND && s.roundEdits > 0 && !s.done) {
      // Many edits and no test run: verify for the model (when there are tests), as a round of its own, so
      // the iteration budget bounds the run either way.
      let summary = `${s.roundEdits} edit(s) applied; no test command`;
      if (deps.tests.command) {
        const round = yield* verifyChanges(deps.tests, deps.edits.changedFiles(), deps.signal);
        record(s, round);
        summary = `${s.roundEdits} edit(s) applied; tests: ${countsOf(round.run)}`;
        s.conversation.add({ role: 'user', content: reflection(s, round.run, round.scope, '') }, 'feedback');
      }
      s.iterations++;
      yield { type: 'iteration', n: s.iterations, summary };
      s.roundEdits = 0;
      turnsThisRound = 0;
      if (s.iterations >= maxIterations) {
        s.stopReason = `the iteration budget (agent.maxIterations = ${maxIterations}) is spent`;
        return;
      }
    }
  }
}

function baselineText(baseline: TestRun | null, targets: string[]): string {
  if (!baseline) return 'No test command was found, so there is no baseline.';
  const head = `\`${baseline.command}\`: ${countsOf(baseline)}.`;
  if (!targets.length) return baseline.exitCode === 0 ? `${head} Every test passes before any change.` : head;
  const shown = targets.slice(0, MAX_LISTED_TARGETS).map((t) => `- ${t}`);
  if (targets.length > MAX_LISTED_TARGETS) shown.push(`- and ${targets.length - MAX_LISTED_TARGETS} more`);
  return `${head}\nThe tests this task is about (they must pass when you finish):\n${shown.join('\n')}`;
}

async function buildResult(s: RunState, cancelled: boolean, error?: { message: string; hint?: string }): Promise<AgentResult> {
  const { deps } = s;
  const filesChanged = deps.edits.changedFiles();
  const changed = filesChanged.length > 0;
  const hasTestCommand = Boolean(deps.tests.command);
  const final = changed ? (s.dirty ? null : s.lastFull) : null;
  const criteria = judge({ hasTestCommand, baseline: s.baseline, final, targets: s.targets, changed });
  const testFiles = deps.tests.isTestFile ? filesChanged.filter((f) => deps.tests.isTestFile!(f)) : [];
  if (testFiles.length) {
    criteria.testFilesChanged = testFiles;
    criteria.statement += ` The change also edits test file(s): ${testFiles.join(', ')}; check that they still test what they did.`;
  }
  const outcome = cancelled ? 'cancelled' : error ? 'failed' : outcomeFor(changed, hasTestCommand, criteria);
  const summary = cancelled ? 'The run was cancelled.' : error ? `Stopped on an error: ${error.message}` : [s.summary, s.stopReason ? `Stopped: ${s.stopReason}.` : ''].filter(Boolean).join('\n');
  return {
    outcome,
    patch: changed ? await deps.edits.diff() : '',
    filesChanged,
    testCommand: deps.tests.command,
    testsBefore: s.baseline ? summarizeRun(s.baseline, 'baseline') : null,
    testsAfter: final ? summarizeRun(final, 'full') : null,
    iterations: s.iterations,
    tokens: { ...s.tokens },
    summary,
    criteria,
    ...(error ? { error } : {}),
  };
}

function describe(err: unknown): { message: string; hint?: string } {
  if (err instanceof RagentError) return err.hint ? { message: err.message, hint: err.hint } : { message: err.message };
  const e = err instanceof Error ? err : new Error(String(err));
  return { message: e.message, hint: 'this is unexpected; run again with --debug for the stack trace' };
}
