import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestSummary } from '../../agent/events.js';
import { fillTemplate } from '../util/prompts.js';
import type { RunReport } from '../run/pipeline.js';

/** The texts the bot posts on GitHub, filled from templates in `src/ci/templates/`. */

const here = dirname(fileURLToPath(import.meta.url));
// From the sources (src/ci) and from a build (dist/src/ci, whose templates stay in src/ci).
const templateDirs = [join(here, 'templates'), resolve(here, '..', '..', '..', 'src', 'ci', 'templates')];

function template(name: string, slots: Record<string, string>): string {
  const dir = templateDirs.find((d) => existsSync(join(d, `${name}.md`))) ?? templateDirs[0]!;
  return fillTemplate(readFileSync(join(dir, `${name}.md`), 'utf8'), slots, name).trim() + '\n';
}

/** Longest failing output quoted in a pull request body (GitHub caps bodies at 65,536 characters). */
const MAX_OUTPUT_CHARS = 12_000;

/** One table cell for a test run. */
export function describeTests(t: TestSummary | null): string {
  if (!t) return 'not run';
  const parts = [`${t.passed} passed, ${t.failed} failed`];
  if (t.timedOut) parts.push('timed out');
  if (!t.parsed) parts.push(`exit code ${t.exitCode ?? 'none'}; per-test results could not be read`);
  return parts.join('; ');
}

function fence(text: string): string {
  const tail = text.length > MAX_OUTPUT_CHARS ? '…' + text.slice(text.length - MAX_OUTPUT_CHARS) : text;
  const ticks = tail.includes('```') ? '~~~~' : '```';
  return `${ticks}\n${tail.trimEnd()}\n${ticks}`;
}

/** Whether a pull request for this run should be a draft. */
export function isDraft(report: RunReport): boolean {
  return report.outcome !== 'fixed';
}

/** Pull request title. */
export function pullTitle(report: RunReport, issue: { number: number; title: string }): string {
  const title = `${isDraft(report) ? '[draft] ' : ''}ragent: ${issue.title} (#${issue.number})`;
  return title.length > 200 ? title.slice(0, 199) + '…' : title;
}

/** Pull request body: summary, tests before and after, files changed, model and token use. */
export function pullBody(report: RunReport, issue: { number: number; title: string }): string {
  const draft = isDraft(report);
  const failingNames = report.testsAfter?.failing ?? [];
  const failing = draft
    ? [
        failingNames.length ? `Failing tests:\n\n${failingNames.slice(0, 30).map((n) => `- \`${n}\``).join('\n')}\n` : '',
        report.lastTestOutput ? `<details><summary>Test output (last run)</summary>\n\n${fence(report.lastTestOutput)}\n\n</details>\n` : '',
      ]
        .filter(Boolean)
        .join('\n')
    : '';
  return template('pull-request', {
    status: template(draft ? 'pull-status-draft' : 'pull-status-ready', {}).trim(),
    issue: String(issue.number),
    title: issue.title,
    summary: report.summary.trim() || '(the model gave no summary)',
    command: report.testCommand ? `\`${report.testCommand}\`` : 'none detected',
    before: describeTests(report.testsBefore),
    after: describeTests(report.testsAfter),
    criteria: report.criteria?.statement ? `${report.criteria.statement}\n` : '',
    failing,
    files: report.filesChanged.length ? report.filesChanged.map((f) => `- \`${f}\``).join('\n') : '(none)',
    model: report.model,
    iterations: String(report.iterations),
    tokens: String(report.tokens.prompt + report.tokens.output),
    promptTokens: String(report.tokens.prompt),
    outputTokens: String(report.tokens.output),
    runId: report.id,
    branch: report.branch,
  });
}

/** The issue comment when the run produced no change: what was tried. */
export function noChangeComment(report: RunReport): string {
  const steps = report.steps.length ? report.steps.slice(-40).map((s) => `- ${s}`).join('\n') : '- (no tool calls)';
  return template('no-change', {
    reason: report.summary.trim() || report.error?.message || 'The model finished without proposing an edit.',
    iterations: String(report.iterations),
    tokens: String(report.tokens.prompt + report.tokens.output),
    model: report.model,
    steps,
    tests: report.testsBefore ? `${describeTests(report.testsBefore)} (\`${report.testCommand ?? ''}\`)` : 'not run',
  });
}

/** The issue comment for a requester the bot does not act for. */
export function untrustedComment(login: string, association: string, trusted: string[]): string {
  return template('untrusted', { login: login || 'the requester', association: association || 'NONE', trusted: trusted.map((a) => `\`${a}\``).join(', ') });
}

/** The issue comment when the run could not complete (model unavailable, bad configuration). */
export function runFailedComment(message: string, hint: string | undefined): string {
  return template('run-failed', { message, hint: hint ? `Hint: ${hint}` : '' });
}

/** The status comment pointing at the pull request. */
export function pullOpenedComment(report: RunReport, pull: { number: number; url: string }, created: boolean): string {
  return template('pull-opened', {
    verb: created ? 'opened' : 'updated',
    pull: `#${pull.number}`,
    state: isDraft(report) ? 'a draft, because the tests do not pass with the change' : 'the tests pass with the change',
    summary: report.summary.trim(),
  });
}
