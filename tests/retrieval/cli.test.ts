import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bpeCounter } from '../../src/util/tokens.js';
import { makeRepo, type FixtureRepo } from '../helpers/git-repo.js';
import { indexedRepo, type IndexedRepo } from './fixture.js';
import { cliInProcess } from '../helpers/cli.js';

const projectRoot = join(import.meta.dirname, '..', '..');

function ragent(cwd: string, ...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(projectRoot, 'bin', 'ragent.js'), ...args], { cwd, env: { ...process.env, RAGENT_FROM_SOURCE: '1', HOME: cwd } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Run the CLI in this process (a child pays for a cold start each time); returns what it printed. */
const inProcess = (...args: string[]) => cliInProcess(args);

let fx: IndexedRepo;
let bare: FixtureRepo;
beforeAll(async () => {
  fx = await indexedRepo();
  bare = makeRepo({ 'a.py': 'x = 1\n' });
});
afterAll(async () => {
  await fx?.close();
  bare?.cleanup();
});

describe('ragent search and context', () => {
  it('ends quietly when the reader of its output stops early (`| head`)', async () => {
    const child = spawn(process.execPath, [join(projectRoot, 'bin', 'ragent.js'), 'search', '--k', '50', 'discount'], {
      cwd: fx.repo.root,
      env: { ...process.env, RAGENT_FROM_SOURCE: '1', HOME: fx.repo.root },
    });
    // The read end is gone before anything is written: every write fails with EPIPE.
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });

  it('search --json prints ranked symbols with the signals that matched', async () => {
    const { code, stdout } = await ragent(fx.repo.root, 'search', '--json', '--k', '3', 'compute_discount returns the wrong value');
    expect(code).toBe(0);
    const hits = JSON.parse(stdout) as Array<Record<string, unknown>>;
    expect(hits).toHaveLength(3);
    for (const h of hits) expect(Object.keys(h).sort()).toEqual(['endLine', 'kind', 'name', 'path', 'score', 'signals', 'startLine']);
    expect(hits[0]).toMatchObject({ path: 'shop/pricing.py', name: 'compute_discount', startLine: 7, endLine: 13, kind: 'function' });
    expect(hits[0]!.signals).toContain('name');
  });

  it('search --files --json prints ranked files', async () => {
    const { code, stdout } = await inProcess('--repo', fx.repo.root, 'search', '--files', '--json', 'reserve stock in the warehouse');
    expect(code).toBe(0);
    const files = JSON.parse(stdout) as Array<Record<string, unknown>>;
    for (const f of files) expect(Object.keys(f).sort()).toEqual(['path', 'score', 'signals']);
    expect(files[0]!.path).toBe('shop/inventory.py');
  });

  it('context --json packs within the budget with an exact count, from an argument or a task file', async () => {
    const task = 'Cart.subtotal multiplies the price by the quantity wrongly';
    const a = await inProcess('--repo', fx.repo.root, 'context', '--json', '--budget', '300', task);
    expect(a.code).toBe(0);
    const ctx = JSON.parse(a.stdout) as { budget: number; tokens: number; tokenizer: string; items: Array<Record<string, unknown>>; text: string };
    expect(Object.keys(ctx).sort()).toEqual(['budget', 'items', 'text', 'tokenizer', 'tokens']);
    expect(ctx.budget).toBe(300);
    expect(ctx.tokenizer).toBe('cl100k_base');
    expect(ctx.tokens).toBeLessThanOrEqual(300);
    expect(ctx.tokens).toBe(bpeCounter().count(ctx.text));
    for (const it of ctx.items) expect(Object.keys(it).sort()).toEqual(['endLine', 'kind', 'path', 'reason', 'startLine', 'tokens']);
    expect(ctx.text.startsWith('### shop/cart.py:')).toBe(true);

    const file = join(fx.repo.root, 'task.md');
    writeFileSync(file, task);
    const b = await inProcess('--repo', fx.repo.root, 'context', '--json', '--budget', '300', '--task-file', file);
    expect(JSON.parse(b.stdout)).toEqual(ctx);
    // Unquoted words are one task, as a shell user types it.
    const c = await inProcess('--repo', fx.repo.root, 'context', '--json', '--budget', '300', ...task.split(' '));
    expect(JSON.parse(c.stdout)).toEqual(ctx);
  });

  it('search takes an unquoted query as the same query', async () => {
    const quoted = await inProcess('--repo', fx.repo.root, 'search', '--json', 'reserve stock in the warehouse');
    const words = await inProcess('--repo', fx.repo.root, 'search', '--json', 'reserve', 'stock', 'in', 'the', 'warehouse');
    expect(words.code).toBe(0);
    expect(JSON.parse(words.stdout)).toEqual(JSON.parse(quoted.stdout));
  });

  it('context counts with the stored calibration of the configured model', async () => {
    mkdirSync(join(fx.repo.root, '.ragent'), { recursive: true });
    writeFileSync(join(fx.repo.root, '.ragent', 'calibration.json'), JSON.stringify({ 'qwen2.5-coder:7b': { factor: 1.25, samples: 3 } }));
    const { code, stdout } = await inProcess('--repo', fx.repo.root, 'context', '--json', '--budget', '400', 'compute_discount');
    expect(code).toBe(0);
    const ctx = JSON.parse(stdout) as { tokens: number; tokenizer: string; text: string };
    expect(ctx.tokenizer).toContain('1.250');
    expect(ctx.tokens).toBe(Math.ceil(bpeCounter().count(ctx.text) * 1.25));
    expect(ctx.tokens).toBeLessThanOrEqual(400);
  });

  it('says what to do when there is no index or a flag is wrong', async () => {
    const none = await inProcess('--repo', bare.root, 'search', 'x');
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/no index/);
    expect(none.stderr).toMatch(/hint: run: ragent index/);
    const badK = await inProcess('--repo', fx.repo.root, 'search', '--k', 'zero', 'x');
    expect(badK.code).toBe(2);
    expect(badK.stderr).toMatch(/--k must be a positive integer/);
    const noTask = await inProcess('--repo', fx.repo.root, 'context');
    expect(noTask.code).toBe(2);
    expect(noTask.stderr).toMatch(/no task given/);
  });
});
