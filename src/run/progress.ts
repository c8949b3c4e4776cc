import type { RunEvent, RunReport } from './pipeline.js';

/**
 * Views of a run's event stream: JSON lines, plain lines (logs, pipes, CI), or a live compact view on a TTY
 * (a status line redrawn in place under the lines worth keeping).
 */

export interface Out {
  write(text: string): unknown;
}

/** `--json`: one event a line, then the run's result object. */
export function jsonView(out: Out): { event(e: RunEvent): void; finish(report: RunReport): void } {
  return {
    event: (e) => out.write(JSON.stringify(e) + '\n'),
    finish: (report) => out.write(JSON.stringify({ type: 'run_result', ...report }) + '\n'),
  };
}

function shortArgs(args: Record<string, unknown>): string {
  for (const key of ['query', 'path', 'symbol']) {
    const v = args[key];
    if (typeof v === 'string') return key === 'query' ? `"${v.length > 60 ? v.slice(0, 59) + '…' : v}"` : v;
  }
  return '';
}

/** One line for an event worth keeping in the log, or null. */
export function describeEvent(e: RunEvent): string | null {
  switch (e.type) {
    case 'phase':
      return `${e.phase}: ${e.detail}`;
    case 'start':
      return `model ${e.model} (window ${e.numCtx}, ${e.protocol} tools); tests: ${e.testCommand ?? 'none found'}`;
    case 'retrieval':
      return `context: ${e.items.length} item(s), ${e.tokens} of ${e.budget} tokens`;
    case 'tool_call':
      return `  ${e.name} ${shortArgs(e.args)}`.trimEnd();
    case 'tool_result':
      return e.ok ? null : `    ✗ ${e.summary}`;
    case 'edit_applied':
      return `  edited ${e.path}`;
    case 'edit_rejected':
      return `  edit to ${e.path} rejected: ${e.reason}`;
    case 'test_started':
      return `tests (${e.scope}): ${e.command}${e.files.length ? ` [${e.files.length} file(s)]` : ''}`;
    case 'test_finished': {
      const r = e.run;
      return `tests (${e.scope}): ${r.passed} passed, ${r.failed} failed${r.timedOut ? ', timed out' : ''} in ${(r.durationMs / 1000).toFixed(1)}s`;
    }
    case 'iteration':
      return `iteration ${e.n}: ${e.summary}`;
    case 'context_condensed':
      return `  (condensed ${e.messages} old message(s), ${e.tokensFreed} tokens freed)`;
    case 'error':
      return `error: ${e.message}${e.hint ? ` (${e.hint})` : ''}`;
    default:
      return null;
  }
}

/** Plain lines: one per notable event, nothing redrawn. */
export function plainView(out: Out): { event(e: RunEvent): void } {
  return {
    event: (e) => {
      const line = describeEvent(e);
      if (line) out.write(line + '\n');
    },
  };
}

interface LiveState {
  phase: string;
  iteration: number;
  tools: number;
  tests: string;
  tokens: number;
}

/** The live TTY view: persistent lines scroll, one status line stays at the bottom. */
export function liveView(out: Out, maxIterations: number, columns = 100): { event(e: RunEvent): void; stop(): void } {
  const s: LiveState = { phase: 'starting', iteration: 0, tools: 0, tests: '', tokens: 0 };
  let shown = false;
  const status = () => {
    const parts = [s.phase, `iteration ${s.iteration}/${maxIterations}`, `${s.tools} tool call(s)`];
    if (s.tests) parts.push(`tests ${s.tests}`);
    if (s.tokens) parts.push(`${s.tokens} tokens`);
    const line = '» ' + parts.join(' · ');
    return line.length > columns - 1 ? line.slice(0, columns - 2) + '…' : line;
  };
  const redraw = () => {
    out.write(`\r\x1b[2K${status()}`);
    shown = true;
  };
  const clear = () => {
    if (shown) out.write('\r\x1b[2K');
    shown = false;
  };
  const update = (e: RunEvent) => {
    if (e.type === 'phase') s.phase = e.phase;
    else if (e.type === 'tool_call') s.tools++;
    else if (e.type === 'iteration') s.iteration = e.n;
    else if (e.type === 'test_started') s.phase = `testing (${e.scope})`;
    else if (e.type === 'test_finished') {
      s.tests = `${e.run.passed}✓ ${e.run.failed}✗`;
      s.phase = 'agent';
    } else if (e.type === 'usage') s.tokens = e.totalPrompt + e.totalOutput;
    else if (e.type === 'model_request') s.phase = `thinking (turn ${e.turn})`;
    else if (e.type === 'model_response') s.phase = 'agent';
  };
  return {
    event(e) {
      update(e);
      const line = describeEvent(e);
      if (line) {
        clear();
        out.write(line + '\n');
      }
      if (e.type !== 'model_delta' || !shown) redraw();
    },
    stop: clear,
  };
}

function tests(t: RunReport['testsBefore']): string {
  if (!t) return 'not run';
  return `${t.passed} passed, ${t.failed} failed${t.timedOut ? ' (timed out)' : ''}`;
}

const HEADLINE: Record<RunReport['outcome'], string> = {
  fixed: 'fixed: the tests pass with the change',
  unverified: 'not verified: the tests do not pass with the change; the attempt is kept on its branch',
  'no-change': 'no change: the agent did not edit anything',
  'model-unavailable': 'the model is unavailable',
  cancelled: 'cancelled: whatever was changed so far is kept on the branch',
  error: 'the run stopped on an error',
  incomplete: 'incomplete',
};

/** The human summary printed after a run: outcome, tests, files, the diff, and how to apply it. */
export function formatReport(report: RunReport, opts: { showDiff?: boolean } = {}): string {
  const lines: string[] = [''];
  lines.push(`${HEADLINE[report.outcome]} (exit ${report.exitCode})`);
  if (report.error) lines.push(`  ${report.error.message}${report.error.hint ? `\n  hint: ${report.error.hint}` : ''}`);
  if (report.summary.trim()) lines.push('', report.summary.trim());
  if (report.testCommand || report.testsBefore) {
    lines.push('', `tests (${report.testCommand ?? 'none'}): before ${tests(report.testsBefore)}; after ${tests(report.testsAfter)}`);
  }
  if (report.filesChanged.length) lines.push(`files changed: ${report.filesChanged.join(', ')}`);
  if (report.patch && opts.showDiff !== false) lines.push('', report.patch.trimEnd());
  lines.push('');
  if (report.commit) {
    lines.push(`branch ${report.branch} (commit ${report.commit.slice(0, 10)})`);
    if (report.applied) lines.push('applied to the working tree');
    else lines.push(`apply it: git merge ${report.branch}   (or run again with --apply on a clean working tree)`);
  }
  if (report.outFile) lines.push(`patch written to ${report.outFile}`);
  lines.push(`tokens: ${report.tokens.prompt} prompt, ${report.tokens.output} output; ${report.iterations} iteration(s)`);
  lines.push(`transcript: ${report.transcript}`);
  return lines.join('\n') + '\n';
}
