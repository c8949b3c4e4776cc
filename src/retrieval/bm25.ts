/**
 * An in-memory BM25 index over token lists, built once and queried many times. Used for chunks, for
 * whole files, and by the localization baseline. Postings live in flat typed arrays to stay lean.
 */

export interface Bm25Options {
  k1?: number;
  b?: number;
}

/** Term → id: a `Map`, or a table over stored terms that does not make a string per term. */
export interface TermIds {
  get(term: string): number | undefined;
}

/** An index's arrays, for saving and restoring it without rebuilding. */
export interface Bm25Parts {
  terms: string[];
  /** Ids of `terms`, when a lookup exists already (then `terms` is read only to save the index). */
  termIds?: TermIds;
  start: Uint32Array;
  postDoc: Uint32Array;
  postTf: Uint16Array;
  docLen: Float32Array;
  k1: number;
  b: number;
}

export interface ScoredDoc {
  doc: number;
  score: number;
}

/** Documents as term ids: document d is `ids[docStart[d]]` up to `ids[docStart[d + 1]]`. */
export interface TermIdDocs {
  /** Each id's term; ids count up from 0 in the order the terms were first seen. */
  terms: string[];
  termIds: Map<string, number>;
  ids: ArrayLike<number>;
  docStart: ArrayLike<number>;
}

/** The id of `term` in a dictionary of terms numbered in first-seen order, adding it when new. */
function termId(termIds: Map<string, number>, terms: string[], term: string): number {
  let id = termIds.get(term);
  if (id === undefined) {
    id = terms.length;
    termIds.set(term, id);
    terms.push(term);
  }
  return id;
}

/** Token lists as term ids, assigned in first-seen order (so deterministic). */
function termIdDocs(docs: Iterable<string[]>): TermIdDocs {
  const list = Array.isArray(docs) ? (docs as string[][]) : [...docs];
  let total = 0;
  for (const tokens of list) total += tokens.length;
  // Typed arrays sized up front: millions of ids in a growing array cost copies and collector time.
  const ids = new Uint32Array(total);
  const docStart = new Uint32Array(list.length + 1);
  const termIds = new Map<string, number>();
  const terms: string[] = [];
  let n = 0;
  list.forEach((tokens, d) => {
    for (const t of tokens) ids[n++] = termId(termIds, terms, t);
    docStart[d + 1] = n;
  });
  return { terms, termIds, ids, docStart };
}

/** BM25 over a fixed set of documents, each given as its tokens. */
export class Bm25Index {
  readonly docs: number;
  private readonly terms: TermIds;
  private readonly restored: Bm25Parts | undefined;
  private readonly start: Uint32Array;
  private readonly postDoc: Uint32Array;
  private readonly postTf: Uint16Array;
  private readonly docLen: Float32Array;
  private readonly avgLen: number;
  private readonly k1: number;
  private readonly b: number;

  constructor(docs: Iterable<string[]> | Bm25Parts | TermIdDocs, opts: Bm25Options = {}) {
    if ('postDoc' in docs) {
      this.restored = docs;
      this.k1 = docs.k1;
      this.b = docs.b;
      this.terms = docs.termIds ?? new Map(docs.terms.map((t, i) => [t, i]));
      this.start = docs.start;
      this.postDoc = docs.postDoc;
      this.postTf = docs.postTf;
      this.docLen = docs.docLen;
      this.docs = docs.docLen.length;
      let sum = 0;
      for (const l of docs.docLen) sum += l;
      this.avgLen = this.docs ? sum / this.docs : 1;
      return;
    }
    this.restored = undefined;
    const byId = 'docStart' in docs ? docs : termIdDocs(docs);
    this.terms = byId.termIds;
    this.k1 = opts.k1 ?? 1.2;
    this.b = opts.b ?? 0.75;
    const { ids, docStart } = byId;
    const doc = docStart.length - 1;
    // Document frequencies first, to size each term's run of postings.
    const df = new Uint32Array(byId.terms.length);
    const lastDoc = new Int32Array(byId.terms.length).fill(-1);
    for (let d = 0; d < doc; d++) {
      for (let k = docStart[d]!; k < docStart[d + 1]!; k++) {
        const id = ids[k]!;
        if (lastDoc[id] !== d) {
          lastDoc[id] = d;
          df[id]!++;
        }
      }
    }
    this.docs = doc;
    this.start = new Uint32Array(df.length + 1);
    for (let i = 0; i < df.length; i++) this.start[i + 1] = this.start[i]! + df[i]!;
    const total = this.start[df.length]!;
    this.postDoc = new Uint32Array(total);
    this.postTf = new Uint16Array(total);
    // Second pass: postings in document order, counting each term's occurrences per document.
    const fill = this.start.slice(0, df.length);
    const seenIn = new Int32Array(df.length).fill(-1);
    const at = new Uint32Array(df.length);
    const lens = new Float32Array(doc);
    for (let d = 0; d < doc; d++) {
      lens[d] = docStart[d + 1]! - docStart[d]!;
      for (let k = docStart[d]!; k < docStart[d + 1]!; k++) {
        const id = ids[k]!;
        if (seenIn[id] !== d) {
          seenIn[id] = d;
          const pos = fill[id]!++;
          at[id] = pos;
          this.postDoc[pos] = d;
          this.postTf[pos] = 1;
        } else if (this.postTf[at[id]!]! < 65535) this.postTf[at[id]!]!++;
      }
    }
    this.docLen = lens;
    this.avgLen = doc ? ids.length / doc : 1;
  }

