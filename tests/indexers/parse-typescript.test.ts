import { describe, expect, it } from 'vitest';
import { languageForPath, parseFile } from '../../indexers/parse/index.js';
import type { ParsedFile, ParsedSymbol } from '../../indexers/types.js';

/** kind, qualified name and lines of every symbol, in order: the shape most assertions compare. */
function outline(file: ParsedFile): string[] {
  return file.symbols.map((s) => `${s.kind} ${s.qualifiedName} ${s.startLine}-${s.endLine}`);
}

function symbol(file: ParsedFile, qualifiedName: string): ParsedSymbol {
  const found = file.symbols.find((s) => s.qualifiedName === qualifiedName);
  if (!found) throw new Error(`no symbol ${qualifiedName} in ${outline(file).join(', ')}`);
  return found;
}

const TS = `// Geometry helpers used by the renderer.
import { clamp, type Range } from './math.js';
import * as path from 'node:path';

/**
 * Area of a rectangle.
 * @param w width
 */
export function area(w: number, h: number): number {
  function square(x: number) {
    return multiply(x, x);
  }
  return clamp(w * h, square(w));
}

export const perimeter = (w: number, h: number): number => 2 * (w + h);
const scale = function (k: number) { return k * LIMIT; };
export const LIMIT = 100;
const internal = 5;

/** A shape with a position. */
export abstract class Shape<T> extends Base implements Drawable {
  private origin = 0;
  static readonly unit = 1;
  onResize = (e: ResizeEvent): void => {
    this.layout(e.size);
  };

  constructor(private readonly name: string) {
    super();
  }

  /** Draws the shape. */
  draw(ctx: Canvas): void {
    ctx.stroke(path.join(this.name));
  }

  abstract layout(size: Size): void;
  #hidden(): void {}
}

export interface Drawable {
  draw(ctx: Canvas): void;
}
export type Point = { x: number; y: number };
export enum Color {
  Red,
  Green,
}
export namespace Units {
  export function px(n: number): string {
    return \`\${n}px\`;
  }
}
declare module 'ambient-lib' {
  export function configure(opts: Options): void;
}
export function overload(a: string): string;
export function overload(a: number): number;
export function overload(a: unknown): unknown {
  return a;
}
export default function () {
  return 1;
}
`;

