import type { RagentConfig } from '../config/schema.js';
import { RagentError } from '../errors.js';
import { redactor as defaultRedactor, type Redactor } from '../util/redact.js';
import { runOneShot, type PipelineDeps, type RunEvent, type RunReport } from '../run/pipeline.js';
import { taskFromIssue } from '../run/task.js';
import { runGit } from '../run/worktree.js';
import { decideTrigger, isTrusted, readCiEnvironment, type CiTrigger } from './event.js';
import { GitHubClient, type PullRef } from './github.js';
import { isDraft, noChangeComment, pullBody, pullOpenedComment, pullTitle, runFailedComment, untrustedComment } from './report.js';

/**
 * The GitHub bot: decide whether the event asks for a run, check who asked, acknowledge, run the one-shot
 * pipeline on `ragent/issue-<N>`, push the branch and open (or update) a pull request, or explain on the issue
 * why there is none.
 */

export type CiAction = 'skipped' | 'untrusted' | 'pull-opened' | 'pull-updated' | 'no-change' | 'failed';

export interface CiResult {
  action: CiAction;
  exitCode: number;
  /** One line for the log. */
  message: string;
  pull?: PullRef;
  report?: RunReport;
}

export interface CiOptions {
  /** The Actions environment (GITHUB_EVENT_PATH, GITHUB_REPOSITORY, GITHUB_TOKEN, GITHUB_API_URL...). */
  env: NodeJS.ProcessEnv;
  /** The checked-out repository. */
  repo: string;
  config: RagentConfig;
  deps: PipelineDeps;
  /** Prints one line of the bot's narrative. */
  log: (line: string) => void;
  onEvent?: (event: RunEvent) => void;
  redactor?: Redactor;
}

/** Environment variables that hold GitHub credentials; removed before any project code runs. */
const TOKEN_VARIABLES = ['GITHUB_TOKEN', 'GH_TOKEN', 'INPUT_GITHUB_TOKEN'];

/** Handle one GitHub Actions event end to end. */
export async function runCiBot(opts: CiOptions): Promise<CiResult> {
  const redactor = opts.redactor ?? defaultRedactor;
  const ci = readCiEnvironment(opts.env);
  redactor.add(ci.token);
  // The project's tests run model-written code: it must not be able to read the token.
  for (const name of TOKEN_VARIABLES) {
    if (process.env[name]) redactor.add(process.env[name]);
    delete process.env[name];
  }

  const decision = decideTrigger(ci.eventName, ci.payload, opts.config.ci);
  if (!decision.act) {
    opts.log(`ragent ci: nothing to do: ${decision.reason}`);
    return { action: 'skipped', exitCode: 0, message: decision.reason };
  }
  const gh = new GitHubClient({ owner: ci.owner, repo: ci.repo, token: ci.token, apiUrl: ci.apiUrl, redactor });
  const n = decision.issue.number;

  if (!isTrusted(decision, opts.config.ci)) {
    const message = `@${decision.requester} is ${decision.association || 'NONE'}, not one of ${opts.config.ci.trustedAssociations.join(', ')}: not acting on #${n}`;
    opts.log(`ragent ci: ${message}`);
    await gh.comment(n, untrustedComment(decision.requester, decision.association, opts.config.ci.trustedAssociations));
    return { action: 'untrusted', exitCode: 0, message };
  }

  opts.log(`ragent ci: acting on #${n} (${describeTrigger(decision)})`);
  await gh.react(decision.commentId !== undefined ? { comment: decision.commentId } : { issue: n }, 'eyes');

  const branch = `${opts.config.ci.branchPrefix}issue-${n}`;
  const base = baseBranch(ci.payload, opts.repo);
  let report: RunReport;
  try {
    report = await runOneShot(
      {
        repo: opts.repo,
        config: opts.config,
        task: taskFromIssue(decision.issue, `${ci.owner}/${ci.repo}#${n}`, decision.instructions),
        branch,
        resetBranch: true,
        mode: 'ci',
        onEvent: opts.onEvent,
        redactor,
      },
      opts.deps,
    );
  } catch (err) {
    const e = err as Error;
    await gh.upsertStatusComment(n, runFailedComment(redactor.redact(e.message), err instanceof RagentError ? err.hint : undefined));
    throw err;
  }
  opts.log(`ragent ci: run ${report.id}: ${report.outcome}; transcript ${report.transcript}`);

  if (!report.commit) {
    if (report.error) {
      await gh.upsertStatusComment(n, runFailedComment(report.error.message, report.error.hint));
      return { action: 'failed', exitCode: report.exitCode === 0 ? 1 : report.exitCode, message: report.error.message, report };
    }
    await gh.upsertStatusComment(n, noChangeComment(report));
    return { action: 'no-change', exitCode: 0, message: `no change produced for #${n}; explained on the issue`, report };
  }

  pushBranch(opts.repo, branch, ci.token, ci.apiUrl);
  opts.log(`ragent ci: pushed ${branch}`);
  const title = pullTitle(report, decision.issue);
  const body = pullBody(report, decision.issue);
  const draft = isDraft(report);
  const existing = await gh.findOpenPull(branch);
  const pull = existing
    ? await gh.updatePull(existing, { title, body, draft })
    : await gh.createPull({ title, body, head: branch, base, draft });
  await gh.upsertStatusComment(n, pullOpenedComment(report, pull, !existing));
  const message = `${existing ? 'updated' : 'opened'} ${draft ? 'draft ' : ''}pull request #${pull.number} ${pull.url}`;
  opts.log(`ragent ci: ${message}`);
  return { action: existing ? 'pull-updated' : 'pull-opened', exitCode: 0, message, pull, report };
}

