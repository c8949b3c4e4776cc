import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fastBpeCounter, packContext, packRanking, rank, type Context } from '../../src/retrieval/index.js';
import { bpeCounter, calibratedCounter } from '../../src/util/tokens.js';
import { indexedRepo, type IndexedRepo } from './fixture.js';

let fx: IndexedRepo;
beforeAll(async () => {
  fx = await indexedRepo();
});
afterAll(async () => {
  await fx?.close();
});

const TASKS = [
  'compute_discount raises for lowercase codes',
  'Cart.subtotal multiplies the price by the quantity wrongly',
  'hold back units in the warehouse so nobody else can buy them',
  'Traceback (most recent call last):\n  File "shop/checkout.py", line 9, in checkout\nRuntimeError: out of stock',
  'the storefront shows prices without the currency symbol',
];

const fileLines = (path: string): string[] => readFileSync(join(fx.repo.root, path), 'utf8').split('\n');

/** Check the invariants every packed context keeps. */
function checkContext(ctx: Context, budget: number): void {
  expect(ctx.budget).toBe(budget);
  expect(ctx.tokens).toBeLessThanOrEqual(budget);
  expect(ctx.tokens).toBe(bpeCounter().count(ctx.text));
  const code = ctx.items.filter((i) => i.kind !== 'map');
  // No line twice: ranges of one file never overlap.
  const byPath = new Map<string, Array<[number, number]>>();
  for (const it of code) {
    const ranges = byPath.get(it.path) ?? [];
    for (const [s, e] of ranges) expect(it.endLine < s || it.startLine > e).toBe(true);
    ranges.push([it.startLine, it.endLine]);
    byPath.set(it.path, ranges);
  }
  // Every block shows the file's own lines, numbered as in the file.
  for (const it of code) {
    const header = `### ${it.path}:${it.startLine}-${it.endLine} (${it.reason})\n`;
    const at = ctx.text.indexOf(header);
    expect(at).toBeGreaterThanOrEqual(0);
    const body = ctx.text.slice(at + header.length).split('\n').slice(0, it.endLine - it.startLine + 1);
    const lines = fileLines(it.path);
    body.forEach((l, k) => {
      const n = it.startLine + k;
      expect(l).toBe(lines[n - 1] ? `${n}| ${lines[n - 1]}` : `${n}|`);
    });
  }
}

describe('packContext', () => {
  it('never exceeds the budget, from 50 to 200,000 tokens, and counts exactly', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 50, max: 200_000 }), fc.constantFrom(...TASKS), async (budget, task) => {
        checkContext(await packContext(fx.reader, task, budget), budget);
      }),
      { numRuns: 40 },
    );
  });

  it('keeps budgets at the edges: tiny, exact-fit and huge', async () => {
    for (const budget of [1, 10, 50, 51, 99, 100, 1_000, 2_000, 200_000]) {
      checkContext(await packContext(fx.reader, TASKS[1]!, budget), budget);
    }
  });

  it('gives the best item truncated at a line boundary when the budget is smaller than it', async () => {
    const ctx = await packContext(fx.reader, 'compute_discount raises for lowercase codes', 60);
    expect(ctx.items).toHaveLength(1);
    const item = ctx.items[0]!;
    expect(item).toMatchObject({ path: 'shop/pricing.py', startLine: 7, reason: 'named in task' });
    // The function spans lines 7-13; only its first lines fit.
    expect(item.endLine).toBeGreaterThanOrEqual(7);
    expect(item.endLine).toBeLessThan(13);
    expect(ctx.text.endsWith('\n')).toBe(true);
    checkContext(ctx, 60);
  });

  it('puts the code the task names first, then ranked code with its imports and class header', async () => {
    const ctx = await packContext(fx.reader, 'Cart.subtotal multiplies the price by the quantity wrongly', 150);
    checkContext(ctx, 150);
    const cart = ctx.items.filter((i) => i.path === 'shop/cart.py');
    const covers = (line: number): boolean => cart.some((i) => i.startLine <= line && line <= i.endLine);
    expect(covers(17) && covers(18)).toBe(true); // the method
    expect(covers(2)).toBe(true); // the file's import
    expect(covers(5)).toBe(true); // `class Cart:`
    expect(ctx.items.find((i) => i.startLine <= 17 && 17 <= i.endLine && i.path === 'shop/cart.py')!.reason).toBe('named in task');
    // Blocks of one file appear together, in line order.
    expect(ctx.items[0]!.path).toBe('shop/cart.py');
  });

  it('adds a repository map of the next files when code leaves room', async () => {
    const ranking = await rank(fx.reader, 'compute_discount raises for lowercase codes');
    const ctx = packRanking(ranking, 3_000, { mapShare: 0.5 });
    checkContext(ctx, 3_000);
    const map = ctx.items.filter((i) => i.kind === 'map');
    if (map.length) {
      expect(ctx.text).toContain('### repository map');
      for (const m of map) expect(ctx.items.some((i) => i.kind !== 'map' && i.path === m.path)).toBe(false);
    } else {
      // Everything ranked fitted as code: every file is shown.
      expect(new Set(ctx.items.map((i) => i.path)).size).toBeGreaterThanOrEqual(5);
    }
  });

  it('is deterministic', async () => {
    for (const task of TASKS) {
      const a = await packContext(fx.reader, task, 5_000);
      const b = await packContext(fx.reader, task, 5_000);
      expect(b).toEqual(a);
    }
  });

  it('respects a calibrated counter: the scaled count stays within the budget', async () => {
    const counter = calibratedCounter(fastBpeCounter(), 1.37, 'some-model');
    for (const budget of [80, 700, 9_000]) {
      const ctx = await packContext(fx.reader, TASKS[0]!, budget, { counter });
      expect(ctx.tokenizer).toContain('some-model');
      expect(ctx.tokens).toBeLessThanOrEqual(budget);
      expect(ctx.tokens).toBe(Math.ceil(bpeCounter().count(ctx.text) * 1.37));
    }
  });
});
