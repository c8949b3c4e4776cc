/**
 * `indexRepository`: bring `<repo>/.ragent/index` up to date with the working tree. Only files whose content
 * changed (by git blob id) are parsed and embedded again; files that disappeared are removed; files whose
 * imports now resolve differently (because others were added or removed) are redone as well.
 */
import { availableParallelism } from 'node:os';
import type { RagentConfig } from '../src/config/schema.js';
import { createEmbedder, embedderName } from './embed/index.js';
import { resolveImports } from './imports.js';
import { fileFingerprint, listedStat, listRepositoryFiles, quickStat, readRepositoryFile, type ScanOptions } from './scan.js';
import { IndexWriter, type FileUpdate, type StoredFile } from './store/index.js';
import { importsFromColumn } from './store/schema.js';
import { readStoredState } from './store/status.js';
import type { IndexDelta } from '../src/retrieval/snapshot-update.js';
import type { ChunkRecord, EdgeRecord, Embedder, FileRecord, IndexMeta, IndexProgress, IndexStats, ParsedFile, ParsedImport, SkipReason } from './types.js';
import { analysePool, type AnalysePool } from './workers/pool.js';
import { trustedMtime, type AnalyseContext, type FileResult } from './workers/analyse.js';

export interface IndexOptions {
  /** Rebuild from scratch instead of updating. */
  full?: boolean;
  signal?: AbortSignal;
}

/**
 * Up to this many changed files, the run keeps their chunks and edges to update the retrieval snapshot in
 * place; beyond, the snapshot is rebuilt from the store (a large change costs more than that read anyway).
 */
const MAX_DELTA_FILES = 2000;

/** Files per write: bounds memory and the size of each LanceDB commit. */
const BATCH_FILES = 256;

/** Batches analysed ahead of the one being written: 64 slices queued keep every thread busy. */
const AHEAD_BATCHES = 2;

/**
 * Below this many bytes of source to analyse, a worker thread (its own parsers, caches and compiled code:
 * about 0.5 s more CPU on date-fns) costs more than it saves. Measured on 2 cores shared with other work
 * (load 4-7), interleaved runs without the snapshot refresh: date-fns (10.8 MB) 3.2 s in this thread alone
 * and 2.5 s with one worker beside it (median of 5); sympy (33.6 MB) 12.6 s with one worker beside this
 * thread and 15.7 s with two (12.8 and 14.0 s of CPU).
 */
const MIN_BYTES_FOR_WORKERS = 2_000_000;

function scanOptions(config: RagentConfig): ScanOptions {
  return { ignore: config.index.ignore, maxFileBytes: config.index.maxFileBytes, maxLineLength: config.index.maxLineLength };
}

/**
 * Worker threads to start for analysing `bytes` of source, besides this thread, which analyses too.
 * `index.workers` counts threads: 1 is this thread alone, n > 1 adds n - 1 workers; 0 decides: one thread
 * per core (up to 4) once there is enough work.
 */
function workerCount(config: RagentConfig, bytes: number): number {
  if (config.index.workers >= 1) return config.index.workers - 1;
  const cores = availableParallelism();
  return cores > 1 && bytes >= MIN_BYTES_FOR_WORKERS ? Math.min(cores, 4) - 1 : 0;
}

/** True when `row` can be trusted without reading the file: same size and modification time as recorded. */
function isUnchangedByStat(root: string, row: StoredFile): boolean {
  if (row.mtimeMs <= 0) return false;
  const st = quickStat(root, row.path);
  return st !== null && st.size === row.size && st.mtimeMs === row.mtimeMs;
}

function sameResolution(a: ParsedImport[], b: ParsedImport[]): boolean {
  return a.length === b.length && a.every((imp, i) => imp.resolvedPath === b[i]!.resolvedPath);
}

/**
 * Unchanged files whose imports resolve differently against the new set of files (a module they import
 * was added, removed or renamed). Their stored edges are stale, so they are redone.
 */
function staleResolutions(stored: Map<string, StoredFile>, unchanged: string[], repoFiles: ReadonlySet<string>): string[] {
  const out: string[] = [];
  for (const path of unchanged) {
    const row = stored.get(path);
    if (!row || row.skipReason || row.language === 'text' || row.language === '') continue;
    const imports = importsFromColumn(row.imports);
    if (!imports.length) continue;
    const file: ParsedFile = {
      path,
      language: row.language,
      symbols: [],
      imports: imports.map((i) => ({ ...i, resolvedPath: null })),
      moduleDoc: '',
      hasErrors: false,
      errorLines: [],
    };
    if (!sameResolution(resolveImports(file, repoFiles).imports, imports)) out.push(path);
  }
  return out;
}

