import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bpeCounter } from '../../src/util/tokens.js';
import { packRanking, rank, type Context } from '../../src/retrieval/index.js';
import { indexedRepo, type IndexedRepo } from './fixture.js';

// Unrelated functions around the one a task names: they rank for nothing, so only a rule that packs
// a small file whole brings them in.
const filler = (prefix: string, n: number): string =>
  Array.from({ length: n }, (_, k) => `def ${prefix}_helper_${k}(value):\n    """Step ${k} of ${prefix}."""\n    return value + ${k}\n`).join('\n\n');

const FILES: Record<string, string> = {
  'lib/small.py': `${filler('alpha', 3)}\n\ndef frobnicate_widget(widget):\n    """Twist a widget."""\n    return widget[::-1]\n\n\n${filler('beta', 3)}`,
  'lib/large.py': `${filler('gamma', 60)}\n\ndef frobnicate_gadget(gadget):\n    """Twist a gadget like frobnicate_widget does."""\n    return gadget\n\n\n${filler('delta', 60)}`,
};

let fx: IndexedRepo;
beforeAll(async () => {
  fx = await indexedRepo(FILES);
});
afterAll(async () => {
  await fx?.close();
});

const lineCount = (path: string): number => FILES[path]!.replace(/\n$/, '').split('\n').length;
const covered = (ctx: Context, path: string): number =>
  ctx.items.filter((i) => i.path === path && i.kind !== 'map').reduce((a, i) => a + i.endLine - i.startLine + 1, 0);

describe('packing small files whole, and blocks joined across blank lines', () => {
  it('packs a file whole when its code ranks and it is small against the budget; a large one stays in pieces', async () => {
    const r = await rank(fx.reader, 'frobnicate_widget twists the widget the wrong way', { noVector: true });
    const budget = 8000;
    const ctx = packRanking(r, budget, { fillFiles: 0, wholeFileShare: 0.1 });
    expect(ctx.tokens).toBeLessThanOrEqual(budget);
    expect(ctx.tokens).toBe(bpeCounter().count(ctx.text));
    expect(covered(ctx, 'lib/small.py')).toBe(lineCount('lib/small.py'));
    expect(covered(ctx, 'lib/large.py')).toBeGreaterThan(0);
    expect(covered(ctx, 'lib/large.py')).toBeLessThan(lineCount('lib/large.py'));
  });

  it('packs only the ranked code when turned off, and when the file is large against a small budget', async () => {
    const r = await rank(fx.reader, 'frobnicate_widget twists the widget the wrong way', { noVector: true });
    for (const [budget, share] of [
      [8000, 0],
      [400, 0.1],
    ] as const) {
      const ctx = packRanking(r, budget, { fillFiles: 0, wholeFileShare: share });
      expect(ctx.tokens).toBeLessThanOrEqual(budget);
      expect(covered(ctx, 'lib/small.py')).toBeGreaterThan(0);
      expect(covered(ctx, 'lib/small.py')).toBeLessThan(lineCount('lib/small.py'));
    }
  });

  it('joins blocks of a file that only blank lines separate: one header instead of two', async () => {
    const r = await rank(fx.reader, 'frobnicate_widget and alpha_helper_2 disagree', { noVector: true });
    const ctx = packRanking(r, 8000, { fillFiles: 0, wholeFileShare: 0, surround: 0 });
    const blocks = ctx.items.filter((i) => i.path === 'lib/small.py' && i.kind !== 'map').sort((a, b) => a.startLine - b.startLine);
    const lines = FILES['lib/small.py']!.split('\n');
    const helper = lines.findIndex((l) => l.startsWith('def alpha_helper_2')) + 1;
    const target = lines.findIndex((l) => l.startsWith('def frobnicate_widget')) + 1;
    const block = blocks.find((b) => b.startLine <= helper && helper <= b.endLine);
    expect(block).toBeDefined();
    expect(block!.endLine).toBeGreaterThanOrEqual(target + 2);
    expect(ctx.tokens).toBe(bpeCounter().count(ctx.text));
    // And nowhere are two blocks of a file left apart by blank lines alone.
    for (let k = 1; k < blocks.length; k++) {
      const gap = lines.slice(blocks[k - 1]!.endLine, blocks[k]!.startLine - 1);
      expect(gap.some((l) => l.trim())).toBe(true);
    }
  });
});
