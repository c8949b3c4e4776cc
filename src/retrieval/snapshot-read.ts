/**
 * Reading the retrieval snapshot: the whole file for an update, or only the part a query needs. Every
 * offset and index read is checked against the sizes it refers to, so a damaged or cut-short file is
 * ignored (and rebuilt by the caller), never read out of range.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import type { IndexMeta } from '../../indexers/types.js';
import type { Bm25Parts } from './bm25.js';
import { PackedLineIds, SortedTable, StringColumn, unpackLines } from './columns.js';
import type { GraphLinks } from './graph-build.js';
import { FORMAT, KINDS, sameState, snapshotFile, type ArrayKind, type Header, type NumArray, type QueryData, type SnapshotData } from './snapshot.js';
import type { ChunkTable } from './tables.js';

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
      const packed = view<Uint8Array>(`${name}.terms`, 'u8');
      let list: string[] | undefined;
      return {
        // A query looks terms up in place; only an update or a rewrite needs them all as strings.
        get terms() {
          return (list ??= unpackLines(packed, terms));
        },
        termIds: new PackedLineIds(packed, terms),
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
