/**
 * A snapshot of the retrieval corpus on disk (`.ragent/retrieval/snapshot.bin`), so a fresh process
 * skips reading every chunk and edge from the store and rebuilding full-text indexes and the graph.
 * It belongs to one index state: a different index update time, schema or embedder makes it stale,
 * and a stale or unreadable snapshot is ignored (and rewritten), never trusted.
 */
import { randomUUID } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readFileSync, readSync, renameSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { ChunkKind, ChunkRecord, EdgeKind, EdgeRecord, IndexMeta, Language } from '../../indexers/types.js';
import type { Bm25Parts } from './bm25.js';
import type { CodeGraph } from './graph.js';

const FORMAT = 1;

export interface SnapshotData {
  /** Chunks in corpus order, without the embedded text and tokens (retrieval does not need them). */
  chunks: ChunkRecord[];
  chunkText: Bm25Parts;
  fileText: Bm25Parts;
  graph: CodeGraph;
  templateTokens: string[];
}

type ArrayKind = 'u32' | 'u16' | 'f32';
type Section = { name: string; kind: ArrayKind; offset: number; length: number };

interface Header {
  format: number;
  /** Identifies this file's content, for `snapshot.stamp` to vouch for it. */
  uid?: string;
  index: { schemaVersion: number; updatedAt: string; embedder: string; dimensions: number };
  paths: string[];
  /** Per chunk: index into `paths`, then the record's fields column by column. */
  chunkPath: number[];
  id: string[];
  language: string[];
  kind: string[];
  name: string[];
  qualifiedName: string[];
  signature: string[];
  parent: string[];
  startLine: number[];
  endLine: number[];
  chunkTerms: string[];
  fileTerms: string[];
  bm25: { k1: number; b: number };
  templateTokens: string[];
  sections: Section[];
}

/** Where a repository's snapshot lives. */
export function snapshotFile(root: string): string {
  return join(root, '.ragent', 'retrieval', 'snapshot.bin');
}

const stamp = (meta: IndexMeta): Header['index'] => ({
  schemaVersion: meta.schemaVersion,
  updatedAt: meta.updatedAt,
  embedder: meta.embedder.name,
  dimensions: meta.embedder.dimensions,
});

/** Where the edges the snapshot's graph was built from are kept: a base written at a rebuild... */
export function snapshotEdgesFile(root: string): string {
  return join(root, '.ragent', 'retrieval', 'edges.json');
}

/** ...and the changes since, for the snapshot's index state. */
export function snapshotEdgesPatchFile(root: string): string {
  return join(root, '.ragent', 'retrieval', 'edges-patch.json');
}

interface EdgesFile {
  format: number;
  id: string;
  paths: string[];
  fromPath: number[];
  fromSymbol: string[];
  kind: string[];
  target: string[];
  toPath: number[];
  line: number[];
}

interface EdgesPatch {
  format: number;
  index: Header['index'];
  /** The base file the patch applies to. */
  base: string;
  /** Paths whose edges in the base are replaced by `edges`. */
  paths: string[];
  edges: EdgeRecord[];
}

/** Edges changed since the base, as an update keeps them (a new base is written once this many pile up). */
export const MAX_PATCH_EDGES = 50_000;

