/**
 * The on-disk layout of the index: explicit Arrow schemas for every table, and the conversions between
 * rows and records. Types are fixed here rather than inferred (inference makes line numbers Float64 and
 * would let a vector of the wrong length through).
 */
import { createRequire } from 'node:module';
import type * as Arrow from 'apache-arrow';
import type { ChunkRecord, EdgeRecord, FileRecord, ParsedImport } from '../types.js';

/**
 * Arrow as LanceDB loads it (CommonJS). Importing it as an ES module loads a second copy of its 130 files,
 * about 80 ms more at every start that opens the index.
 */
export const arrow = createRequire(import.meta.url)('apache-arrow') as typeof Arrow;
const { Bool, Field, FixedSizeList, Float32, Float64, Int32, makeData, RecordBatch, Schema, Struct, Table: ArrowTable, Utf8, vectorFromArray } =
  arrow;
type Field = Arrow.Field;
type FixedSizeList = Arrow.FixedSizeList;
type Schema = Arrow.Schema;
type ArrowTable = Arrow.Table;
type Utf8 = Arrow.Utf8;
type Data = Arrow.Data;
type DataType = Arrow.DataType;

/**
 * Bumped whenever a table's columns or the meaning of a column change. An index with another version is
 * rebuilt from scratch, never read.
 */
export const SCHEMA_VERSION = 3;

export const TABLES = { files: 'files', chunks: 'chunks', edges: 'edges', meta: 'meta' } as const;

/** A files-table row: the public record plus the file's imports as parsed, for re-resolving them later. */
export interface StoredFile extends FileRecord {
  /** JSON of the file's `ParsedImport[]` as resolved when it was indexed; '[]' for text and skipped files. */
  imports: string;
  /** Symbols parsed from the file. */
  symbols: number;
  /**
   * Modification time when the file was read; a later run that finds the same size and time trusts the row
   * without reading the file again. -1 when it must be re-read (it changed around the time it was read).
   */
  mtimeMs: number;
}

/** A chunk row as written: the record and its embedding. */
export interface EmbeddedChunk extends ChunkRecord {
  vector: Float32Array;
}

const str = (name: string): Field => new Field(name, new Utf8(), false);
const int = (name: string): Field => new Field(name, new Int32(), false);

export const filesSchema = new Schema([
  str('path'),
  str('hash'),
  str('language'),
  new Field('size', new Float64(), false),
  str('skipReason'),
  new Field('lossyUtf8', new Bool(), false),
  str('imports'),
  int('symbols'),
  new Field('mtimeMs', new Float64(), false),
]);

/** Columns of the chunks table other than the vector, in the order of `ChunkRecord`. */
export const CHUNK_COLUMNS = [
  'id', 'path', 'fileHash', 'language', 'kind', 'name', 'qualifiedName', 'signature', 'doc',
  'startLine', 'endLine', 'parent', 'text', 'tokens',
] as const satisfies readonly (keyof ChunkRecord)[];

/** The chunks table for vectors of `dimensions`. */
export function chunksSchema(dimensions: number): Schema {
  return new Schema([
    ...CHUNK_COLUMNS.map((c) => (c === 'startLine' || c === 'endLine' ? int(c) : str(c))),
    new Field('vector', new FixedSizeList(dimensions, new Field('item', new Float32(), true)), false),
  ]);
}

export const edgesSchema = new Schema([str('fromPath'), str('fromSymbol'), str('kind'), str('target'), str('toPath'), int('line')]);

export const metaSchema = new Schema([
  int('schemaVersion'),
  str('embedderName'),
  int('embedderDimensions'),
  str('updatedAt'),
]);

/**
 * A Utf8 column encoded in one call: the values joined and encoded at once. When every character took one
 * byte the offsets are the string lengths; otherwise they come from each value's byte length, and if those do
 * not add up (a lone surrogate at the end of one value pairs with one at the start of the next) the values
 * are encoded one by one. Encoding value by value cost a native call each, a large share of a write.
 */
function utf8Column(type: Utf8, values: string[]): Data {
  const joined = values.join('');
  const data = Buffer.from(joined, 'utf8');
  const offsets = new Int32Array(values.length + 1);
  let total = 0;
  const oneByte = data.length === joined.length;
  for (let i = 0; i < values.length; i++) {
    total += oneByte ? values[i]!.length : Buffer.byteLength(values[i]!, 'utf8');
    offsets[i + 1] = total;
  }
  if (total === data.length) return makeData({ type, length: values.length, nullCount: 0, valueOffsets: offsets, data });
  return utf8ColumnByValue(type, values);
}

