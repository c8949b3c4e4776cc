import { createHash } from 'node:crypto';
import { IdentifierTable } from './identifier-table.js';
import { codeTokens } from './tokenize.js';
import type { ChunkKind, ChunkRecord, ParsedFile, ParsedSymbol } from './types.js';

/** How a file is cut into chunks. */
export interface ChunkOptions {
  /** Content hash of the file, part of every chunk id. */
  fileHash: string;
  /** A symbol (or a stretch of text) longer than this many lines is split. */
  chunkMaxLines: number;
}

/**
 * Cut a parsed file into the rows that get embedded and searched.
 *
 * - Every symbol gets its own chunk, nested ones included, because retrieval works at symbol granularity.
 *   A symbol that fits in `chunkMaxLines` is one chunk holding all of its code, children too (so a short
 *   class appears whole, and each of its methods again on its own).
 * - A longer symbol with children (a class with methods) is split around them: its parts hold only its own
 *   lines, each child shown as a one-line stub `signature …`, so no method's lines are stored twice. A longer
 *   symbol without children is split at blank lines or statement starts. Parts after the first open with the
 *   signature as a header line.
 * - One 'header' chunk holds the lines before the first symbol (imports, module doc); top-level code between
 *   symbols that is more than comments (scripts, test suites, `module.exports = …`) becomes 'text' chunks.
 * - Plain-text files are cut into pieces of about `chunkMaxLines` lines at headings or blank lines.
 *
 * No chunk is empty or only blank lines. Lines are 1-based and inclusive.
 */
export function chunkFile(parsed: ParsedFile, text: string, opts: ChunkOptions): ChunkRecord[] {
  const lines = splitLines(text);
  const max = Math.max(1, Math.floor(opts.chunkMaxLines));
  const out: ChunkRecord[] = [];
  const emit = makeEmitter(parsed, opts.fileHash, out);
  if (parsed.language === 'text') {
    textPieces(lines, 1, lines.length, max).forEach((p, i) => {
      const name = headingOf(lines, p.start, p.end);
      emit({ kind: 'text', name, qualifiedName: name, part: `text:${i + 1}`, start: p.start, end: p.end, code: slice(lines, p.start, p.end) });
    });
    return out;
  }
  const symbols = parsed.symbols;
  const topLevel = symbols.filter((s) => s.parent === null).sort((a, b) => a.startLine - b.startLine);
  const firstStart = topLevel.length ? topLevel[0]!.startLine : lines.length + 1;
  textPieces(lines, 1, headerEnd(lines, firstStart, topLevel[0], parsed.language === 'python'), max).forEach((p, i) => {
    emit({ kind: 'header', name: '', qualifiedName: '', part: `header:${i + 1}`, start: p.start, end: p.end, code: slice(lines, p.start, p.end), doc: i === 0 ? parsed.moduleDoc : '' });
  });
  // Top-level code between and after symbols.
  let covered = firstStart - 1;
  const gaps: Array<[number, number]> = [];
  for (const s of topLevel) {
    if (s.startLine > covered + 1) gaps.push([covered + 1, s.startLine - 1]);
    covered = Math.max(covered, s.endLine);
  }
  if (covered < lines.length) gaps.push([covered + 1, lines.length]);
  for (const [from, to] of gaps) {
    if (!hasCode(lines, from, to, parsed.language === 'python')) continue;
    textPieces(lines, from, to, max).forEach((p, i) => {
      emit({ kind: 'text', name: '', qualifiedName: '', part: `code:${p.start}:${i + 1}`, start: p.start, end: p.end, code: slice(lines, p.start, p.end) });
    });
  }
  const occurrences = new Map<string, number>();
  const childrenOf = new Map<string, ParsedSymbol[]>();
  for (const s of symbols) {
    if (s.parent === null) continue;
    const list = childrenOf.get(s.parent) ?? [];
    list.push(s);
    childrenOf.set(s.parent, list);
  }
  for (const sym of symbols) {
    const seen = occurrences.get(sym.qualifiedName) ?? 0;
    occurrences.set(sym.qualifiedName, seen + 1);
    const key = seen === 0 ? sym.qualifiedName : `${sym.qualifiedName}#${seen + 1}`;
    const start = Math.max(1, sym.startLine);
    const end = Math.min(lines.length, Math.max(start, sym.endLine));
    const base = { kind: sym.kind as ChunkKind, name: sym.name, qualifiedName: sym.qualifiedName, signature: sym.signature, doc: sym.doc, parent: sym.parent ?? '' };
    if (end - start + 1 <= max) {
      emit({ ...base, part: `${key}:1`, start, end, code: slice(lines, start, end) });
      continue;
    }
    const children = (childrenOf.get(sym.qualifiedName) ?? [])
      .filter((c) => c.startLine >= start && c.endLine <= end)
      .sort((a, b) => a.startLine - b.startLine);
    const parts = children.length ? partsAroundChildren(lines, start, end, children, max) : partsByLines(lines, start, end, max);
    parts.forEach((p, i) => {
      const code = i === 0 ? p.code : `${indentOf(lines[start - 1] ?? '')}${sym.signature} …\n${p.code}`;
      emit({ ...base, part: `${key}:${i + 1}`, start: p.start, end: p.end, code, partLabel: `part ${i + 1} of ${parts.length}` });
    });
  }
  return out;
}

