/**
 * Running the project's tests: in a process group of their own so a hung run dies with all its children,
 * with a timeout, cancellation, and output kept within a memory cap (the end, where summaries are).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { CancelledError } from '../../src/errors.js';
import { prepareCommand } from './command.js';
import { detectTestCommand } from './detect.js';
import { readResults, stripAnsi } from './parse/index.js';
import type { RunTestsOptions, TestCommand, TestRun } from './types.js';

/** Output kept in memory when the caller sets no cap: 256 KiB of the end. */
export const DEFAULT_OUTPUT_CAP = 256 * 1024;
/** Time between SIGTERM and SIGKILL when a run is stopped. */
const KILL_GRACE_MS = 2_000;

/** Keeps the last `cap` characters of a stream of text. */
class TailBuffer {
  private parts: string[] = [];
  private size = 0;
  dropped = 0;
  constructor(private readonly cap: number) {}

  push(s: string): void {
    if (!s) return;
    this.parts.push(s);
    this.size += s.length;
    if (this.size > this.cap * 2) this.compact();
  }

  private compact(): void {
    const all = this.parts.join('');
    const keep = all.slice(Math.max(0, all.length - this.cap));
    this.dropped += all.length - keep.length;
    this.parts = [keep];
    this.size = keep.length;
  }

  text(): string {
    this.compact();
    return this.parts.join('');
  }
}

function killGroup(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(-pid, sig);
  } catch {
    // The group is already gone.
  }
}

/**
 * Run the test command in `root` and read per-test results. The command runs under `sh -c` in its own
 * process group; at `timeoutMs` (or when `signal` aborts) the whole group gets SIGTERM, then SIGKILL, and
 * any process the run left behind is killed when it ends. Reporter flags are added where the runner has
 * them (vitest/jest JSON, node:test via ragent's reporter, pytest JUnit XML); otherwise the text output is
 * parsed, and `parsed` says whether that worked.
 * @throws CancelledError when `signal` aborts the run (after the processes are gone).
 */
export async function runTests(root: string, cmd: TestCommand | string, opts: RunTestsOptions): Promise<TestRun> {
  const command: TestCommand =
    typeof cmd === 'string' ? { ...detectTestCommand(root, { agent: { testCommand: cmd } })!, source: 'argument' } : cmd;
  if (opts.signal?.aborted) throw new CancelledError('the test run was cancelled before it started');
  const reportDir = mkdtempSync(join(tmpdir(), 'ragent-tests-'));
  try {
    const prepared = prepareCommand(root, command, reportDir, opts.only);
    const env: NodeJS.ProcessEnv = { ...process.env, CI: '1', NO_COLOR: '1', FORCE_COLOR: '0', ...opts.env };
    if (prepared.pathPrefix) env.PATH = prepared.pathPrefix + delimiter + (env.PATH ?? '');
    const out = new TailBuffer(opts.outputCap ?? DEFAULT_OUTPUT_CAP);
    const started = performance.now();

    const { exitCode, timedOut, aborted } = await new Promise<{ exitCode: number | null; timedOut: boolean; aborted: boolean }>(
      (resolve, reject) => {
        const child = spawn('/bin/sh', ['-c', prepared.executed], { cwd: root, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
        const pid = child.pid;
        let timedOut = false;
        let aborted = false;
        let exitCode: number | null = null;
        let killTimer: NodeJS.Timeout | undefined;
        const stop = () => {
          if (pid === undefined) return;
          killGroup(pid, 'SIGTERM');
          killTimer ??= setTimeout(() => killGroup(pid, 'SIGKILL'), KILL_GRACE_MS);
        };
        const timer = setTimeout(() => {
          timedOut = true;
          stop();
        }, opts.timeoutMs);
        const onAbort = () => {
          aborted = true;
          stop();
        };
        opts.signal?.addEventListener('abort', onAbort, { once: true });
        for (const stream of [child.stdout, child.stderr]) {
          const decoder = new StringDecoder('utf8');
          stream.on('data', (b: Buffer) => out.push(decoder.write(b)));
          stream.on('end', () => out.push(decoder.end()));
        }
        child.on('error', (err) => {
          clearTimeout(timer);
          opts.signal?.removeEventListener('abort', onAbort);
          reject(err);
        });
        child.on('exit', (code) => {
          exitCode = code;
          // Whatever the run left behind (servers, watchers) goes with it; this also closes their pipes.
          if (pid !== undefined) killGroup(pid, 'SIGKILL');
        });
        child.on('close', () => {
          clearTimeout(timer);
          clearTimeout(killTimer);
          opts.signal?.removeEventListener('abort', onAbort);
          resolve({ exitCode, timedOut, aborted });
        });
      },
    );
    if (aborted) throw new CancelledError('the test run was cancelled');
    const durationMs = Math.round(performance.now() - started);
    const output = stripAnsi(out.text());
    const results = readResults(root, command.runner, prepared.report, output);
    const count = (s: string) => results.tests.filter((t) => t.status === s).length;
    return {
      root,
      command: command.command,
      executed: prepared.executed,
      exitCode,
      timedOut,
      durationMs,
      output,
      outputDropped: out.dropped,
      tests: results.tests,
      passed: count('passed'),
      failed: count('failed'),
      skipped: count('skipped'),
      parsed: results.parsed && !timedOut,
      parsedFrom: results.parsedFrom,
      only: prepared.only,
    };
  } finally {
    rmSync(reportDir, { recursive: true, force: true });
  }
}
