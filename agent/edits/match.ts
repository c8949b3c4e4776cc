/**
 * Search/replace as a pure function of text. The search block is located by a ladder of ever looser
 * matchers; each accepts only a unique match, so an edit never lands in a place the model did not mean.
 */
import { EditError } from './errors.js';
import { bigrams, dice, lcsPairs, levenshtein } from './similarity.js';
import {
  type Line,
  blockLines,
  body,
  dominantEol,
  indentWidth,
  isBlank,
  joinLines,
  numbered,
  setIndent,
  splitLines,
} from './text.js';

/** Which rung of the ladder found the search block. */
export type MatchKind = 'exact' | 'whitespace' | 'indentation' | 'fuzzy';

/** The outcome of a search/replace on one text. */
export interface SearchReplaceResult {
  text: string;
  matchedBy: MatchKind;
  /** First line of the original text that was replaced (1-based). */
  line: number;
  /** Last line of the original text that was replaced (1-based, inclusive). */
  endLine: number;
  /** Similarity of the matched block to the search, 1 for all but fuzzy matches. */
  similarity: number;
}

/** A fuzzy match must be at least this similar to the search block… */
export const FUZZY_THRESHOLD = 0.88;
/** …and this much more similar than any other place in the file. */
export const FUZZY_MARGIN = 0.08;
/** Without a verbatim anchor line, every window is scored up to this many (file line × search line) pairs. */
const FUZZY_SCAN_WORK = 100_000;
/** Search blocks longer than this are not matched fuzzily. */
const FUZZY_MAX_LINES = 400;
/** Longest pair of lines (product of lengths) measured by exact edit distance. */
const MAX_EXACT_CELLS = 4_000_000;
/** Ambiguity reports list at most this many places. */
const MAX_LISTED = 8;

/**
 * Replace the unique occurrence of `search` in `text` with `replace`. Tries, in order: exact text;
 * the same lines ignoring trailing whitespace, line endings and tabs-vs-spaces; the same lines at another
 * indentation (the replacement is re-indented by the same amount); either of those with blank lines
 * ignored; a close, unique fuzzy match.
 * Lines outside the match are never touched; the file's line endings and final newline are kept.
 * @throws EditError `empty_search`, `no_change`, `no_match` (quoting the closest lines) or `ambiguous`.
 */
export function applySearchReplace(text: string, search: string, replace: string, path = 'the file'): SearchReplaceResult {
  if (search.trim() === '') {
    throw new EditError(
      'empty_search',
      `The search text for ${path} is empty.`,
      'quote the lines to change in search, or use create_file to write a new file',
      path,
    );
  }
  if (search === replace) {
    throw new EditError('no_change', `Search and replace are identical: the edit to ${path} changes nothing.`, undefined, path);
  }
  const bom = text.startsWith('\uFEFF') ? '\uFEFF' : '';
  const src = bom ? text.slice(1) : text;
  const result = exactMatch(src, search, replace, path) ?? lineMatch(src, search, replace, path);
  if (result.text === src) {
    throw new EditError('no_change', `The edit to ${path} leaves the file unchanged.`, undefined, path);
  }
  return { ...result, text: bom + result.text };
}

function exactMatch(src: string, search: string, replace: string, path: string): SearchReplaceResult | null {
  const hits: number[] = [];
  for (let i = src.indexOf(search); i >= 0 && hits.length <= MAX_LISTED; i = src.indexOf(search, i + 1)) hits.push(i);
  if (hits.length === 0) return null;
  const lineOf = (pos: number) => countNewlines(src, 0, pos) + 1;
  const span = countNewlines(search.replace(/\r?\n$/, ''), 0, search.length);
  if (hits.length > 1) throw ambiguous(path, hits.map((h) => [lineOf(h), lineOf(h) + span] as [number, number]));
  // A text without line breaks has no line ending of its own: the replacement keeps the one it was sent with.
  const eol = src.includes('\n') ? dominantEol(src) : /\r\n/.test(replace) ? '\r\n' : '\n';
  // The replacement follows the search's trailing newline, so "replace these lines" keeps lines apart.
  let rep = replace.replace(/\r?\n/g, eol);
  const searchEndsNl = /\n$/.test(search);
  if (rep !== '') {
    if (searchEndsNl && !rep.endsWith('\n')) rep += eol;
    else if (!searchEndsNl && rep.endsWith('\n')) rep = rep.slice(0, rep.endsWith('\r\n') ? -2 : -1);
  }
  const at = hits[0]!;
  const line = lineOf(at);
  return {
    text: src.slice(0, at) + rep + src.slice(at + search.length),
    matchedBy: 'exact',
    line,
    endLine: line + span,
    similarity: 1,
  };
}

