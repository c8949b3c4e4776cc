/**
 * The writing tools: `edit_file`, `replace_symbol`, `create_file`. Each edit is previewed, shown as
 * `edit_proposed`, put to the approval callback, then written (`edit_applied`) or refused (`edit_rejected`).
 * An edit that cannot apply (no match, several matches, a syntax error, a path outside the repository) is
 * rejected with the edit session's message, which the model reads and acts on.
 */

import { RagentError } from '../../src/errors.js';
import type { ApproveEdit, EditPort } from '../deps.js';
import type { Edit } from '../edits/types.js';
import type { AgentEvent } from '../events.js';
import { raceAbort } from '../../src/util/abort.js';

export interface EditOutcome {
  ok: boolean;
  output: string;
  summary: string;
  applied: boolean;
}

/** Preview, approve and apply one edit, yielding the edit events on the way. */
export async function* performEdit(edit: Edit, tool: string, edits: EditPort, approve?: ApproveEdit, signal?: AbortSignal): AsyncGenerator<AgentEvent, EditOutcome> {
  let preview: { path: string; diff: string };
  try {
    preview = await edits.preview(edit);
  } catch (err) {
    const reason = messageOf(err);
    yield { type: 'edit_rejected', path: edit.path, diff: '', reason };
    return { ok: false, output: reason, summary: `rejected: ${firstLine(reason)}`, applied: false };
  }
  yield { type: 'edit_proposed', path: preview.path, diff: preview.diff };

  if (approve) {
    const answer = await raceAbort(approve({ path: preview.path, diff: preview.diff, tool }), signal, () => signal?.reason);
    const approved = typeof answer === 'boolean' ? answer : answer.approved;
    if (!approved) {
      const why = typeof answer === 'object' && answer.reason ? answer.reason : '';
      const reason = why ? `the user declined this edit: ${why}` : 'the user declined this edit';
      yield { type: 'edit_rejected', path: preview.path, diff: preview.diff, reason };
      return { ok: false, output: `${reason}. Nothing was written; take the user's reason into account and propose something else.`, summary: 'declined by the user', applied: false };
    }
  }

  try {
    const applied = await edits.apply(edit);
    yield { type: 'edit_applied', path: applied.path, diff: applied.diff };
    const stats = diffStats(applied.diff);
    const how = applied.matchedBy ? `; the search block was matched ${MATCH_NOTES[applied.matchedBy] ?? applied.matchedBy}` : '';
    const output = `Applied to ${applied.path} (+${stats.added} -${stats.removed} lines${how}):\n${hunks(applied.diff)}`;
    return { ok: true, output, summary: `${applied.path} +${stats.added} -${stats.removed}`, applied: true };
  } catch (err) {
    const reason = messageOf(err);
    yield { type: 'edit_rejected', path: preview.path, diff: preview.diff, reason };
    return { ok: false, output: reason, summary: `rejected: ${firstLine(reason)}`, applied: false };
  }
}


/** The error text the model sees: message and hint of a RagentError; other errors are not the model's to fix. */
function messageOf(err: unknown): string {
  if (err instanceof RagentError) return err.hint ? `${err.message}\n${err.hint}` : err.message;
  throw err;
}

const MATCH_NOTES: Record<string, string> = {
  whitespace: 'ignoring whitespace',
  indentation: 'at a different indentation',
  fuzzy: 'approximately; check the change is where you meant',
};

// The model sees its change as applied; a long one is cut, it can read the file.
const MAX_SHOWN_DIFF_LINES = 40;

/** The hunks of a one-file diff (headers dropped), so the model sees the change as applied. */
function hunks(diff: string): string {
  const lines = diff.split('\n');
  const start = lines.findIndex((l) => l.startsWith('@@'));
  const body = (start < 0 ? [] : lines.slice(start)).filter((l, i, all) => l !== '' || i < all.length - 1);
  if (body.length <= MAX_SHOWN_DIFF_LINES) return body.join('\n');
  return [...body.slice(0, MAX_SHOWN_DIFF_LINES), `… ${body.length - MAX_SHOWN_DIFF_LINES} more diff lines`].join('\n');
}

function firstLine(s: string): string {
  const line = s.split('\n', 1)[0]!;
  return line.length > 120 ? line.slice(0, 117) + '...' : line;
}

function diffStats(diff: string): { added: number; removed: number } {
  let added = 0;
  let removed = 0;
  for (const line of diff.split('\n')) {
    if (line.startsWith('+') && !line.startsWith('+++')) added++;
    else if (line.startsWith('-') && !line.startsWith('---')) removed++;
  }
  return { added, removed };
}
