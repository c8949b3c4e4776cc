/**
 * Query analysis: what a task or issue text names outright — identifiers, dotted names, file paths,
 * stack-trace frames and quoted error messages — plus its code tokens for full-text ranking.
 */
import { codeTokens, identifiersIn } from '../../indexers/tokenize.js';

/** One stack frame found in the text: a file and, when given, a line and a function. */
export interface TraceFrame {
  path: string;
  line: number | null;
  func: string | null;
}

export interface QueryAnalysis {
  /** The text as given. */
  text: string;
  /** Code tokens of the whole text (same tokenizer as the index). */
  tokens: string[];
  /** Identifiers that look like code (inside code spans, camelCase, snake_case, dotted, called). */
  identifiers: string[];
  /** Dotted names split into parts: `Session.request` → ['Session', 'request']. */
  dotted: string[][];
  /** Things that look like file paths or file names. */
  paths: string[];
  /** Stack frames, innermost call first. */
  frames: TraceFrame[];
  /** Quoted strings and error messages worth finding verbatim in the code. */
  quotes: string[];
  /**
   * Identifiers seen only inside fenced code blocks: a reproduction's calls name the API it uses, many
   * names at once, each less deliberate than a name written in the prose.
   */
  fencedOnly: Set<string>;
}

const FENCE = /```[\s\S]*?(```|$)/g;
const CODE_SPAN = /```[\s\S]*?```|`[^`\n]+`/g;
const PY_FRAME = /File "([^"]+)", line (\d+)(?:, in ([A-Za-z_<>][\w<>]*))?/g;
const JS_FRAME = /at (?:(?:new |async )?([\w$.<>]+) )?\(?((?:[a-z-]+:\/+)?(?:[A-Za-z]:)?[^\s():]+\.[cm]?[jt]sx?):(\d+)(?::\d+)?\)?/g;
const PATHLIKE = /(?:^|[\s(["'`,:=])((?:[\w.@-]+\/)*[\w@-][\w.@-]*\.(?:py|pyi|[cm]?[jt]sx?|json|md|css|scss|html|vue|svelte|yml|yaml|toml|cfg|ini|txt|rst|frag|vert|glsl))(?=$|[\s)"'`,:;.\]])/gm;
const DOTTED = /\b[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)+\b/g;
const CALLED = /\b([A-Za-z_$][\w$]*)\s*\(/g;
const QUOTED = /"([^"\n]{8,200})"|'([^'\n]{8,200})'/g;
const ERROR_LINE = /^\s*(?:[\w.]*(?:Error|Exception|Warning)|E\s+\w+Error):\s*(.{8,200})$/gm;

// Words that look like identifiers in prose but name nothing in a codebase.
const PROSE = new Set(
  'the a an and or but if then else this that these those is are was were be been it its of to in on for with as at by from not no yes i we you they he she my our your their can could should would will may might do does did have has had e.g i.e etc http https www com org github issue bug feature version example expected actual behavior behaviour steps reproduce'.split(
    ' ',
  ),
);

// Python builtins that call a special method of their argument.
const DUNDER_BUILTINS = new Set(['str', 'repr', 'len', 'hash', 'bool', 'iter', 'next', 'format', 'bytes', 'abs', 'dir', 'reversed']);

const uniq = <T>(xs: T[]): T[] => [...new Set(xs)];

/** Whether a bare word looks like code rather than English: camelCase, snake_case, ALLCAPS, digits, `$`. */
export function looksLikeCode(word: string): boolean {
  if (word.length < 3 && !/[_$]/.test(word)) return false;
  return /[a-z][A-Z]|[A-Z]{2,}[a-z]|_|\$|^[A-Z][a-z]+[A-Z]|[a-zA-Z]\d/.test(word) || /^[A-Z][A-Z0-9_]{2,}$/.test(word);
}

