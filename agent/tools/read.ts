/**
 * The read-only tools: `search_code`, `read_file`, `list_symbols`. Each returns text for the model, or throws
 * a ToolError whose message tells the model what to do instead.
 */

import { languageForPath } from '../../indexers/parse/languages.js';
import { parseFile } from '../../indexers/parse/index.js';
import type { EditPort, RetrievalPort } from '../deps.js';
import { ToolError } from './errors.js';

// A whole file of this size is readable in one call; longer ones are paged so one read cannot flood the window.
const MAX_READ_LINES = 250;
const SEARCH_RESULTS = 10;

/** `search_code {query}`: the best-ranked symbols and chunks, one per line. */
export async function searchCode(retrieval: RetrievalPort | null, query: string): Promise<{ output: string; summary: string }> {
  if (!retrieval) throw new ToolError('the repository has no index, so search_code is unavailable; use read_file and list_symbols');
  if (!query.trim()) throw new ToolError('the query is empty; search for identifiers, error text or plain words');
  let hits: Awaited<ReturnType<RetrievalPort['search']>>;
  try {
    hits = await retrieval.search(query, SEARCH_RESULTS);
  } catch (err) {
    if (err instanceof Error && (err.name === 'AbortError' || err.name === 'CancelledError')) throw err;
    throw new ToolError(`search_code failed (${err instanceof Error ? err.message : String(err)}); use read_file and list_symbols instead`);
  }
  if (!hits.length) return { output: `No results for ${JSON.stringify(query)}. Try other words or identifiers.`, summary: '0 results' };
  const lines = hits.map((h) => {
    const what = h.name ? `${h.kind} ${h.name}` : h.kind;
    const sig = h.signature && h.signature !== h.name ? ` — ${oneLine(h.signature)}` : '';
    return `${h.path}:${h.startLine}-${h.endLine} ${what}${sig}`;
  });
  return { output: lines.join('\n'), summary: `${hits.length} result${hits.length === 1 ? '' : 's'}, top ${hits[0]!.path}:${hits[0]!.startLine}` };
}

/**
 * `read_file {path, start_line?, end_line?}`: numbered lines, paged past MAX_READ_LINES lines or `maxChars`
 * characters (so one read cannot crowd a small window).
 */
export async function readFile(
  edits: EditPort,
  path: string,
  startLine?: number,
  endLine?: number,
  maxChars = Infinity,
): Promise<{ output: string; summary: string }> {
  const text = await edits.readText(path);
  const lines = splitForDisplay(text);
  const total = lines.length;
  if (total === 0) return { output: `${path} is empty.`, summary: 'empty file' };
  const from = Math.max(1, startLine ?? 1);
  if (from > total) throw new ToolError(`${path} has ${total} lines; start_line ${from} is past the end`);
  const wanted = Math.max(from, Math.min(total, endLine ?? total));
  let to = Math.min(wanted, from + MAX_READ_LINES - 1);
  let chars = 0;
  for (let n = from; n <= to; n++) {
    chars += lines[n - 1]!.length + String(n).length + 3;
    if (chars > maxChars && n > from) {
      to = n - 1;
      break;
    }
  }
  const body = numberLines(lines, from, to);
  const more = to < wanted ? `\n(lines ${from}-${to} of ${total}; call read_file with start_line ${to + 1} to read on)` : '';
  return { output: `${path} (lines ${from}-${to} of ${total})\n${body}${more}`, summary: `${path}:${from}-${to}` };
}

/** `list_symbols {path}`: the definitions tree-sitter finds, with line ranges and signatures. */
export async function listSymbols(edits: EditPort, path: string): Promise<{ output: string; summary: string }> {
  const text = await edits.readText(path);
  const language = languageForPath(path);
  if (language === 'text') throw new ToolError(`${path} is not a source file ragent can parse; use read_file`);
  const parsed = parseFile(path, text, language);
  if (!parsed.symbols.length) return { output: `${path} defines no functions, classes or methods.`, summary: '0 symbols' };
  const lines = parsed.symbols.map((s) => {
    const indent = '  '.repeat(s.qualifiedName.split('.').length - 1);
    return `${indent}${s.kind} ${s.qualifiedName} (lines ${s.startLine}-${s.endLine}): ${oneLine(s.signature)}`;
  });
  const note = parsed.hasErrors ? `\n(the file has syntax errors near line(s) ${parsed.errorLines.join(', ')})` : '';
  return { output: lines.join('\n') + note, summary: `${parsed.symbols.length} symbols` };
}

/** Lines as shown to the model: no trailing empty line for a final newline, CR stripped. */
function splitForDisplay(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** Lines `from`..`to` (1-based, inclusive) as `N| text`, the numbering the packed context uses too. */
export function numberLines(lines: string[], from: number, to: number): string {
  const out: string[] = [];
  for (let n = from; n <= to; n++) out.push(lines[n - 1] ? `${n}| ${lines[n - 1]}` : `${n}|`);
  return out.join('\n');
}

const NUMBERED = /^(\d+)\|(?: (.*))?$/;

/**
 * Undo `numberLines`: when every line of `text` carries a `N| ` prefix with consecutive numbers (a model
 * copied lines from read_file or the context with their numbers), return the text without them; else null.
 */
export function stripLineNumbers(text: string): string | null {
  const lines = text.split('\n');
  if (lines.length && lines[lines.length - 1] === '') lines.pop();
  if (!lines.length) return null;
  const out: string[] = [];
  let expected: number | null = null;
  for (const line of lines) {
    const m = NUMBERED.exec(line.endsWith('\r') ? line.slice(0, -1) : line);
    if (!m) return null;
    const n = Number(m[1]);
    if (expected !== null && n !== expected) return null;
    expected = n + 1;
    out.push(m[2] ?? '');
  }
  return out.join('\n') + (text.endsWith('\n') ? '\n' : '');
}

function oneLine(s: string): string {
  const flat = s.replace(/\s+/g, ' ').trim();
  return flat.length > 160 ? flat.slice(0, 157) + '...' : flat;
}
