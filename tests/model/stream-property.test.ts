import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/schema.js';
import { createModelClient } from '../../src/model/create.js';
import type { ChatEvent, ModelClient } from '../../src/model/types.js';
import { startScriptedOllama } from '../helpers/scripted-ollama.js';
import { startScriptedOpenAI } from '../helpers/scripted-openai.js';
import type { TurnSpec } from '../helpers/scripted-turns.js';

// Whatever a turn says, split however, the client hands back exactly that: the same text, the same
// calls with the same arguments, in order.
const piece = fc.string({ unit: 'grapheme', maxLength: 12 });
const json: fc.Arbitrary<Record<string, unknown>> = fc.dictionary(
  fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 8 }),
  fc.oneof(fc.string({ unit: 'grapheme', maxLength: 20 }), fc.integer(), fc.boolean(), fc.array(fc.integer(), { maxLength: 3 })),
  { maxKeys: 4 },
);
const turnArb = fc.record({
  text: fc.array(piece, { maxLength: 6 }),
  toolCalls: fc.array(fc.record({ name: fc.constantFrom('read_file', 'edit_file', 'search_code', 'finish'), arguments: json }), { maxLength: 3 }),
});

async function play(client: ModelClient): Promise<ChatEvent[]> {
  const out: ChatEvent[] = [];
  for await (const e of client.chat([{ role: 'user', content: 'go' }])) out.push(e);
  return out;
}

function check(events: ChatEvent[], turn: { text: string[]; toolCalls: Array<{ name: string; arguments: Record<string, unknown> }> }): void {
  const text = events.filter((e) => e.type === 'text').map((e) => (e as { delta: string }).delta).join('');
  expect(text).toBe(turn.text.join(''));
  const calls = events.filter((e) => e.type === 'tool_call').map((e) => (e as Extract<ChatEvent, { type: 'tool_call' }>).call);
  expect(calls.map((c) => [c.name, c.arguments])).toEqual(turn.toolCalls.map((c) => [c.name, c.arguments]));
  expect(new Set(calls.map((c) => c.id)).size).toBe(calls.length);
  const done = events.at(-1);
  expect(done?.type).toBe('done');
  if (done?.type === 'done') {
    expect(done.message.content).toBe(turn.text.join(''));
    expect(done.message.toolCalls ?? []).toEqual(calls);
  }
}

describe('streamed turns arrive intact', () => {
  it('over Ollama NDJSON', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(turnArb, { minLength: 1, maxLength: 8 }), async (turns) => {
        const script: TurnSpec[] = turns.map((t) => ({ text: t.text.filter(Boolean), toolCalls: t.toolCalls }));
        const server = await startScriptedOllama({ script });
        try {
          const client = createModelClient(configSchema.parse({ model: { host: server.url, retries: 0 } }), { budget: 8_000 });
          for (const t of turns) check(await play(client), { ...t, text: t.text.filter(Boolean) });
        } finally {
          await server.close();
        }
      }),
      { numRuns: 15 },
    );
  });

  it('over OpenAI-compatible SSE with argument fragments', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(turnArb, { minLength: 1, maxLength: 8 }), async (turns) => {
        const script: TurnSpec[] = turns.map((t) => ({ text: t.text.filter(Boolean), toolCalls: t.toolCalls }));
        const server = await startScriptedOpenAI({ models: [{ id: 'm' }], script });
        try {
          const config = configSchema.parse({ model: { provider: 'openai', name: 'm', baseUrl: server.url, retries: 0 } });
          const client = createModelClient(config, { budget: 8_000, env: {} });
          for (const t of turns) check(await play(client), { ...t, text: t.text.filter(Boolean) });
        } finally {
          await server.close();
        }
      }),
      { numRuns: 15 },
    );
  });
});
