/**
 * Keeping the retrieval snapshot current from the index run itself, so the first query after `ragent index`
 * is as fast as the next. After a few files change, the previous snapshot is updated in place: their chunks
 * and full-text postings are replaced and the graph rebuilt from the stored edges, without reading the whole
 * store again. Otherwise (first run, many changes, no usable previous snapshot) the corpus is rebuilt from
 * the store and written, as the first query would have done.
 */
import { openIndex } from '../../indexers/store/index.js';
import type { ChunkRecord, EdgeRecord, IndexMeta } from '../../indexers/types.js';
import type { Bm25Parts } from './bm25.js';
import { compareChunks, graphOf, loadCorpus, pathTokens, TEMPLATE } from './corpus.js';
import { carrySnapshot, readSnapshot, readSnapshotEdges, writeSnapshot, writeSnapshotEdges } from './snapshot.js';

/** What an index run changed: every path whose rows were replaced or removed, and the rows now stored for them. */
export interface IndexDelta {
  paths: ReadonlySet<string>;
  /** Chunks of the changed paths, with their `tokens`. */
  chunks: ChunkRecord[];
  edges: EdgeRecord[];
}

/** How the snapshot was brought up to date. */
export type SnapshotRefresh = 'carried' | 'updated' | 'rebuilt';


/**
 * Bring the snapshot up to the index's current state: update the snapshot of `before` with `delta` when
 * there is one for exactly that state, else rebuild it from the store.
 */
export async function refreshSnapshot(root: string, before: IndexMeta | null, delta: IndexDelta | null): Promise<SnapshotRefresh> {
  const reader = await openIndex(root);
  try {
    if (before && delta && !delta.paths.size && carrySnapshot(root, before, reader.meta)) return 'carried';
    if (before && delta && updateSnapshot(root, before, reader.meta, delta)) return 'updated';
    await loadCorpus(reader);
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
  const oldEdges = old && readSnapshotEdges(root, before);
  if (!old || !oldEdges) return false;

  // Chunks: the old ones outside the changed paths, then the new ones, in corpus order.
  type Entry = { chunk: ChunkRecord; old: number; tokens: string[] | null };
  const added: Entry[] = delta.chunks
    .map((c) => ({ chunk: { ...c, fileHash: '', doc: '', text: '', tokens: '' }, old: -1, tokens: c.tokens ? c.tokens.split(/\s+/).filter(Boolean) : [] }))
    .sort((a, b) => compareChunks(a.chunk, b.chunk));
  // The kept chunks are in corpus order already: merge the few new ones in.
  const entries: Entry[] = [];
  let j = 0;
  old.chunks.forEach((chunk, i) => {
    if (delta.paths.has(chunk.path)) return;
    while (j < added.length && compareChunks(added[j]!.chunk, chunk) < 0) entries.push(added[j++]!);
    entries.push({ chunk, old: i, tokens: null });
  });
  while (j < added.length) entries.push(added[j++]!);
  const chunks = entries.map((e) => e.chunk);

  const chunkMap = new Int32Array(old.chunks.length).fill(-1);
  const addedChunks: AddedDoc[] = [];
  entries.forEach((e, i) => {
    if (e.old >= 0) chunkMap[e.old] = i;
    else addedChunks.push({ doc: i, tokens: e.tokens! });
  });

  // Files are documents too, numbered by first appearance in chunk order.
  const oldFiles = new Map<string, number>();
  for (const c of old.chunks) if (!oldFiles.has(c.path)) oldFiles.set(c.path, oldFiles.size);
  const fileMap = new Int32Array(oldFiles.size).fill(-1);
  const addedFiles: AddedDoc[] = [];
  let files = 0;
  for (let i = 0; i < entries.length; i++) {
    const path = entries[i]!.chunk.path;
    if (i > 0 && entries[i - 1]!.chunk.path === path) continue;
    const was = oldFiles.get(path);
    if (was !== undefined && !delta.paths.has(path)) fileMap[was] = files;
    else {
      const tokens = pathTokens(path);
      for (let k = i; k < entries.length && entries[k]!.chunk.path === path; k++) tokens.push(...entries[k]!.tokens!);
      addedFiles.push({ doc: files, tokens });
    }
    files++;
  }

  const chunkText = patchBm25(old.chunkText, chunkMap, addedChunks, chunks.length);
  const fileText = patchBm25(old.fileText, fileMap, addedFiles, files);
  const edges = oldEdges.filter((e) => !delta.paths.has(e.fromPath)).concat(delta.edges);
  const graph = graphOf(chunks, edges);
  writeSnapshotEdges(root, after, edges, { previous: before, paths: delta.paths });
  writeSnapshot(root, after, { chunks, chunkText, fileText, graph, templateTokens: old.templateTokens });
  return true;
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
  const termId = new Map<string, number>();
  terms.forEach((t, i) => termId.set(t, i));
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
  const start = new Uint32Array(terms.length + 1);
  for (let t = 0; t < terms.length; t++) {
    let n = addDocs.get(t)?.length ?? 0;
    if (t < oldTerms) for (let k = old.start[t]!; k < old.start[t + 1]!; k++) if (map[old.postDoc[k]!]! >= 0) n++;
    start[t + 1] = start[t]! + n;
  }
  const postDoc = new Uint32Array(start[terms.length]!);
  const postTf = new Uint16Array(postDoc.length);
  for (let t = 0; t < terms.length; t++) {
    let out = start[t]!;
    const ds = addDocs.get(t) ?? [];
    const tfs = addTfs.get(t) ?? [];
    let j = 0;
    if (t < oldTerms) {
      for (let k = old.start[t]!; k < old.start[t + 1]!; k++) {
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
  return { terms, start, postDoc, postTf, docLen, k1: old.k1, b: old.b };
}
