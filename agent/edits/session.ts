/**
 * Applying edits to a working tree: confined paths, a syntax check, atomic writes, an undo stack and a
 * patch of everything applied.
 */
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  existsSync,
  fsyncSync,
  lstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmdirSync,
  chmodSync,
  unlinkSync,
  writeSync,
  readdirSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { unifiedDiff } from './diff.js';
import { EditError } from './errors.js';
import { applySearchReplace } from './match.js';
import { confinePath, decodeText, type RepoPath } from './paths.js';
import { replaceSymbol } from './symbol.js';
import { checkSyntax } from './syntax.js';
import type { AppliedEdit, Edit, PlannedEdit } from './types.js';

export interface EditSessionOptions {
  /** Re-parse edited TS/TSX/JS/Python files and refuse edits that add syntax errors (default true). */
  checkSyntax?: boolean;
  /** Let create_file replace a file that existed before the session (default false). */
  allowOverwrite?: boolean;
}

interface Original {
  bytes: Buffer | null;
  mode: number;
}

interface UndoEntry {
  applied: AppliedEdit;
  abs: string;
  before: Buffer | null;
  after: Buffer;
  mode: number;
  /** Directories this edit created, deepest first, removed again on undo when empty. */
  createdDirs: string[];
}

/**
 * Edits applied to one repository during a run. Every write is atomic (temp file + rename, mode kept);
 * every applied edit is on a stack and can be undone, restoring the exact bytes.
 */
export class EditSession {
  readonly root: string;
  private readonly originals = new Map<string, Original>();
  private readonly stack: UndoEntry[] = [];
  private readonly created = new Set<string>();

  constructor(
    root: string,
    private readonly opts: EditSessionOptions = {},
  ) {
    this.root = realpathSync(root);
  }

  /** Work out an edit against the current files without writing anything. */
  plan(edit: Edit): PlannedEdit {
    if (!edit || typeof edit !== 'object') throw new EditError('path_invalid', 'An edit must be an object with a type and a path.');
    const where = confinePath(this.root, edit.path);
    const before = this.readCurrent(where);
    let planned: PlannedEdit;
    switch (edit.type) {
      case 'search_replace': {
        if (before === null) throw missing(where.rel, 'create_file');
        const r = applySearchReplace(before, String(edit.search ?? ''), String(edit.replace ?? ''), where.rel);
        planned = { edit, path: where.rel, before, after: r.text, locatedBy: r.matchedBy, line: r.line, endLine: r.endLine, similarity: r.similarity };
        break;
      }
      case 'replace_symbol': {
        if (before === null) throw missing(where.rel, 'create_file');
        const r = replaceSymbol(where.rel, before, String(edit.symbol ?? ''), String(edit.code ?? ''));
        planned = { edit, path: where.rel, before, after: r.text, locatedBy: 'symbol', line: r.line, endLine: r.endLine, similarity: 1 };
        break;
      }
      case 'create_file': {
        // An empty file has nothing to lose, and search/replace cannot fill it.
        if (before !== null && before !== '' && !this.created.has(where.rel) && !this.opts.allowOverwrite) {
          throw new EditError(
            'exists',
            `${where.rel} already exists.`,
            'change it with edit_file or replace_symbol; create_file only writes new files',
            where.rel,
          );
        }
        for (let dir = dirname(where.abs); dir.length > this.root.length; dir = dirname(dir)) {
          if (!existsSync(dir)) continue;
          if (!lstatSync(dir).isDirectory()) {
            const rel = dir.slice(this.root.length + 1);
            throw new EditError('not_a_file', `${rel} is a file, so ${where.rel} cannot be created under it.`, 'choose another path', where.rel);
          }
          break;
        }
        let content = String(edit.content ?? '');
        if (content !== '' && !content.endsWith('\n')) content += '\n';
        const lines = content === '' ? 0 : content.split('\n').length - 1;
        planned = { edit, path: where.rel, before, after: content, locatedBy: 'create', line: before === null ? 0 : 1, endLine: lines, similarity: 1 };
        break;
      }
      default:
        throw new EditError('path_invalid', `Unknown edit type ${JSON.stringify((edit as { type?: unknown }).type)}.`);
    }
    if (planned.before === planned.after) {
      throw new EditError('no_change', `The edit leaves ${where.rel} unchanged.`, undefined, where.rel);
    }
    if (this.opts.checkSyntax ?? true) checkSyntax(where.rel, planned.before, planned.after);
    return planned;
  }

