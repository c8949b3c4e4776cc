import type { PassKProgress } from './run.js';

/** A one-line progress bar with the pass rate so far, redrawn in place on a terminal (at most every 100 ms). */
export function progressBar(label: string, stream: NodeJS.WriteStream = process.stderr): { update(p: PassKProgress): void; end(): void } {
  let last = 0;
  let drawn = false;
  const draw = (p: PassKProgress): void => {
    const width = 30;
    const filled = p.total ? Math.round((p.done / p.total) * width) : width;
    const rate = p.done ? `${((p.passed / p.done) * 100).toFixed(1)}%` : '-';
    stream.write(`\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${p.done}/${p.total}  passed ${rate} `);
    drawn = true;
  };
  return {
    update(p) {
      if (!stream.isTTY) return;
      const now = Date.now();
      if (now - last < 100 && p.done < p.total) return;
      last = now;
      draw(p);
    },
    end() {
      if (drawn) stream.write('\n');
      drawn = false;
    },
  };
}
