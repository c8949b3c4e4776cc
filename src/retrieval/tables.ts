/**
 * The corpus as columns: what the retrieval snapshot stores and a query reads without decoding it all.
 * Chunks and edges are columns; the lookups a query needs (definitions by name, chunks by id, bundle
 * files) are derived here from the columns alone, so a corpus built from the store and one updated in
 * place derive them the same way.
 */
import type { ChunkKind, ChunkRecord, EdgeKind, EdgeRecord, Language } from '../../indexers/types.js';
import { SortedTable, StringColumn } from './columns.js';

/** Chunks in corpus order (by path, lines, id), one column per field retrieval reads. */
export interface ChunkTable {
  /** File paths in corpus order; a file's chunks are contiguous. */
  paths: string[];
  /** Chunk → index into `paths`. */
  file: Uint32Array;
  startLine: Uint32Array;
  endLine: Uint32Array;
  /** Chunk → index into `kinds` / `languages`. */
  kind: Uint8Array;
  language: Uint8Array;
  kinds: string[];
  languages: string[];
  id: StringColumn;
  name: StringColumn;
  qualifiedName: StringColumn;
  signature: StringColumn;
  parent: StringColumn;
}

/** Edges as the store holds them, paths numbered. */
export interface EdgeTable {
  /** Paths edges name, '' included; `from` and `to` index into it. */
  paths: string[];
  from: Uint32Array;
  to: Uint32Array;
  /** Index into `kinds`. */
  kind: Uint8Array;
  kinds: string[];
  line: Uint32Array;
  fromSymbol: StringColumn;
  target: StringColumn;
}

const isSymbolKind = (kind: string): boolean => kind !== 'header' && kind !== 'text';

/** Index of `value` in `dict`, appended when new. */
export function codeOf(dict: string[], index: Map<string, number>, value: string): number {
  let i = index.get(value);
  if (i === undefined) {
    i = dict.length;
    if (i > 255) throw new Error('more than 256 distinct values in a one-byte column');
    dict.push(value);
    index.set(value, i);
  }
  return i;
}

/** A dictionary's value → code map. */
export function dictIndex(dict: readonly string[]): Map<string, number> {
  return new Map(dict.map((v, i) => [v, i]));
}

/** Columns of chunks already in corpus order. */
export function chunkTableOf(chunks: readonly ChunkRecord[]): ChunkTable {
  const n = chunks.length;
  const paths: string[] = [];
  const file = new Uint32Array(n);
  const startLine = new Uint32Array(n);
  const endLine = new Uint32Array(n);
  const kind = new Uint8Array(n);
  const language = new Uint8Array(n);
  const kinds: string[] = [];
  const languages: string[] = [];
  const kindIndex = new Map<string, number>();
  const languageIndex = new Map<string, number>();
  chunks.forEach((c, i) => {
    if (!i || chunks[i - 1]!.path !== c.path) paths.push(c.path);
    file[i] = paths.length - 1;
    startLine[i] = c.startLine;
    endLine[i] = c.endLine;
    kind[i] = codeOf(kinds, kindIndex, c.kind);
    language[i] = codeOf(languages, languageIndex, c.language);
  });
  const col = (k: 'id' | 'name' | 'qualifiedName' | 'signature' | 'parent'): StringColumn => StringColumn.of(chunks.map((c) => c[k]));
  return {
    paths,
    file,
    startLine,
    endLine,
    kind,
    language,
    kinds,
    languages,
    id: col('id'),
    name: col('name'),
    qualifiedName: col('qualifiedName'),
    signature: col('signature'),
    parent: col('parent'),
  };
}

/** Columns of edges, in the order given. */
export function edgeTableOf(edges: readonly EdgeRecord[]): EdgeTable {
  const paths: string[] = [];
  const pathIndex = new Map<string, number>();
  const kinds: string[] = [];
  const kindIndex = new Map<string, number>();
  const n = edges.length;
  const from = new Uint32Array(n);
  const to = new Uint32Array(n);
  const kind = new Uint8Array(n);
  const line = new Uint32Array(n);
  edges.forEach((e, i) => {
    from[i] = pathIdOf(paths, pathIndex, e.fromPath);
    to[i] = pathIdOf(paths, pathIndex, e.toPath);
    kind[i] = codeOf(kinds, kindIndex, e.kind);
    line[i] = e.line;
  });
  return {
    paths,
    from,
    to,
    kind,
    kinds,
    line,
    fromSymbol: StringColumn.of(edges.map((e) => e.fromSymbol)),
    target: StringColumn.of(edges.map((e) => e.target)),
  };
}

