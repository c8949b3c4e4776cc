/**
 * The ranking signals. Each turns the analysed query into a ranked list of chunks or of files; fusion
 * combines the lists by rank, so a signal's scores only need to order its own list.
 */
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { codeTokens } from '../../indexers/tokenize.js';
import type { Bm25Index } from './bm25.js';
import type { Corpus } from './corpus.js';
import { modulePaths, pathMatch, testedStem } from './paths.js';
import type { QueryAnalysis } from './query.js';
import { wordForms } from './stem.js';

export type SignalName = 'fulltext' | 'vector' | 'name' | 'path' | 'trace' | 'graph' | 'tests';

export interface RankedItem {
  /** A chunk index or a file index, per the list's level. */
  id: number;
  score: number;
}

export interface RankedList {
  signal: SignalName;
  level: 'chunk' | 'file';
  /** Best first. */
  items: RankedItem[];
}

const LIST_DEPTH = 200;
// Most places a quoted message may be found in and still point at its source.
const QUOTE_PLACES = 3;
// Largest share of the source files a directory the title names may hold and still mark an area.
const DIR_SHARE = 0.5;
// Weight of a name seen only in a fenced code block against one written in the prose.
const FENCED_SHARE = 0.5;

function sorted(m: Map<number, number>, depth = LIST_DEPTH): RankedItem[] {
  return [...m]
    .filter(([, s]) => s > 0)
    .map(([id, score]) => ({ id, score }))
    .sort((a, b) => b.score - a.score || a.id - b.id)
    .slice(0, depth);
}

function add(m: Map<number, number>, id: number, s: number): void {
  m.set(id, (m.get(id) ?? 0) + s);
}

/**
 * Query token weights: tokens of identifiers the task names count double, since they are deliberate;
 * words of the repository's issue templates count little, since every issue repeats them.
 */
export function queryWeights(q: QueryAnalysis, templateTokens: Set<string> = new Set()): Map<string, number> {
  const w = new Map<string, number>();
  for (const t of q.tokens) if (templateTokens.has(t)) w.set(t, 0.2);
  for (const id of q.identifiers) for (const t of codeTokens(id)) w.set(t, 2);
  return w;
}

/**
 * The query with other forms of its prose words that the index holds (`counted` → `count`), each
 * weighted `share` (set in `weights`): prose inflects what identifiers spell in their root form.
 * Tokens of named identifiers and template words are left as they are: they are weighted already.
 */
export function withWordForms(q: QueryAnalysis, weights: Map<string, number>, index: Bm25Index, share: number): QueryAnalysis {
  const present = new Set(q.tokens);
  const extra: string[] = [];
  for (const t of present) {
    if (weights.has(t)) continue;
    for (const form of wordForms(t, (f) => index.docFreq(f) > 0)) {
      if (present.has(form)) continue;
      if (!weights.has(form)) extra.push(form);
      weights.set(form, Math.max(weights.get(form) ?? 0, share));
    }
  }
  return extra.length ? { ...q, tokens: [...q.tokens, ...extra] } : q;
}

/**
 * Weigh each query token that the task repeats by 1 + ln(count), in `weights`: what an issue keeps coming
 * back to is what it is about. Tokens weighted down (template words) are left as they are.
 */
export function withTermFrequency(q: QueryAnalysis, weights: Map<string, number>): void {
  const counts = new Map<string, number>();
  for (const t of q.tokens) counts.set(t, (counts.get(t) ?? 0) + 1);
  for (const [t, n] of counts) {
    const w = weights.get(t) ?? 1;
    if (n > 1 && w >= 1) weights.set(t, w * (1 + Math.log(n)));
  }
}

/** BM25 over chunk tokens. */
export function fulltextChunks(c: Corpus, q: QueryAnalysis, weights: Map<string, number>): RankedList {
  const items = c.chunkText.search(q.tokens, LIST_DEPTH, weights).map((d) => ({ id: d.doc, score: d.score }));
  return { signal: 'fulltext', level: 'chunk', items };
}

/** BM25 over whole files (all their chunks' tokens plus their path words). */
export function fulltextFiles(c: Corpus, q: QueryAnalysis, weights: Map<string, number>): RankedList {
  const items = c.fileText.search(q.tokens, LIST_DEPTH, weights).map((d) => ({ id: d.doc, score: d.score }));
  return { signal: 'fulltext', level: 'file', items };
}

