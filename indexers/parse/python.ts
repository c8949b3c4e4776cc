import type Parser from 'tree-sitter';
import type { ParsedImport } from '../types.js';
import { collapseSignature, lineOf, pythonStringText, type Extraction, type SymbolDraft } from './draft.js';
import { readPythonHeader } from './python-header.js';

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

  // A cursor walks statements without materialising a node object for each; only definitions and imports
  // become nodes. On a large tree this is several times faster than iterating `namedChildren`.
  const cursor = root.walk();

  /** Visit the statements under the cursor's node, then return the cursor to it. */
  const walkChildren = (scope: Scope): void => {
    if (!cursor.gotoFirstChild()) return;
    do {
      const type = cursor.nodeType;
      switch (type) {
        case 'function_definition':
        case 'class_definition': {
          const sym = define(type, cursor.startIndex, cursor.startPosition.row, null, scope);
          if (sym) intoBody(sym);
          break;
        }
        case 'decorated_definition': {
          const outer = { start: cursor.startIndex, row: cursor.startPosition.row };
          if (!cursor.gotoFirstChild()) break;
          do {
            const t = cursor.nodeType;
            if (t === 'function_definition' || t === 'class_definition') {
              const sym = define(t, cursor.startIndex, cursor.startPosition.row, outer, scope);
              if (sym) intoBody(sym);
              break;
            }
          } while (cursor.gotoNextSibling());
          cursor.gotoParent();
          break;
        }
        case 'import_statement':
        case 'import_from_statement':
        case 'future_import_statement':
          imports.push(readImport(cursor.currentNode));
          break;
        case 'type_alias_statement': {
          const node = cursor.currentNode;
          const name = /^type\s+([\w\u0080-\uffff]+)/.exec(node.text)?.[1];
          if (name) symbols.push(plainSymbol('type', name, node, scope));
          break;
        }
        case 'expression_statement':
          if (scope.inside === 'module' && isCapital(text.charCodeAt(cursor.startIndex))) constant(cursor.currentNode, scope);
          break;
        default:
          if (COMPOUND.has(type)) walkChildren(scope);
      }
    } while (cursor.gotoNextSibling());
    cursor.gotoParent();
  };

  /** With the cursor on a definition, walk its body block in the definition's scope. */
  const intoBody = (sym: SymbolDraft): void => {
    if (!cursor.gotoFirstChild()) return;
    do {
      if (cursor.nodeType === 'block') {
        walkChildren({ parent: sym, inside: sym.kind === 'class' ? 'class' : 'function' });
        break;
      }
    } while (cursor.gotoNextSibling());
    cursor.gotoParent();
  };

  /** A definition whose keyword starts at `defStart`; the cursor is on it. Decorators start at `decorated`. */
  const define = (
    type: string,
    defStart: number,
    defRow: number,
    decorated: { start: number; row: number } | null,
    scope: Scope,
  ): SymbolDraft | null => {
    const isClass = type === 'class_definition';
    const end = cursor.endIndex;
    const header = readPythonHeader(text, defStart, end, isClass);
    const name = header.name;
    if (!name) return null;
    const start = decorated?.start ?? defStart;
    const sym: SymbolDraft = {
      kind: isClass ? 'class' : scope.inside === 'class' ? 'method' : 'function',
      name,
      qualifiedName: scope.parent ? `${scope.parent.qualifiedName}.${name}` : name,
      signature: collapseSignature(text.slice(start, header.colon)),
      doc: header.doc,
      startLine: (decorated?.row ?? defRow) + 1,
      endLine: cursor.endPosition.row + 1,
      parent: scope.parent?.qualifiedName ?? null,
      exported: isPublic(name) && (scope.parent === null || (scope.inside === 'class' && scope.parent.exported)),
      start,
      end,
      params: header.params,
      // `@overload` stubs are dropped when the implementation follows, as TypeScript overload signatures are.
      bodyless: decorated !== null && /(^|\s)@(typing\.)?overload\b/.test(text.slice(start, defStart)),
    };
    symbols.push(sym);
    return sym;
  };

  const constant = (stmt: Node, scope: Scope): void => {
    const assign = stmt.firstNamedChild;
    if (assign?.type !== 'assignment') return;
    const left = assign.childForFieldName('left');
    if (left?.type !== 'identifier') return;
    if (left.text === '__all__') {
      // `__all__ = ['a', 'b']` is the module's declared public API.
      const right = assign.childForFieldName('right');
      if (right?.type === 'list' || right?.type === 'tuple') {
        publicNames ??= new Set();
        for (const m of right.text.matchAll(/['"]([^'"\s]+)['"]/g)) publicNames.add(m[1]!);
      }
      return;
    }
    if (!ALL_CAPS.test(left.text)) return;
    symbols.push(plainSymbol('variable', left.text, stmt, scope));
  };
  let publicNames: Set<string> | undefined;

  /** A one-statement symbol (a constant or a type alias): its first line is its signature. */
  const plainSymbol = (kind: 'variable' | 'type', name: string, stmt: Node, scope: Scope): SymbolDraft => ({
    kind,
    name,
    qualifiedName: scope.parent ? `${scope.parent.qualifiedName}.${name}` : name,
    signature: collapseSignature(stmt.text.split('\n', 1)[0]!),
    doc: '',
    startLine: lineOf(stmt),
    endLine: stmt.endPosition.row + 1,
    parent: scope.parent?.qualifiedName ?? null,
    exported: isPublic(name) && (scope.parent === null || scope.inside === 'class'),
    start: stmt.startIndex,
    end: stmt.endIndex,
    params: [],
    bodyless: false,
  });

  walkChildren({ parent: null, inside: 'module' });
  if (publicNames) applyAll(symbols, publicNames);
  const first = root.firstNamedChild;
  const moduleDoc = first ? stringStatementText(first) : '';
  return { symbols, imports, moduleDoc };
}

/** With `__all__`, exactly the names it lists are exported at top level; members follow their class. */
function applyAll(symbols: SymbolDraft[], names: Set<string>): void {
  const exported = new Set<string>();
  for (const s of symbols) {
    if (s.parent === null) s.exported = names.has(s.name);
    else if (s.kind === 'method' || (s.kind === 'class' && s.parent !== null)) s.exported = exported.has(s.parent) && isPublic(s.name);
    if (s.exported) exported.add(s.qualifiedName);
  }
}

/** Upper-case letter or underscore: module constants start with one. */
function isCapital(c: number): boolean {
  return (c >= 65 && c <= 90) || c === 95;
}

/** `_private` names are not public API; dunder names such as `__init__` are. */
function isPublic(name: string): boolean {
  return !name.startsWith('_') || (name.startsWith('__') && name.endsWith('__'));
}



function stringStatementText(stmt: Node): string {
  if (stmt.type !== 'expression_statement') return '';
  const s = stmt.firstNamedChild;
  if (!s || s.type !== 'string') return '';
  return pythonStringText(s.text);
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
