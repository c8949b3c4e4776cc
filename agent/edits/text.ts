/**
 * Line-level helpers for edits. A file is kept as lines plus their own terminators so that mixed
 * line endings and a missing final newline survive an edit byte for byte.
 */

export const TAB_WIDTH = 4;

/** One line of a file with the terminator that followed it ('' for a last line without newline). */
export interface Line {
  text: string;
  eol: '\r\n' | '\n' | '';
}

/** Split text into lines keeping each line's terminator. An empty text has no lines. */
export function splitLines(text: string): Line[] {
  const out: Line[] = [];
  let start = 0;
  while (start < text.length) {
    const nl = text.indexOf('\n', start);
    if (nl < 0) {
      out.push({ text: text.slice(start), eol: '' });
      break;
    }
    const cr = nl > start && text.charCodeAt(nl - 1) === 13;
    out.push({ text: text.slice(start, cr ? nl - 1 : nl), eol: cr ? '\r\n' : '\n' });
    start = nl + 1;
  }
  return out;
}

/** Join lines back into text. */
export function joinLines(lines: Line[]): string {
  let s = '';
  for (const l of lines) s += l.text + l.eol;
  return s;
}

/** The line ending most lines of `text` use; LF when there are none. */
export function dominantEol(text: string): '\r\n' | '\n' {
  let crlf = 0;
  let lf = 0;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) {
    if (i > 0 && text.charCodeAt(i - 1) === 13) crlf++;
    else lf++;
  }
  return crlf > lf ? '\r\n' : '\n';
}

/**
 * Lines of a search or replacement block as the model sent it: any line ending, one trailing newline
 * ignored, blank lines at either edge dropped (models pad blocks with them).
 */
export function blockLines(block: string): string[] {
  const lines = block.split(/\r?\n/);
  if (lines.length && lines[lines.length - 1] === '') lines.pop();
  let a = 0;
  let b = lines.length;
  while (a < b && isBlank(lines[a]!)) a++;
  while (b > a && isBlank(lines[b - 1]!)) b--;
  return lines.slice(a, b);
}

/** True for a line with nothing but whitespace. */
export function isBlank(line: string): boolean {
  return /^\s*$/.test(line);
}

/** Width of the leading whitespace in columns, tabs advancing to the next tab stop. */
export function indentWidth(line: string): number {
  let w = 0;
  for (const ch of line) {
    if (ch === ' ') w++;
    else if (ch === '\t') w += TAB_WIDTH - (w % TAB_WIDTH);
    else break;
  }
  return w;
}

/** The leading whitespace of a line. */
export function indentOf(line: string): string {
  return /^[ \t]*/.exec(line)![0];
}

/** A line with its indentation and trailing whitespace removed and inner runs of whitespace collapsed. */
export function body(line: string): string {
  return line.trim().replace(/\s+/g, ' ');
}

/**
 * Give a line an indentation `width` columns wide, rendered with tabs or spaces. A line already right
 * is returned as it is.
 */
export function setIndent(line: string, width: number, useTabs: boolean): string {
  if (isBlank(line)) return '';
  const indent = indentOf(line);
  const styled = useTabs ? !indent.includes(' '.repeat(TAB_WIDTH)) : !indent.includes('\t');
  width = Math.max(0, width);
  if (width === indentWidth(line) && styled) return line;
  const lead = useTabs ? '\t'.repeat(Math.floor(width / TAB_WIDTH)) + ' '.repeat(width % TAB_WIDTH) : ' '.repeat(width);
  return lead + line.slice(indent.length);
}

/** Render lines `from..to` (0-based, inclusive) with 1-based numbers, for messages to the model. */
export function numbered(lines: string[], from: number, to: number): string {
  const a = Math.max(0, from);
  const b = Math.min(lines.length - 1, to);
  const width = String(b + 1).length;
  const out: string[] = [];
  for (let i = a; i <= b; i++) out.push(`${String(i + 1).padStart(width)} | ${lines[i]}`);
  return out.join('\n');
}
