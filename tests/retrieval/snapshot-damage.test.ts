import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ChunkRecord, EdgeRecord, IndexMeta } from '../../indexers/types.js';
import { compareChunks, snapshotDataOf } from '../../src/retrieval/corpus.js';
import { loadSnapshotFile, readSnapshot } from '../../src/retrieval/snapshot-read.js';
import { snapshotFile, writeSnapshot } from '../../src/retrieval/snapshot.js';

const META: IndexMeta = { schemaVersion: 3, updatedAt: '2026-01-01T00:00:00.000Z', embedder: { name: 'hash-v1', dimensions: 64 } };

function chunk(path: string, name: string, line: number): ChunkRecord {
  return {
    id: `${path}#${name}`,
    path,
    fileHash: '',
    language: 'python',
    kind: name ? 'function' : 'header',
    name,
    qualifiedName: name,
    signature: name ? `def ${name}():` : '',
    doc: '',
    startLine: line,
    endLine: line + 3,
    parent: '',
    text: '',
    tokens: `${name || 'import'} helper value`,
  };
}

const CHUNKS = ['a.py', 'b.py', 'c/d.py'].flatMap((p, i) => [chunk(p, '', 1), chunk(p, `run_${i}`, 5), chunk(p, 'shared', 12)]).sort(compareChunks);
const EDGES: EdgeRecord[] = [
  { fromPath: 'a.py', fromSymbol: 'run_0', kind: 'ref', target: 'shared', toPath: '', line: 6 },
  { fromPath: 'b.py', fromSymbol: '', kind: 'import', target: 'a', toPath: 'a.py', line: 1 },
  { fromPath: 'c/d.py', fromSymbol: 'run_2', kind: 'ref', target: 'run_1', toPath: 'b.py', line: 6 },
];

let dir = '';
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function written(): { root: string; bytes: Buffer; sections: Array<{ name: string; kind: string; offset: number; length: number }>; bodyStart: number } {
  dir = mkdtempSync(join(tmpdir(), 'ragent-snapshot-'));
  writeSnapshot(dir, META, snapshotDataOf(CHUNKS, EDGES));
  const bytes = readFileSync(snapshotFile(dir));
  const jsonLength = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + jsonLength).toString('utf8'));
  return { root: dir, bytes, sections: header.sections, bodyStart: 8 + Math.ceil(jsonLength / 8) * 8 };
}

describe('snapshot file checks', () => {
  it('reads back what was written, for a query and for an update', () => {
    const { root } = written();
    const all = readSnapshot(root, META)!;
    expect(all.chunks.id.all()).toEqual(CHUNKS.map((c) => c.id));
    expect(all.edges.from.length).toBe(EDGES.length);
    expect(loadSnapshotFile(root, 'query')!.data.chunks.name.all()).toEqual(CHUNKS.map((c) => c.name));
    // Another index state: not this snapshot's.
    expect(readSnapshot(root, { ...META, updatedAt: '2026-01-02T00:00:00.000Z' })).toBeNull();
  });

  it('ignores a file cut short anywhere', () => {
    const { root, bytes } = written();
    for (const at of [0, 7, 8, 100, Math.floor(bytes.length / 2), bytes.length - 1]) {
      writeFileSync(snapshotFile(root), bytes.subarray(0, at));
      expect(loadSnapshotFile(root, 'all'), `cut at ${at}`).toBeNull();
      expect(loadSnapshotFile(root, 'query'), `cut at ${at}`).toBeNull();
    }
  });

  it('ignores a file whose offsets or indexes point out of range, in any section that holds them', () => {
    const { root, bytes, sections, bodyStart } = written();
    // Sections whose values index other sections or files: damage there must never be read.
    const indexing = sections.filter((s) => /offsets$|\.start$|postDoc|targets$|values$|idOrder|chunk\.file|\.lo$|\.hi$|edge\.(from|to)$/.test(s.name) && s.length);
    expect(indexing.length).toBeGreaterThan(10);
    for (const s of indexing) {
      const damaged = Buffer.from(bytes);
      const size = s.kind === 'u32' ? 4 : s.kind === 'u16' ? 2 : 1;
      damaged.fill(0xff, bodyStart + s.offset, bodyStart + s.offset + s.length * size);
      writeFileSync(snapshotFile(root), damaged);
      expect(loadSnapshotFile(root, 'all'), s.name).toBeNull();
    }
  });
});
