/**
 * Whole-symbol replacement: the model names a definition, tree-sitter finds its lines, and the new code
 * takes their place at the definition's own indentation.
 */
import { parseFile } from '../../indexers/parse/index.js';
import { isCodeLanguage, languageForPath } from '../../indexers/parse/languages.js';
import { parseTree } from '../../indexers/parse/parser.js';
import type { Language, ParsedSymbol } from '../../indexers/types.js';
import { EditError } from './errors.js';
import { type Line, blockLines, dominantEol, indentOf, indentWidth, isBlank, joinLines, setIndent, splitLines } from './text.js';

/** The outcome of replacing one symbol. */
export interface SymbolReplaceResult {
  text: string;
  qualifiedName: string;
  /** Lines of the original text that were replaced (1-based, inclusive). */
  line: number;
  endLine: number;
}

const MAX_LISTED = 30;

/**
 * Replace the definition `symbol` (a qualified name such as `Class.method`, or a bare name that is unique
 * in the file) with `code`.
 *
 * What is replaced: the definition's lines as tree-sitter reports them (including `export` and any
 * decorators), except that leading decorators and the doc comment directly above are kept unless `code`
 * brings its own (starts with a decorator, or with a comment). Code sent at another indentation (a method
 * sent flush left) is shifted to the definition's indentation.
 * @throws EditError `unsupported_language`, `symbol_not_found` (listing the file's symbols),
 *   `symbol_ambiguous` (listing each candidate's lines, or when the definition shares a line with another)
 *   or `empty_search` for empty code.
 */
export function replaceSymbol(path: string, text: string, symbol: string, code: string): SymbolReplaceResult {
  const language = languageForPath(path);
  if (!isCodeLanguage(language)) {
    throw new EditError(
      'unsupported_language',
      `replace_symbol cannot parse ${path}: only TypeScript, JavaScript and Python files have symbols.`,
      'use edit_file with a search block instead',
      path,
    );
  }
  const newLines = blockLines(code);
  if (newLines.length === 0) {
    throw new EditError('empty_search', `The new code for ${symbol} is empty.`, 'to delete a definition, use edit_file with an empty replace', path);
  }
  const symbols = parseFile(path, text, language).symbols;
  const sym = findSymbol(path, symbols, symbol.trim());
  // Lines are replaced whole, so a definition sharing a line with another one cannot be replaced alone.
  const neighbour = symbols.find(
    (o) =>
      o !== sym &&
      !o.qualifiedName.startsWith(sym.qualifiedName + '.') &&
      !sym.qualifiedName.startsWith(o.qualifiedName + '.') &&
      o.startLine <= sym.endLine &&
      o.endLine >= sym.startLine,
  );
  if (neighbour) {
    throw new EditError(
      'symbol_ambiguous',
      `${sym.qualifiedName} shares lines ${Math.max(sym.startLine, neighbour.startLine)}-${Math.min(sym.endLine, neighbour.endLine)} of ${path} with ${neighbour.qualifiedName}, so it cannot be replaced on its own.`,
      'use edit_file with a search block instead',
      path,
    );
  }
  const lines = splitLines(text);
  const F = lines.map((l) => l.text);
  const end = sym.endLine - 1;
  const head = headOf(language as Exclude<Language, 'text'>, text, F, sym.startLine - 1, end);

  const firstNew = newLines.find((l) => !isBlank(l))!.trim();
  const start = /^(\/\/|\/\*|#)/.test(firstNew) ? head.doc : firstNew.startsWith('@') ? head.decorators : head.declaration;

  const target = F[start]!;
  const useTabs = indentOf(target).startsWith('\t');
  const shift = indentWidth(target) - indentWidth(newLines.find((l) => !isBlank(l))!);
  const eol = dominantEol(text);
  const out: Line[] = newLines.map((l) => ({ text: setIndent(l, indentWidth(l) + shift, useTabs), eol }));
  out[out.length - 1]!.eol = lines[end]!.eol;
  const next = [...lines.slice(0, start), ...out, ...lines.slice(end + 1)];
  return { text: joinLines(next), qualifiedName: sym.qualifiedName, line: start + 1, endLine: end + 1 };
}

/** Resolve the name the model gave: exact qualified name, then a unique bare or trailing-dotted name. */
function findSymbol(path: string, symbols: ParsedSymbol[], wanted: string): ParsedSymbol {
  const tiers = [
    symbols.filter((s) => s.qualifiedName === wanted),
    symbols.filter((s) => s.name === wanted),
    symbols.filter((s) => s.qualifiedName.endsWith('.' + wanted)),
  ];
  for (const found of tiers) {
    if (found.length === 1) return found[0]!;
    if (found.length > 1) {
      const list = found.slice(0, MAX_LISTED).map((s) => `${s.qualifiedName} (${s.kind}, lines ${s.startLine}-${s.endLine})`);
      throw new EditError(
        'symbol_ambiguous',
        `${found.length} definitions in ${path} match ${wanted}: ${list.join('; ')}.`,
        'name one by its qualified name (Class.method), or use edit_file with a search block',
        path,
      );
    }
  }
  const list = symbols.slice(0, MAX_LISTED).map((s) => s.qualifiedName);
  const more = symbols.length > MAX_LISTED ? `, and ${symbols.length - MAX_LISTED} more` : '';
  throw new EditError(
    'symbol_not_found',
    symbols.length
      ? `No definition named ${wanted} in ${path}. Its definitions are: ${list.join(', ')}${more}.`
      : `No definition named ${wanted} in ${path}; the file defines no symbols.`,
    'use one of the names listed, or list_symbols to see them',
    path,
  );
}

/** Where a definition's parts start (0-based lines): doc comment, decorators, the declaration itself. */
interface Head {
  doc: number;
  decorators: number;
  declaration: number;
}

/**
 * Find the decorators of the definition at lines `start..end` with tree-sitter (they may span lines, and
 * may sit inside or just above the range the parser reports), and the comment block directly above them.
 */
function headOf(language: Exclude<Language, 'text'>, text: string, F: string[], start: number, end: number): Head {
  const decorators = parseTree(language, text)
    .rootNode.descendantsOfType('decorator')
    .map((n) => ({ from: n.startPosition.row, to: n.endPosition.row, toCol: n.endPosition.column }))
    .sort((a, b) => a.from - b.from);
  // Decorators inside the reported range: a run of them from its first line.
  let declaration = start;
  for (const d of decorators) {
    if (d.from !== declaration || d.to >= end) continue;
    // A decorator sharing its last line with the declaration cannot be kept apart from it by lines.
    if (F[d.to]!.slice(d.toCol).trim() !== '') break;
    declaration = d.to + 1;
  }
  declaration = Math.min(declaration, end);
  // Decorators just above it (the parser leaves a method's decorators out of its range).
  let deco = start;
  for (let k = decorators.length - 1; k >= 0; k--) {
    const d = decorators[k]!;
    if (d.to === deco - 1) deco = d.from;
  }
  let doc = deco;
  const python = language === 'python';
  const above = (i: number) => F[i]!.trim();
  if (doc > 0 && !python && above(doc - 1).endsWith('*/')) {
    let i = doc - 1;
    while (i >= 0 && !above(i).startsWith('/*')) i--;
    if (i >= 0) doc = i;
  } else {
    const marker = python ? '#' : '//';
    while (doc > 0 && above(doc - 1).startsWith(marker)) doc--;
  }
  return { doc, decorators: deco, declaration };
}
