import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync, lstatSync } from 'node:fs';
import { join } from 'node:path';
import { Ollama } from 'ollama';
import { detectTestCommand } from '../../agent/verify/detect.js';
import { indexStatus } from '../../indexers/index-repository.js';
import { indexDir } from '../../indexers/store/location.js';
import { loadConfig, defaultConfig, type LoadedConfig } from '../config/load.js';
import type { RagentConfig } from '../config/schema.js';
import { ConfigError, RagentError } from '../errors.js';
import { createModelClient } from '../model/create.js';

/**
 * `ragent doctor`'s checks. Each one says ok, warning or error, what it found, and the fix to apply. A warning
 * leaves a full run possible; an error does not.
 */

export type CheckStatus = 'ok' | 'warning' | 'error';

/** What kind of failure an error is, for the exit code (2 configuration, 3 model, 1 anything else). */
export type CheckArea = 'system' | 'config' | 'index' | 'model' | 'tests';

export interface CheckResult {
  name: string;
  area: CheckArea;
  status: CheckStatus;
  detail: string;
  fix?: string;
}

export interface DoctorOptions {
  /** Repository root. */
  repo: string;
  env?: NodeJS.ProcessEnv;
  /** Home directory for the user configuration file (tests point it elsewhere). */
  home?: string;
  /** Configuration values from flags. */
  flags?: Record<string, unknown>;
  /** Run the detected test command to see that it starts (default true). */
  runTests?: boolean;
  /** Milliseconds allowed for each network check. */
  timeoutMs?: number;
}

const MIN_NODE_MAJOR = 20;
/** Below this window a run rarely has room for context and conversation together. */
const SMALL_WINDOW = 8_192;

const ok = (name: string, area: CheckArea, detail: string): CheckResult => ({ name, area, status: 'ok', detail });
const warn = (name: string, area: CheckArea, detail: string, fix: string): CheckResult => ({ name, area, status: 'warning', detail, fix });
const fail = (name: string, area: CheckArea, detail: string, fix: string): CheckResult => ({ name, area, status: 'error', detail, fix });

/** Node's version. */
export function checkNode(version = process.versions.node): CheckResult {
  const major = Number(version.split('.')[0]);
  return major >= MIN_NODE_MAJOR
    ? ok('node', 'system', `v${version}`)
    : fail('node', 'system', `v${version} is too old`, `install Node ${MIN_NODE_MAJOR} or newer`);
}

/** git on PATH, the repository, and a commit to branch from. */
export function checkGit(repo: string): CheckResult[] {
  let version: string;
  try {
    version = execFileSync('git', ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return [fail('git', 'system', 'git is not installed or not on PATH', 'install git (one-shot runs work in a git worktree)')];
  }
  const results = [ok('git', 'system', version)];
  const inRepo = (() => {
    try {
      return execFileSync('git', ['rev-parse', '--is-inside-work-tree'], { cwd: repo, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() === 'true';
    } catch {
      return false;
    }
  })();
  if (!inRepo) {
    results.push(fail('repository', 'system', `${repo} is not a git repository`, 'run ragent inside a git repository, or `git init` and commit'));
    return results;
  }
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: repo, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    results.push(ok('repository', 'system', `${repo} at ${head}`));
  } catch {
    results.push(fail('repository', 'system', `${repo} has no commits`, 'commit your code: runs branch from HEAD'));
  }
  return results;
}

/** The configuration: valid, which files were read, and where each non-default key came from. */
export function checkConfig(opts: DoctorOptions): { result: CheckResult; loaded: LoadedConfig | null } {
  try {
    const loaded = loadConfig({ repo: opts.repo, env: opts.env, home: opts.home, flags: opts.flags });
    const files = loaded.files.length ? loaded.files.join(', ') : 'no configuration file (all defaults)';
    const keys = Object.entries(loaded.sources)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, s]) => `${k} (${s})`);
    return { result: ok('config', 'config', `valid; ${files}${keys.length ? `; set: ${keys.join(', ')}` : ''}`), loaded };
  } catch (err) {
    if (err instanceof ConfigError) return { result: fail('config', 'config', err.message, err.hint ?? 'see .agentrc.example'), loaded: null };
    throw err;
  }
}

