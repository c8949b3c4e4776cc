/** Re-parsing edited files so an edit never leaves a syntax error the file did not have. */
import { parseFile } from '../../indexers/parse/index.js';
import { isCodeLanguage, languageForPath } from '../../indexers/parse/languages.js';
import { EditError } from './errors.js';
import { numbered } from './text.js';

/** The changed lines: 1-based inclusive ranges in `before` and in `after` (empty when from > to). */
function changedRegion(a: string[], b: string[]): { before: [number, number]; after: [number, number] } {
  let pre = 0;
  while (pre < a.length && pre < b.length && a[pre] === b[pre]) pre++;
  let suf = 0;
  while (suf < a.length - pre && suf < b.length - pre && a[a.length - 1 - suf] === b[b.length - 1 - suf]) suf++;
  return { before: [pre + 1, a.length - suf], after: [pre + 1, b.length - suf] };
}

const within = (line: number, [from, to]: [number, number]) => line >= from && line <= Math.max(from, to);

/**
 * Refuse `after` when tree-sitter finds a syntax error the edit introduced: any error in a new file; else
 * more errors than `before` had, or an error in the changed lines where the old version of those lines
 * had none. Files in languages without a grammar pass unchecked.
 * @throws EditError `syntax`, naming the first new error's line with the lines around it.
 */
export function checkSyntax(path: string, before: string | null, after: string): void {
  const language = languageForPath(path);
  if (!isCodeLanguage(language)) return;
  const next = parseFile(path, after, language);
  if (!next.hasErrors) return;
  const lines = after.split(/\r?\n/);
  let line = next.errorLines[0] ?? 1;
  if (before !== null) {
    const prev = parseFile(path, before, language);
    const prevErrors = prev.hasErrors ? prev.errorLines : [];
    const region = changedRegion(before.split(/\r?\n/), lines);
    const introduced = next.errorLines.find((l) => within(l, region.after));
    const regionHadErrors = prevErrors.some((l) => within(l, region.before));
    const more = next.errorLines.length > prevErrors.length;
    if (!more && (introduced === undefined || regionHadErrors)) return;
    line = introduced ?? next.errorLines.find((l) => !prevErrors.includes(l)) ?? line;
  }
  throw new EditError(
    'syntax',
    `The edit would leave a syntax error in ${path} at line ${line}; the file was left as it was.\n${numbered(lines, line - 3, line + 1)}`,
    'check brackets, indentation and quotes in the new code, then send the edit again',
    path,
  );
}
