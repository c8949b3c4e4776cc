import { spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { progressLine, progressReporter } from '../../src/cli/progress.js';
import type { IndexPhase, IndexProgress } from '../../indexers/types.js';
import { makeRepo, type FixtureRepo } from '../helpers/git-repo.js';
import { FIXTURE } from './index-fixture.js';

const BIN = fileURLToPath(new URL('../../bin/ragent.js', import.meta.url));
const repos: FixtureRepo[] = [];
afterEach(() => {
  while (repos.length) repos.pop()!.cleanup();
});

function ragent(...args: string[]) {
  const res = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, OLLAMA_HOST: '' } });
  return { code: res.status, stdout: res.stdout, stderr: res.stderr };
}

describe('ragent index', () => {
  it('prints the final statistics as JSON and draws no progress when not on a terminal', () => {
    const repo = makeRepo(FIXTURE);
    repos.push(repo);
    const res = ragent('index', '--repo', repo.root, '--json');
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).toBe('');
    const stats = JSON.parse(res.stdout) as Record<string, unknown>;
    expect(Object.keys(stats).sort()).toEqual(['changed', 'chunks', 'edges', 'files', 'ms', 'removed', 'skipped', 'symbols']);
    expect(stats).toMatchObject({ files: 8, changed: 8, removed: 0, skipped: {} });

    const text = ragent('index', '--repo', repo.root);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^indexed 8 files \(0 parsed, 0 removed\): \d+ symbols, \d+ chunks, \d+ edges in [\d.]+s\n$/);

    const full = JSON.parse(ragent('index', '--repo', repo.root, '--json', '--full').stdout) as Record<string, unknown>;
    expect(full).toMatchObject({ files: 8, changed: 8 });
  });

  it('reports stale files with --status, as text and JSON', () => {
    const repo = makeRepo(FIXTURE);
    repos.push(repo);
    expect(ragent('index', '--repo', repo.root, '--status').stdout).toBe(
      'there is no index yet: the next `ragent index` builds it from scratch (8 files)\n',
    );
    ragent('index', '--repo', repo.root);
    expect(ragent('index', '--repo', repo.root, '--status').stdout).toBe('the index is up to date\n');
    repo.write('src/greeter.ts', FIXTURE['src/greeter.ts'] + '\n// edited\n');
    repo.write('docs/new guide.md', '# guide\n');
    const text = ragent('index', '--repo', repo.root, '--status');
    expect(text.stdout).toBe('added    docs/new guide.md\nchanged  src/greeter.ts\n1 added, 1 changed, 0 removed\n');
    const json = JSON.parse(ragent('index', '--repo', repo.root, '--status', '--json').stdout) as Record<string, unknown>;
    expect(json).toMatchObject({ exists: true, rebuild: '', added: ['docs/new guide.md'], changed: ['src/greeter.ts'], removed: [] });
  });

  it('documents its flags', () => {
    const help = ragent('index', '--help');
    expect(help.code).toBe(0);
    for (const flag of ['--status', '--full', '--json']) expect(help.stdout).toContain(flag);
  });

  it('fails with exit code 3 and a hint when the Ollama embedder cannot be reached', async () => {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    await new Promise((r) => server.close(r));
    const repo = makeRepo({
      ...FIXTURE,
      '.agentrc': JSON.stringify({ embedding: { provider: 'ollama' }, model: { host: `http://127.0.0.1:${port}`, retries: 0 } }),
    });
    repos.push(repo);
    const res = ragent('index', '--repo', repo.root);
    expect(res.code).toBe(3);
    expect(res.stderr).toContain(`error: cannot reach Ollama at http://127.0.0.1:${port}`);
    expect(res.stderr).toMatch(/hint: start it with `ollama serve`/);
  });
});

describe('progress display', () => {
  it('draws phases, rate and ETA on a terminal, throttled, and clears the line at the end', () => {
    let t = 0;
    const out: string[] = [];
    const p = progressReporter({ isTTY: true, columns: 200, write: (s) => (out.push(s), true) }, () => t);
    p.update({ phase: 'scan', done: 1, total: 100 });
    t = 50;
    p.update({ phase: 'scan', done: 40, total: 100 }); // within one frame: not drawn
    t = 1000;
    p.update({ phase: 'scan', done: 100, total: 100 });
    t = 1100;
    p.update({ phase: 'parse', done: 1, total: 50 });
    t = 3100;
    p.update({ phase: 'parse', done: 21, total: 50 });
    p.done();
    expect(out).toEqual([
      '\r\x1b[2Kscanned 1/100',
      '\r\x1b[2Kscanned 100',
      '\r\x1b[2Kscanned 100 · parsed 1/50',
      '\r\x1b[2Kscanned 100 · parsed 21/50 · 10/s · ETA 3s',
      '\r\x1b[2K',
    ]);
  });

  it('fits the line to the terminal width, and treats a width of 0 (a pty without a size) as 80 columns', () => {
    const draw = (columns: number) => {
      const out: string[] = [];
      const p = progressReporter({ isTTY: true, columns, write: (s) => (out.push(s), true) }, () => 0);
      p.update({ phase: 'scan', done: 1, total: 1729 });
      return out[0]!.replace('\r\x1b[2K', '');
    };
    expect(draw(0)).toBe('scanned 1/1729');
    expect(draw(10)).toBe('scanned 1');
  });

  it('stays silent when the stream is not a terminal', () => {
    const out: string[] = [];
    const p = progressReporter({ isTTY: false, write: (s) => (out.push(s), true) });
    p.update({ phase: 'scan', done: 1, total: 1 });
    p.done();
    expect(out).toEqual([]);
  });

  it('shows every phase seen so far and the optimize step', () => {
    const counts = new Map<IndexPhase, IndexProgress>([
      ['scan', { phase: 'scan', done: 10, total: 10 }],
      ['parse', { phase: 'parse', done: 4, total: 4 }],
      ['embed', { phase: 'embed', done: 4, total: 4 }],
      ['write', { phase: 'write', done: 4, total: 4 }],
    ]);
    expect(progressLine(counts, { phase: 'optimize', done: 0, total: 1 }, 10)).toBe(
      'scanned 10 · parsed 4/4 · embedded 4 · written 4 · optimizing',
    );
  });
});
