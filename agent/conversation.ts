/**
 * The conversation with the model, with our own token count of it, kept inside the window by dropping old tool
 * output (oldest first, the most recent results kept) when it would not fit.
 */

import type { ChatMessage } from '../src/model/types.js';
import type { TokenCounter } from '../src/util/tokens.js';

/** What a message is for, so condensing knows what it may drop. */
export type MessageKind = 'system' | 'task' | 'assistant' | 'tool' | 'feedback';

// Chat templates wrap every message in role markers; a few tokens each.
const PER_MESSAGE_OVERHEAD = 6;
// The latest tool result is what the model is working from: never dropped.
const KEEP_RECENT_TOOL_RESULTS = 1;
// Whole exchanges are forgotten only beyond the most recent ones.
const KEEP_RECENT_EXCHANGES = 3;

interface Entry {
  message: ChatMessage;
  kind: MessageKind;
  tokens: number;
  condensed: boolean;
  /** A shorter content to fall back to when dropping tool output is not enough. */
  lean?: string;
}

/** The messages of one run in order, each with our token count and what it is for. */
export class Conversation {
  private readonly entries: Entry[] = [];
  private emitted = 0;

  constructor(private readonly counter: TokenCounter) {}

  /** Append a message; `lean` is a shorter content it may be cut down to when the window runs out. */
  add(message: ChatMessage, kind: MessageKind, lean?: string): void {
    this.entries.push({ message, kind, tokens: this.count(message), condensed: false, ...(lean !== undefined ? { lean } : {}) });
  }

  /** The messages to send, in order. */
  messages(): ChatMessage[] {
    return this.entries.map((e) => e.message);
  }

  /** Our token count of the whole conversation as sent. */
  tokens(): number {
    return this.entries.reduce((sum, e) => sum + e.tokens, 0);
  }

  /** Messages added since the last call (for the transcript); a message condensed later is not repeated. */
  takeNew(): ChatMessage[] {
    const fresh = this.entries.slice(this.emitted).map((e) => e.message);
    this.emitted = this.entries.length;
    return fresh;
  }

  /**
   * Drop old tool output (oldest first, the latest kept) until the conversation fits in `limit` tokens; then,
   * if still needed, cut messages that have a lean form down to it; then forget the oldest exchanges. Returns
   * how many messages were condensed or removed and the tokens freed; the conversation may still exceed the
   * limit when nothing more can go.
   */
  fit(limit: number): { messages: number; tokensFreed: number } {
    let messages = 0;
    let tokensFreed = 0;
    const replace = (entry: Entry, content: string) => {
      const before = entry.tokens;
      entry.message = { ...entry.message, content };
      entry.tokens = this.count(entry.message);
      entry.condensed = true;
      messages++;
      tokensFreed += before - entry.tokens;
    };
    const toolEntries = this.entries.filter((e) => e.kind === 'tool');
    const droppable = toolEntries.slice(0, Math.max(0, toolEntries.length - KEEP_RECENT_TOOL_RESULTS));
    for (const entry of droppable) {
      if (this.tokens() <= limit) break;
      if (!entry.condensed) replace(entry, `[${entry.message.toolName ?? 'tool'} output dropped to save room; call the tool again if you need it]`);
    }
    for (const entry of this.entries) {
      if (this.tokens() <= limit) break;
      if (entry.lean !== undefined && entry.message.content !== entry.lean) replace(entry, entry.lean);
    }
    // Last resort: forget the oldest exchanges whole (a model message with the results that answered it),
    // which keeps every remaining tool result paired with its call.
    while (this.tokens() > limit) {
      const exchanges = this.exchangeStarts();
      if (exchanges.length <= KEEP_RECENT_EXCHANGES) break;
      const start = exchanges[0]!;
      const end = exchanges[1]!;
      const removed = this.entries.splice(start, end - start);
      this.emitted = Math.max(0, this.emitted - removed.length);
      for (const entry of removed) {
        messages++;
        tokensFreed += entry.tokens;
      }
    }
    return { messages, tokensFreed };
  }

  /** Indexes of the assistant messages, each the start of one exchange. */
  private exchangeStarts(): number[] {
    const out: number[] = [];
    this.entries.forEach((e, i) => {
      if (e.kind === 'assistant') out.push(i);
    });
    return out;
  }

  private count(message: ChatMessage): number {
    let n = PER_MESSAGE_OVERHEAD + this.counter.count(message.content);
    for (const call of message.toolCalls ?? []) n += this.counter.count(call.name + JSON.stringify(call.arguments)) + PER_MESSAGE_OVERHEAD;
    return n;
  }
}
