import type { Language } from '../types.js';
import type { SymbolDraft } from './draft.js';
import { scanJavaScript, scanPython, Use, type IdentifierScan } from './lexer.js';

/** Words that name the language or its standard library rather than anything a repository defines. */
const JS_NOISE = new Set(
  (
    'abstract any as asserts async await bigint boolean break case catch class const constructor continue debugger ' +
    'declare default delete do else enum export extends false finally for from function get if implements import in ' +
    'infer instanceof interface is keyof let module namespace never new null number object of override private ' +
    'protected public readonly return satisfies set static string super switch symbol this throw true try type ' +
    'typeof undefined unique unknown var void while with yield accessor arguments console Object Array String Number ' +
    'Boolean Symbol BigInt Promise Map Set WeakMap WeakSet Error TypeError RangeError JSON Math Date RegExp Record ' +
    'Partial Readonly ReadonlyArray Required Pick Omit Exclude Extract NonNullable ReturnType Parameters Awaited ' +
    'parseInt parseFloat isNaN isFinite require exports globalThis window document process log warn error info debug ' +
    'length push pop shift unshift slice splice map filter reduce forEach join split concat indexOf includes keys ' +
    'values entries then toString apply call bind prototype'
  ).split(' '),
);

const PY_NOISE = new Set(
  (
    'False None True and as assert async await break class continue def del elif else except finally for from global ' +
    'if import in is lambda nonlocal not or pass raise return try while with yield match case self cls print len ' +
    'range str int float bool list dict set tuple frozenset bytes object type super isinstance issubclass hasattr ' +
    'getattr setattr delattr callable iter next enumerate zip map filter sorted reversed min max sum abs any all ' +
    'repr hash id open format vars dir property staticmethod classmethod Exception BaseException ValueError ' +
    'TypeError KeyError IndexError AttributeError RuntimeError NotImplementedError NotImplemented StopIteration ' +
    'append extend items keys values get pop join split strip startswith endswith replace update copy'
  ).split(' '),
);

/** Scan a file's identifiers once; references of every symbol come from this one scan. */
export function scanIdentifiers(language: Language, text: string): IdentifierScan {
  return language === 'python' ? scanPython(text) : scanJavaScript(text);
}

/**
 * Each symbol's references: identifiers inside its own text but outside the nested symbols that are indexed
 * themselves, minus keywords and builtins, its parameters and names bound locally. Unique, first-seen order,
 * with the line of first use. `symbols` must be in document order with parents before children.
 */
export function assignReferences(
  language: Language,
  symbols: readonly SymbolDraft[],
  scan: IdentifierScan,
): { references: string[]; lines: number[] }[] {
  const noise = language === 'python' ? PY_NOISE : JS_NOISE;
  const owned: number[][] = symbols.map(() => []);
  const stack: number[] = [];
  let next = 0;
  const { names, offsets, uses, lines, nexts, prevs } = scan;
  for (let t = 0; t < names.length; t++) {
    const at = offsets[t]!;
    while (next < symbols.length && symbols[next]!.start <= at) {
      while (stack.length && symbols[stack[stack.length - 1]!]!.end <= symbols[next]!.start) stack.pop();
      stack.push(next++);
    }
    while (stack.length && symbols[stack[stack.length - 1]!]!.end <= at) stack.pop();
    if (stack.length) owned[stack[stack.length - 1]!]!.push(t);
  }
  return symbols.map((sym, s) => {
    const tokens = owned[s]!;
    const bound = new Set<string>(sym.params);
    // The symbol's own name is its definition (`A.prototype.m = …`, recursion), never a reference.
    const own = sym.name.replace(/^#/, '');
    for (const t of tokens) if (uses[t] === Use.Binding) bound.add(names[t]!);
    const seen = new Set<string>();
    const references: string[] = [];
    const refLines: number[] = [];
    const typeLike = sym.kind === 'interface' || sym.kind === 'enum' || sym.kind === 'type';
    for (const t of tokens) {
      const name = names[t]!;
      const use = uses[t];
      if (use === Use.Binding || use === Use.Key) continue;
      // In interfaces, enums and type literals, `name:`, `name?:`, `name(` and enum `A = 1, B` declare members.
      if (typeLike && use === Use.Plain && isMemberDeclaration(prevs[t]!, nexts[t]!, sym.kind === 'enum')) continue;
      if ((name.length < 2 && !isUpper(name)) || noise.has(name) || seen.has(name)) continue;
      if (name === own || (use !== Use.Member && bound.has(name))) continue;
      seen.add(name);
      references.push(name);
      refLines.push(lines[t]!);
    }
    return { references, lines: refLines };
  });
}

/** Single capitals (`S`, `I`, `T`) are often real names; single lower-case letters are locals. */
function isUpper(name: string): boolean {
  return name >= 'A' && name <= 'Z';
}

/**
 * `:`, `?` and `(` after a name declare a member; in an enum so does a name right after `{` or `,`
 * (`A = 1`, `B,`), while one after `=` is a value that may refer to something.
 */
function isMemberDeclaration(prev: number, next: number, inEnum: boolean): boolean {
  if (inEnum) return prev === 123 || prev === 44;
  return next === 58 || next === 63 || next === 40;
}
