/**
 * The built-in embedder: no model, no network. Code-aware feature hashing: every identifier counts whole and
 * by its camelCase / snake_case subtokens, plus character trigrams of each subtoken so that near spellings
 * (`tokenize`, `tokenizer`) land close. Each feature adds ±weight at a hashed position; the vector is
 * L2-normalised, so cosine similarity is a dot product.
 */
import type { Embedder } from '../types.js';
import { IdentifierTable } from '../identifier-table.js';
import { splitIdentifier } from '../tokenize.js';

const WHOLE_WEIGHT = 1;
const SUBTOKEN_WEIGHT = 0.7;
const TRIGRAM_WEIGHT = 0.25;

/** Identifiers repeat endlessly across a repository; their features are computed once and reused. */
const CACHE_LIMIT = 200_000;

const SLOT_SEED = 0x9e3779b9;
const SIGN_SEED = 0x85ebca6b;
const [WHOLE_TAG, SUB_TAG, GRAM_TAG, COLON, CARET, DOLLAR] = ['w', 's', 'g', ':', '^', '$'].map((c) => c.charCodeAt(0)) as [number, number, number, number, number, number];

/**
 * 32-bit FNV-1a, seeded so that different feature families do not collide systematically, of the feature key
 * `<tag>:<text[from..to)>`, where with `padded` the text reads as `^text$`. Hashing the key's characters in
 * place spares building a string per feature.
 */
function keyHash(seed: number, tag: number, text: string, from: number, to: number, padded: boolean): number {
  let h = Math.imul(Math.imul(((0x811c9dc5 ^ seed) >>> 0) ^ tag, 0x01000193) ^ COLON, 0x01000193);
  for (let j = from; j < to; j++) {
    const c = !padded ? text.charCodeAt(j) : j === 0 ? CARET : j === text.length + 1 ? DOLLAR : text.charCodeAt(j - 1);
    h = Math.imul(h ^ c, 0x01000193);
  }
  return h >>> 0;
}

/** One identifier's features as positions and signed weights, plus its count in the text being embedded. */
interface Features {
  slots: Uint32Array;
  weights: Float32Array;
  /** Which `embed` call `count` belongs to; counts of older calls are stale and start again at zero. */
  epoch: number;
  count: number;
}

function identifierFeatures(id: string, dimensions: number): Features {
  const whole = id.toLowerCase().replace(/^[_$]+|[_$]+$/g, '');
  if (whole.length < 2) return { slots: new Uint32Array(0), weights: new Float32Array(0), epoch: 0, count: 0 };
  const subs = splitIdentifier(id);
  // The whole identifier, then per subtoken of two or more characters: the subtoken itself (when there are
  // several) and the trigrams of `^subtoken$` (as many as the subtoken has characters).
  let n = 1;
  for (const sub of subs) if (sub.length >= 2) n += (subs.length > 1 ? 1 : 0) + sub.length;
  const slots = new Uint32Array(n);
  const signed = new Float32Array(n);
  let k = 0;
  const add = (tag: number, text: string, from: number, to: number, padded: boolean, weight: number): void => {
    slots[k] = keyHash(SLOT_SEED, tag, text, from, to, padded) % dimensions;
    signed[k++] = keyHash(SIGN_SEED, tag, text, from, to, padded) & 1 ? weight : -weight;
  };
  add(WHOLE_TAG, whole, 0, whole.length, false, WHOLE_WEIGHT);
  for (const sub of subs) {
    if (sub.length < 2) continue;
    if (subs.length > 1) add(SUB_TAG, sub, 0, sub.length, false, SUBTOKEN_WEIGHT);
    for (let i = 0; i + 3 <= sub.length + 2; i++) add(GRAM_TAG, sub, i, i + 3, true, TRIGRAM_WEIGHT);
  }
  return { slots, weights: signed, epoch: 0, count: 0 };
}

/** Embeds texts into unit vectors of one dimension, caching each identifier's features. */
class HashVectorizer {
  private readonly table: IdentifierTable<Features>;
  private epoch = 0;
  private readonly found: Features[] = [];
  private readonly seen: Features[] = [];
  constructor(readonly dimensions: number) {
    this.table = new IdentifierTable((id) => identifierFeatures(id, dimensions), CACHE_LIMIT);
  }

  embed(text: string): Float32Array {
    // Count identifiers in the cache entries themselves: no map per text.
    const epoch = ++this.epoch;
    const seen = this.seen;
    seen.length = 0;
    const found = this.found;
    const n = this.table.collect(text, found);
    for (let k = 0; k < n; k++) {
      const f = found[k]!;
      if (f.epoch !== epoch) {
        f.epoch = epoch;
        f.count = 0;
        seen.push(f);
      }
      f.count++;
    }
    const vec = new Float32Array(this.dimensions);
    for (const f of seen) {
      // Sublinear term frequency: a name repeated fifty times should not drown everything else out.
      const tf = 1 + Math.log(f.count);
      const { slots, weights } = f;
      for (let i = 0; i < slots.length; i++) vec[slots[i]!]! += tf * weights[i]!;
    }
    let norm = 0;
    for (let i = 0; i < vec.length; i++) norm += vec[i]! * vec[i]!;
    if (norm > 0) {
      const inv = 1 / Math.sqrt(norm);
      for (let i = 0; i < vec.length; i++) vec[i]! *= inv;
    }
    return vec;
  }
}

const shared = new Map<number, HashVectorizer>();

/** Embed one text into a unit vector of `dimensions` (all zeros when it has no identifiers). */
export function hashEmbed(text: string, dimensions: number): Float32Array {
  let v = shared.get(dimensions);
  if (!v) shared.set(dimensions, (v = new HashVectorizer(dimensions)));
  return v.embed(text);
}

/** The deterministic, model-free embedder (`embedding.provider: "hash"`). */
export class HashEmbedder implements Embedder {
  readonly name = 'hash-v1';
  constructor(readonly dimensions: number) {}

  /** Embed each text; synchronous work, returned as a promise to fit the interface. */
  async embed(texts: string[]): Promise<Float32Array[]> {
    return texts.map((t) => hashEmbed(t, this.dimensions));
  }
}
