import { execFileSync } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { indexRepository } from '../../indexers/index-repository.js';
import { openIndex } from '../../indexers/store/index.js';
import { gitBlobId } from '../../indexers/hash.js';
import type { IndexProgress, IndexReader } from '../../indexers/types.js';
import { configSchema } from '../../src/config/schema.js';
import { makeRepo, type FixtureRepo } from '../helpers/git-repo.js';
import { FIXTURE } from './index-fixture.js';

const config = configSchema.parse({});
const repos: FixtureRepo[] = [];
const readers: IndexReader[] = [];
afterEach(async () => {
  while (readers.length) await readers.pop()!.close();
  while (repos.length) repos.pop()!.cleanup();
});
async function open(root: string): Promise<IndexReader> {
  const r = await openIndex(root, config);
  readers.push(r);
  return r;
}

describe('indexRepository', () => {
  it('indexes every language into symbols, chunks, edges and file rows', async () => {
    const repo = makeRepo(FIXTURE);
    repos.push(repo);
    repo.write('src/greeter.ts', FIXTURE['src/greeter.ts']! + '\nexport const VERSION = 2;\n');
    repo.commit('second');
    const progress: IndexProgress[] = [];
    const stats = await indexRepository(repo.root, config, (p) => progress.push(p));

    expect(stats).toMatchObject({ files: 8, changed: 8, removed: 0, skipped: {} });
    expect(stats.symbols).toBeGreaterThanOrEqual(9);
    expect(progress.at(-1)).toEqual({ phase: 'done', done: 1, total: 1 });
    expect(new Set(progress.map((p) => p.phase))).toEqual(new Set(['scan', 'parse', 'embed', 'write', 'optimize', 'done']));

    const index = await open(repo.root);
    const chunks = await index.allChunks();
    expect(stats.chunks).toBe(chunks.length);
    const symbol = (q: string) => chunks.find((c) => c.qualifiedName === q && c.kind !== 'header' && c.kind !== 'text');
    expect(symbol('Greeter.greet')).toMatchObject({ path: 'src/greeter.ts', kind: 'method', startLine: 8, endLine: 10, doc: 'Build the greeting for `name`.', parent: 'Greeter', language: 'typescript' });
    expect(symbol('Greeter')).toMatchObject({ kind: 'class', startLine: 4, endLine: 11, doc: 'Greets people by name.' });
    expect(symbol('App')).toMatchObject({ path: 'src/App.tsx', kind: 'function', language: 'tsx', startLine: 3, endLine: 6 });
    expect(symbol('add')).toMatchObject({ path: 'lib/math.js', kind: 'function', language: 'javascript', doc: 'Add two numbers.' });
    expect(symbol('User.display_name')).toMatchObject({ path: 'pkg/models.py', kind: 'method', startLine: 7, endLine: 9, doc: 'Name for screens.' });
    expect(symbol('load_user')).toMatchObject({ path: 'pkg/service.py', kind: 'function', startLine: 4, endLine: 5 });
    expect(symbol('VERSION')).toMatchObject({ kind: 'variable', path: 'src/greeter.ts' });
    // The embedded text names the path and the qualified name; tokens are split for full-text search.
    expect(symbol('Greeter.greet')!.text).toContain('src/greeter.ts');
    expect(symbol('Greeter.greet')!.text).toContain('Greeter.greet');
    expect(symbol('User.display_name')!.tokens.split(' ')).toEqual(expect.arrayContaining(['display_name', 'display', 'name']));
    expect(chunks.some((c) => c.path === 'README.md' && c.kind === 'text')).toBe(true);
    for (const c of chunks) expect(c.fileHash).toBe(gitBlobId(readFileSync(join(repo.root, c.path))));

    const edges = await index.allEdges();
    expect(stats.edges).toBe(edges.length);
    const imports = edges.filter((e) => e.kind === 'import').map((e) => [e.fromPath, e.target, e.toPath]);
    expect(imports).toEqual(
      expect.arrayContaining([
        ['src/greeter.ts', './util/strings', 'src/util/strings.ts'],
        ['src/App.tsx', './greeter', 'src/greeter.ts'],
        ['pkg/service.py', '.models', 'pkg/models.py'],
      ]),
    );
    expect(edges).toContainEqual(expect.objectContaining({ fromPath: 'src/greeter.ts', fromSymbol: 'Greeter.greet', kind: 'ref', target: 'capitalize', toPath: 'src/util/strings.ts' }));
    expect(edges).toContainEqual(expect.objectContaining({ fromPath: 'pkg/service.py', fromSymbol: 'load_user', kind: 'ref', target: 'User', toPath: 'pkg/models.py' }));

    const files = await index.allFiles();
    expect(files.map((f) => f.path).sort()).toEqual(Object.keys(FIXTURE).sort());
    expect(files.find((f) => f.path === 'pkg/models.py')).toEqual({
      path: 'pkg/models.py',
      hash: gitBlobId(Buffer.from(FIXTURE['pkg/models.py']!)),
      language: 'python',
      size: Buffer.byteLength(FIXTURE['pkg/models.py']!),
      skipReason: '',
      lossyUtf8: false,
    });

    const fts = await index.fullTextSearch('display name of a user', 3);
    expect(fts[0]!.chunk.path).toBe('pkg/models.py');
    expect(fts.slice(0, 2).map((h) => h.chunk.qualifiedName)).toContain('User.display_name');
    const [q] = await index.embedder().embed(['capitalize string']);
    expect((await index.vectorSearch(q!, 1))[0]!.chunk.path).toBe('src/util/strings.ts');
  });

  it('keeps the index out of git and out of its own listing', async () => {
    const repo = makeRepo(FIXTURE);
    repos.push(repo);
    await indexRepository(repo.root, config);
    expect(readFileSync(join(repo.root, '.ragent', '.gitignore'), 'utf8')).toBe('*\n');
    expect(execFileSync('git', ['status', '--porcelain'], { cwd: repo.root, encoding: 'utf8' })).toBe('');
    const again = await indexRepository(repo.root, config);
    expect(again.changed).toBe(0);
    expect(existsSync(join(repo.root, '.ragent', 'index.lock'))).toBe(false);
  });

  it('analyses on worker threads with the same result as in-process', async () => {
    const repo = makeRepo(FIXTURE);
    repos.push(repo);
    const inline = makeRepo(FIXTURE);
    repos.push(inline);
    await indexRepository(repo.root, configSchema.parse({ index: { workers: 2 } }));
    await indexRepository(inline.root, config);
    const a = await open(repo.root);
    const b = await open(inline.root);
    const sorted = <T extends { path?: string; fromPath?: string }>(xs: T[]) => xs.map((x) => JSON.stringify(x)).sort();
    expect(sorted(await a.allChunks())).toEqual(sorted(await b.allChunks()));
    expect(sorted(await a.allEdges())).toEqual(sorted(await b.allEdges()));
    const [v] = await a.embedder().embed(['greet name']);
    expect((await a.vectorSearch(v!, 5)).map((h) => [h.chunk.id, h.score.toFixed(5)])).toEqual(
      (await b.vectorSearch(v!, 5)).map((h) => [h.chunk.id, h.score.toFixed(5)]),
    );
  });

  it('indexes with the Ollama embedder over its HTTP API, in batches, and embeds queries the same way', async () => {
    const requests: { model: string; input: string[] }[] = [];
    const server = createServer((req, res) => {
      let raw = '';
      req.on('data', (c) => (raw += c));
      req.on('end', () => {
        const body = JSON.parse(raw) as { model: string; input: string[] };
        requests.push(body);
        // A stand-in model: 8 dimensions from letter counts, so similar texts get similar vectors.
        const embeddings = body.input.map((t) => Array.from({ length: 8 }, (_, i) => 1 + (t.toLowerCase().split(String.fromCharCode(97 + i)).length - 1)));
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ model: body.model, embeddings }));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const host = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const ollama = configSchema.parse({ embedding: { provider: 'ollama', model: 'embed-test', batchSize: 4 }, model: { host } });
      const repo = makeRepo(FIXTURE);
      repos.push(repo);
      const stats = await indexRepository(repo.root, ollama);
      const embedded = requests.slice(1).flatMap((r) => r.input);
      expect(requests.every((r) => r.model === 'embed-test' && r.input.length <= 4)).toBe(true);
      expect(embedded).toHaveLength(stats.chunks);

      const index = await openIndex(repo.root, ollama);
      readers.push(index);
      expect(index.meta.embedder).toEqual({ name: 'ollama:embed-test', dimensions: 8 });
      const before = requests.length;
      const [q] = await index.embedder().embed(['Greeter greet']);
      expect(requests.length).toBe(before + 1);
      expect((await index.vectorSearch(q!, 3)).length).toBe(3);

      // Another embedding model: everything is embedded again, never mixed.
      const other = configSchema.parse({ embedding: { provider: 'ollama', model: 'embed-other', batchSize: 4 }, model: { host } });
      expect(await indexRepository(repo.root, other)).toMatchObject({ changed: 8 });
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});
