import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as lancedb from '@lancedb/lancedb';
import { Float32, Int32 } from 'apache-arrow';
import { afterEach, describe, expect, it } from 'vitest';
import { hashEmbed } from '../../indexers/embed/index.js';
import { IndexLockedError, IndexWriter, indexDir, openIndex, SCHEMA_VERSION, type FileUpdate } from '../../indexers/store/index.js';
import { metaSchema, toArrow } from '../../indexers/store/schema.js';
import { codeTokens } from '../../indexers/tokenize.js';
import type { ChunkRecord } from '../../indexers/types.js';
import { IndexError } from '../../src/errors.js';
import { makeRepo, type FixtureRepo } from '../helpers/git-repo.js';

const DIM = 32;
const EMBEDDER = { name: 'hash-v1', dimensions: DIM };
const repos: FixtureRepo[] = [];
afterEach(() => {
  while (repos.length) repos.pop()!.cleanup();
});
const tempRoot = () => {
  const r = makeRepo({}, { git: false });
  repos.push(r);
  return r.root;
};

function chunk(path: string, name: string, code: string, startLine = 1): ChunkRecord {
  const text = `${path}\n${name}\n${code}`;
  return {
    id: `${path}#${name}`,
    path,
    fileHash: `hash-of-${path}`,
    language: 'typescript',
    kind: 'function',
    name,
    qualifiedName: name,
    signature: `function ${name}()`,
    doc: '',
    startLine,
    endLine: startLine + 2,
    parent: '',
    text,
    tokens: codeTokens(text).join(' '),
  };
}

function update(path: string, chunks: ChunkRecord[], hash = `hash-of-${path}`): FileUpdate {
  return {
    file: { path, hash, language: 'typescript', size: 10, skipReason: '', lossyUtf8: false, imports: '[]', symbols: chunks.length, mtimeMs: -1 },
    chunks: chunks.map((c) => ({ ...c, vector: hashEmbed(c.text, DIM) })),
    edges: [{ fromPath: path, fromSymbol: chunks[0]?.qualifiedName ?? '', kind: 'ref', target: 'helper', toPath: '', line: 2 }],
  };
}

async function build(root: string, updates: FileUpdate[]): Promise<void> {
  const w = await IndexWriter.open(root, { embedder: EMBEDDER });
  try {
    await w.write(updates);
    await w.finish();
  } finally {
    await w.close();
  }
}

