/**
 * A lexical scan for the identifiers a piece of code uses, skipping comments, strings and numbers.
 * References are assigned from this scan rather than from a walk over every syntax node: on a large
 * Python tree the scan takes ~0.2 s where a tree-sitter cursor walk over all nodes takes ~2.6 s.
 */

/** How an identifier occurrence is used; bindings and object keys are not references. */
export const enum Use {
  Plain = 0,
  /** After `.`: an attribute or member name. */
  Member = 1,
  /** Assigned or declared here: `x = …`, `const x`, `for x in`, `as x`, keyword arguments. */
  Binding = 2,
  /** A key in an object literal or type literal: `{ key: … }`. */
  Key = 3,
}

/** Identifier occurrences in source order, as parallel arrays. */
export interface IdentifierScan {
  names: string[];
  offsets: number[];
  lines: number[];
  uses: Use[];
  /** Character code of the next significant character after each identifier (0 at the end). */
  nexts: number[];
  /** Character code of the significant character before each identifier (97 after another word, 0 at the start). */
  prevs: number[];
}

const BINDING_KEYWORDS_PY = new Set(['def', 'class', 'as', 'for', 'global', 'nonlocal', 'lambda']);
const BINDING_KEYWORDS_JS = new Set(['const', 'let', 'var', 'function', 'class', 'as', 'import', 'interface', 'type', 'enum', 'namespace']);
/** After these words a `/` starts a regular expression, not a division. */
const REGEX_AFTER_WORD = new Set(['return', 'typeof', 'instanceof', 'in', 'of', 'new', 'delete', 'void', 'throw', 'case', 'do', 'else', 'yield', 'await']);

function isIdentStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c === 36 || c > 127;
}
function isIdentPart(c: number): boolean {
  return isIdentStart(c) || (c >= 48 && c <= 57);
}
function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 13 || c === 10 || c === 12 || c === 0xfeff;
}

/** Identifiers in Python source; `from`..`to` are UTF-16 offsets, `line` the 1-based line at `from`. */
export function scanPython(text: string, from = 0, to = text.length, line = 1): IdentifierScan {
  const out: IdentifierScan = { names: [], offsets: [], lines: [], uses: [], nexts: [], prevs: [] };
  let i = from;
  let prevSig = 0; // last significant character code, 0 at start
  let prevWord = '';
  while (i < to) {
    const c = text.charCodeAt(i);
    if (c === 10) { line++; i++; continue; }
    if (isSpace(c)) { i++; continue; }
    if (c === 35) { // '#'
      while (i < to && text.charCodeAt(i) !== 10) i++;
      continue;
    }
    if (c === 34 || c === 39) { // quote
      [i, line] = skipPythonString(text, i, to, line);
      prevSig = 34; prevWord = '';
      continue;
    }
    if (c >= 48 && c <= 57) { // number: swallow `1e10`, `0x1f`, `1_000`
      while (i < to && (isIdentPart(text.charCodeAt(i)) || text.charCodeAt(i) === 46)) i++;
      prevSig = 48; prevWord = '';
      continue;
    }
    if (isIdentStart(c) && c !== 36) {
      const start = i;
      while (i < to && isIdentPart(text.charCodeAt(i)) && text.charCodeAt(i) !== 36) i++;
      const q = text.charCodeAt(i);
      if ((q === 34 || q === 39) && i - start <= 2 && /^[rRbBuUfF]+$/.test(text.slice(start, i))) {
        [i, line] = skipPythonString(text, i, to, line); // string prefix such as r"…" or f'…'
        prevSig = 34; prevWord = '';
        continue;
      }
      const name = text.slice(start, i);
      let use = Use.Plain;
      if (prevSig === 46) use = Use.Member;
      else if (BINDING_KEYWORDS_PY.has(prevWord)) use = Use.Binding;
      else if (nextIsSingleEquals(text, i, to)) use = Use.Binding;
      out.names.push(name); out.offsets.push(start); out.lines.push(line); out.uses.push(use); out.nexts.push(nextSignificant(text, i, to)); out.prevs.push(prevSig);
      prevSig = 97; prevWord = name;
      continue;
    }
    prevSig = c; prevWord = '';
    i++;
  }
  return out;
}

function skipPythonString(text: string, i: number, to: number, line: number): [number, number] {
  const q = text.charCodeAt(i);
  const triple = text.charCodeAt(i + 1) === q && text.charCodeAt(i + 2) === q;
  i += triple ? 3 : 1;
  while (i < to) {
    const c = text.charCodeAt(i);
    if (c === 92) { if (text.charCodeAt(i + 1) === 10) line++; i += 2; continue; }
    if (c === 10) { line++; if (!triple) return [i, line - 1]; }
    if (c === q && (!triple || (text.charCodeAt(i + 1) === q && text.charCodeAt(i + 2) === q))) return [i + (triple ? 3 : 1), line];
    i++;
  }
  return [to, line];
}

/** `=` next (after spaces), but not `==`, `=>` or `=~`. */
function nextIsSingleEquals(text: string, i: number, to: number): boolean {
  while (i < to && (text.charCodeAt(i) === 32 || text.charCodeAt(i) === 9)) i++;
  if (text.charCodeAt(i) !== 61) return false;
  const n = text.charCodeAt(i + 1);
  return n !== 61 && n !== 62;
}

