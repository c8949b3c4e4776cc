/**
 * One model turn: fit the conversation into the window, send it, stream the answer as events, count the
 * tokens, and read the tool calls out of it under the run's protocol.
 */

import { RagentError } from '../src/errors.js';
import { MalformedToolCallError, PromptTruncatedError } from '../src/model/errors.js';
import type { ChatEvent, ChatMessage, ToolCall } from '../src/model/types.js';
import { loadPrompt } from '../src/util/prompts.js';
import type { AgentEvent } from './events.js';
import type { Interpretation } from './protocol.js';
import type { RunState } from './state.js';

// After a truncation, prompts are kept to this share of the one that was cut.
const TRUNCATION_BACKOFF = 0.75;

/** The model's stream ended without its final message: a server or client fault, not the model's. */
export class IncompleteAnswerError extends RagentError {}

/**
 * Ask the model for its next step. Returns what it asked for, or null when its call was malformed beyond
 * reading (the model has then been told why and may try again).
 */
export async function* modelTurn(s: RunState): AsyncGenerator<AgentEvent, Interpretation | null> {
  const { deps, conversation } = s;
  const limit = Math.min(s.info.numCtx - deps.config.model.outputReserve, s.promptCap) - s.overheadTokens;
  let condensed = false;
  if (conversation.tokens() > limit) {
    const freed = conversation.fit(limit);
    condensed = freed.messages > 0;
    if (condensed) yield { type: 'context_condensed', messages: freed.messages, tokensFreed: freed.tokensFreed };
  }
  s.turns++;
  const promptTokens = conversation.tokens() + s.overheadTokens;
  const fresh = conversation.takeNew();
  // After condensing, the transcript gets the conversation as now sent, not just what is new.
  if (condensed) yield { type: 'model_request', turn: s.turns, messages: conversation.messages(), promptTokens, full: true };
  else yield { type: 'model_request', turn: s.turns, messages: fresh, promptTokens };

  let text = '';
  const streamed: ToolCall[] = [];
  let done: Extract<ChatEvent, { type: 'done' }> | undefined;
  try {
    const stream = deps.model.chat(conversation.messages(), {
      ...s.protocol.chatOptions(),
      temperature: deps.config.model.temperature,
      maxTokens: deps.config.model.outputReserve,
      signal: deps.signal,
      expectedPromptTokens: promptTokens,
    });
    for await (const ev of stream) {
      if (ev.type === 'text') {
        text += ev.delta;
        yield { type: 'model_delta', text: ev.delta };
      } else if (ev.type === 'tool_call') streamed.push(ev.call);
      else done = ev;
    }
  } catch (err) {
    if (err instanceof PromptTruncatedError && s.promptCap === Infinity) {
      // Our count ran short of the model's: the answer is void. Once, shrink what we send and ask again.
      s.promptCap = Math.floor(promptTokens * TRUNCATION_BACKOFF);
      yield { type: 'error', message: err.message, ...(err.hint ? { hint: `${err.hint}; retrying with the prompt cut to ${s.promptCap} tokens` } : {}), fatal: false };
      return null;
    }
    if (!(err instanceof MalformedToolCallError)) throw err;
    yield* malformed(s, err);
    return null;
  }
  if (!done) throw new IncompleteAnswerError('the model server ended its answer without a final message', 'check the model server; run again with --debug');

  s.tokens.prompt += done.usage.promptTokens;
  s.tokens.output += done.usage.outputTokens;
  yield { type: 'usage', prompt: done.usage.promptTokens, output: done.usage.outputTokens, totalPrompt: s.tokens.prompt, totalOutput: s.tokens.output };

  const message: ChatMessage = {
    role: 'assistant',
    content: done.message.content || text,
    ...(done.message.toolCalls?.length || streamed.length ? { toolCalls: done.message.toolCalls?.length ? done.message.toolCalls : streamed } : {}),
  };
  yield { type: 'model_response', turn: s.turns, text: message.content, toolCalls: message.toolCalls ?? [], doneReason: done.doneReason };
  conversation.add(message, 'assistant');
  return s.protocol.interpret(message, streamed);
}

/** Tell the model its call could not be read, keeping what it sent in the conversation. */
async function* malformed(s: RunState, err: MalformedToolCallError): AsyncGenerator<AgentEvent, void> {
  yield { type: 'model_response', turn: s.turns, text: err.raw, toolCalls: [], doneReason: 'malformed_tool_call' };
  const output = loadPrompt('malformed-call', { reason: err.reason, raw: err.raw });
  // Views pair calls with results by id; the unreadable call still gets one.
  const id = `malformed_${s.turns}`;
  yield { type: 'tool_call', id, name: err.toolName ?? '', args: { raw: err.raw } };
  yield { type: 'tool_result', id, name: err.toolName ?? '', ok: false, summary: 'malformed tool call', output };
  s.conversation.add({ role: 'assistant', content: err.raw }, 'assistant');
  s.conversation.add({ role: 'user', content: output }, 'feedback');
}
