/**
 * Fallback parsers for runners' plain text output, used when no structured report was written. Each returns
 * null when the output is not in its runner's format.
 */
import type { TestCase, TestStatus } from '../types.js';
import type { ParsedResults } from './common.js';

/** Text results; `complete` is false when only failures could be named (the passing tests are unknown). */
export interface TextResults extends ParsedResults {
  complete: boolean;
}

/** pytest with `-rA` (short summary of every outcome) or `-v` (one line per test). */
export function parsePytestText(output: string): TextResults | null {
  const lines = output.split(/\r?\n/);
  const byId = new Map<string, TestCase>();
  const put = (id: string, status: TestStatus) => {
    const sep = id.indexOf('::');
    const t: TestCase = sep > 0 ? { name: id.slice(sep + 2), file: id.slice(0, sep), status } : { name: id, status };
    byId.set(id, t);
  };
  const statusOf = (word: string): TestStatus =>
    word === 'PASSED' || word === 'XPASS' ? 'passed' : word === 'SKIPPED' || word === 'XFAIL' ? 'skipped' : 'failed';
  let skippedNoId = 0;
  for (const line of lines) {
    let m = /^(PASSED|FAILED|ERROR|XFAIL|XPASS|SKIPPED)\s+(\S+::\S+|\S+\.py)(?:\s+-\s+.*)?$/.exec(line);
    if (m) {
      put(m[2]!, statusOf(m[1]!));
      continue;
    }
    m = /^(\S+::\S+)\s+(PASSED|FAILED|ERROR|XFAIL|XPASS|SKIPPED)\b/.exec(line);
    if (m) {
      if (!byId.has(m[1]!)) put(m[1]!, statusOf(m[2]!));
      continue;
    }
    if (/^SKIPPED \[\d+\] \S+:\d+/.test(line)) skippedNoId++;
  }
  if (byId.size === 0) return null;
  const tests = [...byId.values()];
  // Failure sections: "____ test_name ____" followed by the traceback.
  const sections = new Map<string, string>();
  let current: string | null = null;
  let buf: string[] = [];
  const flush = () => {
    if (current) sections.set(current, buf.join('\n').trim());
  };
  for (const line of lines) {
    const head = /^_{3,} (.+?) _{3,}$/.exec(line);
    if (head || /^={3,} /.test(line)) {
      flush();
      current = head ? head[1]!.replace(/^ERROR (at setup of|collecting) /, '') : null;
      buf = [];
    } else if (current) buf.push(line);
  }
  flush();
  for (const t of tests) {
    if (t.status !== 'failed') continue;
    const key = t.name.replace(/::/g, '.');
    const msg = sections.get(key) ?? sections.get(t.name.split('::').pop()!) ?? sections.get(t.file ?? '');
    if (msg) t.message = msg;
  }
  for (let i = 0; i < skippedNoId; i++) tests.push({ name: `(skipped ${i + 1})`, status: 'skipped' });
  return { tests, parsedFrom: 'pytest-text', complete: true };
}

/** `go test -v`: `--- PASS/FAIL/SKIP: TestName` lines, with the log lines of each test as its message. */
export function parseGoText(output: string): TextResults | null {
  const lines = output.split(/\r?\n/);
  const tests: TestCase[] = [];
  const logs = new Map<string, string[]>();
  let running: string | null = null;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const run = /^=== (RUN|CONT|PAUSE)\s+(\S+)/.exec(line);
    if (run) {
      running = run[1] === 'PAUSE' ? null : run[2]!;
      continue;
    }
    const m = /^\s*--- (PASS|FAIL|SKIP): (\S+) \(/.exec(line);
    if (m) {
      const name = m[2]!;
      const t: TestCase = { name, status: m[1] === 'PASS' ? 'passed' : m[1] === 'FAIL' ? 'failed' : 'skipped' };
      if (t.status === 'failed') {
        const after: string[] = [];
        const depth = line.length - line.trimStart().length;
        for (let j = i + 1; j < lines.length && lines[j]!.length - lines[j]!.trimStart().length > depth && !/^\s*--- /.test(lines[j]!); j++) after.push(lines[j]!.trim());
        const msg = [...(logs.get(name) ?? []), ...after].join('\n').trim();
        if (msg) t.message = msg;
      }
      tests.push(t);
      running = null;
      continue;
    }
    if (running && /^\s+\S+_test\.go:\d+:/.test(line)) {
      const l = logs.get(running) ?? [];
      l.push(line.trim());
      logs.set(running, l);
    }
  }
  return tests.length ? { tests, parsedFrom: 'go-text', complete: true } : null;
}

/** `cargo test`: `test path::name ... ok|FAILED|ignored` lines and the `---- name stdout ----` sections. */
export function parseCargoText(output: string): TextResults | null {
  const lines = output.split(/\r?\n/);
  const tests: TestCase[] = [];
  const sections = new Map<string, string[]>();
  let current: string | null = null;
  for (const line of lines) {
    const m = /^test (\S+) \.\.\. (ok|FAILED|ignored)/.exec(line);
    if (m) {
      tests.push({ name: m[1]!, status: m[2] === 'ok' ? 'passed' : m[2] === 'FAILED' ? 'failed' : 'skipped' });
      continue;
    }
    const head = /^---- (\S+) stdout ----$/.exec(line);
    if (head) {
      current = head[1]!;
      sections.set(current, []);
      continue;
    }
    if (current && (/^failures:$/.test(line) || /^test result:/.test(line))) current = null;
    else if (current) sections.get(current)!.push(line);
  }
  for (const t of tests) {
    const s = sections.get(t.name);
    if (t.status === 'failed' && s) t.message = s.join('\n').trim();
  }
  return tests.length ? { tests, parsedFrom: 'cargo-text', complete: true } : null;
}

/**
 * vitest's or jest's default text output: only failing tests are named (`FAIL file > suite > test`,
 * `● suite › test`), so the result is incomplete.
 */
export function parseJsText(output: string): TextResults | null {
  const tests: TestCase[] = [];
  const seen = new Set<string>();
  for (const line of output.split(/\r?\n/)) {
    let m = /^\s*FAIL\s+(\S+)\s+>\s+(.+?)\s*$/.exec(line);
    if (m) {
      const key = `${m[1]} > ${m[2]}`;
      if (!seen.has(key)) tests.push({ name: m[2]!, file: m[1]!, status: 'failed' });
      seen.add(key);
      continue;
    }
    m = /^\s*●\s+(.+ › .+?)\s*$/.exec(line);
    if (m && !seen.has(m[1]!)) {
      seen.add(m[1]!);
      tests.push({ name: m[1]!.replace(/ › /g, ' > '), status: 'failed' });
    }
  }
  return tests.length ? { tests, parsedFrom: 'js-text', complete: false } : null;
}
