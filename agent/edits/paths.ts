/**
 * Confinement of edit paths to the repository: every path the model names is checked here before any
 * byte is read or written.
 */
import { lstatSync, realpathSync } from 'node:fs';
import { isAbsolute, join, posix, relative, sep } from 'node:path';
import { EditError } from './errors.js';

/** Top-level (and nested) directories ragent never edits. */
const PROTECTED = new Set(['.git', '.ragent']);

/** A checked path: repository-relative with `/` separators, plus its absolute form. */
export interface RepoPath {
  rel: string;
  abs: string;
}

/**
 * Check that `path` names a location inside `root` that edits may touch, and normalize it.
 * Refuses absolute paths, `..` escapes, anything under `.git/` or `.ragent/`, and paths that pass
 * through a symbolic link or end at one. `root` must be a real (symlink-free) path.
 * @throws EditError `path_invalid`, `path_outside`, `path_protected` or `symlink`.
 */
export function confinePath(root: string, path: string): RepoPath {
  if (typeof path !== 'string' || path.trim() === '' || path.includes('\0')) {
    throw new EditError('path_invalid', `Invalid path ${JSON.stringify(path)}.`, 'give a path relative to the repository root', String(path));
  }
  const slashed = path.replace(/\\/g, '/');
  if (isAbsolute(path) || slashed.startsWith('/') || /^[A-Za-z]:\//.test(slashed)) {
    throw new EditError(
      'path_outside',
      `The path ${path} is absolute; edits take paths relative to the repository root.`,
      'drop the leading directories and give the path from the repository root, e.g. src/app.ts',
      path,
    );
  }
  const rel = posix.normalize(slashed).replace(/\/+$/, '');
  if (rel === '..' || rel.startsWith('../')) {
    throw new EditError('path_outside', `The path ${path} leads outside the repository.`, 'only files inside the repository can be edited', path);
  }
  if (rel === '.' || rel === '') {
    throw new EditError('path_invalid', `The path ${path} names the repository root, not a file.`, undefined, path);
  }
  const parts = rel.split('/');
  // Case-insensitive, for file systems where `.GIT` is `.git`.
  const guarded = parts.find((p) => PROTECTED.has(p.toLowerCase()));
  if (guarded) {
    throw new EditError('path_protected', `The path ${path} is inside ${guarded}/, which ragent never edits.`, undefined, path);
  }
  // Every existing component must be a real directory (or, for the last, a real file) inside root.
  let cur = root;
  for (let i = 0; i < parts.length; i++) {
    cur = join(cur, parts[i]!);
    let st;
    try {
      st = lstatSync(cur);
    } catch {
      break; // Does not exist yet: nothing below it can be a link.
    }
    if (st.isSymbolicLink()) {
      let target = '';
      try {
        target = realpathSync(cur);
      } catch {
        target = '(a missing target)';
      }
      const inside = target && !relative(root, target).startsWith('..') && !isAbsolute(relative(root, target));
      const shown = parts.slice(0, i + 1).join('/');
      throw new EditError(
        'symlink',
        inside
          ? `The path ${path} goes through the symbolic link ${shown}; ragent edits real files only.`
          : `The path ${path} goes through the symbolic link ${shown}, which points outside the repository.`,
        inside ? `edit the link's target instead: ${relative(root, target).split(sep).join('/')}` : 'only files inside the repository can be edited',
        path,
      );
    }
  }
  return { rel, abs: join(root, ...parts) };
}

/** True when a buffer looks binary: a NUL byte in its first 8000 bytes, as git decides. */
export function looksBinary(buf: Buffer): boolean {
  return buf.subarray(0, 8000).includes(0);
}

/**
 * Decode a file's bytes for editing; refuses binary files and text that is not valid UTF-8, which
 * could not be written back unchanged.
 * @throws EditError `binary` or `not_utf8`.
 */
export function decodeText(buf: Buffer, rel: string): string {
  if (looksBinary(buf)) {
    throw new EditError('binary', `${rel} is a binary file; ragent edits text files only.`, undefined, rel);
  }
  const text = buf.toString('utf8');
  if (!Buffer.from(text, 'utf8').equals(buf)) {
    throw new EditError('not_utf8', `${rel} is not valid UTF-8; editing it could corrupt it.`, 'convert the file to UTF-8 first, or edit it by hand', rel);
  }
  return text;
}
