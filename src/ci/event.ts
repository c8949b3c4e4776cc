import { readFileSync } from 'node:fs';
import { UsageError } from '../errors.js';
import type { RagentConfig } from '../config/schema.js';

/**
 * What GitHub Actions hands the bot: the event payload and the repository, token and API address, and the
 * decision whether this event asks ragent to act.
 */

export interface CiEnvironment {
  eventName: string;
  payload: Record<string, unknown>;
  owner: string;
  repo: string;
  token: string;
  /** REST base URL: api.github.com, or a GitHub Enterprise server's `/api/v3`. */
  apiUrl: string;
}

/** Read the Actions environment; a missing or unreadable piece is a usage error naming the variable. */
export function readCiEnvironment(env: NodeJS.ProcessEnv): CiEnvironment {
  const need = (name: string): string => {
    const value = env[name];
    if (!value) throw new UsageError(`${name} is not set`, 'run `ragent ci` inside a GitHub Actions workflow (see examples/github-workflow.yml)');
    return value;
  };
  const eventPath = need('GITHUB_EVENT_PATH');
  const repository = need('GITHUB_REPOSITORY');
  const token = need('GITHUB_TOKEN');
  const [owner, repo, ...rest] = repository.split('/');
  if (!owner || !repo || rest.length) throw new UsageError(`GITHUB_REPOSITORY must be owner/name, got "${repository}"`, 'GitHub Actions sets it; do not override it');
  let payload: unknown;
  try {
    payload = JSON.parse(readFileSync(eventPath, 'utf8'));
  } catch (err) {
    throw new UsageError(`cannot read the event payload ${eventPath}: ${(err as Error).message}`, 'GITHUB_EVENT_PATH must name the JSON file GitHub Actions wrote');
  }
  if (!payload || typeof payload !== 'object') throw new UsageError(`the event payload ${eventPath} is not a JSON object`, 'GITHUB_EVENT_PATH must name the JSON file GitHub Actions wrote');
  const p = payload as Record<string, unknown>;
  return {
    eventName: env.GITHUB_EVENT_NAME || (p.comment ? 'issue_comment' : p.issue ? 'issues' : 'unknown'),
    payload: p,
    owner,
    repo,
    token,
    apiUrl: (env.GITHUB_API_URL || 'https://api.github.com').replace(/\/+$/, ''),
  };
}

export interface IssueRef {
  number: number;
  title: string;
  body: string;
  /** Login of the issue's author. */
  author: string;
}

/** The event asks ragent to act on an issue. */
export interface CiTrigger {
  act: true;
  /** `label` or `comment`. */
  via: 'label' | 'comment';
  issue: IssueRef;
  /** Text after `/ragent` in the comment, '' when none. */
  instructions: string;
  /** Who asked, and their association with the repository (the comment's author, or the issue's for a label). */
  requester: string;
  association: string;
  /** The comment that asked, for the acknowledgement reaction. */
  commentId?: number;
}

export interface CiSkip {
  act: false;
  reason: string;
}

const COMMAND = /^\/ragent(?:\s+|$)/;

const obj = (v: unknown): Record<string, unknown> => (v && typeof v === 'object' ? (v as Record<string, unknown>) : {});
const str = (v: unknown): string => (typeof v === 'string' ? v : '');

function issueOf(payload: Record<string, unknown>): IssueRef | null {
  const issue = obj(payload.issue);
  if (typeof issue.number !== 'number') return null;
  return { number: issue.number, title: str(issue.title), body: str(issue.body), author: str(obj(issue.user).login) };
}

/** Decide whether an event asks ragent to act; anything else gets a one-line reason. */
export function decideTrigger(eventName: string, payload: Record<string, unknown>, ci: RagentConfig['ci']): CiTrigger | CiSkip {
  const action = str(payload.action);
  const issue = issueOf(payload);
  if (eventName === 'issues') {
    if (action !== 'labeled') return { act: false, reason: `issues event "${action}" is not a trigger (only "labeled" with "${ci.label}")` };
    const label = str(obj(payload.label).name);
    if (label !== ci.label) return { act: false, reason: `label "${label}" is not the trigger label "${ci.label}"` };
    if (!issue) return { act: false, reason: 'the event carries no issue' };
    if (str(obj(payload.issue).state) === 'closed') return { act: false, reason: `issue #${issue.number} is closed` };
    return { act: true, via: 'label', issue, instructions: '', requester: issue.author, association: str(obj(payload.issue).author_association) };
  }
  if (eventName === 'issue_comment') {
    if (action !== 'created') return { act: false, reason: `comment "${action}" is not a trigger (only new comments)` };
    const comment = obj(payload.comment);
    const body = str(comment.body).trim();
    if (!COMMAND.test(body)) return { act: false, reason: 'the comment does not start with /ragent' };
    if (!issue) return { act: false, reason: 'the event carries no issue' };
    if (obj(payload.issue).pull_request) return { act: false, reason: `#${issue.number} is a pull request, not an issue` };
    if (str(obj(comment.user).type) === 'Bot') return { act: false, reason: 'the comment was written by a bot' };
    if (str(obj(payload.issue).state) === 'closed') return { act: false, reason: `issue #${issue.number} is closed` };
    return {
      act: true,
      via: 'comment',
      issue,
      instructions: body.replace(COMMAND, '').trim(),
      requester: str(obj(comment.user).login),
      association: str(comment.author_association),
      commentId: typeof comment.id === 'number' ? comment.id : undefined,
    };
  }
  return { act: false, reason: `event "${eventName}" is not a trigger (issues labeled "${ci.label}", or an issue comment starting with /ragent)` };
}

/** True when the requester's association is one the configuration trusts. */
export function isTrusted(trigger: CiTrigger, ci: RagentConfig['ci']): boolean {
  const trusted = ci.trustedAssociations.map((a) => a.toUpperCase());
  return trusted.includes(trigger.association.toUpperCase());
}
