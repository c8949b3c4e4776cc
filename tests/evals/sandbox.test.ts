import { existsSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { SandboxError } from '../../evals/passk/errors.js';
import { createSandbox, resolvePython, type Sandbox } from '../../evals/passk/sandbox.js';
import { tempDir } from './passk-helpers.js';

const TIMEOUT_MS = 1500;
let sandbox: Sandbox;

beforeAll(async () => {
  sandbox = await createSandbox({ limits: { timeoutMs: TIMEOUT_MS, memoryMb: 512, outputBytes: 256 * 1024 } });
});

describe('sample sandbox', () => {
  it('passes a program that runs to its end and fails one whose assertion fails', async () => {
    const ok = await sandbox.run('def f(x):\n    return x + 1\nassert f(1) == 2\nprint("fine")\n');
    expect(ok.status).toBe('passed');
    expect(ok.stdout).toBe('fine\n');
    const bad = await sandbox.run('assert 1 + 1 == 3, "arithmetic"\n');
    expect(bad.status).toBe('failed');
    expect(bad.stderr).toMatch(/AssertionError: arithmetic/);
  });

  it('does not count an early exit with status 0 as passing', async () => {
    for (const program of ['import sys\nsys.exit(0)\nassert False\n', 'exit()\nassert False\n', 'import os\nos._exit(0)\nassert False\n']) {
      const res = await sandbox.run(program);
      expect(res.status, program).toBe('failed');
    }
  });

  it('kills a hanging sample and everything it started at the wall-clock limit', async () => {
    const before = Date.now();
    const res = await sandbox.run('import os, time\nif os.fork() == 0:\n    time.sleep(30)\nwhile True:\n    time.sleep(0.01)\n');
    const took = Date.now() - before;
    expect(res.status).toBe('timeout');
    expect(took).toBeGreaterThanOrEqual(TIMEOUT_MS - 50);
    expect(took).toBeLessThan(TIMEOUT_MS + 3000);
  });

  it('does not wait for background processes a finished sample left behind', async () => {
    const before = Date.now();
    const res = await sandbox.run('import os, time\nif os.fork() == 0:\n    time.sleep(30)\n    os._exit(0)\n');
    expect(res.status).toBe('passed');
    expect(Date.now() - before).toBeLessThan(TIMEOUT_MS);
  });

  it('stops a sample that floods its output, keeping only the start', async () => {
    const before = Date.now();
    const res = await sandbox.run('while True:\n    print("x" * 10000)\n');
    expect(res.status).toBe('output_limit');
    expect(res.stdout.length).toBeLessThanOrEqual(4096);
    expect(Date.now() - before).toBeLessThan(TIMEOUT_MS);
  });

  it('enforces the memory limit', async () => {
    const res = await sandbox.run('block = bytearray(1024 * 1024 * 1024)\n');
    expect(res.status).toBe('failed');
    expect(res.stderr).toMatch(/MemoryError/);
  });

  it('caps the size of files a sample writes', async () => {
    const res = await sandbox.run('with open("big.bin", "wb") as f:\n    f.write(b"x" * (64 << 20))\n');
    expect(res.status).toBe('failed');
    expect(res.stderr).toMatch(/File too large/);
  });

  it('keeps writes inside the temp directory and refuses to start other programs', async () => {
    const outside = join(tmpdir(), `ragent-passk-outside-${process.pid}.txt`);
    for (const program of [
      `open(${JSON.stringify(outside)}, "w").write("x")\n`,
      `import os\nos.chdir("/")\nopen(${JSON.stringify(outside.slice(1))}, "a")\n`,
      'import os\nos.symlink("/", "up")\nopen("up/ragent-passk-escape", "w")\n',
      'import os\nos.remove("/etc/hostname")\n',
      'import shutil\nshutil.rmtree("/tmp/nothing-here")\n',
      'import subprocess\nsubprocess.run(["true"])\n',
      'import os\nos.system("true")\n',
    ]) {
      const res = await sandbox.run(program);
      expect(res.status, program).toBe('failed');
      expect(res.stderr, program).toMatch(/PermissionError/);
    }
    expect(existsSync(outside)).toBe(false);
    expect(existsSync('/ragent-passk-escape')).toBe(false);
    const inside = await sandbox.run('import os, shutil, tempfile\nos.mkdir("d")\nopen("d/a", "w").write("x")\nos.rename("d/a", "d/b")\nshutil.rmtree("d")\ntempfile.TemporaryFile().write(b"x")\n');
    expect(inside.stderr).toBe('');
    expect(inside.status).toBe('passed');
  });

  it('runs multiprocessing code (the sample is the __main__ module)', async () => {
    const res = await sandbox.run('import multiprocessing as mp\ndef sq(x):\n    return x * x\nwith mp.Pool(2) as pool:\n    assert pool.map(sq, [1, 2, 3]) == [1, 4, 9]\n');
    expect(res.stderr).toBe('');
    expect(res.status).toBe('passed');
  });

  it('falls back to running with network, and says so, where unshare is unavailable', async () => {
    const { executable } = await resolvePython();
    // A PATH without unshare, and an interpreter path of its own so the probe is not answered from cache.
    const bin = tempDir('ragent-passk-bin-');
    symlinkSync(executable, join(bin, 'python3'));
    const savedPath = process.env.PATH;
    process.env.PATH = bin;
    try {
      const open = await createSandbox({ python: join(bin, 'python3') });
      expect(open.network).toMatchObject({ isolated: false, method: '' });
      expect(open.network.note).toMatch(/samples run with network access \(unshare -rn: .*; unshare -n: .*\)/);
      expect((await open.run('assert 2 + 2 == 4\n')).status).toBe('passed');
    } finally {
      process.env.PATH = savedPath;
    }
  });

  it('refuses an interpreter older than 3.8', async () => {
    const bin = tempDir('ragent-passk-bin-');
    const old = join(bin, 'python3');
    // Stands in for an old interpreter: answers the start-up query the way Python 3.6 would.
    writeFileSync(old, '#!/bin/sh\necho \'["/usr/bin/python3.6", ["/usr/lib/python3.6"], [3, 6]]\'\n', { mode: 0o755 });
    const err = await resolvePython(old).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SandboxError);
    expect((err as SandboxError).message).toMatch(/Python 3\.6; samples need 3\.8/);
  });

  it('says how to fix a missing interpreter', async () => {
    const err = await createSandbox({ python: '/nonexistent/python3' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SandboxError);
    expect((err as SandboxError).hint).toMatch(/--python/);
  });

  it('gives the sample an empty stdin, its own temp directory, and removes it afterwards', async () => {
    const res = await sandbox.run('import os, sys\nassert sys.stdin.read() == ""\nopen("scratch.txt", "w").write("x")\nprint(os.getcwd())\n');
    expect(res.status).toBe('passed');
    const dir = res.stdout.trim();
    expect(basename(dir)).toMatch(/^ragent-passk-/);
    expect(existsSync(dir)).toBe(false);
  });

  it('reports a crash (a signal) as a failure', async () => {
    const res = await sandbox.run('import os, signal\nos.kill(os.getpid(), signal.SIGSEGV)\n');
    expect(res.status).toBe('failed');
    expect(res.signal).toBe('SIGSEGV');
  });

  it('cuts samples off the network when the OS allows it', async () => {
    const res = await sandbox.run('import socket\nsocket.create_connection(("192.0.2.1", 80), timeout=1)\n');
    if (sandbox.network.isolated) {
      expect(res.status).toBe('failed');
      expect(res.stderr).toMatch(/Network is unreachable/);
    } else {
      expect(sandbox.network.note).toMatch(/network/);
    }
  });

  it('gives samples the module path of a normal python3 start-up, and exit()', async () => {
    const res = await sandbox.run('import json, sys\nprint(json.dumps(sys.path))\nexit(0)\n');
    expect(JSON.parse(res.stdout)).toEqual((await resolvePython()).path);
    expect(res.stderr).toMatch(/called exit\(0\)/);
  });

  it('runs samples in parallel without mixing their outputs', async () => {
    const results = await Promise.all(Array.from({ length: 6 }, (_, i) => sandbox.run(`print(${i} * 7)\n`)));
    expect(results.map((r) => r.stdout.trim())).toEqual(['0', '7', '14', '21', '28', '35']);
  });
});
