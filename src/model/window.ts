import { ContextOverflowError, ContextWindowTooSmallError, PromptTruncatedError } from './errors.js';

/** Below this window an agent turn (system prompt, tools, some code, an answer) does not fit. */
export const MIN_CONTEXT_TOKENS = 8_192;

/**
 * Our token count may differ from the model's tokenizer by this factor either way; every comparison
 * between the two counts leaves at least this much room before it calls something wrong.
 */
export const TOKENIZER_TOLERANCE = 0.15;

export interface WindowInputs {
  model: string;
  /** Tokens the caller means to put in a prompt. */
  budget: number;
  /** Tokens kept free for the answer. */
  outputReserve: number;
  /** The model's trained maximum, when the server told us. */
  modelMax: number | undefined;
  /** `model.contextLength`: an upper bound when > 0. */
  configuredCap: number;
}

/**
 * The one `num_ctx` used for a whole run: min(budget + reserve, model maximum, configured cap).
 * Throws when the model (or cap) cannot offer the minimum window.
 */
export function chooseNumCtx(w: WindowInputs): number {
  const ceilings = [w.modelMax, w.configuredCap > 0 ? w.configuredCap : undefined].filter(
    (v): v is number => typeof v === 'number' && v > 0,
  );
  const ceiling = ceilings.length ? Math.min(...ceilings) : undefined;
  if (ceiling !== undefined && ceiling < MIN_CONTEXT_TOKENS) {
    throw new ContextWindowTooSmallError(w.model, ceiling, MIN_CONTEXT_TOKENS);
  }
  const wanted = w.budget + w.outputReserve;
  return ceiling === undefined ? wanted : Math.min(wanted, ceiling);
}

/** Most prompt tokens a request may carry: the window minus what the answer needs. */
export function promptLimit(numCtx: number, outputReserve: number, maxTokens?: number): number {
  const reserve = maxTokens !== undefined ? Math.min(maxTokens, outputReserve) : outputReserve;
  return Math.max(0, numCtx - reserve);
}

/** Refuse, before sending, a prompt our own count already puts beyond the window. */
export function assertPromptFits(expected: number | undefined, numCtx: number, limit: number): void {
  if (expected !== undefined && expected > limit) throw new ContextOverflowError({ promptTokens: expected, limit, numCtx });
}

export interface EvalReport {
  /** Our count of the prompt (`expectedPromptTokens`). */
  expected: number;
  /** The server's `prompt_eval_count`: on Ollama it may leave out tokens reused from the KV cache. */
  evaluated: number;
  /** KV-cached prompt tokens, when the server reports them. */
  cached: number | undefined;
  numCtx: number;
}

/**
 * Whether the server cut the prompt. The server's count can be far below ours for harmless reasons
 * (KV-cache reuse hides tokens, tokenizers differ by up to ±15%), so only these patterns count:
 *  - ours alone is beyond the window;
 *  - the server's total sits at the window: the runner cut the prompt to fit (a prompt that really
 *    filled the window would have left the answer no room either, since ours was checked against
 *    the window minus the reserve before sending);
 *  - the server reports its cached tokens too, and evaluated + cached is clearly below ours (whole
 *    messages were dropped to fit), which without a cached count would look just like caching.
 */
export function truncationVerdict(r: EvalReport): 'ok' | 'truncated' {
  if (r.evaluated <= 0 && !r.cached) return 'ok';
  const total = r.evaluated + (r.cached ?? 0);
  // Theirs may sit up to the tolerance below ours without meaning anything; a few tokens of slack on top.
  const clearlyLarger = (ours: number, theirs: number) => theirs < ours * (1 - TOKENIZER_TOLERANCE) - 16;
  if (r.expected > r.numCtx) return 'truncated';
  if (total >= r.numCtx - Math.max(8, Math.ceil(r.numCtx * 0.01))) return 'truncated';
  if (r.cached !== undefined && clearlyLarger(r.expected, total)) return 'truncated';
  return 'ok';
}

/** Throw `PromptTruncatedError` when the verdict on a finished call is `truncated`. */
export function assertNotTruncated(r: EvalReport): void {
  if (truncationVerdict(r) === 'truncated') {
    throw new PromptTruncatedError(r.expected, r.evaluated + (r.cached ?? 0), r.numCtx);
  }
}
