import { describe, expect, it } from 'vitest';
import { EditError, applySearchReplace } from '../../agent/edits/index.js';

function errorOf(fn: () => unknown): EditError {
  try {
    fn();
  } catch (err) {
    if (err instanceof EditError) return err;
    throw err;
  }
  throw new Error('expected an EditError');
}

const TS = [
  'export function total(items: Item[]): number {',
  '  let sum = 0;',
  '  for (const item of items) {',
  '    sum += item.price;',
  '  }',
  '  return sum;',
  '}',
  '',
  'export function count(items: Item[]): number {',
  '  return items.length;',
  '}',
  '',
].join('\n');

describe('applySearchReplace: the matching ladder', () => {
  it('replaces an exact, unique match and reports its lines', () => {
    const r = applySearchReplace(TS, '    sum += item.price;\n', '    sum += item.price * item.qty;\n');
    expect(r.matchedBy).toBe('exact');
    expect(r.line).toBe(4);
    expect(r.endLine).toBe(4);
    expect(r.text).toBe(TS.replace('sum += item.price;', 'sum += item.price * item.qty;'));
  });

  it('matches part of a line exactly', () => {
    const r = applySearchReplace(TS, 'items.length', 'items.filter(Boolean).length');
    expect(r.matchedBy).toBe('exact');
    expect(r.line).toBe(10);
    expect(r.text).toContain('return items.filter(Boolean).length;');
  });

  it('keeps lines apart when the replacement lacks the search block’s final newline', () => {
    const r = applySearchReplace(TS, '  return sum;\n', '  return Math.round(sum);');
    expect(r.text).toContain('  return Math.round(sum);\n}\n');
  });

  it('ignores trailing whitespace and LF vs CRLF in the search (whitespace rung)', () => {
    const search = 'export function count(items: Item[]): number {   \r\n  return items.length;\t\r\n}\r\n';
    const r = applySearchReplace(TS, search, 'export function count(items: Item[]): number {\n  return items.length + 0;\n}\n');
    expect(r.matchedBy).toBe('whitespace');
    expect(r.line).toBe(9);
    expect(r.endLine).toBe(11);
    expect(r.text).toBe(TS.replace('return items.length;', 'return items.length + 0;'));
  });

  it('re-indents the replacement when the search block was sent at another indentation', () => {
    const search = 'for (const item of items) {\n  sum += item.price;\n}';
    const replace = 'for (const item of items) {\n  if (item.free) continue;\n  sum += item.price;\n}';
    const r = applySearchReplace(TS, search, replace);
    expect(r.matchedBy).toBe('indentation');
    expect(r.text).toBe(TS.replace('  for (const item of items) {\n', '  for (const item of items) {\n    if (item.free) continue;\n'));
  });

  it('writes new lines with tabs in a tab-indented file when the model used spaces', () => {
    const file = 'class A {\n\trun() {\n\t\treturn 1;\n\t}\n}\n';
    const r = applySearchReplace(file, '    run() {\n        return 1;\n    }', '    run() {\n        log();\n        return 1;\n    }');
    expect(r.text).toBe('class A {\n\trun() {\n\t\tlog();\n\t\treturn 1;\n\t}\n}\n');
  });

  it('accepts a close fuzzy match and keeps the file’s own version of unchanged context lines', () => {
    // The model misremembered one identifier in a context line it does not change.
    const search = '  let total = 0;\n  for (const item of items) {\n    sum += item.price;';
    const replace = '  let total = 0;\n  for (const item of items) {\n    sum += item.price * 2;';
    const r = applySearchReplace(TS, search, replace);
    expect(r.matchedBy).toBe('fuzzy');
    expect(r.similarity).toBeGreaterThan(0.88);
    expect(r.text).toBe(TS.replace('sum += item.price;', 'sum += item.price * 2;'));
  });

  it('matches a search that leaves out or adds blank lines, keeping the file’s blank lines', () => {
    const file = 'function f() {\n  a();\n\n  b();\n  c();\n}\n';
    const changed = applySearchReplace(file, 'a();\nb();', 'a();\nb2();');
    expect(changed.matchedBy).toBe('indentation');
    expect([changed.line, changed.endLine]).toEqual([2, 4]);
    expect(changed.text).toBe('function f() {\n  a();\n\n  b2();\n  c();\n}\n');
    const inserted = applySearchReplace(file, '  a();\n  b();\n  c();', '  a();\n  b();\n  log();\n  c();');
    expect(inserted.matchedBy).toBe('whitespace');
    expect(inserted.text).toBe('function f() {\n  a();\n\n  b();\n  log();\n  c();\n}\n');
    const deleted = applySearchReplace(file, '  a();\n  b();\n  c();', '  a();\n  c();');
    expect(deleted.text).toBe('function f() {\n  a();\n  c();\n}\n');
    const extra = applySearchReplace(file, '  b();\n\n  c();', '  b();\n\n  c(1);');
    expect(extra.text).toBe('function f() {\n  a();\n\n  b();\n\n  c(1);\n}\n');
  });

  it('preserves CRLF line endings and a missing final newline', () => {
    const file = 'a = 1\r\nb = 2\r\nc = 3';
    const r1 = applySearchReplace(file, 'b = 2\n', 'b = 20\nb2 = 21\n');
    expect(r1.text).toBe('a = 1\r\nb = 20\r\nb2 = 21\r\nc = 3');
    const r2 = applySearchReplace(file, 'c = 3\n', 'c = 30\n');
    expect(r2.matchedBy).toBe('whitespace');
    expect(r2.text).toBe('a = 1\r\nb = 2\r\nc = 30');
  });

  it('keeps mixed line endings outside the match byte for byte', () => {
    const file = 'one\r\ntwo\nthree\r\nfour\n';
    const r = applySearchReplace(file, 'two \nthree', 'TWO\nTHREE');
    expect(r.text).toBe('one\r\nTWO\nTHREE\r\nfour\n');
  });

  it('deletes the last lines of a file without touching the line before them', () => {
    const r = applySearchReplace('a\nb\nc', 'c\n', '');
    expect(r.matchedBy).toBe('whitespace');
    expect(r.text).toBe('a\nb\n');
    // An exact search that includes the newline before removes it, as asked.
    expect(applySearchReplace('a\nb\nc', '\nc', '').text).toBe('a\nb');
  });

  it('keeps a UTF-8 byte order mark', () => {
    const r = applySearchReplace('\uFEFFfirst\nsecond\n', 'first  \n', 'FIRST\n');
    expect(r.text).toBe('\uFEFFFIRST\nsecond\n');
  });
});