function nextSignificant(text: string, i: number, to: number): number {
  while (i < to && isSpace(text.charCodeAt(i))) i++;
  return i < to ? text.charCodeAt(i) : 0;
}

/** Identifiers in JavaScript or TypeScript source (template literal holes included, regex literals skipped). */
export function scanJavaScript(text: string, from = 0, to = text.length, line = 1): IdentifierScan {
  const out: IdentifierScan = { names: [], offsets: [], lines: [], uses: [], nexts: [], prevs: [] };
  const templates: number[] = []; // brace depth inside each open `${`
  let i = from;
  let prevSig = 0;
  let prevWord = '';
  while (i < to) {
    const c = text.charCodeAt(i);
    if (c === 10) { line++; i++; continue; }
    if (isSpace(c)) { i++; continue; }
    if (c === 47) { // '/'
      const n = text.charCodeAt(i + 1);
      if (n === 47) { while (i < to && text.charCodeAt(i) !== 10) i++; continue; }
      if (n === 42) {
        const end = text.indexOf('*/', i + 2);
        const stop = end < 0 || end + 2 > to ? to : end + 2;
        for (let k = i; k < stop; k++) if (text.charCodeAt(k) === 10) line++;
        i = stop;
        continue;
      }
      const divides = prevSig === 97 ? !REGEX_AFTER_WORD.has(prevWord) : prevSig === 41 || prevSig === 93 || prevSig === 48 || prevSig === 34;
      if (!divides) { i = skipRegex(text, i, to); prevSig = 34; prevWord = ''; continue; }
      prevSig = c; prevWord = ''; i++;
      continue;
    }
    if (c === 34 || c === 39) {
      i++;
      while (i < to) {
        const d = text.charCodeAt(i);
        if (d === 92) { i += 2; continue; }
        if (d === c || d === 10) break;
        i++;
      }
      if (text.charCodeAt(i) === c) i++;
      prevSig = 34; prevWord = '';
      continue;
    }
    if (c === 96) { const from0 = i + 1; i = skipTemplate(text, from0, to, templates); line += newlinesIn(text, from0, i); prevSig = 34; prevWord = ''; continue; }
    if (c === 123 && templates.length) templates[templates.length - 1]!++;
    if (c === 125 && templates.length) {
      if (templates[templates.length - 1] === 0) { templates.pop(); const from0 = i + 1; i = skipTemplate(text, from0, to, templates); line += newlinesIn(text, from0, i); prevSig = 34; prevWord = ''; continue; }
      templates[templates.length - 1]!--;
    }
    if (c >= 48 && c <= 57) {
      while (i < to && (isIdentPart(text.charCodeAt(i)) || text.charCodeAt(i) === 46)) i++;
      prevSig = 48; prevWord = '';
      continue;
    }
    if (isIdentStart(c) || c === 35) { // '#' starts a private name
      const start = i;
      i++;
      while (i < to && isIdentPart(text.charCodeAt(i))) i++;
      const name = text.slice(c === 35 ? start + 1 : start, i);
      if (name === '') { prevSig = c; continue; }
      let use = Use.Plain;
      if (prevSig === 46 || c === 35) use = Use.Member;
      else if (BINDING_KEYWORDS_JS.has(prevWord)) use = Use.Binding;
      else if (nextIsSingleEquals(text, i, to)) use = Use.Binding;
      else if ((prevSig === 123 || prevSig === 44) && nextSignificant(text, i, to) === 58) use = Use.Key;
      out.names.push(name); out.offsets.push(start); out.lines.push(line); out.uses.push(use); out.nexts.push(nextSignificant(text, i, to)); out.prevs.push(prevSig);
      prevSig = 97; prevWord = name;
      continue;
    }
    prevSig = c; prevWord = '';
    i++;
  }
  return out;
}

/**
 * Skip template text from `i` (just after a backtick or a hole's closing brace) to the closing backtick, or
 * into a `${` hole (pushing a brace depth), and return the offset reached.
 */
function skipTemplate(text: string, i: number, to: number, templates: number[]): number {
  while (i < to) {
    const c = text.charCodeAt(i);
    if (c === 92) { i += 2; continue; }
    if (c === 96) return i + 1;
    if (c === 36 && text.charCodeAt(i + 1) === 123) { templates.push(0); return i + 2; }
    i++;
  }
  return to;
}

function newlinesIn(text: string, from: number, to: number): number {
  let n = 0;
  for (let k = from; k < to; k++) if (text.charCodeAt(k) === 10) n++;
  return n;
}

function skipRegex(text: string, i: number, to: number): number {
  i++;
  let inClass = false;
  while (i < to) {
    const c = text.charCodeAt(i);
    if (c === 10) return i; // not a regex after all: stop at the line end
    if (c === 92) { i += 2; continue; }
    if (c === 91) inClass = true;
    else if (c === 93) inClass = false;
    else if (c === 47 && !inClass) { i++; break; }
    i++;
  }
  while (i < to && isIdentPart(text.charCodeAt(i))) i++;
  return i;
}
