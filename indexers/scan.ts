/**
 * Which files the index sees, and why the others are left out. Inside git: what git sees (tracked plus
 * untracked-not-ignored). Outside git: a walk that honours every .gitignore on the way down. Both then drop
 * vendored folders and `index.ignore` globs; reading a file decides the content-based skips.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, fstatSync, lstatSync, openSync, readdirSync, readFileSync, readSync, realpathSync, statSync } from 'node:fs';
import { join, sep } from 'node:path';
import ignore, { type Ignore } from 'ignore';
import type { FileRecord, SkipReason } from './types.js';
import { gitBlobId } from './hash.js';

/** The `index.*` settings scanning reads. */
export interface ScanOptions {
  ignore: string[];
  maxFileBytes: number;
  maxLineLength: number;
}

export interface FileListing {
  /** Repository-relative paths (always `/`-separated) that may be indexed, sorted. */
  paths: string[];
  /** Files left out by path alone (vendored folders, `index.ignore`), counted by reason. */
  skipped: Partial<Record<SkipReason, number>>;
  /** True when the listing came from git. */
  git: boolean;
}

/** One file read from disk: its row for the files table, and its text when it is to be indexed. */
export interface ReadResult {
  record: FileRecord;
  /** Decoded text, or null when the file is skipped. */
  text: string | null;
  /** Modification time of what was read, or -1 when unknown (links out of the repository, unreadable files). */
  mtimeMs: number;
}

/** Size and modification time of a file (following links), or null when it cannot be stat'ed. */
export function quickStat(root: string, path: string): { size: number; mtimeMs: number } | null {
  const st = statSync(join(root, path), { throwIfNoEntry: false });
  return st && st.isFile() ? { size: st.size, mtimeMs: st.mtimeMs } : null;
}

/**
 * Size and modification time of a listed path without reading it, or null exactly when `readRepositoryFile`
 * would return null (gone, or not a file: a submodule). Links are kept: reading decides what they are.
 */
export function listedStat(root: string, path: string): { size: number; mtimeMs: number } | null {
  let st;
  try {
    st = lstatSync(join(root, path));
  } catch {
    return null;
  }
  return st.isFile() || st.isSymbolicLink() ? { size: st.size, mtimeMs: st.mtimeMs } : null;
}

/** Folders that hold dependencies, build output or caches rather than the project's own code. */
const VENDORED_DIRS = new Set([
  '.git', '.hg', '.svn', '.ragent',
  'node_modules', 'bower_components', 'jspm_packages', '.yarn', '.pnpm-store',
  'dist', 'build', 'coverage', '.nyc_output', '.next', '.nuxt', '.svelte-kit', '.turbo', '.parcel-cache', '.cache',
  '.venv', 'venv', '__pycache__', '.tox', '.nox', '.mypy_cache', '.pytest_cache', '.ruff_cache', '.eggs', 'site-packages',
  'vendor', 'third_party', 'third-party', '.gradle',
]);

/** Generated files recognised by name: lock files, minified bundles and source maps. */
const GENERATED_FILE = /(^|\/)(package-lock\.json|yarn\.lock|pnpm-lock\.yaml|poetry\.lock|Pipfile\.lock|composer\.lock|Cargo\.lock)$|\.min\.(js|css|mjs)$|\.map$/;

/** How many leading bytes are checked for a NUL, the way git decides a file is binary. */
const BINARY_PROBE_BYTES = 8000;

function isVendored(path: string): boolean {
  const parts = path.split('/');
  for (let i = 0; i < parts.length - 1; i++) {
    if (VENDORED_DIRS.has(parts[i]!) || parts[i]!.endsWith('.egg-info')) return true;
  }
  return false;
}

function bump(counts: Partial<Record<SkipReason, number>>, reason: SkipReason): void {
  counts[reason] = (counts[reason] ?? 0) + 1;
}

/** Paths git sees; null when `root` is not inside a git work tree. Works before the first commit. */
function gitListing(root: string): string[] | null {
  let out: Buffer;
  try {
    out = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'ignore'],
      maxBuffer: 1 << 30,
    });
  } catch {
    return null;
  }
  const paths = new Set<string>();
  for (const p of out.toString('utf8').split('\0')) if (p) paths.add(p);
  return [...paths];
}

function readGitignore(dir: string): Ignore | null {
  let text: string;
  try {
    text = readFileSync(join(dir, '.gitignore'), 'utf8');
  } catch {
    return null;
  }
  return ignore().add(text);
}

interface Rule {
  /** Folder the .gitignore lives in, relative to the root, '' or ending in `/`. */
  base: string;
  rules: Ignore;
}

/** Like git, the deepest .gitignore that says anything about `path` decides (so `!keep.log` can re-include). */
function ignoredBy(rules: Rule[], path: string, isDir: boolean): boolean {
  for (let i = rules.length - 1; i >= 0; i--) {
    const { base, rules: ig } = rules[i]!;
    const verdict = ig.test(path.slice(base.length) + (isDir ? '/' : ''));
    if (verdict.ignored) return true;
    if (verdict.unignored) return false;
  }
  return false;
}

/** Walk `root` without git: honour nested .gitignore files, prune vendored folders, never follow folder links. */
function walkListing(root: string, skipped: Partial<Record<SkipReason, number>>): string[] {
  const out: string[] = [];
  const visit = (rel: string, inherited: Rule[]): void => {
    const dir = rel ? join(root, rel) : root;
    const own = readGitignore(dir);
    const rules = own ? [...inherited, { base: rel ? `${rel}/` : '', rules: own }] : inherited;
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      bump(skipped, 'unreadable');
      return;
    }
    for (const entry of entries) {
      const path = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        if (VENDORED_DIRS.has(entry.name) || entry.name.endsWith('.egg-info')) {
          if (entry.name !== '.git' && entry.name !== '.ragent') bump(skipped, 'vendored');
          continue;
        }
        if (ignoredBy(rules, path, true)) continue;
        visit(path, rules);
      } else if (entry.isFile() || entry.isSymbolicLink()) {
        if (ignoredBy(rules, path, false)) continue;
        out.push(path);
      }
    }
  };
  visit('', []);
  return out;
}

