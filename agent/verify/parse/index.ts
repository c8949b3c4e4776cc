/** Choosing how to read a run's results: the structured report when there is one, else the text output. */
import { existsSync, readFileSync } from 'node:fs';
import type { ReportFile } from '../command.js';
import type { TestCase, TestRunner } from '../types.js';
import { parseJestLikeJson } from './json.js';
import { parseJunitXml } from './junit.js';
import { parseNodeReport } from './node.js';
import { parseTap } from './tap.js';
import { type TextResults, parseCargoText, parseGoText, parseJsText, parsePytestText } from './text.js';

export { parseJestLikeJson } from './json.js';
export { parseJunitXml } from './junit.js';
export { parseNodeReport } from './node.js';
export { parseTap } from './tap.js';
export { parseCargoText, parseGoText, parseJsText, parsePytestText } from './text.js';
export { stripAnsi, repoRelative } from './common.js';

/** What could be read from a run. `parsed` is false when the passing tests are unknown. */
export interface ReadResults {
  tests: TestCase[];
  parsed: boolean;
  parsedFrom: string;
}

function fromReport(root: string, report: ReportFile): ReadResults | null {
  if (!existsSync(report.path)) return null;
  const text = readFileSync(report.path, 'utf8');
  const r =
    report.kind === 'vitest-json' || report.kind === 'jest-json'
      ? parseJestLikeJson(root, text, report.kind)
      : report.kind === 'junit-xml'
        ? parseJunitXml(root, text)
        : parseNodeReport(root, text);
  return r ? { ...r, parsed: true } : null;
}

/** Text parsers to try, the runner's own first. */
function textParsers(root: string, runner: TestRunner): Array<(out: string) => TextResults | null> {
  const tap = (out: string): TextResults | null => {
    const r = parseTap(root, out);
    return r ? { ...r, complete: true } : null;
  };
  const order: Record<string, Array<(out: string) => TextResults | null>> = {
    pytest: [parsePytestText],
    go: [parseGoText],
    cargo: [parseCargoText],
    node: [tap],
    vitest: [parseJsText],
    jest: [parseJsText],
  };
  const all = [parsePytestText, parseGoText, parseCargoText, tap, parseJsText];
  const own = order[runner] ?? [];
  return [...own, ...all.filter((p) => !own.includes(p))];
}

/** Read per-test results from the report file if the run wrote one, else from its output. */
export function readResults(root: string, runner: TestRunner, report: ReportFile | null, output: string): ReadResults {
  const structured = report ? fromReport(root, report) : null;
  if (structured) return structured;
  for (const parse of textParsers(root, runner)) {
    const r = parse(output);
    if (r) return { tests: r.tests, parsed: r.complete, parsedFrom: r.parsedFrom };
  }
  return { tests: [], parsed: false, parsedFrom: 'none' };
}
