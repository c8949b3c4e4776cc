/**
 * Context the user pins (`/add`) or drops (`/drop`) by hand, layered over retrieval: pinned ranges go
 * first, dropped files are cut out of what retrieval packs, and the total stays within the budget.
 */

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PackedContext, RetrievalPort } from '../../agent/deps.js';
import { renderHeader, renderLine } from '../retrieval/render.js';
import type { TokenCounter } from '../util/tokens.js';

export interface Pin {
  path: string;
  startLine?: number;
  endLine?: number;
}

/** Render a pinned range in the context format, cut to `budget` tokens at a line boundary. */
export function renderPin(root: string, pin: Pin, counter: TokenCounter, budget: number): { text: string; tokens: number; start: number; end: number } | null {
  let lines: string[];
  try {
    lines = readFileSync(join(root, pin.path), 'utf8').split('\n');
  } catch {
    return null;
  }
  if (lines.length && lines[lines.length - 1] === '') lines.pop();
  const start = Math.max(1, pin.startLine ?? 1);
  let end = Math.min(lines.length, pin.endLine ?? lines.length);
  while (end >= start) {
    let text = renderHeader(pin.path, start, end, 'pinned by you');
    for (let n = start; n <= end; n++) text += renderLine(n, lines[n - 1]!);
    const tokens = counter.count(text);
    if (tokens <= budget) return { text, tokens, start, end };
    // Shrink proportionally, then line by line near the fit.
    end = start + Math.max(0, Math.floor((end - start) * (budget / tokens)) - 1);
  }
  return null;
}

/** Drop the blocks of the given files from a packed context's text (blocks start with `### path:`). */
export function withoutFiles(ctx: PackedContext, dropped: string[], counter: TokenCounter): PackedContext {
  if (!dropped.length) return ctx;
  const gone = new Set(dropped);
  const blocks = ctx.text.split(/\n(?=### )/);
  const kept = blocks.filter((b) => {
    const m = /^### (.+?):\d+-\d+ \(/.exec(b);
    return !m || !gone.has(m[1]!);
  });
  const text = kept.join('\n');
  return { text, tokens: counter.count(text), items: ctx.items.filter((i) => !gone.has(i.path)) };
}

/** Retrieval with the session's pins first and its dropped files left out. */
export function pinnedRetrieval(
  inner: RetrievalPort,
  root: string,
  counter: TokenCounter,
  current: () => { pins: Pin[]; dropped: string[] },
): RetrievalPort {
  return {
    search: (query, k) => inner.search(query, k).then((hits) => hits.filter((h) => !current().dropped.includes(h.path))),
    async pack(task, budget) {
      const { pins, dropped } = current();
      let left = budget;
      const parts: string[] = [];
      const items: PackedContext['items'] = [];
      for (const pin of pins) {
        const r = renderPin(root, pin, counter, left);
        if (!r) continue;
        parts.push(r.text);
        items.push({ path: pin.path, startLine: r.start, endLine: r.end, kind: 'pinned', reason: 'pinned by you', tokens: r.tokens });
        left -= r.tokens + 1;
      }
      if (left > 0) {
        const packed = withoutFiles(await inner.pack(task, left), [...dropped, ...pins.filter((p) => !p.startLine).map((p) => p.path)], counter);
        if (packed.text) parts.push(packed.text);
        items.push(...packed.items);
      }
      let text = parts.join('\n');
      let tokens = counter.count(text);
      // Joining can add a token or two at the seams; trim the last block's tail lines if that crosses the budget.
      while (tokens > budget && text.includes('\n')) {
        text = text.slice(0, text.lastIndexOf('\n', text.length - 2) + 1);
        tokens = counter.count(text);
      }
      return { text, tokens, items };
    },
  };
}
