/**
 * The SWE-bench paper's retrieval baseline: BM25 over whole source files (path and contents,
 * code-tokenized; test files left out as that protocol does), the files packed whole in rank order,
 * each one that fits in what is left.
 *
 * Its retrieval script searches a Lucene index with the searcher's default BM25 (k1 0.9, b 0.4) and
 * keeps the top 20 files; the contexts are built from those alone. The same here, so the baseline's
 * figures are that protocol's and not a stronger variant of it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { codeTokens } from '../../indexers/tokenize.js';
import { Bm25Index } from '../../src/retrieval/bm25.js';
import { renderHeader, renderLine } from '../../src/retrieval/render.js';
import type { TokenCounter } from '../../src/util/tokens.js';

/** BM25 parameters of the protocol's searcher (Lucene's defaults as its search toolkit sets them). */
const BASELINE_BM25 = { k1: 0.9, b: 0.4 };
/** Files the protocol's retrieval keeps per issue. */
export const BASELINE_HITS = 20;

export interface PackedRange {
  path: string;
  startLine: number;
  endLine: number;
}

export interface BaselineContext {
  tokens: number;
  items: PackedRange[];
}

const TEST_PATH = /(^|\/)(tests?|testing|__tests__)\/|(^|\/)test_[^/]*$|[._-](test|spec)\.[a-z]+$/i;

/** Whether the baseline considers a file: source code of the repository, tests left out. */
export function baselineCandidate(path: string, language: string): boolean {
  return language !== '' && language !== 'text' && !TEST_PATH.test(path);
}

/** BM25 ranking of whole files; keeps the files' texts for packing. */
export class Bm25Baseline {
  private readonly texts: string[] = [];
  private readonly index: Bm25Index;
  private readonly blocks = new Map<number, { text: string; tokens: number; lines: number }>();

  constructor(
    private readonly root: string,
    private readonly paths: string[],
  ) {
    const docs: string[][] = [];
    for (const p of paths) {
      let text = '';
      try {
        text = readFileSync(join(root, p), 'utf8');
      } catch {
        // A file that vanished ranks nowhere.
      }
      this.texts.push(text);
      docs.push(codeTokens(`${p}\n${text}`));
    }
    this.index = new Bm25Index(docs, BASELINE_BM25);
  }

  /** The protocol's hits for the query, best first (files sharing no token with it are left out). */
  rank(query: string, k = BASELINE_HITS): number[] {
    return this.index.search(codeTokens(query), k).map((d) => d.doc);
  }

  /** Path of a ranked file. */
  path(doc: number): string {
    return this.paths[doc]!;
  }

  /** Whole files in rank order, in the same block format as ragent's context, each that still fits. */
  pack(ranked: number[], budget: number, counter: TokenCounter): BaselineContext {
    const items: PackedRange[] = [];
    let tokens = 0;
    for (let r = 0; r < ranked.length; r++) {
      const block = this.block(ranked[r]!, r, counter);
      const cost = block.tokens;
      // As the SWE-bench scripts do: a file that does not fit is passed over for the next ones.
      if (tokens + cost > budget) continue;
      tokens += cost;
      items.push({ path: this.paths[ranked[r]!]!, startLine: 1, endLine: block.lines });
    }
    return { tokens, items };
  }

  private block(doc: number, rank: number, counter: TokenCounter): { text: string; tokens: number; lines: number } {
    let b = this.blocks.get(doc);
    if (!b) {
      const lines = this.texts[doc]!.split('\n');
      if (lines.length > 1 && lines.at(-1) === '') lines.pop();
      let text = renderHeader(this.paths[doc]!, 1, lines.length, `bm25 rank ${rank + 1}`);
      lines.forEach((l, i) => (text += renderLine(i + 1, l)));
      b = { text, tokens: counter.count(text), lines: lines.length };
      this.blocks.set(doc, b);
    }
    return b;
  }
}
