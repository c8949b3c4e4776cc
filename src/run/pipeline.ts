import { existsSync, statSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { AgentEvent, AgentResult, DoneCriteria, TestSummary } from '../../agent/events.js';
import type { RagentConfig } from '../config/schema.js';
import { ModelUnavailableError, RagentError, UsageError } from '../errors.js';
import { redactor as defaultRedactor, type Redactor } from '../util/redact.js';
import type { RunTask } from './task.js';
import { Transcript, type RunOutcome } from './transcript.js';
import {
  adoptIndex,
  applyToWorkingTree,
  assertBranchName,
  branchExists,
  headCommit,
  commitWorktree,
  copyIndex,
  createWorktree,
  deleteBranch,
  isClean,
  removeWorktree,
  slugify,
  uniqueBranch,
  worktreeDiff,
  changedFiles,
  type Worktree,
} from './worktree.js';

/**
 * The one-shot pipeline shared by `ragent run` and the CI bot: a worktree on its own branch, the index copied
 * in and updated incrementally, the agent loop run there, the change committed on the branch, the patch
 * written or applied on request, and a transcript of it all.
 */

/** A running agent: its event stream (ending with a `result` event) and a way to release what it holds. */
export interface AgentSession {
  events: AsyncIterable<AgentEvent>;
  close(): Promise<void>;
  /** The model-unavailable error that ended the run, if one did (the loop reports errors without their class). */
  modelUnavailable?(): Error | null;
}

/** What the pipeline needs from the agent stage; `src/run/agent.ts` supplies the real ones. */
export interface PipelineDeps {
  /** Fail fast (ModelUnavailableError) when the model cannot serve, before any work is done. */
  checkModel(config: RagentConfig): Promise<void>;
  /** Bring the worktree's index up to date; returns a one-line description. */
  updateIndex(root: string, config: RagentConfig, signal?: AbortSignal): Promise<string>;
  startAgent(task: string, root: string, config: RagentConfig, signal?: AbortSignal): Promise<AgentSession>;
}

export type RunPhase = 'model' | 'worktree' | 'index' | 'agent' | 'commit' | 'done';

/** What the pipeline emits: the agent's events plus its own phase changes. */
export type RunEvent = AgentEvent | { type: 'phase'; phase: RunPhase; detail: string };

export interface OneShotOptions {
  repo: string;
  config: RagentConfig;
  task: RunTask;
  /** Branch name; default `<ci.branchPrefix><slug of the title>`, made unique. */
  branch?: string;
  /** Reset the branch to HEAD when it exists (the CI bot re-running an issue). */
  resetBranch?: boolean;
  mode?: 'run' | 'ci';
  /** Write the patch here. */
  outFile?: string;
  /** Apply the patch to the working tree when it is clean. */
  apply?: boolean;
  onEvent?: (event: RunEvent) => void;
  signal?: AbortSignal;
  redactor?: Redactor;
}

/** Everything a view needs to report a finished run. */
export interface RunReport {
  id: string;
  outcome: RunOutcome;
  exitCode: number;
  branch: string;
  /** The commit the branch started from. */
  base: string;
  /** The commit made on the branch, null when there was no change. */
  commit: string | null;
  /** Unified diff of the change against `base` ('' when none). */
  patch: string;
  filesChanged: string[];
  testCommand: string | null;
  testsBefore: TestSummary | null;
  testsAfter: TestSummary | null;
  /** Tail of the last test run's output. */
  lastTestOutput: string;
  criteria: DoneCriteria | null;
  summary: string;
  iterations: number;
  tokens: { prompt: number; output: number };
  model: string;
  /** What the agent did, one line a step (searches, reads, edits, test runs). */
  steps: string[];
  transcript: string;
  applied: boolean;
  outFile: string | null;
  error: { message: string; hint?: string } | null;
}

const OUTCOME_EXIT: Record<RunOutcome, number> = {
  fixed: 0,
  unverified: 1,
  'no-change': 1,
  'model-unavailable': 3,
  cancelled: 1,
  error: 1,
  incomplete: 1,
};

/** The run's outcome from the agent's result and whether anything changed. */
function outcomeOf(result: AgentResult | null, changed: boolean): RunOutcome {
  if (!result) return 'error';
  if (result.outcome === 'cancelled') return 'cancelled';
  if (!changed) return 'no-change';
  return result.outcome === 'verified' ? 'fixed' : 'unverified';
}

function describeStep(event: AgentEvent): string | null {
  switch (event.type) {
    case 'tool_call': {
      const a = event.args;
      const arg = typeof a.query === 'string' ? `"${a.query}"` : typeof a.path === 'string' ? a.path : '';
      return `${event.name}${arg ? ' ' + arg : ''}`;
    }
    case 'edit_rejected':
      return `edit to ${event.path} rejected: ${event.reason}`;
    case 'tool_result':
      return event.ok ? null : `${event.name} failed: ${event.summary}`;
    case 'test_finished':
      return `tests (${event.scope}): ${event.run.passed} passed, ${event.run.failed} failed${event.run.timedOut ? ', timed out' : ''}`;
    case 'error':
      return `error: ${event.message}`;
    default:
      return null;
  }
}

/** The commit message: the change in one line, the summary, and the issue it answers. */
export function commitMessage(task: RunTask, result: AgentResult | null, verified: boolean): string {
  const summary = (result?.summary ?? '').trim();
  const head = firstSentence(summary) || `Address: ${task.title}`;
  const subject = (verified ? '' : 'WIP (tests not passing): ') + head;
  const lines = [truncate(subject, 72), ''];
  if (summary && summary !== head) lines.push(summary, '');
  lines.push(task.issueNumber !== undefined ? `Fixes #${task.issueNumber}: ${task.title}` : `Issue: ${task.title}`);
  const before = result?.testsBefore;
  const after = result?.testsAfter;
  if (before || after) lines.push(`Tests: before ${counts(before)}; after ${counts(after)}`);
  return lines.join('\n') + '\n';
}

function counts(t: TestSummary | null | undefined): string {
  if (!t) return 'not run';
  return `${t.passed} passed, ${t.failed} failed${t.timedOut ? ' (timed out)' : ''}`;
}

function firstSentence(text: string): string {
  const line = text.split('\n').map((l) => l.trim()).find(Boolean) ?? '';
  const m = line.match(/^(.+?[.!?])(\s|$)/);
  return (m ? m[1]! : line).replace(/[.]$/, '');
}

function truncate(s: string, n: number): string {
  return s.length <= n ? s : s.slice(0, n - 1) + '…';
}

/** Run one task end to end. Never touches the working tree unless `apply` is set and the tree is clean. */
export async function runOneShot(opts: OneShotOptions, deps: PipelineDeps): Promise<RunReport> {
  const { repo, config, task } = opts;
  const redactor = opts.redactor ?? defaultRedactor;
  const emit = (e: RunEvent) => opts.onEvent?.(e);
  const mode = opts.mode ?? 'run';

  if (opts.apply && !isClean(repo)) {
    throw new UsageError('--apply needs a clean working tree, and this one has uncommitted changes', 'commit or stash them first, or drop --apply and merge the run branch afterwards');
  }
  const branch = opts.branch ?? uniqueBranch(repo, `${config.ci.branchPrefix}${slugify(task.title)}`);
  // Mistakes the user can fix are reported before anything is spent on the model.
  if (opts.outFile) assertWritableTarget(opts.outFile);
  headCommit(repo);
  assertBranchName(repo, branch);
  if (!opts.resetBranch && branchExists(repo, branch)) {
    throw new UsageError(`branch ${branch} already exists`, `pass --branch with another name, or delete it: git branch -D ${branch}`);
  }
  const transcript = Transcript.open(repo, { mode, title: task.title, source: task.source, branch, model: config.model.name, repo }, redactor);
  transcript.note(`task: ${task.text}`);

  const report: RunReport = {
    id: transcript.id,
    outcome: 'error',
    exitCode: 1,
    branch,
    base: '',
    commit: null,
    patch: '',
    filesChanged: [],
    testCommand: null,
    testsBefore: null,
    testsAfter: null,
    lastTestOutput: '',
    criteria: null,
    summary: '',
    iterations: 0,
    tokens: { prompt: 0, output: 0 },
    model: config.model.name,
    steps: [],
    transcript: transcript.path,
    applied: false,
    outFile: null,
    error: null,
  };

  const phase = (p: RunPhase, detail: string) => {
    transcript.note(`${p}: ${detail}`);
    emit({ type: 'phase', phase: p, detail });
  };

  let wt: Worktree | null = null;
  let errorExitCode: number | null = null;
  try {
    phase('model', `checking ${config.model.name}`);
    await deps.checkModel(config);

    wt = createWorktree(repo, branch, { reset: opts.resetBranch });
    report.base = wt.base;
    phase('worktree', `branch ${branch} from ${wt.base.slice(0, 10)}`);

    const hadIndex = copyIndex(repo, wt.root);
    phase('index', hadIndex ? 'updating the copied index' : 'no index yet: building one');
    phase('index', await deps.updateIndex(wt.root, config, opts.signal));

    phase('agent', `running (at most ${config.agent.maxIterations} iterations)`);
    const { result, unavailable } = await drive(deps, redactor.redact(task.text), wt.root, config, opts.signal, (event) => {
      if (event.type !== 'model_delta') transcript.event(event);
      const step = describeStep(event);
      if (step) report.steps.push(step);
      if (event.type === 'test_finished') report.lastTestOutput = event.output;
      if (event.type === 'usage') report.tokens = { prompt: event.totalPrompt, output: event.totalOutput };
      emit(event);
    });

    if (result) {
      report.summary = redactor.redact(result.summary);
      report.testCommand = result.testCommand;
      report.testsBefore = result.testsBefore;
      report.testsAfter = result.testsAfter;
      report.criteria = result.criteria;
      report.iterations = result.iterations;
      report.tokens = result.tokens;
      if (result.error) report.error = result.error;
    }
    report.filesChanged = changedFiles(wt);
    report.patch = worktreeDiff(wt);
    report.outcome = outcomeOf(result, report.filesChanged.length > 0);
    if (unavailable && report.outcome !== 'fixed') {
      report.outcome = 'model-unavailable';
      report.error ??= { message: redactor.redact(unavailable.message) };
    }

    phase('commit', report.filesChanged.length ? `committing ${report.filesChanged.length} file(s) on ${branch}` : 'no change to commit');
    report.commit = commitWorktree(wt, redactor.redact(commitMessage(task, result, report.outcome === 'fixed')));
  } catch (err) {
    report.outcome = err instanceof ModelUnavailableError ? 'model-unavailable' : 'error';
    errorExitCode = err instanceof RagentError ? err.exitCode : 1;
    report.error = { message: redactor.redact((err as Error).message ?? String(err)), ...(err instanceof RagentError && err.hint ? { hint: err.hint } : {}) };
    transcript.note(`error: ${report.error.message}`);
    if (wt) keepPartialWork(wt, task, report, redactor);
    if (!(err instanceof RagentError)) {
      cleanup(repo, wt, report);
      transcript.end(endOf(report));
      throw err;
    }
  }
  cleanup(repo, wt, report);

  if (report.patch && opts.outFile) {
    try {
      writeFileSync(resolve(opts.outFile), report.patch);
      report.outFile = resolve(opts.outFile);
    } catch (err) {
      // The change is safe on its branch; say why the file is missing instead of failing the run.
      report.steps.push(`--out: cannot write ${resolve(opts.outFile)}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  }
  if (report.patch && opts.apply && report.outcome === 'fixed') {
    try {
      applyToWorkingTree(repo, report.patch);
      report.applied = true;
    } catch (err) {
      report.steps.push(`--apply: ${(err as Error).message}`);
    }
  }
  report.exitCode = errorExitCode ?? OUTCOME_EXIT[report.outcome];
  phase('done', `${report.outcome} (exit ${report.exitCode})`);
  transcript.end(endOf(report));
  return report;
}

/** `--out` must name a file in an existing directory. */
function assertWritableTarget(file: string): void {
  const path = resolve(file);
  const dir = dirname(path);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new UsageError(`cannot write the patch to ${path}: ${dir} is not a directory`, 'pass --out with a path in an existing directory');
  }
  if (existsSync(path) && statSync(path).isDirectory()) {
    throw new UsageError(`cannot write the patch to ${path}: it is a directory`, 'pass --out with a file name, e.g. fix.patch');
  }
}

function endOf(report: RunReport) {
  return {
    outcome: report.outcome,
    exitCode: report.exitCode,
    tokens: report.tokens,
    filesChanged: report.filesChanged,
    summary: report.error ? `${report.summary ? report.summary + ' — ' : ''}${report.error.message}` : report.summary,
    ...(report.outFile ? { output: report.outFile } : {}),
  };
}

/** A run stopped by an error still keeps what it changed, as a work-in-progress commit on its branch. */
function keepPartialWork(wt: Worktree, task: RunTask, report: RunReport, redactor: Redactor): void {
  try {
    report.filesChanged = changedFiles(wt);
    report.patch = worktreeDiff(wt);
    report.commit = commitWorktree(wt, redactor.redact(commitMessage(task, null, false)));
  } catch {
    // The error being reported matters more than the partial work.
  }
}

/** Remove the worktree (keeping its index when the repository has none); drop the branch when it holds nothing. */
function cleanup(repo: string, wt: Worktree | null, report: RunReport): void {
  if (!wt) return;
  if (adoptIndex(wt.root, repo)) report.steps.push('the index built for this run is now the repository\'s index');
  removeWorktree(repo, wt);
  if (!report.commit) {
    try {
      deleteBranch(repo, wt.branch);
    } catch {
      // Already gone.
    }
  }
}

async function drive(
  deps: PipelineDeps,
  task: string,
  root: string,
  config: RagentConfig,
  signal: AbortSignal | undefined,
  onEvent: (e: AgentEvent) => void,
): Promise<{ result: AgentResult | null; unavailable: Error | null }> {
  const session = await deps.startAgent(task, root, config, signal);
  let result: AgentResult | null = null;
  try {
    for await (const event of session.events) {
      onEvent(event);
      if (event.type === 'result') result = event.result;
    }
  } finally {
    await session.close();
  }
  return { result, unavailable: session.modelUnavailable?.() ?? null };
}