/** Nearest chunks to the query's embedding, with the embedder the index was built with. */
export async function vectorChunks(c: Corpus, q: QueryAnalysis, signal?: AbortSignal): Promise<RankedList> {
  const [vec] = await c.reader.embedder().embed([q.text.slice(0, 8000)], signal);
  const hits = vec ? await c.reader.vectorSearch(vec, 100) : [];
  const items: RankedItem[] = [];
  for (const h of hits) {
    const id = c.chunkById.get(h.chunk.id);
    if (id !== undefined && h.score > 0) items.push({ id, score: h.score });
  }
  items.sort((a, b) => b.score - a.score || a.id - b.id);
  return { signal: 'vector', level: 'chunk', items };
}

/**
 * Definitions of identifiers the task names. A name defined in one file is strong evidence, one
 * defined in fifty is weak; a dotted mention whose qualifier matches the definition's scope is stronger.
 */
export function nameChunks(c: Corpus, q: QueryAnalysis): RankedList {
  const scores = new Map<number, number>();
  const qualifiers = new Map<string, Set<string>>();
  for (const parts of q.dotted) {
    for (let i = 1; i < parts.length; i++) {
      const key = parts[i]!.toLowerCase();
      let s = qualifiers.get(key);
      if (!s) qualifiers.set(key, (s = new Set()));
      s.add(parts[i - 1]!.toLowerCase());
    }
  }
  for (const ident of q.identifiers) {
    const key = ident.toLowerCase();
    const defs = c.defsByName.get(key);
    if (!defs) continue;
    const nFiles = c.defFileCount.get(key) ?? 1;
    if (nFiles > 40) continue;
    const rarity = 1 / (1 + Math.log2(nFiles));
    const specificity = Math.min(1, key.length / 8) * (/[A-Z_]/.test(ident.slice(1)) ? 1.2 : 1);
    const quals = qualifiers.get(key);
    const deliberate = q.fencedOnly.has(ident) ? FENCED_SHARE : 1;
    for (const i of defs) {
      const ch = c.chunks[i]!;
      let s = deliberate * rarity * specificity * (ch.name === ident ? 1 : 0.7);
      if (quals) {
        const scope = ch.qualifiedName.toLowerCase().split('.');
        const parent = scope.at(-2);
        const stem = c.files[c.chunkFile[i]!]!.stem;
        if ((parent && quals.has(parent)) || quals.has(stem)) s *= 2;
      }
      add(scores, i, s);
    }
  }
  return { signal: 'name', level: 'chunk', items: sorted(scores) };
}

/**
 * Files containing rare identifiers the task names verbatim (whole identifiers, not subtokens),
 * weighted by how rare they are across files.
 */
export function mentionFiles(c: Corpus, q: QueryAnalysis): RankedList {
  const scores = new Map<number, number>();
  const n = c.files.length;
  for (const ident of q.identifiers) {
    const key = ident.toLowerCase();
    if (key.length < 4) continue;
    const df = c.fileText.docFreq(key);
    if (df === 0 || df > Math.max(3, n * 0.05)) continue;
    const idf = Math.log(1 + n / df) * (q.fencedOnly.has(ident) ? FENCED_SHARE : 1);
    for (const f of c.fileText.postings(key)) add(scores, f, idf);
  }
  return { signal: 'name', level: 'file', items: sorted(scores) };
}

/** Files that can match a mentioned path: those with its file name. */
function candidatesFor(c: Corpus, mentioned: string): number[] {
  const m = mentioned.toLowerCase();
  return c.filesByBasename.get(m.slice(m.lastIndexOf('/') + 1)) ?? [];
}

/** Files whose path the task mentions (full path, path suffix, or file name), and modules named dotted. */
export function pathFiles(c: Corpus, q: QueryAnalysis): RankedList {
  const scores = new Map<number, number>();
  const mentions = [...q.paths];
  for (const parts of q.dotted) if (parts.length >= 2) mentions.push(...modulePaths(parts));
  for (const m of mentions) {
    let best = 0;
    const matches: Array<[number, number]> = [];
    for (const i of candidatesFor(c, m)) {
      const s = pathMatch(m, c.files[i]!.path);
      if (s > 0) {
        matches.push([i, s]);
        best = Math.max(best, s);
      }
    }
    // A bare file name matching many files says little about each of them.
    const spread = matches.length;
    for (const [i, s] of matches) if (s === best) add(scores, i, s / Math.sqrt(spread));
  }
  return { signal: 'path', level: 'file', items: sorted(scores) };
}

