import React from 'react';
import { Box, Text } from 'ink';
import { render } from 'ink-testing-library';
import { describe, expect, it } from 'vitest';
import type { TestSummary } from '../../agent/events.js';
import { usePromptInput } from '../../src/tui/app.js';
import { ApprovalPrompt, ContextPanel, DiffView, EntryView, TestSummaryView } from '../../src/tui/components.js';
import { plainEntry } from '../../src/tui/plain.js';
import { useInput } from 'ink';

const DIFF = `diff --git a/src/a.js b/src/a.js
--- a/src/a.js
+++ b/src/a.js
@@ -1,3 +1,3 @@
 const a = 1;
-const b = 2;
+const b = 3;
 export { a, b };
`;

const tick = () => new Promise((r) => setTimeout(r, 30));
const ESC = '\u001b';

/** A prompt wired to ink's input, recording what it submits. */
function PromptHarness(props: { submitted: string[] }) {
  const prompt = usePromptInput((text) => props.submitted.push(text));
  useInput((input, key) => prompt.handle(input, key));
  return (
    <>
      {prompt.lines.map((l, i) => (
        <Text key={i}>{`${i === 0 ? '>' : '…'} ${l}`}</Text>
      ))}
    </>
  );
}

describe('prompt input', () => {
  it('submits on Enter, continues after a trailing backslash, and walks history with up/down', async () => {
    const submitted: string[] = [];
    const app = render(<PromptHarness submitted={submitted} />);
    await tick();
    for (const ch of 'first') app.stdin.write(ch);
    app.stdin.write('\r');
    await tick();
    expect(submitted).toEqual(['first']);

    for (const ch of 'line one\\') app.stdin.write(ch);
    app.stdin.write('\r');
    await tick();
    for (const ch of 'line two') app.stdin.write(ch);
    await tick();
    expect(app.lastFrame()).toContain('> line one');
    expect(app.lastFrame()).toContain('… line two');
    app.stdin.write('\r');
    await tick();
    expect(submitted).toEqual(['first', 'line one\nline two']);

    app.stdin.write(`${ESC}[A`);
    await tick();
    expect(app.lastFrame()).toContain('… line two');
    app.stdin.write(`${ESC}[A`);
    await tick();
    expect(app.lastFrame()).toBe('> first');
    app.stdin.write(`${ESC}[B`);
    await tick();
    app.stdin.write(`${ESC}[B`);
    await tick();
    expect(app.lastFrame()!.trimEnd()).toBe('>');
    app.unmount();
  });

  it('keeps a pasted multi-line block as several lines and deletes with backspace', async () => {
    const submitted: string[] = [];
    const app = render(<PromptHarness submitted={submitted} />);
    await tick();
    app.stdin.write('def f():\r    return 1');
    await tick();
    expect(app.lastFrame()).toBe('> def f():\n…     return 1');
    app.stdin.write('\u007f');
    app.stdin.write('2');
    await tick();
    app.stdin.write('\r');
    await tick();
    expect(submitted).toEqual(['def f():\n    return 2']);
    app.unmount();
  });
});

