import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ContextOverflowError, ContextWindowTooSmallError } from '../../src/model/errors.js';
import { MIN_CONTEXT_TOKENS, TOKENIZER_TOLERANCE, assertPromptFits, chooseNumCtx, promptLimit, truncationVerdict } from '../../src/model/window.js';

const base = { model: 'm', budget: 20_000, outputReserve: 4_000, modelMax: 32_768, configuredCap: 0 };

describe('chooseNumCtx', () => {
  it('is min(budget + reserve, model maximum, configured cap)', () => {
    expect(chooseNumCtx(base)).toBe(24_000);
    expect(chooseNumCtx({ ...base, modelMax: 16_384 })).toBe(16_384);
    expect(chooseNumCtx({ ...base, configuredCap: 12_000 })).toBe(12_000);
    expect(chooseNumCtx({ ...base, modelMax: undefined })).toBe(24_000);
  });

  it('refuses a ceiling below the minimum, whoever sets it', () => {
    expect(() => chooseNumCtx({ ...base, modelMax: 4_096 })).toThrow(ContextWindowTooSmallError);
    expect(() => chooseNumCtx({ ...base, configuredCap: MIN_CONTEXT_TOKENS - 1 })).toThrow(ContextWindowTooSmallError);
    expect(chooseNumCtx({ ...base, configuredCap: MIN_CONTEXT_TOKENS, budget: 100_000 })).toBe(MIN_CONTEXT_TOKENS);
  });

  it('never exceeds any bound it was given', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 500_000 }),
        fc.integer({ min: 1, max: 32_000 }),
        fc.option(fc.integer({ min: MIN_CONTEXT_TOKENS, max: 1_000_000 }), { nil: undefined }),
        fc.oneof(fc.constant(0), fc.integer({ min: MIN_CONTEXT_TOKENS, max: 1_000_000 })),
        (budget, outputReserve, modelMax, configuredCap) => {
          const n = chooseNumCtx({ model: 'm', budget, outputReserve, modelMax, configuredCap });
          expect(n).toBeLessThanOrEqual(budget + outputReserve);
          if (modelMax) expect(n).toBeLessThanOrEqual(modelMax);
          if (configuredCap) expect(n).toBeLessThanOrEqual(configuredCap);
          expect(n).toBe(Math.min(budget + outputReserve, modelMax ?? Infinity, configuredCap || Infinity));
        },
      ),
    );
  });
});

describe('prompt limit', () => {
  it('keeps the reserve free, or less when the caller asks for fewer tokens', () => {
    expect(promptLimit(24_000, 4_000)).toBe(20_000);
    expect(promptLimit(24_000, 4_000, 500)).toBe(23_500);
    expect(promptLimit(24_000, 4_000, 10_000)).toBe(20_000);
  });

  it('refuses a prompt over the limit before it is sent', () => {
    expect(() => assertPromptFits(20_001, 24_000, 20_000)).toThrow(ContextOverflowError);
    expect(() => assertPromptFits(20_000, 24_000, 20_000)).not.toThrow();
    expect(() => assertPromptFits(undefined, 24_000, 20_000)).not.toThrow();
  });
});

describe('truncationVerdict', () => {
  const numCtx = 24_000;

  it('flags a server count sitting at the window', () => {
    expect(truncationVerdict({ expected: 19_000, evaluated: 24_000, cached: undefined, numCtx })).toBe('truncated');
    expect(truncationVerdict({ expected: 19_000, evaluated: 23_900, cached: undefined, numCtx })).toBe('truncated');
  });

  it('flags our own count beyond the window', () => {
    expect(truncationVerdict({ expected: 30_000, evaluated: 5_000, cached: undefined, numCtx })).toBe('truncated');
  });

  it('flags dropped messages only when cached tokens are reported', () => {
    expect(truncationVerdict({ expected: 18_000, evaluated: 2_000, cached: 6_000, numCtx })).toBe('truncated');
    expect(truncationVerdict({ expected: 18_000, evaluated: 2_000, cached: undefined, numCtx })).toBe('ok');
  });

  it('treats a missing count as unknown, not as truncation', () => {
    expect(truncationVerdict({ expected: 18_000, evaluated: 0, cached: undefined, numCtx })).toBe('ok');
  });

  it('never flags a prompt that fit, whatever the tokenizer difference (±15%) or the cache hid', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 8_192, max: 200_000 }),
        fc.double({ min: 0.05, max: 0.9, noNaN: true }),
        fc.double({ min: 1 - TOKENIZER_TOLERANCE, max: 1 + TOKENIZER_TOLERANCE, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.boolean(),
        (window, fill, ratio, cachedShare, reportsCache) => {
          const expected = Math.floor(window * fill);
          const real = Math.floor(expected * ratio);
          fc.pre(real < window * 0.98);
          const cached = Math.floor(real * cachedShare);
          const evaluated = real - cached; // the server leaves cached tokens out of its count
          const verdict = truncationVerdict({ expected, evaluated, cached: reportsCache ? cached : undefined, numCtx: window });
          expect(verdict).toBe('ok');
        },
      ),
      { numRuns: 2_000 },
    );
  });
});
