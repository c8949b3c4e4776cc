import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { chunkFile } from '../../indexers/chunk.js';
import { parseFile } from '../../indexers/parse/index.js';
import { codeTokens } from '../../indexers/tokenize.js';
import type { ChunkRecord, Language } from '../../indexers/types.js';

function chunks(path: string, text: string, language: Language, chunkMaxLines: number, fileHash = 'hash1'): ChunkRecord[] {
  return chunkFile(parseFile(path, text, language), text, { fileHash, chunkMaxLines });
}

const codeLines = (c: ChunkRecord): string[] => c.text.slice(c.text.indexOf('\n\n') + 2).split('\n');

/** A class of `n` methods, each five lines plus a JSDoc line and a blank line. */
function bigClass(n: number): string {
  const methods = Array.from({ length: n }, (_, i) =>
    [`  /** Method ${i}. */`, `  method${i}(x: number): number {`, `    const y = x * ${i};`, `    return compute${i}(y);`, '  }', ''].join('\n'),
  );
  return ["import { base } from './base.js';", '', '/** Holds many methods. */', 'export class Big {', '  private state = 0;', '', ...methods, '}', ''].join('\n');
}

describe('chunkFile for code', () => {
  it('gives a short class one chunk with all its code, and each method its own chunk', () => {
    const text = 'export class Small {\n  a() { return 1; }\n  b() { return 2; }\n}\n';
    const out = chunks('src/small.ts', text, 'typescript', 50);
    expect(out.map((c) => `${c.kind} ${c.qualifiedName} ${c.startLine}-${c.endLine}`)).toEqual([
      'class Small 1-4',
      'method Small.a 2-2',
      'method Small.b 3-3',
    ]);
    expect(codeLines(out[0]!)).toEqual(text.trimEnd().split('\n'));
    expect(out[1]!.parent).toBe('Small');
  });

  it('splits a long class around its methods: parts repeat the signature and never hold method bodies', () => {
    const text = bigClass(12); // 6 + 12 * 6 + 1 lines
    const max = 20;
    const out = chunks('src/big.ts', text, 'typescript', max);
    const classParts = out.filter((c) => c.kind === 'class');
    expect(classParts.length).toBeGreaterThan(1);
    classParts.forEach((part, i) => {
      const code = codeLines(part);
      expect(code.length).toBeLessThanOrEqual(max);
      expect(code[0]).toBe('export class Big {'.replace(' {', i === 0 ? ' {' : ' …'));
      expect(part.text).toContain(`(part ${i + 1} of ${classParts.length})`);
      for (const line of code) expect(line).not.toMatch(/return compute/);
    });
    // Every method appears as a stub in exactly one part, and as a chunk of its own.
    for (let i = 0; i < 12; i++) {
      expect(classParts.filter((p) => p.text.includes(`method${i}(x: number): number …`)).length).toBe(1);
      const own = out.filter((c) => c.qualifiedName === `Big.method${i}`);
      expect(own).toHaveLength(1);
      expect(own[0]!.text).toContain(`return compute${i}(y);`);
    }
    // Parts cover the class in order without overlapping.
    for (let i = 1; i < classParts.length; i++) expect(classParts[i]!.startLine).toBeGreaterThan(classParts[i - 1]!.endLine);
    expect(classParts[0]!.startLine).toBe(4);
    expect(classParts[classParts.length - 1]!.endLine).toBe(text.trimEnd().split('\n').length);
  });

  it('splits a long function without children into parts of at most chunkMaxLines lines', () => {
    const body = Array.from({ length: 95 }, (_, i) => (i % 10 === 9 ? '' : `  step${i}();`));
    const text = ['def long_one():', '    """Many steps."""', ...body.map((l) => l.replace(/^ {2}/, '    ')), ''].join('\n');
    const out = chunks('long.py', text, 'python', 30).filter((c) => c.kind === 'function');
    expect(out.length).toBeGreaterThanOrEqual(4);
    const seen = new Set<string>();
    for (const [i, part] of out.entries()) {
      const code = codeLines(part);
      expect(code.length).toBeLessThanOrEqual(30);
      if (i > 0) expect(code[0]).toBe('def long_one() …');
      for (const l of code) if (/step\d+/.test(l)) seen.add(l.trim());
    }
    expect(seen.size).toBe(body.filter(Boolean).length); // every line kept, none lost between parts
    expect(out.map((c) => c.id).length).toBe(new Set(out.map((c) => c.id)).size);
  });

  it('makes a header chunk of imports and module doc, without the first symbol’s JSDoc', () => {
    const text = '// Module notes.\nimport { a } from "./a.js";\n\n/** First. */\nexport function first() {}\n';
    const out = chunks('src/m.ts', text, 'typescript', 50);
    const header = out.find((c) => c.kind === 'header')!;
    expect([header.startLine, header.endLine]).toEqual([1, 2]);
    expect(header.doc).toBe('Module notes.');
    expect(header.text).not.toContain('First.');
    expect(out.find((c) => c.name === 'first')!.doc).toBe('First.');
  });

  it('keeps top-level code between symbols as text chunks, and skips comment-only gaps', () => {
    const text = [
      'function a() {}',
      '// just a comment',
      'function b() {}',
      "describe('suite', () => {",
      "  it('works', () => { expect(a()).toBe(b()); });",
      '});',
      '',
    ].join('\n');
    const out = chunks('test/a.test.js', text, 'javascript', 50);
    expect(out.map((c) => `${c.kind} ${c.name} ${c.startLine}-${c.endLine}`)).toEqual(['text  4-6', 'function a 1-1', 'function b 3-3']);
  });

  it('cuts a code file without symbols into header chunks that keep every line', () => {
    const lines = Array.from({ length: 50 }, (_, i) => (i % 7 === 6 ? '' : `run(${i});`));
    const text = `${lines.join('\n')}\n`;
    const out = chunks('scripts/setup.js', text, 'javascript', 20);
    expect(out.length).toBeGreaterThanOrEqual(3);
    expect(out.every((c) => c.kind === 'header' && c.endLine - c.startLine < 20)).toBe(true);
    const covered = new Set(out.flatMap((c) => Array.from({ length: c.endLine - c.startLine + 1 }, (_, k) => c.startLine + k)));
    lines.forEach((l, i) => l && expect(covered.has(i + 1)).toBe(true));
  });

  it('builds the embedded text from path, name, signature, doc and code, and tokens from code and path', () => {
    const text = '/** Parses HTTP responses. */\nexport function parseResponse(raw: string): Response {\n  return decodeBody(raw);\n}\n';
    const [c] = chunks('src/net/http_client.ts', text, 'typescript', 50);
    expect(c!.text).toBe(
      [
        'src/net/http_client.ts',
        'function parseResponse',
        'export function parseResponse(raw: string): Response',
        'Parses HTTP responses.',
        '',
        'export function parseResponse(raw: string): Response {',
        '  return decodeBody(raw);',
        '}',
      ].join('\n'),
    );
    const expected = [...codeTokens(text.split('\n').slice(1).join('\n').trimEnd()), ...codeTokens('Parses HTTP responses.'), ...codeTokens('src/net/http_client.ts')];
    expect(c!.tokens).toBe(expected.join(' '));
    expect(c!.tokens.split(' ')).toEqual(expect.arrayContaining(['parseresponse', 'parse', 'response', 'decodebody', 'http', 'client']));
  });

  it('heads the embedded text with the first paragraph of a long doc only', () => {
    const para2 = Array.from({ length: 40 }, (_, i) => `    Detail line ${i}.`).join('\n');
    const py = `def solve(eq):\n    """Solve an equation.\n\n${para2}\n    """\n    return eq\n`;
    const [c] = chunks('solver.py', py, 'python', 200);
    expect(c!.doc).toContain('Detail line 39.');
    const head = c!.text.slice(0, c!.text.indexOf('\n\n'));
    expect(head).toBe('solver.py\nfunction solve\ndef solve(eq)\nSolve an equation.');
  });

  it('gives stable ids that change with content and stay unique for repeated names', () => {
    const text = 'if X:\n    def f():\n        return 1\nelse:\n    def f():\n        return 2\n';
    const a = chunks('m.py', text, 'python', 50, 'h1');
    const b = chunks('m.py', text, 'python', 50, 'h1');
    const c = chunks('m.py', text, 'python', 50, 'h2');
    expect(a.map((x) => x.id)).toEqual(b.map((x) => x.id));
    expect(new Set(a.map((x) => x.id)).size).toBe(a.length);
    expect(a.filter((x) => x.qualifiedName === 'f')).toHaveLength(2);
    for (const x of c) expect(a.map((y) => y.id)).not.toContain(x.id);
  });
});

