/**
 * The in-memory view of an index that every query shares: chunks in a fixed order, files with their
 * chunks, full-text indexes over chunks and whole files, and a definitions table. Built once per reader.
 */
import type { ChunkRecord, EdgeRecord, IndexReader, Language } from '../../indexers/types.js';
import { codeTokens } from '../../indexers/tokenize.js';
import { Bm25Index, chunkAndFileIndexes } from './bm25.js';
import { SortedTable, type Lookup } from './columns.js';
import { buildGraph } from './graph-build.js';
import type { CodeGraph } from './graph.js';
import { fileRole, rolePrior, type FileRole } from './paths.js';
import { holdsState, loadSnapshotFile, type SnapshotFile } from './snapshot-read.js';
import { writeSnapshot, type QueryData, type SnapshotData } from './snapshot.js';
import { bundlesOf, chunkByIdIn, chunkTableOf, definedInOf, definitionsOf, edgeTableOf, fileStarts, idOrderOf, storedChunks } from './tables.js';

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
  /** Chunks without their embedded text, tokens and doc comment (retrieval does not read them). */
  chunks: ChunkRecord[];
  /** Chunk index → file index. */
  chunkFile: Uint32Array;
  files: CorpusFile[];
  fileByPath: Map<string, number>;
  /** Chunk id → chunk index. */
  chunkById: Lookup<number>;
  chunkText: Bm25Index;
  fileText: Bm25Index;
  /** Lower-case definition name → chunk indexes of symbols with that name. */
  defsByName: Lookup<number[]>;
  /** Lower-case definition name → number of distinct files defining it. */
  defFileCount: Lookup<number>;
  /** Def/ref and import links between chunks. */
  graph: CodeGraph;
  /** Tokens of the repository's issue and pull-request templates: an issue repeats them without meaning. */
  templateTokens: Set<string>;
  /** Lower-case basename → files with that name (a mentioned path can only match these). */
  filesByBasename: Map<string, number[]>;
  /** Word of a file name (`controller.bar.js` → controller, bar) → files whose name has it. */
  filesByNameWord: Lookup<number[]>;
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

/** Snapshots read ahead of the index being open, with their corpus, by repository root. */
const prefetched = new Map<string, { file: SnapshotFile<QueryData>; corpus: Corpus }>();

/**
 * Read the repository's snapshot and build its corpus before the index is open (that takes a while), so
 * the two overlap. The first `loadCorpus` for the repository takes it when it holds the index's state.
 */
export function prefetchCorpus(root: string): void {
  try {
    const file = loadSnapshotFile(root, 'query');
    if (file) prefetched.set(root, { file, corpus: corpusOf(null as unknown as IndexReader, file.data) });
  } catch {
    // Reading ahead only saves time: the corpus is loaded the ordinary way.
  }
}

async function buildCorpus(reader: IndexReader): Promise<Corpus> {
  const early = prefetched.get(reader.root);
  prefetched.delete(reader.root);
  if (early && holdsState(early.file, reader.root, reader.meta)) return { ...early.corpus, reader };
  const file = loadSnapshotFile(reader.root, 'query');
  if (file && holdsState(file, reader.root, reader.meta)) return corpusOf(reader, file.data);
  return corpusOf(reader, await rebuildSnapshot(reader));
}

/** Build the snapshot data from every chunk and edge of the store and write it (a failed write only costs time). */
export async function rebuildSnapshot(reader: IndexReader): Promise<SnapshotData> {
  const [raw, edges] = await Promise.all([reader.allChunks(), reader.allEdges()]);
  // A fixed order makes every ranking deterministic whatever order the store returns rows in.
  const data = snapshotDataOf([...raw].sort(compareChunks), edges);
  try {
    writeSnapshot(reader.root, reader.meta, data);
  } catch {
    // A snapshot only saves time; without one the next process rebuilds.
  }
  return data;
}

/** The order of chunks in a corpus: by path, then lines, then id. */
export function compareChunks(a: ChunkRecord, b: ChunkRecord): number {
  return cmp(a.path, b.path) || a.startLine - b.startLine || a.endLine - b.endLine || cmp(a.id, b.id);
}

