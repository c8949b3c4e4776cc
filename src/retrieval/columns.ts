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
  // Made on the first read: most columns of a loaded snapshot are never read by a query.
  private cache: Array<string | undefined> | undefined;

  constructor(
    readonly offsets: Uint32Array,
    readonly bytes: Uint8Array,
  ) {
    this.buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
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
    this.cache ??= new Array<string | undefined>(this.length);
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
 * The position of each line of a `packLines` list, found by hashing bytes in place: a query looks up a
 * few dozen terms, so building a map of every term (hundreds of thousands of strings) would cost more
 * than all of its lookups.
 */
export class PackedLineIds implements Lookup<number> {
  private readonly starts: Uint32Array;
  private readonly slots: Int32Array;
  private readonly mask: number;

  constructor(
    private readonly bytes: Uint8Array,
    readonly size: number,
  ) {
    this.starts = new Uint32Array(size + 1);
    let size2 = 1;
    while (size2 < size * 2) size2 <<= 1;
    this.slots = new Int32Array(size2).fill(-1);
    this.mask = size2 - 1;
    let line = 0;
    let hash = FNV_OFFSET;
    for (let i = 0; size > 0 && i <= bytes.length; i++) {
      if (i === bytes.length || bytes[i] === NEWLINE) {
        if (line === size) throw new Error(`expected ${size} lines, found more`);
        this.place(hash >>> 0, line);
        this.starts[++line] = i + 1;
        hash = FNV_OFFSET;
      } else hash = Math.imul(hash ^ bytes[i]!, FNV_PRIME);
    }
    if (line !== size) throw new Error(`expected ${size} lines, found ${line}`);
  }

  /** The line holding exactly `value`, if any. */
  get(value: string): number | undefined {
    const key = Buffer.from(value, 'utf8');
    let hash = FNV_OFFSET;
    for (const b of key) hash = Math.imul(hash ^ b, FNV_PRIME);
    for (let slot = (hash >>> 0) & this.mask; ; slot = (slot + 1) & this.mask) {
      const line = this.slots[slot]!;
      if (line < 0) return undefined;
      if (this.holds(line, key)) return line;
    }
  }

  private place(hash: number, line: number): void {
    let slot = hash & this.mask;
    while (this.slots[slot]! >= 0) slot = (slot + 1) & this.mask;
    this.slots[slot] = line;
  }

  private holds(line: number, key: Uint8Array): boolean {
    const from = this.starts[line]!;
    // A line's end is the next one's start less its newline.
    const to = line + 1 < this.size ? this.starts[line + 1]! - 1 : this.bytes.length;
    if (to - from !== key.length) return false;
    for (let i = 0; i < key.length; i++) if (this.bytes[from + i] !== key[i]) return false;
    return true;
  }
}

const NEWLINE = 0x0a;
const FNV_OFFSET = 0x811c9dc5 | 0;
const FNV_PRIME = 0x01000193;

/**
 * Sorted keys, each with a run of values (`values[start[k]..start[k+1])`, ascending) and a number: a table
 * a snapshot stores whole and a query reads by binary search, decoding only the keys it compares.
 */
export class SortedTable implements Lookup<number[]> {
  private readonly found = new Map<string, number>();

  constructor(
    /** Ascending in code-unit order (`<`). */
    readonly keys: StringColumn,
    readonly start: Uint32Array,
    readonly values: Uint32Array,
    readonly counts: Uint32Array,
  ) {}

  /** A table from a map of key → ascending values, and key → count. */
  static of(groups: ReadonlyMap<string, readonly number[]>, counts: ReadonlyMap<string, number>): SortedTable {
    const keys = [...groups.keys()].sort(compareKeys);
    const start = new Uint32Array(keys.length + 1);
    keys.forEach((k, i) => (start[i + 1] = start[i]! + groups.get(k)!.length));
    const values = new Uint32Array(start[keys.length]!);
    const n = new Uint32Array(keys.length);
    keys.forEach((k, i) => {
      values.set(groups.get(k)!, start[i]!);
      n[i] = counts.get(k) ?? 0;
    });
    return new SortedTable(StringColumn.of(keys), start, values, n);
  }

  get size(): number {
    return this.keys.length;
  }

  /** Index of `key` among the keys, or -1. */
  indexOf(key: string): number {
    const hit = this.found.get(key);
    if (hit !== undefined) return hit;
    const at = this.insertionPoint(key, 0);
    const i = at < this.keys.length && this.keys.get(at) === key ? at : -1;
    this.found.set(key, i);
    return i;
  }

  /** The first key index at or after `from` whose key is not below `key`. */
  insertionPoint(key: string, from: number): number {
    let lo = from;
    let hi = this.keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.keys.get(mid) < key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
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

/** Code-unit order, the order of a table's keys. */
export function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The table after a change: values renumbered by `map` (-1: dropped; it must keep kept values in order),
 * `added` key → ascending values merged in, keys left without values removed. `countOf` gives the count
 * of a key whose values changed; other keys keep theirs.
 */
export function patchTable(
  old: SortedTable,
  map: Int32Array,
  added: ReadonlyMap<string, readonly number[]>,
  countOf: (values: Uint32Array) => number,
): SortedTable {
  const addedKeys = [...added.keys()].sort(compareKeys);
  // Old key index each added key lands at (equal: that key; else inserted before it).
  const slots = new Int32Array(addedKeys.length);
  let from = 0;
  addedKeys.forEach((k, j) => (from = slots[j] = old.insertionPoint(k, from)));
  let extraValues = 0;
  for (const v of added.values()) extraValues += v.length;
  const keys = old.size + addedKeys.length;
  const starts = new Uint32Array(keys + 1);
  const values = new Uint32Array(old.values.length + extraValues);
  const counts = new Uint32Array(keys);
  let written = 0;
  let emitted = 0;
  const pieces: StringPiece[] = [];
  let runFrom = 0;
  // Old keys [runFrom, k) are copied as one run of key bytes until a key changes its place.
  const flush = (k: number): void => {
    if (k > runFrom) pieces.push({ column: old.keys, from: runFrom, to: k });
  };
  let j = 0;
  const emit = (count: number): void => {
    counts[emitted++] = count;
    starts[emitted] = written;
  };
  for (let k = 0; k <= old.size; k++) {
    // Added keys new to the table that sort before old key k.
    while (j < addedKeys.length && slots[j] === k && (k === old.size || old.keys.get(k) !== addedKeys[j])) {
      flush(k);
      runFrom = k;
      const vals = added.get(addedKeys[j]!)!;
      pieces.push({ values: [addedKeys[j]!] });
      values.set(vals, written);
      written += vals.length;
      emit(countOf(values.subarray(written - vals.length, written)));
      j++;
    }
    if (k === old.size) break;
    const first = written;
    let dropped = false;
    for (let v = old.start[k]!; v < old.start[k + 1]!; v++) {
      const m = map[old.values[v]!]!;
      if (m >= 0) values[written++] = m;
      else dropped = true;
    }
    let extra: readonly number[] = [];
    if (j < addedKeys.length && slots[j] === k && old.keys.get(k) === addedKeys[j]) extra = added.get(addedKeys[j++]!)!;
    if (extra.length) {
      const merged = mergeAscending(Array.from(values.subarray(first, written)), extra);
      values.set(merged, first);
      written = first + merged.length;
    }
    if (written === first) {
      // The key goes: the run of copied keys ends before it.
      flush(k);
      runFrom = k + 1;
      continue;
    }
    emit(dropped || extra.length ? countOf(values.subarray(first, written)) : old.counts[k]!);
  }
  flush(old.size);
  return new SortedTable(joinStrings(pieces), starts.slice(0, emitted + 1), values.slice(0, written), counts.slice(0, emitted));
}

function mergeAscending(a: readonly number[], b: readonly number[]): number[] {
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (j >= b.length || (i < a.length && a[i]! < b[j]!)) out.push(a[i++]!);
    else if (i >= a.length || b[j]! < a[i]!) out.push(b[j++]!);
    else {
      out.push(a[i++]!);
      j++;
    }
  }
  return out;
}
