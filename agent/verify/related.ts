/**
 * Which tests to run first after an edit: test files named after the changed files, and test files that
 * import them directly or through a few other files. Static, so it works for every runner and costs one
 * pass over the repository's source files.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, posix } from 'node:path';
import type { TestRunner } from './types.js';

/** How many import hops from a changed file to a test still count as related. */
const MAX_DEPTH = 3;
const MAX_FILES = 20_000;
const MAX_BYTES = 1_000_000;
const SKIP_DIRS = new Set(['node_modules', '.git', '.ragent', 'dist', 'build', 'coverage', 'target', '.venv', 'venv', '__pycache__', '.tox']);

const JS_EXT = /\.(ts|tsx|mts|cts|js|jsx|mjs|cjs)$/;
const JS_TEST = /(^|\/)__tests__\/|\.(test|spec)\.[cm]?[jt]sx?$|(^|\/)test\/.*\.[cm]?js$|(^|\/)(test-[^/]*|[^/]*[-_]test|test)\.[cm]?js$/;
const PY_TEST = /(^|\/)(test_[^/]*|[^/]*_test)\.py$/;
const GO_TEST = /_test\.go$/;

/** True when `path` is a test file for the runner (any known kind for runners ragent cannot see into). */
export function isTestFile(path: string, runner: TestRunner): boolean {
  switch (runner) {
    case 'pytest':
      return PY_TEST.test(path);
    case 'go':
      return GO_TEST.test(path);
    case 'vitest':
    case 'jest':
    case 'node':
      return JS_TEST.test(path);
    default:
      return JS_TEST.test(path) || PY_TEST.test(path) || GO_TEST.test(path);
  }
}

/** Repository files: git's list (tracked and untracked, not ignored) or a walk that skips vendored folders. */
function listFiles(root: string): string[] {
  try {
    const out = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
      cwd: root,
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    return out.split('\0').filter(Boolean).slice(0, MAX_FILES);
  } catch {
    const files: string[] = [];
    const walk = (dir: string, rel: string) => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        if (files.length >= MAX_FILES) return;
        const r = rel ? `${rel}/${e.name}` : e.name;
        if (e.isDirectory() && !SKIP_DIRS.has(e.name)) walk(join(dir, e.name), r);
        else if (e.isFile()) files.push(r);
      }
    };
    walk(root, '');
    return files;
  }
}

/** Strip a source extension, and the `.test`/`.spec` infix or `test_`/`_test` affixes of test files. */
function stem(path: string): string {
  const base = posix.basename(path).replace(/\.[^.]+$/, '');
  return base.replace(/\.(test|spec)$/, '').replace(/^test_/, '').replace(/_test$/, '');
}

