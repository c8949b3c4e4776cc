import type Parser from 'tree-sitter';
import { jsdocText } from './draft.js';
import { stringValue } from './typescript-imports.js';

type Node = Parser.SyntaxNode;

/** Values that make a declaration a function: `const f = () => …`, `x.f = function () {…}`. */
export const FUNCTION_VALUES = new Set(['arrow_function', 'function_expression', 'function', 'generator_function']);

/** `a.b.c` or `a['b']` as a dotted path; null for anything computed (`a[i]`, `f().x`, `this.x`). */
export function memberPath(node: Node | null): string | null {
  if (!node) return null;
  if (node.type === 'identifier') return node.text;
  if (node.type === 'member_expression') {
    const object = memberPath(node.childForFieldName('object'));
    const property = node.childForFieldName('property');
    return object !== null && property ? `${object}.${property.text}` : null;
  }
  if (node.type === 'subscript_expression') {
    const object = memberPath(node.childForFieldName('object'));
    const index = node.childForFieldName('index');
    return object !== null && index?.type === 'string' ? `${object}.${stringValue(index)}` : null;
  }
  return null;
}

/** Whether an object literal holds methods; only its first members are looked at, data tables can be huge. */
export function hasFunctionMembers(obj: Node): boolean {
  const count = Math.min(obj.namedChildCount, 64);
  for (let i = 0; i < count; i++) {
    const member = obj.namedChild(i)!;
    if (member.type === 'method_definition') return true;
    if (member.type === 'pair') {
      const value = member.childForFieldName('value');
      if (value && FUNCTION_VALUES.has(value.type)) return true;
    }
  }
  return false;
}

/** A member's name as written, quotes removed from string keys. */
export function memberName(name: Node): string {
  const t = name.text;
  if (name.type === 'string') return t.slice(1, -1);
  return t;
}

/** Not `#private` and not marked `private` or `protected`. */
export function isPublicMember(member: Node, name: Node): boolean {
  if (name.type === 'private_property_identifier') return false;
  for (const c of member.children) {
    if (c.type === 'accessibility_modifier') return c.text === 'public';
    if (c === name) break;
  }
  return true;
}

/** Offset of the end of the first line of `start`..`end`. */
export function firstLineEnd(text: string, start: number, end: number): number {
  const nl = text.indexOf('\n', start);
  return nl < 0 || nl > end ? end : nl;
}

/**
 * The JSDoc block directly above a declaration: no blank line between them, though line comments such as
 * `// eslint-disable-next-line` may sit in between.
 */
export function docBefore(node: Node): string {
  let row = node.startPosition.row;
  let prev = node.previousSibling;
  while (prev && prev.type === 'comment' && prev.endPosition.row >= row - 1) {
    const t = prev.text;
    if (t.startsWith('/**')) return jsdocText(t);
    if (!t.startsWith('//')) return '';
    row = prev.startPosition.row;
    prev = prev.previousSibling;
  }
  return '';
}

/** Leading comment of the file (a license header or module overview). */
export function leadingComment(root: Node): string {
  const first = root.firstChild;
  if (!first || first.type !== 'comment') return '';
  const t = first.text;
  if (t.startsWith('/*')) return jsdocText(`/**${t.slice(t.startsWith('/**') ? 3 : 2)}`);
  const lines: string[] = [];
  let n: Node | null = first;
  let row = first.startPosition.row;
  while (n && n.type === 'comment' && n.text.startsWith('//') && n.startPosition.row <= row + 1) {
    lines.push(n.text.replace(/^\/\/\/?\s?/, ''));
    row = n.endPosition.row;
    n = n.nextSibling;
  }
  return lines.join('\n').trim();
}

/** Names bound by a parameter list (destructuring patterns are skipped). */
export function parameterNames(params: Node | null): string[] {
  if (!params) return [];
  if (params.type === 'identifier') return [params.text];
  const out: string[] = [];
  for (const p of params.namedChildren) {
    if (p.type === 'identifier') out.push(p.text);
    else {
      const n = p.childForFieldName('pattern') ?? p.childForFieldName('left') ?? p.firstNamedChild;
      if (n?.type === 'identifier') out.push(n.text);
    }
  }
  return out;
}

/** `<T, U extends X>`: type parameters are bound by the declaration, not references. */
export function typeParameterNames(decl: Node): string[] {
  const tp = decl.childForFieldName('type_parameters');
  if (!tp) return [];
  const out: string[] = [];
  for (const p of tp.namedChildren) {
    const n = p.childForFieldName('name');
    if (n) out.push(n.text);
  }
  return out;
}
