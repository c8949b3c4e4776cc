import type { LocalizeProgress } from './run.js';

/**
 * Progress of a localization run on stderr: redrawn in place on a terminal (at most every 200 ms),
 * one line per finished instance otherwise.
 */
export function localizeProgress(stream: NodeJS.WriteStream = process.stderr): { update(p: LocalizeProgress): void; end(): void } {
  let last = 0;
  let drawn = false;
  return {
    update(p) {
      const r5 = p.recallAt5.toFixed(2);
      if (!stream.isTTY) {
        if (p.phase === 'done') stream.write(`localize ${p.done}/${p.total} ${p.instance}  R@5 so far ${r5}\n`);
        return;
      }
      const now = Date.now();
      if (now - last < 200 && p.phase !== 'done') return;
      last = now;
      const sub = p.index ? ` ${p.index.phase} ${p.index.done}/${p.index.total}` : '';
      stream.write(`\r\x1b[2Klocalize ${p.done}/${p.total}  R@5 ${r5}  ${p.instance}: ${p.phase}${sub}`);
      drawn = true;
    },
    end() {
      if (drawn) stream.write('\n');
      drawn = false;
    },
  };
}
