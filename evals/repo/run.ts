/**
 * `ragent eval repo`: for each SWE-bench-format task, check out base_commit, run the one-shot pipeline on the
 * problem statement, keep its patch and transcript, and grade the patch in a clean tree of the same commit.
 * One JSONL row per task, appended as it finishes; a rerun skips finished tasks (and retries the ones that
 * found no model, which says nothing about the agent).
 *
 * The pipeline runs in this process (runOneShot), not as a `ragent run` child: the eval's own configuration
 * reaches it as is, its report comes back typed, and its events drive the progress line. A crash is caught as
 * an exception and a hang is cut by the abort signal (then left behind after a grace period); only a crash of
 * the process itself would stop the eval, and rerunning resumes after the last finished task.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import type { RagentConfig } from '../../src/config/schema.js';
import { CancelledError, ModelUnavailableError } from '../../src/errors.js';
import { runOneShot, type PipelineDeps, type RunEvent, type RunReport } from '../../src/run/pipeline.js';
import { firstLine } from '../../src/run/task.js';
import { runsDir } from '../../src/run/transcript.js';
import { slugify } from '../../src/run/worktree.js';
import { findRepository, hasCommit } from '../localize/checkout.js';
import { checkRunIdentity, ResultsLog } from '../passk/results.js';
import { selectItems, type Shard } from '../passk/select.js';
import { applyPatch, branchDiff, cacheIndex, checkoutBase, gradingTree, seedIndex } from './checkout.js';
import { RepoDatasetError, type RepoTask } from './dataset.js';
import { gradeTask, type Grade } from './grade.js';
import { summarize, type RepoRow, type RepoSummary, type TaskFailure } from './report.js';

export type RepoPhase = 'checkout' | 'agent' | 'grade' | 'done';

export interface RepoProgress {
  done: number;
  total: number;
  resolved: number;
  instance: string;
  phase: RepoPhase;
  /** The pipeline's latest step (`index: …`, `iteration 3`, `tests: 4 passed, 1 failed`). */
  detail: string;
}

export interface RepoEvalOptions {
  tasks: RepoTask[];
  datasetName: string;
  reposDir: string;
  /** Results, patches, transcripts and the index cache go here. */
  outDir: string;
  config: RagentConfig;
  deps: PipelineDeps;
  /** `--test-cmd`; `{tests}` is replaced by the test ids, `{files}` by their files. */
  testCmd?: string;
  limit?: number;
  shard?: Shard;
  /** Wall-clock limit of one agent run. */
  taskTimeoutMs: number;
  /** Wall-clock limit of one grading test run. */
  testTimeoutMs: number;
  /** How long a run asked to stop (at its timeout) may take to do so before it is left behind; default 15 s. */
  stopGraceMs?: number;
  signal?: AbortSignal;
  onProgress?: (p: RepoProgress) => void;
}

const STOP_GRACE_MS = 15_000;

const seconds = (t0: number): number => Math.round(performance.now() - t0) / 1000;
/** A folder name for an instance id: the id itself when it is one, else a cleaned copy told apart by a hash. */
export function taskFolderName(id: string): string {
  const clean = id.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^\.+/, '_');
  return clean === id ? id : `${clean}-${createHash('sha256').update(id).digest('hex').slice(0, 8)}`;
}

/** Rows that leave a task to be run again: the model could not be reached, which says nothing about the agent. */
const retried = (row: RepoRow): boolean => row.failure === 'model-unavailable';

/** The agent's test command for `--test-cmd`: as given, or with `{tests}` and `{files}` dropped so the whole suite runs. */
export function agentTestCommand(testCmd: string | undefined): string {
  if (!testCmd) return '';
  return testCmd.split('{tests}').join(' ').split('{files}').join(' ').replace(/\s+/g, ' ').trim();
}