function dirSize(dir: string): number {
  let total = 0;
  const stack = [dir];
  while (stack.length) {
    const d = stack.pop()!;
    let entries: string[];
    try {
      entries = readdirSync(d);
    } catch {
      continue;
    }
    for (const name of entries) {
      const p = join(d, name);
      const st = lstatSync(p);
      if (st.isDirectory()) stack.push(p);
      else total += st.size;
    }
  }
  return total;
}

/** Bytes as a short human figure. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

/** The index: present, fresh or stale, and its size. A missing or stale index is a warning (runs update it). */
export async function checkIndex(repo: string, config: RagentConfig): Promise<CheckResult> {
  const dir = indexDir(repo);
  if (!existsSync(dir)) return warn('index', 'index', 'not built yet', 'run `ragent index` (a run builds it too, but slower the first time)');
  const size = formatBytes(dirSize(dir));
  try {
    const status = await indexStatus(repo, config);
    if (status.rebuild) {
      const why = status.rebuild === 'schema' ? 'written by another ragent version' : status.rebuild === 'embedder' ? 'built with a different embedder' : 'incomplete';
      return warn('index', 'index', `${size}, ${why}: it will be rebuilt`, 'run `ragent index` to rebuild it now');
    }
    const stale = status.added.length + status.changed.length + status.removed.length;
    const when = status.updatedAt ? `, updated ${status.updatedAt}` : '';
    if (stale === 0) return ok('index', 'index', `fresh, ${size}${when}`);
    return warn(
      'index',
      'index',
      `stale, ${size}${when}: ${status.added.length} added, ${status.changed.length} changed, ${status.removed.length} removed file(s)`,
      'run `ragent index` (runs update it incrementally as well)',
    );
  } catch (err) {
    return fail('index', 'index', `unreadable (${(err as Error).message})`, 'rebuild it: `ragent index --full`, or delete .ragent/index');
  }
}

function withTimeout(ms: number): { signal: AbortSignal; fetch: typeof fetch } {
  const signal = AbortSignal.timeout(ms);
  return { signal, fetch: (input, init = {}) => fetch(input, { ...init, signal }) };
}

/** The model server, the chat model (pulled, window, tool support) and the embedding model. */
export async function checkModel(config: RagentConfig, timeoutMs: number): Promise<CheckResult[]> {
  const m = config.model;
  const results: CheckResult[] = [];
  const quick: RagentConfig = { ...config, model: { ...m, retries: 0, requestTimeoutMs: timeoutMs } };
  if (m.provider === 'ollama') {
    try {
      const { fetch: f } = withTimeout(timeoutMs);
      const version = await new Ollama({ host: m.host, fetch: f }).version();
      results.push(ok('ollama', 'model', `${m.host} reachable, version ${version.version}`));
    } catch (err) {
      results.push(fail('ollama', 'model', `cannot reach ${m.host} (${reason(err)})`, 'start it with: ollama serve (or point OLLAMA_HOST / model.host at the right host)'));
      return results;
    }
  }
  try {
    const info = await createModelClient(quick).info();
    const detail = `${info.name}: context ${info.contextLength} tokens (ragent uses ${info.numCtx}), ${info.supportsTools ? 'native tool calling' : 'no native tool calling'}`;
    if (!info.supportsTools) results.push(warn('model', 'model', detail, 'ragent drives it with its text tool protocol; a model with tool support (e.g. qwen2.5-coder) usually does better'));
    else if (info.numCtx < SMALL_WINDOW) results.push(warn('model', 'model', detail, `raise model.contextLength (at least ${SMALL_WINDOW}) or pick a model with a larger window`));
    else results.push(ok('model', 'model', detail));
  } catch (err) {
    const hint = err instanceof RagentError && err.hint ? err.hint : `ollama pull ${m.name}`;
    results.push(fail('model', 'model', err instanceof Error ? err.message : String(err), hint));
  }
  results.push(await checkEmbedding(config, timeoutMs));
  return results;
}

