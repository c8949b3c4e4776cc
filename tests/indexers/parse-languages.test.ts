import { describe, expect, it } from 'vitest';
import { languageForPath } from '../../indexers/parse/languages.js';

describe('languageForPath', () => {
  it.each([
    ['src/a.ts', 'typescript'],
    ['src/a.mts', 'typescript'],
    ['src/a.cts', 'typescript'],
    ['types/index.d.ts', 'typescript'],
    ['ui/App.tsx', 'tsx'],
    ['lib/a.js', 'javascript'],
    ['lib/a.jsx', 'javascript'],
    ['lib/a.mjs', 'javascript'],
    ['lib/a.cjs', 'javascript'],
    ['pkg/m.py', 'python'],
    ['pkg/m.pyi', 'python'],
    ['UPPER/CASE.PY', 'python'],
    ['README.md', 'text'],
    ['Makefile', 'text'],
    ['.eslintrc', 'text'],
    ['dir.ts/file', 'text'],
    ['src/main.rs', 'text'],
    ['a b/ünï code.ts', 'typescript'],
  ])('%s → %s', (path, language) => {
    expect(languageForPath(path)).toBe(language);
  });
});
