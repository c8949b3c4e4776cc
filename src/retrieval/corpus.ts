/**
 * The in-memory view of an index that every query shares: chunks in a fixed order, files with their
 * chunks, full-text indexes over chunks and whole files, and a definitions table. Built once per reader.
 */
import type { ChunkRecord, EdgeRecord, IndexReader, Language } from '../../indexers/types.js';
import { codeTokens } from '../../indexers/tokenize.js';
import { Bm25Index } from './bm25.js';
import { adoptGraph, codeGraph, type CodeGraph } from './graph.js';
import { fileRole, rolePrior, type FileRole } from './paths.js';
import { readSnapshot, writeSnapshot, writeSnapshotEdges } from './snapshot.js';

export interface CorpusFile {
  path: string;
  language: Language;
  /** Indexes into `Corpus.chunks`, in line order. */
  chunks: number[];
  role: FileRole;
  /** Lower-case basename without extension(s): `test_utils`, `scale.linear`. */
  stem: string;
  /** Ranking prior of the file: its role's, lowered for files that are not code. */
  prior: number;
  /** Last line any chunk covers, as a size estimate. */
  lines: number;
}

export interface Corpus {
  reader: IndexReader;
  chunks: ChunkRecord[];
  /** Chunk index → file index. */
  chunkFile: Uint32Array;
  files: CorpusFile[];
  fileByPath: Map<string, number>;
  /** Chunk id → chunk index. */
  chunkById: Map<string, number>;
  chunkText: Bm25Index;
  fileText: Bm25Index;
  /** Lower-case definition name → chunk indexes of symbols with that name. */
  defsByName: Map<string, number[]>;
  /** Lower-case definition name → number of distinct files defining it. */
  defFileCount: Map<string, number>;
  edges: EdgeRecord[];
  /** Tokens of the repository's issue and pull-request templates: an issue repeats them without meaning. */
  templateTokens: Set<string>;
  /** Lower-case basename → files with that name (a mentioned path can only match these). */
  filesByBasename: Map<string, number[]>;
  /** Word of a file name (`controller.bar.js` → controller, bar) → files whose name has it. */
  filesByNameWord: Map<string, number[]>;
}

/** Paths of issue and pull-request templates, whose tokens an issue repeats without meaning. */
export const TEMPLATE = /(^|\/)(issue_template|pull_request_template)(\/|\.)/i;

const corpora = new WeakMap<IndexReader, Promise<Corpus>>();

/** The corpus of a reader, built on first use and shared by later queries on the same reader. */
export function loadCorpus(reader: IndexReader): Promise<Corpus> {
  let c = corpora.get(reader);
  if (!c) {
    c = buildCorpus(reader);
    corpora.set(reader, c);
    c.catch(() => corpora.delete(reader));
  }
  return c;
}

const isSymbol = (c: ChunkRecord): boolean => c.kind !== 'header' && c.kind !== 'text';

async function buildCorpus(reader: IndexReader): Promise<Corpus> {
  const snap = readSnapshot(reader.root, reader.meta);
  if (snap) {
    const c = assemble(reader, snap.chunks, [], {
      chunkText: new Bm25Index(snap.chunkText),
      fileText: new Bm25Index(snap.fileText),
      templateTokens: new Set(snap.templateTokens),
    });
    if (c.chunkText.docs === c.chunks.length && c.fileText.docs === c.files.length && snap.graph.offsets.length === c.chunks.length + 1) {
      adoptGraph(c, snap.graph);
      return c;
    }
  }
  const [raw, edges] = await Promise.all([reader.allChunks(), reader.allEdges()]);
  // A fixed order makes every ranking deterministic whatever order the store returns rows in.
  const chunks = [...raw].sort(compareChunks);
  const c = assemble(reader, chunks, edges);
  const graph = sortNeighbours(codeGraph(c));
  try {
    // Edges first: a snapshot is only updated in place when its edges belong to the same index state.
    writeSnapshotEdges(reader.root, reader.meta, edges);
    writeSnapshot(reader.root, reader.meta, {
      chunks,
      chunkText: c.chunkText.parts(),
      fileText: c.fileText.parts(),
      graph,
      templateTokens: [...c.templateTokens],
    });
  } catch {
    // A snapshot only saves time; without one the next process rebuilds.
  }
  return c;
}

/** The order of chunks in a corpus: by path, then lines, then id. */
export function compareChunks(a: ChunkRecord, b: ChunkRecord): number {
  return cmp(a.path, b.path) || a.startLine - b.startLine || a.endLine - b.endLine || cmp(a.id, b.id);
}

/**
 * Neighbours in ascending order, so the graph (and the order relevance is pushed along it) does not
 * depend on the order the store returned edges in, nor on whether it was built at once or updated.
 */
function sortNeighbours(g: CodeGraph): CodeGraph {
  for (let i = 0; i + 1 < g.offsets.length; i++) g.targets.subarray(g.offsets[i]!, g.offsets[i + 1]!).sort();
  return g;
}

/** The graph over sorted chunks and their edges: what a snapshot stores. */
export function graphOf(chunks: ChunkRecord[], edges: EdgeRecord[]): CodeGraph {
  // The graph reads chunks, files, definitions and edges; never the reader nor the full-text indexes.
  const none = null as unknown as Bm25Index;
  const c = assemble(null as unknown as IndexReader, chunks, edges, { chunkText: none, fileText: none, templateTokens: new Set() }, true);
  return sortNeighbours(codeGraph(c));
}

