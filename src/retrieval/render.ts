/**
 * The context text format. Each block starts with a header line `### path:start-end (reason)` and
 * shows the file's lines as `N| text`, numbered as in the file, so a model can cite and edit by line
 * (strip the `N| ` prefix to get the file's text). Blocks follow one another directly, each opened
 * by its header, so every line of the text ends in a newline and starts with a non-space (which keeps
 * token counts additive per line). The repository map is a block `### repository map` listing each
 * file as `path:` then `- N: signature` lines, nested symbols indented.
 */

/** One numbered source line, newline included. */
export function renderLine(n: number, line: string): string {
  return line.length ? `${n}| ${line}\n` : `${n}|\n`;
}

/** The header line of a block of lines. */
export function renderHeader(path: string, start: number, end: number, reason: string): string {
  return `### ${path}:${start}-${end} (${reason})\n`;
}

/** The header line of the repository map. */
export const MAP_HEADER = '### repository map (signatures of other relevant files)\n';

/** One file's entry in the repository map. */
export function renderMapEntry(path: string, signatures: Array<{ line: number; text: string; depth: number }>): string {
  let out = `${path}:\n`;
  for (const s of signatures) out += `-${'-'.repeat(s.depth * 2)} ${s.line}: ${s.text}\n`;
  return out;
}