  /** Apply an edit: plan it, then write the file atomically. Nothing is written when it throws. */
  apply(edit: Edit): AppliedEdit {
    const planned = this.plan(edit);
    const where = confinePath(this.root, planned.path);
    const beforeBytes = planned.before === null ? null : readFileSync(where.abs);
    const mode = beforeBytes === null ? 0o644 : lstatSync(where.abs).mode & 0o7777;
    if (!this.originals.has(where.rel)) this.originals.set(where.rel, { bytes: beforeBytes, mode });
    const createdDirs = beforeBytes === null ? makeParents(this.root, where.abs) : [];
    const after = Buffer.from(planned.after, 'utf8');
    atomicWrite(where.abs, after, mode);
    if (beforeBytes === null) this.created.add(where.rel);
    const applied: AppliedEdit = {
      ...planned,
      created: planned.before === null,
      diff: unifiedDiff(where.rel, planned.before, planned.after, gitMode(mode)),
    };
    this.stack.push({ applied, abs: where.abs, before: beforeBytes, after, mode, createdDirs });
    return applied;
  }

  /**
   * Undo the last applied edit, restoring the file's exact bytes (or removing a file it created).
   * Returns the edit undone, or null when there is nothing to undo.
   * @throws EditError `conflict` when the file was changed by someone else since the edit.
   */
  undo(): AppliedEdit | null {
    const entry = this.stack[this.stack.length - 1];
    if (!entry) return null;
    const now = existsSync(entry.abs) ? readFileSync(entry.abs) : null;
    if (!now || !now.equals(entry.after)) {
      throw new EditError(
        'conflict',
        `${entry.applied.path} changed after ragent edited it; undoing would lose those changes.`,
        'restore it by hand, or revert with git',
        entry.applied.path,
      );
    }
    if (entry.before === null) {
      unlinkSync(entry.abs);
      this.created.delete(entry.applied.path);
      for (const dir of entry.createdDirs) {
        if (readdirSync(dir).length === 0) rmdirSync(dir);
      }
    } else {
      atomicWrite(entry.abs, entry.before, entry.mode);
    }
    this.stack.pop();
    return entry.applied;
  }

  /** Undo every applied edit, newest first. Returns the edits undone. */
  undoAll(): AppliedEdit[] {
    const out: AppliedEdit[] = [];
    for (let e = this.undo(); e; e = this.undo()) out.push(e);
    return out;
  }

  /** Edits applied and not undone, oldest first. */
  applied(): AppliedEdit[] {
    return this.stack.map((e) => e.applied);
  }

  /** Repository-relative paths whose content now differs from before the session, sorted. */
  changedFiles(): string[] {
    return [...this.originals.keys()].filter((rel) => this.fileDiff(rel) !== '').sort();
  }

  /** One patch of every change against the files as they were before the session; `git apply` accepts it. */
  diff(): string {
    return [...this.originals.keys()]
      .sort()
      .map((rel) => this.fileDiff(rel))
      .join('');
  }

  private fileDiff(rel: string): string {
    const orig = this.originals.get(rel)!;
    const abs = join(this.root, rel);
    const now = existsSync(abs) ? readFileSync(abs) : null;
    if (now === null && orig.bytes === null) return '';
    if (now !== null && orig.bytes !== null && now.equals(orig.bytes)) return '';
    const mode = now !== null ? lstatSync(abs).mode & 0o7777 : orig.mode;
    return unifiedDiff(rel, orig.bytes?.toString('utf8') ?? null, now?.toString('utf8') ?? null, gitMode(mode));
  }

  private readCurrent(where: RepoPath): string | null {
    let st;
    try {
      st = lstatSync(where.abs);
    } catch {
      return null;
    }
    if (!st.isFile()) {
      throw new EditError('not_a_file', `${where.rel} is not a regular file.`, 'give the path of a file', where.rel);
    }
    return decodeText(readFileSync(where.abs), where.rel);
  }
}

function missing(rel: string, tool: string): EditError {
  return new EditError('not_found', `${rel} does not exist.`, `check the path, or use ${tool} to write a new file`, rel);
}

function gitMode(mode: number): string {
  return mode & 0o111 ? '100755' : '100644';
}

/** Create the missing parent directories of `abs`; returns those created, deepest first. */
function makeParents(root: string, abs: string): string[] {
  const made: string[] = [];
  for (let dir = dirname(abs); dir.length > root.length && !existsSync(dir); dir = dirname(dir)) made.push(dir);
  if (made.length) mkdirSync(dirname(abs), { recursive: true });
  return made;
}

/** Write through a temp file in the same directory and rename it over the target, so readers never see half a file. */
function atomicWrite(abs: string, data: Buffer, mode: number): void {
  const tmp = join(dirname(abs), `.${basename(abs)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const fd = openSync(tmp, 'wx', mode);
  try {
    writeSync(fd, data, 0, data.length, 0);
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    unlinkSync(tmp);
    throw err;
  }
  closeSync(fd);
  try {
    chmodSync(tmp, mode);
    renameSync(tmp, abs);
  } catch (err) {
    try {
      unlinkSync(tmp);
    } catch {
      // Already gone.
    }
    throw err;
  }
}
