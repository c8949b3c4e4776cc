import type Parser from 'tree-sitter';
import type { ParsedImport, ParsedSymbol } from '../types.js';

/** A symbol while a file is being read: the public fields plus the offsets references are assigned by. */
export interface SymbolDraft extends Omit<ParsedSymbol, 'references' | 'referenceLines'> {
  /** UTF-16 offsets of the symbol's whole text (decorators and `export` included). */
  start: number;
  end: number;
  /** Parameter names: bound inside the symbol, so never references. */
  params: string[];
  /** A declaration without a body (overload, abstract or ambient signature). */
  bodyless: boolean;
  /** A private member: not exported even when its class is. */
  hidden?: boolean;
}

/** What a language extractor hands back to `parseFile`. */
export interface Extraction {
  symbols: SymbolDraft[];
  imports: ParsedImport[];
  moduleDoc: string;
}

const SIGNATURE_MAX = 240;

/** Characters of a long declaration collapsed first; only the first SIGNATURE_MAX survive collapsing. */
const SIGNATURE_PREFIX = 1024;

/** Collapse whitespace and cap the length, so signatures stay one readable line. */
export function collapseSignature(raw: string): string {
  // A declaration without a body can be a whole object literal or type: when a prefix already collapses to
  // more than the cap, the rest cannot change the result.
  if (raw.length > SIGNATURE_PREFIX) {
    const head = raw.slice(0, SIGNATURE_PREFIX).replace(/\s+/g, ' ').trimStart();
    if (head.length > SIGNATURE_MAX + 1) return `${head.slice(0, SIGNATURE_MAX - 1)}…`;
  }
  const s = raw.replace(/\s+/g, ' ').trim();
  return s.length > SIGNATURE_MAX ? `${s.slice(0, SIGNATURE_MAX - 1)}…` : s;
}

/** Remove common leading indentation and blank edge lines (the docstring convention). */
export function dedent(text: string): string {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  let indent = Infinity;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === '') continue;
    indent = Math.min(indent, line.length - line.trimStart().length);
  }
  const out = [lines[0]!.trim()];
  for (let i = 1; i < lines.length; i++) out.push(indent === Infinity ? '' : lines[i]!.slice(indent).trimEnd());
  while (out.length && out[0] === '') out.shift();
  while (out.length && out[out.length - 1] === '') out.pop();
  return out.join('\n');
}

/** Text of a `/** … *\/` comment without its markers and leading asterisks; '' for other comments. */
export function jsdocText(comment: string): string {
  if (!comment.startsWith('/**') || comment === '/**/') return '';
  const body = comment.slice(3, comment.endsWith('*/') ? -2 : undefined);
  const lines = body.replace(/\r\n?/g, '\n').split('\n').map((l) => l.replace(/^\s*\*? ?/, ''));
  return dedent(lines.join('\n'));
}

/** A Python string literal's content: prefix and quotes removed, dedented. */
export function pythonStringText(literal: string): string {
  const m = /^[rRbBuUfF]{0,2}("""|'''|"|')/.exec(literal);
  if (!m) return '';
  const q = m[1]!;
  let body = literal.slice(m[0].length);
  if (body.endsWith(q)) body = body.slice(0, -q.length);
  return dedent(body);
}

/** 1-based line of a node's first character. */
export function lineOf(node: Parser.SyntaxNode): number {
  return node.startPosition.row + 1;
}

/** Public shape of a draft. */
export function finishSymbol(d: SymbolDraft, references: string[], referenceLines: number[]): ParsedSymbol {
  return {
    kind: d.kind,
    name: d.name,
    qualifiedName: d.qualifiedName,
    signature: d.signature,
    doc: d.doc,
    startLine: d.startLine,
    endLine: d.endLine,
    parent: d.parent,
    exported: d.exported,
    references,
    referenceLines,
  };
}

/** First lines of syntax errors (ERROR and MISSING nodes), descending only where errors are. */
export function errorLines(root: Parser.SyntaxNode, limit = 50): number[] {
  const lines = new Set<number>();
  const visit = (node: Parser.SyntaxNode): void => {
    if (lines.size >= limit) return;
    if (node.type === 'ERROR' || node.isMissing) {
      lines.add(node.startPosition.row + 1);
      if (node.isMissing) return;
    }
    for (const child of node.children) if (child.hasError || child.isMissing) visit(child);
  };
  if (root.hasError) visit(root);
  return [...lines].sort((a, b) => a - b);
}

/**
 * Drop bodyless declarations (overload and ambient signatures) whose qualified name also has a body, and
 * repeated bodyless ones, so each overloaded function is one symbol.
 */
export function dropOverloadSignatures(symbols: SymbolDraft[]): SymbolDraft[] {
  const withBody = new Set<string>();
  for (const s of symbols) if (!s.bodyless) withBody.add(`${s.kind}:${s.qualifiedName}`);
  const seenBodyless = new Set<string>();
  return symbols.filter((s) => {
    if (!s.bodyless) return true;
    const key = `${s.kind}:${s.qualifiedName}`;
    if (withBody.has(key) || seenBodyless.has(key)) return false;
    seenBodyless.add(key);
    return true;
  });
}
