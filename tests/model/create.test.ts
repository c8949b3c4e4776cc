import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { configSchema } from '../../src/config/schema.js';
import { createModelClient } from '../../src/model/create.js';
import { OllamaClient } from '../../src/model/ollama.js';
import { startScriptedOllama, type ScriptedOllama } from '../helpers/scripted-ollama.js';

let server: ScriptedOllama | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('createModelClient', () => {
  it('builds an Ollama client by default, sized from retrieval.budget + model.outputReserve', async () => {
    server = await startScriptedOllama({ models: [{ name: 'qwen2.5-coder:7b', contextLength: 131_072 }] });
    const client = createModelClient(configSchema.parse({ model: { host: server.url } }));
    expect(client).toBeInstanceOf(OllamaClient);
    const info = await client.info();
    expect(info.numCtx).toBe(100_000 + 4_096);
    expect(info.promptBudget).toBe(100_000);
  });

  it("takes the caller's budget and never exceeds the model maximum", async () => {
    server = await startScriptedOllama({ models: [{ name: 'qwen2.5-coder:7b', contextLength: 32_768 }] });
    const config = configSchema.parse({ model: { host: server.url } });
    expect((await createModelClient(config, { budget: 12_000 }).info()).numCtx).toBe(16_096);
    expect((await createModelClient(config).info()).numCtx).toBe(32_768);
  });

  it('reaches the host OLLAMA_HOST names, and the model RAGENT_MODEL names', async () => {
    server = await startScriptedOllama({ models: [{ name: 'codellama:13b', contextLength: 16_384 }], script: [{ text: 'hi' }] });
    const { config } = loadConfig({ env: { OLLAMA_HOST: server.url.replace('http://', ''), RAGENT_MODEL: 'codellama:13b' }, home: '/nonexistent' });
    const client = createModelClient(config);
    for await (const e of client.chat([{ role: 'user', content: 'x' }])) void e;
    const chat = server.requests.find((r) => r.path === '/api/chat')!;
    expect(chat.body.model).toBe('codellama:13b');
    expect(chat.body.options.num_ctx).toBe(16_384);
    expect(chat.body.options.temperature).toBe(config.model.temperature);
  });

  it('uses embedding.model and embedding.batchSize for embed', async () => {
    server = await startScriptedOllama({ models: [{ name: 'qwen2.5-coder:7b' }, { name: 'mxbai-embed-large' }] });
    const config = configSchema.parse({ model: { host: server.url }, embedding: { model: 'mxbai-embed-large', batchSize: 3 } });
    await createModelClient(config).embed(['a', 'b', 'c', 'd']);
    const embeds = server.requests.filter((r) => r.path === '/api/embed');
    expect(embeds.map((r) => [r.body.model, r.body.input.length])).toEqual([
      ['mxbai-embed-large', 3],
      ['mxbai-embed-large', 1],
    ]);
  });
});
