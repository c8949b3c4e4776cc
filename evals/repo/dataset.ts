/**
 * SWE-bench-format repository tasks: the localization rows plus the test patch and the two test lists
 * that decide whether a task is resolved.
 */
import { readFileSync } from 'node:fs';
import { RagentError } from '../../src/errors.js';
import { loadDataset, type LocalizeInstance } from '../localize/dataset.js';

/** A dataset row that lacks what grading needs (test patch, test lists) or holds them in an unknown shape. */
export class RepoDatasetError extends RagentError {}

/** One repository task: an issue on a commit, the gold fix, the tests that must pass afterwards. */
export interface RepoTask extends LocalizeInstance {
  /** Unified diff adding or changing the tests that check the fix. */
  test_patch: string;
  /** Tests that fail at base_commit and must pass with the fix. */
  FAIL_TO_PASS: string[];
  /** Tests that pass at base_commit and must still pass with the fix. */
  PASS_TO_PASS: string[];
}

/** A test list as SWE-bench files hold it (a JSON-encoded string array) or as a plain array; null when neither. */
export function parseTestList(value: unknown): string[] | null {
  let list = value;
  if (typeof value === 'string') {
    try {
      list = JSON.parse(value);
    } catch {
      return null;
    }
  }
  if (!Array.isArray(list) || !list.every((t) => typeof t === 'string')) return null;
  return list as string[];
}

export interface RepoDataset {
  tasks: RepoTask[];
  /** Rows without a FAIL_TO_PASS list (some published splits leave it out): they cannot be graded. */
  skipped: string[];
}

/**
 * Read a SWE-bench-format JSONL file of repository tasks. The localization reader checks the common fields
 * (and unique ids); this adds test_patch and the two test lists. A row whose FAIL_TO_PASS is missing, null or
 * empty is set aside (listed in `skipped`); one whose lists are malformed is an error.
 */
export function loadRepoTasks(file: string): RepoDataset {
  const base = loadDataset(file);
  const extra = new Map<string, { line: number; row: Record<string, unknown> }>();
  readFileSync(file, 'utf8')
    .split('\n')
    .forEach((line, i) => {
      if (!line.trim()) return;
      const row = JSON.parse(line) as Record<string, unknown>;
      extra.set(row.instance_id as string, { line: i + 1, row });
    });
  const tasks: RepoTask[] = [];
  const skipped: string[] = [];
  for (const inst of base) {
    const { line, row } = extra.get(inst.instance_id)!;
    const where = `${file}:${line} (${inst.instance_id})`;
    const f2p = row.FAIL_TO_PASS === undefined || row.FAIL_TO_PASS === null ? [] : parseTestList(row.FAIL_TO_PASS);
    const p2p = row.PASS_TO_PASS === undefined || row.PASS_TO_PASS === null ? [] : parseTestList(row.PASS_TO_PASS);
    if (!f2p || !p2p) {
      throw new RepoDatasetError(`${where} has a ${f2p ? 'PASS_TO_PASS' : 'FAIL_TO_PASS'} that is not a list of test ids`, 'use a JSON array of strings, or a string holding one');
    }
    if (!f2p.length) {
      skipped.push(inst.instance_id);
      continue;
    }
    if (typeof row.test_patch !== 'string' || !row.test_patch.trim()) {
      throw new RepoDatasetError(`${where} has no "test_patch"`, 'each row needs the diff that adds the tests checking the fix');
    }
    tasks.push({ ...inst, test_patch: row.test_patch, FAIL_TO_PASS: f2p, PASS_TO_PASS: p2p });
  }
  if (!tasks.length) {
    throw new RepoDatasetError(`${file} has no row with FAIL_TO_PASS tests`, 'repository tasks are graded by the tests they name; add FAIL_TO_PASS (and PASS_TO_PASS) to the rows');
  }
  return { tasks, skipped };
}

/** Paths a unified diff touches (old and new names), in order of appearance. */
export function patchPaths(patch: string): string[] {
  const paths = new Set<string>();
  const name = (s: string): string | null => {
    const p = s.replace(/\t.*$/, '').trim();
    return p === '/dev/null' ? null : p.replace(/^[ab]\//, '');
  };
  const lines = patch.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const git = /^diff --git a\/(.+) b\/(.+)$/.exec(line);
    if (git) {
      paths.add(git[1]!);
      paths.add(git[2]!);
    } else if (line.startsWith('--- ') && lines[i + 1]?.startsWith('+++ ') && lines[i + 2]?.startsWith('@@')) {
      // A file header, not a removed line that happens to start with "--".
      for (const p of [name(line.slice(4)), name(lines[i + 1]!.slice(4))]) if (p) paths.add(p);
      i++;
    }
  }
  return [...paths];
}
