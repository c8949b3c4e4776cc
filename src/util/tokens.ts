import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { getEncoding, type Tiktoken } from 'js-tiktoken';

/** Counts tokens the way a model's tokenizer would, as exactly as ragent can. */
export interface TokenCounter {
  /** Name for reports: `cl100k_base`, or `cl100k_base×1.08 (qwen2.5-coder:7b)` once calibrated. */
  readonly name: string;
  count(text: string): number;
}

let encoder: Tiktoken | undefined;

/** The cl100k BPE tokenizer, loaded once (its ranks ship inside the package; nothing is fetched). */
export function bpeCounter(): TokenCounter {
  encoder ??= getEncoding('cl100k_base');
  const enc = encoder;
  return {
    name: 'cl100k_base',
    count: (text) => (text.length === 0 ? 0 : enc.encode(text, [], []).length),
  };
}

/**
 * A counter scaled by a model-specific factor and rounded up, so that packing to a budget under it
 * stays within the budget under the model's own tokenizer.
 */
export function calibratedCounter(base: TokenCounter, factor: number, model: string): TokenCounter {
  if (!(factor > 0) || Math.abs(factor - 1) < 1e-3) return base;
  return {
    name: `${base.name}×${factor.toFixed(3)} (${model})`,
    count: (text) => Math.ceil(base.count(text) * factor),
  };
}

interface CalibrationFile {
  [model: string]: { factor: number; samples: number };
}

function readCalibration(file: string): CalibrationFile {
  try {
    const data = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    return typeof data === 'object' && data !== null ? (data as CalibrationFile) : {};
  } catch {
    return {};
  }
}

/** The stored ratio of the model's token count to ours, 1 when never measured. */
export function loadCalibration(file: string, model: string): number {
  const entry = readCalibration(file)[model];
  return entry && entry.factor > 0 ? entry.factor : 1;
}

/**
 * Fold one measurement (our count vs the server's `prompt_eval_count` for the same prompt) into the
 * stored factor. Keeps the largest ratio seen, so counts err towards overestimating.
 */
export function recordCalibration(file: string, model: string, ours: number, theirs: number): number {
  if (ours < 200 || theirs <= 0) return loadCalibration(file, model);
  const data = readCalibration(file);
  const prev = data[model];
  const ratio = theirs / ours;
  const factor = prev ? Math.max(prev.factor, ratio) : ratio;
  data[model] = { factor, samples: (prev?.samples ?? 0) + 1 };
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(data, null, 2));
  renameSync(tmp, file);
  return factor;
}

/** Where a repository keeps the measured token ratios of its models. */
export function calibrationFile(root: string): string {
  return join(root, '.ragent', 'calibration.json');
}

/** The counter for `model` in repository `root`: `base` (default cl100k) scaled by the calibration measured for it. */
export function modelTokenCounter(root: string, model: string, base: TokenCounter = bpeCounter()): TokenCounter {
  return calibratedCounter(base, loadCalibration(calibrationFile(root), model), model);
}