function normalisePath(p: string): string {
  return p.replace(/\\/g, '/').replace(/^\.\//, '').replace(/^[ab]\//, '');
}

/** Analyse a task or issue text. Deterministic; no index needed. */
export function analyzeQuery(text: string): QueryAnalysis {
  const identifiers: string[] = [];
  const dotted: string[][] = [];
  const paths: string[] = [];
  const frames: TraceFrame[] = [];
  const quotes: string[] = [];

  // Python prints the innermost call last; list frames innermost first, as JavaScript does.
  const pyFrames: TraceFrame[] = [];
  for (const m of text.matchAll(PY_FRAME)) {
    pyFrames.push({ path: normalisePath(m[1]!), line: Number(m[2]), func: m[3] && !m[3].startsWith('<') ? m[3] : null });
  }
  frames.push(...pyFrames.reverse());
  for (const m of text.matchAll(JS_FRAME)) {
    const path = normalisePath(m[2]!.replace(/^[a-z-]+:\/+/, '').replace(/\/\.\//g, '/'));
    const func = m[1] ? m[1].split('.').pop()! : null;
    frames.push({ path, line: Number(m[3]), func: func && func !== '<anonymous>' ? func : null });
  }

  const clean = cleanForTokens(text);
  identifiers.push(...codeNames(clean, dotted));
  for (const f of frames) if (f.func) identifiers.push(f.func);
  const inProse = new Set(codeNames(clean.replace(FENCE, ' '), []));
  for (const f of frames) if (f.func) inProse.add(f.func);
  // `str(x)` runs `x.__str__`: a builtin called in the task names the special method behind it.
  for (const id of [...identifiers]) {
    if (!DUNDER_BUILTINS.has(id)) continue;
    const special = `__${id}__`;
    identifiers.push(special);
    if (inProse.has(id)) inProse.add(special);
  }

  for (const m of text.matchAll(PATHLIKE)) {
    const p = normalisePath(m[1]!);
    if (!/^\d/.test(p) && !/^(e\.g|i\.e)\./.test(p)) paths.push(p);
  }
  for (const f of frames) paths.push(f.path);

  for (const m of text.matchAll(QUOTED)) {
    const q = (m[1] ?? m[2])!.trim();
    if (/\s/.test(q) && /[a-z]/i.test(q)) quotes.push(q);
  }
  for (const m of text.matchAll(ERROR_LINE)) quotes.push(m[1]!.trim());

  return {
    text,
    tokens: codeTokens(cleanForTokens(text)),
    identifiers: uniq(identifiers),
    dotted: uniqBy(dotted, (d) => d.join('.')),
    paths: uniq(paths),
    frames,
    quotes: uniq(quotes),
    fencedOnly: new Set(identifiers.filter((id) => !inProse.has(id))),
  };
}

/** Names in `text` that look like code (collecting dotted names into `dotted`), in order of discovery. */
function codeNames(text: string, dotted: string[][]): string[] {
  const out: string[] = [];
  // Everything inside code spans is code; outside, only words that look like code count.
  for (const m of text.matchAll(CODE_SPAN)) {
    for (const id of identifiersIn(m[0].replace(/^`+|`+$/g, ''))) if (id.length > 1 && !PROSE.has(id.toLowerCase())) out.push(id);
  }
  for (const id of identifiersIn(text)) if (looksLikeCode(id)) out.push(id);
  for (const m of text.matchAll(CALLED)) if (m[1]!.length > 2 && !PROSE.has(m[1]!.toLowerCase())) out.push(m[1]!);
  for (const m of text.matchAll(DOTTED)) {
    const parts = m[0].split('.');
    // File names (`setup.py`) and version numbers are not dotted code names.
    if (/^(py|js|ts|jsx|tsx|mjs|cjs|json|md|css|html|txt|cfg|toml|yml|yaml|com|org|io)$/i.test(parts.at(-1)!)) continue;
    dotted.push(parts);
    for (const p of parts) if (p.length > 1 && !PROSE.has(p.toLowerCase())) out.push(p);
  }
  return out;
}

/**
 * The text without what says nothing about the code: HTML comments (issue-template instructions, not
 * shown to readers), URLs (their paths were taken as paths already) and environment listings.
 */
function cleanForTokens(text: string): string {
  return withoutListings(text.replace(/<!--[\s\S]*?(-->|$)/g, ' ').replace(/\bhttps?:\/\/\S+/g, ' '));
}

// One line of an environment listing (`pip list`, `pip freeze`, `conda list`, `npm ls`): a package and its version.
const PACKAGE_LINE = /^\s*(?:[A-Za-z0-9@][\w.@/-]*\s+v?\d+(?:\.\d+)+\S*(?:\s+\S.*)?|[\w.-]+\s*(?:==|>=|<=|~=)\s*\S+|[\s│├└─┬|`+\\-]*[@\w./-]+@v?\d+(?:\.\d+)+\S*.*)\s*$/;
// Fewer lines than this in a row are prose that happens to name versions.
const LISTING_LINES = 5;

/**
 * The text with its environment listings blanked: issue templates ask for the installed packages, and
 * hundreds of package names would otherwise outweigh the few words about the bug.
 */
function withoutListings(text: string): string {
  const lines = text.split('\n');
  let run = 0;
  for (let i = 0; i <= lines.length; i++) {
    if (i < lines.length && PACKAGE_LINE.test(lines[i]!)) {
      run++;
      continue;
    }
    if (run >= LISTING_LINES) lines.fill('', i - run, i);
    run = 0;
  }
  return lines.join('\n');
}

function uniqBy<T>(xs: T[], key: (x: T) => string): T[] {
  const seen = new Set<string>();
  return xs.filter((x) => {
    const k = key(x);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
