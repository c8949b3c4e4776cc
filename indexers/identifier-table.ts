/**
 * Per-identifier values looked up straight from the text they occur in. Indexing visits every identifier of
 * every chunk (for its search tokens and for its embedding) and the same few thousand names recur endlessly:
 * a regular expression would allocate a string per occurrence and a map would hash it again. Here the text is
 * scanned by character code, each identifier hashed as it is read, and matched against the table in place;
 * a string is made only for an identifier seen for the first time.
 */

/** Identifier characters as `tokenize.ts` defines them: `[A-Za-z_$][A-Za-z0-9_$]*`. */
const START = new Uint8Array(128);
const PART = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  START[c] = /[A-Za-z_$]/.test(ch) ? 1 : 0;
  PART[c] = /[A-Za-z0-9_$]/.test(ch) ? 1 : 0;
}

/** Values of type `T` per identifier, computed once by `make`; the table starts over past `limit` identifiers. */
export class IdentifierTable<T> {
  private keys: string[] = [];
  private values: T[] = [];
  private hashes = new Int32Array(0);
  /** Open addressing: slot → index into keys/values plus one (0 is empty). */
  private slots = new Int32Array(0);
  private mask = 0;

  constructor(
    private readonly make: (identifier: string) => T,
    private readonly limit = 200_000,
  ) {
    this.reset(1024);
  }

  /**
   * Put the value of every identifier occurrence in `text`, in order and with repeats, into `out` from index
   * 0; returns how many there are (`out` is reused across calls, entries past the count are stale).
   */
  collect(text: string, out: T[]): number {
    // Emptied between texts only, so every occurrence within one text shares one value.
    if (this.keys.length >= this.limit) this.reset(1024);
    let n = 0;
    const len = text.length;
    let i = 0;
    while (i < len) {
      const c = text.charCodeAt(i);
      if (c >= 128 || START[c] === 0) {
        i++;
        continue;
      }
      const start = i;
      let h = 0x811c9dc5 ^ c;
      h = Math.imul(h, 0x01000193);
      i++;
      while (i < len) {
        const d = text.charCodeAt(i);
        if (d >= 128 || PART[d] === 0) break;
        h = Math.imul(h ^ d, 0x01000193);
        i++;
      }
      out[n++] = this.lookup(text, start, i, h | 0);
    }
    return n;
  }

  private lookup(text: string, start: number, end: number, hash: number): T {
    const length = end - start;
    let slot = hash & this.mask;
    for (;;) {
      const at = this.slots[slot]!;
      if (at === 0) break;
      const key = this.keys[at - 1]!;
      if (this.hashes[at - 1] === hash && key.length === length && text.startsWith(key, start)) return this.values[at - 1]!;
      slot = (slot + 1) & this.mask;
    }
    const key = text.slice(start, end);
    const value = this.make(key);
    this.keys.push(key);
    this.values.push(value);
    if (this.keys.length > this.hashes.length) {
      const grown = new Int32Array(this.hashes.length * 2);
      grown.set(this.hashes);
      this.hashes = grown;
    }
    this.hashes[this.keys.length - 1] = hash;
    this.slots[slot] = this.keys.length;
    if (this.keys.length * 2 > this.slots.length) this.rehash(this.slots.length * 2);
    return value;
  }

  private reset(capacity: number): void {
    this.keys = [];
    this.values = [];
    this.hashes = new Int32Array(capacity);
    this.slots = new Int32Array(capacity * 2);
    this.mask = capacity * 2 - 1;
  }

  private rehash(size: number): void {
    this.slots = new Int32Array(size);
    this.mask = size - 1;
    for (let k = 0; k < this.keys.length; k++) {
      let slot = this.hashes[k]! & this.mask;
      while (this.slots[slot] !== 0) slot = (slot + 1) & this.mask;
      this.slots[slot] = k + 1;
    }
  }
}