describe('parseFile for TypeScript', () => {
  const file = parseFile('src/geometry.ts', TS, 'typescript');

  it('finds every kind of symbol with exact lines', () => {
    expect(outline(file)).toEqual([
      'function area 9-14',
      'function area.square 10-12',
      'function perimeter 16-16',
      'function scale 17-17',
      'variable LIMIT 18-18',
      'class Shape 22-40',
      'method Shape.onResize 25-27',
      'method Shape.constructor 29-31',
      'method Shape.draw 34-36',
      'method Shape.layout 38-38',
      'method Shape.#hidden 39-39',
      'interface Drawable 42-44',
      'type Point 45-45',
      'enum Color 46-49',
      'namespace Units 50-54',
      'function Units.px 51-53',
      'namespace ambient-lib 55-57',
      'function ambient-lib.configure 56-56',
      'function overload 60-62',
      'function default 63-65',
    ]);
    expect(file.hasErrors).toBe(false);
    expect(file.errorLines).toEqual([]);
  });

  it('reads JSDoc without markers, and the leading comment as module doc', () => {
    expect(symbol(file, 'area').doc).toBe('Area of a rectangle.\n@param w width');
    expect(symbol(file, 'Shape').doc).toBe('A shape with a position.');
    expect(symbol(file, 'Shape.draw').doc).toBe('Draws the shape.');
    expect(symbol(file, 'perimeter').doc).toBe('');
    expect(file.moduleDoc).toBe('Geometry helpers used by the renderer.');
  });

  it('gives signatures up to the body, whitespace collapsed', () => {
    expect(symbol(file, 'area').signature).toBe('export function area(w: number, h: number): number');
    expect(symbol(file, 'perimeter').signature).toBe('export const perimeter = (w: number, h: number): number =>');
    expect(symbol(file, 'Shape').signature).toBe('export abstract class Shape<T> extends Base implements Drawable');
    expect(symbol(file, 'Shape.draw').signature).toBe('draw(ctx: Canvas): void');
    expect(symbol(file, 'Shape.onResize').signature).toBe('onResize = (e: ResizeEvent): void =>');
    expect(symbol(file, 'Point').signature).toBe('export type Point = { x: number; y: number };');
    expect(symbol(file, 'Units').signature).toBe('export namespace Units');
    expect(symbol(file, 'overload').signature).toBe('export function overload(a: unknown): unknown');
  });

  it('marks exports, and hides private members', () => {
    const exported = file.symbols.filter((s) => s.exported).map((s) => s.qualifiedName);
    expect(exported).toContain('area');
    expect(exported).toContain('LIMIT');
    expect(exported).toContain('Shape.draw');
    expect(exported).toContain('default');
    expect(exported).toContain('ambient-lib.configure');
    expect(exported).not.toContain('scale');
    expect(exported).not.toContain('area.square');
    expect(exported).not.toContain('Shape.#hidden');
    expect(file.symbols.find((s) => s.name === 'internal')).toBeUndefined();
  });

  it('sets parents to the enclosing qualified name', () => {
    expect(symbol(file, 'Shape.draw').parent).toBe('Shape');
    expect(symbol(file, 'area.square').parent).toBe('area');
    expect(symbol(file, 'area').parent).toBeNull();
  });

  it('lists references: calls, types and members, not parameters, keywords or nested symbols', () => {
    expect(symbol(file, 'area').references).toEqual(['clamp', 'square']);
    expect(symbol(file, 'area').referenceLines).toEqual([13, 13]);
    expect(symbol(file, 'area.square').references).toEqual(['multiply']);
    // Fields are bindings of the class, the type parameter is bound by it: neither is a reference.
    expect(symbol(file, 'Shape').references).toEqual(['Base', 'Drawable']);
    expect(symbol(file, 'Shape.draw').references).toEqual(['Canvas', 'stroke', 'path', 'name']);
    expect(symbol(file, 'Shape.onResize').references).toEqual(['ResizeEvent', 'layout', 'size']);
    expect(symbol(file, 'scale').references).toEqual(['LIMIT']);
    expect(symbol(file, 'Units.px').references).toEqual([]);
  });

  it('lists imports unresolved, with imported and local names', () => {
    expect(file.imports).toEqual([
      { source: './math.js', names: ['clamp', 'Range'], locals: ['clamp', 'Range'], line: 2, resolvedPath: null },
      { source: 'node:path', names: ['*'], locals: ['path'], line: 3, resolvedPath: null },
    ]);
  });
});

