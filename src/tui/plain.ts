/**
 * The terminal session without a terminal: when stdin is not a TTY, lines are read one by one and the
 * session's entries are printed as plain text, so scripts can drive it. An edit under review takes the next
 * input line as its answer (a/y accept, r/n reject, A accept all this turn).
 */

import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import type { ChatController, Entry } from './controller.js';

/** Render one entry as plain lines. */
export function plainEntry(entry: Entry, n: number): string {
  switch (entry.kind) {
    case 'user':
      return `> ${entry.text}`;
    case 'assistant':
      return entry.text;
    case 'tool':
      return `[${n}] ${entry.ok ? '•' : '!'} ${entry.name}: ${entry.summary}`;
    case 'edit':
      return `${entry.status === 'applied' ? 'edited' : entry.status} ${entry.path}${entry.reason ? ` (${entry.reason})` : ''}\n${entry.status === 'applied' ? entry.diff.replace(/\n$/, '') : ''}`.replace(/\n$/, '');
    case 'test': {
      const s = entry.summary;
      const label = s.scope === 'full' ? 'tests' : `${s.scope} tests`;
      const head = s.timedOut ? `[${n}] ${label} timed out` : `[${n}] ${label}: ${s.passed} passed, ${s.failed} failed`;
      return [head, ...s.failing.map((f) => `  ✗ ${f}`)].join('\n');
    }
    case 'info':
      return entry.text;
    case 'error':
      return `error: ${entry.text}${entry.hint ? `\nhint: ${entry.hint}` : ''}`;
  }
}

/** Drive the controller from `input` lines, printing to `output`; resolves when input ends or /exit. */
export async function runPlainSession(controller: ChatController, input: Readable, output: Writable, header: string): Promise<void> {
  output.write(header + '\n');
  let printed = 0;
  let pendingShown = false;
  const unsubscribe = controller.subscribe((state) => {
    while (printed < state.entries.length) {
      output.write(plainEntry(state.entries[printed]!, printed + 1) + '\n');
      printed++;
    }
    if (state.pending && !pendingShown) {
      pendingShown = true;
      output.write(`${state.pending.tool} wants to change ${state.pending.path}:\n${state.pending.diff.replace(/\n$/, '')}\naccept? [a]ccept [r]eject [A]ll this turn\n`);
    }
    if (!state.pending) pendingShown = false;
  });

  const rl = createInterface({ input, terminal: false });
  const queue: string[] = [];
  let wake: (() => void) | null = null;
  let ended = false;
  rl.on('line', (line) => {
    // Answers to an edit under review are taken at once, even while the turn is busy.
    if (controller.snapshot.pending) {
      const a = line.trim();
      controller.answer(a === 'A' ? 'all' : a === 'a' || a === 'y' || a === 'yes' ? 'accept' : 'reject');
      return;
    }
    queue.push(line);
    wake?.();
  });
  rl.on('close', () => {
    ended = true;
    wake?.();
  });

  try {
    while (!controller.snapshot.exitRequested) {
      if (!queue.length) {
        if (ended) break;
        await new Promise<void>((r) => (wake = r));
        wake = null;
        continue;
      }
      const line = queue.shift()!;
      await controller.submit(line);
    }
  } finally {
    unsubscribe();
    rl.close();
  }
}
