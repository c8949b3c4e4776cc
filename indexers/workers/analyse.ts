/**
 * The per-file work of an index run: read, parse, resolve imports, chunk, find edges and (with the built-in
 * embedder) embed. Pure CPU on one file, so it runs the same in the main thread or in a worker.
 */
import { chunkFile } from '../chunk.js';
import { edgesFor } from '../edges.js';
import { hashEmbed } from '../embed/hash.js';
import { resolveImports } from '../imports.js';
import { parseFile } from '../parse/index.js';
import { languageForPath } from '../parse/languages.js';
import { readRepositoryFile, type ScanOptions } from '../scan.js';
import type { StoredFile } from '../store/schema.js';
import type { ChunkRecord, EdgeRecord, ParsedFile } from '../types.js';

/** What every file's analysis needs besides its path. */
export interface AnalyseContext {
  root: string;
  scan: ScanOptions;
  chunkMaxLines: number;
  repoFiles: ReadonlySet<string>;
  /** Dimension of the built-in hash embedder to embed with here; 0 leaves embedding to the caller. */
  hashDimensions: number;
}

export interface FileResult {
  file: StoredFile;
  chunks: ChunkRecord[];
  edges: EdgeRecord[];
  /** One per chunk when embedded here (hash embedder), otherwise absent. */
  vectors?: Float32Array[];
  /** False for skipped files (binary, huge, ...), which have a row but no chunks. */
  parsed: boolean;
}

/**
 * A file modified this recently may change again within the clock's resolution without its time or size
 * changing; its row is stored as untrusted so the next run reads it again (git's "racily clean" rule).
 */
const RACY_MS = 3_000;

/** The modification time to store for a file read now: -1 when it is too recent to trust. */
export function trustedMtime(mtimeMs: number): number {
  return mtimeMs > 0 && Date.now() - mtimeMs > RACY_MS ? mtimeMs : -1;
}

function textFile(path: string): ParsedFile {
  return { path, language: 'text', symbols: [], imports: [], moduleDoc: '', hasErrors: false, errorLines: [] };
}

/** Analyse one file; null when it no longer exists. A parser failure degrades the file to plain text. */
export function analyseFile(ctx: AnalyseContext, path: string): FileResult | null {
  const read = readRepositoryFile(ctx.root, path, ctx.scan);
  if (!read) return null;
  if (read.text === null) {
    return { file: { ...read.record, imports: '[]', symbols: 0, mtimeMs: trustedMtime(read.mtimeMs) }, chunks: [], edges: [], parsed: false };
  }
  const language = languageForPath(path);
  let parsed: ParsedFile;
  try {
    parsed = resolveImports(parseFile(path, read.text, language), ctx.repoFiles);
  } catch {
    parsed = textFile(path);
  }
  const chunks = chunkFile(parsed, read.text, { fileHash: read.record.hash, chunkMaxLines: ctx.chunkMaxLines });
  const result: FileResult = {
    file: { ...read.record, language, imports: JSON.stringify(parsed.imports), symbols: parsed.symbols.length, mtimeMs: trustedMtime(read.mtimeMs) },
    chunks,
    edges: edgesFor(parsed),
    parsed: true,
  };
  if (ctx.hashDimensions > 0) result.vectors = chunks.map((c) => hashEmbed(c.text, ctx.hashDimensions));
  return result;
}