function countSkips(records: Iterable<Pick<FileRecord, 'skipReason'>>, into: Partial<Record<SkipReason, number>>): void {
  for (const r of records) if (r.skipReason) into[r.skipReason] = (into[r.skipReason] ?? 0) + 1;
}

/** Turn analysed files into store updates, embedding here unless the analysis already did. */
async function toUpdates(results: FileResult[], embedder: Embedder, signal?: AbortSignal): Promise<FileUpdate[]> {
  const missing = results.filter((r) => r.chunks.length && !r.vectors);
  if (missing.length) {
    const vectors = await embedder.embed(missing.flatMap((r) => r.chunks.map((c) => c.text)), signal);
    let i = 0;
    for (const r of missing) r.vectors = r.chunks.map(() => vectors[i++]!);
  }
  return results.map((r) => ({
    file: r.file,
    chunks: r.chunks.map((c, i) => ({ ...c, vector: r.vectors![i]! })),
    edges: r.edges,
  }));
}

/**
 * Leave the retrieval snapshot matching the index just written, so the first query after a run is fast.
 * Retrieval is a later stage, loaded only here. A failure costs the next query time, never the run.
 */
async function refreshRetrieval(root: string, before: IndexMeta | null, delta: IndexDelta | null): Promise<void> {
  // The index benchmark sets this to time the index stage on its own.
  if (process.env.RAGENT_INDEX_SNAPSHOT === '0') return;
  try {
    const { refreshSnapshot } = await import('../src/retrieval/snapshot-update.js');
    await refreshSnapshot(root, before, delta);
  } catch {
    // The first query rebuilds the snapshot.
  }
}