/**
 * Files whose name carries words of the task (`bar chart` → `controller.bar.js`), weighted by how rare
 * each word is among file names; words of the task's first line (an issue's title) count more.
 */
export function fileNameFiles(c: Corpus, q: QueryAnalysis, weights: Map<string, number>): RankedList {
  const scores = new Map<number, number>();
  const title = new Set(codeTokens(q.text.split('\n', 1)[0] ?? ''));
  const wanted = new Set(q.tokens.filter((t) => t.length >= 3 && (weights.get(t) ?? 1) >= 1));
  const byWord = new Map<string, number[]>();
  for (const w of wanted) {
    const files = c.filesByNameWord.get(w);
    if (files) byWord.set(w, files);
  }
  const n = c.files.length;
  for (const [w, files] of byWord) {
    if (files.length > Math.max(3, n * 0.05)) continue;
    const idf = Math.log(1 + n / files.length) * (title.has(w) ? 2 : 1);
    for (const f of files) add(scores, f, idf);
  }
  return { signal: 'path', level: 'file', items: sorted(scores) };
}

/**
 * Stack-trace frames (the function enclosing the frame's line, or the frame's function in that file)
 * and quoted error text found verbatim in the code.
 */
export function traceChunks(c: Corpus, q: QueryAnalysis): RankedList {
  const scores = new Map<number, number>();
  // Frames in the repository, innermost first: the innermost is where things went wrong.
  let order = 0;
  q.frames.forEach((frame) => {
    const named = candidatesFor(c, frame.path).map((i) => [i, pathMatch(frame.path, c.files[i]!.path)] as const);
    let files = named.filter(([, s]) => s >= 2);
    // A bare file name counts only when it names one file.
    if (!files.length && named.length === 1) files = named;
    if (!files.length) return;
    const weight = 1 + 1 / (1 + order++);
    for (const [f] of files) {
      let found = false;
      let best = -1;
      for (const i of c.files[f]!.chunks) {
        const ch = c.chunks[i]!;
        if (frame.func && ch.name === frame.func) {
          add(scores, i, weight * 2);
          found = true;
        }
        if (frame.line !== null && ch.startLine <= frame.line && frame.line <= ch.endLine) {
          // The innermost (shortest) chunk around the line.
          if (best < 0 || ch.endLine - ch.startLine < c.chunks[best]!.endLine - c.chunks[best]!.startLine) best = i;
        }
      }
      if (best >= 0) add(scores, best, weight * (found ? 1 : 2));
      else if (!found && c.files[f]!.chunks.length) add(scores, c.files[f]!.chunks[0]!, weight * 0.5);
    }
  });
  const sources = new Map<string, string[] | null>();
  for (const quote of q.quotes) {
    const literal = longestLiteral(quote);
    if (literal.length < 8) continue;
    const candidates = c.chunkText.search(codeTokens(literal), 50);
    const found = candidates.filter(({ doc }) => chunkSource(c, doc, sources).includes(literal));
    // Text found in many places is a common phrase ("has no attribute"), not this message's source.
    if (found.length > QUOTE_PLACES) continue;
    for (const { doc } of found) add(scores, doc, 1.5);
  }
  return { signal: 'trace', level: 'chunk', items: sorted(scores) };
}

/** A chunk's lines as they are on disk now (files read once per call through `cache`). */
function chunkSource(c: Corpus, i: number, cache: Map<string, string[] | null>): string {
  const ch = c.chunks[i]!;
  let lines = cache.get(ch.path);
  if (lines === undefined) {
    try {
      lines = readFileSync(join(c.reader.root, ch.path), 'utf8').split('\n');
    } catch {
      lines = null;
    }
    cache.set(ch.path, lines);
  }
  return lines ? lines.slice(ch.startLine - 1, ch.endLine).join('\n') : '';
}

/** The longest piece of a message between format placeholders and interpolated values. */
function longestLiteral(msg: string): string {
  const pieces = msg.split(/%[sdrfi]|\{[^}]*\}|\$\{[^}]*\}|'[^']*'|"[^"]*"|\b\d+\b/);
  return pieces.map((p) => p.trim()).sort((a, b) => b.length - a.length)[0] ?? '';
}

