import { describe, expect, it } from 'vitest';
import { languageForPath, parseFile } from '../../indexers/parse/index.js';
import type { ParsedFile, ParsedSymbol } from '../../indexers/types.js';

function outline(file: ParsedFile): string[] {
  return file.symbols.map((s) => `${s.kind} ${s.qualifiedName} ${s.startLine}-${s.endLine}`);
}

function symbol(file: ParsedFile, qualifiedName: string): ParsedSymbol {
  const found = file.symbols.find((s) => s.qualifiedName === qualifiedName);
  if (!found) throw new Error(`no symbol ${qualifiedName} in ${outline(file).join(', ')}`);
  return found;
}

const PY = `"""Tools for caching.

Second paragraph.
"""
import os.path
import numpy as np
from . import sibling
from ..core.numbers import Rational as R, Integer
from typing import *

MAX_ENTRIES = 128
_private_level = 2


@lru(maxsize=MAX_ENTRIES)
@traced
def cached(key: str, default=None, *args, **kwargs) -> int:  # hot path
    """Look a key up.
    Args:
        key: what to find.
    """
    def normalize(k):
        return os.path.normcase(k)
    value = lookup(normalize(key), default)
    return R(value) + kwargs.get("x")


class Cache(Store, metaclass=Meta):
    """An LRU cache."""

    capacity = 10

    def __init__(self, size):
        self.size = size

    @property
    def full(self):
        from .policy import Evict
        return Evict(self).check(self.size)

    def _evict(self):
        pass

    class Entry:
        def touch(self):
            return now()


if HAS_FAST:
    def fast_path():
        return 1
else:
    def fast_path():
        return 2

try:
    import ujson as json
except ImportError:
    json = None
`;

describe('parseFile for Python', () => {
  const file = parseFile('pkg/cache/store.py', PY, languageForPath('pkg/cache/store.py'));

  it('finds functions, classes, methods, nested and conditional definitions with exact lines', () => {
    expect(outline(file)).toEqual([
      'variable MAX_ENTRIES 11-11',
      'function cached 15-25',
      'function cached.normalize 22-23',
      'class Cache 28-46',
      'method Cache.__init__ 33-34',
      'method Cache.full 36-39',
      'method Cache._evict 41-42',
      'class Cache.Entry 44-46',
      'method Cache.Entry.touch 45-46',
      'function fast_path 50-51',
      'function fast_path 53-54',
    ]);
    expect(file.hasErrors).toBe(false);
  });

  it('starts decorated definitions at the first decorator and keeps decorators in the signature', () => {
    const cached = symbol(file, 'cached');
    expect(cached.startLine).toBe(15);
    expect(cached.signature).toBe('@lru(maxsize=MAX_ENTRIES) @traced def cached(key: str, default=None, *args, **kwargs) -> int');
    expect(symbol(file, 'Cache.full').signature).toBe('@property def full(self)');
    expect(symbol(file, 'Cache').signature).toBe('class Cache(Store, metaclass=Meta)');
  });

  it('reads docstrings dedented, and the module docstring', () => {
    expect(symbol(file, 'cached').doc).toBe('Look a key up.\nArgs:\n    key: what to find.');
    expect(symbol(file, 'Cache').doc).toBe('An LRU cache.');
    expect(symbol(file, 'Cache.__init__').doc).toBe('');
    expect(file.moduleDoc).toBe('Tools for caching.\n\nSecond paragraph.');
  });

  it('treats names without a leading underscore as exported, dunder methods included', () => {
    expect(symbol(file, 'cached').exported).toBe(true);
    expect(symbol(file, 'Cache.__init__').exported).toBe(true);
    expect(symbol(file, 'Cache._evict').exported).toBe(false);
    expect(symbol(file, 'cached.normalize').exported).toBe(false);
    expect(file.symbols.some((s) => s.name === '_private_level')).toBe(false);
  });

  it('lists references without parameters, locals, self or builtins', () => {
    expect(symbol(file, 'cached').references).toEqual(['lru', 'MAX_ENTRIES', 'traced', 'lookup', 'normalize', 'R']);
    expect(symbol(file, 'cached').referenceLines).toEqual([15, 15, 16, 24, 24, 25]);
    expect(symbol(file, 'cached.normalize').references).toEqual(['os', 'path', 'normcase']);
    expect(symbol(file, 'Cache').references).toEqual(['Store', 'Meta']);
    expect(symbol(file, 'Cache.__init__').references).toEqual(['size']);
    expect(symbol(file, 'Cache.full').references).toEqual(['policy', 'Evict', 'check', 'size']);
  });

  it('lists imports, lazy ones inside functions and try blocks included', () => {
    expect(file.imports).toEqual([
      { source: 'os.path', names: ['*'], locals: ['os'], line: 5, resolvedPath: null },
      { source: 'numpy', names: ['*'], locals: ['np'], line: 6, resolvedPath: null },
      { source: '.', names: ['sibling'], locals: ['sibling'], line: 7, resolvedPath: null },
      { source: '..core.numbers', names: ['Rational', 'Integer'], locals: ['R', 'Integer'], line: 8, resolvedPath: null },
      { source: 'typing', names: ['*'], locals: ['*'], line: 9, resolvedPath: null },
      { source: '.policy', names: ['Evict'], locals: ['Evict'], line: 38, resolvedPath: null },
      { source: 'ujson', names: ['*'], locals: ['json'], line: 57, resolvedPath: null },
    ]);
  });

  it('maps .pyi stubs to Python', () => {
    expect(languageForPath('typings/mod.pyi')).toBe('python');
  });
});

