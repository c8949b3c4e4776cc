import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { EditError, EditSession, replaceSymbol, unifiedDiff } from '../../agent/edits/index.js';
import { type FixtureRepo, git, makeRepo } from '../helpers/git-repo.js';

const repos: FixtureRepo[] = [];
function repo(files: Record<string, string | Buffer>): FixtureRepo {
  const r = makeRepo(files);
  repos.push(r);
  return r;
}
afterEach(() => {
  for (const r of repos.splice(0)) r.cleanup();
});

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof EditError) return err.code;
    throw err;
  }
  return 'no error';
}

const read = (r: FixtureRepo, p: string) => readFileSync(join(r.root, p), 'utf8');

const CART = `export class Cart {
  items: number[] = [];

  /** Sum of the items. */
  total(): number {
    return this.items.reduce((a, b) => a + b, 0);
  }
}
`;

describe('EditSession: writing', () => {
  it('applies a search/replace atomically, keeping the file mode and leaving no temp files', () => {
    const r = repo({ 'src/cart.ts': CART, 'bin/run.sh': '#!/bin/sh\necho hi\n' });
    chmodSync(join(r.root, 'bin/run.sh'), 0o755);
    const s = new EditSession(r.root);
    const a = s.apply({ type: 'search_replace', path: 'src/cart.ts', search: 'a + b', replace: 'a + b * 2' });
    expect(a.locatedBy).toBe('exact');
    expect(a.line).toBe(6);
    expect(read(r, 'src/cart.ts')).toBe(CART.replace('a + b', 'a + b * 2'));
    s.apply({ type: 'search_replace', path: 'bin/run.sh', search: 'echo hi', replace: 'echo hello' });
    expect(statSync(join(r.root, 'bin/run.sh')).mode & 0o777).toBe(0o755);
    expect(readdirSync(join(r.root, 'src'))).toEqual(['cart.ts']);
    expect(readdirSync(join(r.root, 'bin'))).toEqual(['run.sh']);
    expect(s.changedFiles()).toEqual(['bin/run.sh', 'src/cart.ts']);
  });

  it('plans without writing', () => {
    const r = repo({ 'a.ts': 'const a = 1;\n' });
    const s = new EditSession(r.root);
    const p = s.plan({ type: 'search_replace', path: './a.ts', search: '1', replace: '2' });
    expect(p.path).toBe('a.ts');
    expect(p.after).toBe('const a = 2;\n');
    expect(read(r, 'a.ts')).toBe('const a = 1;\n');
    expect(s.changedFiles()).toEqual([]);
  });

  it('creates files in new directories, and refuses to overwrite a file it did not create', () => {
    const r = repo({ 'a.ts': 'export const a = 1;\n' });
    const s = new EditSession(r.root);
    const c = s.apply({ type: 'create_file', path: 'src/deep/util.ts', content: 'export const u = 1;' });
    expect(c.created).toBe(true);
    expect(read(r, 'src/deep/util.ts')).toBe('export const u = 1;\n');
    s.apply({ type: 'create_file', path: 'src/deep/util.ts', content: 'export const u = 2;\n' });
    expect(read(r, 'src/deep/util.ts')).toBe('export const u = 2;\n');
    expect(codeOf(() => s.apply({ type: 'create_file', path: 'a.ts', content: 'x' }))).toBe('exists');
    writeFileSync(join(r.root, 'empty.ts'), '');
    expect(codeOf(() => s.apply({ type: 'search_replace', path: 'empty.ts', search: '', replace: 'x' }))).toBe('empty_search');
    s.apply({ type: 'create_file', path: 'empty.ts', content: 'export const e = 1;\n' });
    expect(read(r, 'empty.ts')).toBe('export const e = 1;\n');
    expect(codeOf(() => s.apply({ type: 'search_replace', path: 'missing.ts', search: 'a', replace: 'b' }))).toBe('not_found');
    expect(codeOf(() => s.apply({ type: 'search_replace', path: 'src', search: 'a', replace: 'b' }))).toBe('not_a_file');
    expect(codeOf(() => s.apply({ type: 'create_file', path: 'a.ts/inner.ts', content: 'x' }))).toBe('not_a_file');
  });

  it('undoes edits one by one, restoring exact bytes and removing created files and directories', () => {
    const crlf = Buffer.from('\uFEFFline one\r\nline two\r\nlast without newline', 'utf8');
    const r = repo({ 'doc.txt': crlf, 'keep.ts': 'const k = 1;\n' });
    const s = new EditSession(r.root);
    s.apply({ type: 'search_replace', path: 'doc.txt', search: 'line two', replace: 'line 2' });
    s.apply({ type: 'search_replace', path: 'doc.txt', search: 'last without newline', replace: 'the end' });
    s.apply({ type: 'create_file', path: 'new/dir/file.ts', content: 'export {};\n' });
    expect(read(r, 'doc.txt')).toBe('\uFEFFline one\r\nline 2\r\nthe end');
    expect(s.undo()?.path).toBe('new/dir/file.ts');
    expect(existsSync(join(r.root, 'new'))).toBe(false);
    expect(s.undoAll().map((e) => e.path)).toEqual(['doc.txt', 'doc.txt']);
    expect(readFileSync(join(r.root, 'doc.txt')).equals(crlf)).toBe(true);
    expect(s.undo()).toBeNull();
    expect(s.changedFiles()).toEqual([]);
    expect(s.diff()).toBe('');
  });

  it('undoAll after any sequence of edits restores every file byte for byte (random edits)', () => {
    const r = repo({});
    const word = fc.constantFrom('alpha', 'beta', 'gamma', 'delta', '  nested', '\tx', 'y = 2');
    fc.assert(
      fc.property(
        fc.array(word, { minLength: 1, maxLength: 12 }),
        fc.constantFrom('\n', '\r\n'),
        fc.array(fc.tuple(fc.nat(), fc.nat(), word, fc.boolean()), { minLength: 1, maxLength: 8 }),
        (lines, eol, steps) => {
          const original = Buffer.from(lines.join(eol) + eol, 'utf8');
          writeFileSync(join(r.root, 'f.txt'), original);
          rmSync(join(r.root, 'made'), { recursive: true, force: true });
          const s = new EditSession(r.root);
          let applied = 0;
          for (const [a, b, rep, create] of steps) {
            try {
              if (create) s.apply({ type: 'create_file', path: `made/n${a % 3}.txt`, content: rep });
              else {
                const now = readFileSync(join(r.root, 'f.txt'), 'utf8');
                const from = a % now.length;
                s.apply({ type: 'search_replace', path: 'f.txt', search: now.slice(from, from + 1 + (b % 12)), replace: rep });
              }
              applied++;
            } catch (err) {
              expect(err).toBeInstanceOf(EditError);
            }
          }
          expect(s.applied()).toHaveLength(applied);
          s.undoAll();
          expect(readFileSync(join(r.root, 'f.txt')).equals(original)).toBe(true);
          expect(existsSync(join(r.root, 'made'))).toBe(false);
          expect(s.diff()).toBe('');
        },
      ),
      { numRuns: 60 },
    );
  });

  it('refuses to undo over changes made by someone else', () => {
    const r = repo({ 'a.ts': 'const a = 1;\n' });
    const s = new EditSession(r.root);
    s.apply({ type: 'search_replace', path: 'a.ts', search: '1', replace: '2' });
    writeFileSync(join(r.root, 'a.ts'), 'const a = 3;\n');
    expect(codeOf(() => s.undo())).toBe('conflict');
    expect(read(r, 'a.ts')).toBe('const a = 3;\n');
  });
});