describe('applySearchReplace: errors the model can act on', () => {
  it('refuses an empty search and points at create_file', () => {
    const e = errorOf(() => applySearchReplace(TS, '  \n', 'x'));
    expect(e.code).toBe('empty_search');
    expect(e.hint).toMatch(/create_file/);
  });

  it('refuses an edit that changes nothing', () => {
    expect(errorOf(() => applySearchReplace(TS, 'return sum;', 'return sum;')).code).toBe('no_change');
  });

  it('names every place an ambiguous search matches, and asks for more context', () => {
    const e = errorOf(() => applySearchReplace(TS, '}\n', '};\n'));
    expect(e.code).toBe('ambiguous');
    expect(e.message).toMatch(/3 places in the file: line 5, line 7, line 11\./);
    const e2 = errorOf(() => applySearchReplace('x();\ny();\nz();\nx();\ny();\n', 'x();\ny();\n', 'w();\n'));
    expect(e2.message).toContain('lines 1-2, lines 4-5');
    expect(e2.hint).toMatch(/surrounding lines/);
  });

  it('treats the same block at two indentations as ambiguous rather than picking one', () => {
    const file = 'if (a) {\n  go();\n}\nfunction f() {\n  if (a) {\n    go();\n  }\n}\n';
    const e = errorOf(() => applySearchReplace(file, '    if (a) {\n      go();\n    }', 'x'));
    expect(e.code).toBe('ambiguous');
    expect(e.message).toContain('lines 1-3');
    expect(e.message).toContain('lines 5-7');
  });

  it('refuses a fuzzy match that is not clearly better than the runner-up', () => {
    const file = 'function a() {\n  return compute(1, 2);\n}\nfunction b() {\n  return compute(1, 3);\n}\n';
    const e = errorOf(() => applySearchReplace(file, '  return compute(1, 4);\n}', '  return 0;\n}'));
    expect(e.code).toBe('ambiguous');
  });

  it('quotes the closest lines with their numbers and the first difference when nothing matches', () => {
    const e = errorOf(() =>
      applySearchReplace(TS, 'export function count(list: Item[]): string {\n  return list.size;\n}', 'x', 'src/cart.ts'),
    );
    expect(e.code).toBe('no_match');
    expect(e.path).toBe('src/cart.ts');
    expect(e.message).toContain('src/cart.ts');
    expect(e.message).toContain(' 9 | export function count(items: Item[]): number {');
    expect(e.message).toContain('10 |   return items.length;');
    expect(e.message).toMatch(/First difference: search line 1/);
  });

  it('says so when nothing in the file resembles the search', () => {
    const e = errorOf(() => applySearchReplace(TS, 'zzzz qqqq', 'x'));
    expect(e.code).toBe('no_match');
    expect(e.message).toMatch(/No line of the file resembles/);
  });
});
