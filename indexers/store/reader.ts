/** The read side of the index, for retrieval: `openIndex` returns an `IndexReader`. */
import { existsSync } from 'node:fs';
import * as lancedb from '@lancedb/lancedb';
import type * as Arrow from 'apache-arrow';
import { configSchema, type RagentConfig } from '../../src/config/schema.js';
import { IndexError } from '../../src/errors.js';
import { embedderForIndex } from '../embed/index.js';
import { codeTokens } from '../tokenize.js';
import type { ChunkHit, ChunkRecord, EdgeRecord, Embedder, FileRecord, IndexMeta, IndexReader } from '../types.js';
import { indexDir, readMeta } from './location.js';
import { arrow, CHUNK_COLUMNS, chunkFromRow, edgeFromRow, edgesSchema, fileFromRow, SCHEMA_VERSION, TABLES } from './schema.js';

const EDGE_COLUMNS = edgesSchema.fields.map((f) => f.name);

const RUN_INDEX = 'run: ragent index';

/**
 * The rows of an Arrow result converted by `from`, read column by column: Arrow's row objects resolve every
 * field through its visitors, which made reading sympy's 44k chunks and 232k edges take seconds. `from`
 * gets one reused object holding the row's named columns, and must copy what it keeps.
 */
function rowsOf<T>(table: Arrow.Table, names: readonly string[], from: (row: Record<string, unknown>) => T): T[] {
  const columns = names.map((n) => [n, utf8OrValues(table.getChild(n))] as const);
  const out: T[] = new Array(table.numRows);
  const row: Record<string, unknown> = {};
  for (let i = 0; i < table.numRows; i++) {
    for (const [n, values] of columns) row[n] = values[i];
    out[i] = from(row);
  }
  return out;
}

/** A column's values as an array-like; strings decoded with one call per batch when they are all ASCII. */
function utf8OrValues(vector: Arrow.Vector | null): ArrayLike<unknown> {
  if (!vector) return [];
  if (!arrow.DataType.isUtf8(vector.type)) return vector.toArray() as ArrayLike<unknown>;
  const out: string[] = new Array(vector.length);
  let at = 0;
  for (const data of vector.data) {
    const offsets = data.valueOffsets as Int32Array;
    const bytes = Buffer.from(data.values.buffer, data.values.byteOffset, offsets[data.length]!);
    const text = bytes.toString('latin1');
    // One byte per character: byte offsets are string offsets, so slices of one decoded string will do.
    const ascii = !/[^\x00-\x7f]/.test(text);
    for (let i = 0; i < data.length; i++) {
      out[at++] = ascii ? text.slice(offsets[i]!, offsets[i + 1]!) : bytes.toString('utf8', offsets[i]!, offsets[i + 1]!);
    }
  }
  return out;
}

function hits(rows: Record<string, unknown>[], score: (row: Record<string, unknown>) => number): ChunkHit[] {
  return rows.map((row) => ({ chunk: chunkFromRow(row), score: score(row) }));
}

class LanceIndexReader implements IndexReader {
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
    const rows = await this.chunks
      .vectorSearch(vector)
      .distanceType('cosine')
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
