/**
 * Keeping the retrieval snapshot current from the index run itself, so the first query after `ragent index`
 * is as fast as the next. After a few files change, the previous snapshot is updated: the changed files'
 * chunks, edges and full-text postings are spliced in (the rest copied as it is), and the lookups and the
 * graph derived again from the columns, without reading the store. A run that wrote the whole index builds
 * it from the rows it wrote. Otherwise (many changes, no usable previous snapshot) it is rebuilt from the store.
 */
import { openIndex } from '../../indexers/store/index.js';
import type { ChunkRecord, EdgeRecord, IndexMeta } from '../../indexers/types.js';
import type { Bm25Parts } from './bm25.js';
import { joinStrings, patchTable, type StringColumn, type StringPiece } from './columns.js';
import { chunkTokens, compareChunks, fileNameWords, pathTokens, rebuildSnapshot, snapshotDataOf, TEMPLATE } from './corpus.js';
import { updateGraph } from './graph-build.js';
import { readSnapshot } from './snapshot-read.js';
import { carrySnapshot, writeSnapshot, type SnapshotData } from './snapshot.js';
import { bundleNamesIn, codeOf, definitionsIn, dictIndex, filesAmong, fileStarts, isBundle, pathIdOf, type ChunkTable, type EdgeTable } from './tables.js';

/** What an index run changed: every path whose rows were replaced or removed, and the rows now stored for them. */
export interface IndexDelta {
  paths: ReadonlySet<string>;
  /** Chunks of the changed paths, with their `tokens`. */
  chunks: ChunkRecord[];
  edges: EdgeRecord[];
  /** Whether the delta holds every row of the index (a run that wrote it all), so nothing need be read back. */
  complete?: boolean;
}

/** How the snapshot was brought up to date. */
export type SnapshotRefresh = 'carried' | 'updated' | 'rebuilt';

/**
 * Bring the snapshot up to the index's current state: build it from a complete delta; update the snapshot
 * of `before` with `delta` when there is one for exactly that state; else rebuild it from the store.
 */
export async function refreshSnapshot(root: string, before: IndexMeta | null, delta: IndexDelta | null): Promise<SnapshotRefresh> {
  const reader = await openIndex(root);
  try {
    if (delta?.complete) {
      writeSnapshot(root, reader.meta, snapshotDataOf([...delta.chunks].sort(compareChunks), delta.edges));
      return 'rebuilt';
    }
    if (before && delta && !delta.paths.size && carrySnapshot(root, before, reader.meta)) return 'carried';
    if (before && delta && updateSnapshot(root, before, reader.meta, delta)) return 'updated';
    await rebuildSnapshot(reader);
    return 'rebuilt';
  } finally {
    await reader.close();
  }
}

/** Update the snapshot of index state `before` to state `after`; false when that snapshot cannot be used. */
export function updateSnapshot(root: string, before: IndexMeta, after: IndexMeta, delta: IndexDelta): boolean {
  if (before.schemaVersion !== after.schemaVersion || before.embedder.name !== after.embedder.name) return false;
  // Templates feed the corpus's template tokens, which postings alone cannot recompute.
  if ([...delta.paths].some((p) => TEMPLATE.test(p))) return false;
  const old = readSnapshot(root, before);
  if (!old) return false;
  writeSnapshot(root, after, updatedData(old, delta));
  return true;
}

/** A file of the updated corpus: one kept from the old snapshot, or a changed one with its new chunks. */
type FilePiece = { old: number } | { path: string; chunks: ChunkRecord[] };

