import type Parser from 'tree-sitter';
import type { ParsedImport, SymbolKind } from '../types.js';
import { collapseSignature, lineOf, type Extraction, type SymbolDraft } from './draft.js';
import { dynamicImports, exportFrom, importStatement } from './typescript-imports.js';
import {
  docBefore,
  FUNCTION_VALUES,
  firstLineEnd,
  hasFunctionMembers,
  isPublicMember,
  leadingComment,
  memberName,
  memberPath,
  parameterNames,
  typeParameterNames,
} from './typescript-syntax.js';

type Node = Parser.SyntaxNode;

const CLASS_VALUES = new Set(['class', 'class_expression']);
/** Statements whose blocks may declare nested functions and classes. */
const NESTING = new Set([
  'statement_block', 'if_statement', 'else_clause', 'for_statement', 'for_in_statement', 'while_statement',
  'do_statement', 'try_statement', 'catch_clause', 'finally_clause', 'switch_statement', 'switch_body', 'switch_case',
  'switch_default', 'labeled_statement',
]);

interface Scope {
  parent: SymbolDraft | null;
  /** Inside a function body: only declarations count, not consts. */
  inFunction: boolean;
  /** Inside an ambient `declare module` or `.d.ts` namespace, where everything is visible. */
  ambient: boolean;
}

