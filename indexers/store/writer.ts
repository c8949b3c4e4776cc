/**
 * The write side of the index. Every change is ordered so that a process killed at any point leaves tables
 * that still open and answer, and the next run finishes the job: a file's chunks and edges are replaced
 * (delete by path, then insert) before its files-table row, so a file whose row is missing or stale is
 * simply redone.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as lancedb from '@lancedb/lancedb';
import { IndexError } from '../../src/errors.js';
import type { EdgeRecord, IndexMeta } from '../types.js';
import {
  arrow,
  chunksSchema,
  rowsOf,
  edgesSchema,
  fileFromRow,
  filesSchema,
  metaSchema,
  SCHEMA_VERSION,
  sqlIn,
  TABLES,
  toArrow,
  type EmbeddedChunk,
  type StoredFile,
} from './schema.js';
import { indexDir, readMeta, ragentDir } from './location.js';

/**
 * Exact (brute-force) vector search costs about a millisecond per million stored values on an idle 2-core
 * machine: typeshed's 134,641 chunks × 256 dimensions take 32 ms a query. An IVF-PQ index there cut that to
 * 4 ms but took 13 s to build (half of the whole index run) and returned only a third of the exact top 20, as
 * hash vectors do not cluster. It pays once an exact search would take about a tenth of a second: when
 * chunks × dimensions reach this many values (390k chunks of the built-in 256-dimension embedder, 130k of a
 * 768-dimension model).
 */
export const VECTOR_INDEX_MIN_VALUES = 100_000_000;

/**
 * Compacting rewrites a table's data, which on a large table costs far more than a small update (4 s for
 * sympy's chunks after a one-file change). Tables up to `alwaysRows` rows are optimized on every run; larger
 * ones once a run changed more than `rewriteFraction` of their rows or `maxVersions` versions have piled up
 * (rows added since are searched without the index until then, which LanceDB does transparently).
 */
export interface OptimizePolicy {
  alwaysRows: number;
  rewriteFraction: number;
  maxVersions: number;
  /** Chunks at which the vector index is built (default: `VECTOR_INDEX_MIN_VALUES` over the dimensions). */
  vectorIndexRows: number;
}
const DEFAULT_POLICY: Omit<OptimizePolicy, 'vectorIndexRows'> = { alwaysRows: 20_000, rewriteFraction: 0.05, maxVersions: 48 };

type ArrowTable = InstanceType<typeof arrow.Table>;

/** Rows held for fresh tables, as Arrow tables per write. */
interface Held {
  chunks: ArrowTable[];
  edges: ArrowTable[];
  files: ArrowTable[];
  bytes: number;
}
const emptyHeld = (): Held => ({ chunks: [], edges: [], files: [], bytes: 0 });

/**
 * Held rows are added once they pass this size. Adding copies them once more (to Arrow IPC for the native
 * side), so this bounds the memory of a large first run; each add makes one more fragment.
 */
const MAX_HELD_BYTES = 48 * 1024 * 1024;

/** Paths per delete statement; keeps SQL filters a reasonable size. */
const DELETE_BATCH = 500;

/** FTS over pre-split code tokens: split on whitespace only, keep tokens as they are (already lower-case). */
const ftsConfig = (): lancedb.Index =>
  // A native index config is consumed by use, so each createIndex gets a new one.
  lancedb.Index.fts({
    baseTokenizer: 'whitespace',
    lowercase: false,
    stem: false,
    removeStopWords: false,
    asciiFolding: false,
    withPosition: false,
    maxTokenLength: 64,
  });

/** Optimize `table` when the policy above says it is worth it; `written` is the rows changed this run. */
async function tidy(table: lancedb.Table, written: number, policy: OptimizePolicy): Promise<void> {
  const versions = (await table.listVersions()).length;
  if (versions <= 1) return;
  const rows = await table.countRows();
  const small = rows <= policy.alwaysRows;
  if (!small && written <= rows * policy.rewriteFraction && versions < policy.maxVersions) return;
  // Only this process writes (it holds the lock), so files of unfinished transactions cannot exist.
  const cleanup = () => ({ cleanupOlderThan: new Date(), deleteUnverified: true });
  await table.optimize(cleanup());
  // Optimizing indexes commits one more version after the cleanup step; on a small table a second pass
  // (cheap there) removes the version it superseded. A large table keeps it until its next optimize.
  if (small && (await table.listVersions()).length > 1) await table.optimize(cleanup());
}

