/**
 * The index's contract with the rest of ragent. Parsing produces `ParsedFile`s; the store keeps
 * `FileRecord`, `ChunkRecord` and `EdgeRecord` rows in LanceDB under `<repo>/.ragent/`.
 */

export type Language = 'typescript' | 'tsx' | 'javascript' | 'python' | 'text';

export type SymbolKind =
  | 'function'
  | 'class'
  | 'method'
  | 'interface'
  | 'type'
  | 'enum'
  | 'namespace'
  | 'variable';

/** One definition found by tree-sitter. Lines are 1-based and inclusive. */
export interface ParsedSymbol {
  kind: SymbolKind;
  name: string;
  /** Dotted path through enclosing definitions: `Class.method`, `outer.inner`. */
  qualifiedName: string;
  /** The declaration up to (not including) its body. */
  signature: string;
  /** JSDoc or docstring text, without comment markers; '' when none. */
  doc: string;
  startLine: number;
  endLine: number;
  /** Qualified name of the enclosing symbol, or null at top level. */
  parent: string | null;
  exported: boolean;
  /** Identifiers the symbol's body references (calls, types, attributes), unique, in first-seen order. */
  references: string[];
  /** Line of the first use of each reference, parallel to `references`. */
  referenceLines?: number[];
}

/** One import statement. `resolvedPath` is a repository-relative path when the module is a file of this repo. */
export interface ParsedImport {
  /** Module as written: `./util`, `react`, `pkg.sub`, `..models`. */
  source: string;
  /** Names brought in (`default`, `*` for namespace imports). */
  names: string[];
  /** Names the import binds in this file, parallel to `names` (`React` for `import React from 'react'`). */
  locals?: string[];
  line: number;
  resolvedPath: string | null;
}

export interface ParsedFile {
  path: string;
  language: Language;
  symbols: ParsedSymbol[];
  imports: ParsedImport[];
  /** Module docstring or leading file comment; '' when none. */
  moduleDoc: string;
  /** True when tree-sitter reported syntax errors; symbols are whatever it recovered. */
  hasErrors: boolean;
  /** First lines of syntax errors, for messages. */
  errorLines: number[];
}

/** Why a file was left out of the index. */
export type SkipReason = 'binary' | 'huge' | 'minified' | 'vendored' | 'ignored' | 'symlink' | 'unreadable';

export interface FileRecord {
  path: string;
  /** git blob id of the content (computed the way git does, also outside git). */
  hash: string;
  language: Language | '';
  size: number;
  /** '' when indexed. */
  skipReason: SkipReason | '';
  /** True when the file was not valid UTF-8 and was decoded with replacement characters. */
  lossyUtf8: boolean;
}

export type ChunkKind = SymbolKind | 'header' | 'text';

/** A row of the chunks table: one symbol (or part of one), a file header, or a text chunk. */
export interface ChunkRecord {
  /** Stable id: path, qualified name, part and content hash. */
  id: string;
  path: string;
  fileHash: string;
  language: Language;
  kind: ChunkKind;
  name: string;
  qualifiedName: string;
  signature: string;
  doc: string;
  startLine: number;
  endLine: number;
  parent: string;
  /** The text that was embedded: path, qualified name, signature and doc, then the code. */
  text: string;
  /** Identifiers split into subtokens plus whole identifiers, for full-text search. */
  tokens: string;
}

export type EdgeKind = 'import' | 'ref';

/** A def/ref or import edge. */
export interface EdgeRecord {
  fromPath: string;
  /** Qualified name of the referencing symbol; '' for file-level (imports). */
  fromSymbol: string;
  kind: EdgeKind;
  /** Referenced identifier, or module as written for imports. */
  target: string;
  /** Repository file the target resolves to, '' when unknown or external. */
  toPath: string;
  line: number;
}

export interface IndexStats {
  files: number;
  symbols: number;
  chunks: number;
  edges: number;
  skipped: Partial<Record<SkipReason, number>>;
  /** Files parsed and embedded in this run (added or changed). */
  changed: number;
  removed: number;
  ms: number;
}

export type IndexPhase = 'scan' | 'parse' | 'embed' | 'write' | 'optimize' | 'done';

export interface IndexProgress {
  phase: IndexPhase;
  done: number;
  total: number;
}

/** Turns texts into unit vectors of a fixed dimension. */
export interface Embedder {
  /** Stored with the index; a different name or dimension means re-embedding. */
  readonly name: string;
  readonly dimensions: number;
  embed(texts: string[], signal?: AbortSignal): Promise<Float32Array[]>;
}

/** Stored with the index; a different schema version or embedder means a rebuild, never a misread. */
export interface IndexMeta {
  schemaVersion: number;
  embedder: { name: string; dimensions: number };
  /** ISO time of the last completed index run. */
  updatedAt: string;
}

export interface ChunkHit {
  chunk: ChunkRecord;
  score: number;
}

/** Read access to an index, for retrieval. Implemented in indexers/store. */
export interface IndexReader {
  readonly root: string;
  readonly meta: IndexMeta;
  /** BM25 over the code-tokenized `tokens` column; the query is tokenized the same way. */
  fullTextSearch(query: string, k: number): Promise<ChunkHit[]>;
  /** Nearest chunks to `vector` by cosine similarity (score: higher is closer). */
  vectorSearch(vector: Float32Array, k: number): Promise<ChunkHit[]>;
  /** Every chunk without its vector, loaded once and cached, for in-memory name, path and graph signals. */
  allChunks(): Promise<ChunkRecord[]>;
  allEdges(): Promise<EdgeRecord[]>;
  allFiles(): Promise<FileRecord[]>;
  /** The embedder the index was built with, for embedding queries. */
  embedder(): Embedder;
  close(): Promise<void>;
}