/** Run (or resume) the repository-task eval and summarise the selected tasks. */
export async function runRepoEval(opts: RepoEvalOptions): Promise<RepoSummary> {
  const selected = selectItems(opts.tasks, { limit: opts.limit, shard: opts.shard });
  const gitDirs = new Map<string, string>();
  for (const task of selected) {
    if (!gitDirs.has(task.repo)) gitDirs.set(task.repo, findRepository(opts.reposDir, task.repo));
    if (!hasCommit(gitDirs.get(task.repo)!, task.base_commit)) {
      throw new RepoDatasetError(`${task.instance_id}: ${task.repo} has no commit ${task.base_commit}`, 'fetch the repository with its full history');
    }
  }
  mkdirSync(opts.outDir, { recursive: true });
  checkRunIdentity(join(opts.outDir, 'run.json'), {
    dataset: opts.datasetName,
    provider: opts.config.model.provider,
    model: opts.config.model.name,
    maxIterations: opts.config.agent.maxIterations,
    testCmd: opts.testCmd ?? null,
  });
  const log = new ResultsLog<RepoRow>(join(opts.outDir, 'results.jsonl'));
  const latest = (): Map<string, RepoRow> => new Map(log.records.map((r) => [r.instance_id, r]));
  const finished = latest();
  const pending = selected.filter((t) => !finished.has(t.instance_id) || retried(finished.get(t.instance_id)!));

  const config: RagentConfig = { ...opts.config, agent: { ...opts.config.agent, testCommand: agentTestCommand(opts.testCmd) } };
  const total = selected.length;
  let done = total - pending.length;
  let resolved = selected.filter((t) => finished.get(t.instance_id)?.resolved).length;
  const progress = (instance: string, phase: RepoPhase, detail = ''): void => opts.onProgress?.({ done, total, resolved, instance, phase, detail });

  // A missing model stops the run before any task is spent on it.
  if (pending.length) await opts.deps.checkModel(config);

  let first = true;
  for (const task of pending) {
    if (opts.signal?.aborted) throw new CancelledError('the eval was interrupted', 'run the same command again to resume');
    progress(task.instance_id, 'checkout');
    const row = await runTask(task, gitDirs.get(task.repo)!, config, opts, (phase, detail) => progress(task.instance_id, phase, detail));
    if (first && row.failure === 'model-unavailable') {
      throw new ModelUnavailableError(row.reason ?? 'model unavailable', 'start the model server and check that it serves the model (`ragent doctor`), then run the same command again');
    }
    first = false;
    log.append(row);
    done++;
    if (row.resolved) resolved++;
    progress(task.instance_id, 'done', row.resolved ? 'resolved' : row.reason ?? '');
  }

  const rows = latest();
  const chosen = selected.map((t) => rows.get(t.instance_id)).filter((r): r is RepoRow => Boolean(r));
  return summarize(chosen, {
    dataset: opts.datasetName,
    model: config.model.name,
    outDir: opts.outDir,
    resultsFile: log.file,
  });
}

interface AgentOutcome {
  report: RunReport | null;
  failure: TaskFailure | null;
  reason: string | null;
}

