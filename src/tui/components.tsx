/**
 * The pieces of the terminal session's screen. Each takes plain data and a `color` flag (off under NO_COLOR),
 * so they can be tested on their own with ink-testing-library.
 */

import { Box, Text } from 'ink';
import React from 'react';
import type { RetrievalItem, TestSummary } from '../../agent/events.js';
import type { Entry, PendingApproval } from './controller.js';

type Color = string | undefined;
const paint = (color: boolean, c: string): Color => (color ? c : undefined);

/** Repository, branch, model, window and index freshness. */
export function Header(props: { repo: string; branch: string; model: string; numCtx: number | null; indexNote: string; color: boolean }) {
  const window = props.numCtx ? `${props.numCtx.toLocaleString('en-US')} tokens` : 'window unknown';
  return (
    <Box flexDirection="column" marginBottom={1}>
      <Text bold color={paint(props.color, 'cyan')}>
        ragent · {props.repo} · {props.branch}
      </Text>
      <Text dimColor={props.color}>
        model {props.model} ({window}) · {props.indexNote}
      </Text>
      <Text dimColor={props.color}>/help for commands · Ctrl-C cancels · Ctrl-D exits</Text>
    </Box>
  );
}

/** A unified diff with added lines green and removed lines red. */
export function DiffView(props: { diff: string; color: boolean; maxLines?: number }) {
  const all = props.diff.replace(/\n$/, '').split('\n');
  const max = props.maxLines ?? 200;
  const lines = all.length > max ? all.slice(0, max) : all;
  return (
    <Box flexDirection="column">
      {lines.map((line, i) => (
        <Text key={i} color={lineColor(line, props.color)} bold={props.color && (line.startsWith('+++') || line.startsWith('---'))}>
          {line || ' '}
        </Text>
      ))}
      {all.length > max ? <Text dimColor={props.color}>… {all.length - max} more line(s); /diff shows all</Text> : null}
    </Box>
  );
}

function lineColor(line: string, color: boolean): Color {
  if (!color) return undefined;
  if (line.startsWith('+++') || line.startsWith('---')) return undefined;
  if (line.startsWith('+')) return 'green';
  if (line.startsWith('-')) return 'red';
  if (line.startsWith('@@')) return 'cyan';
  return undefined;
}

/** The edit waiting for an answer, with the keys that answer it. */
export function ApprovalPrompt(props: { pending: PendingApproval; color: boolean }) {
  return (
    <Box flexDirection="column" borderStyle="round" borderColor={paint(props.color, 'yellow')} paddingX={1}>
      <Text bold>
        {props.pending.tool} wants to change {props.pending.path}
      </Text>
      <DiffView diff={props.pending.diff} color={props.color} maxLines={60} />
      <Text bold color={paint(props.color, 'yellow')}>
        [a] accept  [r] reject  [A] accept all this turn
      </Text>
    </Box>
  );
}

/** Pass/fail counts, with the failing tests folded under the summary line. */
export function TestSummaryView(props: { summary: TestSummary; color: boolean; n?: number; expanded?: boolean; output?: string }) {
  const s = props.summary;
  const label = s.scope === 'full' ? 'tests' : `${s.scope} tests`;
  const ok = s.failed === 0 && !s.timedOut && (s.parsed || s.exitCode === 0);
  const head = s.timedOut
    ? `${label} timed out after ${(s.durationMs / 1000).toFixed(1)}s`
    : `${label}: ${s.passed} passed, ${s.failed} failed${s.parsed ? '' : ' (per-test results unavailable; exit code ' + s.exitCode + ')'} in ${(s.durationMs / 1000).toFixed(1)}s`;
  const shown = s.failing.slice(0, 5);
  return (
    <Box flexDirection="column">
      <Text color={paint(props.color, ok ? 'green' : 'red')} bold>
        {props.n ? `[${props.n}] ` : ''}
        {ok ? '✓' : '✗'} {head}
      </Text>
      {shown.map((name) => (
        <Text key={name} color={paint(props.color, 'red')}>
          {'  '}✗ {name}
        </Text>
      ))}
      {s.failing.length > shown.length ? <Text dimColor={props.color}>  … {s.failing.length - shown.length} more failing</Text> : null}
      {props.expanded && props.output ? <Text dimColor={props.color}>{props.output}</Text> : null}
    </Box>
  );
}