/** The snapshot data after `delta`, from the old data and the changed files alone. */
export function updatedData(old: SnapshotData, delta: IndexDelta): SnapshotData {
  const ot = old.chunks;
  const oldStarts = fileStarts(ot);
  const changed = delta.paths;

  // Files in corpus (path) order: the kept ones as they were, the changed ones that still have chunks merged in.
  const byPath = new Map<string, ChunkRecord[]>();
  for (const c of [...delta.chunks].filter((c) => changed.has(c.path)).sort(compareChunks)) {
    const a = byPath.get(c.path);
    if (a) a.push(c);
    else byPath.set(c.path, [c]);
  }
  const fresh = [...byPath.keys()];
  const pieces: FilePiece[] = [];
  let j = 0;
  ot.paths.forEach((path, f) => {
    if (changed.has(path)) return;
    for (; j < fresh.length && fresh[j]! < path; j++) pieces.push({ path: fresh[j]!, chunks: byPath.get(fresh[j]!)! });
    pieces.push({ old: f });
  });
  for (; j < fresh.length; j++) pieces.push({ path: fresh[j]!, chunks: byPath.get(fresh[j]!)! });

  const n = pieces.reduce((a, p) => a + ('old' in p ? oldStarts[p.old + 1]! - oldStarts[p.old]! : p.chunks.length), 0);
  const kinds = [...ot.kinds];
  const languages = [...ot.languages];
  const kindIndex = dictIndex(kinds);
  const languageIndex = dictIndex(languages);
  const paths: string[] = [];
  const file = new Uint32Array(n);
  const startLine = new Uint32Array(n);
  const endLine = new Uint32Array(n);
  const kind = new Uint8Array(n);
  const language = new Uint8Array(n);
  const chunkMap = new Int32Array(ot.file.length).fill(-1);
  const fileMap = new Int32Array(ot.paths.length).fill(-1);
  const addedChunks: AddedDoc[] = [];
  const addedFiles: AddedDoc[] = [];
  const addedIds: number[] = [];
  // Changed files as they now are: file index and chunk range in the new table.
  const freshFiles: Array<{ f: number; from: number; to: number }> = [];
  // Runs of kept chunks are copied whole: [from, to) of the old columns, placed at `at`.
  const runs: Array<{ from: number; to: number; at: number } | { chunks: ChunkRecord[]; at: number }> = [];
  let at = 0;
  for (const p of pieces) {
    const f = paths.length;
    if ('old' in p) {
      paths.push(ot.paths[p.old]!);
      fileMap[p.old] = f;
      const from = oldStarts[p.old]!;
      const to = oldStarts[p.old + 1]!;
      const last = runs[runs.length - 1];
      if (last && 'from' in last && last.to === from) last.to = to;
      else runs.push({ from, to, at });
      for (let i = from; i < to; i++, at++) {
        chunkMap[i] = at;
        file[at] = f;
      }
      continue;
    }
    paths.push(p.path);
    runs.push({ chunks: p.chunks, at });
    freshFiles.push({ f, from: at, to: at + p.chunks.length });
    const fileTokens = pathTokens(p.path);
    for (const c of p.chunks) {
      const tokens = chunkTokens(c);
      for (const t of tokens) fileTokens.push(t);
      addedChunks.push({ doc: at, tokens });
      addedIds.push(at);
      file[at] = f;
      startLine[at] = c.startLine;
      endLine[at] = c.endLine;
      kind[at] = codeOf(kinds, kindIndex, c.kind);
      language[at] = codeOf(languages, languageIndex, c.language);
      at++;
    }
    addedFiles.push({ doc: f, tokens: fileTokens });
  }
  for (const r of runs) {
    if (!('from' in r)) continue;
    startLine.set(ot.startLine.subarray(r.from, r.to), r.at);
    endLine.set(ot.endLine.subarray(r.from, r.to), r.at);
    kind.set(ot.kind.subarray(r.from, r.to), r.at);
    language.set(ot.language.subarray(r.from, r.to), r.at);
  }
  const strings = (column: StringColumn, field: 'id' | 'name' | 'qualifiedName' | 'signature' | 'parent'): StringColumn =>
    joinStrings(runs.map((r): StringPiece => ('from' in r ? { column, from: r.from, to: r.to } : { values: r.chunks.map((c) => c[field]) })));
  const table: ChunkTable = {
    paths,
    file,
    startLine,
    endLine,
    kind,
    language,
    kinds,
    languages,
    id: strings(ot.id, 'id'),
    name: strings(ot.name, 'name'),
    qualifiedName: strings(ot.qualifiedName, 'qualifiedName'),
    signature: strings(ot.signature, 'signature'),
    parent: strings(ot.parent, 'parent'),
  };
  const edges = updatedEdges(old.edges, changed, delta.edges);

  // Lookups by name: the old tables renumbered, the changed files' names merged in.
  const addedDefs = new Map<string, number[]>();
  const addedNames = new Map<string, number[]>();
  for (const { f, from, to } of freshFiles) {
    for (const [key, chunks] of definitionsIn(table, from, to)) addTo(addedDefs, key, chunks);
    for (const q of bundleNamesIn(table, from, to)) addTo(addedNames, q, [f]);
  }
  const defs = patchTable(old.defs, chunkMap, addedDefs, (chunks) => filesAmong(table, chunks));
  const definedIn = patchTable(old.definedIn, fileMap, addedNames, (files) => files.length);
  const addedWords = new Map<string, number[]>();
  for (const { f } of freshFiles) for (const w of fileNameWords(paths[f]!)) addTo(addedWords, w, [f]);
  const nameWords = patchTable(old.nameWords, fileMap, addedWords, (files) => files.length);

  // Names the change defines or defined, for the graph's references by name.
  const names = new Set(addedDefs.keys());
  ot.paths.forEach((path, f) => {
    if (changed.has(path)) for (const key of definitionsIn(ot, oldStarts[f]!, oldStarts[f + 1]!).keys()) names.add(key);
  });
  const { graph, links } = updateGraph(old.links, table, edges, defs, {
    chunkMap,
    fileMap,
    freshFiles: freshFiles.map((x) => x.f),
    paths: changed,
    names,
    oldDefs: old.defs,
  });

  // Bundles: a file's flag changes only when it shares a name with what changed; those files are checked again.
  const touched = new Set(addedNames.keys());
  ot.paths.forEach((path, f) => {
    if (changed.has(path)) for (const q of bundleNamesIn(ot, oldStarts[f]!, oldStarts[f + 1]!)) touched.add(q);
  });
  const recheck = new Set(freshFiles.map((x) => x.f));
  for (const q of touched) for (const f of definedIn.get(q) ?? []) recheck.add(f);
  const bundles = new Uint8Array(paths.length);
  fileMap.forEach((to, from) => {
    if (to >= 0) bundles[to] = old.bundles[from]!;
  });
  const starts = fileStarts(table);
  for (const f of recheck) bundles[f] = isBundle(table, starts, f, definedIn) ? 1 : 0;

  return {
    chunks: table,
    nameWords,
    bundles,
    idOrder: updatedIdOrder(old.idOrder, chunkMap, addedIds, table),
    defs,
    definedIn,
    chunkText: patchBm25(old.chunkText, chunkMap, addedChunks, n),
    fileText: patchBm25(old.fileText, fileMap, addedFiles, paths.length),
    graph,
    links,
    edges,
    templateTokens: old.templateTokens,
  };
}

