/**
 * Reads a Python `def`/`class` header straight from the source text: name, the `:` that ends it, parameter
 * names and the docstring. Doing this in JS instead of through tree-sitter node objects avoids dozens of
 * native calls per definition, which is most of the extraction cost on large trees.
 */

import { pythonStringText } from './draft.js';

export interface PythonHeader {
  name: string;
  /** Offset of the `:` that ends the header (the definition's end when it is missing). */
  colon: number;
  params: string[];
  doc: string;
}

function isIdentStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c > 127;
}
function isIdentPart(c: number): boolean {
  return isIdentStart(c) || (c >= 48 && c <= 57);
}
function isBlank(c: number): boolean {
  return c === 32 || c === 9 || c === 12 || c === 13 || c === 92; // a backslash continues the line
}

/** Offset just past the string literal whose opening quote is at `i`. */
function skipString(text: string, i: number, end: number): number {
  const q = text.charCodeAt(i);
  const triple = text.charCodeAt(i + 1) === q && text.charCodeAt(i + 2) === q;
  i += triple ? 3 : 1;
  while (i < end) {
    const c = text.charCodeAt(i);
    if (c === 92) { i += 2; continue; }
    if (!triple && c === 10) return i;
    if (c === q && (!triple || (text.charCodeAt(i + 1) === q && text.charCodeAt(i + 2) === q))) return i + (triple ? 3 : 1);
    i++;
  }
  return end;
}

/** Offset of a string literal's opening quote if one (with an optional prefix such as `r` or `b`) starts at `i`. */
function stringQuoteAt(text: string, i: number): number {
  for (let k = 0; k <= 2; k++) {
    const c = text.charCodeAt(i + k);
    if (c === 34 || c === 39) return i + k;
    if (!/[rRuUbBfF]/.test(text[i + k] ?? '')) return -1;
  }
  return -1;
}

/** Parse the header of the definition whose `def`, `async def` or `class` keyword starts at `start`. */
export function readPythonHeader(text: string, start: number, end: number, isClass: boolean): PythonHeader {
  let i = start;
  // Keywords: `async def`, `def`, `class`.
  while (i < end) {
    while (i < end && isIdentPart(text.charCodeAt(i))) i++;
    const word = text.slice(start, i);
    while (i < end && isBlank(text.charCodeAt(i))) i++;
    if (word.endsWith('def') || word.endsWith('class')) break;
    start = i;
  }
  const nameStart = i;
  while (i < end && isIdentPart(text.charCodeAt(i))) i++;
  const name = text.slice(nameStart, i);
  const params: string[] = [];
  let depth = 0;
  let inParams = false;
  let expectParam = false;
  let colon = -1;
  while (i < end) {
    const c = text.charCodeAt(i);
    if (c === 35) { // comment to the end of the line
      while (i < end && text.charCodeAt(i) !== 10) i++;
      continue;
    }
    if (c === 34 || c === 39) { i = skipString(text, i, end); expectParam = false; continue; }
    if (c === 40 || c === 91 || c === 123) {
      depth++;
      if (depth === 1 && c === 40 && !isClass && params.length === 0 && !inParams) { inParams = true; expectParam = true; }
      i++;
      continue;
    }
    if (c === 41 || c === 93 || c === 125) {
      depth--;
      if (depth === 0) inParams = false;
      i++;
      continue;
    }
    if (depth === 0 && c === 58) { colon = i; break; }
    if (inParams && depth === 1) {
      if (c === 44) { expectParam = true; i++; continue; }
      if (expectParam && isIdentStart(c)) {
        const s = i;
        while (i < end && isIdentPart(text.charCodeAt(i))) i++;
        params.push(text.slice(s, i));
        expectParam = false;
        continue;
      }
      if (expectParam && c !== 42 && c !== 47 && c > 32) expectParam = false; // `*`, `/` and spaces keep waiting
    }
    i++;
  }
  if (colon < 0) return { name, colon: end, params, doc: '' };
  return { name, colon, params, doc: docstringAfter(text, colon + 1, end) };
}

/** The docstring that opens the body after a header's `:`, or ''. */
function docstringAfter(text: string, i: number, end: number): string {
  while (i < end) {
    const c = text.charCodeAt(i);
    if (c === 32 || c === 9 || c === 10 || c === 13 || c === 12) { i++; continue; }
    if (c === 35) { while (i < end && text.charCodeAt(i) !== 10) i++; continue; }
    break;
  }
  const quote = stringQuoteAt(text, i);
  if (quote < 0) return '';
  const close = skipString(text, quote, end);
  // Only a literal standing alone is a docstring (`"a".join(x)` is not).
  let k = close;
  while (k < end && (text.charCodeAt(k) === 32 || text.charCodeAt(k) === 9 || text.charCodeAt(k) === 13)) k++;
  const after = text.charCodeAt(k);
  if (k < end && after !== 10 && after !== 59 && after !== 35) return '';
  return pythonStringText(text.slice(i, close));
}
