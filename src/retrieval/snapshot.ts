/**
 * A snapshot of the retrieval corpus on disk (`.ragent/retrieval/snapshot.bin`), so a fresh process
 * skips reading every chunk and edge from the store and rebuilding full-text indexes and the graph.
 * Everything is stored as columns a query reads in place: strings are decoded when a query reads them.
 * It belongs to one index state: a different index update time, schema or embedder makes it stale,
 * and a stale, damaged or unreadable snapshot is ignored (and rewritten), never trusted.
 */
import { randomUUID } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readFileSync, readSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { IndexMeta } from '../../indexers/types.js';
import type { Bm25Parts } from './bm25.js';
import { packLines, type SortedTable, type StringColumn } from './columns.js';
import type { GraphLinks } from './graph-build.js';
import type { CodeGraph } from './graph.js';
import type { ChunkTable, EdgeTable } from './tables.js';

/** Bumped whenever the layout or what is derived into it changes: another format is never read. */
export const FORMAT = 5;

/** What a query reads of a snapshot: the corpus's columns and the lookups derived from them. */
export interface QueryData {
  chunks: ChunkTable;
  /** Per file: 1 when it is a built bundle of other files' definitions. */
  bundles: Uint8Array;
  /** Chunk indexes in ascending id order. */
  idOrder: Uint32Array;
  /** Lower-case definition name → defining chunks, with the number of files defining it. */
  defs: SortedTable;
  /** Word of a file name → files whose name has it. */
  nameWords: SortedTable;
  chunkText: Bm25Parts;
  fileText: Bm25Parts;
  graph: CodeGraph;
  templateTokens: string[];
}

/** Everything a snapshot holds: what a query reads, and what an update needs to redo only part of it. */
export interface SnapshotData extends QueryData {
  /** Qualified name → files defining it, for telling bundles (kept so an update re-checks only the files it touches). */
  definedIn: SortedTable;
  /** The graph's links by the file that made them, so an update makes only some of them again. */
  links: GraphLinks;
  /** The edges the graph was built from, so an update can rebuild it without reading the store. */
  edges: EdgeTable;
}

export type ArrayKind = 'u8' | 'u16' | 'u32' | 'f32';
export type NumArray = Uint8Array | Uint16Array | Uint32Array | Float32Array;
type Section = { name: string; kind: ArrayKind; offset: number; length: number };

/** The JSON header at the start of a snapshot file. */
export interface Header {
  format: number;
  /** Identifies this file's content, for `snapshot.stamp` to vouch for it. */
  uid: string;
  index: { schemaVersion: number; updatedAt: string; embedder: string; dimensions: number };
  /** Length of the whole file, so a file cut short is told from a whole one. */
  bytes: number;
  /** Where (in the body) the sections only an update reads begin: a query reads the file up to there. */
  queryBytes: number;
  chunks: number;
  paths: string[];
  kinds: string[];
  languages: string[];
  edgePaths: string[];
  edgeKinds: string[];
  defKeys: number;
  nameWordKeys: number;
  definedInKeys: number;
  linkTargetKeys: number;
  chunkTerms: number;
  fileTerms: number;
  bm25: { k1: number; b: number };
  templateTokens: string[];
  sections: Section[];
}

/** Where a repository's snapshot lives. */
export function snapshotFile(root: string): string {
  return join(root, '.ragent', 'retrieval', 'snapshot.bin');
}

/** Where a snapshot carried over unchanged to a later index state records that state. */
export function snapshotStampFile(root: string): string {
  return join(root, '.ragent', 'retrieval', 'snapshot.stamp');
}

// Files of the previous snapshot format, removed when a snapshot is written.
const FORMER_FILES = ['edges.json', 'edges-patch.json'];

const stamp = (meta: IndexMeta): Header['index'] => ({
  schemaVersion: meta.schemaVersion,
  updatedAt: meta.updatedAt,
  embedder: meta.embedder.name,
  dimensions: meta.embedder.dimensions,
});

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

interface Stamp {
  id: string;
  index: Header['index'];
}

/** Whether the snapshot with this header holds index state `meta`: its own, or the later one it was carried to. */
export function sameState(header: Pick<Header, 'uid' | 'index'>, root: string, meta: IndexMeta): boolean {
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
 * stamp file instead of rewriting the snapshot. False when there is no snapshot of `before`.
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
  const s: Stamp = { id: header.uid, index: stamp(after) };
  writeAtomically(snapshotStampFile(root), JSON.stringify(s));
  return true;
}

/** Typed array constructors by section kind. */
export const KINDS: Record<ArrayKind, { new (buffer: ArrayBufferLike, offset: number, length: number): NumArray; BYTES_PER_ELEMENT: number }> = {
  u8: Uint8Array,
  u16: Uint16Array,
  u32: Uint32Array,
  f32: Float32Array,
};

