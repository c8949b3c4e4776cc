import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseJsonCall, protocolFor, textFormatSchema } from '../../agent/protocol.js';
import { toolNames, toolSignature, toolSpecs, validateArgs } from '../../agent/tools/specs.js';

describe('tool specs', () => {
  it('offers exactly the documented protocol, in order', () => {
    expect(toolNames().map(toolSignature)).toEqual([
      'search_code {query}',
      'read_file {path, start_line?, end_line?}',
      'list_symbols {path}',
      'edit_file {path, search, replace}',
      'replace_symbol {path, symbol, code}',
      'create_file {path, content}',
      'run_tests {}',
      'finish {summary}',
    ]);
    const read = toolSpecs().find((t) => t.name === 'read_file')!;
    expect(read.parameters).toMatchObject({ type: 'object', required: ['path'], properties: { start_line: { type: 'integer' } } });
  });

  it('validates arguments and says what was expected', () => {
    expect(validateArgs('read_file', { path: 'a.ts', start_line: '10' })).toEqual({ ok: true, args: { path: 'a.ts', start_line: 10 } });
    expect(validateArgs('edit_file', { path: 'a.ts', search: 'x' })).toEqual({
      ok: false,
      problem: 'missing "replace"; expected edit_file {path, search, replace}',
    });
    expect(validateArgs('read_file', { path: 3, start: 1 })).toEqual({
      ok: false,
      problem: '"path" must be a string, got number 3; unknown argument "start"; expected read_file {path, start_line?, end_line?}',
    });
    expect(validateArgs('finish', '{"summary": "x"')).toEqual({ ok: false, problem: 'the arguments must be a JSON object; expected finish {summary}' });
    expect(validateArgs('read_file', { path: 'a', end_line: 2.5 })).toMatchObject({ ok: false });
    expect(validateArgs('run_tests', {})).toEqual({ ok: true, args: {} });
  });
});

describe('text protocol', () => {
  it('constrains each answer to one of the tool shapes', () => {
    const schema = textFormatSchema() as { anyOf: any[] };
    expect(schema.anyOf).toHaveLength(8);
    const edit = schema.anyOf.find((b) => b.properties.tool.enum[0] === 'edit_file');
    expect(edit.required).toEqual(['thought', 'tool', 'arguments']);
    expect(edit.properties.arguments.required).toEqual(['path', 'search', 'replace']);
    expect(protocolFor(false).chatOptions()).toEqual({ format: schema });
    expect(protocolFor(true).chatOptions().tools!.map((t) => t.name)).toEqual(toolNames());
  });

  it('reads a call from JSON, fenced JSON, and the common alternative shapes', () => {
    expect(parseJsonCall('{"thought":"t","tool":"read_file","arguments":{"path":"a.py"}}')).toMatchObject({ name: 'read_file', args: { path: 'a.py' } });
    expect(parseJsonCall('Sure:\n```json\n{"tool": "run_tests", "arguments": {}}\n```')).toMatchObject({ name: 'run_tests', args: {} });
    expect(parseJsonCall('{"name":"finish","arguments":"{\\"summary\\":\\"ok\\"}"}')).toMatchObject({ name: 'finish', args: { summary: 'ok' } });
    expect(parseJsonCall('{"function":{"name":"search_code","arguments":{"query":"x {y}"}}}')).toMatchObject({ name: 'search_code', args: { query: 'x {y}' } });
  });

  it('reports answers it cannot use instead of guessing', () => {
    expect(parseJsonCall('I think the bug is in parse.')).toBeNull();
    expect(parseJsonCall('{"tool": "read_file", "arguments": {"path": "a.py"')!.problem).toMatch(/^your answer is not valid JSON/);
    expect(parseJsonCall('{"arguments": {}}')!.problem).toBe('your answer has no "tool" field naming the tool to call');
  });

  it('gives tool results back in the form each protocol expects', () => {
    const call = { id: 'c1', name: 'read_file', args: { path: 'a' } };
    expect(protocolFor(true).resultMessage(call, 'OUT')).toEqual({ role: 'tool', content: 'OUT', toolName: 'read_file', toolCallId: 'c1' });
    const text = protocolFor(false).resultMessage(call, 'OUT');
    expect(text.role).toBe('user');
    expect(text.content).toContain('read_file');
    expect(text.content).toContain('OUT');
    expect(protocolFor(false).instructions()).toContain('"tool": "<one of: search_code, read_file, list_symbols, edit_file, replace_symbol, create_file, run_tests, finish>"');
  });

  it('accepts a native model that printed its call as text, only for real tool names', () => {
    const native = protocolFor(true);
    expect(native.interpret({ role: 'assistant', content: '{"name": "run_tests", "arguments": {}}' }, []).calls).toMatchObject([{ name: 'run_tests' }]);
    expect(native.interpret({ role: 'assistant', content: '{"name": "Alice"}' }, []).calls).toEqual([]);
  });
});

describe('text protocol parsing, property-based', () => {
  const jsonValue = fc.jsonValue({ maxDepth: 3 });
  const argsArb = fc.dictionary(fc.string({ maxLength: 8 }), jsonValue, { maxKeys: 4 });

  it('never throws on arbitrary text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (text) => {
        const call = parseJsonCall(text);
        expect(call === null || typeof call.name === 'string').toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('reads back any call, with prose (braces included) or a code fence around it', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...toolNames()),
        argsArb,
        fc.oneof(fc.string({ maxLength: 40 }), fc.constantFrom('I will call {tool} now: ', 'use {} or { here ', 'a } b { c')),
        fc.boolean(),
        (tool, args, prose, fenced) => {
          const json = JSON.stringify({ thought: prose, tool, arguments: args });
          const text = fenced ? `${prose}\n\`\`\`json\n${json}\n\`\`\`` : `${prose}${json}`;
          const call = parseJsonCall(text)!;
          expect(call.problem).toBeUndefined();
          expect(call.name).toBe(tool);
          expect(call.args).toEqual(JSON.parse(JSON.stringify(args)));
        },
      ),
      { numRuns: 300 },
    );
  });
});