describe('EditSession: path confinement', () => {
  it('refuses absolute paths, escapes, .git/ and .ragent/, with a typed error each', () => {
    const r = repo({ 'a.ts': 'x\n' });
    mkdirSync(join(r.root, '.ragent'));
    writeFileSync(join(r.root, '.ragent', 'meta.json'), '{}');
    const s = new EditSession(r.root);
    const sr = (path: string) => () => s.apply({ type: 'search_replace', path, search: 'x', replace: 'y' });
    const cf = (path: string) => () => s.apply({ type: 'create_file', path, content: 'y' });
    expect(codeOf(sr(join(r.root, 'a.ts')))).toBe('path_outside');
    expect(codeOf(cf('/etc/passwd'))).toBe('path_outside');
    expect(codeOf(cf('../outside.ts'))).toBe('path_outside');
    expect(codeOf(cf('src/../../outside.ts'))).toBe('path_outside');
    expect(codeOf(cf('..\\outside.ts'))).toBe('path_outside');
    expect(codeOf(sr('.git/config'))).toBe('path_protected');
    expect(codeOf(cf('.git/hooks/pre-commit'))).toBe('path_protected');
    expect(codeOf(sr('.ragent/meta.json'))).toBe('path_protected');
    expect(codeOf(cf('.GIT/config'))).toBe('path_protected');
    expect(codeOf(cf('sub/.git/HEAD'))).toBe('path_protected');
    expect(codeOf(() => s.apply(null as never))).toBe('path_invalid');
    expect(codeOf(cf(''))).toBe('path_invalid');
    expect(codeOf(cf('.'))).toBe('path_invalid');
    expect(existsSync(join(r.root, '..', 'outside.ts'))).toBe(false);
  });

  it('refuses paths through symbolic links, inside or outside the repository', () => {
    const outside = mkdtempSync(join(tmpdir(), 'ragent-outside-'));
    try {
      writeFileSync(join(outside, 'secret.ts'), 'x\n');
      const r = repo({ 'real/a.ts': 'x\n' });
      symlinkSync(outside, join(r.root, 'linkdir'));
      symlinkSync(join(r.root, 'real/a.ts'), join(r.root, 'alias.ts'));
      const s = new EditSession(r.root);
      let err: unknown;
      try {
        s.apply({ type: 'search_replace', path: 'linkdir/secret.ts', search: 'x', replace: 'y' });
      } catch (e) {
        err = e;
      }
      expect((err as EditError).code).toBe('symlink');
      expect((err as EditError).message).toMatch(/outside the repository/);
      expect(codeOf(() => s.apply({ type: 'create_file', path: 'linkdir/new.ts', content: 'y' }))).toBe('symlink');
      const inside = (() => {
        try {
          s.apply({ type: 'search_replace', path: 'alias.ts', search: 'x', replace: 'y' });
        } catch (e) {
          return e as EditError;
        }
      })();
      expect(inside?.code).toBe('symlink');
      expect(inside?.hint).toContain('real/a.ts');
      expect(readFileSync(join(outside, 'secret.ts'), 'utf8')).toBe('x\n');
      expect(existsSync(join(outside, 'new.ts'))).toBe(false);
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });

  it('refuses a dangling symbolic link', () => {
    const r = repo({ 'a.ts': 'x\n' });
    symlinkSync(join(r.root, 'nowhere.ts'), join(r.root, 'dangling.ts'));
    const s = new EditSession(r.root);
    expect(codeOf(() => s.apply({ type: 'create_file', path: 'dangling.ts', content: 'y' }))).toBe('symlink');
    expect(existsSync(join(r.root, 'nowhere.ts'))).toBe(false);
  });

  it('refuses binary files and text that is not UTF-8', () => {
    const r = repo({ 'img.bin': Buffer.from([0x89, 0x50, 0x00, 0x78]), 'latin1.txt': Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x0a]) });
    const s = new EditSession(r.root);
    expect(codeOf(() => s.apply({ type: 'search_replace', path: 'img.bin', search: 'x', replace: 'y' }))).toBe('binary');
    expect(codeOf(() => s.apply({ type: 'search_replace', path: 'latin1.txt', search: 'caf', replace: 'y' }))).toBe('not_utf8');
  });
});