/** Index (or update the index of) the repository at `root`. */
export async function indexRepository(
  root: string,
  config: RagentConfig,
  onProgress: (p: IndexProgress) => void = () => {},
  opts: IndexOptions = {},
): Promise<IndexStats> {
  const started = performance.now();
  const scan = scanOptions(config);
  const embedder: Embedder = await createEmbedder(config, opts.signal);
  const writer = await IndexWriter.open(root, { embedder: { name: embedder.name, dimensions: embedder.dimensions }, full: opts.full });
  let pool: AnalysePool | null = null;
  try {
    const listing = listRepositoryFiles(root, scan);
    const stored = writer.fresh ? new Map<string, StoredFile>() : await writer.storedFiles(false);

    // Scan: find what changed. A file with the size and time its row recorded is trusted; any other is hashed.
    // Changed files are read again, with their text, below.
    const current = new Map<string, FileRecord>();
    const work: string[] = [];
    const unchanged: string[] = [];
    const retimed: StoredFile[] = [];
    listing.paths.forEach((path, i) => {
      const old = stored.get(path);
      if (old && isUnchangedByStat(root, old)) {
        current.set(path, old);
        unchanged.push(path);
      } else if (!old) {
        // A file without a row is analysed whatever it holds; reading it here too would read it twice. Its
        // placeholder row is replaced by the analysed one.
        const st = listedStat(root, path);
        if (st) {
          current.set(path, { path, hash: '', language: '', size: st.size, skipReason: '', lossyUtf8: false });
          work.push(path);
        }
      } else {
        const read = readRepositoryFile(root, path, scan);
        if (read) {
          current.set(path, read.record);
          if (old && fileFingerprint(old) === fileFingerprint(read.record)) {
            unchanged.push(path);
            // Same content, new time (a checkout, a touch): record the time so the next run need not hash it.
            const mtimeMs = trustedMtime(read.mtimeMs);
            if (mtimeMs !== old.mtimeMs) retimed.push({ ...old, mtimeMs });
          } else work.push(path);
        }
      }
      if (i % 64 === 0 || i === listing.paths.length - 1) onProgress({ phase: 'scan', done: i + 1, total: listing.paths.length });
    });
    const removed = [...stored.keys()].filter((p) => !current.has(p));
    const repoFiles: ReadonlySet<string> = new Set(current.keys());
    if ((removed.length > 0 || work.some((p) => !stored.has(p))) && unchanged.length) {
      work.push(...staleResolutions(await writer.storedFiles(true), unchanged, repoFiles));
    }

    const ctx: AnalyseContext = {
      root,
      scan,
      chunkMaxLines: config.index.chunkMaxLines,
      repoFiles,
      hashDimensions: config.embedding.provider === 'hash' ? embedder.dimensions : 0,
    };
    const workBytes = work.reduce((n, p) => n + (current.get(p)?.size ?? 0), 0);
    pool = analysePool(ctx, workerCount(config, workBytes));
    const batches: string[][] = [];
    for (let i = 0; i < work.length; i += BATCH_FILES) batches.push(work.slice(i, i + BATCH_FILES));

    // A run that writes the whole index keeps every row it wrote for the snapshot, which then need not read
    // them back: the store's read of every row costs more time and memory than holding them (see DEVELOPERS.md).
    const keepDelta = writer.fresh || work.length <= MAX_DELTA_FILES;
    const delta = { paths: new Set<string>(), chunks: [] as ChunkRecord[], edges: [] as EdgeRecord[], complete: writer.fresh };
    let parsedCount = 0;
    let analysed = 0;
    let written = 0;
    const vanished: string[] = [];
    const analyseBatch = (paths: string[]) => {
      const p = pool!.analyse(paths).then((results) => {
        analysed += paths.length;
        onProgress({ phase: 'parse', done: analysed, total: work.length });
        return { paths, results };
      });
      // Awaited one batch later; until then a failure must not count as unhandled.
      p.catch(() => {});
      return p;
    };
    // Analysis runs ahead of the batch being written, so the threads do not wait for the store between
    // batches; the window bounds the results held in memory.
    const ahead: ReturnType<typeof analyseBatch>[] = [];
    let submitted = 0;
    const fill = (): void => {
      while (submitted < batches.length && ahead.length < AHEAD_BATCHES) ahead.push(analyseBatch(batches[submitted++]!));
    };
    fill();
    while (ahead.length) {
      opts.signal?.throwIfAborted();
      const { paths, results } = await ahead.shift()!;
      fill();
      const present: FileResult[] = [];
      results.forEach((r, i) => {
        if (r) present.push(r);
        else vanished.push(paths[i]!); // deleted since the scan: its old rows go with the removals below
      });
      const updates = await toUpdates(present, embedder, opts.signal);
      onProgress({ phase: 'embed', done: analysed, total: work.length });
      await writer.write(updates);
      for (const r of present) {
        if (keepDelta) {
          for (const c of r.chunks) delta.chunks.push({ ...c, text: '' });
          delta.edges.push(...r.edges);
        }
        current.set(r.file.path, r.file);
        if (r.parsed) parsedCount++;
      }
      written += paths.length;
      onProgress({ phase: 'write', done: written, total: work.length });
    }
    // The workers' memory (parse trees wait for their finalizers) goes before the snapshot needs its own.
    await pool.close();
    pool = null;
    for (const p of vanished) current.delete(p);
    await writer.remove(removed.concat(vanished));
    const redone = new Set(work);
    await writer.retime(retimed.filter((r) => current.has(r.path) && !redone.has(r.path)));

    onProgress({ phase: 'optimize', done: 0, total: 1 });
    for (const p of [...work, ...removed, ...vanished]) delta.paths.add(p);
    // The snapshot is refreshed (JavaScript, this thread) while the store builds its indexes (native threads).
    await writer.finish(() => refreshRetrieval(root, writer.previous, keepDelta ? delta : null));
    const totals = await writer.totals();
    onProgress({ phase: 'done', done: 1, total: 1 });

    const skipped: Partial<Record<SkipReason, number>> = { ...listing.skipped };
    countSkips(current.values(), skipped);
    return {
      files: [...current.values()].filter((r) => !r.skipReason).length,
      symbols: totals.symbols,
      chunks: totals.chunks,
      edges: totals.edges,
      skipped,
      changed: parsedCount,
      removed: removed.length,
      ms: Math.round(performance.now() - started),
    };
  } finally {
    await pool?.close();
    await writer.close();
  }
}

export interface IndexStatus {
  /** False when there is no usable index: everything would be (re)built. */
  exists: boolean;
  /** Why a full rebuild is due (`missing`, `schema`, `embedder`), or '' when an update suffices. */
  rebuild: '' | 'missing' | 'schema' | 'embedder';
  added: string[];
  changed: string[];
  removed: string[];
  /** ISO time of the last completed run, '' when none completed. */
  updatedAt: string;
}

/** What `indexRepository` would do, without writing anything. */
export async function indexStatus(root: string, config: RagentConfig): Promise<IndexStatus> {
  const scan = scanOptions(config);
  const state = await readStoredState(root, embedderName(config), config.embedding.provider === 'hash' ? config.embedding.dimensions : undefined);
  const listing = listRepositoryFiles(root, scan);
  const added: string[] = [];
  const changed: string[] = [];
  const seen = new Set<string>();
  for (const path of listing.paths) {
    const old = state.files.get(path);
    if (old && isUnchangedByStat(root, old)) {
      seen.add(path);
      continue;
    }
    const read = readRepositoryFile(root, path, scan);
    if (!read) continue;
    seen.add(path);
    if (!old) added.push(path);
    else if (fileFingerprint(old) !== fileFingerprint(read.record)) changed.push(path);
  }
  const removed = [...state.files.keys()].filter((p) => !seen.has(p)).sort();
  return { exists: state.rebuild !== 'missing', rebuild: state.rebuild, added, changed, removed, updatedAt: state.updatedAt };
}
