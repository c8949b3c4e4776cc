import { spawn, execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SandboxError } from './errors.js';

// Next to this file in the sources; a compiled build (dist/evals/passk) finds it in the source tree.
const here = dirname(fileURLToPath(import.meta.url));
const RUNNER = [join(here, 'sandbox-runner.py'), resolve(here, '..', '..', '..', 'evals', 'passk', 'sandbox-runner.py')].find((f) => existsSync(f)) ?? join(here, 'sandbox-runner.py');

/** How one sample ended. */
export type ExecStatus = 'passed' | 'failed' | 'timeout' | 'output_limit';

/** The outcome of executing one program. */
export interface ExecResult {
  status: ExecStatus;
  exitCode: number | null;
  signal: string | null;
  durationMs: number;
  /** The start of stderr (a traceback, usually), at most `keepBytes`. */
  stderr: string;
  /** The start of stdout, at most `keepBytes`. */
  stdout: string;
}

/** Resource limits for one sample. */
export interface SandboxLimits {
  /** Wall-clock limit; the whole process group is killed when it passes. */
  timeoutMs: number;
  /** Address-space limit of the python process. */
  memoryMb: number;
  /** Total stdout + stderr bytes before the sample is killed. */
  outputBytes: number;
  /** Largest file the sample may write. */
  fileBytes: number;
}

/** Limits a sample runs under unless told otherwise: generous for reference solutions, cheap for runaways. */
export const DEFAULT_LIMITS: SandboxLimits = {
  timeoutMs: 10_000,
  memoryMb: 1024,
  outputBytes: 1 << 20,
  fileBytes: 16 << 20,
};

/** Whether samples run without network access, and how. */
export interface NetworkIsolation {
  isolated: boolean;
  /** The command prefix used, e.g. `unshare -rn`; empty when not isolated. */
  method: string;
  /** Why isolation is unavailable, when it is. */
  note?: string;
}

/** Runs programs, one fresh python3 process and temp directory each. */
export interface Sandbox {
  readonly python: string;
  readonly network: NetworkIsolation;
  readonly limits: SandboxLimits;
  run(program: string): Promise<ExecResult>;
}

export interface SandboxOptions {
  /** python3 to use (default: the interpreter `python3` on PATH resolves to). */
  python?: string;
  limits?: Partial<SandboxLimits>;
  /** Skip network isolation (the probe still reports what would have been possible). */
  allowNetwork?: boolean;
}

const KEEP_BYTES = 4096;

function execText(cmd: string, args: string[], timeoutMs: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: timeoutMs, encoding: 'utf8' }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : null) : 0;
      resolve({ code, stdout, stderr: stderr || (err && code === null ? err.message : '') });
    });
  });
}

/** A python3 interpreter and the module search path its normal start-up computes. */
export interface PythonInfo {
  executable: string;
  path: string[];
}

/**
 * The real interpreter behind `python3` (skipping version-manager shims, which cost a process per sample) and
 * its module path. Samples start without `site` (its .pth hooks can cost more than the sample) and get this path.
 */
export async function resolvePython(python = 'python3'): Promise<PythonInfo> {
  const res = await execText(python, ['-I', '-c', 'import json, sys; print(json.dumps([sys.executable, sys.path, sys.version_info[:2]]))'], 30_000);
  let info: PythonInfo | undefined;
  try {
    const [executable, path, version] = JSON.parse(res.stdout) as [string, string[], [number, number]];
    // The runner's guard is an audit hook, which needs 3.8.
    if (version[0] < 3 || (version[0] === 3 && version[1] < 8)) {
      throw new SandboxError(`${python} is Python ${version.join('.')}; samples need 3.8 or newer`, 'pass --python PATH to a newer python3');
    }
    if (res.code === 0 && executable) info = { executable, path: path.filter(Boolean) };
  } catch (err) {
    if (err instanceof SandboxError) throw err;
    // Anything else is reported below.
  }
  if (!info) {
    throw new SandboxError(
      `cannot run ${python}: ${res.stderr.trim().split('\n').pop() || 'not found'}`,
      'install Python 3 or pass --python PATH',
    );
  }
  return info;
}

const probes = new Map<string, Promise<NetworkIsolation>>();

/** Find, once per interpreter and process, a way to run samples without network: `unshare -rn`, then `unshare -n`. */
export function probeNetworkIsolation(python: string): Promise<NetworkIsolation> {
  let probe = probes.get(python);
  if (!probe) {
    probe = (async () => {
      const notes: string[] = [];
      for (const prefix of [['unshare', '-rn'], ['unshare', '-n']]) {
        const res = await execText(prefix[0]!, [...prefix.slice(1), python, '-I', '-S', RUNNER, '--probe-network'], 15_000);
        if (res.code === 0) return { isolated: true, method: prefix.join(' ') };
        notes.push(`${prefix.join(' ')}: ${res.stderr.trim().split('\n').pop() || `exit ${res.code}`}`);
      }
      return { isolated: false, method: '', note: `samples run with network access (${notes.join('; ')})` };
    })();
    probes.set(python, probe);
  }
  return probe;
}