describe('diff review', () => {
  it('shows a diff plainly without colour', () => {
    const plain = render(<DiffView diff={DIFF} color={false} />).lastFrame()!;
    expect(plain).not.toMatch(/\u001b\[/);
    expect(plain.split('\n')).toEqual(DIFF.trimEnd().split('\n'));
  });

  it('asks for an answer under the diff and fits 80 columns', () => {
    const frame = render(
      <Box width={80}>
        <ApprovalPrompt pending={{ path: 'src/a.js', diff: DIFF, tool: 'edit_file' }} color={false} />
      </Box>,
    ).lastFrame()!;
    expect(frame).toContain('edit_file wants to change src/a.js');
    expect(frame).toContain('[a] accept  [r] reject  [A] accept all this turn');
    for (const line of frame.split('\n')) expect(line.length).toBeLessThanOrEqual(80);
  });

  it('folds a long diff', () => {
    const long = 'diff --git a/x b/x\n' + Array.from({ length: 100 }, (_, i) => `+line ${i}`).join('\n');
    const frame = render(<DiffView diff={long} color={false} maxLines={10} />).lastFrame()!;
    expect(frame.split('\n')).toHaveLength(11);
    expect(frame).toContain('91 more line(s)');
  });
});

describe('context panel', () => {
  it('shows a gauge against the window and the largest files', () => {
    const items = [
      { path: 'src/a.ts', startLine: 1, endLine: 10, kind: 'function', reason: 'named in task', tokens: 4_000 },
      { path: 'src/a.ts', startLine: 20, endLine: 30, kind: 'function', reason: 'rank 2', tokens: 1_000 },
      { path: 'src/b.ts', startLine: 1, endLine: 5, kind: 'class', reason: 'rank 3', tokens: 3_000 },
    ];
    const frame = render(<ContextPanel items={items} tokens={8_000} window={16_000} pins={1} color={false} width={80} />).lastFrame()!;
    const lines = frame.split('\n');
    expect(lines[0]).toBe('context ███████████████░░░░░░░░░░░░░░░ 8,000/16,000 tokens · 3 item(s) · 1 pinned');
    expect(lines[1]).toBe('    5000 src/a.ts');
    expect(lines[2]).toBe('    3000 src/b.ts');
  });
});

describe('test summary', () => {
  const failing: TestSummary = {
    scope: 'full',
    command: 'npm test',
    exitCode: 1,
    timedOut: false,
    parsed: true,
    passed: 2,
    failed: 7,
    failing: ['a > one', 'a > two', 'a > three', 'a > four', 'a > five', 'a > six', 'a > seven'],
    durationMs: 1500,
  };

  it('folds failures under one line and expands on demand', () => {
    const folded = render(<TestSummaryView summary={failing} color={false} n={4} output="FULL OUTPUT" />).lastFrame()!;
    expect(folded.split('\n')[0]).toBe('[4] ✗ tests: 2 passed, 7 failed in 1.5s');
    expect(folded).toContain('  ✗ a > five');
    expect(folded).not.toContain('a > six');
    expect(folded).toContain('… 2 more failing');
    expect(folded).not.toContain('FULL OUTPUT');
    const expanded = render(<TestSummaryView summary={failing} color={false} expanded output="FULL OUTPUT" />).lastFrame()!;
    expect(expanded).toContain('FULL OUTPUT');
  });

  it('says when the run timed out or could not be parsed', () => {
    expect(render(<TestSummaryView summary={{ ...failing, timedOut: true, durationMs: 60_000 }} color={false} />).lastFrame()).toContain('tests timed out after 60.0s');
    expect(render(<TestSummaryView summary={{ ...failing, parsed: false, passed: 0, failed: 0, failing: [], exitCode: 2, scope: 'related' }} color={false} />).lastFrame()).toContain(
      'related tests: 0 passed, 0 failed (per-test results unavailable; exit code 2)',
    );
  });
});

describe('scrollback entries', () => {
  it('renders errors with their hint, and tool calls as numbered compact lines', () => {
    const err = render(<EntryView entry={{ kind: 'error', text: 'cannot reach Ollama', hint: 'start it with: ollama serve' }} n={1} color={false} />).lastFrame();
    expect(err).toBe('error: cannot reach Ollama\nhint: start it with: ollama serve');
    const tool = render(<EntryView entry={{ kind: 'tool', name: 'read_file', summary: 'src/a.js:1-40', detail: 'many lines', ok: true }} n={3} color={false} />).lastFrame();
    expect(tool).toBe('[3] • read_file: src/a.js:1-40');
    expect(plainEntry({ kind: 'tool', name: 'read_file', summary: 'src/a.js:1-40', detail: '', ok: false }, 3)).toBe('[3] ! read_file: src/a.js:1-40');
  });
});