/** Index of `path` in a path list, appended when new. */
export function pathIdOf(paths: string[], index: Map<string, number>, path: string): number {
  let i = index.get(path);
  if (i === undefined) {
    i = paths.length;
    paths.push(path);
    index.set(path, i);
  }
  return i;
}

/** Edge i as a record. */
export function edgeAt(t: EdgeTable, i: number): EdgeRecord {
  return {
    fromPath: t.paths[t.from[i]!]!,
    fromSymbol: t.fromSymbol.get(i),
    kind: t.kinds[t.kind[i]!] as EdgeKind,
    target: t.target.get(i),
    toPath: t.paths[t.to[i]!]!,
    line: t.line[i]!,
  };
}

/** First chunk of each file, plus the chunk count at the end: file f owns `[start[f], start[f + 1])`. */
export function fileStarts(t: ChunkTable): Uint32Array {
  const start = new Uint32Array(t.paths.length + 1);
  const n = t.file.length;
  for (let i = n - 1; i >= 0; i--) start[t.file[i]!] = i;
  start[t.paths.length] = n;
  return start;
}

/**
 * A chunk read from columns: fields decode on first read. Retrieval never reads the embedded text,
 * the tokens, the doc comment or the file hash, which the snapshot does not keep.
 */
class StoredChunk implements ChunkRecord {
  readonly #t: ChunkTable;
  readonly #i: number;

  constructor(t: ChunkTable, i: number) {
    this.#t = t;
    this.#i = i;
  }

  get id(): string {
    return this.#t.id.get(this.#i);
  }
  get path(): string {
    return this.#t.paths[this.#t.file[this.#i]!]!;
  }
  get fileHash(): string {
    return '';
  }
  get language(): Language {
    return this.#t.languages[this.#t.language[this.#i]!] as Language;
  }
  get kind(): ChunkKind {
    return this.#t.kinds[this.#t.kind[this.#i]!] as ChunkKind;
  }
  get name(): string {
    return this.#t.name.get(this.#i);
  }
  get qualifiedName(): string {
    return this.#t.qualifiedName.get(this.#i);
  }
  get signature(): string {
    return this.#t.signature.get(this.#i);
  }
  get doc(): string {
    return '';
  }
  get startLine(): number {
    return this.#t.startLine[this.#i]!;
  }
  get endLine(): number {
    return this.#t.endLine[this.#i]!;
  }
  get parent(): string {
    return this.#t.parent.get(this.#i);
  }
  get text(): string {
    return '';
  }
  get tokens(): string {
    return '';
  }

  /** The record as a plain object (what `JSON.stringify` and copies see). */
  toJSON(): ChunkRecord {
    return plainChunk(this);
  }
}

/** A plain copy of a chunk record. */
export function plainChunk(c: ChunkRecord): ChunkRecord {
  return {
    id: c.id,
    path: c.path,
    fileHash: c.fileHash,
    language: c.language,
    kind: c.kind,
    name: c.name,
    qualifiedName: c.qualifiedName,
    signature: c.signature,
    doc: c.doc,
    startLine: c.startLine,
    endLine: c.endLine,
    parent: c.parent,
    text: c.text,
    tokens: c.tokens,
  };
}

/** The table's chunks as records that decode their fields when read. */
export function storedChunks(t: ChunkTable): ChunkRecord[] {
  const n = t.file.length;
  const out = new Array<ChunkRecord>(n);
  for (let i = 0; i < n; i++) out[i] = new StoredChunk(t, i);
  return out;
}

/** Lower-case definition name → chunks defining it (ascending), with the number of distinct files defining it. */
export function definitionsOf(t: ChunkTable): SortedTable {
  const groups = new Map<string, number[]>();
  const files = new Map<string, number>();
  const lastFile = new Map<string, number>();
  const symbolKind = t.kinds.map(isSymbolKind);
  const n = t.file.length;
  for (let i = 0; i < n; i++) {
    if (!symbolKind[t.kind[i]!] || !t.name.byteLength(i)) continue;
    const key = t.name.get(i).toLowerCase();
    const g = groups.get(key);
    if (g) g.push(i);
    else groups.set(key, [i]);
    // Chunks come grouped by file: counting each change of file counts a name's distinct files.
    const f = t.file[i]!;
    if (lastFile.get(key) !== f) {
      lastFile.set(key, f);
      files.set(key, (files.get(key) ?? 0) + 1);
    }
  }
  return SortedTable.of(groups, files);
}

