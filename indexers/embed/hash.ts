/**
 * The built-in embedder: no model, no network. Code-aware feature hashing: every identifier counts whole and
 * by its camelCase / snake_case subtokens, plus character trigrams of each subtoken so that near spellings
 * (`tokenize`, `tokenizer`) land close. Each feature adds ±weight at a hashed position; the vector is
 * L2-normalised, so cosine similarity is a dot product.
 */
import type { Embedder } from '../types.js';
import { identifiersIn, splitIdentifier } from '../tokenize.js';

const WHOLE_WEIGHT = 1;
const SUBTOKEN_WEIGHT = 0.7;
const TRIGRAM_WEIGHT = 0.25;

/** 32-bit FNV-1a of `s`, seeded so that different feature families do not collide systematically. */
function fnv1a(s: string, seed: number): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Count the features of `text` into `counts` (feature key → weighted count). */
function features(text: string, counts: Map<string, number>): void {
  const add = (key: string, w: number): void => {
    counts.set(key, (counts.get(key) ?? 0) + w);
  };
  for (const id of identifiersIn(text)) {
    const whole = id.toLowerCase().replace(/^[_$]+|[_$]+$/g, '');
    if (whole.length < 2) continue;
    add(`w:${whole}`, WHOLE_WEIGHT);
    const subs = splitIdentifier(id);
    for (const sub of subs) {
      if (sub.length < 2) continue;
      if (subs.length > 1) add(`s:${sub}`, SUBTOKEN_WEIGHT);
      const padded = `^${sub}$`;
      for (let i = 0; i + 3 <= padded.length; i++) add(`g:${padded.slice(i, i + 3)}`, TRIGRAM_WEIGHT);
    }
  }
}

/** Embed one text into a unit vector of `dimensions` (all zeros when it has no identifiers). */
export function hashEmbed(text: string, dimensions: number): Float32Array {
  const counts = new Map<string, number>();
  features(text, counts);
  const vec = new Float32Array(dimensions);
  for (const [key, count] of counts) {
    const h = fnv1a(key, 0x9e3779b9);
    const sign = fnv1a(key, 0x85ebca6b) & 1 ? 1 : -1;
    // Sublinear term frequency: a name repeated fifty times should not drown everything else out.
    vec[h % dimensions]! += sign * (count <= 1 ? count : 1 + Math.log(count));
  }
  let norm = 0;
  for (let i = 0; i < dimensions; i++) norm += vec[i]! * vec[i]!;
  if (norm > 0) {
    const inv = 1 / Math.sqrt(norm);
    for (let i = 0; i < dimensions; i++) vec[i]! *= inv;
  }
  return vec;
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