/** Kill a whole process group; it may already be gone. */
function killGroup(pid: number | undefined): void {
  if (!pid) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // ESRCH: nothing left to kill.
  }
}

/** Create a sandbox: resolve python3 and probe network isolation once. */
export async function createSandbox(opts: SandboxOptions = {}): Promise<Sandbox> {
  const { executable: python, path } = await resolvePython(opts.python);
  const probed = await probeNetworkIsolation(python);
  const network: NetworkIsolation = opts.allowNetwork
    ? { isolated: false, method: '', note: 'network allowed on request' }
    : probed;
  const limits: SandboxLimits = { ...DEFAULT_LIMITS, ...opts.limits };
  const prefix = network.isolated ? network.method.split(' ') : [];
  return {
    python,
    network,
    limits,
    run: (program) => runOne(program, python, path, prefix, limits),
  };
}

async function runOne(program: string, python: string, path: string[], prefix: string[], limits: SandboxLimits): Promise<ExecResult> {
  let dir: string;
  try {
    dir = await mkdtemp(join(tmpdir(), 'ragent-passk-'));
    await writeFile(join(dir, 'program.py'), program);
  } catch (err) {
    throw new SandboxError(`cannot prepare a temp directory for a sample: ${(err as Error).message}`, 'check free space and permissions of the temp directory (TMPDIR)');
  }
  try {
    return await execute(dir, python, path, prefix, limits);
  } finally {
    await rm(dir, { recursive: true, force: true }).catch(() => undefined);
  }
}

function execute(dir: string, python: string, path: string[], prefix: string[], limits: SandboxLimits): Promise<ExecResult> {
  const nonce = randomBytes(12).toString('hex');
  const args = [python, '-I', '-S', '-B', RUNNER, String(limits.memoryMb * 1024 * 1024), String(limits.fileBytes), join(dir, 'program.py')];
  const cmd = prefix.length ? prefix[0]! : args.shift()!;
  const argv = prefix.length ? [...prefix.slice(1), ...args] : args;
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, argv, {
      cwd: dir,
      // Its own process group, so a timeout kills everything the sample started.
      detached: true,
      stdio: ['pipe', 'pipe', 'pipe', 'pipe'],
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, TMPDIR: dir, LANG: 'C.UTF-8', PYTHONHASHSEED: '0', RAGENT_PASSK_PATH: JSON.stringify(path) },
    });
    let total = 0;
    let verdict: ExecStatus | undefined;
    let marker = '';
    const kept = { stdout: [] as Buffer[], stderr: [] as Buffer[] };
    const keptBytes = { stdout: 0, stderr: 0 };
    const collect = (which: 'stdout' | 'stderr') => (chunk: Buffer) => {
      total += chunk.length;
      if (keptBytes[which] < KEEP_BYTES) {
        const part = chunk.subarray(0, KEEP_BYTES - keptBytes[which]);
        kept[which].push(part);
        keptBytes[which] += part.length;
      }
      if (total > limits.outputBytes && !verdict) {
        verdict = 'output_limit';
        killGroup(child.pid);
      }
    };
    child.stdout!.on('data', collect('stdout'));
    child.stderr!.on('data', collect('stderr'));
    (child.stdio[3] as NodeJS.ReadableStream).on('data', (chunk: Buffer) => {
      if (marker.length < 64) marker += chunk.toString('utf8');
    });
    child.stdin!.on('error', () => undefined);
    child.stdin!.end(nonce + '\n');
    const timer = setTimeout(() => {
      if (!verdict) verdict = 'timeout';
      killGroup(child.pid);
    }, limits.timeoutMs);
    let exit: { code: number | null; signal: string | null } = { code: null, signal: null };
    child.on('exit', (code, signal) => {
      exit = { code, signal };
      // Whatever the sample left running in the background goes with it.
      killGroup(child.pid);
    });
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(new SandboxError(`cannot start ${cmd}: ${err.message}`, 'install Python 3 or pass --python PATH'));
    });
    child.on('close', () => {
      clearTimeout(timer);
      const status: ExecStatus = verdict ?? (exit.code === 0 && marker === nonce ? 'passed' : 'failed');
      resolve({
        status,
        exitCode: exit.code,
        signal: exit.signal,
        durationMs: Math.round(performance.now() - started),
        stdout: Buffer.concat(kept.stdout).toString('utf8'),
        stderr: Buffer.concat(kept.stderr).toString('utf8'),
      });
    });
  });
}