/** Chunk indexes in ascending id order (equal ids by index), for finding a chunk by id. */
export function idOrderOf(t: ChunkTable): Uint32Array {
  const ids = t.id.all();
  const order = Array.from({ length: ids.length }, (_, i) => i);
  order.sort((a, b) => (ids[a]! < ids[b]! ? -1 : ids[a]! > ids[b]! ? 1 : a - b));
  return Uint32Array.from(order);
}

/** The chunk with id `id` (the last of equal ids, as a map keyed by id would keep), by binary search. */
export function chunkByIdIn(t: ChunkTable, order: Uint32Array, id: string): number | undefined {
  let lo = 0;
  let hi = order.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const k = t.id.get(order[mid]!);
    if (k <= id) {
      if (k === id) found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found < 0 ? undefined : order[found]!;
}

/** Whether chunk i counts towards bundle detection: a symbol with a name of at least four characters. */
function bundleName(t: ChunkTable, symbolKind: boolean[], i: number): boolean {
  return symbolKind[t.kind[i]!]! && t.name.byteLength(i) >= 4 && t.name.get(i).length >= 4;
}

/** Qualified name of the symbols bundle detection counts → the files defining it, ascending. */
export function definedInOf(t: ChunkTable): SortedTable {
  const starts = fileStarts(t);
  const symbolKind = t.kinds.map(isSymbolKind);
  const definedIn = new Map<string, number[]>();
  for (let f = 0; f < t.paths.length; f++) {
    for (let i = starts[f]!; i < starts[f + 1]!; i++) {
      if (!bundleName(t, symbolKind, i)) continue;
      const q = t.qualifiedName.get(i);
      const s = definedIn.get(q);
      if (!s) definedIn.set(q, [f]);
      else if (s[s.length - 1] !== f) s.push(f);
    }
  }
  return SortedTable.of(definedIn, new Map([...definedIn].map(([k, v]) => [k, v.length])));
}

/** Qualified names of the chunks `[from, to)` that bundle detection counts. */
export function bundleNamesIn(t: ChunkTable, from: number, to: number): Set<string> {
  const symbolKind = t.kinds.map(isSymbolKind);
  const names = new Set<string>();
  for (let i = from; i < to; i++) if (bundleName(t, symbolKind, i)) names.add(t.qualifiedName.get(i));
  return names;
}

/**
 * Whether file f is a built bundle: most of its definitions (by qualified name) repeat definitions spread
 * over several other files (`lib/marked.js` built from `src/*.js`). Fixes go to the sources.
 */
export function isBundle(t: ChunkTable, starts: Uint32Array, f: number, definedIn: SortedTable): boolean {
  if (starts[f + 1]! - starts[f]! < 20) return false; // fewer chunks than the names a bundle needs
  const names = bundleNamesIn(t, starts[f]!, starts[f + 1]!);
  if (names.size < 20) return false;
  let repeated = 0;
  const others = new Set<number>();
  for (const q of names) {
    const k = definedIn.indexOf(q);
    if (k < 0) continue;
    const from = definedIn.start[k]!;
    const to = definedIn.start[k + 1]!;
    if (to - from < 2) continue;
    repeated++;
    for (let v = from; v < to; v++) if (definedIn.values[v] !== f) others.add(definedIn.values[v]!);
  }
  return repeated >= names.size * 0.5 && others.size >= 4;
}

/** Per file, 1 when it is a built bundle. */
export function bundlesOf(t: ChunkTable, definedIn: SortedTable): Uint8Array {
  const starts = fileStarts(t);
  const out = new Uint8Array(t.paths.length);
  for (let f = 0; f < out.length; f++) if (isBundle(t, starts, f, definedIn)) out[f] = 1;
  return out;
}

/** Lower-case names of the symbols among chunks `[from, to)`, with their chunks, ascending. */
export function definitionsIn(t: ChunkTable, from: number, to: number): Map<string, number[]> {
  const symbolKind = t.kinds.map(isSymbolKind);
  const out = new Map<string, number[]>();
  for (let i = from; i < to; i++) {
    if (!symbolKind[t.kind[i]!] || !t.name.byteLength(i)) continue;
    const key = t.name.get(i).toLowerCase();
    const a = out.get(key);
    if (a) a.push(i);
    else out.set(key, [i]);
  }
  return out;
}

/** Number of distinct files among ascending chunk indexes. */
export function filesAmong(t: ChunkTable, chunks: Uint32Array): number {
  let n = 0;
  for (let k = 0; k < chunks.length; k++) if (!k || t.file[chunks[k]!] !== t.file[chunks[k - 1]!]) n++;
  return n;
}
