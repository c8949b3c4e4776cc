import type Parser from 'tree-sitter';
import type { ParsedImport } from '../types.js';
import { collapseSignature, lineOf, pythonStringText, type Extraction, type SymbolDraft } from './draft.js';

type Node = Parser.SyntaxNode;

/** Statements that hold blocks of further statements (definitions inside `if`, `try`, `with` … count). */
const COMPOUND = new Set([
  'if_statement', 'elif_clause', 'else_clause', 'for_statement', 'while_statement', 'try_statement', 'except_clause',
  'except_group_clause', 'finally_clause', 'with_statement', 'match_statement', 'case_clause', 'block',
]);

const ALL_CAPS = /^_*[A-Z][A-Z0-9_]*$/;

interface Scope {
  parent: SymbolDraft | null;
  /** Kind of the innermost enclosing definition. */
  inside: 'module' | 'class' | 'function';
}

/** Symbols, imports and module docstring of a Python syntax tree. */
export function extractPython(root: Node, text: string): Extraction {
  const symbols: SymbolDraft[] = [];
  const imports: ParsedImport[] = [];

  const walkBlock = (block: Node, scope: Scope): void => {
    for (const stmt of block.namedChildren) visit(stmt, scope);
  };

  const visit = (stmt: Node, scope: Scope): void => {
    switch (stmt.type) {
      case 'function_definition':
      case 'class_definition':
        define(stmt, stmt, scope);
        return;
      case 'decorated_definition': {
        const def = stmt.childForFieldName('definition');
        if (def) define(def, stmt, scope);
        return;
      }
      case 'import_statement':
      case 'import_from_statement':
      case 'future_import_statement':
        imports.push(readImport(stmt));
        return;
      case 'expression_statement':
        if (scope.inside === 'module') constant(stmt, scope);
        return;
      default:
        if (stmt.type === 'block') walkBlock(stmt, scope);
        else if (COMPOUND.has(stmt.type)) {
          for (const child of stmt.namedChildren) if (COMPOUND.has(child.type)) visit(child, scope);
        }
    }
  };

  const define = (def: Node, outer: Node, scope: Scope): void => {
    const nameNode = def.childForFieldName('name');
    const body = def.childForFieldName('body');
    if (!nameNode) return;
    const name = nameNode.text;
    const isClass = def.type === 'class_definition';
    const qualifiedName = scope.parent ? `${scope.parent.qualifiedName}.${name}` : name;
    const sym: SymbolDraft = {
      kind: isClass ? 'class' : scope.inside === 'class' ? 'method' : 'function',
      name,
      qualifiedName,
      signature: collapseSignature(text.slice(outer.startIndex, signatureEnd(def, body))),
      doc: body ? docstring(body) : '',
      startLine: lineOf(outer),
      endLine: outer.endPosition.row + 1,
      parent: scope.parent?.qualifiedName ?? null,
      exported: isPublic(name) && (scope.parent === null || (scope.inside === 'class' && scope.parent.exported)),
      start: outer.startIndex,
      end: outer.endIndex,
      params: isClass ? [] : parameterNames(def.childForFieldName('parameters')),
      bodyless: false,
    };
    symbols.push(sym);
    if (body) walkBlock(body, { parent: sym, inside: isClass ? 'class' : 'function' });
  };

  const constant = (stmt: Node, scope: Scope): void => {
    const assign = stmt.firstNamedChild;
    if (assign?.type !== 'assignment') return;
    const left = assign.childForFieldName('left');
    if (left?.type !== 'identifier' || !ALL_CAPS.test(left.text)) return;
    symbols.push({
      kind: 'variable',
      name: left.text,
      qualifiedName: left.text,
      signature: collapseSignature(stmt.text.split('\n', 1)[0]!),
      doc: '',
      startLine: lineOf(stmt),
      endLine: stmt.endPosition.row + 1,
      parent: scope.parent?.qualifiedName ?? null,
      exported: isPublic(left.text),
      start: stmt.startIndex,
      end: stmt.endIndex,
      params: [],
      bodyless: false,
    });
  };

  walkBlock(root, { parent: null, inside: 'module' });
  const first = root.firstNamedChild;
  const moduleDoc = first ? stringStatementText(first) : '';
  return { symbols, imports, moduleDoc };
}

/** `_private` names are not public API; dunder names such as `__init__` are. */
function isPublic(name: string): boolean {
  return !name.startsWith('_') || (name.startsWith('__') && name.endsWith('__'));
}

/** Offset of the `:` that ends a definition's header, so trailing comments stay out of the signature. */
function signatureEnd(def: Node, body: Node | null): number {
  if (!body) return def.endIndex;
  let n = body.previousSibling;
  while (n && n.type === 'comment') n = n.previousSibling;
  return n && n.type === ':' ? n.startIndex : body.startIndex;
}

function docstring(body: Node): string {
  const first = body.firstNamedChild;
  return first ? stringStatementText(first) : '';
}

function stringStatementText(stmt: Node): string {
  if (stmt.type !== 'expression_statement') return '';
  const s = stmt.firstNamedChild;
  if (!s || s.type !== 'string') return '';
  return pythonStringText(s.text);
}

function parameterNames(params: Node | null): string[] {
  if (!params) return [];
  const out: string[] = [];
  for (const p of params.namedChildren) {
    if (p.type === 'identifier') out.push(p.text);
    else {
      const n = p.childForFieldName('name') ?? p.firstNamedChild;
      if (n?.type === 'identifier') out.push(n.text);
    }
  }
  return out;
}

function readImport(stmt: Node): ParsedImport {
  const line = lineOf(stmt);
  if (stmt.type === 'future_import_statement') {
    return { source: '__future__', names: namesOf(stmt, null).names, locals: namesOf(stmt, null).locals, line, resolvedPath: null };
  }
  if (stmt.type === 'import_statement') {
    // `import a.b as c` binds c; `import a.b` binds a. Each statement becomes one import of its first module.
    const names: string[] = [];
    const locals: string[] = [];
    let source = '';
    for (const child of stmt.namedChildren) {
      if (child.type === 'dotted_name') {
        source ||= child.text;
        names.push('*');
        locals.push(child.text.split('.')[0]!);
      } else if (child.type === 'aliased_import') {
        const mod = child.childForFieldName('name')?.text ?? '';
        source ||= mod;
        names.push('*');
        locals.push(child.childForFieldName('alias')?.text ?? mod);
      }
    }
    return { source, names, locals, line, resolvedPath: null };
  }
  const moduleNode = stmt.childForFieldName('module_name');
  const { names, locals } = namesOf(stmt, moduleNode);
  return { source: moduleNode?.text.replace(/\s+/g, '') ?? '', names, locals, line, resolvedPath: null };
}

function namesOf(stmt: Node, moduleNode: Node | null): { names: string[]; locals: string[] } {
  const names: string[] = [];
  const locals: string[] = [];
  for (const child of stmt.namedChildren) {
    if (moduleNode && child.startIndex === moduleNode.startIndex) continue;
    if (child.type === 'dotted_name') {
      names.push(child.text);
      locals.push(child.text);
    } else if (child.type === 'aliased_import') {
      const n = child.childForFieldName('name')?.text ?? '';
      names.push(n);
      locals.push(child.childForFieldName('alias')?.text ?? n);
    } else if (child.type === 'wildcard_import') {
      names.push('*');
      locals.push('*');
    }
  }
  return { names, locals };
}
