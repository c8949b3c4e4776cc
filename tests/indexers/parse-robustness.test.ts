import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { chunkFile } from '../../indexers/chunk.js';
import { parseFile } from '../../indexers/parse/index.js';
import { edgesFor } from '../../indexers/edges.js';
import type { Language } from '../../indexers/types.js';

const outline = (path: string, text: string, language: Language) =>
  parseFile(path, text, language).symbols.map((s) => `${s.kind} ${s.qualifiedName} ${s.startLine}-${s.endLine}`);

describe('parseFile on difficult input', () => {
  it('recovers symbols around syntax errors in TypeScript and reports where they are', () => {
    const text = [
      'export function before(a: number) {',
      '  return a + 1;',
      '}',
      '',
      'function broken(x: number {',
      '  return x +;',
      '}',
      '',
      'export class After {',
      '  run(): void {}',
      '}',
      '',
    ].join('\n');
    const file = parseFile('src/broken.ts', text, 'typescript');
    expect(file.hasErrors).toBe(true);
    expect(file.errorLines.length).toBeGreaterThan(0);
    expect(file.errorLines.every((l) => l >= 5 && l <= 7)).toBe(true);
    const names = file.symbols.map((s) => s.qualifiedName);
    expect(names).toContain('before');
    expect(names).toContain('After');
    expect(names).toContain('After.run');
    expect(file.symbols.find((s) => s.name === 'After')).toMatchObject({ startLine: 9, endLine: 11 });
  });

  it('recovers symbols around syntax errors in Python', () => {
    const text = ['def good():', '    return 1', '', 'def bad(:', '    pass', '', 'class Later:', '    def m(self):', '        return 2', ''].join('\n');
    const file = parseFile('m.py', text, 'python');
    expect(file.hasErrors).toBe(true);
    expect(file.errorLines).toContain(4);
    const names = file.symbols.map((s) => s.qualifiedName);
    expect(names).toContain('good');
    expect(names).toContain('Later');
    expect(names).toContain('Later.m');
  });

  it('parses an empty file of every language to nothing', () => {
    for (const language of ['typescript', 'tsx', 'javascript', 'python', 'text'] as const) {
      const file = parseFile(`empty.${language}`, '', language);
      expect(file).toMatchObject({ symbols: [], imports: [], moduleDoc: '', hasErrors: false, errorLines: [] });
      expect(chunkFile(file, '', { fileHash: 'h', chunkMaxLines: 50 })).toEqual([]);
    }
  });

  it('reads CRLF line endings and a byte-order mark like LF files', () => {
    const lf = '/** Doc\n * here */\nexport function f(a: number) {\n  return g(a);\n}\n\nclass K {\n  m() {}\n}\n';
    const crlf = `\uFEFF${lf.replace(/\n/g, '\r\n')}`;
    const a = parseFile('a.ts', lf, 'typescript');
    const b = parseFile('a.ts', crlf, 'typescript');
    expect(b.symbols).toEqual(a.symbols);
    expect(b.symbols[0]!.doc).toBe('Doc\nhere');
    const py = 'def f():\r\n    """One.\r\n\r\n    Two.\r\n    """\r\n    return 1\r\n';
    expect(parseFile('a.py', `\uFEFF${py}`, 'python').symbols[0]).toMatchObject({ doc: 'One.\n\nTwo.', startLine: 1, endLine: 6 });
  });

  it('keeps names, signatures and lines right after non-ASCII text', () => {
    const text = [
      "const greeting = 'héllo wörld 😀 — ünïcode';",
      '/** Grüße an alle 🌍. */',
      "export function grüße(näme: string): string { return `${greeting} ${näme} ✓`; }",
      'export class Ωmega { λ(): number { return größe(); } }',
      '',
    ].join('\n');
    const file = parseFile('i18n.ts', text, 'typescript');
    expect(file.symbols.map((s) => [s.qualifiedName, s.startLine, s.signature])).toEqual([
      ['grüße', 3, 'export function grüße(näme: string): string'],
      ['Ωmega', 4, 'export class Ωmega'],
      ['Ωmega.λ', 4, 'λ(): number'],
    ]);
    expect(file.symbols[0]!.doc).toBe('Grüße an alle 🌍.');
    expect(file.symbols[0]!.references).toEqual(['greeting']);
    expect(file.symbols[2]!.references).toEqual(['größe']);
    const py = "# -*- coding: utf-8 -*-\nMESSAGE = '日本語のテキスト'\n\ndef 関数(値):\n    '''説明。'''\n    return 値\n";
    const pf = parseFile('jp.py', py, 'python');
    expect(pf.symbols.map((s) => [s.qualifiedName, s.startLine, s.endLine, s.doc])).toEqual([
      ['MESSAGE', 2, 2, ''],
      ['関数', 4, 6, '説明。'],
    ]);
  });

  it('parses files over 100 KB and over 1 MB completely', () => {
    const unit = (i: number) => `export function f${i}(x: number): number {\n  return g${i}(x) + ${i};\n}\n\n`;
    const count = 20_000; // about 1.1 MB
    const big = Array.from({ length: count }, (_, i) => unit(i)).join('');
    expect(big.length).toBeGreaterThan(1_000_000);
    const file = parseFile('big.ts', big, 'typescript');
    expect(file.hasErrors).toBe(false);
    expect(file.symbols.length).toBe(count);
    expect(file.symbols[count - 1]).toMatchObject({ name: `f${count - 1}`, startLine: 4 * (count - 1) + 1, references: [`g${count - 1}`] });

    const pyUnit = (i: number) => `def p${i}(x):\n    """Doc ${i}."""\n    return q${i}(x)\n\n`;
    const medium = Array.from({ length: 4_000 }, (_, i) => pyUnit(i)).join('');
    expect(medium.length).toBeGreaterThan(100_000);
    const pf = parseFile('big.py', medium, 'python');
    expect(pf.symbols.length).toBe(4_000);
    expect(pf.symbols[3_999]).toMatchObject({ name: 'p3999', doc: 'Doc 3999.', startLine: 4 * 3999 + 1, endLine: 4 * 3999 + 3 });
  });

  it('yields no symbols for text files', () => {
    const file = parseFile('README.md', '# Title\n\nfunction notCode() {}\n', 'text');
    expect(file.symbols).toEqual([]);
    expect(file.language).toBe('text');
  });

  it('does not take strings, comments or regular expressions for references', () => {
    const text = [
      'export function pick(s: string) {',
      "  const a = 'notARef(x)'; // alsoNot()",
      '  /* nor this */ const re = /quoted(Word)/g;',
      '  return `${template(s)} literalWord` + real(a, re);',
      '}',
      '',
    ].join('\n');
    expect(parseFile('p.ts', text, 'typescript').symbols[0]!.references).toEqual(['template', 'real']);
    const py = "def pick(s):\n    x = 'notARef(s)'  # alsoNot()\n    return real(x, r\"raw\\d\", f'{s}')\n";
    expect(parseFile('p.py', py, 'python').symbols[0]!.references).toEqual(['real']);
  });
});

