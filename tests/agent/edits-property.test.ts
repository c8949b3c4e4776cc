import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EditError, applySearchReplace } from '../../agent/edits/index.js';

/** A file as lines plus its line ending and whether it ends with one. */
interface Doc {
  lines: string[];
  eol: '\n' | '\r\n';
  finalNewline: boolean;
}

function render(d: Doc): string {
  if (d.lines.length === 0) return '';
  return d.lines.join(d.eol) + (d.finalNewline ? d.eol : '');
}

const WORDS = ['a', 'b', 'x', 'foo()', 'return x;', '}', '{', 'let y = 1;', 'if (ok)', 'call(a, b)', '// note', 'i++'];

/** A line of code-like text from a small vocabulary, so blocks repeat and nearly repeat. */
const codeLine = fc
  .tuple(fc.integer({ min: 0, max: 3 }), fc.array(fc.constantFrom(...WORDS), { minLength: 1, maxLength: 3 }))
  .map(([indent, words]) => '  '.repeat(indent) + words.join(' '));

const doc = (line: fc.Arbitrary<string>, min = 1) =>
  fc.record({
    lines: fc.array(line, { minLength: min, maxLength: 30 }),
    eol: fc.constantFrom<'\n' | '\r\n'>('\n', '\r\n'),
    finalNewline: fc.boolean(),
  });

/** Lines made unique by a tag, so a block occurs exactly once. */
function tagged(lines: string[], prefix = 'L'): string[] {
  return lines.map((l, i) => `${l} // ${prefix}${i}`);
}

/** Pick a block [start, end] (inclusive) of a document with `n` lines. */
const block = (n: number) =>
  fc.tuple(fc.integer({ min: 0, max: n - 1 }), fc.integer({ min: 0, max: 5 })).map(([s, len]) => [s, Math.min(n - 1, s + len)] as const);

function occurrences(text: string, search: string): number[] {
  const out: number[] = [];
  for (let i = text.indexOf(search); i >= 0; i = text.indexOf(search, i + 1)) out.push(i);
  return out;
}

/** The document with lines [start, end] replaced by `rep`, keeping its line ending and final newline. */
function spliced(d: Doc, start: number, end: number, rep: string[]): string {
  const lines = [...d.lines.slice(0, start), ...rep, ...d.lines.slice(end + 1)];
  return render({ ...d, lines });
}

/** Original text before line `line` (1-based) and after line `endLine`, for checking nothing else moved. */
function outside(text: string, line: number, endLine: number): { before: string; after: string } {
  const starts = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  const before = text.slice(0, starts[line - 1] ?? text.length);
  const after = endLine < starts.length ? text.slice(starts[endLine]!) : '';
  return { before, after };
}

