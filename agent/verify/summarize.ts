/** Test failures trimmed for the model: what failed, why, and where in the project's own code. */
import type { TestCase, TestRun } from './types.js';

/** Stack or traceback lines from code that is not the project's: dependencies and the runtime. */
const FOREIGN = /node_modules|site-packages|dist-packages|node:internal|\(node:|\binternal\/|<anonymous>|\/lib\/python\d|\/rustc\/|\.cargo\/registry|^\s*at new Promise|^\s*at async Promise/;
const FRAME = /^\s*(at\s|File ")/;
/** A failure message shorter than this says nothing useful ("test failed"). */
const MIN_MESSAGE = 20;
/** Lines kept from one failure's message, before the character budget applies. */
const MAX_LINES_PER_FAILURE = 30;

function relativize(text: string, root: string): string {
  if (!root) return text;
  const r = root.endsWith('/') ? root : root + '/';
  return text.split('file://' + r).join('').split(r).join('');
}

/** A failure's message without foreign stack frames, blank runs, or more lines than are useful. */
function trimMessage(message: string, root: string): string {
  const out: string[] = [];
  let blank = false;
  for (const line of relativize(message, root).split(/\r?\n/)) {
    if (FRAME.test(line) && FOREIGN.test(line)) continue;
    if (line.trim() === '') {
      if (!blank && out.length) out.push('');
      blank = true;
      continue;
    }
    blank = false;
    out.push(line.trimEnd());
    if (out.length >= MAX_LINES_PER_FAILURE) {
      out.push('…');
      break;
    }
  }
  return out.join('\n').trim();
}

function label(t: TestCase): string {
  return t.file ? `${t.file} > ${t.name}` : t.name;
}

function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  return max <= 1 ? text.slice(0, Math.max(0, max)) : text.slice(0, max - 1) + '…';
}

/**
 * A summary of a test run for the model, at most `maxChars` long: the counts, then each failing test with
 * its assertion message and the stack lines in the project's own files. When per-test results could not be
 * read it says so and gives the end of the output instead.
 */
export function summarizeFailures(run: TestRun, maxChars: number): string {
  const status = run.timedOut
    ? `was killed after ${Math.round(run.durationMs / 1000)}s (timeout)`
    : run.exitCode === null
      ? 'was killed by a signal'
      : `exited with code ${run.exitCode}`;
  const counts = run.tests.length ? `${run.failed} failed, ${run.passed} passed, ${run.skipped} skipped. ` : '';
  const head = `${counts}\`${run.command}\` ${status}.`;
  const failing = run.tests.filter((t) => t.status === 'failed');
  if (!failing.length) {
    if (run.exitCode === 0 && !run.timedOut) return clip(head, maxChars);
    const why = run.parsed ? 'No test is reported as failing.' : 'Per-test results could not be read from the output.';
    const intro = `${head}\n${why} The end of the output:\n`;
    const room = maxChars - intro.length;
    if (room < 40) return clip(`${head}\n${why}`, maxChars);
    const tail = relativize(run.output, run.root).trimEnd();
    return intro + (tail.length > room ? '…' + tail.slice(tail.length - room + 1) : tail);
  }
  let out = head;
  const perFailure = Math.max(200, Math.floor((maxChars - head.length) / Math.min(failing.length, 5)));
  let shown = 0;
  for (const t of failing) {
    const block = `\n\nFAIL ${label(t)}` + (t.message ? `\n${clip(trimMessage(t.message, run.root), perFailure)}` : '');
    const restNote = `\n\n…and ${failing.length - shown} more failing tests.`;
    if (out.length + block.length + (shown + 1 < failing.length ? restNote.length : 0) > maxChars) break;
    out += block;
    shown++;
  }
  if (shown < failing.length) {
    const names = failing.slice(shown).map(label);
    let note = shown ? `\n\n…and ${names.length} more failing tests` : `\n\nFailing tests`;
    const listed: string[] = [];
    for (const n of names) {
      if (out.length + note.length + listed.join(', ').length + n.length + 8 > maxChars) break;
      listed.push(n);
    }
    note += listed.length ? `: ${listed.join(', ')}${listed.length < names.length ? ', …' : ''}.` : '.';
    out += note;
  }
  // A failure without a real message (a file that failed to load) is explained, if at all, in the output.
  if (failing.some((t) => (t.message ?? '').trim().length < MIN_MESSAGE) && run.output.trim()) {
    const intro = '\n\nThe end of the output:\n';
    const room = maxChars - out.length - intro.length;
    if (room >= 200) {
      const tail = relativize(run.output, run.root).trimEnd();
      out += intro + (tail.length > room ? '…' + tail.slice(tail.length - room + 1) : tail);
    }
  }
  return clip(out, maxChars);
}
