import { readdirSync, statSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import * as lancedb from '@lancedb/lancedb';
import { afterEach, describe, expect, it } from 'vitest';
import { indexRepository, indexStatus } from '../../indexers/index-repository.js';
import { indexDir, openIndex, SCHEMA_VERSION } from '../../indexers/store/index.js';
import { metaSchema, toArrow } from '../../indexers/store/schema.js';
import { configSchema } from '../../src/config/schema.js';
import { git, makeRepo, type FixtureRepo } from '../helpers/git-repo.js';
import { copyRepo, dirSize, FIXTURE, removeDir, snapshot } from './index-fixture.js';

const config = configSchema.parse({});
const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});
function fixture(extra: Record<string, string> = {}): FixtureRepo {
  const repo = makeRepo({ ...FIXTURE, ...extra });
  cleanups.push(() => repo.cleanup());
  return repo;
}

/** The index of `root` equals a clean index of a copy of the same tree. */
async function expectSameAsClean(root: string): Promise<void> {
  const copy = copyRepo(root);
  cleanups.push(() => removeDir(copy));
  await indexRepository(copy, config);
  expect(await snapshot(root)).toEqual(await snapshot(copy));
}

describe('incremental indexing', () => {
  it('parses nothing when nothing changed, and only the edited file after one edit', async () => {
    const repo = fixture();
    await indexRepository(repo.root, config);
    expect(await indexRepository(repo.root, config)).toMatchObject({ changed: 0, removed: 0, files: 8 });
    const before = await snapshot(repo.root);

    repo.write('lib/math.js', FIXTURE['lib/math.js']!.replace('return a + b;', 'return b + a; // commutes'));
    const stats = await indexRepository(repo.root, config);
    expect(stats).toMatchObject({ changed: 1, removed: 0, files: 8 });
    const after = await snapshot(repo.root);
    const untouched = (rows: string[]) => rows.filter((r) => !r.includes('lib/math.js'));
    expect(untouched(after.chunks)).toEqual(untouched(before.chunks));
    expect(after.chunks.find((c) => c.includes('"qualifiedName":"add"'))).toContain('commutes');
    await expectSameAsClean(repo.root);
  });

  it('handles a rename as one added and one removed file', async () => {
    const repo = fixture();
    await indexRepository(repo.root, config);
    git(repo.root, 'mv', 'lib/math.js', 'lib/arith.js');
    const stats = await indexRepository(repo.root, config);
    expect(stats).toMatchObject({ changed: 1, removed: 1, files: 8 });
    const index = await openIndex(repo.root);
    expect((await index.allChunks()).filter((c) => c.path.startsWith('lib/')).map((c) => c.path)).not.toContain('lib/math.js');
    await index.close();
    await expectSameAsClean(repo.root);
  });

  it('redoes importers whose imports resolve differently after a delete or an add', async () => {
    const repo = fixture({ 'src/App.tsx': "import { theme } from './theme';\n" + FIXTURE['src/App.tsx']! });
    await indexRepository(repo.root, config);

    repo.remove('pkg/models.py');
    // service.py imports .models: its import no longer resolves, so it is redone too.
    expect(await indexRepository(repo.root, config)).toMatchObject({ changed: 1, removed: 1, files: 7 });
    let index = await openIndex(repo.root);
    expect((await index.allEdges()).find((e) => e.fromPath === 'pkg/service.py' && e.kind === 'import')!.toPath).toBe('');
    await index.close();

    repo.write('src/theme.ts', 'export const theme = { color: "blue" };\n');
    // The new file plus App.tsx, whose './theme' import now resolves.
    expect(await indexRepository(repo.root, config)).toMatchObject({ changed: 2, removed: 0, files: 8 });
    index = await openIndex(repo.root);
    expect((await index.allEdges()).find((e) => e.fromPath === 'src/App.tsx' && e.target === './theme')!.toPath).toBe('src/theme.ts');
    await index.close();
    await expectSameAsClean(repo.root);
  });

  it('lists stale files with --status without writing anything', async () => {
    const repo = fixture();
    expect(await indexStatus(repo.root, config)).toMatchObject({ exists: false, rebuild: 'missing', added: Object.keys(FIXTURE).sort() });
    await indexRepository(repo.root, config);
    expect(await indexStatus(repo.root, config)).toMatchObject({ exists: true, rebuild: '', added: [], changed: [], removed: [] });

    repo.write('src/new.ts', 'export const n = 1;\n');
    repo.write('pkg/service.py', FIXTURE['pkg/service.py']! + '\n\ndef extra():\n    pass\n');
    repo.remove('README.md');
    const listing = () => readdirSync(indexDir(repo.root), { recursive: true, withFileTypes: false }).sort();
    const files = listing();
    const bytes = dirSize(join(repo.root, '.ragent'));
    const status = await indexStatus(repo.root, config);
    expect(status).toMatchObject({ exists: true, rebuild: '', added: ['src/new.ts'], changed: ['pkg/service.py'], removed: ['README.md'] });
    expect(status.updatedAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(listing()).toEqual(files);
    expect(dirSize(join(repo.root, '.ragent'))).toBe(bytes);
    expect((await indexStatus(repo.root, configSchema.parse({ embedding: { dimensions: 64 } }))).rebuild).toBe('embedder');
  });

  it('re-embeds everything when the embedder changes', async () => {
    const repo = fixture();
    await indexRepository(repo.root, config);
    const small = configSchema.parse({ embedding: { dimensions: 64 } });
    expect(await indexRepository(repo.root, small)).toMatchObject({ changed: 8, files: 8 });
    const index = await openIndex(repo.root, small);
    expect(index.meta.embedder).toEqual({ name: 'hash-v1', dimensions: 64 });
    expect(index.embedder().dimensions).toBe(64);
    await index.close();
  });

  it('rebuilds an index written by an older schema version instead of reading it', async () => {
    const repo = fixture();
    await indexRepository(repo.root, config);
    const db = await lancedb.connect(indexDir(repo.root));
    await (await db.openTable('meta')).add(
      toArrow(metaSchema, [{ schemaVersion: SCHEMA_VERSION - 1, embedderName: 'hash-v1', embedderDimensions: 256, updatedAt: '' }]),
      { mode: 'overwrite' },
    );
    db.close();
    expect((await indexStatus(repo.root, config)).rebuild).toBe('schema');
    await expect(openIndex(repo.root)).rejects.toThrow(/another version/);
    expect(await indexRepository(repo.root, config)).toMatchObject({ changed: 8, removed: 0, files: 8 });
    await expectSameAsClean(repo.root);
  });

  it('does not grow .ragent across re-indexes: old versions are cleaned up', async () => {
    const repo = fixture();
    await indexRepository(repo.root, config);
    const first = dirSize(join(repo.root, '.ragent'));
    for (let i = 0; i < 5; i++) {
      repo.write('src/greeter.ts', FIXTURE['src/greeter.ts']! + `\nexport const EDIT_${i} = ${i};\n`);
      repo.write(`notes/n${i}.md`, `# note ${i}\n`);
      if (i > 0) repo.remove(`notes/n${i - 1}.md`);
      await indexRepository(repo.root, config);
    }
    const db = await lancedb.connect(indexDir(repo.root));
    for (const name of ['chunks', 'edges', 'files', 'meta']) {
      expect((await (await db.openTable(name)).listVersions()).length, name).toBe(1);
    }
    db.close();
    expect(dirSize(join(repo.root, '.ragent'))).toBeLessThan(first * 1.5);
  });

  it('trusts a file whose size and time match its row, and re-reads one modified around indexing time', async () => {
    const repo = fixture();
    const hourAgo = new Date(Date.now() - 3_600_000);
    for (const path of Object.keys(FIXTURE)) utimesSync(join(repo.root, path), hourAgo, hourAgo);
    repo.write('src/fresh.ts', 'export const fresh = 1;\n'); // written just now: its row is not trusted
    await indexRepository(repo.root, config);

    // Same size and time as recorded: not read again (like git, a content change that keeps both is not seen).
    const old = join(repo.root, 'lib/math.js');
    const { mtime } = statSync(old);
    repo.write('lib/math.js', FIXTURE['lib/math.js']!.replace('a + b', 'b + a'));
    utimesSync(old, mtime, mtime);
    // The fresh file changes within the same clock tick and size: it is re-read and the change is found.
    const fresh = join(repo.root, 'src/fresh.ts');
    const freshTime = statSync(fresh).mtime;
    repo.write('src/fresh.ts', 'export const fresh = 2;\n');
    utimesSync(fresh, freshTime, freshTime);
    expect((await indexStatus(repo.root, config)).changed).toEqual(['src/fresh.ts']);
    expect(await indexRepository(repo.root, config)).toMatchObject({ changed: 1 });

    // A touched file with unchanged content is hashed once, found equal, and its new time recorded.
    utimesSync(join(repo.root, 'pkg/models.py'), new Date(), new Date(Date.now() - 60_000));
    expect(await indexRepository(repo.root, config)).toMatchObject({ changed: 0 });
    const db = await lancedb.connect(indexDir(repo.root));
    const [row] = await (await db.openTable('files')).query().where("path = 'pkg/models.py'").toArray();
    db.close();
    expect(row.mtimeMs).toBe(statSync(join(repo.root, 'pkg/models.py')).mtimeMs);
  });
});