describe('EditSession: syntax check', () => {
  it('rejects an edit that introduces a syntax error, naming the line, and leaves the file as it was', () => {
    const r = repo({ 'src/cart.ts': CART });
    const s = new EditSession(r.root);
    let err: EditError | undefined;
    try {
      s.apply({ type: 'search_replace', path: 'src/cart.ts', search: '    return this.items.reduce((a, b) => a + b, 0);', replace: '    return this.items.reduce((a, b) => a + b, 0;' });
    } catch (e) {
      err = e as EditError;
    }
    expect(err?.code).toBe('syntax');
    expect(err?.message).toMatch(/line 6/);
    expect(err?.message).toContain('reduce((a, b) => a + b, 0;');
    expect(read(r, 'src/cart.ts')).toBe(CART);
    expect(s.changedFiles()).toEqual([]);
  });

  it('rejects a Python edit that breaks indentation', () => {
    const py = 'def f(x):\n    if x:\n        return 1\n    return 2\n';
    const r = repo({ 'm.py': py });
    const s = new EditSession(r.root);
    expect(codeOf(() => s.apply({ type: 'search_replace', path: 'm.py', search: '    return 2\n', replace: '    else\n        return 2\n' }))).toBe('syntax');
    expect(read(r, 'm.py')).toBe(py);
    expect(codeOf(() => s.apply({ type: 'create_file', path: 'n.py', content: 'def g(:\n  pass\n' }))).toBe('syntax');
    expect(existsSync(join(r.root, 'n.py'))).toBe(false);
  });

  it('accepts edits to a file that already had errors as long as they add none', () => {
    const broken = 'function bad( { return 2; }\nconst z = 3;\n\nfunction later() {\n  return [1, 2];\n}\n';
    const r = repo({ 'b.js': broken });
    const s = new EditSession(r.root);
    s.apply({ type: 'search_replace', path: 'b.js', search: 'const z = 3;', replace: 'const z = 4;' });
    expect(read(r, 'b.js')).toContain('const z = 4;');
    let err: EditError | undefined;
    try {
      s.apply({ type: 'search_replace', path: 'b.js', search: 'return [1, 2];', replace: 'return [1, 2;' });
    } catch (e) {
      err = e as EditError;
    }
    expect(err?.code).toBe('syntax');
    expect(err?.message).toMatch(/at line 5/);
    // Fixing the old error is of course allowed.
    s.apply({ type: 'search_replace', path: 'b.js', search: 'function bad( {', replace: 'function bad() {' });
    expect(read(r, 'b.js')).toContain('function bad() {');
  });

  it('does not parse files without a grammar', () => {
    const r = repo({ 'notes.md': '# Title\n' });
    const s = new EditSession(r.root);
    s.apply({ type: 'search_replace', path: 'notes.md', search: '# Title', replace: '# Title ((( {' });
    expect(read(r, 'notes.md')).toBe('# Title ((( {\n');
  });
});

