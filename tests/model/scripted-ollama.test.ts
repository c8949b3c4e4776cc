import { afterEach, describe, expect, it } from 'vitest';
import { OLLAMA_DEFAULT_NUM_CTX, startScriptedOllama, type ScriptedOllama } from '../helpers/scripted-ollama.js';

// The scripted server is what every end-to-end test talks to: its wire format is checked here on its own.
let server: ScriptedOllama | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const post = (url: string, path: string, body: unknown) =>
  fetch(url + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

async function ndjson(res: Response): Promise<any[]> {
  return (await res.text()).split('\n').filter(Boolean).map((l) => JSON.parse(l));
}

describe('scripted Ollama server', () => {
  it('answers /api/version and /api/tags', async () => {
    server = await startScriptedOllama({ version: '0.9.0' });
    expect(await (await fetch(server.url + '/api/version')).json()).toEqual({ version: '0.9.0' });
    const tags = (await (await fetch(server.url + '/api/tags')).json()) as { models: Array<{ name: string; details: object }> };
    expect(tags.models.map((m) => m.name)).toEqual(['qwen2.5-coder:7b', 'nomic-embed-text']);
  });

  it('streams NDJSON chat chunks ending in a done chunk with counts', async () => {
    server = await startScriptedOllama({ script: [{ text: 'hello there world', toolCalls: [{ name: 'finish', arguments: { summary: 's' } }] }] });
    const res = await post(server.url, '/api/chat', { model: 'qwen2.5-coder:7b', messages: [{ role: 'user', content: 'hi' }], options: { num_ctx: 8192 } });
    expect(res.headers.get('content-type')).toBe('application/x-ndjson');
    const lines = await ndjson(res);
    expect(lines.length).toBeGreaterThanOrEqual(4);
    expect(lines.slice(0, -1).every((l) => l.done === false)).toBe(true);
    expect(lines.map((l) => l.message.content).join('')).toBe('hello there world');
    expect(lines.find((l) => l.message.tool_calls)?.message.tool_calls[0].function).toEqual({ index: 0, name: 'finish', arguments: { summary: 's' } });
    const last = lines.at(-1);
    expect(last).toMatchObject({ done: true, done_reason: 'stop' });
    expect(last.prompt_eval_count).toBeGreaterThan(0);
    expect(last.eval_count).toBeGreaterThan(0);
  });

  it('answers one JSON object when stream is false', async () => {
    server = await startScriptedOllama({ script: [{ text: ['a', 'b'] }, { text: 'xyz' }] });
    const chat = (await (await post(server.url, '/api/chat', { model: 'qwen2.5-coder:7b', messages: [], stream: false })).json()) as any;
    expect(chat).toMatchObject({ done: true, message: { role: 'assistant', content: 'ab' } });
    const gen = (await (await post(server.url, '/api/generate', { model: 'qwen2.5-coder:7b', prompt: 'p', stream: false })).json()) as any;
    expect(gen).toMatchObject({ done: true, response: 'xyz' });
  });

  it("clamps the prompt count at Ollama's default window when the request sends no num_ctx", async () => {
    server = await startScriptedOllama({ script: [{ text: 'a' }, { text: 'b' }] });
    const long = 'word '.repeat(5_000);
    const clamped = (await ndjson(await post(server.url, '/api/generate', { model: 'qwen2.5-coder:7b', prompt: long }))).at(-1);
    expect(clamped.prompt_eval_count).toBe(OLLAMA_DEFAULT_NUM_CTX);
    const full = (await ndjson(await post(server.url, '/api/generate', { model: 'qwen2.5-coder:7b', prompt: long, options: { num_ctx: 16_384 } }))).at(-1);
    expect(full.prompt_eval_count).toBe(Math.ceil(long.length / 4));
  });

  it("answers Ollama's 404 for a model it does not have", async () => {
    server = await startScriptedOllama({});
    const res = await post(server.url, '/api/show', { model: 'llama3:8b' });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: "model 'llama3:8b' not found" });
  });

  it('fails loudly when the script runs out or a turn function rejects the request', async () => {
    server = await startScriptedOllama({
      script: [
        (req) => {
          if (req.body.messages[0].content !== 'expected') throw new Error('wrong first message');
          return { text: 'ok' };
        },
      ],
    });
    const rejected = await post(server.url, '/api/chat', { model: 'qwen2.5-coder:7b', messages: [{ role: 'user', content: 'other' }] });
    expect(rejected.status).toBe(500);
    expect(((await rejected.json()) as { error: string }).error).toMatch(/turn 1 rejected the request: wrong first message/);
    const exhausted = await post(server.url, '/api/chat', { model: 'qwen2.5-coder:7b', messages: [] });
    expect(exhausted.status).toBe(500);
    expect(((await exhausted.json()) as { error: string }).error).toMatch(/script exhausted after 1 turns/);
    expect(server.requests.map((r) => r.path)).toEqual(['/api/chat', '/api/chat']);
  });

  it('injects faults the given number of times, then serves normally', async () => {
    server = await startScriptedOllama({ faults: [{ path: '/api/embed', status: 503, message: 'server busy', times: 2 }] });
    const body = { model: 'nomic-embed-text', input: ['a'] };
    expect((await post(server.url, '/api/embed', body)).status).toBe(503);
    expect((await post(server.url, '/api/embed', body)).status).toBe(503);
    const ok = (await (await post(server.url, '/api/embed', body)).json()) as { embeddings: number[][] };
    expect(ok.embeddings[0]).toHaveLength(16);
    expect(Math.hypot(...ok.embeddings[0]!)).toBeCloseTo(1, 6);
  });
});
