import type Parser from 'tree-sitter';
import type { ParsedImport } from '../types.js';
import { lineOf } from './draft.js';
import { queryFor } from './parser.js';

type Node = Parser.SyntaxNode;

/** A string literal's content without its quotes. */
export function stringValue(node: Node): string {
  const t = node.text;
  return t.length >= 2 ? t.slice(1, -1) : t;
}

/**
 * An import statement, read from its text: `import D, * as NS from 'x'`, `import { a as b, type C } from 'x'`,
 * `import 'x'`. Parsing the short statement text is much cheaper than visiting its nodes.
 */
export function importStatement(node: Node, source: Node): ParsedImport {
  const names: string[] = [];
  const locals: string[] = [];
  const text = node.text;
  // `type` is a modifier unless it is the default import's own name (`import type from './type'`).
  const clauseStart = /^import\s+(?:type\s+(?!from\b)(?=[\w${*]))?/.exec(text)?.[0].length ?? 6;
  const clause = text.slice(clauseStart, source.startIndex - node.startIndex).replace(/\s*from\s*$/, '').trim();
  let rest = clause;
  const def = /^([A-Za-z_$\u0080-\uffff][\w$\u0080-\uffff]*)\s*(?:,\s*|$)/.exec(rest);
  if (def) {
    names.push('default');
    locals.push(def[1]!);
    rest = rest.slice(def[0].length);
  }
  const ns = /^\*\s*as\s+([\w$\u0080-\uffff]+)/.exec(rest);
  if (ns) {
    names.push('*');
    locals.push(ns[1]!);
  } else if (rest.startsWith('{')) {
    const close = rest.lastIndexOf('}');
    for (const raw of rest.slice(1, close < 0 ? undefined : close).split(',')) {
      const spec = /^(?:type\s+)?('[^']*'|"[^"]*"|\S+?)(?:\s+as\s+(\S+))?$/.exec(raw.replace(/\/\*[\s\S]*?\*\/|\/\/[^\n]*/g, '').trim());
      if (!spec) continue;
      const name = spec[1]!.replace(/^['"]|['"]$/g, '');
      names.push(name);
      locals.push(spec[2] ?? name);
    }
  }
  return { source: stringValue(source), names, locals, line: lineOf(node), resolvedPath: null };
}

/** `export { a } from 'x'` and `export * from 'x'`: re-exports are imports of the module. */
export function exportFrom(node: Node, source: Node): ParsedImport {
  const names: string[] = [];
  for (const clause of node.namedChildren) {
    if (clause.type === 'export_clause') {
      for (const spec of clause.namedChildren) {
        const n = spec.childForFieldName('name');
        if (n) names.push(n.text);
      }
    } else if (clause.type === 'namespace_export') names.push('*');
  }
  if (names.length === 0) names.push('*');
  return { source: stringValue(source), names, locals: [], line: lineOf(node), resolvedPath: null };
}

const DYNAMIC_IMPORT = `(call_expression function: [(import) (identifier)] @fn arguments: (arguments . (string) @src))`;

/** `require('x')` and `import('x')` anywhere in the file; only run when the text mentions them. */
export function dynamicImports(root: Node, language: 'typescript' | 'tsx' | 'javascript', imports: ParsedImport[]): void {
  const query = queryFor(language, DYNAMIC_IMPORT);
  for (const m of query.matches(root)) {
    const fn = m.captures.find((c) => c.name === 'fn')?.node;
    const src = m.captures.find((c) => c.name === 'src')?.node;
    if (!fn || !src) continue;
    if (fn.type === 'identifier' && fn.text !== 'require') continue;
    const { names, locals } = boundByCall(fn.parent);
    imports.push({ source: stringValue(src), names, locals, line: lineOf(src), resolvedPath: null });
  }
}

/**
 * Names a `require()`/`import()` call binds: `const x = require('m')` binds x to the whole module,
 * `const { a, b: c } = require('m')` binds a and c to its members.
 */
function boundByCall(call: Node | null): { names: string[]; locals: string[] } {
  let n = call?.parent ?? null;
  if (n?.type === 'await_expression') n = n.parent;
  if (n?.type !== 'variable_declarator') return { names: ['*'], locals: [] };
  const target = n.childForFieldName('name');
  if (target?.type === 'identifier') return { names: ['*'], locals: [target.text] };
  const names: string[] = [];
  const locals: string[] = [];
  if (target?.type === 'object_pattern') {
    for (const p of target.namedChildren) {
      if (p.type === 'shorthand_property_identifier_pattern') {
        names.push(p.text);
        locals.push(p.text);
      } else if (p.type === 'pair_pattern') {
        const key = p.childForFieldName('key');
        const value = p.childForFieldName('value');
        if (key && value?.type === 'identifier') {
          names.push(key.text);
          locals.push(value.text);
        }
      }
    }
  }
  return names.length ? { names, locals } : { names: ['*'], locals: [] };
}
