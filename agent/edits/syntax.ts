/** Re-parsing edited files so an edit never leaves a syntax error the file did not have. */
import { parseFile } from '../../indexers/parse/index.js';
import { isCodeLanguage, languageForPath } from '../../indexers/parse/languages.js';
import { EditError } from './errors.js';
import { numbered } from './text.js';

/**
 * Refuse `after` when tree-sitter finds more syntax errors in it than in `before` (none for a new
 * file). Files in languages without a grammar pass unchecked.
 * @throws EditError `syntax`, naming the first new error's line with the lines around it.
 */
export function checkSyntax(path: string, before: string | null, after: string): void {
  const language = languageForPath(path);
  if (!isCodeLanguage(language)) return;
  const next = parseFile(path, after, language);
  if (!next.hasErrors) return;
  const prev = before === null ? null : parseFile(path, before, language);
  const prevErrors = prev?.hasErrors ? prev.errorLines : [];
  if (prev?.hasErrors && next.errorLines.length <= prevErrors.length) return;
  const line = next.errorLines.find((l) => !prevErrors.includes(l)) ?? next.errorLines[0] ?? 1;
  const lines = after.split(/\r?\n/);
  throw new EditError(
    'syntax',
    `The edit would leave a syntax error in ${path} at line ${line}; the file was left as it was.\n${numbered(lines, line - 3, line + 1)}`,
    'check brackets, indentation and quotes in the new code, then send the edit again',
    path,
  );
}