function addTo(m: Map<string, number[]>, key: string, values: number[]): void {
  const a = m.get(key);
  if (a) a.push(...values);
  else m.set(key, [...values]);
}

/** The id order of the new table: the kept chunks' order renumbered, the added chunks put in by binary search. */
function updatedIdOrder(old: Uint32Array, chunkMap: Int32Array, added: number[], t: ChunkTable): Uint32Array {
  const kept: number[] = [];
  for (const o of old) if (chunkMap[o]! >= 0) kept.push(chunkMap[o]!);
  const less = (a: number, b: number): boolean => {
    const x = t.id.get(a);
    const y = t.id.get(b);
    return x < y || (x === y && a < b);
  };
  const sorted = [...added].sort((a, b) => (less(a, b) ? -1 : less(b, a) ? 1 : 0));
  const out = new Uint32Array(kept.length + added.length);
  let o = 0;
  let k = 0;
  for (const x of sorted) {
    let lo = k;
    let hi = kept.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (less(kept[mid]!, x)) lo = mid + 1;
      else hi = mid;
    }
    while (k < lo) out[o++] = kept[k++]!;
    out[o++] = x;
  }
  while (k < kept.length) out[o++] = kept[k++]!;
  return out;
}

/** The old edges except those from changed paths, then the changed paths' new edges. */
function updatedEdges(old: EdgeTable, changed: ReadonlySet<string>, added: readonly EdgeRecord[]): EdgeTable {
  const paths = [...old.paths];
  const pathIndex = dictIndex(paths);
  const kinds = [...old.kinds];
  const kindIndex = dictIndex(kinds);
  const dropped = Uint8Array.from(old.paths, (p) => (changed.has(p) ? 1 : 0));
  const runs: Array<{ from: number; to: number }> = [];
  for (let e = 0; e < old.from.length; e++) {
    if (dropped[old.from[e]!]) continue;
    const last = runs[runs.length - 1];
    if (last && last.to === e) last.to = e + 1;
    else runs.push({ from: e, to: e + 1 });
  }
  const kept = runs.reduce((a, r) => a + r.to - r.from, 0);
  const n = kept + added.length;
  const from = new Uint32Array(n);
  const to = new Uint32Array(n);
  const kind = new Uint8Array(n);
  const line = new Uint32Array(n);
  let at = 0;
  for (const r of runs) {
    from.set(old.from.subarray(r.from, r.to), at);
    to.set(old.to.subarray(r.from, r.to), at);
    kind.set(old.kind.subarray(r.from, r.to), at);
    line.set(old.line.subarray(r.from, r.to), at);
    at += r.to - r.from;
  }
  for (const e of added) {
    from[at] = pathIdOf(paths, pathIndex, e.fromPath);
    to[at] = pathIdOf(paths, pathIndex, e.toPath);
    kind[at] = codeOf(kinds, kindIndex, e.kind);
    line[at++] = e.line;
  }
  const strings = (column: StringColumn, field: 'fromSymbol' | 'target'): StringColumn =>
    joinStrings([...runs.map((r) => ({ column, from: r.from, to: r.to })), { values: added.map((e) => e[field]) }]);
  return { paths, from, to, kind, kinds, line, fromSymbol: strings(old.fromSymbol, 'fromSymbol'), target: strings(old.target, 'target') };
}

