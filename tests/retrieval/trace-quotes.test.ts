import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCorpus } from '../../src/retrieval/corpus.js';
import { analyzeQuery } from '../../src/retrieval/query.js';
import { traceChunks } from '../../src/retrieval/signals.js';
import { indexedRepo, type IndexedRepo } from './fixture.js';

// Five modules raise errors with the same common phrase; one raises a message of its own.
const common = (k: number): string =>
  `def get_${k}(obj, name):\n    if not hasattr(obj, name):\n        raise AttributeError(f"{name} has no attribute here in module ${k}")\n    return getattr(obj, name)\n`;
const FILES: Record<string, string> = {
  ...Object.fromEntries([1, 2, 3, 4, 5].map((k) => [`pkg/m${k}.py`, common(k)])),
  'pkg/store.py': 'def save(store, key):\n    if key in store:\n        raise KeyError("refusing to overwrite a stored value")\n    store[key] = True\n',
};

let fx: IndexedRepo;
beforeAll(async () => {
  fx = await indexedRepo(FILES);
});
afterAll(async () => {
  await fx?.close();
});

const traced = async (task: string): Promise<string[]> => {
  const c = await loadCorpus(fx.reader);
  return traceChunks(c, analyzeQuery(task)).items.map((it) => c.chunks[it.id]!.path);
};

describe('quoted messages', () => {
  it('point at the one place that says them', async () => {
    expect(await traced('Saving twice fails:\n\nKeyError: refusing to overwrite a stored value')).toEqual(['pkg/store.py']);
  });

  it('point nowhere when many places say them', async () => {
    expect(await traced('Lookup fails:\n\nAttributeError: has no attribute here in module')).toEqual([]);
  });
});
