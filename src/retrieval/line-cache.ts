import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TokenCounter } from '../util/tokens.js';
import { renderLine } from './render.js';

/** Source lines and their token counts, read once per file and shared by packs of one ranking. */
export class LineCache {
  private readonly files = new Map<string, { lines: string[]; tokens: Int32Array } | null>();
  constructor(
    readonly root: string,
    readonly counter: TokenCounter,
  ) {}

  /** The file's lines (without newlines), or null when it cannot be read. */
  lines(path: string): string[] | null {
    return this.entry(path)?.lines ?? null;
  }

  /** Tokens of line `n` (1-based) as rendered. */
  lineTokens(path: string, n: number): number {
    const e = this.entry(path)!;
    let t = e.tokens[n]!;
    if (t < 0) e.tokens[n] = t = this.counter.count(renderLine(n, e.lines[n - 1]!));
    return t;
  }

  private entry(path: string): { lines: string[]; tokens: Int32Array } | null {
    let e = this.files.get(path);
    if (e === undefined) {
      try {
        const text = readFileSync(join(this.root, path), 'utf8');
        const lines = text.split('\n');
        if (lines.length > 1 && lines.at(-1) === '') lines.pop();
        e = { lines: lines.map((l) => l.replace(/\r$/, '')), tokens: new Int32Array(lines.length + 1).fill(-1) };
      } catch {
        e = null;
      }
      this.files.set(path, e);
    }
    return e;
  }
}
