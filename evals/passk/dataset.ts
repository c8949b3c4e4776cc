import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { DatasetError } from './errors.js';

/** The benchmarks this harness scores. */
export type Benchmark = 'humaneval' | 'mbpp';

/** A HumanEval problem: complete the function whose signature and docstring are the prompt. */
export interface HumanEvalProblem {
  benchmark: 'humaneval';
  taskId: string;
  prompt: string;
  entryPoint: string;
  canonicalSolution: string;
  /** Defines `check(candidate)`. */
  test: string;
}

/** An MBPP problem: write a function from a one-sentence description and three asserts. */
export interface MbppProblem {
  benchmark: 'mbpp';
  /** The numeric task id, as a string (the dataset stores a number). */
  taskId: string;
  text: string;
  code: string;
  testSetupCode: string;
  testList: string[];
}

export type Problem = HumanEvalProblem | MbppProblem;

/** Read a JSONL file (or one JSON array), gzip-compressed when it is, into one object per non-blank line. */
export function readJsonl(file: string, what = 'file'): Array<{ line: number; value: Record<string, unknown> }> {
  let raw: Buffer;
  try {
    raw = readFileSync(file);
  } catch (err) {
    throw new DatasetError(`cannot read ${what} ${file}: ${(err as Error).message}`, 'check the path');
  }
  let text: string;
  try {
    text = (file.endsWith('.gz') || (raw[0] === 0x1f && raw[1] === 0x8b) ? gunzipSync(raw) : raw).toString('utf8');
  } catch (err) {
    throw new DatasetError(`${file} is not valid gzip: ${(err as Error).message}`, 'pass the .jsonl or an intact .jsonl.gz');
  }
  const rows: Array<{ line: number; value: Record<string, unknown> }> = [];
  // MBPP's sanitized release is one JSON array rather than JSON lines.
  if (text.trimStart().startsWith('[')) return readJsonArray(file, text, what);
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (!line) continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (err) {
      throw new DatasetError(`${file}:${i + 1} is not valid JSON: ${(err as Error).message}`, `each line of a ${what} must be one JSON object`);
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new DatasetError(`${file}:${i + 1} is not a JSON object`, `each line of a ${what} must be one JSON object`);
    }
    rows.push({ line: i + 1, value: value as Record<string, unknown> });
  }
  return rows;
}

function readJsonArray(file: string, text: string, what: string): Array<{ line: number; value: Record<string, unknown> }> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new DatasetError(`${file} is not valid JSON: ${(err as Error).message}`, `a ${what} is JSON lines, or one JSON array of objects`);
  }
  const items = value as unknown[];
  const bad = items.findIndex((v) => typeof v !== 'object' || v === null || Array.isArray(v));
  if (bad >= 0) throw new DatasetError(`${file}: item ${bad + 1} is not a JSON object`, `a ${what} is JSON lines, or one JSON array of objects`);
  // No line numbers in one document: errors name the item instead.
  return items.map((v, i) => ({ line: i + 1, value: v as Record<string, unknown> }));
}

/** The canonical string form of an MBPP task id: `11`, `"11"` and `"Mbpp/11"` are all `11`. */
export function normaliseTaskId(benchmark: Benchmark, id: unknown): string | null {
  if (typeof id === 'number' && Number.isInteger(id)) return benchmark === 'mbpp' ? String(id) : `HumanEval/${id}`;
  if (typeof id !== 'string' || !id.trim()) return null;
  const s = id.trim();
  if (benchmark === 'mbpp') {
    const m = /^(?:mbpp\/)?(\d+)$/i.exec(s);
    return m ? String(Number(m[1])) : s;
  }
  return s;
}

function str(row: Record<string, unknown>, key: string): string | undefined {
  const v = row[key];
  return typeof v === 'string' ? v : undefined;
}

function strList(row: Record<string, unknown>, key: string): string[] | undefined {
  const v = row[key];
  return Array.isArray(v) && v.every((x) => typeof x === 'string') ? (v as string[]) : undefined;
}

function parseHumanEval(row: Record<string, unknown>, where: string): HumanEvalProblem {
  const taskId = normaliseTaskId('humaneval', row.task_id);
  const prompt = str(row, 'prompt');
  const entryPoint = str(row, 'entry_point');
  const test = str(row, 'test');
  if (!taskId || prompt === undefined || !entryPoint || test === undefined) {
    const looksMbpp = 'test_list' in row;
    throw new DatasetError(
      `${where} is not a HumanEval problem (needs task_id, prompt, entry_point, test)`,
      looksMbpp ? 'this looks like MBPP: run `ragent eval mbpp` instead' : 'pass HumanEval.jsonl(.gz) in the published format',
    );
  }
  return { benchmark: 'humaneval', taskId, prompt, entryPoint, test, canonicalSolution: str(row, 'canonical_solution') ?? '' };
}

function parseMbpp(row: Record<string, unknown>, where: string): MbppProblem {
  const taskId = normaliseTaskId('mbpp', row.task_id);
  // The original release says `text`; the sanitized release says `prompt` and lists imports separately.
  const text = str(row, 'text') ?? str(row, 'prompt');
  const testList = strList(row, 'test_list');
  if (!taskId || text === undefined || !testList) {
    const looksHumanEval = 'entry_point' in row;
    throw new DatasetError(
      `${where} is not an MBPP problem (needs task_id, text, test_list)`,
      looksHumanEval ? 'this looks like HumanEval: run `ragent eval humaneval` instead' : 'pass mbpp.jsonl in the published format',
    );
  }
  const imports = strList(row, 'test_imports') ?? [];
  const setup = [str(row, 'test_setup_code') ?? '', ...imports].filter((s) => s.trim()).join('\n');
  return { benchmark: 'mbpp', taskId, text, code: str(row, 'code') ?? '', testSetupCode: setup, testList };
}

/** Load a dataset file in the published HumanEval or MBPP format. */
export function loadDataset(benchmark: Benchmark, file: string): Problem[] {
  const rows = readJsonl(file, 'dataset');
  if (rows.length === 0) throw new DatasetError(`dataset ${file} has no problems`, 'pass a non-empty JSONL file');
  const seen = new Set<string>();
  return rows.map(({ line, value }) => {
    const where = `${file}:${line}`;
    const p = benchmark === 'humaneval' ? parseHumanEval(value, where) : parseMbpp(value, where);
    if (seen.has(p.taskId)) throw new DatasetError(`${where}: task_id ${p.taskId} appears twice`, 'each problem must appear once');
    seen.add(p.taskId);
    return p;
  });
}

/** MBPP's published splits by task id (Austin et al. 2021): few-shot prompts, test, validation, training. */
export const MBPP_SPLITS = {
  prompt: [1, 10],
  test: [11, 510],
  validation: [511, 600],
  train: [601, 974],
} as const satisfies Record<string, readonly [number, number]>;

export type MbppSplit = keyof typeof MBPP_SPLITS | 'all';

/** The problems of one MBPP split (`all` keeps every problem). */
export function mbppSplit(problems: MbppProblem[], split: MbppSplit): MbppProblem[] {
  if (split === 'all') return problems;
  const [lo, hi] = MBPP_SPLITS[split];
  return problems.filter((p) => Number(p.taskId) >= lo && Number(p.taskId) <= hi);
}
