import { copyFileSync, existsSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { AgentEvent } from '../../agent/events.js';
import { loadRepoTasks } from '../../evals/repo/dataset.js';
import { runRepoEval, type RepoEvalOptions } from '../../evals/repo/run.js';
import { ResultsMismatchError } from '../../evals/passk/errors.js';
import { loadConfig } from '../../src/config/load.js';
import { CancelledError, ModelUnavailableError, RepositoryError } from '../../src/errors.js';
import { RepoDatasetError } from '../../evals/repo/dataset.js';
import { agentPipelineDeps } from '../../src/run/agent.js';
import type { PipelineDeps } from '../../src/run/pipeline.js';
import { closedPort, startScriptedOllama, type ScriptedOllama, type ScriptedRequest, type Turn, type TurnSpec } from '../helpers/scripted-ollama.js';
import { cli } from '../run/fixture.js';
import { makeFixtureDataset, MODEL, rightEditTurns, wrongEditTurns, type FixtureDataset } from './repo-fixture.js';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function tempDir(): string {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'ragent-eval-repo-test-')));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function fixture(): FixtureDataset {
  const fx = makeFixtureDataset();
  cleanups.push(() => fx.cleanup());
  return fx;
}

async function server(script: Turn[]): Promise<ScriptedOllama> {
  const s = await startScriptedOllama({ models: [{ name: MODEL, contextLength: 32_768 }], script });
  cleanups.push(() => s.close());
  return s;
}

/**
 * Turns served by task rather than by arrival: each request is matched to the task whose problem statement
 * its messages carry, and gets that task's next turn. A task that never asks leaves its turns unused.
 */
function byTask(queues: Record<string, Turn[]>, count = 20): Turn[] {
  const next = async (req: ScriptedRequest): Promise<TurnSpec> => {
    const text = JSON.stringify(req.body?.messages ?? '');
    const key = Object.keys(queues).find((k) => text.includes(k));
    const turn = key ? queues[key]!.shift() : undefined;
    if (!turn) throw new Error(`no scripted turn left for this request (task ${key ?? 'unknown'})`);
    return typeof turn === 'function' ? turn(req) : turn;
  };
  return Array.from({ length: count }, () => next);
}

const INITIALS_KEY = 'initials must be upper case';
const SURNAME_KEY = 'it should return the last part';

function options(fx: FixtureDataset, host: string, out: string, extra: Partial<RepoEvalOptions> = {}): RepoEvalOptions {
  const home = tempDir();
  const config = loadConfig({ repo: home, env: { OLLAMA_HOST: host }, home, flags: { model: { retries: 0, requestTimeoutMs: 60_000 } } }).config;
  return {
    tasks: loadRepoTasks(fx.dataset).tasks,
    datasetName: 'names-tasks',
    reposDir: fx.reposDir,
    outDir: out,
    config,
    deps: agentPipelineDeps(),
    taskTimeoutMs: 240_000,
    testTimeoutMs: 60_000,
    ...extra,
  };
}

const rowsOf = (out: string): any[] =>
  existsSync(join(out, 'results.jsonl')) ? readFileSync(join(out, 'results.jsonl'), 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l)) : [];