describe('parseFile for newer Python syntax', () => {
  it('reads async definitions, stacked decorators and type alias statements', () => {
    const py = [
      'type Pair = tuple[int, int]',
      'class Client:',
      '    async def fetch(self, url: str) -> bytes:',
      '        """Fetch a URL."""',
      '        return await download(url)',
      '    @staticmethod',
      '    @cache',
      '    def make(): return Client()',
      '',
    ].join('\n');
    const file = parseFile('client.py', py, 'python');
    expect(outline(file)).toEqual(['type Pair 1-1', 'class Client 2-8', 'method Client.fetch 3-5', 'method Client.make 6-8']);
    expect(symbol(file, 'Client.fetch')).toMatchObject({ signature: 'async def fetch(self, url: str) -> bytes', doc: 'Fetch a URL.', references: ['download'] });
    expect(symbol(file, 'Client.make')).toMatchObject({ signature: '@staticmethod @cache def make()', references: ['cache', 'Client'] });
    expect(symbol(file, 'Pair').signature).toBe('type Pair = tuple[int, int]');
  });

  it('keeps only the implementation of an @overload-ed function', () => {
    const py = [
      'from typing import overload',
      '@overload',
      'def parse(x: int) -> int: ...',
      '@typing.overload',
      'def parse(x: str) -> str: ...',
      'def parse(x):',
      '    return x',
      '',
    ].join('\n');
    expect(outline(parseFile('p.py', py, 'python'))).toEqual(['function parse 6-7']);
  });

  it('takes __all__ as the list of exported names when a module has one', () => {
    const py = [
      "__all__ = ['visible', 'Shown']",
      'def visible(): pass',
      'def hidden(): pass',
      'class Shown:',
      '    def run(self): pass',
      '    def _inner(self): pass',
      'class Other:',
      '    def run(self): pass',
      '',
    ].join('\n');
    expect(parseFile('m.py', py, 'python').symbols.map((s) => [s.qualifiedName, s.exported])).toEqual([
      ['visible', true],
      ['hidden', false],
      ['Shown', true],
      ['Shown.run', true],
      ['Shown._inner', false],
      ['Other', false],
      ['Other.run', false],
    ]);
  });
});
