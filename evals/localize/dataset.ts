/**
 * SWE-bench-format localization instances and the gold locations their patches touch.
 */
import { readFileSync } from 'node:fs';
import { RagentError } from '../../src/errors.js';

/** A dataset file that cannot be read or holds rows without the fields the eval needs. */
export class LocalizeDatasetError extends RagentError {}

export interface LocalizeInstance {
  instance_id: string;
  /** `owner/name`. */
  repo: string;
  base_commit: string;
  problem_statement: string;
  /** The gold fix as a unified diff. */
  patch: string;
  /** Where the row came from (`swe-bench-lite`, …), when the dataset says. */
  source?: string;
}

/** One diff hunk of a gold file: the old-file lines it changes (insertions count the line they follow). */
export interface GoldHunk {
  lines: number[];
}

export interface GoldFile {
  path: string;
  hunks: GoldHunk[];
}

const REQUIRED = ['instance_id', 'repo', 'base_commit', 'problem_statement', 'patch'] as const;

/** Read a JSONL dataset; every row must carry instance_id, repo, base_commit, problem_statement and patch. */
export function loadDataset(file: string): LocalizeInstance[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new LocalizeDatasetError(`cannot read dataset ${file}: ${(err as Error).message}`, 'pass --dataset with a SWE-bench-format .jsonl file');
  }
  const rows: LocalizeInstance[] = [];
  const seen = new Set<string>();
  text.split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    let row: Record<string, unknown>;
    try {
      row = JSON.parse(line) as Record<string, unknown>;
    } catch (err) {
      throw new LocalizeDatasetError(`${file}:${i + 1} is not valid JSON: ${(err as Error).message}`, 'each line must be one JSON object');
    }
    for (const k of REQUIRED) {
      if (typeof row[k] !== 'string' || !(row[k] as string).length) {
        throw new LocalizeDatasetError(`${file}:${i + 1} has no "${k}"`, `each row needs ${REQUIRED.join(', ')}`);
      }
    }
    const id = row.instance_id as string;
    if (seen.has(id)) throw new LocalizeDatasetError(`${file}:${i + 1} repeats instance ${id}`, 'instance ids must be unique');
    seen.add(id);
    rows.push({
      instance_id: id,
      repo: row.repo as string,
      base_commit: row.base_commit as string,
      problem_statement: row.problem_statement as string,
      patch: row.patch as string,
      source: typeof row.source === 'string' ? row.source : undefined,
    });
  });
  return rows;
}

/**
 * The files a unified diff modifies (not the ones it creates) with each hunk's changed old-file lines.
 * A pure insertion is placed at the old line it follows (or line 1 at the top of a file).
 */
export function goldLocations(patch: string): GoldFile[] {
  const files: GoldFile[] = [];
  let current: GoldFile | null = null;
  let hunk: GoldHunk | null = null;
  let oldLine = 0;
  let isNew = false;
  const lines = patch.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.startsWith('diff --git ')) {
      current = null;
      hunk = null;
      isNew = false;
      continue;
    }
    if (line.startsWith('--- ')) {
      isNew = line.startsWith('--- /dev/null');
      continue;
    }
    if (line.startsWith('+++ ') && !hunk) {
      const path = line.slice(4).replace(/^b\//, '').replace(/\t.*$/, '');
      if (!isNew && path !== '/dev/null') {
        current = { path, hunks: [] };
        files.push(current);
      } else current = null;
      continue;
    }
    const m = /^@@ -(\d+)(?:,\d+)? \+\d+(?:,\d+)? @@/.exec(line);
    if (m) {
      oldLine = Number(m[1]);
      hunk = current ? { lines: [] } : null;
      if (hunk) current!.hunks.push(hunk);
      continue;
    }
    if (!hunk) continue;
    if (line.startsWith('-')) {
      hunk.lines.push(oldLine);
      oldLine++;
    } else if (line.startsWith('+')) {
      hunk.lines.push(Math.max(1, oldLine - 1));
    } else if (line.startsWith(' ') || line === '') {
      oldLine++;
    }
  }
  for (const f of files) for (const h of f.hunks) h.lines = [...new Set(h.lines)].sort((a, b) => a - b);
  return files.filter((f) => f.hunks.some((h) => h.lines.length));
}

/** The language group of an instance for reports: from its source, else from its gold files' extensions. */
export function languageOf(inst: LocalizeInstance, gold: GoldFile[]): string {
  if (inst.source && /lite|python/i.test(inst.source)) return 'python';
  if (inst.source && /multimodal|javascript|js/i.test(inst.source)) return 'javascript';
  const py = gold.filter((g) => g.path.endsWith('.py')).length;
  return py * 2 >= gold.length && py > 0 ? 'python' : 'javascript';
}