describe('languages', () => {
  it('maps outlines the same for each TypeScript extension', () => {
    const text = 'export const f = () => 1;\n';
    expect(outline('a.mts', text, 'typescript')).toEqual(['function f 1-1']);
    expect(outline('a.d.ts', 'export declare function f(): void;\n', 'typescript')).toEqual(['function f 1-1']);
  });
});

describe('parseFile on arbitrary input (property)', () => {
  // Fragments of real syntax glued at random: unbalanced braces, quotes, comments, decorators, unicode, CRLF.
  const fragment = fc.constantFrom(
    'function f(a) {', '}', 'class C {', 'def g(x):', '    return x', '@dec', 'export const h = () => {', '/**', '*/',
    '"""', "'", '"', '`${', '//', '#', '(', ')', '[', ']', 'import x from "./y";', 'from . import z', '\r\n', '\n',
    '  ', 'é😀', 'namespace N {', 'interface I { m(): void }', 'enum E { A }', 'async def k():', 'lambda: 0', '/re/g',
  );
  const source = fc.array(fragment, { maxLength: 60 }).map((parts) => parts.join(''));

  it('never throws, keeps lines in range, and chunks are never empty', () => {
    fc.assert(
      fc.property(source, fc.constantFrom<Language>('typescript', 'tsx', 'javascript', 'python'), (text, language) => {
        const file = parseFile(`gen.${language}`, text, language);
        const lineCount = text.split('\n').length;
        for (const s of file.symbols) {
          expect(s.startLine).toBeGreaterThanOrEqual(1);
          expect(s.endLine).toBeGreaterThanOrEqual(s.startLine);
          expect(s.endLine).toBeLessThanOrEqual(lineCount);
          expect(s.name).not.toBe('');
          expect(s.references.length).toBe(s.referenceLines!.length);
        }
        for (const l of file.errorLines) expect(l).toBeLessThanOrEqual(lineCount);
        const chunks = chunkFile(file, text, { fileHash: 'h', chunkMaxLines: 10 });
        for (const c of chunks) {
          expect(c.text.slice(c.text.indexOf('\n\n') + 2).trim()).not.toBe('');
          expect(c.startLine).toBeLessThanOrEqual(c.endLine);
        }
        expect(new Set(chunks.map((c) => c.id)).size).toBe(chunks.length);
        edgesFor(file);
      }),
      { numRuns: 300 },
    );
  });
});