/** List the files to consider for the index, with path-based skips counted. */
export function listRepositoryFiles(root: string, options: ScanOptions): FileListing {
  const skipped: Partial<Record<SkipReason, number>> = {};
  // Nothing from git also happens when `root` sits in a folder its enclosing repository ignores (an exported
  // checkout under a build directory, say): then the files are found by walking.
  let fromGit = gitListing(root);
  if (fromGit && fromGit.length === 0) fromGit = null;
  const candidates = fromGit ?? walkListing(root, skipped);
  const userIgnore = ignore().add(options.ignore);
  const paths: string[] = [];
  for (const raw of candidates) {
    const path = sep === '/' ? raw : raw.split(sep).join('/');
    if (isVendored(path)) {
      bump(skipped, 'vendored');
      continue;
    }
    if (options.ignore.length && userIgnore.ignores(path)) {
      bump(skipped, 'ignored');
      continue;
    }
    paths.push(path);
  }
  paths.sort();
  return { paths, skipped, git: fromGit !== null };
}

/** Length of the longest line, stopping early once it passes `limit`. */
function longestLineExceeds(text: string, limit: number): boolean {
  let start = 0;
  while (start <= text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    if (end - start > limit) return true;
    start = end + 1;
  }
  return false;
}

let shared = Buffer.allocUnsafe(0);

/**
 * A buffer of at least `size` bytes, reused from one file to the next: the bytes are only hashed, probed and
 * decoded before the next read. A new buffer per file (each a fresh allocation) cost about a fifth of a second
 * on sympy's 34 MB.
 */
function readBuffer(size: number): Buffer {
  if (shared.length < size) shared = Buffer.allocUnsafe(Math.max(size, 2 * shared.length, 64 * 1024));
  return shared;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });
const lenientUtf8 = new TextDecoder('utf-8');

/** Decode as UTF-8; invalid bytes become U+FFFD and the file is flagged rather than failing the run. */
export function decodeUtf8(bytes: Uint8Array): { text: string; lossy: boolean } {
  try {
    return { text: strictUtf8.decode(bytes), lossy: false };
  } catch {
    return { text: lenientUtf8.decode(bytes), lossy: true };
  }
}

function skippedRecord(path: string, size: number, reason: SkipReason, hash = '', mtimeMs = -1): ReadResult {
  return { record: { path, hash, language: '', size, skipReason: reason, lossyUtf8: false }, text: null, mtimeMs };
}

/** True when the real location of `abs` stays inside `root` (and resolves at all: a link loop does not). */
function linkStaysInside(root: string, abs: string): boolean {
  let target: string;
  try {
    target = realpathSync(abs);
  } catch {
    return false;
  }
  return target.startsWith(root.endsWith(sep) ? root : root + sep) && statSync(target).isFile();
}

/**
 * Read one listed file and decide whether it is indexed. Returns null when the file no longer exists
 * (deleted since it was listed, or tracked but missing from the work tree).
 */
export function readRepositoryFile(root: string, path: string, options: ScanOptions): ReadResult | null {
  const abs = join(root, path);
  let lst;
  try {
    lst = lstatSync(abs);
  } catch {
    return null;
  }
  if (lst.isSymbolicLink()) {
    if (!linkStaysInside(root, abs)) return skippedRecord(path, 0, 'symlink');
  } else if (!lst.isFile()) {
    // Submodules and other non-files that git lists.
    return null;
  }
  if (GENERATED_FILE.test(path)) return skippedRecord(path, lst.size, 'minified');
  let bytes: Buffer;
  let size: number;
  let mtimeMs: number;
  try {
    const fd = openSync(abs, 'r');
    try {
      const st = fstatSync(fd);
      size = st.size;
      mtimeMs = st.mtimeMs;
      if (size > options.maxFileBytes) return skippedRecord(path, size, 'huge', '', mtimeMs);
      bytes = readBuffer(size);
      let read = 0;
      while (read < size) {
        const n = readSync(fd, bytes, read, size - read, read);
        if (n === 0) break;
        read += n;
      }
      bytes = bytes.subarray(0, read);
    } finally {
      closeSync(fd);
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return skippedRecord(path, 0, 'unreadable');
    return skippedRecord(path, lst.size, 'unreadable');
  }
  const hash = gitBlobId(bytes);
  if (bytes.subarray(0, BINARY_PROBE_BYTES).includes(0)) return skippedRecord(path, bytes.length, 'binary', hash, mtimeMs);
  const { text, lossy } = decodeUtf8(bytes);
  if (longestLineExceeds(text, options.maxLineLength)) return skippedRecord(path, bytes.length, 'minified', hash, mtimeMs);
  return { record: { path, hash, language: '', size: bytes.length, skipReason: '', lossyUtf8: lossy }, text, mtimeMs };
}

/**
 * What decides whether a stored row is still current: the content hash when there is one, otherwise the
 * skip reason and size (huge files are never read whole, links and unreadable files have no content).
 */
export function fileFingerprint(record: Pick<FileRecord, 'hash' | 'skipReason' | 'size'>): string {
  return record.hash || `${record.skipReason}:${record.size}`;
}