function writeAtomically(file: string, data: string | Uint8Array[]): void {
  mkdirSync(join(file, '..'), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  if (typeof data === 'string') writeFileSync(tmp, data);
  else {
    const fd = openSync(tmp, 'w');
    try {
      for (const piece of data) for (let at = 0; at < piece.length; ) at += writeSync(fd, piece, at);
    } finally {
      closeSync(fd);
    }
  }
  renameSync(tmp, file);
}

function readPatch(root: string): EdgesPatch | null {
  try {
    const p = JSON.parse(readFileSync(snapshotEdgesPatchFile(root), 'utf8')) as EdgesPatch;
    return p.format === FORMAT ? p : null;
  } catch {
    return null;
  }
}

/**
 * Record the edges the snapshot's graph is built from. Queries never read them (the graph is in the
 * snapshot); an index run does, to rebuild the graph after a few files change without reading the store.
 * `changed` (paths whose edges changed since the previous state, whose edges it also names) lets an
 * update write just those on top of the base instead of every edge again.
 */
export function writeSnapshotEdges(
  root: string,
  meta: IndexMeta,
  edges: readonly EdgeRecord[],
  changed?: { previous: IndexMeta; paths: ReadonlySet<string> },
): void {
  const old = changed ? readPatch(root) : null;
  if (changed && old && JSON.stringify(old.index) === JSON.stringify(stamp(changed.previous))) {
    const paths = new Set([...old.paths, ...changed.paths]);
    const patched = edges.length ? edges.filter((e) => paths.has(e.fromPath)) : [];
    if (patched.length <= MAX_PATCH_EDGES) {
      const patch: EdgesPatch = { format: FORMAT, index: stamp(meta), base: old.base, paths: [...paths], edges: patched };
      writeAtomically(snapshotEdgesPatchFile(root), JSON.stringify(patch));
      return;
    }
  }
  const paths: string[] = [];
  const ids = new Map<string, number>();
  const id = (p: string): number => {
    let i = ids.get(p);
    if (i === undefined) {
      i = paths.length;
      ids.set(p, i);
      paths.push(p);
    }
    return i;
  };
  const file: EdgesFile = {
    format: FORMAT,
    id: randomUUID(),
    paths,
    fromPath: edges.map((e) => id(e.fromPath)),
    fromSymbol: edges.map((e) => e.fromSymbol),
    kind: edges.map((e) => e.kind),
    target: edges.map((e) => e.target),
    toPath: edges.map((e) => id(e.toPath)),
    line: edges.map((e) => e.line),
  };
  // Base first: until the patch naming it is written, the old patch no longer matches and is ignored.
  writeAtomically(snapshotEdgesFile(root), JSON.stringify(file));
  const patch: EdgesPatch = { format: FORMAT, index: stamp(meta), base: file.id, paths: [], edges: [] };
  writeAtomically(snapshotEdgesPatchFile(root), JSON.stringify(patch));
}

/** The edges recorded for this index state, or null when missing, stale or unreadable. */
export function readSnapshotEdges(root: string, meta: IndexMeta): EdgeRecord[] | null {
  try {
    const patch = readPatch(root);
    if (!patch || JSON.stringify(patch.index) !== JSON.stringify(stamp(meta))) return null;
    const f = JSON.parse(readFileSync(snapshotEdgesFile(root), 'utf8')) as EdgesFile;
    if (f.format !== FORMAT || f.id !== patch.base) return null;
    const replaced = new Set(patch.paths);
    const out: EdgeRecord[] = [];
    f.fromPath.forEach((from, i) => {
      const fromPath = f.paths[from]!;
      if (replaced.has(fromPath)) return;
      out.push({
        fromPath,
        fromSymbol: f.fromSymbol[i]!,
        kind: f.kind[i] as EdgeKind,
        target: f.target[i]!,
        toPath: f.paths[f.toPath[i]!]!,
        line: f.line[i]!,
      });
    });
    return out.concat(patch.edges);
  } catch {
    return null;
  }
}

/** Where a snapshot carried over unchanged to a later index state records that state. */
export function snapshotStampFile(root: string): string {
  return join(root, '.ragent', 'retrieval', 'snapshot.stamp');
}

interface Stamp {
  id: string;
  index: Header['index'];
}

/** Whether the snapshot with this header holds index state `meta`: its own, or the later one it was carried to. */
function sameState(header: Pick<Header, 'uid' | 'index'>, root: string, meta: IndexMeta): boolean {
  let state = header.index;
  try {
    const s = JSON.parse(readFileSync(snapshotStampFile(root), 'utf8')) as Stamp;
    if (header.uid && s.id === header.uid) state = s.index;
  } catch {
    // No stamp: the snapshot holds the state it was written for.
  }
  return JSON.stringify(state) === JSON.stringify(stamp(meta));
}

/**
 * Carry the snapshot of state `before` over to state `after` when an index run changed no rows: a small
 * stamp file instead of rewriting the snapshot and its edges. False when there is no snapshot of `before`.
 */
export function carrySnapshot(root: string, before: IndexMeta, after: IndexMeta): boolean {
  let header: Pick<Header, 'format' | 'uid' | 'index'>;
  try {
    // The fields needed come first in the header; reading its start spares parsing the whole of it.
    const fd = openSync(snapshotFile(root), 'r');
    const head = Buffer.alloc(4096);
    const n = readSync(fd, head, 0, head.length, 0);
    closeSync(fd);
    const m = /^\{"format":(\d+),"uid":("[^"]*"),"index":(\{[^{}]*\})/.exec(head.subarray(8, n).toString('utf8'));
    if (!m) return false;
    header = { format: Number(m[1]), uid: JSON.parse(m[2]!) as string, index: JSON.parse(m[3]!) as Header['index'] };
  } catch {
    return false;
  }
  if (header.format !== FORMAT || !header.uid || !sameState(header, root, before)) return false;
  const patch = readPatch(root);
  if (!patch || JSON.stringify(patch.index) !== JSON.stringify(stamp(before))) return false;
  writeAtomically(snapshotEdgesPatchFile(root), JSON.stringify({ ...patch, index: stamp(after) }));
  const s: Stamp = { id: header.uid, index: stamp(after) };
  writeAtomically(snapshotStampFile(root), JSON.stringify(s));
  return true;
}

/** Write the snapshot atomically (a reader sees the old file or the new one, never half of one). */
export function writeSnapshot(root: string, meta: IndexMeta, data: SnapshotData): void {
  const arrays: Array<[string, ArrayKind, Uint32Array | Uint16Array | Float32Array]> = [
    ['chunk.start', 'u32', data.chunkText.start],
    ['chunk.postDoc', 'u32', data.chunkText.postDoc],
    ['chunk.postTf', 'u16', data.chunkText.postTf],
    ['chunk.docLen', 'f32', data.chunkText.docLen],
    ['file.start', 'u32', data.fileText.start],
    ['file.postDoc', 'u32', data.fileText.postDoc],
    ['file.postTf', 'u16', data.fileText.postTf],
    ['file.docLen', 'f32', data.fileText.docLen],
    ['graph.offsets', 'u32', data.graph.offsets],
    ['graph.targets', 'u32', data.graph.targets],
  ];
  const paths: string[] = [];
  const pathIndex = new Map<string, number>();
  const chunkPath = data.chunks.map((c) => {
    let i = pathIndex.get(c.path);
    if (i === undefined) {
      i = paths.length;
      pathIndex.set(c.path, i);
      paths.push(c.path);
    }
    return i;
  });
  const sections: Section[] = [];
  let offset = 0;
  for (const [name, kind, a] of arrays) {
    sections.push({ name, kind, offset, length: a.length });
    offset += Math.ceil(a.byteLength / 8) * 8;
  }
  const col = <K extends keyof ChunkRecord>(k: K): Array<ChunkRecord[K]> => data.chunks.map((c) => c[k]);
  const header: Header = {
    format: FORMAT,
    uid: randomUUID(),
    index: stamp(meta),
    paths,
    chunkPath,
    id: col('id'),
    language: col('language'),
    kind: col('kind'),
    name: col('name'),
    qualifiedName: col('qualifiedName'),
    signature: col('signature'),
    parent: col('parent'),
    startLine: col('startLine'),
    endLine: col('endLine'),
    chunkTerms: data.chunkText.terms,
    fileTerms: data.fileText.terms,
    bm25: { k1: data.chunkText.k1, b: data.chunkText.b },
    templateTokens: data.templateTokens,
    sections,
  };
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  // Layout: 8-byte header length, the JSON header padded to 8 bytes, then the arrays, each 8-aligned.
  // Written piece by piece: assembling one buffer of the whole file first costs as much as writing it.
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(json.length), 0);
  const padding = (n: number): Buffer => Buffer.alloc((8 - (n % 8)) % 8);
  const pieces: Uint8Array[] = [length, json, padding(json.length)];
  for (const [, , a] of arrays) pieces.push(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), padding(a.byteLength));
  writeAtomically(snapshotFile(root), pieces);
}

