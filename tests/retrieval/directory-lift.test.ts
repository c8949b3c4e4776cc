import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rank } from '../../src/retrieval/index.js';
import { loadCorpus } from '../../src/retrieval/corpus.js';
import { analyzeQuery } from '../../src/retrieval/query.js';
import { directoryLift } from '../../src/retrieval/signals.js';
import { indexedRepo, type IndexedRepo } from './fixture.js';

// Two renderers with the same code in different areas of the library, plus enough other source that
// neither area holds most of it.
const blend = (name: string): string => `export function ${name}(gl, mode) {\n  // apply the blend mode to the drawing context\n  gl.blendMode = mode;\n  return gl;\n}\n`;
const FILES: Record<string, string> = {
  'lib/canvas/blending.js': blend('applyBlend'),
  'lib/webgl/blending.js': blend('applyBlend'),
  'lib/webgl/shaders.js': 'export function compile(gl, src) {\n  return gl.compile(src);\n}\n',
  'lib/core/events.js': 'export function on(el, name, fn) {\n  el.addEventListener(name, fn);\n}\n',
  'lib/core/timers.js': 'export function every(ms, fn) {\n  return setInterval(fn, ms);\n}\n',
  'lib/core/strings.js': 'export function pad(s, n) {\n  return s.padStart(n);\n}\n',
  'test/webgl/blending.test.js': "import { applyBlend } from '../../lib/webgl/blending.js';\n",
};

let fx: IndexedRepo;
beforeAll(async () => {
  fx = await indexedRepo(FILES);
});
afterAll(async () => {
  await fx?.close();
});

const TASK = 'WebGL: the blend mode is ignored\n\nSetting a blend mode has no effect when drawing.';

describe('directories the title names', () => {
  it('lift the files under them in the file ranking by the given factor', async () => {
    const score = async (dirLift?: number): Promise<(path: string) => number> => {
      const r = await rank(fx.reader, TASK, { noVector: true, dirLift });
      return (path) => r.fileScore[r.corpus.fileByPath.get(path)!]!;
    };
    const [lifted, plain] = [await score(), await score(0)];
    const ratio = (s: (p: string) => number): number => s('lib/webgl/blending.js') / s('lib/canvas/blending.js');
    expect(ratio(lifted) / ratio(plain)).toBeCloseTo(1.3, 6);
    // A file outside any named area keeps its score relative to another outside.
    expect(lifted('lib/core/events.js') / lifted('lib/canvas/blending.js')).toBeCloseTo(plain('lib/core/events.js') / plain('lib/canvas/blending.js'), 6);
  });

  it('count only in the title and only for areas, not for the directory holding the source', async () => {
    const c = await loadCorpus(fx.reader);
    const lifted = (task: string): Record<string, number> =>
      Object.fromEntries([...directoryLift(c, analyzeQuery(task), 0.3)].map(([f, x]) => [c.files[f]!.path, Math.round(x * 100) / 100]));
    expect(lifted('WebGL blending is wrong')).toEqual({ 'lib/webgl/blending.js': 1.3, 'lib/webgl/shaders.js': 1.3, 'test/webgl/blending.test.js': 1.3 });
    // `lib/` holds all of the source: it names no area.
    expect(lifted('lib: blending is wrong')).toEqual({});
    expect(lifted('Blending is wrong\n\nonly with webgl')).toEqual({});
    expect(lifted('WebGL blending is wrong')).toEqual(lifted('webgl blending is wrong'));
    expect(directoryLift(c, analyzeQuery('WebGL blending'), 0).size).toBe(0);
  });
});