function countNewlines(s: string, from: number, to: number): number {
  let n = 0;
  for (let i = s.indexOf('\n', from); i >= 0 && i < to; i = s.indexOf('\n', i + 1)) n++;
  return n;
}

interface Window {
  start: number;
  /** End of the matched lines (exclusive); start + search lines unless blank lines were skipped. */
  end?: number;
  /** File line matched by each search line (-1 for a search blank line the file lacks); default start + i. */
  map?: number[];
  /** Columns to add to the search's indentation to get the file's. */
  delta: number;
  similarity: number;
}

function lineMatch(src: string, search: string, replace: string, path: string): SearchReplaceResult {
  const lines = splitLines(src);
  const F = lines.map((l) => l.text);
  const S = blockLines(search);
  const R = blockLines(replace);
  const replaceEol = /\r\n/.test(replace) ? '\r\n' : '\n';
  const Fb = F.map(body);
  const Sb = S.map(body);
  const n = S.length;

  const sameIndent: Window[] = [];
  const shifted: Window[] = [];
  for (let j = 0; j + n <= F.length; j++) {
    let delta: number | null = null;
    let consistent = true;
    let i = 0;
    for (; i < n; i++) {
      if (Fb[j + i] !== Sb[i]) break;
      if (Sb[i] === '') continue;
      const d = indentWidth(F[j + i]!) - indentWidth(S[i]!);
      if (delta === null) delta = d;
      else if (d !== delta) consistent = false;
    }
    if (i < n || !consistent) continue;
    const w = { start: j, delta: delta ?? 0, similarity: 1 };
    (w.delta === 0 ? sameIndent : shifted).push(w);
  }
  if (!sameIndent.length && !shifted.length) {
    for (const w of blankInsensitive(F, Fb, S, Sb)) (w.delta === 0 ? sameIndent : shifted).push(w);
  }
  for (const [kind, found] of [['whitespace', sameIndent], ['indentation', shifted]] as const) {
    if (found.length > 1) throw ambiguous(path, found.map((w) => [w.start + 1, w.end ?? w.start + n] as [number, number]));
    if (found.length === 1) return splice(lines, found[0]!, S, R, kind, replaceEol);
  }

  const fuzzy = fuzzyCandidates(F, Fb, S, Sb);
  const [best, second] = fuzzy;
  if (best && best.similarity >= FUZZY_THRESHOLD) {
    if (second && second.similarity > best.similarity - FUZZY_MARGIN) {
      const close = fuzzy.filter((w) => w.similarity > best.similarity - FUZZY_MARGIN);
      throw ambiguous(path, close.map((w) => [w.start + 1, w.start + n] as [number, number]), true);
    }
    return splice(lines, best, S, R, 'fuzzy', replaceEol);
  }
  throw noMatch(path, F, S, Sb, best);
}

/**
 * The same lines with blank lines ignored on both sides (the model left out or added an empty line), the
 * indentation shifted consistently or not at all.
 */
function blankInsensitive(F: string[], Fb: string[], S: string[], Sb: string[]): Window[] {
  const nbS = Sb.flatMap((b, i) => (b === '' ? [] : [i]));
  const nbF = Fb.flatMap((b, j) => (b === '' ? [] : [j]));
  const m = nbS.length;
  const out: Window[] = [];
  if (m < 2) return out;
  for (let k = 0; k + m <= nbF.length; k++) {
    let delta: number | null = null;
    let t = 0;
    for (; t < m; t++) {
      const j = nbF[k + t]!;
      const i = nbS[t]!;
      if (Fb[j] !== Sb[i]) break;
      const d = indentWidth(F[j]!) - indentWidth(S[i]!);
      if (delta === null) delta = d;
      else if (d !== delta) break;
    }
    if (t < m) continue;
    const map = S.map(() => -1);
    nbS.forEach((i, u) => (map[i] = nbF[k + u]!));
    out.push({ start: nbF[k]!, end: nbF[k + m - 1]! + 1, map, delta: delta ?? 0, similarity: 1 });
  }
  return out;
}