async function checkEmbedding(config: RagentConfig, timeoutMs: number): Promise<CheckResult> {
  const e = config.embedding;
  if (e.provider === 'hash') return ok('embedding', 'model', `built-in hash embedder (${e.dimensions} dimensions), no model needed`);
  try {
    const { fetch: f } = withTimeout(timeoutMs);
    const { models } = await new Ollama({ host: config.model.host, fetch: f }).list();
    const names = models.map((x) => x.name);
    const found = names.includes(e.model) || names.includes(`${e.model}:latest`);
    return found
      ? ok('embedding', 'model', `${e.model} pulled`)
      : fail('embedding', 'model', `${e.model} is not pulled on ${config.model.host}`, `ollama pull ${e.model} (or set embedding.provider to "hash")`);
  } catch (err) {
    return fail('embedding', 'model', `cannot list models on ${config.model.host} (${reason(err)})`, 'start Ollama, or set embedding.provider to "hash"');
  }
}

function reason(err: unknown): string {
  const e = err as { cause?: { code?: string; message?: string }; name?: string; message?: string };
  if (e.name === 'TimeoutError' || e.name === 'AbortError') return 'timed out';
  return e.cause?.code ?? e.cause?.message ?? e.message ?? String(err);
}

/** The test command: configured or detected, and whether it starts. A command that runs and fails is fine. */
export async function checkTests(repo: string, config: RagentConfig, opts: DoctorOptions): Promise<CheckResult> {
  const detected = detectTestCommand(repo, config);
  if (!detected) {
    return fail('tests', 'tests', 'no test command configured or detected', 'set agent.testCommand in .agentrc (e.g. "npm test"); ragent verifies its changes with it');
  }
  const command = detected.command;
  const origin = `from ${detected.source}`;
  if (opts.runTests === false) return ok('tests', 'tests', `\`${command}\` (${origin}; not run)`);
  const limitSec = Math.min(config.agent.testTimeoutSec, 300);
  const run = await startsAndExits(command, repo, limitSec * 1000);
  if (run.notFound) return fail('tests', 'tests', `\`${command}\` (${origin}) cannot start: ${run.tail || 'command not found'}`, 'install what it needs, or set agent.testCommand to a command that runs');
  if (run.timedOut) return warn('tests', 'tests', `\`${command}\` (${origin}) still running after ${limitSec}s`, 'raise agent.testTimeoutSec, or point agent.testCommand at a faster subset');
  const result = run.code === 0 ? 'passes' : `runs and exits ${run.code} (failing tests are what ragent fixes)`;
  return ok('tests', 'tests', `\`${command}\` (${origin}) ${result}, ${(run.ms / 1000).toFixed(1)}s`);
}

interface Started {
  code: number | null;
  notFound: boolean;
  timedOut: boolean;
  ms: number;
  tail: string;
}

function startsAndExits(command: string, cwd: string, timeoutMs: number): Promise<Started> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(command, { cwd, shell: true, detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, CI: '1' } });
    let out = '';
    const keep = (b: Buffer) => {
      out = (out + b.toString()).slice(-2000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    }, timeoutMs);
    child.on('error', () => undefined);
    child.on('close', (code) => {
      clearTimeout(timer);
      const tail = out.trim().split('\n').slice(-1)[0] ?? '';
      resolve({ code, notFound: code === 127 || /command not found|not recognized|ENOENT/.test(out) && code !== 0, timedOut, ms: Date.now() - started, tail });
    });
  });
}

/** Every check, in the order a user would fix them. */
export async function runDoctor(opts: DoctorOptions): Promise<CheckResult[]> {
  const results: CheckResult[] = [checkNode(), ...checkGit(opts.repo)];
  const { result, loaded } = checkConfig(opts);
  results.push(result);
  const config = loaded?.config ?? defaultConfig();
  results.push(await checkIndex(opts.repo, config));
  results.push(...(await checkModel(config, opts.timeoutMs ?? 5_000)));
  results.push(await checkTests(opts.repo, config, opts));
  return results;
}

/** 0 when a full run is possible; else 2 for configuration, 3 for the model, 1 for anything else. */
export function doctorExitCode(results: CheckResult[]): number {
  const errors = results.filter((r) => r.status === 'error');
  if (!errors.length) return 0;
  if (errors.some((r) => r.area === 'config')) return 2;
  if (errors.some((r) => r.area === 'model')) return 3;
  return 1;
}