/** One task, start to finish; never throws for the task's own failures (only for an interruption). */
async function runTask(
  task: RepoTask,
  gitDir: string,
  config: RagentConfig,
  opts: RepoEvalOptions,
  onPhase: (phase: RepoPhase, detail: string) => void,
): Promise<RepoRow> {
  const taskDir = join(opts.outDir, 'tasks', taskFolderName(task.instance_id));
  rmSync(taskDir, { recursive: true, force: true });
  mkdirSync(taskDir, { recursive: true });
  const work = realpathSync(mkdtempSync(join(tmpdir(), 'ragent-eval-repo-')));
  const checkout = join(work, 'base');
  // Each task has a checkout of its own, so the branch name only has to be valid.
  const branch = `ragent/${slugify(task.instance_id)}`;
  const rel = (p: string): string => relative(opts.outDir, p);
  const files: RepoRow['files'] = { patch: rel(join(taskDir, 'agent.patch')), transcript: null, testOutput: null };
  try {
    checkoutBase(gitDir, task.base_commit, checkout);
    seedIndex(join(opts.outDir, 'index-cache'), task.repo, checkout);

    onPhase('agent', 'starting');
    const t0 = performance.now();
    const agent = await runAgentBounded(task, checkout, branch, config, opts, (detail) => onPhase('agent', detail));
    const agentSeconds = seconds(t0);
    const patch = agent.report?.patch || branchDiff(checkout, branch);
    writeFileSync(join(taskDir, 'agent.patch'), patch);
    const transcript = newestTranscript(checkout);
    if (transcript) {
      copyFileSync(transcript, join(taskDir, 'transcript.jsonl'));
      files.transcript = rel(join(taskDir, 'transcript.jsonl'));
    }
    if (!agent.failure) cacheIndex(join(opts.outDir, 'index-cache'), task.repo, checkout);

    const tree = join(work, 'grade');
    gradingTree(checkout, task.base_commit, tree);
    let grade: Grade;
    if (agent.failure) {
      // A run that did not finish is not graded; whether its partial patch would apply is still worth knowing.
      const applies = patch.trim() ? applyPatch(tree, patch) === null : false;
      grade = { resolved: false, patchApplied: applies, reason: agent.reason, failToPass: {}, passToPass: {}, testCommand: null, executed: null, judgedBy: null, testSeconds: 0, output: '' };
    } else {
      onPhase('grade', 'running FAIL_TO_PASS and PASS_TO_PASS');
      grade = await gradeTask({ root: tree, task, patch, testCmd: opts.testCmd, timeoutMs: opts.testTimeoutMs, ...(opts.signal ? { signal: opts.signal } : {}) });
      if (grade.output) {
        writeFileSync(join(taskDir, 'tests.log'), `$ ${grade.executed ?? grade.testCommand ?? ''}\n${grade.output}`);
        files.testOutput = rel(join(taskDir, 'tests.log'));
      }
    }
    return rowOf(task, config, agent, grade, agentSeconds, files);
  } catch (err) {
    if (err instanceof CancelledError || opts.signal?.aborted) throw err instanceof CancelledError ? err : new CancelledError('the eval was interrupted', 'run the same command again to resume');
    // The harness itself failed on this task (a checkout, a patch file): recorded, and the run goes on.
    const message = (err as Error).message ?? String(err);
    if (!existsSync(join(taskDir, 'agent.patch'))) writeFileSync(join(taskDir, 'agent.patch'), '');
    const grade: Grade = { resolved: false, patchApplied: false, reason: `error: ${message}`, failToPass: {}, passToPass: {}, testCommand: null, executed: null, judgedBy: null, testSeconds: 0, output: '' };
    return rowOf(task, config, { report: null, failure: 'error', reason: grade.reason }, grade, 0, files);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * The one-shot run, bounded in time: at the timeout it is asked to stop (its abort signal), and a run that
 * does not stop within a grace period is left behind. A crash and a missing model become a failure, not a throw.
 */
async function runAgentBounded(
  task: RepoTask,
  checkout: string,
  branch: string,
  config: RagentConfig,
  opts: RepoEvalOptions,
  onDetail: (detail: string) => void,
): Promise<AgentOutcome> {
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, opts.taskTimeoutMs);
  const onOuter = (): void => controller.abort();
  opts.signal?.addEventListener('abort', onOuter, { once: true });
  let release: () => void = () => {};
  const leftBehind = new Promise<null>((resolve) => {
    const onAbort = (): void => {
      const t = setTimeout(() => resolve(null), opts.stopGraceMs ?? STOP_GRACE_MS);
      release = () => clearTimeout(t);
    };
    controller.signal.addEventListener('abort', onAbort, { once: true });
  });
  const limit = `${Math.round(opts.taskTimeoutMs / 1000)} s`;
  try {
    const report = await Promise.race([
      runOneShot(
        {
          repo: checkout,
          config,
          task: { text: task.problem_statement, title: firstLine(task.problem_statement) || task.instance_id, source: task.instance_id },
          branch,
          signal: controller.signal,
          onEvent: (e) => {
            const d = describe(e);
            if (d) onDetail(d);
          },
        },
        opts.deps,
      ),
      leftBehind,
    ]);
    if (opts.signal?.aborted) throw new CancelledError('the eval was interrupted', 'run the same command again to resume');
    if (timedOut) {
      const reason = report ? `timed out after ${limit}` : `timed out after ${limit} (the run did not stop when asked)`;
      return { report, failure: 'timeout', reason };
    }
    if (!report) return { report, failure: 'crash', reason: 'the run stopped answering' };
    if (report.outcome === 'model-unavailable') return { report, failure: 'model-unavailable', reason: `model unavailable: ${report.error?.message ?? ''}`.trim() };
    if (report.outcome === 'error') return { report, failure: 'error', reason: `error: ${report.error?.message ?? 'the run failed'}` };
    return { report, failure: null, reason: null };
  } catch (err) {
    if (err instanceof CancelledError || opts.signal?.aborted) throw err;
    return { report: null, failure: 'crash', reason: `crashed: ${(err as Error).message ?? String(err)}` };
  } finally {
    clearTimeout(timer);
    release();
    opts.signal?.removeEventListener('abort', onOuter);
  }
}

/** A short description of a pipeline event for the progress line. */
function describe(e: RunEvent): string | null {
  switch (e.type) {
    case 'phase':
      return `${e.phase}: ${e.detail}`;
    case 'iteration':
      return `iteration ${e.n}`;
    case 'tool_call':
      return e.name;
    case 'test_finished':
      return `tests: ${e.run.passed} passed, ${e.run.failed} failed`;
    default:
      return null;
  }
}

/** The transcript the run wrote in the checkout (the newest, in case of several). */
function newestTranscript(checkout: string): string | null {
  const dir = runsDir(checkout);
  if (!existsSync(dir)) return null;
  const files = readdirSync(dir).filter((n) => n.endsWith('.jsonl')).map((n) => join(dir, n));
  files.sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  return files[0] ?? null;
}

function rowOf(task: RepoTask, config: RagentConfig, agent: AgentOutcome, grade: Grade, agentSeconds: number, files: RepoRow['files']): RepoRow {
  const r = agent.report;
  return {
    instance_id: task.instance_id,
    repo: task.repo,
    base_commit: task.base_commit,
    resolved: grade.resolved,
    patchApplied: grade.patchApplied,
    reason: grade.resolved ? null : grade.reason ?? agent.reason,
    failure: agent.failure,
    outcome: agent.failure === 'timeout' ? 'timeout' : agent.failure === 'crash' ? 'crash' : r?.outcome ?? 'error',
    iterations: r?.iterations ?? 0,
    tokens: r?.tokens ?? { prompt: 0, output: 0 },
    failToPass: grade.failToPass,
    passToPass: grade.passToPass,
    testCommand: grade.testCommand,
    judgedBy: grade.judgedBy,
    seconds: { agent: agentSeconds, tests: grade.testSeconds },
    files,
    model: config.model.name,
    finishedAt: new Date().toISOString(),
  };
}
