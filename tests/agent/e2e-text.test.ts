import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TurnSpec } from '../helpers/scripted-ollama.js';
import { MODEL, finish, lastMessage, ofType, runE2E, type Run } from './e2e-harness.js';

/** A text-protocol answer: one JSON object. */
const answer = (tool: string, args: Record<string, unknown>, thought = 'next step'): TurnSpec => ({ text: JSON.stringify({ thought, tool, arguments: args }) });

describe('the text tool protocol, for a model without native tool calling', () => {
  let run: Run;
  const bodies: any[] = [];
  const seen: string[] = [];

  beforeAll(async () => {
    const record = (spec: TurnSpec) => (req: any) => {
      bodies.push(req.body);
      seen.push(lastMessage(req).content);
      return spec;
    };
    run = await runE2E({
      models: [{ name: MODEL, contextLength: 16_384, capabilities: ['completion'] }],
      script: [
        record(answer('read_file', { path: 'src/duration.js', start_line: 8, end_line: 8 }, 'Line 8 assigns instead of adding.')),
        record({ text: 'The fix is to use +=.' }), // not JSON: the model is told and tries again
        record(answer('edit_file', { path: 'src/duration.js', search: '    total = Number(amount) * UNITS[unit];', replace: '    total += Number(amount) * UNITS[unit];' })),
        record(answer('run_tests', {})),
        record(answer('finish', { summary: 'Sum every unit.' })),
      ],
    });
  });
  afterAll(() => finish(run));

  it('constrains every answer with a JSON schema and sends no tools', () => {
    expect(bodies).toHaveLength(5);
    for (const body of bodies) {
      expect(body.tools).toBeUndefined();
      expect(body.format.anyOf.map((b: any) => b.properties.tool.enum[0])).toEqual([
        'search_code',
        'read_file',
        'list_symbols',
        'edit_file',
        'replace_symbol',
        'create_file',
        'run_tests',
        'finish',
      ]);
      expect(body.options.num_ctx).toBe(16_384);
    }
    expect(bodies[0].messages[0].content).toContain('Every answer you give is exactly one JSON object and nothing else');
    expect(run.events[0]).toMatchObject({ type: 'start', protocol: 'text' });
  });

  it('gives results back as user messages and asks again after an answer that is not a call', () => {
    expect(bodies[1].messages.at(-1)).toMatchObject({ role: 'user' });
    expect(seen[1]).toBe('Result of `read_file`:\n\nsrc/duration.js (lines 8-8 of 19)\n8|     total = Number(amount) * UNITS[unit];\n');
    expect(seen[2]).toBe('You did not call a tool. Continue the task by calling one of the tools; call finish when the task is done.\n');
    expect(bodies.flatMap((b) => b.messages).every((m: any) => m.role !== 'tool')).toBe(true);
  });

  it('reaches the same verified result as native tool calls', () => {
    expect(run.result).toMatchObject({ outcome: 'verified', filesChanged: ['src/duration.js'], summary: 'Sum every unit.', iterations: 1 });
    expect(run.result.patch).toContain('-    total = Number(amount) * UNITS[unit];\n+    total += Number(amount) * UNITS[unit];\n');
    expect(ofType(run.events, 'tool_call').map((c) => c.name)).toEqual(['read_file', 'edit_file', 'run_tests', 'finish']);
    expect(ofType(run.events, 'model_response')[0]!.text).toBe(JSON.stringify({ thought: 'Line 8 assigns instead of adding.', tool: 'read_file', arguments: { path: 'src/duration.js', start_line: 8, end_line: 8 } }));
  });
});

describe('the text tool protocol chosen by configuration', () => {
  let run: Run | undefined;
  afterAll(() => finish(run));

  it('is used even for a model with native tool calling when agent.toolProtocol is text', async () => {
    run = await runE2E({ index: 'none', config: { agent: { toolProtocol: 'text' } }, script: [answer('finish', { summary: 'ok' })] });
    expect(run.events[0]).toMatchObject({ type: 'start', protocol: 'text' });
    const body = run.server.requests.find((r) => r.path === '/api/chat')!.body;
    expect(body.tools).toBeUndefined();
    expect(body.format.anyOf).toHaveLength(8);
    expect(run.result).toMatchObject({ outcome: 'no_change', summary: 'ok' });
  });
});

describe('the text tool protocol with a broken answer', () => {
  let run: Run | undefined;
  afterAll(() => finish(run));

  it('tells the model its JSON is broken, and what shape to answer in', async () => {
    const seen: string[] = [];
    run = await runE2E({
      index: 'none',
      models: [{ name: MODEL, contextLength: 16_384, capabilities: ['completion'] }],
      script: [
        { text: '{"thought": "read it", "tool": "read_file", "arguments": {"path": "src/dur', doneReason: 'length' },
        (req) => {
          seen.push(lastMessage(req).content);
          return answer('finish', { summary: 'stopping' });
        },
      ],
    });
    const result = ofType(run.events, 'tool_result')[0]!;
    expect(result).toMatchObject({ name: '', ok: false, summary: 'unreadable call' });
    expect(result.output).toMatch(/^your answer is not valid JSON \(.+\)\. Answer with one JSON object: \{"thought": "\.\.\.", "tool": "<tool name>", "arguments": \{\.\.\.\}\}\.$/);
    expect(seen[0]).toBe(`Result of \`tool\`:\n\n${result.output}\n`);
    expect(ofType(run.events, 'model_response')[0]!.doneReason).toBe('length');
    expect(run.result).toMatchObject({ outcome: 'no_change', summary: 'stopping' });
  });
});