describe('eval repo: tasks that fail to run are recorded and the run goes on', { timeout: 300_000 }, () => {
  it('a run that hangs past the timeout is recorded as not resolved (timed out); the next task still runs', async () => {
    const fx = fixture();
    const s = await server(
      byTask({
        // The model never answers the first task.
        [INITIALS_KEY]: [{ headerDelayMs: 120_000, text: 'too late' }],
        [SURNAME_KEY]: wrongEditTurns(),
      }),
    );
    const out = tempDir();
    const summary = await runRepoEval(options(fx, s.url, out, { taskTimeoutMs: 12_000 }));
    const [hung, next] = rowsOf(out);
    expect(hung).toMatchObject({ instance_id: 'acme__names-1', resolved: false, failure: 'timeout', outcome: 'timeout', reason: 'timed out after 12 s' });
    expect(next).toMatchObject({ instance_id: 'acme__names-2', resolved: false, failure: null, patchApplied: true });
    expect(summary.groups[0]).toMatchObject({ tasks: 2, resolved: 0, failures: 1, applied: 1 });
    // The timed-out task's transcript is kept even so.
    expect(existsSync(join(out, 'tasks', 'acme__names-1', 'transcript.jsonl'))).toBe(true);
  });

  it('a run that ignores the request to stop is left behind after the grace period', async () => {
    const fx = fixture();
    const real = agentPipelineDeps();
    let started = 0;
    const deps: PipelineDeps = {
      ...real,
      async startAgent(task, root, config, signal) {
        if (++started > 1) return real.startAgent(task, root, config, signal);
        // An agent stuck for good: its events never come, whatever the signal says.
        const stuck: AsyncIterable<AgentEvent> = { [Symbol.asyncIterator]: () => ({ next: () => new Promise<IteratorResult<AgentEvent>>(() => {}) }) };
        return { events: stuck, close: async () => {} };
      },
    };
    const s = await server(byTask({ [SURNAME_KEY]: wrongEditTurns() }));
    const out = tempDir();
    await runRepoEval(options(fx, s.url, out, { deps, taskTimeoutMs: 3_000, stopGraceMs: 500 }));
    const [hung, next] = rowsOf(out);
    expect(hung).toMatchObject({ failure: 'timeout', resolved: false, reason: 'timed out after 3 s (the run did not stop when asked)' });
    expect(next).toMatchObject({ instance_id: 'acme__names-2', failure: null });
  });

  it('a run that crashes is recorded with the error; the next task still runs and resolves', async () => {
    const fx = fixture();
    const real = agentPipelineDeps();
    let started = 0;
    const deps: PipelineDeps = {
      ...real,
      async startAgent(task, root, config, signal) {
        if (++started === 1) throw new TypeError('cannot read properties of undefined');
        return real.startAgent(task, root, config, signal);
      },
    };
    // The surname task first this time, and the initials task is the one that resolves.
    const s = await server(byTask({ [INITIALS_KEY]: rightEditTurns() }));
    const out = tempDir();
    const opts = options(fx, s.url, out, { deps });
    opts.tasks.reverse();
    const summary = await runRepoEval(opts);
    const [crashed, fixed] = rowsOf(out);
    expect(crashed).toMatchObject({ instance_id: 'acme__names-2', resolved: false, failure: 'crash', outcome: 'crash', reason: 'crashed: cannot read properties of undefined', patchApplied: false });
    expect(fixed).toMatchObject({ instance_id: 'acme__names-1', resolved: true });
    expect(summary.groups[0]).toMatchObject({ tasks: 2, resolved: 1, failures: 1 });
    expect(readFileSync(join(out, 'tasks', 'acme__names-2', 'agent.patch'), 'utf8')).toBe('');
  });

  it('a model that disappears after the first task: the task is recorded, the run goes on, and a rerun retries it', async () => {
    const fx = fixture();
    const notFound: TurnSpec = { error: { status: 404, message: `model '${MODEL}' not found, try pulling it first` } };
    const s = await server([...rightEditTurns(), notFound, ...wrongEditTurns()]);
    const out = tempDir();
    const summary = await runRepoEval(options(fx, s.url, out));
    expect(rowsOf(out).map((r) => [r.instance_id, r.failure, r.resolved])).toEqual([
      ['acme__names-1', null, true],
      ['acme__names-2', 'model-unavailable', false],
    ]);
    expect(rowsOf(out)[1].reason).toMatch(/^model unavailable: model "qwen2.5-coder:7b" is not available/);
    expect(summary.retry).toBe(1);
    // The rerun runs only the task that found no model; the later row is the one counted.
    const again = await runRepoEval(options(fx, s.url, out));
    expect(s.remaining()).toBe(0);
    expect(rowsOf(out).map((r) => [r.instance_id, r.failure])).toEqual([
      ['acme__names-1', null],
      ['acme__names-2', 'model-unavailable'],
      ['acme__names-2', null],
    ]);
    expect(again.retry).toBe(0);
    expect(again.groups[0]).toMatchObject({ tasks: 2, resolved: 1, failures: 0 });
  });

  it('a model unavailable on the first task stops the run with ModelUnavailableError and records nothing', async () => {
    const fx = fixture();
    const s = await server([{ error: { status: 404, message: `model '${MODEL}' not found, try pulling it first` } }]);
    const out = tempDir();
    const run = runRepoEval(options(fx, s.url, out));
    await expect(run).rejects.toBeInstanceOf(ModelUnavailableError);
    await expect(run).rejects.toThrow(/^model unavailable: model "qwen2\.5-coder:7b" is not available on the server/);
    expect(rowsOf(out)).toEqual([]);
  });

  it('the CLI exits 3 with a hint when the model server cannot be reached, before any task', async () => {
    const fx = fixture();
    const cwd = tempDir();
    const r = await cli(['eval', 'repo', '--dataset', fx.dataset, '--repos', fx.reposDir, '--out', join(cwd, 'out')], {
      cwd,
      env: { OLLAMA_HOST: `http://127.0.0.1:${await closedPort()}` },
    });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/^error: cannot reach the model server/m);
    expect(r.stderr).toMatch(/^hint: /m);
    expect(rowsOf(join(cwd, 'out'))).toEqual([]);
  });

  it('refuses to resume results of another model in the same folder', async () => {
    const fx = fixture();
    const s = await server([...rightEditTurns()]);
    const out = tempDir();
    await runRepoEval(options(fx, s.url, out, { limit: 1 }));
    const other = options(fx, s.url, out);
    other.config = { ...other.config, model: { ...other.config.model, name: 'llama3.1:8b' } };
    await expect(runRepoEval(other)).rejects.toBeInstanceOf(ResultsMismatchError);
  });

  it('an interrupted run records nothing for the task it was on, and the next run does it again', async () => {
    const fx = fixture();
    const controller = new AbortController();
    const s1 = await server(rightEditTurns());
    const out = tempDir();
    const interrupted = runRepoEval(
      options(fx, s1.url, out, {
        limit: 1,
        signal: controller.signal,
        // Interrupted as the model asks for its edit.
        onProgress: (p) => p.detail === 'edit_file' && controller.abort(),
      }),
    );
    await expect(interrupted).rejects.toBeInstanceOf(CancelledError);
    expect(rowsOf(out)).toEqual([]);
    const s2 = await server(rightEditTurns());
    const summary = await runRepoEval(options(fx, s2.url, out, { limit: 1 }));
    expect(rowsOf(out).map((r) => [r.instance_id, r.resolved])).toEqual([['acme__names-1', true]]);
    expect(summary.groups[0]).toMatchObject({ tasks: 1, resolved: 1 });
  });

  it('checks every repository and base_commit before running anything', async () => {
    const fx = fixture();
    const s = await server([]);
    const missingRepo = options(fx, s.url, tempDir());
    missingRepo.tasks = missingRepo.tasks.map((t, i) => (i === 1 ? { ...t, repo: 'acme/other' } : t));
    await expect(runRepoEval(missingRepo)).rejects.toThrow(RepositoryError);
    const missingCommit = options(fx, s.url, tempDir());
    missingCommit.tasks = missingCommit.tasks.map((t, i) => (i === 1 ? { ...t, base_commit: 'f'.repeat(40) } : t));
    await expect(runRepoEval(missingCommit)).rejects.toThrow(RepoDatasetError);
    expect(s.requests.filter((r) => r.path === '/api/chat')).toEqual([]);
  });

  it('shards run apart combine: their results in one folder give the whole summary without running anything', async () => {
    const fx = fixture();
    const s = await server(byTask({ [INITIALS_KEY]: rightEditTurns(), [SURNAME_KEY]: wrongEditTurns() }));
    const [a, b, all] = [tempDir(), tempDir(), tempDir()];
    const first = await runRepoEval(options(fx, s.url, a, { shard: { index: 1, count: 2 } }));
    const second = await runRepoEval(options(fx, s.url, b, { shard: { index: 2, count: 2 } }));
    expect([first.tasks.map((t) => t.instance_id), second.tasks.map((t) => t.instance_id)]).toEqual([['acme__names-1'], ['acme__names-2']]);
    const chats = s.requests.filter((r) => r.path === '/api/chat').length;
    copyFileSync(join(a, 'run.json'), join(all, 'run.json'));
    writeFileSync(join(all, 'results.jsonl'), readFileSync(join(a, 'results.jsonl'), 'utf8') + readFileSync(join(b, 'results.jsonl'), 'utf8'));
    const combined = await runRepoEval(options(fx, s.url, all));
    expect(s.requests.filter((r) => r.path === '/api/chat').length).toBe(chats);
    expect(combined.groups[0]).toMatchObject({ tasks: 2, resolved: 1, resolvedRate: 0.5 });
  });
});