/** Code tokens of a chunk, as its `tokens` field holds them. */
export function chunkTokens(c: ChunkRecord): string[] {
  if (!c.tokens) return [];
  // The index joins tokens with single spaces: splitting on one is faster than on a pattern.
  const out = c.tokens.split(' ');
  return out.includes('') ? out.filter(Boolean) : out;
}

/** Everything a snapshot holds, from chunks in corpus order (with their tokens) and the edges. */
export function snapshotDataOf(chunks: ChunkRecord[], edges: readonly EdgeRecord[]): SnapshotData {
  const table = chunkTableOf(chunks);
  const starts = fileStarts(table);
  const tokens = chunks.map(chunkTokens);
  const templateTokens = new Set<string>();
  table.paths.forEach((path, f) => {
    if (TEMPLATE.test(path)) for (let i = starts[f]!; i < starts[f + 1]!; i++) for (const t of tokens[i]!) templateTokens.add(t);
  });
  // A file's document: its path's words, then its chunks' tokens.
  const text = chunkAndFileIndexes(tokens, starts, (f) => pathTokens(table.paths[f]!));
  const defs = definitionsOf(table);
  const edgeTable = edgeTableOf(edges);
  const definedIn = definedInOf(table);
  const { graph, links } = buildGraph(table, edgeTable, defs);
  return {
    chunks: table,
    nameWords: nameWordsOf(table.paths),
    bundles: bundlesOf(table, definedIn),
    idOrder: idOrderOf(table),
    defs,
    definedIn,
    chunkText: text.chunks.parts(),
    fileText: text.files.parts(),
    graph,
    links,
    edges: edgeTable,
    templateTokens: [...templateTokens],
  };
}

/** The corpus over snapshot data; chunk fields decode as queries read them. */
function corpusOf(reader: IndexReader, s: QueryData): Corpus {
  const t = s.chunks;
  const chunks = storedChunks(t);
  const files: CorpusFile[] = [];
  const n = t.file.length;
  for (let i = 0; i < n; i++) {
    const f = t.file[i]!;
    let file = files[f];
    if (!file) {
      const path = t.paths[f]!;
      const language = t.languages[t.language[i]!] as Language;
      const role = fileRole(path);
      // Fixes land in code far more often than in prose or data files.
      let prior = rolePrior(role) * (language === 'text' ? 0.6 : 1);
      if (s.bundles[f]) prior *= 0.2;
      file = files[f] = { path, language, chunks: [], role, prior, stem: stemOf(path), lines: 0 };
    }
    file.chunks.push(i);
    file.lines = Math.max(file.lines, t.endLine[i]!);
  }
  const fileByPath = new Map<string, number>();
  const filesByBasename = new Map<string, number[]>();
  files.forEach((f, i) => {
    fileByPath.set(f.path, i);
    push(filesByBasename, f.path.slice(f.path.lastIndexOf('/') + 1).toLowerCase(), i);
  });
  return {
    reader,
    chunks,
    chunkFile: t.file,
    files,
    fileByPath,
    chunkById: { get: (id: string) => chunkByIdIn(t, s.idOrder, id) },
    chunkText: new Bm25Index(s.chunkText),
    fileText: new Bm25Index(s.fileText),
    defsByName: s.defs,
    defFileCount: { get: (key: string) => s.defs.count(key) },
    graph: s.graph,
    templateTokens: new Set(s.templateTokens),
    filesByBasename,
    filesByNameWord: s.nameWords,
  };
}

/** Code tokens of a path's directory and file names, so a file matches words in its own path. */
export function pathTokens(path: string): string[] {
  return path
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((t) => t.length > 1);
}

/** Words of a file's name (`controller.bar.js` → controller, bar), which a task may use for the file. */
export function fileNameWords(path: string): Set<string> {
  return new Set(codeTokens(stemOf(path).replace(/\./g, ' ')));
}

/** Word of a file name → the files (by index in `paths`) whose name has it. */
export function nameWordsOf(paths: readonly string[]): SortedTable {
  const groups = new Map<string, number[]>();
  paths.forEach((p, i) => {
    for (const w of fileNameWords(p)) push(groups, w, i);
  });
  return SortedTable.of(groups, new Map([...groups].map(([k, v]) => [k, v.length])));
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