interface AddedDoc {
  doc: number;
  tokens: string[];
}

/**
 * Postings of `old` with documents renumbered by `map` (-1: removed) plus the `added` documents, which
 * must come in ascending order. Each term's postings stay in document order, as a fresh build makes them;
 * terms new to the corpus are numbered after the old ones.
 */
export function patchBm25(old: Bm25Parts, map: Int32Array, added: AddedDoc[], docs: number): Bm25Parts {
  const terms = old.terms.slice();
  // Ids of the old terms the added documents use: a scan for those few, not a map of every term.
  const used = new Set<string>();
  for (const a of added) for (const t of a.tokens) used.add(t);
  const termId = new Map<string, number>();
  terms.forEach((t, i) => {
    if (used.has(t)) termId.set(t, i);
  });
  const docLen = new Float32Array(docs);
  for (let d = 0; d < map.length; d++) if (map[d]! >= 0) docLen[map[d]!] = old.docLen[d]!;

  // Postings of the added documents, per term, in document order.
  const addDocs = new Map<number, number[]>();
  const addTfs = new Map<number, number[]>();
  for (const a of added) {
    docLen[a.doc] = a.tokens.length;
    const tf = new Map<number, number>();
    for (const t of a.tokens) {
      let id = termId.get(t);
      if (id === undefined) {
        id = terms.length;
        termId.set(t, id);
        terms.push(t);
      }
      tf.set(id, (tf.get(id) ?? 0) + 1);
    }
    for (const [id, n] of tf) {
      let ds = addDocs.get(id);
      if (!ds) {
        addDocs.set(id, (ds = []));
        addTfs.set(id, []);
      }
      ds.push(a.doc);
      addTfs.get(id)!.push(Math.min(n, 65535));
    }
  }

  const oldTerms = old.terms.length;
  let extra = 0;
  for (const ds of addDocs.values()) extra += ds.length;
  // One pass, into arrays as long as the postings can get (removals only shorten them).
  const start = new Uint32Array(terms.length + 1);
  const postDoc = new Uint32Array(old.postDoc.length + extra);
  const postTf = new Uint16Array(postDoc.length);
  const none: number[] = [];
  let out = 0;
  for (let t = 0; t < terms.length; t++) {
    start[t] = out;
    const ds = addDocs.get(t) ?? none;
    const tfs = addTfs.get(t) ?? none;
    let j = 0;
    if (t < oldTerms) {
      const end = old.start[t + 1]!;
      for (let k = old.start[t]!; k < end; k++) {
        const d = map[old.postDoc[k]!]!;
        if (d < 0) continue;
        for (; j < ds.length && ds[j]! < d; j++, out++) {
          postDoc[out] = ds[j]!;
          postTf[out] = tfs[j]!;
        }
        postDoc[out] = d;
        postTf[out++] = old.postTf[k]!;
      }
    }
    for (; j < ds.length; j++, out++) {
      postDoc[out] = ds[j]!;
      postTf[out] = tfs[j]!;
    }
  }
  start[terms.length] = out;
  return { terms, start, postDoc: postDoc.subarray(0, out), postTf: postTf.subarray(0, out), docLen, k1: old.k1, b: old.b };
}
