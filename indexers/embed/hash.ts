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

/** 32-bit FNV-1a of `s`, seeded so that different feature families do not collide systematically. */
function fnv1a(s: string, seed: number): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
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
  const keys: string[] = [`w:${whole}`];
  const weights: number[] = [WHOLE_WEIGHT];
  const subs = splitIdentifier(id);
  for (const sub of subs) {
    if (sub.length < 2) continue;
    if (subs.length > 1) {
      keys.push(`s:${sub}`);
      weights.push(SUBTOKEN_WEIGHT);
    }
    const padded = `^${sub}$`;
    for (let i = 0; i + 3 <= padded.length; i++) {
      keys.push(`g:${padded.slice(i, i + 3)}`);
      weights.push(TRIGRAM_WEIGHT);
    }
  }
  const slots = new Uint32Array(keys.length);
  const signed = new Float32Array(keys.length);
  keys.forEach((key, i) => {
    slots[i] = fnv1a(key, 0x9e3779b9) % dimensions;
    signed[i] = fnv1a(key, 0x85ebca6b) & 1 ? weights[i]! : -weights[i]!;
  });
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