describe('applySearchReplace properties', () => {
  it('an exact search applies exactly once or is refused as ambiguous — never elsewhere', () => {
    fc.assert(
      fc.property(
        doc(codeLine),
        fc.nat(),
        fc.nat(),
        fc.array(codeLine, { maxLength: 4 }),
        (d, a0, b0, rep) => {
          const text = render(d);
          const a = a0 % text.length;
          const b = a + 1 + (b0 % Math.min(80, text.length - a));
          const search = text.slice(a, b);
          fc.pre(search.trim() !== '');
          const replace = rep.join(d.eol) + (search.endsWith('\n') && rep.length ? d.eol : '');
          fc.pre(replace !== search);
          const hits = occurrences(text, search);
          let result;
          try {
            result = applySearchReplace(text, search, replace);
          } catch (err) {
            expect(err).toBeInstanceOf(EditError);
            const code = (err as EditError).code;
            if (hits.length > 1) expect(code).toBe('ambiguous');
            else expect(code).toBe('no_change');
            return;
          }
          expect(hits.length).toBe(1);
          expect(result.matchedBy).toBe('exact');
          expect(result.text).toBe(text.slice(0, hits[0]) + replace + text.slice(hits[0]! + search.length));
        },
      ),
      { numRuns: 400 },
    );
  });

  it('a block sent with other line endings and trailing spaces replaces exactly that block', () => {
    fc.assert(
      fc.property(
        doc(codeLine).chain((d) => fc.tuple(fc.constant({ ...d, lines: tagged(d.lines) }), block(d.lines.length))),
        fc.array(fc.constantFrom(' ', '  ', '\t', ''), { minLength: 6, maxLength: 6 }),
        fc.array(codeLine, { minLength: 1, maxLength: 4 }),
        ([d, [s, e]], pads, rep) => {
          const text = render(d);
          fc.pre(text.includes('\n')); // a one-line file has no line ending to keep
          const other = d.eol === '\n' ? '\r\n' : '\n';
          const searchLines = d.lines.slice(s, e + 1).map((l, i) => l + pads[i % pads.length]);
          fc.pre(searchLines.some((l, i) => l !== d.lines[s + i]) || other === '\r\n');
          const search = searchLines.join(other) + other;
          const newLines = tagged(rep, 'N');
          const r = applySearchReplace(text, search, newLines.join('\n') + '\n');
          expect(r.matchedBy).toBe('whitespace');
          expect([r.line, r.endLine]).toEqual([s + 1, e + 1]);
          expect(r.text).toBe(spliced(d, s, e, newLines));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('a block sent at another indentation replaces that block, re-indented back', () => {
    fc.assert(
      fc.property(
        doc(codeLine).chain((d) => fc.tuple(fc.constant({ ...d, lines: tagged(d.lines) }), block(d.lines.length))),
        fc.integer({ min: 1, max: 6 }),
        fc.array(codeLine, { minLength: 1, maxLength: 4 }),
        ([d, [s, e]], shift, rep) => {
          const text = render(d);
          fc.pre(text.includes('\n'));
          const pad = ' '.repeat(shift);
          const search = d.lines.slice(s, e + 1).map((l) => pad + l).join('\n');
          const newLines = tagged(rep, 'N');
          const r = applySearchReplace(text, search, newLines.map((l) => pad + l).join('\n'));
          expect(r.matchedBy).toBe('indentation');
          expect(r.line).toBe(s + 1);
          expect(r.text).toBe(spliced(d, s, e, newLines));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('a block sent without its blank lines replaces exactly that block', () => {
    const withBlanks = fc.array(fc.tuple(codeLine, fc.boolean()), { minLength: 2, maxLength: 25 }).map((pairs) => {
      const lines: string[] = [];
      tagged(pairs.map(([l]) => l)).forEach((l, i) => {
        lines.push(l);
        if (pairs[i]![1]) lines.push('');
      });
      return lines;
    });
    fc.assert(
      fc.property(
        withBlanks,
        fc.constantFrom<'\n' | '\r\n'>('\n', '\r\n'),
        fc.nat(),
        fc.nat(),
        fc.array(codeLine, { minLength: 1, maxLength: 3 }),
        (lines, eol, a, b, rep) => {
          const d: Doc = { lines, eol, finalNewline: true };
          const nonBlank = lines.flatMap((l, i) => (l ? [i] : []));
          const s = nonBlank[a % nonBlank.length]!;
          const e = nonBlank[Math.min(nonBlank.length - 1, nonBlank.indexOf(s) + (b % 5))]!;
          const search = lines.slice(s, e + 1).filter((l) => l !== '').join('\n');
          const newLines = tagged(rep, 'N');
          const r = applySearchReplace(render(d), search, newLines.join('\n'));
          expect([r.line, r.endLine]).toEqual([s + 1, e + 1]);
          expect(r.text).toBe(spliced(d, s, e, newLines));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('a slightly wrong search lands on the intended block or is refused — never elsewhere', () => {
    fc.assert(
      fc.property(
        doc(codeLine, 3).chain((d) => fc.tuple(fc.constant({ ...d, lines: tagged(d.lines) }), block(d.lines.length))),
        fc.nat(),
        fc.nat(),
        fc.array(codeLine, { minLength: 1, maxLength: 3 }),
        ([d, [s, e]], which, pos, rep) => {
          const text = render(d);
          const lines = d.lines.slice(s, e + 1);
          const k = which % lines.length;
          const line = lines[k]!;
          // Change a visible character; indentation changes are the indentation rung's business.
          const visible = [...line].map((c, i) => (c.trim() ? i : -1)).filter((i) => i >= 0);
          const p = visible[pos % visible.length]!;
          lines[k] = line.slice(0, p) + (line[p] === 'q' ? 'z' : 'q') + line.slice(p + 1);
          const newLines = tagged(rep, 'N');
          let r;
          try {
            r = applySearchReplace(text, lines.join('\n'), newLines.join('\n'));
          } catch (err) {
            expect(['no_match', 'ambiguous']).toContain((err as EditError).code);
            return;
          }
          expect(r.line).toBe(s + 1);
          expect(r.endLine).toBe(e + 1);
          expect(r.text).toBe(spliced(d, s, e, newLines));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('a block that occurs twice is always refused as ambiguous, however it is sent', () => {
    fc.assert(
      fc.property(
        fc.array(codeLine, { minLength: 1, maxLength: 5 }),
        fc.array(codeLine, { maxLength: 5 }),
        fc.array(codeLine, { maxLength: 5 }),
        fc.constantFrom('exact', 'crlf', 'trailing', 'indent', 'typo'),
        (blk, gap, tail, how) => {
          const dup = tagged(blk, 'D');
          const lines = [...tagged(gap, 'G'), ...dup, ...tagged(tail, 'T'), ...dup];
          const text = lines.join('\n') + '\n';
          let search = dup.join('\n');
          if (how === 'crlf') search = dup.join('\r\n');
          if (how === 'trailing') search = dup.map((l) => l + '  ').join('\n');
          if (how === 'indent') search = dup.map((l) => '    ' + l).join('\n');
          if (how === 'typo') search = search.replace(/D0/, 'Q0');
          try {
            applySearchReplace(text, search, 'replaced();');
          } catch (err) {
            // A typo may also make the block too different to match at all; either way nothing is applied.
            expect((err as EditError).code).toBe(how === 'typo' && (err as EditError).code === 'no_match' ? 'no_match' : 'ambiguous');
            return;
          }
          throw new Error(`applied a ${how} search that matches two places`);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('whatever the search, an applied edit leaves every line outside its reported range unchanged', () => {
    const lineOrBlank = fc.oneof({ arbitrary: codeLine, weight: 4 }, { arbitrary: fc.constantFrom('', '  '), weight: 1 });
    fc.assert(
      fc.property(doc(lineOrBlank), fc.array(lineOrBlank, { minLength: 1, maxLength: 4 }), fc.array(lineOrBlank, { maxLength: 4 }), (d, s, rep) => {
        const text = render(d);
        let r;
        try {
          r = applySearchReplace(text, s.join('\n'), rep.join('\n'));
        } catch (err) {
          expect(err).toBeInstanceOf(EditError);
          return;
        }
        const { before, after } = outside(text, r.line, r.endLine);
        expect(r.text.startsWith(before)).toBe(true);
        expect(r.text.endsWith(after)).toBe(true);
        expect(r.text.length).toBeGreaterThanOrEqual(before.length + after.length);
      }),
      { numRuns: 400 },
    );
  });
});