const kindOf = (a: NumArray): ArrayKind =>
  a instanceof Uint8Array ? 'u8' : a instanceof Uint16Array ? 'u16' : a instanceof Uint32Array ? 'u32' : 'f32';

/** Write the snapshot atomically (a reader sees the old file or the new one, never half of one). */
export function writeSnapshot(root: string, meta: IndexMeta, data: SnapshotData): void {
  const t = data.chunks;
  const e = data.edges;
  const strings = (name: string, c: StringColumn): Array<[string, NumArray]> => [
    [`${name}.offsets`, c.offsets],
    [`${name}.bytes`, c.bytes],
  ];
  const table = (name: string, s: SortedTable): Array<[string, NumArray]> => [
    ...strings(`${name}.keys`, s.keys),
    [`${name}.start`, s.start],
    [`${name}.values`, s.values],
    [`${name}.counts`, s.counts],
  ];
  const bm25 = (name: string, p: Bm25Parts): Array<[string, NumArray]> => [
    [`${name}.terms`, packLines(p.terms)],
    [`${name}.start`, p.start],
    [`${name}.postDoc`, p.postDoc],
    [`${name}.postTf`, p.postTf],
    [`${name}.docLen`, p.docLen],
  ];
  const arrays: Array<[string, NumArray]> = [
    ['chunk.file', t.file],
    ['chunk.startLine', t.startLine],
    ['chunk.endLine', t.endLine],
    ['chunk.kind', t.kind],
    ['chunk.language', t.language],
    ...strings('chunk.id', t.id),
    ...strings('chunk.name', t.name),
    ...strings('chunk.qualifiedName', t.qualifiedName),
    ...strings('chunk.signature', t.signature),
    ...strings('chunk.parent', t.parent),
    ['file.bundle', data.bundles],
    ['chunk.idOrder', data.idOrder],
    ...table('def', data.defs),
    ...table('nameWords', data.nameWords),
    ...bm25('chunkText', data.chunkText),
    ...bm25('fileText', data.fileText),
    ['graph.offsets', data.graph.offsets],
    ['graph.targets', data.graph.targets],
  ];
  const updateOnly: Array<[string, NumArray]> = [
    ...table('definedIn', data.definedIn),
    ['links.start', data.links.start],
    ['links.lo', data.links.lo],
    ['links.hi', data.links.hi],
    ...table('links.targets', data.links.targets),
    ['edge.from', e.from],
    ['edge.to', e.to],
    ['edge.kind', e.kind],
    ['edge.line', e.line],
    ...strings('edge.fromSymbol', e.fromSymbol),
    ...strings('edge.target', e.target),
  ];
  const sections: Section[] = [];
  let offset = 0;
  let queryBytes = 0;
  for (const [name, a] of arrays.concat(updateOnly)) {
    if (name === updateOnly[0]![0]) queryBytes = offset;
    sections.push({ name, kind: kindOf(a), offset, length: a.length });
    offset += Math.ceil(a.byteLength / 8) * 8;
  }
  const header: Header = {
    format: FORMAT,
    uid: randomUUID(),
    index: stamp(meta),
    bytes: 0,
    queryBytes,
    chunks: t.file.length,
    paths: t.paths,
    kinds: t.kinds,
    languages: t.languages,
    edgePaths: e.paths,
    edgeKinds: e.kinds,
    defKeys: data.defs.size,
    nameWordKeys: data.nameWords.size,
    definedInKeys: data.definedIn.size,
    linkTargetKeys: data.links.targets.size,
    chunkTerms: data.chunkText.terms.length,
    fileTerms: data.fileText.terms.length,
    bm25: { k1: data.chunkText.k1, b: data.chunkText.b },
    templateTokens: data.templateTokens,
    sections,
  };
  // The total length is part of the header: fix the header's own length first (digits can only grow it).
  let json = Buffer.from(JSON.stringify(header), 'utf8');
  for (;;) {
    const total = 8 + Math.ceil(json.length / 8) * 8 + offset;
    if (header.bytes === total) break;
    header.bytes = total;
    json = Buffer.from(JSON.stringify(header), 'utf8');
  }
  // Layout: 8-byte header length, the JSON header padded to 8 bytes, then the arrays, each 8-aligned.
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(json.length), 0);
  const padding = (n: number): Buffer => Buffer.alloc((8 - (n % 8)) % 8);
  const pieces: Uint8Array[] = [length, json, padding(json.length)];
  for (const [, a] of arrays.concat(updateOnly)) pieces.push(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), padding(a.byteLength));
  writeAtomically(snapshotFile(root), pieces);
  rmSync(snapshotStampFile(root), { force: true });
  for (const f of FORMER_FILES) rmSync(join(root, '.ragent', 'retrieval', f), { force: true });
}