/** Another `ragent index` is writing this index. */
export class IndexLockedError extends IndexError {}

/** One file's complete contribution to the index. */
export interface FileUpdate {
  file: StoredFile;
  chunks: EmbeddedChunk[];
  edges: EdgeRecord[];
}

export interface OpenWriterOptions {
  embedder: { name: string; dimensions: number };
  /** Drop everything and start over. */
  full?: boolean;
  /** When to optimize tables (tests lower the thresholds). */
  optimize?: Partial<OptimizePolicy>;
  /** Bytes of rows held for fresh tables before they are added (tests lower it). */
  heldBytes?: number;
}

function lockFile(root: string): string {
  return join(ragentDir(root), 'index.lock');
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Take the writer lock; a lock left by a process that no longer exists (killed mid-run) is taken over. */
function acquireLock(root: string): void {
  const file = lockFile(root);
  // The lock names its directory too: a copy of .ragent (say, into a worktree) must not inherit it.
  const mine = `${process.pid}\n${root}\n`;
  try {
    writeFileSync(file, mine, { flag: 'wx' });
    return;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  const [pid, owner] = readFileSync(file, 'utf8').split('\n');
  const ownerPid = Number.parseInt(pid ?? '', 10);
  if (Number.isFinite(ownerPid) && owner === root && processAlive(ownerPid)) {
    throw new IndexLockedError(`another ragent index (pid ${ownerPid}) is writing ${ragentDir(root)}`, 'wait for it to finish, then run again');
  }
  writeFileSync(file, mine);
}

/** Writes one index run's changes to `<repo>/.ragent/index`. */
export class IndexWriter {
  /** True when the tables were created empty by this run: nothing needs deleting before inserts. */
  readonly fresh: boolean;
  private closed = false;
  /** Rows added or deleted per table in this run, to decide whether compacting is worth its cost. */
  private readonly written = { chunks: 0, edges: 0, files: 0 };
  /** Rows for fresh tables not added yet (see `write`). */
  private held = emptyHeld();
  /** Adds made to each fresh table: each one is a fragment. */
  private readonly adds = { chunks: 0, edges: 0, files: 0 };

  private constructor(
    readonly root: string,
    private readonly db: lancedb.Connection,
    private readonly files: lancedb.Table,
    private readonly chunks: lancedb.Table,
    private readonly edges: lancedb.Table,
    private readonly meta: lancedb.Table,
    readonly embedder: { name: string; dimensions: number },
    fresh: boolean,
    /** Meta as found on opening; its `updatedAt` is '' until a run completes. */
    readonly previous: IndexMeta | null,
    private readonly policy: OptimizePolicy,
    private readonly heldBytes: number,
  ) {
    this.fresh = fresh;
  }

  /**
   * Open the index for writing, creating it when missing. An index of another schema version or built with
   * another embedder (or `full`) is dropped and recreated: vectors are never mixed, old rows never misread.
   */
  static async open(root: string, opts: OpenWriterOptions): Promise<IndexWriter> {
    const dir = ragentDir(root);
    mkdirSync(dir, { recursive: true });
    // Keeps the index out of git in any repository, whatever its own .gitignore says.
    if (!existsSync(join(dir, '.gitignore'))) writeFileSync(join(dir, '.gitignore'), '*\n');
    acquireLock(root);
    const vectorIndexRows = Math.ceil(VECTOR_INDEX_MIN_VALUES / opts.embedder.dimensions);
    const policy: OptimizePolicy = { ...DEFAULT_POLICY, vectorIndexRows, ...opts.optimize };
    const heldBytes = opts.heldBytes ?? MAX_HELD_BYTES;
    try {
      const db = await lancedb.connect(indexDir(root));
      const previous = await readMeta(db);
      const names = new Set(await db.tableNames());
      const complete = Object.values(TABLES).every((t) => names.has(t));
      const compatible =
        !opts.full &&
        complete &&
        previous !== null &&
        previous.schemaVersion === SCHEMA_VERSION &&
        previous.embedder.name === opts.embedder.name &&
        previous.embedder.dimensions === opts.embedder.dimensions;
      if (!compatible) {
        db.close();
        rmSync(indexDir(root), { recursive: true, force: true });
        const fresh = await lancedb.connect(indexDir(root));
        const files = await fresh.createEmptyTable(TABLES.files, filesSchema);
        const chunks = await fresh.createEmptyTable(TABLES.chunks, chunksSchema(opts.embedder.dimensions));
        const edges = await fresh.createEmptyTable(TABLES.edges, edgesSchema);
        const meta = await fresh.createEmptyTable(TABLES.meta, metaSchema);
        const writer = new IndexWriter(root, fresh, files, chunks, edges, meta, opts.embedder, true, null, policy, heldBytes);
        // Meta last: from here on the (empty) index opens and answers.
        await writer.writeMeta('');
        return writer;
      }
      const [files, chunks, edges, meta] = await Promise.all(
        [TABLES.files, TABLES.chunks, TABLES.edges, TABLES.meta].map((t) => db.openTable(t)),
      );
      return new IndexWriter(root, db, files!, chunks!, edges!, meta!, opts.embedder, false, previous, policy, heldBytes);
    } catch (err) {
      rmSync(lockFile(root), { force: true });
      throw err;
    }
  }

  /** Every stored files-table row, keyed by path. `withImports` also loads the stored imports. */
  async storedFiles(withImports = false): Promise<Map<string, StoredFile>> {
    const columns = ['path', 'hash', 'language', 'size', 'skipReason', 'lossyUtf8', 'symbols', 'mtimeMs', ...(withImports ? ['imports'] : [])];
    const table = await this.files.query().select(columns).toArrow();
    const out = new Map<string, StoredFile>();
    const rows = rowsOf(table, columns, (r) => ({
      ...fileFromRow(r),
      imports: withImports ? String(r.imports) : '[]',
      symbols: Number(r.symbols),
      mtimeMs: Number(r.mtimeMs),
    }));
    for (const row of rows) out.set(row.path, row);
    return out;
  }

  /** Row counts after the run: chunks, edges, and symbols summed over files. */
  async totals(): Promise<{ chunks: number; edges: number; symbols: number }> {
    const [chunks, edges, table] = await Promise.all([
      this.chunks.countRows(),
      this.edges.countRows(),
      this.files.query().select(['symbols']).toArrow(),
    ]);
    let symbols = 0;
    const counts = (table.getChild('symbols')?.toArray() ?? []) as ArrayLike<number>;
    for (let i = 0; i < counts.length; i++) symbols += Number(counts[i]);
    return { chunks, edges, symbols };
  }

  /**
   * Replace the rows of these files: chunks and edges first, the files-table rows last. Into tables created
   * by this run, rows are held (as Arrow, compact) and added in few large commits (one when the run finishes,
   * for all but very large repositories): few fragments, which are not compacted afterwards (compacting
   * sympy's eight 256-file fragments cost more than a second). Files whose rows were not added yet when a
   * run is killed have no files-table row, so the next run redoes them.
   */
  async write(updates: readonly FileUpdate[]): Promise<void> {
    if (!updates.length) return;
    const paths = updates.map((u) => u.file.path);
    const chunks = updates.flatMap((u) => u.chunks);
    const edges = updates.flatMap((u) => u.edges);
    for (const c of chunks) {
      if (c.vector.length !== this.embedder.dimensions) {
        throw new IndexError(
          `embedding for ${c.path} has ${c.vector.length} dimensions, the index holds ${this.embedder.dimensions}`,
          'run: ragent index --full',
        );
      }
    }
    if (this.fresh) {
      const hold = (list: ArrowTable[], table: ArrowTable): void => {
        list.push(table);
        this.held.bytes += table.data.reduce((n, d) => n + d.byteLength, 0);
      };
      if (chunks.length) hold(this.held.chunks, toArrow(chunksSchema(this.embedder.dimensions), chunks));
      if (edges.length) hold(this.held.edges, toArrow(edgesSchema, edges));
      hold(this.held.files, toArrow(filesSchema, updates.map((u) => u.file)));
      this.written.chunks += chunks.length;
      this.written.edges += edges.length;
      this.written.files += updates.length;
      if (this.held.bytes > this.heldBytes) await this.flush();
      return;
    }
    this.written.chunks += await this.deleteIn(this.chunks, 'path', paths);
    if (chunks.length) await this.chunks.add(toArrow(chunksSchema(this.embedder.dimensions), chunks));
    this.written.edges += await this.deleteIn(this.edges, 'fromPath', paths);
    if (edges.length) await this.edges.add(toArrow(edgesSchema, edges));
    this.written.files += await this.deleteIn(this.files, 'path', paths);
    await this.files.add(toArrow(filesSchema, updates.map((u) => u.file)));
    this.written.chunks += chunks.length;
    this.written.edges += edges.length;
    this.written.files += updates.length;
  }

  /** Add the rows held for fresh tables: chunks and edges (in parallel), then the files-table rows. */
  private async flush(): Promise<void> {
    const { chunks, edges, files } = this.held;
    this.held = emptyHeld();
    const add = async (name: keyof typeof this.adds, table: lancedb.Table, parts: ArrowTable[]): Promise<void> => {
      if (!parts.length) return;
      await table.add(new arrow.Table(parts.flatMap((p) => p.batches)));
      this.adds[name]++;
    };
    await Promise.all([add('chunks', this.chunks, chunks), add('edges', this.edges, edges)]);
    await add('files', this.files, files);
  }

  /** Store new modification times for files whose content did not change (only their files-table rows). */
  async retime(files: readonly StoredFile[]): Promise<void> {
    if (!files.length) return;
    await this.flush();
    // A run killed between these two leaves the rows missing: the next run then redoes those files whole.
    this.written.files += await this.deleteIn(this.files, 'path', files.map((f) => f.path));
    await this.files.add(toArrow(filesSchema, files));
  }

  /** Remove files that no longer exist: their chunks and edges first, then their rows. */
  async remove(paths: readonly string[]): Promise<void> {
    if (!paths.length) return;
    await this.flush();
    this.written.chunks += await this.deleteIn(this.chunks, 'path', paths);
    this.written.edges += await this.deleteIn(this.edges, 'fromPath', paths);
    this.written.files += await this.deleteIn(this.files, 'path', paths);
  }

  /** Delete rows whose `column` is one of `values`; returns how many rows went. */
  private async deleteIn(table: lancedb.Table, column: string, values: readonly string[]): Promise<number> {
    let deleted = 0;
    for (let i = 0; i < values.length; i += DELETE_BATCH) {
      const filter = sqlIn(column, values.slice(i, i + DELETE_BATCH));
      // Counting first skips a no-op commit (a new version) for files that had no rows.
      const n = await table.countRows(filter);
      if (n > 0) {
        await table.delete(filter);
        deleted += n;
      }
    }
    return deleted;
  }

  /**
   * Record the run as complete, bring the search indexes up to date, and reclaim space: build the full-text
   * index (and the vector index once the table is large), then optimize (fold new rows into indexes,
   * compact, delete old versions) every table that needs it, so the directory does not grow across runs.
   * `alongside` (a reader of the finished index) runs while the search indexes are built, before anything
   * is compacted or deleted under it.
   */
  async finish(alongside?: () => Promise<void>): Promise<void> {
    await this.flush();
    // Complete before the search indexes exist: rows an index does not cover are searched exhaustively, so a
    // run killed while building them leaves an index that answers, and the next run builds them.
    await this.writeMeta(new Date().toISOString());
    await Promise.all([this.buildSearchIndexes(), alongside?.()]);
    for (const [table, written, adds] of [
      [this.chunks, this.written.chunks, this.adds.chunks],
      [this.edges, this.written.edges, this.adds.edges],
      [this.files, this.written.files, this.adds.files],
      [this.meta, 1, 0],
    ] as const) {
      // A table this run filled in several adds is left as written: compacting would rewrite every row just
      // written (about a second on sympy) for no gain in search. Later runs' policy compacts it in time.
      if (this.fresh && adds > 1) continue;
      await tidy(table, written, this.policy);
    }
  }

  private async buildSearchIndexes(): Promise<void> {
    const indices = new Set((await this.chunks.listIndices()).map((i) => i.name));
    const rows = await this.chunks.countRows();
    if (rows > 0 && !indices.has('tokens_idx')) {
      await this.chunks.createIndex('tokens', { config: ftsConfig() });
    }
    if (rows >= this.policy.vectorIndexRows && !indices.has('vector_idx')) {
      await this.chunks.createIndex('vector', {
        config: lancedb.Index.ivfPq({ distanceType: 'cosine', numPartitions: Math.round(Math.sqrt(rows)) }),
      });
    }
  }

  private async writeMeta(updatedAt: string): Promise<void> {
    const row = {
      schemaVersion: SCHEMA_VERSION,
      embedderName: this.embedder.name,
      embedderDimensions: this.embedder.dimensions,
      updatedAt,
    };
    await this.meta.add(toArrow(metaSchema, [row]), { mode: 'overwrite' });
  }

  /** Release the tables and the lock. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const t of [this.files, this.chunks, this.edges, this.meta]) t.close();
    this.db.close();
    rmSync(lockFile(this.root), { force: true });
  }
}
