/**
 * The progress line of `ragent index` on a terminal: files scanned, parsed, embedded and written, with the
 * current rate and an estimate of the time left. Nothing is drawn when the stream is not a TTY.
 */
import type { IndexPhase, IndexProgress } from '../../indexers/types.js';

export interface ProgressStream {
  isTTY?: boolean;
  columns?: number;
  write(chunk: string): boolean;
}

export interface ProgressReporter {
  update(p: IndexProgress): void;
  /** Clear the line (the caller prints the summary). */
  done(): void;
}

const LABELS: Record<IndexPhase, string> = {
  scan: 'scanned',
  parse: 'parsed',
  embed: 'embedded',
  write: 'written',
  optimize: 'optimizing',
  done: 'done',
};

/** Redraws at most this often; the pipeline reports far more often than a terminal needs. */
const FRAME_MS = 100;

function duration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}

/**
 * The text of one progress line, from the latest count of each phase and the current phase's rate in files
 * per second (null while unknown).
 */
export function progressLine(counts: Map<IndexPhase, IndexProgress>, current: IndexProgress, rate: number | null): string {
  const parts: string[] = [];
  const scan = counts.get('scan');
  if (scan) parts.push(scan.done < scan.total ? `scanned ${scan.done}/${scan.total}` : `scanned ${scan.total}`);
  // Parsing, embedding and writing share one total (the files to redo), shown once, after parsing.
  const parse = counts.get('parse');
  if (parse) parts.push(`parsed ${parse.done}/${parse.total}`);
  for (const phase of ['embed', 'write'] as const) {
    const p = counts.get(phase);
    if (p) parts.push(`${LABELS[phase]} ${p.done}`);
  }
  if (current.phase === 'optimize') parts.push('optimizing');
  else if (rate !== null && rate > 0 && current.done < current.total) {
    parts.push(`${rate.toFixed(rate < 10 ? 1 : 0)}/s`);
    parts.push(`ETA ${duration(((current.total - current.done) / rate) * 1000)}`);
  }
  return parts.join(' · ');
}

/** A reporter drawing on `stream` when it is a terminal, otherwise doing nothing. */
export function progressReporter(stream: ProgressStream, now: () => number = Date.now): ProgressReporter {
  if (!stream.isTTY) return { update() {}, done() {} };
  const counts = new Map<IndexPhase, IndexProgress>();
  // First report of each phase: the rate is measured from there.
  const phaseStart = new Map<IndexPhase, { t: number; done: number }>();
  let lastDraw = -Infinity;
  let drawn = false;
  return {
    update(p) {
      const t = now();
      if (!phaseStart.has(p.phase)) phaseStart.set(p.phase, { t, done: p.done });
      counts.set(p.phase, p);
      const final = p.done >= p.total;
      if (t - lastDraw < FRAME_MS && !final) return;
      lastDraw = t;
      const start = phaseStart.get(p.phase)!;
      const rate = t > start.t ? ((p.done - start.done) / (t - start.t)) * 1000 : null;
      let line = progressLine(counts, p, rate);
      const width = stream.columns || 80; // a pty without a size reports 0
      if (line.length > width - 1) line = line.slice(0, width - 1);
      stream.write(`\r\x1b[2K${line}`);
      drawn = true;
    },
    done() {
      if (drawn) stream.write('\r\x1b[2K');
    },
  };
}