/** A Utf8 column encoded value by value: byte offsets from `Buffer.byteLength`, then each value written. */
function utf8ColumnByValue(type: Utf8, values: string[]): Data {
  const offsets = new Int32Array(values.length + 1);
  let total = 0;
  for (let i = 0; i < values.length; i++) {
    total += Buffer.byteLength(values[i]!, 'utf8');
    offsets[i + 1] = total;
  }
  const data = Buffer.allocUnsafe(total);
  for (let i = 0; i < values.length; i++) data.write(values[i]!, offsets[i]!, 'utf8');
  return makeData({ type, length: values.length, nullCount: 0, valueOffsets: offsets, data });
}

function column(type: DataType, values: unknown[]): Data {
  if (type instanceof Int32) return makeData({ type, length: values.length, data: Int32Array.from(values as number[]) });
  if (type instanceof Float64) return makeData({ type, length: values.length, data: Float64Array.from(values as number[]) });
  if (type instanceof Utf8) return utf8Column(type, values as string[]);
  return vectorFromArray(values, type).data[0]!;
}

function vectorColumn(type: FixedSizeList, vectors: Float32Array[]): Data {
  const dim = type.listSize;
  const flat = new Float32Array(vectors.length * dim);
  vectors.forEach((v, i) => {
    if (v.length !== dim) throw new Error(`vector ${i} has ${v.length} dimensions, the table holds ${dim}`);
    flat.set(v, i * dim);
  });
  const child = makeData({ type: new Float32(), length: flat.length, data: flat });
  return makeData({ type, length: vectors.length, nullCount: 0, child });
}

/** Build an Arrow table of `rows` with exactly `schema`'s types. */
export function toArrow<T extends object>(schema: Schema, rows: readonly T[]): ArrowTable {
  const children = schema.fields.map((f) => {
    const values = rows.map((r) => (r as Record<string, unknown>)[f.name]);
    return f.type instanceof FixedSizeList ? vectorColumn(f.type, values as Float32Array[]) : column(f.type, values);
  });
  const data = makeData({ type: new Struct(schema.fields), length: rows.length, nullCount: 0, children });
  return new ArrowTable(schema, [new RecordBatch(schema, data)]);
}

/**
 * The rows of an Arrow result converted by `from`, read column by column: Arrow's row objects resolve every
 * field through its visitors, which made reading sympy's 44k chunks and 232k edges take seconds. `from`
 * gets one reused object holding the row's named columns, and must copy what it keeps.
 */
export function rowsOf<T>(table: Arrow.Table, names: readonly string[], from: (row: Record<string, unknown>) => T): T[] {
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

/** Quote a value for a LanceDB SQL filter. */
export function sqlString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** `column IN (...)` over `values`. */
export function sqlIn(column: string, values: readonly string[]): string {
  return `\`${column}\` IN (${values.map(sqlString).join(', ')})`;
}

type Row = Record<string, unknown>;

/** A chunks-table row (vector excluded) as a `ChunkRecord`. */
export function chunkFromRow(row: Row): ChunkRecord {
  return {
    id: String(row.id),
    path: String(row.path),
    fileHash: String(row.fileHash),
    language: row.language as ChunkRecord['language'],
    kind: row.kind as ChunkRecord['kind'],
    name: String(row.name),
    qualifiedName: String(row.qualifiedName),
    signature: String(row.signature),
    doc: String(row.doc),
    startLine: Number(row.startLine),
    endLine: Number(row.endLine),
    parent: String(row.parent),
    text: String(row.text),
    tokens: String(row.tokens),
  };
}

/** An edges-table row as an `EdgeRecord`. */
export function edgeFromRow(row: Row): EdgeRecord {
  return {
    fromPath: String(row.fromPath),
    fromSymbol: String(row.fromSymbol),
    kind: row.kind as EdgeRecord['kind'],
    target: String(row.target),
    toPath: String(row.toPath),
    line: Number(row.line),
  };
}

/** A files-table row as a `FileRecord` (the stored imports left out). */
export function fileFromRow(row: Row): FileRecord {
  return {
    path: String(row.path),
    hash: String(row.hash),
    language: row.language as FileRecord['language'],
    size: Number(row.size),
    skipReason: row.skipReason as FileRecord['skipReason'],
    lossyUtf8: Boolean(row.lossyUtf8),
  };
}

/** Parse a stored imports column; a damaged value reads as no imports. */
export function importsFromColumn(json: string): ParsedImport[] {
  try {
    const value = JSON.parse(json) as unknown;
    return Array.isArray(value) ? (value as ParsedImport[]) : [];
  } catch {
    return [];
  }
}