/** The corpus over sorted chunks; full-text indexes are built from the chunks' tokens unless given. */
function assemble(
  reader: IndexReader,
  chunks: ChunkRecord[],
  edges: EdgeRecord[],
  prebuilt?: { chunkText: Bm25Index; fileText: Bm25Index; templateTokens: Set<string> },
  graphOnly = false,
): Corpus {
  const files: CorpusFile[] = [];
  const fileByPath = new Map<string, number>();
  const chunkFile = new Uint32Array(chunks.length);
  const chunkById = new Map<string, number>();
  const defsByName = new Map<string, number[]>();
  const defFileCount = new Map<string, number>();
  // Chunks come grouped by file, in file order: a name's files arrive in order, so counting each change
  // of file counts its distinct files.
  const defLastFile = new Map<string, number>();
  chunks.forEach((c, i) => {
    let f = fileByPath.get(c.path);
    if (f === undefined) {
      f = files.length;
      fileByPath.set(c.path, f);
      const role = fileRole(c.path);
      // Fixes land in code far more often than in prose or data files.
      const prior = rolePrior(role) * (c.language === 'text' ? 0.6 : 1);
      files.push({ path: c.path, language: c.language, chunks: [], role, prior, stem: stemOf(c.path), lines: 0 });
    }
    const file = files[f]!;
    file.chunks.push(i);
    file.lines = Math.max(file.lines, c.endLine);
    chunkFile[i] = f;
    if (!graphOnly) chunkById.set(c.id, i);
    if (isSymbol(c) && c.name) {
      const key = c.name.toLowerCase();
      push(defsByName, key, i);
      if (defLastFile.get(key) !== f) {
        defLastFile.set(key, f);
        defFileCount.set(key, (defFileCount.get(key) ?? 0) + 1);
      }
    }
  });
  let chunkText: Bm25Index;
  let fileText: Bm25Index;
  let templateTokens: Set<string>;
  if (prebuilt) ({ chunkText, fileText, templateTokens } = prebuilt);
  else {
    const chunkTokens = chunks.map((c) => (c.tokens ? c.tokens.split(/\s+/).filter(Boolean) : []));
    chunkText = new Bm25Index(chunkTokens);
    fileText = new Bm25Index(
      files.map((f) => {
        const all: string[] = [...pathTokens(f.path)];
        for (const i of f.chunks) for (const t of chunkTokens[i]!) all.push(t);
        return all;
      }),
    );
    templateTokens = new Set<string>();
    for (const f of files) {
      if (!TEMPLATE.test(f.path)) continue;
      for (const ch of f.chunks) for (const t of chunkTokens[ch]!) templateTokens.add(t);
    }
  }
  const filesByBasename = new Map<string, number[]>();
  const filesByNameWord = new Map<string, number[]>();
  // Building the graph needs files, definitions and edges; priors and name lookups only serve queries.
  if (!graphOnly) markBundles(chunks, files);
  if (!graphOnly) files.forEach((f, i) => {
    push(filesByBasename, f.path.slice(f.path.lastIndexOf('/') + 1).toLowerCase(), i);
    for (const w of new Set(codeTokens(f.stem.replace(/\./g, ' ')))) push(filesByNameWord, w, i);
  });
  return {
    reader,
    chunks,
    chunkFile,
    files,
    fileByPath,
    chunkById,
    chunkText,
    fileText,
    defsByName,
    defFileCount,
    edges,
    templateTokens,
    filesByBasename,
    filesByNameWord,
  };
}

/**
 * Lower the prior of built bundles: files most of whose definitions (by qualified name) repeat
 * definitions spread over several other files (`lib/marked.js` built from `src/*.js`). Fixes go to
 * the sources.
 */
function markBundles(chunks: ChunkRecord[], files: CorpusFile[]): void {
  // Distinct files defining each qualified name, ascending (files are visited in order).
  const definedIn = new Map<string, number[]>();
  files.forEach((f, i) => {
    for (const ch of f.chunks) {
      const c = chunks[ch]!;
      if (!isSymbol(c) || c.name.length < 4) continue;
      const s = definedIn.get(c.qualifiedName);
      if (!s) definedIn.set(c.qualifiedName, [i]);
      else if (s[s.length - 1] !== i) s.push(i);
    }
  });
  files.forEach((f, i) => {
    if (f.chunks.length < 20) return; // fewer chunks than the names a bundle needs
    const names = new Set(f.chunks.map((ch) => chunks[ch]!).filter((c) => isSymbol(c) && c.name.length >= 4).map((c) => c.qualifiedName));
    if (names.size < 20) return;
    let repeated = 0;
    const others = new Set<number>();
    for (const n of names) {
      const where = definedIn.get(n)!;
      if (where.length < 2) continue;
      repeated++;
      for (const o of where) if (o !== i) others.add(o);
    }
    if (repeated >= names.size * 0.5 && others.size >= 4) f.prior *= 0.2;
  });
}

/** Code tokens of a path's directory and file names, so a file matches words in its own path. */
export function pathTokens(path: string): string[] {
  return path
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((t) => t.length > 1);
}

/** Lower-case basename without its extensions. */
export function stemOf(path: string): string {
  const base = path.slice(path.lastIndexOf('/') + 1).toLowerCase();
  return base.replace(/(\.(d|test|spec|min))?\.[a-z0-9]+$/, '');
}

function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const a = m.get(k);
  if (a) a.push(v);
  else m.set(k, [v]);
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