  /** The index's arrays (shared, not copied). */
  parts(): Bm25Parts {
    const terms = this.restored ? this.restored.terms : [...(this.terms as Map<string, number>).keys()];
    return { terms, start: this.start, postDoc: this.postDoc, postTf: this.postTf, docLen: this.docLen, k1: this.k1, b: this.b };
  }

  /** Number of documents containing `term`. */
  docFreq(term: string): number {
    const id = this.terms.get(term);
    return id === undefined ? 0 : this.start[id + 1]! - this.start[id]!;
  }

  /** Inverse document frequency of a term (BM25's, never negative). */
  idf(term: string): number {
    const n = this.docFreq(term);
    return Math.log(1 + (this.docs - n + 0.5) / (n + 0.5));
  }

  /**
   * Scores of every document matching any query token, as a dense array (0 where nothing matched),
   * and the documents that matched. Repeated query tokens count once, weighted by `weights` when given.
   */
  scoreAll(query: string[], weights?: Map<string, number>): { scores: Float32Array; matched: number[] } {
    const scores = new Float32Array(this.docs);
    const matched: number[] = [];
    const seen = new Set<string>();
    for (const t of query) {
      if (seen.has(t)) continue;
      seen.add(t);
      const id = this.terms.get(t);
      if (id === undefined) continue;
      const w = (weights?.get(t) ?? 1) * this.idf(t);
      if (w <= 0) continue;
      const { k1, b, avgLen } = this;
      for (let i = this.start[id]!, end = this.start[id + 1]!; i < end; i++) {
        const d = this.postDoc[i]!;
        const tf = this.postTf[i]!;
        if (scores[d] === 0) matched.push(d);
        scores[d]! += (w * tf * (k1 + 1)) / (tf + k1 * (1 - b + (b * this.docLen[d]!) / avgLen));
      }
    }
    return { scores, matched };
  }

  /** The `k` best documents for the query, best first; ties broken by document order. */
  search(query: string[], k: number, weights?: Map<string, number>): ScoredDoc[] {
    const { scores, matched } = this.scoreAll(query, weights);
    return topOf(scores, matched, k);
  }

  /** Whether a document contains the term. */
  contains(doc: number, term: string): boolean {
    const id = this.terms.get(term);
    if (id === undefined) return false;
    for (let i = this.start[id]!, end = this.start[id + 1]!; i < end; i++) if (this.postDoc[i] === doc) return true;
    return false;
  }

  /** Documents containing the term. */
  postings(term: string): Uint32Array {
    const id = this.terms.get(term);
    return id === undefined ? new Uint32Array(0) : this.postDoc.subarray(this.start[id]!, this.start[id + 1]!);
  }
}

/** The `k` highest positive scores among `candidates`, best first, ties by index. */
export function topOf(scores: ArrayLike<number>, candidates: number[], k: number): ScoredDoc[] {
  if (k <= 0) return [];
  let pool = candidates;
  if (candidates.length > 4 * k) {
    // A native numeric sort finds the k-th best score; only candidates at or above it are sorted fully.
    const values = Float32Array.from(candidates, (d) => scores[d]!).sort();
    const threshold = values[values.length - k]!;
    pool = candidates.filter((d) => scores[d]! >= threshold);
  }
  const out: ScoredDoc[] = [];
  for (const d of pool) if (scores[d]! > 0) out.push({ doc: d, score: scores[d]! });
  out.sort((a, b) => b.score - a.score || a.doc - b.doc);
  return out.slice(0, k);
}

/**
 * BM25 over chunks and over the files they make up, built together: file `f` is `fileTokens(f)` followed by
 * the tokens of chunks `fileStarts[f]` up to `fileStarts[f + 1]`. Each chunk token is looked up once, and
 * both indexes equal those built from the token lists apart.
 */
export function chunkAndFileIndexes(
  chunkDocs: Iterable<string[]>,
  fileStarts: ArrayLike<number>,
  fileTokens: (f: number) => string[],
  opts: Bm25Options = {},
): { chunks: Bm25Index; files: Bm25Index } {
  const c = termIdDocs(chunkDocs);
  const termIds = new Map<string, number>();
  const terms: string[] = [];
  const files = Math.max(0, fileStarts.length - 1);
  const own: string[][] = [];
  let total = c.ids.length;
  for (let f = 0; f < files; f++) total += (own[f] = fileTokens(f)).length;
  // A chunk term's id among the files' terms, once it has one.
  const fileIdOf = new Int32Array(c.terms.length).fill(-1);
  const ids = new Uint32Array(total);
  const docStart = new Uint32Array(files + 1);
  let n = 0;
  for (let f = 0; f < files; f++) {
    for (const t of own[f]!) ids[n++] = termId(termIds, terms, t);
    for (let k = c.docStart[fileStarts[f]!]!, end = c.docStart[fileStarts[f + 1]!]!; k < end; k++) {
      const chunkId = c.ids[k]!;
      let id = fileIdOf[chunkId]!;
      if (id < 0) fileIdOf[chunkId] = id = termId(termIds, terms, c.terms[chunkId]!);
      ids[n++] = id;
    }
    docStart[f + 1] = n;
  }
  return { chunks: new Bm25Index(c, opts), files: new Bm25Index({ terms, termIds, ids, docStart }, opts) };
}
