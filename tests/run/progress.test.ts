import { describe, expect, it } from 'vitest';
import type { RunEvent } from '../../src/run/pipeline.js';
import { describeEvent, jsonView, liveView, plainView } from '../../src/run/progress.js';

const run = (passed: number, failed: number) => ({ scope: 'full' as const, command: 'npm test', exitCode: failed ? 1 : 0, timedOut: false, parsed: true, passed, failed, failing: [], durationMs: 1500 });
const events: RunEvent[] = [
  { type: 'phase', phase: 'worktree', detail: 'branch ragent/x from abc' },
  { type: 'model_request', turn: 1, messages: [], promptTokens: 100 },
  { type: 'model_delta', text: 'Looking' },
  { type: 'tool_call', id: '1', name: 'read_file', args: { path: 'src/a.js' } },
  { type: 'tool_result', id: '1', name: 'read_file', ok: false, summary: 'src/a.js does not exist', output: '' },
  { type: 'test_started', scope: 'full', command: 'npm test', files: [] },
  { type: 'test_finished', scope: 'full', run: run(3, 1), output: '' },
  { type: 'iteration', n: 1, summary: '1 edit(s) applied' },
  { type: 'usage', prompt: 100, output: 20, totalPrompt: 100, totalOutput: 20 },
];

function capture() {
  let text = '';
  return { out: { write: (t: string) => (text += t) }, text: () => text };
}

describe('run views', () => {
  it('plain lines: one line per notable event, nothing for deltas and usage', () => {
    const c = capture();
    const v = plainView(c.out);
    for (const e of events) v.event(e);
    expect(c.text()).toBe(
      [
        'worktree: branch ragent/x from abc',
        '  read_file src/a.js',
        '    ✗ src/a.js does not exist',
        'tests (full): npm test',
        'tests (full): 3 passed, 1 failed in 1.5s',
        'iteration 1: 1 edit(s) applied',
        '',
      ].join('\n'),
    );
  });

  it('JSON: every event on its own line, then the result object', () => {
    const c = capture();
    const v = jsonView(c.out);
    for (const e of events) v.event(e);
    v.finish({ id: 'x', outcome: 'fixed' } as never);
    const lines = c.text().trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(events.length + 1);
    expect(lines.slice(0, -1)).toEqual(events);
    expect(lines.at(-1)).toEqual({ type: 'run_result', id: 'x', outcome: 'fixed' });
  });

  it('live view: kept lines scroll above one status line that is redrawn in place', () => {
    const c = capture();
    const v = liveView(c.out, 8, 200);
    for (const e of events) v.event(e);
    v.stop();
    const text = c.text();
    expect(text.endsWith('\r\x1b[2K')).toBe(true);
    const screens = text.split('\r\x1b[2K').filter(Boolean);
    expect(screens.at(-1)).toBe('» agent · iteration 1/8 · 1 tool call(s) · tests 3✓ 1✗ · 120 tokens');
    expect(text).toContain('\r\x1b[2K  read_file src/a.js\n');
    expect(screens.some((s) => s.startsWith('» thinking (turn 1)'))).toBe(true);
  });

  it('describes events it does not show as null', () => {
    expect(describeEvent({ type: 'model_delta', text: 'x' })).toBeNull();
    expect(describeEvent({ type: 'error', message: 'boom', hint: 'retry', fatal: true })).toBe('error: boom (retry)');
  });
});