describe('index store', () => {
  it('round-trips records with explicit column types and answers full-text and vector queries', async () => {
    const root = tempRoot();
    await build(root, [
      update('src/tokens.ts', [chunk('src/tokens.ts', 'countTokens', 'return encoder.encode(text).length', 10)]),
      update('src/http.ts', [chunk('src/http.ts', 'startHttpServer', 'server.listen(port)')]),
    ]);
    expect(readFileSync(join(root, '.ragent', '.gitignore'), 'utf8')).toBe('*\n');
    const db = await lancedb.connect(indexDir(root));
    const schema = await (await db.openTable('chunks')).schema();
    expect(schema.fields.find((f) => f.name === 'startLine')!.type).toMatchObject({ typeId: new Int32().typeId, bitWidth: 32 });
    const vec = schema.fields.find((f) => f.name === 'vector')!.type;
    expect(vec.listSize).toBe(DIM);
    expect(vec.children[0].type.typeId).toBe(new Float32().typeId);
    db.close();

    const index = await openIndex(root);
    try {
      expect(index.meta).toMatchObject({ schemaVersion: SCHEMA_VERSION, embedder: EMBEDDER });
      const fts = await index.fullTextSearch('where are tokens counted', 5);
      expect(fts[0]!.chunk).toEqual(chunk('src/tokens.ts', 'countTokens', 'return encoder.encode(text).length', 10));
      expect(fts.map((h) => h.chunk.path)).not.toContain('src/http.ts');
      const near = await index.vectorSearch(hashEmbed('start the http server', DIM), 2);
      expect(near[0]!.chunk.name).toBe('startHttpServer');
      expect(near[0]!.score).toBeGreaterThan(near[1]!.score);
      await expect(index.vectorSearch(new Float32Array(DIM + 1), 1)).rejects.toThrow(IndexError);
      const all = await index.allChunks();
      expect(all.map((c) => c.name).sort()).toEqual(['countTokens', 'startHttpServer']);
      expect(await index.allChunks()).toBe(all);
      expect((await index.allEdges()).map((e) => e.fromPath).sort()).toEqual(['src/http.ts', 'src/tokens.ts']);
      expect((await index.allFiles()).find((f) => f.path === 'src/http.ts')).toEqual({
        path: 'src/http.ts', hash: 'hash-of-src/http.ts', language: 'typescript', size: 10, skipReason: '', lossyUtf8: false,
      });
      expect(index.embedder().dimensions).toBe(DIM);
    } finally {
      await index.close();
    }
  });

  it('replaces a file\'s rows by path and removes deleted files', async () => {
    const root = tempRoot();
    await build(root, [update('a.ts', [chunk('a.ts', 'alpha', 'x')]), update('b.ts', [chunk('b.ts', 'beta', 'y')])]);
    const w = await IndexWriter.open(root, { embedder: EMBEDDER });
    expect(w.fresh).toBe(false);
    await w.write([update('a.ts', [chunk('a.ts', 'alphaTwo', 'x'), chunk('a.ts', 'alphaThree', 'z')], 'new-hash')]);
    await w.remove(['b.ts']);
    await w.finish();
    await w.close();
    const index = await openIndex(root);
    expect((await index.allChunks()).map((c) => c.name).sort()).toEqual(['alphaThree', 'alphaTwo']);
    expect((await index.allFiles()).map((f) => [f.path, f.hash])).toEqual([['a.ts', 'new-hash']]);
    expect(await index.allEdges()).toHaveLength(1);
    await index.close();
  });

  it('answers full-text queries over rows written before the full-text index exists', async () => {
    const root = tempRoot();
    await build(root, []);
    const w = await IndexWriter.open(root, { embedder: EMBEDDER });
    expect(w.fresh).toBe(false);
    await w.write([update('a.ts', [chunk('a.ts', 'parseManifest', 'x')])]);
    // No finish(): as if the run had been killed here.
    const index = await openIndex(root);
    expect((await index.fullTextSearch('manifest', 3)).map((h) => h.chunk.name)).toEqual(['parseManifest']);
    await index.close();
    await w.close();
  });

  it('records the run complete before building the search indexes, and runs a reader alongside them', async () => {
    const root = tempRoot();
    const w = await IndexWriter.open(root, { embedder: EMBEDDER });
    await w.write([update('a.ts', [chunk('a.ts', 'parseManifest', 'x')])]);
    let seen: { updatedAt: string; names: string[] } | null = null;
    await w.finish(async () => {
      const index = await openIndex(root);
      try {
        seen = { updatedAt: index.meta.updatedAt, names: (await index.fullTextSearch('manifest', 3)).map((h) => h.chunk.name) };
      } finally {
        await index.close();
      }
    });
    await w.close();
    expect(seen!.updatedAt).not.toBe('');
    expect(seen!.names).toEqual(['parseManifest']);
    const db = await lancedb.connect(indexDir(root));
    expect((await (await db.openTable('chunks')).listIndices()).map((i) => i.name)).toContain('tokens_idx');
    db.close();
  });

  it('adds the rows of a first run in one commit, or in several past the held size, without compacting them', async () => {
    const versions = async (root: string) => {
      const db = await lancedb.connect(indexDir(root));
      const n = (await (await db.openTable('chunks')).listVersions()).length;
      db.close();
      return n;
    };
    const batches = [0, 1, 2, 3].map((b) => Array.from({ length: 5 }, (_, i) => update(`b${b}/f${i}.ts`, [chunk(`b${b}/f${i}.ts`, `fn${b}x${i}`, 'x')])));
    const run = async (root: string, heldBytes?: number): Promise<number[]> => {
      const w = await IndexWriter.open(root, { embedder: EMBEDDER, heldBytes });
      const seen: number[] = [];
      for (const b of batches) {
        await w.write(b);
        const index = await openIndex(root);
        seen.push((await index.allChunks()).length);
        await index.close();
      }
      await w.finish();
      await w.close();
      return seen;
    };

    const whole = tempRoot();
    // Nothing is added before the run finishes: a run killed here leaves the empty index.
    expect(await run(whole)).toEqual([0, 0, 0, 0]);
    expect(await versions(whole)).toBe(1);

    const parts = tempRoot();
    // A held size below one batch: every write is added at once, each as its own fragment.
    expect(await run(parts, 1)).toEqual([5, 10, 15, 20]);
    expect(await versions(parts)).toBeGreaterThan(1);
    for (const root of [whole, parts]) {
      const index = await openIndex(root);
      expect((await index.allChunks()).map((c) => c.name).sort()).toEqual(batches.flat().map((u) => u.chunks[0]!.name).sort());
      expect(await index.allFiles()).toHaveLength(20);
      expect((await index.fullTextSearch('fn2x3', 1))[0]!.chunk.name).toBe('fn2x3');
      await index.close();
    }

    // The next run on the uncompacted table replaces rows as usual.
    const w = await IndexWriter.open(parts, { embedder: EMBEDDER });
    expect(w.fresh).toBe(false);
    await w.write([update('b1/f1.ts', [chunk('b1/f1.ts', 'renamed', 'y')], 'new')]);
    await w.finish();
    await w.close();
    const index = await openIndex(parts);
    const names = (await index.allChunks()).map((c) => c.name);
    expect(names).toHaveLength(20);
    expect(names).toContain('renamed');
    expect(names).not.toContain('fn1x1');
    await index.close();
  });

  it('reads back every stored row exactly, ASCII or not', async () => {
    const root = tempRoot();
    const ascii = update('a.ts', [chunk('a.ts', 'plainName', 'return 1;'), chunk('a.ts', 'other', '')]);
    const wide = update('ü/日本.ts', [chunk('ü/日本.ts', 'naïveName', 'return "😀 é";')]);
    await build(root, [ascii]);
    // A second run adds a fragment holding non-ASCII text; the first stays all ASCII.
    const w = await IndexWriter.open(root, { embedder: EMBEDDER });
    await w.write([wide]);
    await w.finish();
    await w.close();
    const index = await openIndex(root);
    try {
      const byId = (xs: ChunkRecord[]) => [...xs].sort((a, b) => a.id.localeCompare(b.id));
      const stored = [...ascii.chunks, ...wide.chunks].map(({ vector: _vector, ...c }) => c);
      expect(byId(await index.allChunks())).toEqual(byId(stored));
      expect((await index.allEdges()).map((e) => e.fromPath).sort()).toEqual(['a.ts', 'ü/日本.ts']);
      expect((await index.allFiles()).map((f) => [f.path, f.hash]).sort()).toEqual([
        ['a.ts', 'hash-of-a.ts'],
        ['ü/日本.ts', 'hash-of-ü/日本.ts'],
      ]);
    } finally {
      await index.close();
    }
  });

  it('refuses to open a missing index, with the hint to build it', async () => {
    const err = await openIndex(tempRoot()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IndexError);
    expect((err as IndexError).hint).toBe('run: ragent index');
  });

  it('does not read an index of an older schema version, and rebuilds it on the next write', async () => {
    const root = tempRoot();
    await build(root, [update('a.ts', [chunk('a.ts', 'alpha', 'x')])]);
    const db = await lancedb.connect(indexDir(root));
    const meta = await db.openTable('meta');
    await meta.add(toArrow(metaSchema, [{ schemaVersion: SCHEMA_VERSION - 1, embedderName: 'hash-v1', embedderDimensions: DIM, updatedAt: 'x' }]), { mode: 'overwrite' });
    db.close();
    const err = await openIndex(root).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IndexError);
    expect((err as IndexError).message).toMatch(/another version/);
    expect((err as IndexError).hint).toBe('run: ragent index');
    const w = await IndexWriter.open(root, { embedder: EMBEDDER });
    expect(w.fresh).toBe(true);
    expect(await w.storedFiles()).toEqual(new Map());
    await w.close();
  });

  it('starts over when the embedder changes, never mixing vectors', async () => {
    const root = tempRoot();
    await build(root, [update('a.ts', [chunk('a.ts', 'alpha', 'x')])]);
    const w = await IndexWriter.open(root, { embedder: { name: 'hash-v1', dimensions: 64 } });
    expect(w.fresh).toBe(true);
    await expect(w.write([update('b.ts', [chunk('b.ts', 'beta', 'y')])])).rejects.toThrow(/32 dimensions, the index holds 64/);
    await w.close();
  });

  it('refuses a second writer while the first is alive, and takes over a dead one\'s lock', async () => {
    const root = tempRoot();
    const first = await IndexWriter.open(root, { embedder: EMBEDDER });
    await expect(IndexWriter.open(root, { embedder: EMBEDDER })).rejects.toThrow(IndexLockedError);
    await first.close();
    expect(existsSync(join(root, '.ragent', 'index.lock'))).toBe(false);
    writeFileSync(join(root, '.ragent', 'index.lock'), `999999999\n${root}\n`);
    const second = await IndexWriter.open(root, { embedder: EMBEDDER });
    await second.close();
    // A lock copied from another directory (a worktree's copy of .ragent) is not this index's lock.
    writeFileSync(join(root, '.ragent', 'index.lock'), `${process.pid}\n/elsewhere\n`);
    const third = await IndexWriter.open(root, { embedder: EMBEDDER });
    await third.close();
  });

  it('defers optimizing a large table after small updates, and optimizes once enough changed', async () => {
    const root = tempRoot();
    const policy = { alwaysRows: 20, rewriteFraction: 0.1, maxVersions: 12 };
    const many = Array.from({ length: 40 }, (_, i) => update(`f${i}.ts`, [chunk(`f${i}.ts`, `fn${i}`, 'x')]));
    let w = await IndexWriter.open(root, { embedder: EMBEDDER, optimize: policy });
    await w.write(many);
    await w.finish();
    await w.close();
    const versions = async () => {
      const db = await lancedb.connect(indexDir(root));
      const n = (await (await db.openTable('chunks')).listVersions()).length;
      db.close();
      return n;
    };
    expect(await versions()).toBe(1);

    // One file changed: 2 of 40 rows (5%) — the chunks table is left as it is, versions pile up.
    w = await IndexWriter.open(root, { embedder: EMBEDDER, optimize: policy });
    await w.write([update('f1.ts', [chunk('f1.ts', 'fnOneRenamed', 'y')], 'changed')]);
    await w.finish();
    await w.close();
    const deferred = await versions();
    expect(deferred).toBeGreaterThan(1);
    let index = await openIndex(root);
    expect((await index.fullTextSearch('one renamed', 1))[0]!.chunk.name).toBe('fnOneRenamed');
    await index.close();

    // Until too many versions have piled up: then the run optimizes it (a large table keeps the version the
    // optimize superseded until the next one, so two remain).
    const seen: number[] = [deferred];
    for (let i = 0; i < 20 && seen.at(-1)! >= (seen.at(-2) ?? 0); i++) {
      w = await IndexWriter.open(root, { embedder: EMBEDDER, optimize: policy });
      await w.write([update('f2.ts', [chunk('f2.ts', `fnTwo${i}`, 'z')], `v${i}`)]);
      await w.finish();
      await w.close();
      seen.push(await versions());
    }
    expect(seen.at(-1)).toBeLessThanOrEqual(2);
    expect(Math.max(...seen)).toBeGreaterThan(deferred);
    expect(Math.max(...seen)).toBeLessThan(policy.maxVersions);

    // A run that rewrites more than the fraction is optimized at once.
    w = await IndexWriter.open(root, { embedder: EMBEDDER, optimize: policy });
    await w.write([update('f4.ts', [chunk('f4.ts', 'fnFour', 'q')], 'x')]);
    await w.finish();
    await w.close();
    expect(await versions()).toBeGreaterThan(2);
    w = await IndexWriter.open(root, { embedder: EMBEDDER, optimize: policy });
    await w.write(many.slice(10, 20).map((u) => update(u.file.path, [chunk(u.file.path, 'bulk', 'b')], 'bulk')));
    await w.finish();
    await w.close();
    expect(await versions()).toBeLessThanOrEqual(2);
    index = await openIndex(root);
    expect(await index.allChunks()).toHaveLength(40);
    await index.close();
  });

  it('builds a cosine vector index once the table is large enough, and still finds near chunks', async () => {
    const root = tempRoot();
    const words = ['parse', 'render', 'token', 'matrix', 'socket', 'cache', 'schema', 'router', 'queue', 'logger'];
    const files = Array.from({ length: 60 }, (_, f) =>
      update(
        `m${f}.ts`,
        Array.from({ length: 10 }, (_, c) => chunk(`m${f}.ts`, `${words[c]}${words[f % 10]}Handler${f}`, `${words[c]}(${words[(f + c) % 10]})`)),
      ),
    );
    const w = await IndexWriter.open(root, { embedder: EMBEDDER, optimize: { vectorIndexRows: 500 } });
    await w.write(files);
    await w.finish();
    await w.close();
    const db = await lancedb.connect(indexDir(root));
    const indices = await (await db.openTable('chunks')).listIndices();
    db.close();
    expect(indices.map((i) => [i.name, i.indexType])).toEqual(expect.arrayContaining([['vector_idx', 'IvfPq'], ['tokens_idx', 'FTS']]));
    const index = await openIndex(root);
    const target = files[17]!.chunks[3]!;
    const hits = await index.vectorSearch(target.vector, 5);
    expect(hits.map((h) => h.chunk.id)).toContain(target.id);
    await index.close();
  });
});
