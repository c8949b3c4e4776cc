// Selection (--limit, --shard, -k) and bounded concurrency. Nothing here is pass@k-specific: the repository-task
// eval shards and runs its tasks the same way, with ResultsLog and checkRunIdentity (results.ts) for resuming.
import { UsageError } from '../../src/errors.js';

/** One slice of a run split across machines: the `index`-th (1-based) of `count`. */
export interface Shard {
  index: number;
  count: number;
}

/** Parse `--shard i/n` (1 ≤ i ≤ n). */
export function parseShard(text: string): Shard {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || count < 1 || index < 1 || index > count) {
    throw new UsageError(`--shard must be i/n with 1 ≤ i ≤ n, got "${text}"`, 'e.g. --shard 2/4 runs the second quarter');
  }
  return { index, count };
}

/** The first `limit` items, then every `count`-th of those starting at shard `index`, so shards interleave evenly. */
export function selectItems<T>(items: readonly T[], opts: { limit?: number; shard?: Shard }): T[] {
  const limited = opts.limit !== undefined ? items.slice(0, opts.limit) : [...items];
  if (!opts.shard) return limited;
  const { index, count } = opts.shard;
  return limited.filter((_, i) => i % count === index - 1);
}

/** Parse a comma-separated list of positive integers (`-k 1,10,100`). */
export function parseKs(text: string): number[] {
  const ks = text.split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  if (ks.length === 0 || ks.some((k) => !Number.isInteger(k) || k < 1)) {
    throw new UsageError(`-k takes positive integers separated by commas, got "${text}"`, 'e.g. -k 1,10,100');
  }
  return [...new Set(ks)].sort((a, b) => a - b);
}

/** Run `task` over `items` with at most `workers` at a time; the first error stops new work and is thrown. */
export async function forEachLimited<T>(items: Iterable<T>, workers: number, task: (item: T) => Promise<void>): Promise<void> {
  const it = items[Symbol.iterator]();
  let failed: unknown;
  let hasFailed = false;
  const lane = async (): Promise<void> => {
    for (;;) {
      if (hasFailed) return;
      const next = it.next();
      if (next.done) return;
      try {
        await task(next.value);
      } catch (err) {
        if (!hasFailed) {
          hasFailed = true;
          failed = err;
        }
        return;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, workers) }, lane));
  if (hasFailed) throw failed;
}
