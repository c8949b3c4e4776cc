import { appendFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listRuns, newRunId, Transcript } from '../../src/run/transcript.js';
import { Redactor } from '../../src/util/redact.js';

const start = { mode: 'run' as const, title: 'Fix add', source: 'text', branch: 'ragent/fix-add', model: 'm', repo: '/r' };

describe('transcripts', () => {
  it('writes one JSON object a line, redacted, and ignores writes after the end', () => {
    const root = mkdtempSync(join(tmpdir(), 'ragent-tr-'));
    const secret = 'ghp_supersecret_value_123';
    const t = Transcript.open(root, start, new Redactor().add(secret));
    t.prompt([{ role: 'user', content: `please ${secret}` }], ['read_file']);
    t.answer({ role: 'assistant', content: 'ok' }, { promptTokens: 10, outputTokens: 2 });
    t.event({ type: 'tool_call', name: 'run_tests', error: new Error('boom') });
    t.end({ outcome: 'fixed', exitCode: 0, tokens: { prompt: 10, output: 2 }, filesChanged: ['a.ts'], summary: 'done' });
    t.note('late');
    const lines = readFileSync(t.path, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.kind)).toEqual(['start', 'prompt', 'answer', 'event', 'end']);
    expect(readFileSync(t.path, 'utf8')).not.toContain(secret);
    expect(lines[1].messages[0].content).toBe('please ***');
    expect(lines[3].event.error).toEqual({ name: 'Error', message: 'boom' });
    expect(t.path).toBe(join(root, '.ragent', 'runs', `${t.id}.jsonl`));
  });

  it('lists runs newest first with outcome, time and tokens; a run without an end is incomplete', () => {
    const root = mkdtempSync(join(tmpdir(), 'ragent-tr-'));
    const a = Transcript.open(root, { ...start, id: '20240101-000000-aaaaaa', title: 'first' });
    a.end({ outcome: 'unverified', exitCode: 1, tokens: { prompt: 5, output: 1 }, filesChanged: [], summary: '' });
    const b = Transcript.open(root, { ...start, id: newRunId(new Date(Date.now() + 1000)), title: 'second' });
    appendFileSync(b.path, '{"kind":"event","t":"2024'); // cut short by a crash
    const runs = listRuns(root);
    expect(runs.map((r) => r.title)).toEqual(['second', 'first']);
    expect(runs[0]).toMatchObject({ outcome: 'incomplete', exitCode: null, tokens: null });
    expect(runs[1]).toMatchObject({ outcome: 'unverified', exitCode: 1, tokens: { prompt: 5, output: 1 } });
    expect(runs[1]!.durationMs).toBeGreaterThanOrEqual(0);
    expect(listRuns(join(root, 'nothing'))).toEqual([]);
  });

  it('makes sortable unique ids', () => {
    const id = newRunId(new Date('2024-05-06T07:08:09Z'));
    expect(id).toMatch(/^20240506-070809-[0-9a-f]{6}$/);
    expect(newRunId()).not.toBe(newRunId());
  });
});