/** What the context holds: a gauge against the window and the largest items. */
export function ContextPanel(props: { items: RetrievalItem[]; tokens: number; window: number; pins: number; color: boolean; width?: number; maxItems?: number }) {
  const width = Math.max(10, Math.min(30, (props.width ?? 80) - 50));
  const share = props.window > 0 ? Math.min(1, props.tokens / props.window) : 0;
  const filled = Math.round(share * width);
  const gauge = '█'.repeat(filled) + '░'.repeat(width - filled);
  const files = new Map<string, number>();
  for (const i of props.items) files.set(i.path, (files.get(i.path) ?? 0) + i.tokens);
  const top = [...files.entries()].sort((a, b) => b[1] - a[1]).slice(0, props.maxItems ?? 4);
  return (
    <Box flexDirection="column">
      <Text>
        <Text dimColor={props.color}>context </Text>
        <Text color={paint(props.color, share > 0.9 ? 'red' : 'green')}>{gauge}</Text>
        <Text>
          {' '}
          {props.tokens.toLocaleString('en-US')}/{props.window ? props.window.toLocaleString('en-US') : '?'} tokens · {props.items.length} item(s)
          {props.pins ? ` · ${props.pins} pinned` : ''}
        </Text>
      </Text>
      {top.map(([path, tokens]) => (
        <Text key={path} dimColor={props.color} wrap="truncate-middle">
          {'  '}
          {String(tokens).padStart(6)} {path}
        </Text>
      ))}
    </Box>
  );
}

/** One scrollback entry; tool and test entries carry a number for `/expand`. */
export function EntryView(props: { entry: Entry; n: number; color: boolean; expanded?: boolean }) {
  const { entry, color } = props;
  switch (entry.kind) {
    case 'user':
      return (
        <Box marginTop={1}>
          <Text bold color={paint(color, 'blue')}>
            › {entry.text}
          </Text>
        </Box>
      );
    case 'assistant':
      return <Text>{entry.text}</Text>;
    case 'tool':
      return (
        <Box flexDirection="column">
          <Text color={paint(color, entry.ok ? 'gray' : 'yellow')} wrap="truncate-end">
            [{props.n}] {entry.ok ? '•' : '!'} {entry.name}: {entry.summary}
          </Text>
          {props.expanded ? <Text dimColor={color}>{entry.detail}</Text> : null}
        </Box>
      );
    case 'edit': {
      const label = entry.status === 'applied' ? 'edited' : entry.status === 'rejected' ? 'rejected' : 'undone';
      return (
        <Box flexDirection="column">
          <Text bold color={paint(color, entry.status === 'applied' ? 'green' : 'yellow')}>
            {label} {entry.path}
            {entry.reason ? ` (${entry.reason})` : ''}
          </Text>
          {entry.status === 'applied' || props.expanded ? <DiffView diff={entry.diff} color={color} maxLines={40} /> : null}
        </Box>
      );
    }
    case 'test':
      return (
        <TestSummaryView summary={entry.summary} color={color} n={props.n} expanded={props.expanded ?? false} output={entry.output} />
      );
    case 'info':
      return <Text dimColor={color}>{entry.text}</Text>;
    case 'error':
      return (
        <Box flexDirection="column">
          <Text color={paint(color, 'red')}>error: {entry.text}</Text>
          {entry.hint ? <Text color={paint(color, 'yellow')}>hint: {entry.hint}</Text> : null}
        </Box>
      );
  }
}

/** The input line(s) with a cursor at the end. */
export function PromptView(props: { lines: string[]; busy: boolean; color: boolean; notice?: string }) {
  return (
    <Box flexDirection="column">
      {props.notice ? <Text color={paint(props.color, 'yellow')}>{props.notice}</Text> : null}
      {props.lines.map((line, i) => (
        <Text key={i}>
          <Text color={paint(props.color, props.busy ? 'gray' : 'blue')} bold>
            {i === 0 ? '> ' : '… '}
          </Text>
          {line}
          {i === props.lines.length - 1 ? <Text inverse>{' '}</Text> : null}
        </Text>
      ))}
    </Box>
  );
}