interface Piece {
  start: number;
  end: number;
}

interface Part extends Piece {
  code: string;
}

interface Emitted extends Piece {
  kind: ChunkKind;
  name: string;
  qualifiedName: string;
  part: string;
  code: string;
  signature?: string;
  doc?: string;
  parent?: string;
  partLabel?: string;
}

function makeEmitter(parsed: ParsedFile, fileHash: string, out: ChunkRecord[]): (e: Emitted) => void {
  const pathTokens = codeTokens(parsed.path).join(' ');
  return (e) => {
    if (e.code.trim() === '') return;
    const signature = e.signature ?? '';
    const doc = e.doc ?? '';
    const head = [parsed.path];
    if (e.kind === 'header') head.push('file header');
    else if (e.qualifiedName) head.push(`${e.kind} ${e.qualifiedName}${e.partLabel ? ` (${e.partLabel})` : ''}`);
    if (signature) head.push(signature);
    if (doc) head.push(docSummary(doc));
    const tokens = [cachedCodeTokens(e.code)];
    // A JSDoc comment sits above the symbol's first line, outside its code: search it too.
    if (doc && !e.code.includes(doc.split('\n', 1)[0]!)) tokens.push(cachedCodeTokens(doc));
    tokens.push(pathTokens);
    out.push({
      id: chunkId(parsed.path, e.qualifiedName, e.part, fileHash),
      path: parsed.path,
      fileHash,
      language: parsed.language,
      kind: e.kind,
      name: e.name,
      qualifiedName: e.qualifiedName,
      signature,
      doc,
      startLine: e.start,
      endLine: e.end,
      parent: e.parent ?? '',
      text: `${head.join('\n')}\n\n${e.code}`,
      tokens: tokens.filter(Boolean).join(' '),
    });
  };
}

/** Each identifier's search tokens, joined: identifiers repeat so much that splitting each once pays. */
const tokenTable = new IdentifierTable((id) => codeTokens(id).join(' '));
const found: string[] = [];
const parts: string[] = [];

/** `codeTokens(code).join(' ')`, from the tokens of each identifier occurrence. */
function cachedCodeTokens(code: string): string {
  const n = tokenTable.collect(code, found);
  parts.length = 0;
  for (let k = 0; k < n; k++) if (found[k]) parts.push(found[k]!);
  return parts.join(' ');
}

const SUMMARY_MAX = 400;

/**
 * The doc as it heads the embedded text: its first paragraph, capped. Long docstrings are already in the code
 * (Python) or in the `doc` column; repeating them whole in every part would drown the code.
 */
function docSummary(doc: string): string {
  const para = doc.split(/\n\s*\n/, 1)[0]!.trim();
  return para.length > SUMMARY_MAX ? `${para.slice(0, SUMMARY_MAX - 1)}…` : para;
}

/** Stable chunk id: the same path, symbol, part and content always give the same id. */
export function chunkId(path: string, qualifiedName: string, part: string, fileHash: string): string {
  return createHash('sha1').update(`${path}\0${qualifiedName}\0${part}\0${fileHash}`).digest('hex');
}