describe('replace_symbol', () => {
  it('replaces a method by qualified name, re-indenting code sent flush left and keeping its doc comment', () => {
    const r = repo({ 'src/cart.ts': CART });
    const s = new EditSession(r.root);
    const a = s.apply({ type: 'replace_symbol', path: 'src/cart.ts', symbol: 'Cart.total', code: 'total(): number {\n  return this.items.length;\n}' });
    expect(a.locatedBy).toBe('symbol');
    expect(read(r, 'src/cart.ts')).toBe(CART.replace('    return this.items.reduce((a, b) => a + b, 0);', '    return this.items.length;'));
  });

  it('replaces the doc comment and decorators too when the new code brings its own', () => {
    const src = 'class A {\n  /** Old. */\n  @memo({\n    size: 1,\n  })\n  get(): number {\n    return 1;\n  }\n}\n';
    const kept = replaceSymbol('a.ts', src, 'A.get', 'get(): number {\n  return 2;\n}');
    expect(kept.text).toBe(src.replace('return 1;', 'return 2;'));
    const both = replaceSymbol('a.ts', src, 'get', '/** New. */\nget(): number {\n  return 3;\n}');
    expect(both.text).toBe('class A {\n  /** New. */\n  get(): number {\n    return 3;\n  }\n}\n');
    const deco = replaceSymbol('a.ts', src, 'get', '@memo()\nget(): number {\n  return 4;\n}');
    expect(deco.text).toBe('class A {\n  /** Old. */\n  @memo()\n  get(): number {\n    return 4;\n  }\n}\n');
  });

  it('replaces a Python method keeping its decorator and indentation', () => {
    const py = 'class Shop:\n    @property\n    def size(self):\n        return 1\n\n    def name(self):\n        return "s"\n';
    const r = repo({ 'shop.py': py });
    const s = new EditSession(r.root);
    s.apply({ type: 'replace_symbol', path: 'shop.py', symbol: 'size', code: 'def size(self):\n    return len(self.items)\n' });
    expect(read(r, 'shop.py')).toBe(py.replace('        return 1', '        return len(self.items)'));
  });

  it('lists the file’s symbols when the name is unknown, and every candidate when it is ambiguous', () => {
    const src = 'class A {\n  run() {}\n}\nclass B {\n  run() {}\n}\n';
    let err: EditError | undefined;
    try {
      replaceSymbol('x.ts', src, 'walk', 'walk() {}');
    } catch (e) {
      err = e as EditError;
    }
    expect(err?.code).toBe('symbol_not_found');
    expect(err?.message).toContain('A, A.run, B, B.run');
    try {
      replaceSymbol('x.ts', src, 'run', 'run() { go(); }');
    } catch (e) {
      err = e as EditError;
    }
    expect(err?.code).toBe('symbol_ambiguous');
    expect(err?.message).toContain('A.run (method, lines 2-2)');
    expect(err?.message).toContain('B.run (method, lines 5-5)');
    expect(codeOf(() => replaceSymbol('notes.md', '# x\n', 'x', 'y'))).toBe('unsupported_language');
  });

  it('refuses a definition that shares a line with another one, since lines are replaced whole', () => {
    const src = 'export const a = () => 1, b = () => 2;\nexport function c() {\n  return 3;\n}\n';
    let err: EditError | undefined;
    try {
      replaceSymbol('x.ts', src, 'a', 'export const a = () => 10;');
    } catch (e) {
      err = e as EditError;
    }
    expect(err?.code).toBe('symbol_ambiguous');
    expect(err?.message).toMatch(/shares lines 1-1 of x.ts with b/);
    expect(replaceSymbol('x.ts', src, 'c', 'export function c() {\n  return 30;\n}').text).toContain('return 30;');
  });
});

