import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveImports } from '../../indexers/imports.js';
import { languageForPath, parseFile } from '../../indexers/parse/index.js';
import type { ParsedFile } from '../../indexers/types.js';
import { git, makeRepo } from '../helpers/git-repo.js';

/** A repository with TS/JS and Python modules laid out the ways real projects do. */
const repo = makeRepo({
  'src/app.ts': [
    "import { util } from './util.js';",
    "import { Button } from './ui/button';",
    "import * as models from './models';",
    "import { legacy } from '../lib/legacy.cjs';",
    "import type { Config } from './types';",
    "import react from 'react';",
    "export { helper } from './helpers/index.js';",
    "export * from './reexported.mjs';",
    "const lazy = () => import('./lazy');",
    "const data = require('./data.json');",
    "import { missing } from './nope';",
    "import { outside } from '../../escape';",
    "import { mod } from './mod.mjs';",
    '',
  ].join('\n'),
  'src/util.ts': 'export const util = 1;\n',
  'src/ui/button.tsx': 'export const Button = () => null;\n',
  'src/models/index.ts': 'export {};\n',
  'lib/legacy.cjs': 'module.exports.legacy = 1;\n',
  'src/types.d.ts': 'export interface Config {}\n',
  'src/helpers/index.js': 'export const helper = 1;\n',
  'src/reexported.mjs': 'export const r = 1;\n',
  'src/lazy.jsx': 'export default 1;\n',
  'src/data.json': '{}\n',
  'src/mod.mts': 'export const mod = 1;\n',
  'pkg/__init__.py': '',
  'pkg/core/__init__.py': 'from .numbers import Rational\nfrom . import basic\n',
  'pkg/core/numbers.py': 'from ..utils.misc import helper\nfrom .. import utils\nfrom ... import escape\nimport pkg.core.basic as b\n',
  'pkg/core/basic.py': 'from pkg.core import numbers\nfrom pkg.core import Rational\nimport os\nfrom pkg.stubbed import S\n',
  'pkg/utils/__init__.py': '',
  'pkg/utils/misc.py': 'import mylib.tools\nfrom mylib import tools\nimport notinrepo.thing\n',
  'pkg/stubbed.pyi': 'S: int\n',
  'src/mylib/__init__.py': '',
  'src/mylib/tools.py': 'def tool(): pass\n',
  'scripts/run.py': 'import helpers_mod\n',
  'scripts/helpers_mod.py': '',
});
afterAll(() => repo.cleanup());

const files = new Set(git(repo.root, 'ls-files').trim().split('\n'));

function resolved(path: string): Array<[string, string | null]> {
  const text = readFileSync(join(repo.root, path), 'utf8');
  const parsed: ParsedFile = parseFile(path, text, languageForPath(path));
  expect(parsed.imports.every((i) => i.resolvedPath === null)).toBe(true);
  return resolveImports(parsed, files).imports.map((i) => [i.source, i.resolvedPath]);
}

describe('resolveImports for TypeScript and JavaScript', () => {
  it('resolves extensions, .js written for .ts, index files, re-exports, import() and require()', () => {
    expect(resolved('src/app.ts')).toEqual([
      ['./util.js', 'src/util.ts'],
      ['./ui/button', 'src/ui/button.tsx'],
      ['./models', 'src/models/index.ts'],
      ['../lib/legacy.cjs', 'lib/legacy.cjs'],
      ['./types', 'src/types.d.ts'],
      ['react', null],
      ['./helpers/index.js', 'src/helpers/index.js'],
      ['./reexported.mjs', 'src/reexported.mjs'],
      ['./lazy', 'src/lazy.jsx'],
      ['./data.json', 'src/data.json'],
      ['./nope', null],
      ['../../escape', null],
      ['./mod.mjs', 'src/mod.mts'],
    ]);
  });

  it('resolves bare `.` and `..` to the folder index, and ignores query strings', () => {
    const set = new Set(['lib/index.ts', 'lib/sub/a.ts', 'lib/styles.css']);
    const text = "import root from '..';\nimport here from '.';\nimport css from '../styles.css?inline';\n";
    const out = resolveImports(parseFile('lib/sub/a.ts', text, 'typescript'), set).imports.map((i) => i.resolvedPath);
    expect(out).toEqual(['lib/index.ts', null, 'lib/styles.css']);
  });

  it('returns a new file and leaves the input unchanged', () => {
    const parsed = parseFile('src/app.ts', "import { util } from './util.js';\n", 'typescript');
    const out = resolveImports(parsed, files);
    expect(out).not.toBe(parsed);
    expect(parsed.imports[0]!.resolvedPath).toBeNull();
    expect(out.imports[0]!.resolvedPath).toBe('src/util.ts');
  });
});

describe('resolveImports for Python', () => {
  it('resolves relative imports: modules, packages and names of packages', () => {
    expect(resolved('pkg/core/__init__.py')).toEqual([
      ['.numbers', 'pkg/core/numbers.py'],
      ['.', 'pkg/core/basic.py'],
    ]);
    expect(resolved('pkg/core/numbers.py')).toEqual([
      ['..utils.misc', 'pkg/utils/misc.py'],
      ['..', 'pkg/utils/__init__.py'],
      ['...', null],
      ['pkg.core.basic', 'pkg/core/basic.py'],
    ]);
  });

  it('resolves absolute modules, submodules named in from-imports, stubs, and leaves the rest external', () => {
    expect(resolved('pkg/core/basic.py')).toEqual([
      ['pkg.core', 'pkg/core/numbers.py'],
      ['pkg.core', 'pkg/core/__init__.py'],
      ['os', null],
      ['pkg.stubbed', 'pkg/stubbed.pyi'],
    ]);
  });

  it('finds packages under src/ and other top-level folders that are not packages', () => {
    expect(resolved('pkg/utils/misc.py')).toEqual([
      ['mylib.tools', 'src/mylib/tools.py'],
      ['mylib', 'src/mylib/tools.py'],
      ['notinrepo.thing', null],
    ]);
    expect(resolved('scripts/run.py')).toEqual([['helpers_mod', 'scripts/helpers_mod.py']]);
  });

  it('does not treat a package folder as an import root', () => {
    // `core.numbers` is only importable as `pkg.core.numbers`, since `pkg/` is itself a package.
    const parsed = parseFile('x.py', 'import core.numbers\n', 'python');
    expect(resolveImports(parsed, files).imports[0]!.resolvedPath).toBeNull();
  });

  it('leaves text files alone', () => {
    const parsed: ParsedFile = { path: 'README.md', language: 'text', symbols: [], imports: [], moduleDoc: '', hasErrors: false, errorLines: [] };
    expect(resolveImports(parsed, files)).toEqual(parsed);
  });
});
