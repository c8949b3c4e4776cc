import { describe, expect, it } from 'vitest';
import { parseFile } from '../../indexers/parse/index.js';
import type { ParsedFile } from '../../indexers/types.js';

function outline(file: ParsedFile): string[] {
  return file.symbols.map((s) => `${s.kind} ${s.qualifiedName} ${s.startLine}-${s.endLine}`);
}

const js = (text: string): ParsedFile => parseFile('lib/x.js', text, 'javascript');

describe('JavaScript module wrappers', () => {
  it('reads the body of an immediately invoked function as top-level code', () => {
    const file = js(`;(function(root) {
'use strict';
function Lexer(options) {
  this.tokens = [];
}
Lexer.prototype.token = function(src) {
  return src;
};
var helpers = { escape: function(s) { return s; } };
root.marked = Lexer;
})(this);
`);
    expect(outline(file)).toEqual([
      'function Lexer 3-5',
      'method Lexer.token 6-8',
      'variable helpers 9-9',
      'method helpers.escape 9-9',
    ]);
  });

  it('reads `!function () {…}()`, `.call(this)` and arrow IIFEs', () => {
    expect(outline(js(`!function () {\n  function a() {}\n}();\n`))).toEqual(['function a 2-2']);
    expect(outline(js(`(function () {\n  function b() {}\n}).call(this);\n`))).toEqual(['function b 2-2']);
    expect(outline(js(`(() => {\n  function c() {}\n})();\n`))).toEqual(['function c 2-2']);
  });

  it('reads a UMD factory and an AMD define callback', () => {
    const umd = js(`(function (root, factory) {
  if (typeof define === 'function') define([], factory);
  else root.lib = factory();
})(this, function () {
  function parse(s) { return s; }
  return { parse: parse };
});
`);
    expect(outline(umd)).toEqual(['function parse 5-5']);
    const amd = js(`define(['dep'], function (dep) {\n  function run() {}\n  return run;\n});\n`);
    expect(outline(amd)).toEqual(['function run 2-2']);
  });

  it('leaves callbacks of other calls alone (test suites, event handlers)', () => {
    const file = js(`describe('lexer', function () {\n  function helper() {}\n  it('works', () => helper());\n});\n$(function () {\n  function onReady() {}\n});\n`);
    expect(outline(file)).toEqual([]);
  });

  it('gives a chained assignment of a function to its first name', () => {
    const file = js(`p5._validate = p5._friendly = () => {\n  return 1;\n};\n`);
    expect(outline(file)).toEqual(['function p5._validate 1-3']);
  });

  it('does not walk wrappers nested inside functions', () => {
    const file = js(`function outer() {\n  (function () {\n    function inner() {}\n  })();\n}\n`);
    expect(outline(file)).toEqual(['function outer 1-5']);
  });
});

describe('JavaScript method tables passed to a factory', () => {
  it('names the methods of `X.Y = Base.extend({ … })` after the assigned name', () => {
    const file = js(`Chart.Tooltip = Element.extend({\n  initialize: function () {},\n  draw() {\n    return 1;\n  },\n});\nChart.count = compute(1, 2);\n`);
    expect(outline(file)).toEqual(['variable Chart.Tooltip 1-6', 'method Chart.Tooltip.initialize 2-2', 'method Chart.Tooltip.draw 3-5']);
  });
});
