/**
 * A snapshot of the retrieval corpus on disk (`.ragent/retrieval/snapshot.bin`), so a fresh process
 * skips reading every chunk and edge from the store and rebuilding full-text indexes and the graph.
 * Everything is stored as columns a query reads in place: strings are decoded when a query reads them.
 * It belongs to one index state: a different index update time, schema or embedder makes it stale,
 * and a stale, damaged or unreadable snapshot is ignored (and rewritten), never trusted.
 */
import { randomUUID } from 'node:crypto';
import { closeSync, fstatSync, mkdirSync, openSync, readFileSync, readSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { IndexMeta } from '../../indexers/types.js';
import type { Bm25Parts } from './bm25.js';
import { packLines, SortedTable, StringColumn, unpackLines } from './columns.js';
import type { GraphLinks } from './graph-build.js';
import type { CodeGraph } from './graph.js';
import type { ChunkTable, EdgeTable } from './tables.js';

const FORMAT = 5;

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

type ArrayKind = 'u8' | 'u16' | 'u32' | 'f32';
type NumArray = Uint8Array | Uint16Array | Uint32Array | Float32Array;
type Section = { name: string; kind: ArrayKind; offset: number; length: number };

interface Header {
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

const KINDS: Record<ArrayKind, { new (buffer: ArrayBufferLike, offset: number, length: number): NumArray; BYTES_PER_ELEMENT: number }> = {
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

class Damaged extends Error {}

function check(ok: boolean, what: string): void {
  if (!ok) throw new Damaged(what);
}

/** Every value below `bound` (one loop per array type, each kept monomorphic). */
function within(a: NumArray, bound: number, what: string): void {
  let max = 0;
  if (a instanceof Uint32Array) max = maxOf32(a);
  else for (let i = 0; i < a.length; i++) if (a[i]! > max) max = a[i]!;
  if (a.length && !(max < bound)) throw new Damaged(`${what}: ${max} out of range`);
}

function maxOf32(a: Uint32Array): number {
  let max = 0;
  for (let i = 0; i < a.length; i++) if (a[i]! > max) max = a[i]!;
  return max;
}

/** Offsets ascending from 0 up to at most `bytes`. */
function ascending(a: Uint32Array, bytes: number, what: string): void {
  check(a.length > 0 && a[0] === 0 && a[a.length - 1]! <= bytes, what);
  for (let i = 1; i < a.length; i++) if (a[i]! < a[i - 1]!) throw new Damaged(`${what}: offsets go back`);
}

/** A snapshot file as read, before it is known which index state it must hold. */
export interface SnapshotFile<D extends QueryData = SnapshotData> {
  uid: string;
  index: Header['index'];
  data: D;
}

/** Whether a snapshot file holds index state `meta` (its own, or one it was carried to). */
export function holdsState(file: SnapshotFile<QueryData>, root: string, meta: IndexMeta): boolean {
  return sameState(file, root, meta);
}

/** The snapshot for this index state, or null when there is none, it is stale, or it is damaged. */
export function readSnapshot(root: string, meta: IndexMeta): SnapshotData | null {
  const file = loadSnapshotFile(root, 'all');
  return file && holdsState(file, root, meta) ? file.data : null;
}

/** The whole file, or (for a query) the part up to the sections only an update reads. */
function readPart(file: string, part: 'query' | 'all'): { buf: Buffer; size: number } {
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    let end = size;
    if (part === 'query') {
      // The header says where the query's part ends; read it first, then up to there.
      const head = Buffer.alloc(8);
      if (readSync(fd, head, 0, 8, 0) === 8) {
        const jsonLength = Number(head.readBigUInt64LE(0));
        if (jsonLength > 0 && 8 + jsonLength <= size) {
          const json = Buffer.alloc(jsonLength);
          readSync(fd, json, 0, jsonLength, 8);
          const m = /"queryBytes":(\d+)/.exec(json.toString('utf8'));
          if (m) end = Math.min(size, 8 + Math.ceil(jsonLength / 8) * 8 + Number(m[1]));
        }
      }
    }
    const buf = Buffer.allocUnsafe(end);
    for (let at = 0; at < end; ) {
      const n = readSync(fd, buf, at, end - at, at);
      if (!n) throw new Error('file cut short');
      at += n;
    }
    return { buf, size };
  } finally {
    closeSync(fd);
  }
}

/**
 * The repository's snapshot file, whatever state it holds; null when there is none or it is damaged.
 * A query reads only what it needs (`'query'`); an update reads it all. Every index and offset read is
 * checked against the sizes it refers to, so a damaged file is never read out of range.
 */
export function loadSnapshotFile(root: string, part: 'query'): SnapshotFile<QueryData> | null;
export function loadSnapshotFile(root: string, part: 'all'): SnapshotFile<SnapshotData> | null;
export function loadSnapshotFile(root: string, part: 'query' | 'all'): SnapshotFile<QueryData> | null {
  let buf: Buffer;
  let size: number;
  try {
    ({ buf, size } = readPart(snapshotFile(root), part));
  } catch {
    return null;
  }
  try {
    const jsonLength = Number(buf.readBigUInt64LE(0));
    check(jsonLength > 0 && 8 + jsonLength <= buf.length, 'header');
    const header = JSON.parse(buf.subarray(8, 8 + jsonLength).toString('utf8')) as Header;
    if (header.format !== FORMAT) return null;
    check(header.bytes === size, 'length');
    const bodyStart = 8 + Math.ceil(jsonLength / 8) * 8;
    // Views need aligned memory: a large file's buffer is its own allocation; a small one may share a pool.
    const body = buf.byteOffset % 8 === 0 ? buf : new Uint8Array(buf);
    const sections = new Map(header.sections.map((s) => [s.name, s]));
    const view = <A extends NumArray>(name: string, kind: ArrayKind, length?: number): A => {
      const s = sections.get(name);
      check(!!s && s.kind === kind, `section ${name}`);
      const Ctor = KINDS[kind];
      const start = bodyStart + s!.offset;
      check(start % 8 === 0 && start + s!.length * Ctor.BYTES_PER_ELEMENT <= buf.length, `section ${name} is cut short`);
      check(length === undefined || s!.length === length, `section ${name} has the wrong length`);
      return new Ctor(body.buffer, body.byteOffset + start, s!.length) as A;
    };
    const strings = (name: string, count: number): StringColumn => {
      const offsets = view<Uint32Array>(`${name}.offsets`, 'u32', count + 1);
      const bytes = view<Uint8Array>(`${name}.bytes`, 'u8');
      ascending(offsets, bytes.length, name);
      return new StringColumn(offsets, bytes);
    };
    const n = header.chunks;
    const files = header.paths.length;
    const file = view<Uint32Array>('chunk.file', 'u32', n);
    // Files are numbered in chunk order, each file's chunks together.
    for (let i = 0; i < n; i++) check(file[i] === (i ? file[i - 1]! : 0) || file[i] === file[i - 1]! + 1, 'chunk files');
    check(n ? file[n - 1] === files - 1 : files === 0, 'chunk files');
    const kind = view<Uint8Array>('chunk.kind', 'u8', n);
    const language = view<Uint8Array>('chunk.language', 'u8', n);
    within(kind, header.kinds.length, 'chunk kinds');
    within(language, header.languages.length, 'chunk languages');
    const chunks: ChunkTable = {
      paths: header.paths,
      file,
      startLine: view('chunk.startLine', 'u32', n),
      endLine: view('chunk.endLine', 'u32', n),
      kind,
      language,
      kinds: header.kinds,
      languages: header.languages,
      id: strings('chunk.id', n),
      name: strings('chunk.name', n),
      qualifiedName: strings('chunk.qualifiedName', n),
      signature: strings('chunk.signature', n),
      parent: strings('chunk.parent', n),
    };
    const bundles = view<Uint8Array>('file.bundle', 'u8', files);
    const idOrder = view<Uint32Array>('chunk.idOrder', 'u32', n);
    within(idOrder, n, 'id order');
    const table = (name: string, keys: number, bound: number): SortedTable => {
      const start = view<Uint32Array>(`${name}.start`, 'u32', keys + 1);
      const values = view<Uint32Array>(`${name}.values`, 'u32');
      ascending(start, values.length, name);
      check(start[keys] === values.length, name);
      within(values, bound, name);
      return new SortedTable(strings(`${name}.keys`, keys), start, values, view(`${name}.counts`, 'u32', keys));
    };
    const defs = table('def', header.defKeys, n);
    const nameWords = table('nameWords', header.nameWordKeys, files);
    const bm25 = (name: string, terms: number, docs: number): Bm25Parts => {
      const start = view<Uint32Array>(`${name}.start`, 'u32', terms + 1);
      const postDoc = view<Uint32Array>(`${name}.postDoc`, 'u32');
      ascending(start, postDoc.length, name);
      check(start[terms] === postDoc.length, name);
      within(postDoc, docs, name);
      return {
        terms: unpackLines(view<Uint8Array>(`${name}.terms`, 'u8'), terms),
        start,
        postDoc,
        postTf: view(`${name}.postTf`, 'u16', postDoc.length),
        docLen: view(`${name}.docLen`, 'f32', docs),
        k1: header.bm25.k1,
        b: header.bm25.b,
      };
    };
    const offsets = view<Uint32Array>('graph.offsets', 'u32', n + 1);
    const targets = view<Uint32Array>('graph.targets', 'u32');
    ascending(offsets, targets.length, 'graph');
    check(offsets[n] === targets.length, 'graph');
    within(targets, n, 'graph');
    const query: QueryData = {
      chunks,
      bundles,
      idOrder,
      defs,
      nameWords,
      chunkText: bm25('chunkText', header.chunkTerms, n),
      fileText: bm25('fileText', header.fileTerms, files),
      graph: { offsets, targets },
      templateTokens: header.templateTokens,
    };
    if (part === 'query') return { uid: header.uid, index: header.index, data: query };
    const definedIn = table('definedIn', header.definedInKeys, files);
    const linkStart = view<Uint32Array>('links.start', 'u32', files + 1);
    const lo = view<Uint32Array>('links.lo', 'u32');
    const hi = view<Uint32Array>('links.hi', 'u32', lo.length);
    ascending(linkStart, lo.length, 'links');
    check(linkStart[files] === lo.length, 'links');
    within(lo, n, 'links');
    within(hi, n, 'links');
    const links: GraphLinks = { start: linkStart, lo, hi, targets: table('links.targets', header.linkTargetKeys, files) };
    const edgeCount = sections.get('edge.from')?.length ?? 0;
    const from = view<Uint32Array>('edge.from', 'u32', edgeCount);
    const to = view<Uint32Array>('edge.to', 'u32', edgeCount);
    const edgeKind = view<Uint8Array>('edge.kind', 'u8', edgeCount);
    within(from, header.edgePaths.length, 'edge paths');
    within(to, header.edgePaths.length, 'edge paths');
    within(edgeKind, header.edgeKinds.length, 'edge kinds');
    const data: SnapshotData = {
      ...query,
      definedIn,
      links,
      edges: {
        paths: header.edgePaths,
        from,
        to,
        kind: edgeKind,
        kinds: header.edgeKinds,
        line: view('edge.line', 'u32', edgeCount),
        fromSymbol: strings('edge.fromSymbol', edgeCount),
        target: strings('edge.target', edgeCount),
      },
    };
    return { uid: header.uid, index: header.index, data };
  } catch {
    return null;
  }
}