/**
 * Tests ↔ source: a test file that ranks (or is mentioned) lifts the module it tests, since fixes
 * land in source; a mentioned source file lifts its tests a little.
 */
export function testFiles(c: Corpus, q: QueryAnalysis, ranked: RankedItem[]): RankedList {
  const scores = new Map<number, number>();
  const byStem = new Map<string, number[]>();
  c.files.forEach((f, i) => {
    if (f.role !== 'source') return;
    const a = byStem.get(f.stem);
    if (a) a.push(i);
    else byStem.set(f.stem, [i]);
  });
  const lift = (f: number, s: number): void => {
    const file = c.files[f]!;
    if (file.role !== 'test') return;
    const stem = testedStem(file.stem);
    const targets = byStem.get(stem);
    if (!targets || stem.length < 3) return;
    for (const t of targets) add(scores, t, s / targets.length);
  };
  ranked.slice(0, 30).forEach((it, r) => lift(it.id, 1 / (1 + r)));
  for (const p of q.paths) for (const i of candidatesFor(c, p)) if (pathMatch(p, c.files[i]!.path) >= 2) lift(i, 1);
  return { signal: 'tests', level: 'file', items: sorted(scores) };
}

const dirWords = new WeakMap<Corpus, Map<string, number[]>>();

/** Word of a directory name → files anywhere under a directory with that word, built once per corpus. */
function filesByDirWord(c: Corpus): Map<string, number[]> {
  let m = dirWords.get(c);
  if (m) return m;
  m = new Map();
  const wordsOf = new Map<string, string[]>();
  for (let i = 0; i < c.files.length; i++) {
    const path = c.files[i]!.path.toLowerCase();
    const words = new Set<string>();
    for (const dir of path.split('/').slice(0, -1)) {
      let ws = wordsOf.get(dir);
      if (!ws) wordsOf.set(dir, (ws = codeTokens(dir)));
      for (const w of ws) words.add(w);
    }
    for (const w of words) {
      const a = m.get(w);
      if (a) a.push(i);
      else m.set(w, [i]);
    }
  }
  dirWords.set(c, m);
  return m;
}

/**
 * Files under a directory that the task's title names (`WebGL …` → `src/webgl/`), each with a factor
 * `1 + lift`: the area an issue is filed under is where its fix usually lies. A directory holding much
 * of the source (the package itself, `src/`) marks no area.
 */
export function directoryLift(c: Corpus, q: QueryAnalysis, lift: number): Map<number, number> {
  const out = new Map<number, number>();
  const title = new Set(codeTokens(q.text.split('\n', 1)[0] ?? '').filter((t) => t.length >= 3));
  if (!title.size || lift <= 0) return out;
  const byWord = filesByDirWord(c);
  let sources = 0;
  for (const f of c.files) if (f.role === 'source') sources++;
  for (const w of [...title].sort()) {
    const files = byWord.get(w);
    if (!files) continue;
    let inSource = 0;
    for (const f of files) if (c.files[f]!.role === 'source') inSource++;
    if (inSource > sources * DIR_SHARE) continue;
    for (const f of files) out.set(f, (out.get(f) ?? 1) * (1 + lift));
  }
  return out;
}

// A banner a build tool writes at the top of what it generates.
const GENERATED_BANNER = /\b(do not edit|auto-?generated|generated (from|by)|this file (is|was) (auto-?)?generated)\b/i;
const HEAD_BYTES = 1_500;
const banners = new WeakMap<Corpus, Map<number, boolean>>();

/**
 * Whether a file's first lines say a tool generated it (`DO NOT EDIT … generated from files in ./src/`):
 * a built bundle that repeats the sources, where fixes do not go. Read once per file and corpus.
 */
export function saysGenerated(c: Corpus, f: number): boolean {
  let known = banners.get(c);
  if (!known) banners.set(c, (known = new Map()));
  let says = known.get(f);
  if (says === undefined) {
    says = false;
    try {
      const fd = openSync(join(c.reader.root, c.files[f]!.path), 'r');
      try {
        const buf = Buffer.alloc(HEAD_BYTES);
        says = GENERATED_BANNER.test(buf.toString('utf8', 0, readSync(fd, buf, 0, HEAD_BYTES, 0)));
      } finally {
        closeSync(fd);
      }
    } catch {
      // A file that cannot be read is judged by its path alone.
    }
    known.set(f, says);
  }
  return says;
}
