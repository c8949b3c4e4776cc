import { describe, expect, it } from 'vitest';
import type { ChunkKind, ChunkRecord, EdgeRecord } from '../../indexers/types.js';
import { compareChunks, snapshotDataOf } from '../../src/retrieval/corpus.js';
import { updatedData } from '../../src/retrieval/snapshot-update.js';
import { comparable } from './snapshot-compare.js';

/** A small deterministic generator (mulberry32), so every case is reproducible from its seed. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Few names, so files share definitions (bundles, ambiguous names, the same name in many files).
const NAMES = ['parse', 'Parser', 'render', 'tokenize', 'Token', 'load', 'save', 'ab', 'x', 'émoji', 'run_all', 'Node', 'visit', 'walk', 'emit'];
const KINDS: ChunkKind[] = ['function', 'class', 'method', 'variable', 'text'];

interface Repo {
  chunks: ChunkRecord[];
  edges: EdgeRecord[];
}

function fileOf(path: string, version: number, pick: () => number): Repo {
  const r = (n: number): number => Math.floor(pick() * n);
  const chunks: ChunkRecord[] = [];
  const edges: EdgeRecord[] = [];
  const make = (kind: ChunkKind, name: string, qualifiedName: string, line: number, tokens: string): ChunkRecord => ({
    id: `${path}#${qualifiedName}#${line}#${version}`,
    path,
    fileHash: '',
    language: path.endsWith('.md') ? 'text' : 'python',
    kind,
    name,
    qualifiedName,
    signature: `def ${name}()`,
    doc: '',
    startLine: line,
    endLine: line + r(5),
    parent: '',
    text: '',
    tokens,
  });
  chunks.push(make('header', '', '', 1, `${path.split('/').join(' ')} import`));
  // Some files are large bundles of shared names, so bundle detection has work to do.
  const count = pick() < 0.2 ? 25 + r(10) : 1 + r(6);
  for (let k = 0; k < count; k++) {
    const name = count > 20 ? `${NAMES[k % NAMES.length]}_${Math.floor(k / NAMES.length)}_long` : NAMES[r(NAMES.length)]!;
    const owner = pick() < 0.3 ? 'Node.' : '';
    const kind = KINDS[r(KINDS.length)]!;
    const c = make(kind, name, `${owner}${name}`, 2 + k * 7, `${name.toLowerCase()} ${NAMES[r(NAMES.length)]!.toLowerCase()} v${version}`);
    chunks.push(c);
    for (let e = 0; e < r(4); e++) {
      edges.push({ fromPath: path, fromSymbol: c.qualifiedName, kind: 'ref', target: NAMES[r(NAMES.length)]!, toPath: pick() < 0.3 ? `src/m${r(12)}.py` : '', line: c.startLine });
    }
  }
  if (pick() < 0.7) edges.push({ fromPath: path, fromSymbol: '', kind: 'import', target: 'm', toPath: `src/m${r(12)}.py`, line: 1 });
  return { chunks, edges };
}

function repoOf(paths: string[], versions: Map<string, number>, seed: number): Repo {
  const out: Repo = { chunks: [], edges: [] };
  for (const p of paths) {
    // A file's content depends on its path, version and the seed alone.
    let h = seed;
    for (const ch of p) h = (Math.imul(h, 31) + ch.charCodeAt(0)) | 0;
    const f = fileOf(p, versions.get(p) ?? 0, rng(h + (versions.get(p) ?? 0) * 7919));
    out.chunks.push(...f.chunks);
    out.edges.push(...f.edges);
  }
  out.chunks.sort(compareChunks);
  return out;
}

describe('snapshot splice', () => {
  it('after random edits, additions and removals equals the snapshot built from scratch', () => {
    let bundles = 0;
    for (let seed = 1; seed <= 30; seed++) {
      const pick = rng(seed);
      const paths = Array.from({ length: 12 }, (_, i) => `src/m${i}.py`).concat(['docs/a.md', 'lib/bundle.py', 'src/z/deep.py']);
      const versions = new Map<string, number>();
      let present = paths.filter(() => pick() < 0.85);
      const first = repoOf(present, versions, seed);
      let data = snapshotDataOf(first.chunks, first.edges);
      for (let step = 0; step < 3; step++) {
        // Change, add and remove a few files.
        const changed = new Set<string>();
        for (const p of paths) if (pick() < 0.25) changed.add(p);
        const next = paths.filter((p) => (changed.has(p) ? pick() < 0.7 : present.includes(p)));
        for (const p of changed) versions.set(p, (versions.get(p) ?? 0) + 1);
        const after = repoOf(next, versions, seed);
        const delta = {
          paths: changed,
          chunks: after.chunks.filter((c) => changed.has(c.path)),
          edges: after.edges.filter((e) => changed.has(e.fromPath)),
        };
        const updated = updatedData(data, delta);
        const fresh = snapshotDataOf(after.chunks, after.edges);
        expect(comparable(updated), `seed ${seed} step ${step}`).toEqual(comparable(fresh));
        bundles += fresh.bundles.reduce((a, b) => a + b, 0);
        data = updated;
        present = next;
      }
    }
    // The cases exercise bundle detection, not only ordinary files.
    expect(bundles).toBeGreaterThan(0);
  });
});
