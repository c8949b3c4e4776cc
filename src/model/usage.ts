import { recordCalibration } from '../util/tokens.js';
import type { Usage } from './types.js';
import { assertNotTruncated } from './window.js';

/** Ratios of the server's count to ours outside this range say more about caching than tokenizers. */
const PLAUSIBLE_RATIO: readonly [number, number] = [0.6, 2];

export interface Settlement {
  model: string;
  numCtx: number;
  expectedPromptTokens: number | undefined;
  usage: Usage;
  /** File the model's token ratio is stored in; no file, no calibration. */
  calibrationFile?: string;
}

/**
 * What happens after every call that reported token counts: a truncated prompt becomes an error,
 * and a plausible measurement refines the stored ratio between our counts and the model's.
 */
export function settleUsage(s: Settlement): void {
  const expected = s.expectedPromptTokens;
  if (expected === undefined) return;
  const { promptTokens, cachedPromptTokens } = s.usage;
  assertNotTruncated({ expected, evaluated: promptTokens, cached: cachedPromptTokens, numCtx: s.numCtx });
  if (!s.calibrationFile || expected <= 0) return;
  const theirs = promptTokens + (cachedPromptTokens ?? 0);
  const ratio = theirs / expected;
  if (ratio < PLAUSIBLE_RATIO[0] || ratio > PLAUSIBLE_RATIO[1]) return;
  recordCalibration(s.calibrationFile, s.model, expected, theirs);
}
