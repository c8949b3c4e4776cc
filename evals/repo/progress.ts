import type { RepoProgress } from './run.js';

/**
 * One progress line redrawn in place on a terminal (at most every 200 ms): tasks done, resolved rate so far,
 * the task being worked on and its latest step. Nothing is drawn when the stream is not a terminal.
 */
export function repoProgress(stream: NodeJS.WriteStream = process.stderr): { update(p: RepoProgress): void; end(): void } {
  let last = 0;
  let drawn = false;
  return {
    update(p) {
      if (!stream.isTTY) return;
      const now = Date.now();
      if (now - last < 200 && p.phase !== 'done') return;
      last = now;
      const width = 20;
      const filled = p.total ? Math.round((p.done / p.total) * width) : width;
      const rate = p.done ? `${((p.resolved / p.done) * 100).toFixed(1)}%` : '-';
      const head = `repo [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${p.done}/${p.total} resolved ${rate}  ${p.instance} ${p.phase}`;
      const detail = p.detail.replace(/\s+/g, ' ');
      const columns = stream.columns || 100;
      const text = detail ? `${head}: ${detail}` : head;
      stream.write(`\r\x1b[2K${text.length > columns - 1 ? text.slice(0, columns - 2) + '…' : text}`);
      drawn = true;
    },
    end() {
      if (drawn) stream.write('\n');
      drawn = false;
    },
  };
}
