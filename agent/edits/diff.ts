/**
 * Unified diffs in git's format, computed in memory (Myers' O(ND) algorithm), so a session's patch
 * needs neither git nor files on disk and `git apply` accepts it.
 */

const CONTEXT = 3;
/** Beyond this edit distance the middle of a file is reported as one replaced block. */
const MAX_D = 4000;

type Op = { kind: ' ' | '-' | '+'; line: string };

/** Lines with their terminators, so a missing final newline is a difference like any other. */
function linesOf(text: string): string[] {
  const out: string[] = [];
  let start = 0;
  while (start < text.length) {
    const nl = text.indexOf('\n', start);
    const end = nl < 0 ? text.length : nl + 1;
    out.push(text.slice(start, end));
    start = end;
  }
  return out;
}

/** Shortest edit script between two line arrays. */
function diffLines(a: string[], b: string[]): Op[] {
  let pre = 0;
  while (pre < a.length && pre < b.length && a[pre] === b[pre]) pre++;
  let suf = 0;
  while (suf < a.length - pre && suf < b.length - pre && a[a.length - 1 - suf] === b[b.length - 1 - suf]) suf++;
  const ops: Op[] = a.slice(0, pre).map((line) => ({ kind: ' ', line }));
  ops.push(...myers(a.slice(pre, a.length - suf), b.slice(pre, b.length - suf)));
  for (let i = a.length - suf; i < a.length; i++) ops.push({ kind: ' ', line: a[i]! });
  return ops;
}

function myers(a: string[], b: string[]): Op[] {
  const n = a.length;
  const m = b.length;
  if (n === 0) return b.map((line) => ({ kind: '+', line }));
  if (m === 0) return a.map((line) => ({ kind: '-', line }));
  const max = Math.min(n + m, MAX_D);
  const off = max + 1;
  const trace: Int32Array[] = [];
  let v = new Int32Array(2 * max + 3);
  let found = -1;
  for (let d = 0; d <= max && found < 0; d++) {
    trace.push(v.slice());
    for (let k = -d; k <= d; k += 2) {
      let x = k === -d || (k !== d && v[off + k - 1]! < v[off + k + 1]!) ? v[off + k + 1]! : v[off + k - 1]! + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      v[off + k] = x;
      if (x >= n && y >= m) {
        found = d;
        break;
      }
    }
  }
  if (found < 0) {
    // Too different to diff cheaply: still a correct patch, just not a minimal one.
    return [...a.map((line) => ({ kind: '-' as const, line })), ...b.map((line) => ({ kind: '+' as const, line }))];
  }
  const ops: Op[] = [];
  let x = n;
  let y = m;
  for (let d = found; d > 0; d--) {
    const vd = trace[d]!;
    const k = x - y;
    const prevK = k === -d || (k !== d && vd[off + k - 1]! < vd[off + k + 1]!) ? k + 1 : k - 1;
    const prevX = vd[off + prevK]!;
    const prevY = prevX - prevK;
    while (x > prevX && y > prevY) {
      ops.push({ kind: ' ', line: a[--x]! });
      y--;
    }
    if (x === prevX) ops.push({ kind: '+', line: b[--y]! });
    else ops.push({ kind: '-', line: a[--x]! });
  }
  while (x > 0 && y > 0) {
    ops.push({ kind: ' ', line: a[--x]! });
    y--;
  }
  return ops.reverse();
}

/** Quote a path the way git does when it holds characters a patch line cannot carry plainly. */
function quotePath(p: string): string {
  if (!/["\\\x00-\x1f\x7f]/.test(p)) return p;
  const esc = p.replace(/[\\"\x00-\x1f\x7f]/g, (c) => {
    const named: Record<string, string> = { '\\': '\\\\', '"': '\\"', '\t': '\\t', '\n': '\\n', '\r': '\\r' };
    return named[c] ?? '\\' + c.charCodeAt(0).toString(8).padStart(3, '0');
  });
  return `"${esc}"`;
}

function prefixed(prefix: string, p: string): string {
  const q = quotePath(p);
  return q.startsWith('"') ? `"${prefix}${q.slice(1)}` : prefix + q;
}

function emit(kind: string, line: string): string {
  return line.endsWith('\n') ? kind + line : `${kind}${line}\n\\ No newline at end of file\n`;
}

function hunks(ops: Op[]): string {
  let out = '';
  let i = 0;
  // Old/new line numbers (1-based) of ops[i].
  const oldNo: number[] = [];
  const newNo: number[] = [];
  let o = 1;
  let nn = 1;
  for (const op of ops) {
    oldNo.push(o);
    newNo.push(nn);
    if (op.kind !== '+') o++;
    if (op.kind !== '-') nn++;
  }
  while (i < ops.length) {
    while (i < ops.length && ops[i]!.kind === ' ') i++;
    if (i >= ops.length) break;
    const start = Math.max(0, i - CONTEXT);
    let end = i;
    // Extend over changes separated by at most 2×CONTEXT unchanged lines.
    for (;;) {
      while (end < ops.length && ops[end]!.kind !== ' ') end++;
      let gap = end;
      while (gap < ops.length && ops[gap]!.kind === ' ') gap++;
      if (gap < ops.length && gap - end <= 2 * CONTEXT) end = gap;
      else {
        end = Math.min(ops.length, end + CONTEXT);
        break;
      }
    }
    const slice = ops.slice(start, end);
    const oldLen = slice.filter((x) => x.kind !== '+').length;
    const newLen = slice.filter((x) => x.kind !== '-').length;
    const oldStart = oldLen === 0 ? oldNo[start]! - 1 : oldNo[start]!;
    const newStart = newLen === 0 ? newNo[start]! - 1 : newNo[start]!;
    out += `@@ -${oldStart}${oldLen === 1 ? '' : ',' + oldLen} +${newStart}${newLen === 1 ? '' : ',' + newLen} @@\n`;
    for (const op of slice) out += emit(op.kind, op.line);
    i = end;
  }
  return out;
}

/**
 * A git-style unified diff of one file. `before` null means the file is new, `after` null that it
 * is deleted; `mode` is the file's git mode (`100644` or `100755`). Returns '' when nothing changed.
 */
export function unifiedDiff(path: string, before: string | null, after: string | null, mode = '100644'): string {
  if (before === after) return '';
  const a = prefixed('a/', path);
  const b = prefixed('b/', path);
  let head = `diff --git ${a} ${b}\n`;
  if (before === null) head += `new file mode ${mode}\n`;
  if (after === null) head += `deleted file mode ${mode}\n`;
  const body = hunks(diffLines(linesOf(before ?? ''), linesOf(after ?? '')));
  if (!body) return head;
  return `${head}--- ${before === null ? '/dev/null' : a}\n+++ ${after === null ? '/dev/null' : b}\n${body}`;
}