describe('parseFile for TSX and JavaScript', () => {
  it('parses components in TSX', () => {
    const tsx = [
      "import React, { useState } from 'react';",
      'type Props = { label: string };',
      '/** A button that counts. */',
      'export function Counter({ label }: Props) {',
      '  const [n, setN] = useState(0);',
      '  return <button onClick={() => setN(n + 1)}>{label}: {n}</button>;',
      '}',
      'export const Badge = (p: Props) => <span className="badge">{p.label}</span>;',
      '',
    ].join('\n');
    const file = parseFile('ui/Counter.tsx', tsx, languageForPath('ui/Counter.tsx'));
    expect(file.language).toBe('tsx');
    expect(outline(file)).toEqual(['type Props 2-2', 'function Counter 4-7', 'function Badge 8-8']);
    expect(file.symbols[1]!.doc).toBe('A button that counts.');
    expect(file.symbols[1]!.references).toEqual(expect.arrayContaining(['Props', 'useState', 'setN']));
    expect(file.imports[0]).toMatchObject({ source: 'react', names: ['default', 'useState'], locals: ['React', 'useState'] });
    expect(file.hasErrors).toBe(false);
  });

  it('parses CommonJS and ES modules in JavaScript', () => {
    const js = [
      "const fs = require('fs');",
      "const { helper } = require('./lib/helper');",
      '',
      'class Store {',
      '  items = [];',
      '  add = (item) => { this.items.push(normalize(item)); };',
      '  get size() { return this.items.length; }',
      '}',
      '',
      'function normalize(x) { return helper(x); }',
      'exports.load = function load(path) { return fs.readFileSync(path); };',
      'module.exports.save = (data) => write(data);',
      'module.exports = { Store, normalize };',
      "async function later() { const m = await import('./later.mjs'); return m; }",
      '',
    ].join('\n');
    const file = parseFile('lib/store.js', js, languageForPath('lib/store.js'));
    expect(file.language).toBe('javascript');
    expect(outline(file)).toEqual([
      'class Store 4-8',
      'method Store.add 6-6',
      'method Store.size 7-7',
      'function normalize 10-10',
      'function load 11-11',
      'function save 12-12',
      'function later 14-14',
    ]);
    const exported = file.symbols.filter((s) => s.exported).map((s) => s.qualifiedName);
    expect(exported).toEqual(['Store', 'Store.add', 'Store.size', 'normalize', 'load', 'save']);
    expect(file.imports.map((i) => `${i.line} ${i.source}`)).toEqual(['1 fs', '2 ./lib/helper', '14 ./later.mjs']);
    expect(file.symbols.find((s) => s.name === 'normalize')!.references).toEqual(['helper']);
  });

  it('finds prototype methods, functions hung on objects and object-literal method tables', () => {
    const js = [
      'function Vector(x) { this.x = x; }',
      'Vector.prototype.add = function (other) { return new Vector(this.x + other.x); };',
      "lib['parse'] = function (buf) { return decode(buf); };",
      'lib.util.clamp = (v) => limit(v);',
      'p5.Conversion = {',
      '  toHSL(rgb) { return hsl(rgb); },',
      '  toRGB: function (hsl) { return rgb(hsl); },',
      '  version: 2,',
      '};',
      'const handlers = { onClick: () => click(), label: "x" };',
      'const config = { retries: 3 };',
      'export default {',
      '  data() { return {}; },',
      '};',
      '',
    ].join('\n');
    const file = parseFile('src/vector.js', js, 'javascript');
    expect(outline(file)).toEqual([
      'function Vector 1-1',
      'method Vector.add 2-2',
      'function lib.parse 3-3',
      'function lib.util.clamp 4-4',
      'variable p5.Conversion 5-9',
      'method p5.Conversion.toHSL 6-6',
      'method p5.Conversion.toRGB 7-7',
      'variable handlers 10-10',
      'method handlers.onClick 10-10',
      'variable default 12-14',
      'method default.data 13-13',
    ]);
    expect(symbol(file, 'Vector.add').references).toEqual(['Vector']);
    expect(symbol(file, 'p5.Conversion.toHSL').references).toEqual(['hsl']);
    expect(symbol(file, 'default.data').exported).toBe(true);
  });

  it('starts decorated classes and members at their first decorator', () => {
    const ts = [
      '/** The root component. */',
      "@Component({ selector: 'app-root' })",
      'export class AppComponent {',
      "  @Input() name = '';",
      "  @HostListener('click')",
      '  @Debounce(10)',
      '  onClick(): void { run(); }',
      '}',
      '',
    ].join('\n');
    const file = parseFile('app.component.ts', ts, 'typescript');
    expect(outline(file)).toEqual(['class AppComponent 2-8', 'method AppComponent.onClick 5-7']);
    expect(symbol(file, 'AppComponent').doc).toBe('The root component.');
    expect(symbol(file, 'AppComponent.onClick').signature).toBe("@HostListener('click') @Debounce(10) onClick(): void");
    expect(symbol(file, 'AppComponent.onClick').references).toEqual(['HostListener', 'Debounce', 'run']);
  });

  it('reads export lists and re-exports', () => {
    const js = "function a() {}\nfunction b() {}\nexport { a };\nexport * from './c.js';\nexport { d as e } from './d.js';\n";
    const file = parseFile('m.mjs', js, 'javascript');
    expect(file.symbols.map((s) => [s.name, s.exported])).toEqual([
      ['a', true],
      ['b', false],
    ]);
    expect(file.imports).toEqual([
      { source: './c.js', names: ['*'], locals: [], line: 4, resolvedPath: null },
      { source: './d.js', names: ['d'], locals: [], line: 5, resolvedPath: null },
    ]);
  });
});