describe('diff', () => {
  it('produces one patch of every change that git apply accepts', () => {
    const files = {
      'src/cart.ts': CART,
      'crlf.txt': 'one\r\ntwo\r\nthree\r\n',
      'tail.txt': 'a\nb\nc',
      'with space.md': 'hello\n',
      'run.sh': '#!/bin/sh\necho 1\n',
    };
    const r = repo(files);
    chmodSync(join(r.root, 'run.sh'), 0o755);
    git(r.root, 'add', '-A');
    git(r.root, 'commit', '-q', '-m', 'mode');
    const s = new EditSession(r.root);
    s.apply({ type: 'search_replace', path: 'src/cart.ts', search: 'items: number[] = [];', replace: 'items: number[] = [];\n  discount = 0;' });
    s.apply({ type: 'search_replace', path: 'src/cart.ts', search: ', 0);', replace: ', 0) - this.discount;' });
    s.apply({ type: 'search_replace', path: 'crlf.txt', search: 'two', replace: 'TWO' });
    s.apply({ type: 'search_replace', path: 'tail.txt', search: 'c', replace: 'c\nd' });
    s.apply({ type: 'search_replace', path: 'with space.md', search: 'hello', replace: 'hello world' });
    s.apply({ type: 'search_replace', path: 'run.sh', search: 'echo 1', replace: 'echo 2' });
    s.apply({ type: 'create_file', path: 'src/new.ts', content: 'export const n = 1;\n' });
    s.apply({ type: 'create_file', path: 'empty.txt', content: '' });
    const patch = s.diff();
    expect(patch).toContain('--- /dev/null\n+++ b/src/new.ts');
    expect(patch).toContain('new file mode 100644');
    expect(patch).toContain('\\ No newline at end of file');
    const after = Object.fromEntries([...Object.keys(files), 'src/new.ts', 'empty.txt'].map((p) => [p, readFileSync(join(r.root, p))]));
    s.undoAll();
    expect(git(r.root, 'status', '--porcelain')).toBe('');
    writeFileSync(join(r.root, '..', `${r.root.split('/').pop()}.patch`), patch);
    const patchFile = join(r.root, '..', `${r.root.split('/').pop()}.patch`);
    try {
      git(r.root, 'apply', '--check', patchFile);
      git(r.root, 'apply', patchFile);
    } finally {
      rmSync(patchFile, { force: true });
    }
    for (const [p, bytes] of Object.entries(after)) expect(readFileSync(join(r.root, p)).equals(bytes)).toBe(true);
    expect(statSync(join(r.root, 'run.sh')).mode & 0o111).not.toBe(0);
  });

  it('produces patches git apply turns back into exactly the new text (random texts)', () => {
    const r = repo({});
    const line = fc.constantFrom('a', 'b', 'c', 'x = 1', '', '  indented', 'tab\there', 'trailing ');
    const text = fc
      .tuple(fc.array(line, { maxLength: 25 }), fc.constantFrom('\n', '\r\n'), fc.boolean())
      .map(([ls, eol, fin]) => (ls.length ? ls.join(eol) + (fin ? eol : '') : ''));
    fc.assert(
      fc.property(text, text, fc.boolean(), (before, after, isNew) => {
        fc.pre(before !== after);
        const file = join(r.root, 'f.txt');
        rmSync(file, { force: true });
        if (!isNew) writeFileSync(file, before);
        const patch = unifiedDiff('f.txt', isNew ? null : before, after);
        const patchFile = join(r.root, '..', `${r.root.split('/').pop()}.diff`);
        writeFileSync(patchFile, patch);
        try {
          git(r.root, 'apply', '--whitespace=nowarn', patchFile);
        } finally {
          rmSync(patchFile, { force: true });
        }
        expect(readFileSync(file, 'utf8')).toBe(after);
      }),
      { numRuns: 60 },
    );
  });

  it('diffs scattered changes in a long file into separate hunks with three lines of context', () => {
    const before = Array.from({ length: 40 }, (_, i) => `line ${i + 1}`).join('\n') + '\n';
    const after = before.replace('line 5\n', 'line five\n').replace('line 30\n', 'line thirty\n');
    const d = unifiedDiff('f.txt', before, after);
    expect(d.match(/^@@ /gm)).toHaveLength(2);
    expect(d).toContain('@@ -2,7 +2,7 @@\n line 2\n line 3\n line 4\n-line 5\n+line five\n line 6');
    expect(unifiedDiff('f.txt', before, before)).toBe('');
  });
});