/** Windows of the file ranked by similarity to the search block (best first), or [] when too costly. */
function fuzzyCandidates(F: string[], Fb: string[], S: string[], Sb: string[]): Window[] {
  const n = S.length;
  if (n === 0 || n > FUZZY_MAX_LINES || F.length < n) return [];
  // Rough scores only choose which windows get the exact measure; the decision uses the exact one.
  // Windows sharing a verbatim line with the search come first; a scan of every window is the fallback.
  let starts = n >= 2 ? roughByAnchors(Fb, Sb) : [];
  if (!starts.length && F.length * n <= FUZZY_SCAN_WORK) starts = roughByDice(Fb, Sb);
  const windows = starts.map((start) => {
    let dist = 0;
    let size = 0;
    for (let i = 0; i < n; i++) {
      const a = Fb[start + i]!;
      const b = Sb[i]!;
      dist += lineDistance(a, b);
      size += Math.max(a.length, b.length);
    }
    return { start, delta: blockDelta(F, S, start), similarity: size === 0 ? 0 : 1 - dist / size };
  });
  return windows.sort((a, b) => b.similarity - a.similarity || a.start - b.start);
}

/** Edit distance of two lines; estimated from bigrams for lines too long to compare exactly (minified code). */
function lineDistance(a: string, b: string): number {
  if (a === b) return 0;
  if (a.length * b.length <= MAX_EXACT_CELLS) return levenshtein(a, b);
  return Math.round((1 - dice(bigrams(a), bigrams(b))) * Math.max(a.length, b.length));
}

/** Every window scored by the mean bigram similarity of its lines; the best few are returned. */
function roughByDice(Fb: string[], Sb: string[]): number[] {
  const n = Sb.length;
  const fg = Fb.map(bigrams);
  const sg = Sb.map(bigrams);
  const rough: Array<{ start: number; score: number }> = [];
  for (let j = 0; j + n <= Fb.length; j++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += dice(fg[j + i]!, sg[i]!);
    rough.push({ start: j, score: s / n });
  }
  rough.sort((a, b) => b.score - a.score);
  const top = rough[0]!.score;
  return rough.filter((r, k) => k < 8 || (r.score >= top - 0.15 && k < 64)).map((r) => r.start);
}

/**
 * Windows voted for by search lines that occur verbatim in the file: a block worth matching fuzzily shares
 * most of its lines with its place in the file. Linear in the file's size.
 */
function roughByAnchors(Fb: string[], Sb: string[]): number[] {
  const n = Sb.length;
  const at = new Map<string, number[]>();
  Fb.forEach((b, j) => {
    if (b.length < 2) return;
    const list = at.get(b);
    if (list) list.push(j);
    else at.set(b, [j]);
  });
  const votes = new Map<number, number>();
  Sb.forEach((b, i) => {
    const hits = at.get(b);
    // Lines found everywhere (a lone brace) say nothing about where the block is.
    if (!hits || hits.length > 50) return;
    for (const j of hits) {
      const start = j - i;
      if (start >= 0 && start + n <= Fb.length) votes.set(start, (votes.get(start) ?? 0) + 1);
    }
  });
  return [...votes.entries()]
    .sort((a, b) => b[1] - a[1] || a[0] - b[0])
    .slice(0, 32)
    .map(([start]) => start);
}

/** Indentation shift between the search block and the file window, from the first lines both indent. */
function blockDelta(F: string[], S: string[], start: number): number {
  for (let i = 0; i < S.length; i++) {
    if (!isBlank(S[i]!) && !isBlank(F[start + i]!)) return indentWidth(F[start + i]!) - indentWidth(S[i]!);
  }
  return 0;
}

/**
 * Replace the window's lines with the replacement. Replacement lines that repeat a search line verbatim
 * are context: they keep the file's own line, so only the lines the model changed are written. Blank lines
 * of the file that the search left out are kept between two context lines.
 */
