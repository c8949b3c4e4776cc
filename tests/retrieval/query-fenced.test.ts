import { describe, expect, it } from 'vitest';
import { analyzeQuery } from '../../src/retrieval/query.js';

describe('names seen only in fenced code blocks', () => {
  it('are told apart from names the prose writes', () => {
    const q = analyzeQuery(
      'WebGL `blendMode` ignores alpha in _applyBlendMode\n\n```js\nfunction setup() {\n  createCanvas(300, 300, WEBGL);\n  blendMode(MULTIPLY);\n  textFont(font);\n}\n```\n',
    );
    expect(q.identifiers).toEqual(expect.arrayContaining(['blendMode', '_applyBlendMode', 'createCanvas', 'textFont', 'MULTIPLY']));
    expect([...q.fencedOnly].sort()).toEqual(['MULTIPLY', 'WEBGL', 'createCanvas', 'font', 'function', 'js', 'setup', 'textFont']);
  });

  it('counts a stack frame function as deliberate even when the trace sits in a fence', () => {
    const q = analyzeQuery('Crash:\n```\nTypeError: x is undefined\n    at parseInline (src/Lexer.js:12:5)\n```\n');
    expect(q.identifiers).toContain('parseInline');
    expect(q.fencedOnly.has('parseInline')).toBe(false);
  });

  it('treats an unclosed fence as running to the end of the text', () => {
    const q = analyzeQuery('See below\n```\nmyHelper(1)\n');
    expect(q.fencedOnly.has('myHelper')).toBe(true);
  });
});
