/** vitest's and jest's JSON reports (the same shape: files with their assertion results). */
import type { TestCase, TestStatus } from '../types.js';
import { type ParsedResults, repoRelative, stripAnsi } from './common.js';

interface AssertionResult {
  ancestorTitles?: string[];
  title?: string;
  fullName?: string;
  status?: string;
  failureMessages?: string[];
}

interface FileResult {
  name?: string;
  status?: string;
  message?: string;
  assertionResults?: AssertionResult[];
}

function statusOf(s: string | undefined): TestStatus {
  if (s === 'passed') return 'passed';
  if (s === 'failed') return 'failed';
  return 'skipped'; // pending, skipped, todo, disabled
}

/**
 * Read a vitest or jest JSON report. A file that failed before running any test (a syntax error, a
 * missing import) becomes one failed entry named `(file)` carrying the error, so it is never lost.
 * Returns null when the text is not such a report.
 */
export function parseJestLikeJson(root: string, text: string, kind: 'vitest-json' | 'jest-json'): ParsedResults | null {
  let report: { testResults?: FileResult[] };
  try {
    report = JSON.parse(text) as { testResults?: FileResult[] };
  } catch {
    return null;
  }
  if (!report || !Array.isArray(report.testResults)) return null;
  const tests: TestCase[] = [];
  for (const f of report.testResults) {
    const file = f.name ? repoRelative(root, f.name) : undefined;
    const results = f.assertionResults ?? [];
    for (const a of results) {
      const name = [...(a.ancestorTitles ?? []), a.title ?? a.fullName ?? '(unnamed)'].join(' > ');
      const t: TestCase = { name, file, status: statusOf(a.status) };
      const msg = (a.failureMessages ?? []).join('\n').trim();
      if (t.status === 'failed' && msg) t.message = stripAnsi(msg);
      tests.push(t);
    }
    if (f.status === 'failed' && !results.some((a) => a.status === 'failed')) {
      tests.push({ name: '(file)', file, status: 'failed', message: stripAnsi(f.message ?? '').trim() || 'the test file failed to run' });
    }
  }
  return { tests, parsedFrom: kind };
}
