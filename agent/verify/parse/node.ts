/** The JSON lines written by ragent's own node:test reporter (node-reporter.mjs). */
import type { TestCase, TestStatus } from '../types.js';
import { type ParsedResults, repoRelative } from './common.js';

/** Read the reporter's lines; suites are left out (their tests are listed). Null when nothing was read. */
export function parseNodeReport(root: string, text: string): ParsedResults | null {
  const tests: TestCase[] = [];
  const failedSuites: TestCase[] = [];
  let read = false;
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    let e: { name?: string; file?: string | null; suite?: boolean; status?: TestStatus; message?: string };
    try {
      e = JSON.parse(line) as typeof e;
    } catch {
      continue;
    }
    read = true;
    if (!e.name || !e.status) continue;
    // A file that fails to load is reported under its own path; name it like the other runners do.
    const t: TestCase = { name: e.file && e.name === e.file ? '(file)' : e.name, status: e.status };
    if (e.file) t.file = repoRelative(root, e.file);
    if (e.status === 'failed' && e.message) t.message = e.message.trim();
    if (!e.suite) tests.push(t);
    else if (t.status === 'failed') failedSuites.push(t);
  }
  // A suite that failed on its own (a hook threw) with no failing test inside still counts as a failure.
  for (const s of failedSuites) {
    const inside = tests.some((t) => t.status === 'failed' && t.file === s.file && t.name.startsWith(s.name + ' > '));
    if (!inside) tests.push(s);
  }
  return read ? { tests, parsedFrom: 'node-reporter' } : null;
}