/** The snapshot for this index state, or null when there is none, it is stale, or it cannot be read. */
export function readSnapshot(root: string, meta: IndexMeta): SnapshotData | null {
  let buf: Buffer;
  try {
    buf = readFileSync(snapshotFile(root));
  } catch {
    return null;
  }
  try {
    const jsonLength = Number(buf.readBigUInt64LE(0));
    const header = JSON.parse(buf.subarray(8, 8 + jsonLength).toString('utf8')) as Header;
    if (header.format !== FORMAT || !sameState(header, root, meta)) return null;
    const bodyStart = 8 + Math.ceil(jsonLength / 8) * 8;
    // Copy the body into its own aligned buffer so typed arrays can view it directly.
    const body = new Uint8Array(buf.length - bodyStart);
    body.set(buf.subarray(bodyStart));
    const view = (name: string): Uint32Array | Uint16Array | Float32Array => {
      const s = header.sections.find((x) => x.name === name);
      if (!s) throw new Error(`missing section ${name}`);
      const Ctor = s.kind === 'u32' ? Uint32Array : s.kind === 'u16' ? Uint16Array : Float32Array;
      if (s.offset + s.length * Ctor.BYTES_PER_ELEMENT > body.byteLength) throw new Error(`section ${name} is cut short`);
      return new Ctor(body.buffer, s.offset, s.length);
    };
    const n = header.id.length;
    const chunks: ChunkRecord[] = new Array(n);
    for (let i = 0; i < n; i++) {
      chunks[i] = {
        id: header.id[i]!,
        path: header.paths[header.chunkPath[i]!]!,
        fileHash: '',
        language: header.language[i] as Language,
        kind: header.kind[i] as ChunkKind,
        name: header.name[i]!,
        qualifiedName: header.qualifiedName[i]!,
        signature: header.signature[i]!,
        doc: '',
        startLine: header.startLine[i]!,
        endLine: header.endLine[i]!,
        parent: header.parent[i]!,
        text: '',
        tokens: '',
      };
    }
    const parts = (prefix: string, terms: string[]): Bm25Parts => ({
      terms,
      start: view(`${prefix}.start`) as Uint32Array,
      postDoc: view(`${prefix}.postDoc`) as Uint32Array,
      postTf: view(`${prefix}.postTf`) as Uint16Array,
      docLen: view(`${prefix}.docLen`) as Float32Array,
      k1: header.bm25.k1,
      b: header.bm25.b,
    });
    return {
      chunks,
      chunkText: parts('chunk', header.chunkTerms),
      fileText: parts('file', header.fileTerms),
      graph: { offsets: view('graph.offsets') as Uint32Array, targets: view('graph.targets') as Uint32Array },
      templateTokens: header.templateTokens,
    };
  } catch {
    return null;
  }
}
