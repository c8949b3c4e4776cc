import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { UsageError } from '../errors.js';
import { GitHubClient, parseIssueRef } from '../ci/github.js';
import type { Redactor } from '../util/redact.js';

/** The task a one-shot run works on, with where it came from. */
export interface RunTask {
  /** The full text given to the agent. */
  text: string;
  /** One line for branch names, commit messages and listings. */
  title: string;
  /** `text`, the file path, or `owner/repo#N`. */
  source: string;
  /** The GitHub issue number, when the task is one. */
  issueNumber?: number;
}

/** Build a task from an issue's title, body and optional extra instructions. */
export function taskFromIssue(issue: { number: number; title: string; body: string }, source: string, instructions = ''): RunTask {
  const parts = [`# ${issue.title}`.trim()];
  if (issue.body.trim()) parts.push(issue.body.trim());
  if (instructions.trim()) parts.push(`Additional instructions from the maintainer:\n${instructions.trim()}`);
  return { text: parts.join('\n\n'), title: issue.title.trim() || `issue #${issue.number}`, source, issueNumber: issue.number };
}

/** The first meaningful line of a text, without Markdown heading marks. */
export function firstLine(text: string): string {
  const line = text.split('\n').map((l) => l.replace(/^#+\s*/, '').trim()).find(Boolean) ?? '';
  return line.length > 100 ? line.slice(0, 99) + '…' : line;
}

export interface TaskFlags {
  issue?: string;
  issueFile?: string;
  githubIssue?: string;
}

/** Resolve exactly one of `--issue`, `--issue-file`, `--github-issue` into a task. */
export async function resolveTask(flags: TaskFlags, opts: { cwd: string; env: NodeJS.ProcessEnv; redactor?: Redactor }): Promise<RunTask> {
  const given = [flags.issue !== undefined, flags.issueFile !== undefined, flags.githubIssue !== undefined].filter(Boolean).length;
  if (given !== 1) {
    throw new UsageError('give the task exactly once', 'use one of --issue "<text>", --issue-file FILE or --github-issue OWNER/REPO#N');
  }
  if (flags.issue !== undefined) {
    if (!flags.issue.trim()) throw new UsageError('the --issue text is empty', 'describe the change or the bug to fix');
    return { text: flags.issue.trim(), title: firstLine(flags.issue), source: 'text' };
  }
  if (flags.issueFile !== undefined) {
    const path = resolve(opts.cwd, flags.issueFile);
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      throw new UsageError(`cannot read the issue file ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, 'pass --issue-file with a readable text or Markdown file');
    }
    if (!text.trim()) throw new UsageError(`the issue file ${path} is empty`, 'write the task into the file');
    return { text: text.trim(), title: firstLine(text), source: flags.issueFile };
  }
  const ref = parseIssueRef(flags.githubIssue!);
  if (!ref) throw new UsageError(`"${flags.githubIssue}" is not an issue reference`, 'use --github-issue OWNER/REPO#NUMBER, e.g. acme/app#42');
  const client = new GitHubClient({ ...ref, token: opts.env.GITHUB_TOKEN, apiUrl: opts.env.GITHUB_API_URL, redactor: opts.redactor });
  const issue = await client.getIssue(ref.number);
  return taskFromIssue(issue, `${ref.owner}/${ref.repo}#${ref.number}`);
}
