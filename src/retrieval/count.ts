/**
 * A faster exact cl100k counter for packing. The BPE tokenizer splits text into pre-tokens with one
 * regular expression and encodes each piece on its own, so a text's count is the sum of its pieces'
 * counts; code repeats the same pieces (indentation, identifiers, punctuation) endlessly, so memoising
 * per piece makes counting large contexts several times faster with identical results.
 */
import cl100k from 'js-tiktoken/ranks/cl100k_base';
import type { TokenCounter } from '../util/tokens.js';

// cl100k_base's pre-tokenizer, as the tokenizer package defines it.
const CL100K_PIECES = /('s|'S|'t|'T|'re|'rE|'Re|'RE|'ve|'vE|'Ve|'VE|'m|'M|'ll|'lL|'Ll|'LL|'d|'D)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+/gu;

const MAX_MEMO = 500_000;

let shared: TokenCounter | undefined;

/**
 * Whether a text's count is the sum of its lines' counts under `counter`. True for the plain cl100k
 * counters: no pre-token spans a newline into the next line when every line ends in one and starts
 * with a non-space (context blocks and numbered lines always do). A calibrated counter rounds up per
 * call, so it does not add up.
 */
export function countsAddUp(counter: TokenCounter): boolean {
  return counter.name === 'cl100k_base';
}

/**
 * cl100k's merge ranks keyed by the base64 of each token's bytes, as the ranks file writes them. The
 * tokenizer package decodes every token to bytes on load (a fifth of a second, on every start); keying by
 * base64 skips that, at the cost of encoding the few byte slices a count looks up.
 */
function loadRanks(): Map<string, number> {
  const ranks = new Map<string, number>();
  for (const line of cl100k.bpe_ranks.split('\n')) {
    if (!line) continue;
    // "! <first rank> <token> <token> ...": consecutive ranks from the first.
    const fields = line.split(' ');
    const first = Number.parseInt(fields[1]!, 10);
    for (let i = 2; i < fields.length; i++) ranks.set(fields[i]!, first + i - 2);
  }
  return ranks;
}

/** Tokens of one pre-token: the whole piece when it is a token, else byte-pair merges, lowest rank first. */
function pieceTokens(piece: string, ranks: Map<string, number>): number {
  const bytes = Buffer.from(piece, 'utf8');
  if (bytes.length <= 1 || ranks.has(bytes.toString('base64'))) return 1;
  // Part boundaries: part i covers bytes[starts[i], starts[i + 1]).
  const starts: number[] = [];
  for (let i = 0; i <= bytes.length; i++) starts.push(i);
  while (starts.length > 2) {
    let best = -1;
    let bestRank = Infinity;
    for (let i = 0; i + 2 < starts.length; i++) {
      const rank = ranks.get(bytes.toString('base64', starts[i]!, starts[i + 2]!));
      if (rank !== undefined && rank < bestRank) {
        bestRank = rank;
        best = i;
      }
    }
    if (best < 0) break;
    starts.splice(best + 1, 1);
  }
  return starts.length - 1;
}

/** The cl100k counter with per-piece memoisation; counts equal `bpeCounter()`'s exactly. */
export function fastBpeCounter(): TokenCounter {
  if (shared) return shared;
  const ranks = loadRanks();
  const memo = new Map<string, number>();
  shared = {
    name: 'cl100k_base',
    count(text: string): number {
      if (!text) return 0;
      let n = 0;
      for (const m of text.matchAll(CL100K_PIECES)) {
        const piece = m[0];
        let c = memo.get(piece);
        if (c === undefined) {
          c = pieceTokens(piece, ranks);
          if (memo.size >= MAX_MEMO) memo.clear();
          memo.set(piece, c);
        }
        n += c;
      }
      return n;
    },
  };
  return shared;
}
