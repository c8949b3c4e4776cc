import type { Problem } from './dataset.js';
import { HUMANEVAL_STOP, MBPP_DONE } from './prompt.js';

/** Cut `text` at the earliest occurrence of any stop sequence (servers may not honour them all). */
export function cutAtStop(text: string, stops: readonly string[]): string {
  let end = text.length;
  for (const s of stops) {
    if (!s) continue;
    const i = text.indexOf(s);
    if (i >= 0 && i < end) end = i;
  }
  return text.slice(0, end);
}

/** If the text opens with a Markdown code fence, keep only the fenced code. */
export function unfence(text: string): string {
  const m = /^\s*```[\w+-]*[ \t]*\r?\n/.exec(text);
  if (!m) return text;
  const body = text.slice(m[0].length);
  const close = body.search(/^[ \t]*```/m);
  return close >= 0 ? body.slice(0, close) : body;
}

/**
 * Keep a function body's continuation only up to the next top-level statement: the first non-blank line that
 * starts in column 0. `atLineStart` says whether the text begins a new line (the prompt ended in a newline).
 */
export function cutAtTopLevel(text: string, atLineStart = true): string {
  const lines = text.split('\n');
  let offset = 0;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const counts = i > 0 || atLineStart;
    if (counts && line.trim() !== '' && !/^[ \t]/.test(line)) return text.slice(0, offset).replace(/\s+$/, '\n');
    offset += line.length + 1;
  }
  return text;
}

/** The standard post-processing of a raw completion into the code that is executed. */
export function postprocess(problem: Problem, raw: string): string {
  if (problem.benchmark === 'humaneval') {
    // A chatty model may wrap its answer in a fence (a bare body never starts with one): the fenced code is then
    // a body or a whole definition, and either works appended to the prompt, so it is kept as it is.
    if (/^\s*```/.test(raw)) return endLine(unfence(raw));
    return endLine(cutAtTopLevel(cutAtStop(raw, HUMANEVAL_STOP), problem.prompt.endsWith('\n')));
  }
  let text = cutAtStop(raw, [MBPP_DONE]);
  text = text.replace(/^\s*\[BEGIN\][ \t]*\r?\n?/, '');
  return endLine(unfence(text));
}

/** Drop trailing blank lines; code that is not empty ends with one newline. */
function endLine(text: string): string {
  const trimmed = text.replace(/\s+$/, '');
  return trimmed ? trimmed + '\n' : '';
}
