import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fastBpeCounter, packRanking, rank, type Ranking } from '../../src/retrieval/index.js';
import { indexedRepo, type IndexedRepo } from './fixture.js';

// One large file that matches the task everywhere, and a few small ones that each match it once: the
// fix may well need one of the small ones.
function bigFile(): string {
  const out: string[] = [];
  for (let k = 0; k < 40; k++) {
    out.push(`export function drawTooltipFrame${k}(ctx, tooltip) {`);
    for (let j = 0; j < 8; j++) out.push(`  ctx.strokeTooltip(tooltip.frame, tooltip.caret, ${k * 10 + j}); // tooltip caret frame`);
    out.push('}', '');
  }
  return out.join('\n');
}

// A function that shares one common word with the task.
function sizesFile(): string {
  const body = Array.from({ length: 20 }, (_, j) => `  width -= options.padding${j} + options.margin${j};`);
  return ['export function layoutSizes(options) {', '  // keeps the frame inside the chart area', '  let width = options.width;', ...body, '  return width;', '}', ''].join('\n');
}

const FILES: Record<string, string> = {
  'src/tooltip.js': bigFile(),
  'src/sizes.js': sizesFile(),
  'src/legend.js': 'export function legendBox(options) {\n  return options.boxWidth + options.padding;\n}\n',
  'src/scale.js': 'export function tickCount(range) {\n  return Math.ceil(range / 10);\n}\n',
};

const TASK = 'The tooltip caret is drawn outside the tooltip frame';

let fx: IndexedRepo;
let ranking: Ranking;
beforeAll(async () => {
  fx = await indexedRepo(FILES);
  ranking = await rank(fx.reader, TASK, { noVector: true });
  // The other file's code ranks below all of the large file's, as when many chunks of one file match the
  // task's words: only the file ranking still places it near the top.
  const small = (i: number): boolean => ranking.corpus.chunks[i]!.path === 'src/sizes.js';
  const large = ranking.chunkOrder.filter((i) => !small(i));
  const floor = Math.min(...large.map((i) => ranking.chunkScore[i]!));
  for (const i of ranking.chunkOrder) if (small(i)) ranking.chunkScore[i] = floor / 2;
  ranking.chunkOrder = [...large, ...ranking.chunkOrder.filter(small)];
});
afterAll(async () => {
  await fx?.close();
});

const paths = (breadthFiles?: number, budget = 6000): Set<string> =>
  new Set(packRanking(ranking, budget, { counter: fastBpeCounter(), breadthFiles }).items.filter((i) => i.kind !== 'map').map((i) => i.path));

describe('packing breadth', () => {
  it('ranks the large file first and the small matching file next', () => {
    const files = ranking.fileOrder.map((f) => ranking.corpus.files[f]!.path);
    expect(files[0]).toBe('src/tooltip.js');
    expect(files.indexOf('src/sizes.js')).toBeGreaterThan(0);
    expect(files.indexOf('src/sizes.js')).toBeLessThan(10);
  });

  it('gives each of the best files its best code before the first file a second block', () => {
    expect(paths()).toContain('src/sizes.js');
    expect(paths(2, 1_000)).toContain('src/sizes.js');
  });

  it('reaches fewer files on a small budget', () => {
    // One file per 2,700 tokens: none below 1,350.
    expect(paths(undefined, 1_000)).toEqual(new Set(['src/tooltip.js']));
  });

  it('without the breadth pass the large file takes the whole budget', () => {
    expect(paths(0)).toEqual(new Set(['src/tooltip.js']));
  });
});
