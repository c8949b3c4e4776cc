/**
 * The unbiased pass@k estimator: for a problem with n samples of which c pass,
 * pass@k = 1 − C(n−c, k) / C(n, k), the chance that k samples drawn without replacement include a passing one.
 */

/** pass@k for one problem, or null when k > n (not computable from n samples). */
export function passAtK(n: number, c: number, k: number): number | null {
  if (!Number.isInteger(n) || !Number.isInteger(c) || !Number.isInteger(k) || n < 0 || c < 0 || c > n || k < 1) {
    throw new RangeError(`passAtK needs integers 0 ≤ c ≤ n and k ≥ 1 (got n=${n}, c=${c}, k=${k})`);
  }
  if (k > n) return null;
  if (n - c < k) return 1;
  // C(n−c, k) / C(n, k) = ∏_{i=n−c+1}^{n} (1 − k/i): a product of factors in (0, 1], so no huge binomials.
  let fail = 1;
  for (let i = n - c + 1; i <= n; i++) fail *= 1 - k / i;
  return 1 - fail;
}

/** Per-problem sample counts. */
export interface ProblemCount {
  n: number;
  c: number;
}

/** The mean pass@k over problems, or null when any problem has fewer than k samples (or there are none). */
export function meanPassAtK(counts: ProblemCount[], k: number): number | null {
  if (counts.length === 0) return null;
  let sum = 0;
  for (const { n, c } of counts) {
    const p = passAtK(n, c, k);
    if (p === null) return null;
    sum += p;
  }
  return sum / counts.length;
}
