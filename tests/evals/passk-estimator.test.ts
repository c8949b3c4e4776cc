import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { meanPassAtK, passAtK } from '../../evals/passk/estimator.js';

/** C(n, k) exactly. */
function binom(n: number, k: number): bigint {
  if (k < 0 || k > n) return 0n;
  let r = 1n;
  for (let i = 1; i <= k; i++) r = (r * BigInt(n - k + i)) / BigInt(i);
  return r;
}

/** 1 − C(n−c, k)/C(n, k) from exact integers, to about 18 significant digits. */
function closedForm(n: number, c: number, k: number): number {
  const scale = 10n ** 18n;
  const failScaled = (binom(n - c, k) * scale) / binom(n, k);
  return 1 - Number(failScaled) / 1e18;
}

describe('pass@k estimator', () => {
  it('matches hand-computed values', () => {
    // n = 5, c = 2, k = 2: 1 − C(3,2)/C(5,2) = 1 − 3/10.
    expect(passAtK(5, 2, 2)).toBeCloseTo(0.7, 15);
    // k = 1 is the plain pass rate c/n.
    expect(passAtK(10, 3, 1)).toBeCloseTo(0.3, 15);
    // n = 4, c = 1, k = 3: 1 − C(3,3)/C(4,3) = 1 − 1/4.
    expect(passAtK(4, 1, 3)).toBeCloseTo(0.75, 15);
    // n = 10, c = 2, k = 5: 1 − C(8,5)/C(10,5) = 1 − 56/252.
    expect(passAtK(10, 2, 5)).toBeCloseTo(1 - 56 / 252, 15);
  });

  it('handles the edges: n = k, c = 0, c = n', () => {
    expect(passAtK(5, 0, 5)).toBe(0);
    expect(passAtK(5, 1, 5)).toBe(1);
    expect(passAtK(7, 0, 3)).toBe(0);
    expect(passAtK(7, 7, 3)).toBe(1);
    expect(passAtK(1, 1, 1)).toBe(1);
    expect(passAtK(1, 0, 1)).toBe(0);
    // n − c < k: every draw of k contains a passing sample.
    expect(passAtK(10, 8, 3)).toBe(1);
  });

  it('reports k > n as not computable instead of guessing', () => {
    expect(passAtK(5, 5, 10)).toBeNull();
    expect(passAtK(0, 0, 1)).toBeNull();
  });

  it('agrees with the exact closed form for large n, where the binomials overflow doubles', () => {
    for (const [n, c, k] of [
      [200, 37, 100],
      [200, 1, 10],
      [1000, 3, 100],
      [1000, 500, 1],
      [2000, 17, 1000],
    ] as const) {
      const exact = closedForm(n, c, k);
      expect(Math.abs(passAtK(n, c, k)! - exact)).toBeLessThan(1e-12);
    }
  });

  it('stays finite where C(n, k) itself is beyond a double', () => {
    expect(Number(binom(2000, 1000))).toBe(Infinity);
    expect(passAtK(2000, 17, 1000)).toBeGreaterThan(0.99);
  });

  it('equals the exact ratio, lies in [0, 1], and grows with c and with k, for any valid counts', () => {
    const counts = fc
      .integer({ min: 1, max: 300 })
      .chain((n) => fc.tuple(fc.constant(n), fc.integer({ min: 0, max: n }), fc.integer({ min: 1, max: n })));
    fc.assert(
      fc.property(counts, ([n, c, k]) => {
        const p = passAtK(n, c, k)!;
        expect(Math.abs(p - closedForm(n, c, k))).toBeLessThan(1e-12);
        expect(p).toBeGreaterThanOrEqual(0);
        expect(p).toBeLessThanOrEqual(1);
        if (c < n) expect(passAtK(n, c + 1, k)!).toBeGreaterThanOrEqual(p - 1e-15);
        if (k < n) expect(passAtK(n, c, k + 1)!).toBeGreaterThanOrEqual(p - 1e-15);
      }),
      { numRuns: 300 },
    );
  });

  it('rejects impossible counts', () => {
    expect(() => passAtK(3, 4, 1)).toThrow(RangeError);
    expect(() => passAtK(3, 1, 0)).toThrow(RangeError);
    expect(() => passAtK(2.5, 1, 1)).toThrow(RangeError);
  });

  it('averages over problems, and is not computable when any problem has fewer than k samples', () => {
    expect(meanPassAtK([{ n: 2, c: 1 }, { n: 2, c: 2 }, { n: 2, c: 0 }], 1)).toBeCloseTo(0.5, 15);
    expect(meanPassAtK([{ n: 2, c: 1 }, { n: 2, c: 2 }], 2)).toBeCloseTo(1, 15);
    expect(meanPassAtK([{ n: 10, c: 1 }, { n: 5, c: 5 }], 10)).toBeNull();
    expect(meanPassAtK([], 1)).toBeNull();
  });
});