describe('chunkFile for text', () => {
  it('cuts Markdown at headings and names chunks after them', () => {
    const section = (title: string, n: number) => [`## ${title}`, '', ...Array.from({ length: n }, (_, i) => `${title} line ${i}.`), ''];
    const text = ['# Guide', '', ...section('Install', 8), ...section('Usage', 8), ...section('Configure', 8)].join('\n');
    const out = chunks('docs/guide.md', text, 'text', 15);
    expect(out.map((c) => c.name)).toEqual(['Guide', 'Usage', 'Configure']);
    expect(out.every((c) => c.kind === 'text' && c.language === 'text')).toBe(true);
    expect(out[1]!.startLine).toBe(14);
  });

  it('never makes an empty chunk, keeps every non-blank line, and respects the size (property)', () => {
    const line = fc.oneof(fc.constant(''), fc.constant('   '), fc.constant('# Heading'), fc.string({ minLength: 1, maxLength: 20 }).map((s) => s.replace(/[\r\n]/g, ' ')));
    fc.assert(
      fc.property(fc.array(line, { maxLength: 120 }), fc.integer({ min: 10, max: 40 }), fc.boolean(), (lines, max, crlf) => {
        const text = lines.join(crlf ? '\r\n' : '\n');
        const out = chunkFile(parseFile('notes.txt', text, 'text'), text, { fileHash: 'h', chunkMaxLines: max });
        const covered = new Set<number>();
        for (const c of out) {
          expect(c.text.trim()).not.toBe('');
          expect(c.startLine).toBeGreaterThanOrEqual(1);
          expect(c.endLine).toBeGreaterThanOrEqual(c.startLine);
          expect(c.endLine - c.startLine + 1).toBeLessThanOrEqual(max);
          for (let l = c.startLine; l <= c.endLine; l++) covered.add(l);
        }
        lines.forEach((l, i) => {
          if (l.trim() !== '') expect(covered.has(i + 1)).toBe(true);
        });
      }),
      { numRuns: 200 },
    );
  });

  it('never makes an empty chunk for code either (property over generated Python)', () => {
    const stmt = fc.oneof(fc.constant('x = 1'), fc.constant(''), fc.constant('# note'), fc.constant('pass'));
    const def = fc
      .tuple(fc.constantFrom('def', 'class'), fc.array(stmt, { maxLength: 30 }), fc.nat(999))
      .map(([kw, body, n]) => [`${kw} n${n}${kw === 'def' ? '()' : ''}:`, ...(body.length ? body : ['pass']).map((s) => `    ${s}`)].join('\n'));
    fc.assert(
      fc.property(fc.array(fc.oneof(def, stmt), { maxLength: 25 }), fc.integer({ min: 10, max: 30 }), (parts, max) => {
        const text = parts.join('\n');
        for (const c of chunkFile(parseFile('gen.py', text, 'python'), text, { fileHash: 'h', chunkMaxLines: max })) {
          expect(codeLines(c).join('\n').trim()).not.toBe('');
          expect(c.startLine).toBeLessThanOrEqual(c.endLine);
        }
      }),
      { numRuns: 100 },
    );
  });
});
