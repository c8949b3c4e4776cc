import { describe, expect, it } from 'vitest';
import { edgesFor } from '../../indexers/edges.js';
import { resolveImports } from '../../indexers/imports.js';
import { parseFile } from '../../indexers/parse/index.js';

const files = new Set(['src/app.ts', 'src/store.ts', 'src/ui/view.tsx', 'pkg/__init__.py', 'pkg/models.py', 'pkg/service.py']);

describe('edgesFor', () => {
  it('emits one import edge per import, resolved where possible, and ref edges that follow imports', () => {
    const text = [
      "import { Store, type Item } from './store.js';",
      "import render from './ui/view';",
      "import { z } from 'zod';",
      '',
      'export class App {',
      '  private store = new Store();',
      '  show(item: Item): string {',
      '    return render(this.store.get(item.id), helper());',
      '  }',
      '}',
      '',
      'function helper() {',
      '  return z.string();',
      '}',
      '',
    ].join('\n');
    const parsed = resolveImports(parseFile('src/app.ts', text, 'typescript'), files);
    const edges = edgesFor(parsed);
    expect(edges.filter((e) => e.kind === 'import')).toEqual([
      { fromPath: 'src/app.ts', fromSymbol: '', kind: 'import', target: './store.js', toPath: 'src/store.ts', line: 1 },
      { fromPath: 'src/app.ts', fromSymbol: '', kind: 'import', target: './ui/view', toPath: 'src/ui/view.tsx', line: 2 },
      { fromPath: 'src/app.ts', fromSymbol: '', kind: 'import', target: 'zod', toPath: '', line: 3 },
    ]);
    const refs = edges.filter((e) => e.kind === 'ref').map((e) => `${e.fromSymbol} → ${e.target} @${e.line} ${e.toPath}`);
    expect(refs).toEqual([
      'App → Store @6 src/store.ts',
      'App.show → Item @7 src/store.ts',
      'App.show → render @8 src/ui/view.tsx',
      'App.show → store @8 ',
      'App.show → id @8 ',
      'App.show → helper @8 src/app.ts',
    ]);
    // `get` and `string` name standard library members: noise, not references.
    expect(refs.some((r) => / → (get|string) /.test(r))).toBe(false);
  });

  it('links Python references through from-imports and module imports', () => {
    const text = [
      'from .models import User, Order as O',
      'import pkg.models',
      '',
      'def checkout(user_id):',
      '    user = User.get(user_id)',
      '    return O(user, pkg.models.DEFAULT)',
      '',
    ].join('\n');
    const parsed = resolveImports(parseFile('pkg/service.py', text, 'python'), files);
    const refs = edgesFor(parsed)
      .filter((e) => e.kind === 'ref')
      .map((e) => [e.target, e.toPath, e.line]);
    expect(refs).toEqual([
      ['User', 'pkg/models.py', 5],
      ['O', 'pkg/models.py', 6],
      ['pkg', 'pkg/models.py', 6],
      ['models', '', 6],
      ['DEFAULT', '', 6],
    ]);
  });

  it('has no edges for a file without imports or symbols', () => {
    expect(edgesFor(parseFile('empty.ts', '', 'typescript'))).toEqual([]);
    expect(edgesFor(parseFile('notes.md', '# hi\n', 'text'))).toEqual([]);
  });

  it('keeps unresolved relative imports with an empty toPath', () => {
    const parsed = resolveImports(parseFile('src/a.ts', "import x from './gone';\n", 'typescript'), files);
    expect(edgesFor(parsed)).toEqual([{ fromPath: 'src/a.ts', fromSymbol: '', kind: 'import', target: './gone', toPath: '', line: 1 }]);
  });

  it('links references through require() and import() bindings', () => {
    const js = [
      "const store = require('./store');",
      "const { render: draw, View } = require('./ui/view');",
      'async function main() {',
      "  const app = await import('./app');",
      '  return draw(new View(store.load()), app.start);',
      '}',
      '',
    ].join('\n');
    const parsed = resolveImports(parseFile('src/main.js', js, 'javascript'), files);
    expect(parsed.imports.map((i) => [i.source, i.names, i.locals, i.resolvedPath])).toEqual([
      ['./store', ['*'], ['store'], 'src/store.ts'],
      ['./ui/view', ['render', 'View'], ['draw', 'View'], 'src/ui/view.tsx'],
      ['./app', ['*'], ['app'], 'src/app.ts'],
    ]);
    const refs = edgesFor(parsed).filter((e) => e.kind === 'ref').map((e) => `${e.target} ${e.toPath}`);
    expect(refs).toEqual(['draw src/ui/view.tsx', 'View src/ui/view.tsx', 'store src/store.ts', 'load ', 'start ']);
  });
});