function describeTrigger(t: CiTrigger): string {
  const by = `requested by @${t.requester} (${t.association})`;
  return t.via === 'label' ? `labelled, ${by}` : `/ragent comment${t.instructions ? ' with instructions' : ''}, ${by}`;
}

/** The branch pull requests target: the repository's default branch, else the checked-out one. */
function baseBranch(payload: Record<string, unknown>, repo: string): string {
  const repository = payload.repository as { default_branch?: unknown } | undefined;
  if (repository && typeof repository.default_branch === 'string' && repository.default_branch) return repository.default_branch;
  return runGit(repo, ['rev-parse', '--abbrev-ref', 'HEAD']).trim();
}

/**
 * Force-push the run branch to origin (a re-run replaces the previous attempt). When the checkout left no
 * credentials behind, the token goes in an HTTP header passed through the environment, never in the URL or
 * on the command line.
 */
export function pushBranch(repo: string, branch: string, token: string, apiUrl: string): void {
  const remote = runGit(repo, ['remote', 'get-url', 'origin']).trim();
  const config = pushAuthConfig(remote, token, apiUrl, hasAuthHeader(repo));
  runGit(repo, ['push', '--force', '--quiet', 'origin', `refs/heads/${branch}:refs/heads/${branch}`], { config });
}

/**
 * The git configuration a push needs: none when the remote is not the GitHub the token belongs to, or when the
 * checkout already left credentials; otherwise the token as a basic-auth header for that host only.
 */
export function pushAuthConfig(remote: string, token: string, apiUrl: string, checkoutHasCredentials: boolean): Record<string, string> {
  if (!token || checkoutHasCredentials || !/^https:\/\//.test(remote)) return {};
  const host = new URL(remote).host;
  const api = new URL(apiUrl).host;
  // api.github.com serves github.com; a GitHub Enterprise server serves its API from its own host.
  if (host !== api && host !== api.replace(/^api\./, '')) return {};
  return { [`http.https://${host}/.extraheader`]: `AUTHORIZATION: basic ${Buffer.from(`x-access-token:${token}`).toString('base64')}` };
}

function hasAuthHeader(repo: string): boolean {
  try {
    return runGit(repo, ['config', '--get-regexp', '^http\\..*extraheader$']).trim() !== '';
  } catch {
    return false;
  }
}