/** Lines without terminators; a BOM and CR of CRLF endings are dropped. */
function splitLines(text: string): string[] {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const lines = body.split('\n');
  for (let i = 0; i < lines.length; i++) if (lines[i]!.endsWith('\r')) lines[i] = lines[i]!.slice(0, -1);
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

function slice(lines: string[], start: number, end: number): string {
  return lines.slice(start - 1, end).join('\n');
}

function isBlank(line: string | undefined): boolean {
  return line === undefined || line.trim() === '';
}

function indentOf(line: string): string {
  return /^[ \t]*/.exec(line)![0];
}

const COMMENT_LINE_PY = /^\s*(#|$)/;
const COMMENT_LINE_JS = /^\s*(\/\/|\/\*|\*|$)/;

/** True when lines `from`..`to` hold more than comments and blank lines. */
function hasCode(lines: string[], from: number, to: number, python: boolean): boolean {
  const comment = python ? COMMENT_LINE_PY : COMMENT_LINE_JS;
  for (let i = from; i <= to; i++) if (!comment.test(lines[i - 1] ?? '')) return true;
  return false;
}

/**
 * Last line of the file header: the lines before the first symbol, without the first symbol's own JSDoc
 * (that belongs to the symbol's chunk).
 */
function headerEnd(lines: string[], firstStart: number, first: ParsedSymbol | undefined, python: boolean): number {
  let e = firstStart - 1;
  if (!first || !first.doc || python) return e;
  if (!/\*\/\s*$/.test(lines[e - 1] ?? '')) return e;
  while (e >= 1 && !/^\s*\/\*\*/.test(lines[e - 1]!)) e--;
  return e >= 1 ? e - 1 : firstStart - 1;
}

const HEADING = /^\s{0,3}#{1,6}\s+\S/;

function headingOf(lines: string[], start: number, end: number): string {
  for (let i = start; i <= end; i++) {
    const line = lines[i - 1]!;
    if (HEADING.test(line)) return line.replace(/^\s*#+\s*/, '').replace(/\s*#*\s*$/, '');
  }
  return '';
}

/**
 * Lines `from`..`to` cut into pieces of at most `max` lines, breaking before a heading or after a blank line
 * in the second half of a piece when there is one. Blank edges are trimmed; blank pieces dropped.
 */
function textPieces(lines: string[], from: number, to: number, max: number): Piece[] {
  const pieces: Piece[] = [];
  let s = from;
  while (s <= to) {
    while (s <= to && isBlank(lines[s - 1])) s++;
    if (s > to) break;
    let e = Math.min(to, s + max - 1);
    if (e < to) {
      const floor = s + Math.floor(max / 2);
      let cut = -1;
      for (let i = e + 1; i > floor; i--) {
        if (HEADING.test(lines[i - 1] ?? '')) { cut = i - 1; break; }
      }
      if (cut < 0) for (let i = e; i > floor; i--) if (isBlank(lines[i - 1])) { cut = i; break; }
      if (cut >= s) e = cut;
    }
    let t = e;
    while (t > s && isBlank(lines[t - 1])) t--;
    pieces.push({ start: s, end: t });
    s = e + 1;
  }
  return pieces;
}

/**
 * A long symbol without children cut into parts of at most `max - 1` lines (one is kept for the header line),
 * preferring to break after a blank line or before a line as shallow as the body's first statement.
 */
function partsByLines(lines: string[], start: number, end: number, max: number): Part[] {
  const room = Math.max(1, max - 1);
  const bodyIndent = (() => {
    for (let i = start + 1; i <= end; i++) if (!isBlank(lines[i - 1])) return indentOf(lines[i - 1]!).length;
    return 0;
  })();
  const parts: Part[] = [];
  let s = start;
  while (s <= end) {
    let e = Math.min(end, s + room - 1);
    if (e < end) {
      const floor = s + Math.floor(room / 2);
      for (let i = e; i > floor; i--) {
        const next = lines[i] ?? '';
        if (isBlank(lines[i - 1]) || (!isBlank(next) && indentOf(next).length <= bodyIndent && !/^\s*[)\]}.]/.test(next))) {
          e = i;
          break;
        }
      }
    }
    if (lines.slice(s - 1, e).some((l) => !isBlank(l))) parts.push({ start: s, end: e, code: slice(lines, s, e) });
    s = e + 1;
  }
  return parts;
}

/** A long symbol's own lines, each child replaced by a stub line, grouped into parts of at most `max` lines. */
function partsAroundChildren(lines: string[], start: number, end: number, children: ParsedSymbol[], max: number): Part[] {
  type Item = { start: number; end: number; stub?: string };
  const items: Item[] = [];
  let cursor = start;
  let lastEnd = start - 1;
  for (const c of children) {
    if (c.startLine <= lastEnd) continue; // overlapping child (should not happen): keep the first
    if (c.startLine > cursor) pushRun(items, lines, cursor, c.startLine - 1, max);
    items.push({ start: c.startLine, end: c.endLine, stub: `${indentOf(lines[c.startLine - 1] ?? '')}${c.signature} …` });
    cursor = c.endLine + 1;
    lastEnd = c.endLine;
  }
  if (cursor <= end) pushRun(items, lines, cursor, end, max);
  const room = Math.max(1, max - 1);
  const parts: Part[] = [];
  let group: Item[] = [];
  let size = 0;
  const flush = (): void => {
    if (!group.length) return;
    const code = group.map((it) => it.stub ?? slice(lines, it.start, it.end)).join('\n');
    if (code.trim()) parts.push({ start: group[0]!.start, end: group[group.length - 1]!.end, code });
    group = [];
    size = 0;
  };
  for (const it of items) {
    const n = it.stub ? 1 : it.end - it.start + 1;
    if (size + n > room && group.length) flush();
    group.push(it);
    size += n;
  }
  flush();
  return parts;
}

/** Own lines between children; runs longer than a part are cut by lines; blank runs dropped. */
function pushRun(items: Array<{ start: number; end: number }>, lines: string[], from: number, to: number, max: number): void {
  let s = from;
  let e = to;
  while (s <= e && isBlank(lines[s - 1])) s++;
  while (e >= s && isBlank(lines[e - 1])) e--;
  if (s > e) return;
  const room = Math.max(1, max - 1);
  for (let a = s; a <= e; a += room) items.push({ start: a, end: Math.min(e, a + room - 1) });
}
