import { afterEach } from 'vitest';
import { OllamaClient, type OllamaClientSettings } from '../../src/model/ollama.js';
import type { ChatEvent, ChatMessage } from '../../src/model/types.js';
import { startScriptedOllama, type ScriptedOllama, type ScriptedOllamaOptions } from '../helpers/scripted-ollama.js';

export const MODEL = 'qwen2.5-coder:7b';

/** Start scripted servers in a test file; each is closed after its test. Call at the top of the file. */
export function scriptedServers(): (opts: ScriptedOllamaOptions) => Promise<ScriptedOllama> {
  const open: ScriptedOllama[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.close()));
  });
  return async (opts) => {
    const s = await startScriptedOllama(opts);
    open.push(s);
    return s;
  };
}

/** An Ollama client for tests: window 8,000 + 1,000, two quick retries. */
export function client(url: string, over: Partial<OllamaClientSettings> = {}): OllamaClient {
  return new OllamaClient({
    host: url,
    model: MODEL,
    embedModel: 'nomic-embed-text',
    embedBatchSize: 32,
    budget: 8_000,
    outputReserve: 1_000,
    contextLength: 0,
    keepAlive: '30m',
    temperature: 0.2,
    requestTimeoutMs: 10_000,
    retries: 2,
    retryBaseDelayMs: 5,
    ...over,
  });
}

/** Every event of a stream. */
export async function collect(stream: AsyncIterable<ChatEvent>): Promise<ChatEvent[]> {
  const events: ChatEvent[] = [];
  for await (const e of stream) events.push(e);
  return events;
}

/** The error a promise or stream ends with (fails the test when it ends well). */
export async function failure(p: Promise<unknown> | AsyncIterable<unknown>): Promise<unknown> {
  try {
    if (p instanceof Promise) await p;
    else for await (const _ of p) void _;
  } catch (err) {
    return err;
  }
  throw new Error('expected a failure');
}

export const user = (content: string): ChatMessage => ({ role: 'user', content });
export const chats = (s: ScriptedOllama) => s.requests.filter((r) => r.path === '/api/chat');
