import { describe, expect, it } from 'vitest';
import { Conversation } from '../../agent/conversation.js';
import { bpeCounter } from '../../src/util/tokens.js';

const big = (word: string) => Array.from({ length: 400 }, (_, i) => `${word} ${i}`).join('\n');

describe('conversation window', () => {
  it('counts every message and hands out each one once for the transcript', () => {
    const c = new Conversation(bpeCounter());
    c.add({ role: 'system', content: 'You are ragent.' }, 'system');
    c.add({ role: 'user', content: 'Fix it.' }, 'task');
    expect(c.takeNew().map((m) => m.role)).toEqual(['system', 'user']);
    c.add({ role: 'assistant', content: '', toolCalls: [{ id: '1', name: 'read_file', arguments: { path: 'a.ts' } }] }, 'assistant');
    expect(c.takeNew()).toHaveLength(1);
    expect(c.takeNew()).toEqual([]);
    const counter = bpeCounter();
    expect(c.tokens()).toBeGreaterThan(counter.count('You are ragent.') + counter.count('Fix it.'));
  });

  it('drops old tool output first, keeps the task and the latest result, and reports what it freed', () => {
    const c = new Conversation(bpeCounter());
    c.add({ role: 'system', content: 'system prompt' }, 'system');
    c.add({ role: 'user', content: big('task') }, 'task');
    for (const name of ['one', 'two', 'three']) {
      c.add({ role: 'assistant', content: '', toolCalls: [{ id: name, name: 'read_file', arguments: { path: `${name}.ts` } }] }, 'assistant');
      c.add({ role: 'tool', content: big(name), toolName: 'read_file', toolCallId: name }, 'tool');
    }
    const before = c.tokens();
    const limit = before - 1;
    const freed = c.fit(limit);
    expect(freed.messages).toBe(1);
    expect(c.tokens()).toBe(before - freed.tokensFreed);
    expect(c.tokens()).toBeLessThanOrEqual(limit);
    const contents = c.messages().map((m) => m.content);
    expect(contents[3]).toBe('[read_file output dropped to save room; call the tool again if you need it]');
    expect(contents[5]).toBe(big('two'));
    expect(contents[1]).toBe(big('task'));

    const all = c.fit(0);
    expect(all.messages).toBe(1); // 'two'; 'three' is the latest and stays
    expect(c.messages()[7]!.content).toBe(big('three'));
    expect(c.fit(0)).toEqual({ messages: 0, tokensFreed: 0 });
  });

  it('cuts the task down to its lean form only when dropping tool output is not enough', () => {
    const c = new Conversation(bpeCounter());
    c.add({ role: 'system', content: 'system prompt' }, 'system');
    c.add({ role: 'user', content: `Fix it.\n${big('context')}` }, 'task', 'Fix it. (context dropped)');
    c.add({ role: 'tool', content: big('old'), toolName: 'read_file' }, 'tool');
    c.add({ role: 'tool', content: big('new'), toolName: 'read_file' }, 'tool');
    c.fit(c.tokens() - 1);
    expect(c.messages()[1]!.content).toContain(big('context')); // dropping old output was enough
    expect(c.messages()[2]!.content).toBe('[read_file output dropped to save room; call the tool again if you need it]');
    c.fit(1_000);
    expect(c.messages()[1]!.content).toBe('Fix it. (context dropped)');
    expect(c.messages()[3]!.content).toBe(big('new'));
  });

  it('forgets the oldest whole exchanges last, keeping calls paired with their results', () => {
    const c = new Conversation(bpeCounter());
    c.add({ role: 'system', content: 'system prompt' }, 'system');
    c.add({ role: 'user', content: 'Fix it.' }, 'task', 'Fix it.');
    for (let i = 0; i < 6; i++) {
      c.add({ role: 'assistant', content: big(`plan ${i}`), toolCalls: [{ id: `c${i}`, name: 'read_file', arguments: { path: `${i}.ts` } }] }, 'assistant');
      c.add({ role: 'tool', content: `result ${i}`, toolName: 'read_file', toolCallId: `c${i}` }, 'tool');
    }
    c.takeNew();
    c.fit(0);
    const msgs = c.messages();
    expect(msgs.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'tool', 'assistant', 'tool', 'assistant', 'tool']);
    expect(msgs.filter((m) => m.role === 'assistant').map((m) => m.toolCalls![0]!.id)).toEqual(['c3', 'c4', 'c5']);
    expect(msgs.filter((m) => m.role === 'tool').map((m) => m.toolCallId)).toEqual(['c3', 'c4', 'c5']);
    c.add({ role: 'user', content: 'next' }, 'feedback');
    expect(c.takeNew().map((m) => m.content)).toEqual(['next']);
  });
});