/** Symbols, imports and leading comment of a TypeScript, TSX or JavaScript syntax tree. */
export function extractTypeScript(root: Node, text: string, language: 'typescript' | 'tsx' | 'javascript'): Extraction {
  const symbols: SymbolDraft[] = [];
  const imports: ParsedImport[] = [];
  const exportedNames = new Set<string>();

  const add = (
    kind: SymbolKind,
    name: string,
    decl: Node,
    outer: Node,
    scope: Scope,
    opts: {
      sigEnd?: number;
      exported: boolean;
      params?: Node | null;
      bodyless?: boolean;
      hidden?: boolean;
      qualifiedName?: string;
      /** Decorators written before the node as its siblings (class members): the symbol starts at the first. */
      decorators?: Node | null;
    },
  ): SymbolDraft => {
    const parent = scope.parent;
    const sym: SymbolDraft = {
      kind,
      name,
      qualifiedName: opts.qualifiedName ?? (parent ? `${parent.qualifiedName}.${name}` : name),
      signature: collapseSignature(text.slice(opts.decorators?.startIndex ?? outer.startIndex, opts.sigEnd ?? outer.endIndex)),
      doc: docBefore(opts.decorators ?? outer),
      startLine: lineOf(opts.decorators ?? outer),
      endLine: outer.endPosition.row + 1,
      parent: parent?.qualifiedName ?? null,
      exported: opts.exported,
      start: opts.decorators?.startIndex ?? outer.startIndex,
      end: Math.max(outer.endIndex, decl.endIndex),
      params: [...parameterNames(opts.params ?? null), ...typeParameterNames(decl)],
      bodyless: opts.bodyless ?? false,
      hidden: opts.hidden,
    };
    symbols.push(sym);
    return sym;
  };

  const walkStatements = (container: Node, scope: Scope): void => {
    for (const stmt of container.namedChildren) statement(stmt, stmt, scope, false);
  };

  /** Nested declarations inside a function body: functions and classes, not every local. */
  const walkBody = (body: Node | null, scope: Scope): void => {
    if (!body || body.type !== 'statement_block') return;
    // A cursor visits the statements without creating a node object for each; only declarations become nodes.
    const cursor = body.walk();
    const visit = (): void => {
      if (!cursor.gotoFirstChild()) return;
      do {
        const type = cursor.nodeType;
        switch (type) {
          case 'function_declaration':
          case 'generator_function_declaration':
          case 'class_declaration':
          case 'abstract_class_declaration': {
            const node = cursor.currentNode;
            statement(node, node, scope, false);
            break;
          }
          default:
            if (NESTING.has(type)) visit();
        }
      } while (cursor.gotoNextSibling());
      cursor.gotoParent();
    };
    visit();
  };

  const statement = (node: Node, outer: Node, scope: Scope, exported: boolean): void => {
    const isExported = exported || scope.ambient;
    switch (node.type) {
      case 'export_statement': {
        const source = node.childForFieldName('source');
        if (source) {
          imports.push(exportFrom(node, source));
          return;
        }
        const decl = node.childForFieldName('declaration');
        if (decl) return statement(decl, node, scope, true);
        const value = node.childForFieldName('value');
        if (value) return defaultExport(value, node, scope);
        for (const clause of node.namedChildren) {
          if (clause.type !== 'export_clause') continue;
          for (const spec of clause.namedChildren) {
            const n = spec.childForFieldName('name');
            if (n) exportedNames.add(n.text);
          }
        }
        return;
      }
      case 'function_declaration':
      case 'generator_function_declaration': {
        const name = node.childForFieldName('name');
        const body = node.childForFieldName('body');
        if (!name) return;
        const kind: SymbolKind = 'function';
        const sym = add(kind, name.text, node, outer, scope, {
          sigEnd: body?.startIndex,
          exported: isExported,
          params: node.childForFieldName('parameters'),
        });
        walkBody(body, { parent: sym, inFunction: true, ambient: false });
        return;
      }
      case 'function_signature': {
        const name = node.childForFieldName('name');
        if (name) add('function', name.text, node, outer, scope, { exported: isExported, params: node.childForFieldName('parameters'), bodyless: true });
        return;
      }
      case 'class_declaration':
      case 'abstract_class_declaration':
      case 'class': {
        const name = node.childForFieldName('name');
        if (!name) return;
        classSymbol(name.text, node, outer, scope, isExported);
        return;
      }
      case 'interface_declaration':
      case 'type_alias_declaration':
      case 'enum_declaration': {
        const name = node.childForFieldName('name');
        if (!name) return;
        const kind: SymbolKind = node.type === 'interface_declaration' ? 'interface' : node.type === 'enum_declaration' ? 'enum' : 'type';
        const body = kind === 'type' ? null : node.childForFieldName('body');
        add(kind, name.text, node, outer, scope, { sigEnd: body?.startIndex, exported: isExported });
        return;
      }
      case 'internal_module':
      case 'module': {
        const name = node.childForFieldName('name');
        if (!name) return;
        const body = node.childForFieldName('body');
        const sym = add('namespace', name.text.replace(/^['"]|['"]$/g, ''), node, outer, scope, {
          sigEnd: body?.startIndex,
          exported: isExported || name.type === 'string',
        });
        if (body) walkStatements(body, { parent: sym, inFunction: false, ambient: scope.ambient || name.type === 'string' });
        return;
      }
      case 'ambient_declaration':
        for (const child of node.namedChildren) statement(child, node, scope, exported);
        return;
      case 'expression_statement': {
        const inner = node.firstNamedChild;
        if (!inner) return;
        if (inner.type === 'internal_module' || inner.type === 'module') return statement(inner, outer === node ? node : outer, scope, exported);
        if (inner.type === 'assignment_expression' && !scope.parent) assignment(inner, node, scope);
        else if (!scope.parent && !scope.inFunction) wrapper(inner, scope);
        return;
      }
      case 'lexical_declaration':
      case 'variable_declaration': {
        if (scope.inFunction) return;
        const declarators = node.namedChildren.filter((c) => c.type === 'variable_declarator');
        for (const d of declarators) variable(d, declarators.length === 1 ? outer : d, scope, isExported);
        return;
      }
      case 'import_statement': {
        const source = node.childForFieldName('source');
        if (source) imports.push(importStatement(node, source));
        return;
      }
      default:
        return;
    }
  };

  const classSymbol = (name: string, node: Node, outer: Node, scope: Scope, exported: boolean): void => {
    const body = node.childForFieldName('body');
    const sym = add('class', name, node, outer, scope, { sigEnd: body?.startIndex, exported });
    if (!body) return;
    const inner: Scope = { parent: sym, inFunction: false, ambient: false };
    let decorators: Node | null = null;
    for (const member of body.namedChildren) {
      if (member.type === 'decorator') {
        decorators ??= member;
        continue;
      }
      if (member.type === 'comment') continue;
      const memberDecorators = decorators;
      decorators = null;
      switch (member.type) {
        case 'method_definition':
        case 'method_signature':
        case 'abstract_method_signature': {
          const mname = member.childForFieldName('name');
          if (!mname) break;
          const mbody = member.childForFieldName('body');
          const msym = add('method', memberName(mname), member, member, inner, {
            sigEnd: mbody?.startIndex,
            exported: exported && isPublicMember(member, mname),
            hidden: !isPublicMember(member, mname),
            params: member.childForFieldName('parameters'),
            bodyless: !mbody,
            decorators: memberDecorators,
          });
          walkBody(mbody, { parent: msym, inFunction: true, ambient: false });
          break;
        }
        case 'public_field_definition':
        case 'field_definition': {
          const fname = member.childForFieldName('name') ?? member.childForFieldName('property');
          const value = member.childForFieldName('value');
          if (!fname || !value || !FUNCTION_VALUES.has(value.type)) break;
          const fbody = value.childForFieldName('body');
          const msym = add('method', memberName(fname), member, member, inner, {
            sigEnd: fbody?.startIndex,
            exported: exported && isPublicMember(member, fname),
            hidden: !isPublicMember(member, fname),
            decorators: memberDecorators,
            params: value.childForFieldName('parameters') ?? value.childForFieldName('parameter'),
          });
          walkBody(fbody, { parent: msym, inFunction: true, ambient: false });
          break;
        }
        default:
          break;
      }
    }
  };

  const variable = (d: Node, outer: Node, scope: Scope, exported: boolean): void => {
    const name = d.childForFieldName('name');
    if (!name || name.type !== 'identifier') return;
    const value = d.childForFieldName('value');
    if (value && FUNCTION_VALUES.has(value.type)) {
      const body = value.childForFieldName('body');
      const sym = add('function', name.text, d, outer, scope, {
        sigEnd: body?.startIndex,
        exported,
        params: value.childForFieldName('parameters') ?? value.childForFieldName('parameter'),
      });
      walkBody(body, { parent: sym, inFunction: true, ambient: false });
    } else if (value && CLASS_VALUES.has(value.type)) {
      classSymbol(name.text, value, outer, scope, exported);
    } else if (value?.type === 'object' && hasFunctionMembers(value)) {
      const sym = add('variable', name.text, d, outer, scope, { exported, sigEnd: value.startIndex });
      objectMembers(value, sym, exported);
    } else if (exported) {
      add('variable', name.text, d, outer, scope, { exported, sigEnd: firstLineEnd(text, outer.startIndex, outer.endIndex) });
    }
  };

  const defaultExport = (value: Node, outer: Node, scope: Scope): void => {
    if (value.type === 'identifier') {
      exportedNames.add(value.text);
      return;
    }
    if (value.type === 'object') {
      if (!hasFunctionMembers(value)) return;
      const sym = add('variable', 'default', value, outer, scope, { exported: true, sigEnd: value.startIndex });
      return objectMembers(value, sym, true);
    }
    const own = value.childForFieldName('name')?.text;
    const name = own ?? 'default';
    if (CLASS_VALUES.has(value.type)) return classSymbol(name, value, outer, scope, true);
    if (FUNCTION_VALUES.has(value.type)) {
      const body = value.childForFieldName('body');
      const sym = add('function', name, value, outer, scope, {
        sigEnd: body?.startIndex,
        exported: true,
        params: value.childForFieldName('parameters') ?? value.childForFieldName('parameter'),
      });
      walkBody(body, { parent: sym, inFunction: true, ambient: false });
    }
  };

  /** A function or arrow value that becomes a symbol; its body is searched for nested declarations. */
  const functionValue = (kind: SymbolKind, name: string, value: Node, outer: Node, scope: Scope, exported: boolean, qualifiedName?: string): SymbolDraft => {
    const body = value.childForFieldName('body');
    const sym = add(kind, name, value, outer, scope, {
      sigEnd: body?.startIndex,
      exported,
      qualifiedName,
      params: value.childForFieldName('parameters') ?? value.childForFieldName('parameter'),
    });
    walkBody(body, { parent: sym, inFunction: true, ambient: false });
    return sym;
  };

  /** Methods of an object literal (`{ m() {}, f: () => … }`), as members of `owner`. */
  const objectMembers = (obj: Node, owner: SymbolDraft, exported: boolean): void => {
    const scope: Scope = { parent: owner, inFunction: false, ambient: false };
    for (const member of obj.namedChildren) {
      if (member.type === 'method_definition') {
        const mname = member.childForFieldName('name');
        if (!mname) continue;
        const body = member.childForFieldName('body');
        const sym = add('method', memberName(mname), member, member, scope, {
          sigEnd: body?.startIndex,
          exported,
          params: member.childForFieldName('parameters'),
        });
        walkBody(body, { parent: sym, inFunction: true, ambient: false });
      } else if (member.type === 'pair') {
        const key = member.childForFieldName('key');
        const value = member.childForFieldName('value');
        if (!key || !value || !FUNCTION_VALUES.has(value.type) || key.type === 'computed_property_name') continue;
        functionValue('method', memberName(key), value, member, scope, exported);
      }
    }
  };

  /**
   * Top-level assignments that define things: CommonJS exports (`module.exports = …`, `exports.f = …`),
   * prototype methods (`A.prototype.m = function …` is `A.m`) and functions or method tables hung on an object
   * (`lib.util = function …`, `lib['parse'] = …`, `p5.Conv = { m() {} }`).
   */
  const assignment = (assign: Node, stmt: Node, scope: Scope): void => {
    const left = assign.childForFieldName('left');
    let right = assign.childForFieldName('right');
    // `a.f = a.g = function …`: the value belongs to the first name; the others are aliases.
    while (right?.type === 'assignment_expression') right = right.childForFieldName('right');
    if (!left || !right || (left.type !== 'member_expression' && left.type !== 'subscript_expression')) return;
    const target = memberPath(left);
    if (target === null) return;
    if (target === 'module.exports') {
      if (right.type === 'identifier') exportedNames.add(right.text);
      if (right.type === 'object') {
        for (const p of right.namedChildren) {
          if (p.type === 'shorthand_property_identifier') exportedNames.add(p.text);
          else if (p.type === 'pair') {
            const v = p.childForFieldName('value');
            const k = p.childForFieldName('key');
            if (v?.type === 'identifier') exportedNames.add(v.text);
            else if (v && k && FUNCTION_VALUES.has(v.type)) functionValue('function', memberName(k), v, p, scope, true);
          } else if (p.type === 'method_definition') {
            const k = p.childForFieldName('name');
            const body = p.childForFieldName('body');
            if (k) add('function', memberName(k), p, p, scope, { sigEnd: body?.startIndex, exported: true, params: p.childForFieldName('parameters') });
          }
        }
        return;
      }
      const own = right.childForFieldName('name')?.text;
      if (own && CLASS_VALUES.has(right.type)) return classSymbol(own, right, stmt, scope, true);
      if (own && FUNCTION_VALUES.has(right.type)) functionValue('function', own, right, stmt, scope, true);
      return;
    }
    const commonJs = /^(?:module\.)?exports\.([^.]+)$/.exec(target);
    if (commonJs) {
      const name = commonJs[1]!;
      if (right.type === 'identifier') exportedNames.add(right.text);
      else if (CLASS_VALUES.has(right.type)) classSymbol(name, right, stmt, scope, true);
      else if (FUNCTION_VALUES.has(right.type)) functionValue('function', name, right, stmt, scope, true);
      return;
    }
    const isPrototype = target.includes('.prototype.');
    const qualifiedName = target.replace(/\.prototype\./g, '.');
    const name = qualifiedName.slice(qualifiedName.lastIndexOf('.') + 1);
    if (FUNCTION_VALUES.has(right.type)) {
      functionValue(isPrototype ? 'method' : 'function', name, right, stmt, scope, false, qualifiedName);
    } else if (CLASS_VALUES.has(right.type)) {
      classSymbol(name, right, stmt, scope, false);
    } else if (right.type === 'object' && hasFunctionMembers(right)) {
      const sym = add('variable', name, right, stmt, scope, { exported: false, qualifiedName, sigEnd: right.startIndex });
      objectMembers(right, sym, false);
    } else if (right.type === 'call_expression') {
      // A class made by a factory from a method table: `X.Tooltip = Element.extend({ draw() {…} })`.
      const table = right.childForFieldName('arguments')?.lastNamedChild;
      if (table?.type !== 'object' || !hasFunctionMembers(table)) return;
      const sym = add('variable', name, right, stmt, scope, { exported: false, qualifiedName, sigEnd: table.startIndex });
      objectMembers(table, sym, false);
    }
  };

  /**
   * Top-level code wrapped in a function that runs once — an IIFE (`(function (root) { … })(this)`,
   * `!function () { … }()`), a UMD or AMD factory (`define([…], function () { … })`) — is read as top-level
   * code, since libraries written that way define everything inside.
   */
  const wrapper = (expr: Node, scope: Scope): void => {
    const call = unwrap(expr);
    if (call?.type !== 'call_expression') return;
    let callee = unwrap(call.childForFieldName('function'));
    if (callee?.type === 'member_expression' && /^(call|apply)$/.test(callee.childForFieldName('property')?.text ?? '')) {
      callee = unwrap(callee.childForFieldName('object'));
    }
    if (!callee) return;
    const iife = FUNCTION_VALUES.has(callee.type);
    // Callbacks of other calls (`describe('…', () => …)`, `$(fn)`) run later or many times: not module code.
    if (!iife && !(callee.type === 'identifier' && callee.text === 'define')) return;
    const bodies = iife ? [callee] : [];
    for (const arg of call.childForFieldName('arguments')?.namedChildren ?? []) if (FUNCTION_VALUES.has(arg.type)) bodies.push(arg);
    for (const fn of bodies) {
      const body = fn.childForFieldName('body');
      if (body?.type === 'statement_block') walkStatements(body, scope);
    }
  };

  walkStatements(root, { parent: null, inFunction: false, ambient: false });
  if (exportedNames.size) {
    const late = new Set<string>();
    for (const s of symbols) {
      if (s.parent === null && exportedNames.has(s.name) && !s.exported) {
        s.exported = true;
        if (s.kind === 'class') late.add(s.qualifiedName);
      } else if (s.parent !== null && late.has(s.parent) && s.kind === 'method' && !s.hidden) s.exported = true;
    }
  }
  if (text.includes('require(') || text.includes('import(')) dynamicImports(root, language, imports);
  imports.sort((a, b) => a.line - b.line);
  return { symbols, imports, moduleDoc: leadingComment(root) };
}

/** An expression without the parentheses and `!`/`void` prefixes that wrap an immediately called function. */
function unwrap(node: Node | null): Node | null {
  while (node && (node.type === 'parenthesized_expression' || (node.type === 'unary_expression' && /^[!~+-]|^void/.test(node.text)))) {
    node = node.type === 'parenthesized_expression' ? node.namedChild(0) : node.childForFieldName('argument');
  }
  return node;
}