const JS_IMPORT = /(?:^|[^\w$.])(?:import|export)\s[^'"`;]*?from\s*['"]([^'"]+)['"]|(?:^|[^\w$.])import\s*\(\s*['"]([^'"]+)['"]|(?:^|[^\w$.])require\s*\(\s*['"]([^'"]+)['"]|(?:^|[^\w$.])import\s+['"]([^'"]+)['"]/g;
const JS_TRY = ['', '.ts', '.tsx', '.mts', '.cts', '.js', '.jsx', '.mjs', '.cjs', '/index.ts', '/index.tsx', '/index.js', '/index.jsx'];

function resolveJs(from: string, spec: string, files: Set<string>): string | null {
  if (!spec.startsWith('.')) return null;
  const base = posix.normalize(posix.join(posix.dirname(from), spec));
  const bare = base.replace(/\.(js|jsx|mjs|cjs)$/, '');
  for (const cand of [base, ...JS_TRY.map((e) => bare + e)]) if (files.has(cand)) return cand;
  return null;
}

function resolvePy(from: string, dots: number, mod: string, files: Set<string>): string[] {
  const parts = mod ? mod.split('.') : [];
  const bases: string[] = [];
  if (dots > 0) {
    let dir = posix.dirname(from);
    for (let i = 1; i < dots; i++) dir = posix.dirname(dir);
    bases.push(dir === '.' ? '' : dir);
  } else bases.push('', 'src', 'lib');
  const out: string[] = [];
  for (const b of bases) {
    const p = [b, ...parts].filter(Boolean).join('/');
    for (const cand of [`${p}.py`, `${p}/__init__.py`]) if (p && files.has(cand)) out.push(cand);
  }
  return out;
}

/** Repository files that `file` imports (relative JS/TS imports, Python modules of this repository). */
function importsOf(root: string, file: string, files: Set<string>): string[] {
  let text: string;
  try {
    if (statSync(join(root, file)).size > MAX_BYTES) return [];
    text = readFileSync(join(root, file), 'utf8');
  } catch {
    return [];
  }
  const out: string[] = [];
  if (JS_EXT.test(file)) {
    for (const m of text.matchAll(JS_IMPORT)) {
      const r = resolveJs(file, m[1] ?? m[2] ?? m[3] ?? m[4]!, files);
      if (r) out.push(r);
    }
  } else if (file.endsWith('.py')) {
    for (const m of text.matchAll(/^\s*from\s+(\.*)([\w.]*)\s+import\s+([^#\n]+)/gm)) {
      const dots = m[1]!.length;
      const mod = m[2]!;
      out.push(...resolvePy(file, dots, mod, files));
      // `from pkg import mod` may name submodules.
      for (const name of m[3]!.replace(/[()]/g, '').split(',')) {
        const n = name.trim().split(/\s+/)[0];
        if (n && /^\w+$/.test(n)) out.push(...resolvePy(file, dots, mod ? `${mod}.${n}` : n, files));
      }
    }
    for (const m of text.matchAll(/^\s*import\s+([\w.,\s]+?)\s*$/gm)) {
      for (const name of m[1]!.split(',')) {
        const n = name.trim().split(/\s+/)[0];
        if (n) out.push(...resolvePy(file, 0, n, files));
      }
    }
  }
  return out;
}

/**
 * Test files related to `changedFiles` (repository-relative), most related first: changed test files
 * themselves, tests named after a changed file (`foo.ts` ↔ `foo.test.ts`, `test_foo.py`, `foo_test.go`),
 * then tests importing a changed file directly or through up to three other files. For Go, every test file
 * in a changed file's package.
 */
export function relatedTests(root: string, changedFiles: string[], runner: TestRunner): string[] {
  const all = listFiles(root);
  const fileSet = new Set(all);
  const tests = all.filter((f) => isTestFile(f, runner));
  const out: string[] = [];
  const add = (f: string) => {
    if (!out.includes(f)) out.push(f);
  };
  const changed = changedFiles.map((f) => f.replace(/\\/g, '/').replace(/^\.\//, ''));
  for (const c of changed) if (isTestFile(c, runner) && fileSet.has(c)) add(c);
  const stems = new Set(changed.filter((c) => !isTestFile(c, runner)).map(stem));
  for (const t of tests) if (stems.has(stem(t))) add(t);
  if (runner === 'go' || changed.some((c) => c.endsWith('.go'))) {
    const dirs = new Set(changed.filter((c) => c.endsWith('.go')).map((c) => posix.dirname(c)));
    for (const t of tests) if (GO_TEST.test(t) && dirs.has(posix.dirname(t))) add(t);
  }
  // Reverse import graph over source files, walked breadth-first from the changed files.
  const importers = new Map<string, string[]>();
  for (const f of all) {
    if (!JS_EXT.test(f) && !f.endsWith('.py')) continue;
    for (const dep of importsOf(root, f, fileSet)) {
      const list = importers.get(dep) ?? [];
      list.push(f);
      importers.set(dep, list);
    }
  }
  let frontier = changed;
  const seen = new Set(changed);
  for (let depth = 0; depth < MAX_DEPTH && frontier.length; depth++) {
    const next: string[] = [];
    for (const f of frontier) {
      for (const imp of importers.get(f) ?? []) {
        if (seen.has(imp)) continue;
        seen.add(imp);
        next.push(imp);
      }
    }
    for (const f of next.sort()) if (isTestFile(f, runner)) add(f);
    frontier = next;
  }
  return out;
}