function splice(lines: Line[], w: Window, S: string[], R: string[], kind: MatchKind, replaceEol: '\n' | '\r\n'): SearchReplaceResult {
  const start = w.start;
  const end = w.end ?? start + S.length;
  const map = w.map ?? S.map((_, i) => start + i);
  const matched = map.map((j) => (j >= 0 ? lines[j]!.text : ''));
  const useTabs = usesTabs(lines.slice(start, end).map((l) => l.text)) ?? usesTabs(lines.map((l) => l.text)) ?? false;
  const toFile = indentMapping(matched, S, w.delta);
  const fromSearch = new Map<number, number>();
  for (const [si, ri] of lcsPairs(S, R)) fromSearch.set(ri, si);
  const mapped = new Set(map);
  const text = joinLines(lines);
  const eol = text.includes('\n') ? dominantEol(text) : replaceEol;
  const out: Line[] = [];
  R.forEach((r, k) => {
    const si = fromSearch.get(k);
    const j = si !== undefined ? map[si]! : -1;
    if (j < 0) {
      out.push({ text: setIndent(r, toFile(indentWidth(r)), useTabs), eol });
      return;
    }
    out.push({ text: lines[j]!.text, eol });
    // File lines the search skipped after this one stay, unless the model deleted what follows them.
    let ni = si! + 1;
    while (ni < S.length && map[ni]! < 0) ni++;
    const nextSi = fromSearch.get(k + 1);
    if (ni < S.length && k + 1 < R.length && (nextSi === undefined || nextSi <= ni)) {
      for (let x = j + 1; x < map[ni]!; x++) if (!mapped.has(x)) out.push({ text: lines[x]!.text, eol });
    }
  });
  if (out.length) out[out.length - 1]!.eol = lines[end - 1]!.eol;
  // Deleting a file's last lines leaves the line before them as it was, newline included.
  const next = [...lines.slice(0, start), ...out, ...lines.slice(end)];
  return { text: joinLines(next), matchedBy: kind, line: start + 1, endLine: end, similarity: w.similarity };
}

/**
 * How a search indentation width translates to the file's: widths seen on matched lines map directly,
 * others scale with the two blocks' indentation steps (2-space search for a tab-indented file).
 */
function indentMapping(block: string[], S: string[], delta: number): (w: number) => number {
  const seen = new Map<number, number>();
  for (let i = 0; i < S.length; i++) {
    if (isBlank(S[i]!) || isBlank(block[i]!)) continue;
    const sw = indentWidth(S[i]!);
    if (!seen.has(sw)) seen.set(sw, indentWidth(block[i]!));
  }
  const keys = [...seen.keys()].sort((a, b) => a - b);
  if (keys.length < 2) return (w) => w + delta;
  const lo = keys[0]!;
  const hi = keys[keys.length - 1]!;
  const scale = (seen.get(hi)! - seen.get(lo)!) / (hi - lo);
  return (w) => seen.get(w) ?? (scale > 0 ? Math.round(seen.get(lo)! + (w - lo) * scale) : w + delta);
}

/** True/false when the indented lines use tabs/spaces; undefined when none is indented. */
function usesTabs(texts: string[]): boolean | undefined {
  for (const t of texts) {
    if (t.startsWith('\t')) return true;
    if (t.startsWith(' ') && !isBlank(t)) return false;
  }
  return undefined;
}

function ambiguous(path: string, ranges: Array<[number, number]>, fuzzy = false): EditError {
  const shown = ranges.slice(0, MAX_LISTED).map(([a, b]) => (a === b ? `line ${a}` : `lines ${a}-${b}`));
  const more = ranges.length > MAX_LISTED ? ' and more' : '';
  const what = fuzzy ? 'is about equally close to' : 'matches';
  return new EditError(
    'ambiguous',
    `The search text ${what} ${ranges.length > MAX_LISTED ? 'more than ' + MAX_LISTED : ranges.length} places in ${path}: ${shown.join(', ')}${more}.`,
    'add a few surrounding lines to the search so it matches exactly one place',
    path,
  );
}

function noMatch(path: string, F: string[], S: string[], Sb: string[], best: Window | undefined): EditError {
  let closest: string;
  if (best && best.similarity > 0.3) {
    const n = S.length;
    const diffAt = Sb.findIndex((b, i) => b !== body(F[best.start + i]!));
    const pct = Math.round(best.similarity * 100);
    closest = `The closest lines (${pct}% similar) are ${best.start + 1}-${best.start + n}:\n${numbered(F, best.start, best.start + n - 1)}`;
    if (diffAt >= 0) {
      closest += `\nFirst difference: search line ${diffAt + 1} is \`${S[diffAt]!.trim()}\` but line ${best.start + diffAt + 1} is \`${F[best.start + diffAt]!.trim()}\`.`;
    }
  } else {
    const first = Sb.find((b) => b !== '') ?? '';
    const fg = bigrams(first);
    let at = -1;
    let score = 0;
    F.forEach((f, i) => {
      const s = dice(bigrams(body(f)), fg);
      if (s > score) [at, score] = [i, s];
    });
    closest =
      at >= 0 && score > 0.3
        ? `The line most like the first search line is ${at + 1}:\n${numbered(F, at - 2, at + 2)}`
        : 'No line of the file resembles the search text.';
  }
  return new EditError(
    'no_match',
    `The search text was not found in ${path}.\n${closest}`,
    'copy the lines to change exactly as read_file shows them (without the line numbers), then retry',
    path,
  );
}
