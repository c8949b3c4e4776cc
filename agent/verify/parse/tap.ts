/** TAP 13 as node:test writes it: nested subtests, YAML diagnostics, suites marked `type: 'suite'`. */
import type { TestCase } from '../types.js';
import { type ParsedResults, repoRelative } from './common.js';

interface Point {
  depth: number;
  ok: boolean;
  name: string;
  directive: string;
  yaml: string[];
}

const POINT = /^(\s*)(ok|not ok)\s+\d+(?:\s+-\s+(.*?))?(?:\s+#\s+(SKIP|TODO)\b.*)?$/i;

/** Unquote a YAML scalar as node writes them ('…' with '' escapes). */
function scalar(v: string): string {
  const t = v.trim();
  return t.startsWith("'") && t.endsWith("'") ? t.slice(1, -1).replace(/''/g, "'") : t;
}

/** The value of a YAML key in a diagnostic block: inline scalar or `|-` block. */
function yamlValue(yaml: string[], key: string): string | undefined {
  const i = yaml.findIndex((l) => l.trimStart().startsWith(key + ':'));
  if (i < 0) return undefined;
  const first = yaml[i]!;
  const indent = first.length - first.trimStart().length;
  const rest = first.trimStart().slice(key.length + 1).trim();
  if (!/^[|>]-?$/.test(rest)) return scalar(rest);
  const out: string[] = [];
  for (let j = i + 1; j < yaml.length; j++) {
    const l = yaml[j]!;
    if (l.trim() !== '' && l.length - l.trimStart().length <= indent) break;
    out.push(l.slice(indent + 2));
  }
  return out.join('\n').trim();
}

/**
 * Read TAP output. Test names are qualified by their enclosing subtests (`suite > test`); a failure's
 * message carries node's `location` diagnostic. Returns null when the text has no test points.
 */
export function parseTap(root: string, text: string): ParsedResults | null {
  const lines = text.split(/\r?\n/);
  const points: Point[] = [];
  for (let i = 0; i < lines.length; i++) {
    const m = POINT.exec(lines[i]!);
    if (!m) continue;
    const p: Point = { depth: m[1]!.length, ok: m[2]!.toLowerCase() === 'ok', name: (m[3] ?? '').replace(/\\#/g, '#'), directive: (m[4] ?? '').toUpperCase(), yaml: [] };
    if (lines[i + 1]?.trim() === '---') {
      let j = i + 2;
      for (; j < lines.length && lines[j]!.trim() !== '...'; j++) p.yaml.push(lines[j]!);
      i = j;
    }
    points.push(p);
  }
  if (!points.length) return null;
  // A point closes its subtest; its children are the deeper points listed just before it.
  const pending: Array<{ depth: number; t: TestCase | null; desc: TestCase[] }> = [];
  const flatten = (entries: typeof pending) => entries.flatMap((c) => (c.t ? [...c.desc, c.t] : c.desc));
  for (const p of points) {
    const children: typeof pending = [];
    while (pending.length && pending[pending.length - 1]!.depth > p.depth) children.unshift(pending.pop()!);
    const desc = flatten(children);
    for (const d of desc) d.name = `${p.name} > ${d.name}`;
    const isSuite = /^\s*type:\s*'?suite'?/m.test(p.yaml.join('\n'));
    let t: TestCase | null = null;
    if (!isSuite) {
      const status = p.directive ? 'skipped' : p.ok ? 'passed' : 'failed';
      // TAP gives a location for failures only, so names stay file-less to compare across runs.
      t = { name: p.name, status };
      if (status === 'failed') {
        const location = yamlValue(p.yaml, 'location');
        const at = location ? `at ${repoRelative(root, location)}` : '';
        const err = yamlValue(p.yaml, 'error') ?? '';
        const stack = yamlValue(p.yaml, 'stack') ?? '';
        t.message = [err, at, stack].filter(Boolean).join('\n');
      }
      // A test failing only because its subtests failed is reported through them.
      if (status === 'failed' && desc.some((d) => d.status === 'failed') && /subtests? failed/.test(t.message ?? '')) t = null;
    }
    pending.push({ depth: p.depth, t, desc });
  }
  const tests = flatten(pending);
  return { tests, parsedFrom: 'tap' };
}
