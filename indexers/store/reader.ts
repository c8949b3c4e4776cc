/** The read side of the index, for retrieval: `openIndex` returns an `IndexReader`. */
import { existsSync } from 'node:fs';
import * as lancedb from '@lancedb/lancedb';
import { configSchema, type RagentConfig } from '../../src/config/schema.js';
import { IndexError } from '../../src/errors.js';
import { embedderForIndex } from '../embed/index.js';
import { codeTokens } from '../tokenize.js';
import type { ChunkHit, ChunkRecord, EdgeRecord, Embedder, FileRecord, IndexMeta, IndexReader } from '../types.js';
import { indexDir, readMeta } from './location.js';
import { CHUNK_COLUMNS, chunkFromRow, edgeFromRow, edgesSchema, fileFromRow, rowsOf, SCHEMA_VERSION, TABLES } from './schema.js';

const EDGE_COLUMNS = edgesSchema.fields.map((f) => f.name);

const RUN_INDEX = 'run: ragent index';

function hits(rows: Record<string, unknown>[], score: (row: Record<string, unknown>) => number): ChunkHit[] {
  return rows.map((row) => ({ chunk: chunkFromRow(row), score: score(row) }));
}

export class LanceIndexReader implements IndexReader {
  private chunksCache?: Promise<ChunkRecord[]>;
  private edgesCache?: Promise<EdgeRecord[]>;
  private filesCache?: Promise<FileRecord[]>;
  private embedderInstance?: Embedder;

  constructor(
    readonly root: string,
    readonly meta: IndexMeta,
    private readonly db: lancedb.Connection,
    private readonly chunks: lancedb.Table,
    private readonly edges: lancedb.Table,
    private readonly files: lancedb.Table,
    private readonly config: RagentConfig,
  ) {}

  async fullTextSearch(query: string, k: number): Promise<ChunkHit[]> {
    const tokens = [...new Set(codeTokens(query))];
    if (!tokens.length || k <= 0) return [];
    const rows = await this.chunks
      .query()
      .fullTextSearch(tokens.join(' '), { columns: ['tokens'] })
      .select([...CHUNK_COLUMNS, '_score'])
      .limit(k)
      .toArray();
    return hits(rows, (r) => Number(r._score));
  }

  async vectorSearch(vector: Float32Array, k: number): Promise<ChunkHit[]> {
    if (vector.length !== this.meta.embedder.dimensions) {
      throw new IndexError(
        `query vector has ${vector.length} dimensions, the index holds ${this.meta.embedder.dimensions}`,
        'embed queries with the reader\'s embedder()',
      );
    }
    if (k <= 0) return [];
    // With an IVF-PQ index (large tables only), probing more partitions and re-ranking 10× the candidates by
    // exact distance took typeshed's recall@20 from 0.34 to 0.62 for 4 ms more; without one they do nothing.
    const rows = await this.chunks
      .vectorSearch(vector)
      .distanceType('cosine')
      .nprobes(50)
      .refineFactor(10)
      .select([...CHUNK_COLUMNS, '_distance'])
      .limit(k)
      .toArray();
    return hits(rows, (r) => 1 - Number(r._distance));
  }

  allChunks(): Promise<ChunkRecord[]> {
    this.chunksCache ??= this.chunks
      .query()
      .select([...CHUNK_COLUMNS])
      .toArrow()
      .then((t) => rowsOf(t, CHUNK_COLUMNS, chunkFromRow));
    return this.chunksCache;
  }

  allEdges(): Promise<EdgeRecord[]> {
    this.edgesCache ??= this.edges
      .query()
      .toArrow()
      .then((t) => rowsOf(t, EDGE_COLUMNS, edgeFromRow));
    return this.edgesCache;
  }

  allFiles(): Promise<FileRecord[]> {
    const columns = ['path', 'hash', 'language', 'size', 'skipReason', 'lossyUtf8'];
    this.filesCache ??= this.files
      .query()
      .select(columns)
      .toArrow()
      .then((t) => rowsOf(t, columns, fileFromRow));
    return this.filesCache;
  }

  embedder(): Embedder {
    this.embedderInstance ??= embedderForIndex(this.meta.embedder, this.config);
    return this.embedderInstance;
  }

  async close(): Promise<void> {
    for (const t of [this.chunks, this.edges, this.files]) t.close();
    this.db.close();
  }
}

/**
 * Open the index of the repository at `root` for reading. A missing index, or one written by another
 * schema version, is an `IndexError` whose hint says to run `ragent index`.
 */
export async function openIndex(root: string, config?: RagentConfig): Promise<IndexReader> {
  const dir = indexDir(root);
  if (!existsSync(dir)) throw new IndexError(`no index in ${root}`, RUN_INDEX);
  const db = await lancedb.connect(dir);
  try {
    const meta = await readMeta(db);
    if (!meta) throw new IndexError(`the index in ${root} is incomplete or unreadable`, RUN_INDEX);
    if (meta.schemaVersion !== SCHEMA_VERSION) {
      throw new IndexError(
        `the index in ${root} was written by another version of ragent (schema ${meta.schemaVersion}, this one reads ${SCHEMA_VERSION})`,
        RUN_INDEX,
      );
    }
    const names = new Set(await db.tableNames());
    for (const t of [TABLES.chunks, TABLES.edges, TABLES.files]) {
      if (!names.has(t)) throw new IndexError(`the index in ${root} has no ${t} table`, RUN_INDEX);
    }
    const [chunks, edges, files] = await Promise.all([TABLES.chunks, TABLES.edges, TABLES.files].map((t) => db.openTable(t)));
    return new LanceIndexReader(root, meta, db, chunks!, edges!, files!, config ?? configSchema.parse({}));
  } catch (err) {
    db.close();
    if (err instanceof IndexError) throw err;
    throw new IndexError(`cannot read the index in ${root}: ${(err as Error).message}`, RUN_INDEX, { cause: err });
  }
}
