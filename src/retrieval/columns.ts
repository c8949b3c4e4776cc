/**
 * Column storage for the retrieval snapshot: strings packed as UTF-8 bytes with offsets, decoded only
 * when read, so a process that loads a corpus of 100,000 chunks creates the few strings a query touches
 * instead of all of them; and sorted-key lookups that answer without building a map.
 */

/** What a corpus lookup table offers: a `Map` is one, and so are the snapshot's sorted tables. */
export interface Lookup<V> {
  get(key: string): V | undefined;
}

/** Strings `0..length-1`, stored as UTF-8 bytes; string i is `bytes[offsets[i]..offsets[i+1])`. */
export class StringColumn {
  private readonly buf: Buffer;
  private readonly cache: Array<string | undefined>;

  constructor(
    readonly offsets: Uint32Array,
    readonly bytes: Uint8Array,
  ) {
    this.buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.cache = new Array<string | undefined>(Math.max(0, offsets.length - 1));
  }

  /** A column holding `values`. */
  static of(values: readonly string[]): StringColumn {
    const offsets = new Uint32Array(values.length + 1);
    let total = 0;
    for (let i = 0; i < values.length; i++) {
      total += Buffer.byteLength(values[i]!, 'utf8');
      offsets[i + 1] = total;
    }
    const bytes = Buffer.allocUnsafe(total);
    for (let i = 0; i < values.length; i++) bytes.write(values[i]!, offsets[i]!, 'utf8');
    return new StringColumn(offsets, bytes);
  }

  get length(): number {
    return this.offsets.length - 1;
  }

  /** String i (decoded once, then kept). */
  get(i: number): string {
    let s = this.cache[i];
    if (s === undefined) {
      const a = this.offsets[i]!;
      const b = this.offsets[i + 1]!;
      s = a === b ? '' : this.buf.toString('utf8', a, b);
      this.cache[i] = s;
    }
    return s;
  }

  /** Length of string i in bytes. */
  byteLength(i: number): number {
    return this.offsets[i + 1]! - this.offsets[i]!;
  }

  /** Every string of the column. */
  all(): string[] {
    const out = new Array<string>(this.length);
    for (let i = 0; i < out.length; i++) out[i] = this.get(i);
    return out;
  }
}

/** A piece of a column being assembled: a run of an existing column, or new strings. */
export type StringPiece = { column: StringColumn; from: number; to: number } | { values: readonly string[] };

/** Concatenate pieces into one column, copying runs of existing columns as bytes. */
export function joinStrings(pieces: readonly StringPiece[]): StringColumn {
  const parts = pieces.map((p) => ('values' in p ? { column: StringColumn.of(p.values), from: 0, to: p.values.length } : p));
  let count = 0;
  let bytes = 0;
  for (const p of parts) {
    count += p.to - p.from;
    bytes += p.column.offsets[p.to]! - p.column.offsets[p.from]!;
  }
  const offsets = new Uint32Array(count + 1);
  const out = Buffer.allocUnsafe(bytes);
  let i = 0;
  let at = 0;
  for (const p of parts) {
    const base = p.column.offsets[p.from]!;
    const end = p.column.offsets[p.to]!;
    out.set(p.column.bytes.subarray(base, end), at);
    for (let k = p.from; k < p.to; k++) offsets[++i] = p.column.offsets[k + 1]! - base + at;
    at += end - base;
  }
  return new StringColumn(offsets, out);
}

/** Strings joined by newlines, for lists whose items never hold one (full-text terms). */
export function packLines(values: readonly string[]): Uint8Array {
  return Buffer.from(values.join('\n'), 'utf8');
}

/** The list `packLines` packed. */
export function unpackLines(bytes: Uint8Array, count: number): string[] {
  if (!count) return [];
  const out = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8').split('\n');
  if (out.length !== count) throw new Error(`expected ${count} lines, found ${out.length}`);
  return out;
}

/**
 * Sorted keys, each with a run of values (`values[start[k]..start[k+1])`) and a number: a table a
 * snapshot stores whole and a query reads by binary search.
 */
export class SortedTable implements Lookup<number[]> {
  private readonly found = new Map<string, number>();

  constructor(
    /** Ascending in code-unit order (`<`). */
    readonly keys: readonly string[],
    readonly start: Uint32Array,
    readonly values: Uint32Array,
    readonly counts: Uint32Array,
  ) {}

  /** A table from a map of key → values (values kept in their order) and key → count. */
  static of(groups: ReadonlyMap<string, readonly number[]>, counts: ReadonlyMap<string, number>): SortedTable {
    const keys = [...groups.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const start = new Uint32Array(keys.length + 1);
    keys.forEach((k, i) => (start[i + 1] = start[i]! + groups.get(k)!.length));
    const values = new Uint32Array(start[keys.length]!);
    const n = new Uint32Array(keys.length);
    keys.forEach((k, i) => {
      values.set(groups.get(k)!, start[i]!);
      n[i] = counts.get(k) ?? 0;
    });
    return new SortedTable(keys, start, values, n);
  }

  /** Index of `key` among the keys, or -1. */
  indexOf(key: string): number {
    const hit = this.found.get(key);
    if (hit !== undefined) return hit;
    let lo = 0;
    let hi = this.keys.length - 1;
    let at = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const k = this.keys[mid]!;
      if (k === key) {
        at = mid;
        break;
      }
      if (k < key) lo = mid + 1;
      else hi = mid - 1;
    }
    this.found.set(key, at);
    return at;
  }

  /** The values of `key` (a fresh array), or undefined when the table does not hold it. */
  get(key: string): number[] | undefined {
    const i = this.indexOf(key);
    return i < 0 ? undefined : Array.from(this.values.subarray(this.start[i]!, this.start[i + 1]!));
  }

  /** The number stored with `key`, or undefined. */
  count(key: string): number | undefined {
    const i = this.indexOf(key);
    return i < 0 ? undefined : this.counts[i]!;
  }
}