describe('import statements', () => {
  it('reads every import form with imported and local names', () => {
    const text = [
      "import Def from './a';",
      "import type { T1, T2 as Alias } from './b';",
      "import Both, * as NS from './c';",
      "import Mixed, { x as y, type Z } from './d';",
      "import './side-effect.css';",
      'import {',
      '  one, // first',
      '  two as second,',
      "} from './e';",
      "import type from './type';",
      "import { 'string name' as sn } from './f';",
      '',
    ].join('\n');
    const imports = parseFile('src/i.ts', text, 'typescript').imports.map((i) => [i.source, i.names, i.locals, i.line]);
    expect(imports.slice(0, 5)).toEqual([
      ['./a', ['default'], ['Def'], 1],
      ['./b', ['T1', 'T2'], ['T1', 'Alias'], 2],
      ['./c', ['default', '*'], ['Both', 'NS'], 3],
      ['./d', ['default', 'x', 'Z'], ['Mixed', 'y', 'Z'], 4],
      ['./side-effect.css', [], [], 5],
    ]);
    expect(imports[5]).toEqual(['./e', ['one', 'two'], ['one', 'second'], 6]);
    expect(imports[6]).toEqual(['./type', ['default'], ['type'], 10]);
    expect(imports[7]).toEqual(['./f', ['string name'], ['sn'], 11]);
  });

  it('counts lines through multi-line template literals', () => {
    const text = [
      'export function render(name: string) {',
      '  const html = `<div>',
      '    ${escape(name)}',
      '    plain text(not a call)',
      '  </div>`;',
      '  return wrap(html);',
      '}',
      '',
    ].join('\n');
    const sym = parseFile('r.ts', text, 'typescript').symbols[0]!;
    expect(sym.references).toEqual(['escape', 'wrap']);
    expect(sym.referenceLines).toEqual([3, 6]);
  });

  it('takes member declarations of interfaces, enums and type literals for definitions, not references', () => {
    const ts = [
      'export interface Shape extends Base { area(): number; name?: string; owner: Person; tags: Tag[] }',
      'export enum Color { Red = 1, Green = OTHER, Blue }',
      'export type Handler = (event: Event, ctx?: Context) => Promise<Result>;',
      'type Obj = { a: number; b: Ref };',
      '',
    ].join('\n');
    expect(parseFile('t.ts', ts, 'typescript').symbols.map((s) => [s.name, s.references])).toEqual([
      ['Shape', ['Base', 'Person', 'Tag']],
      ['Color', ['OTHER']],
      ['Handler', ['Event', 'Context', 'Result']],
      ['Obj', ['Ref']],
    ]);
  });

  it('finds JSDoc across line comments but not across blank lines or block comments', () => {
    const ts = [
      '/** Kept. */',
      '// eslint-disable-next-line no-explicit-any',
      'export function a(x: any) {}',
      '/** Too far. */',
      '',
      'export function b() {}',
      '/** Shadowed. */',
      '/* plain block */',
      'export function c() {}',
      '',
    ].join('\n');
    expect(parseFile('d.ts', ts, 'typescript').symbols.map((s) => [s.name, s.doc])).toEqual([
      ['a', 'Kept.'],
      ['b', ''],
      ['c', ''],
    ]);
  });
});
