import { Octokit } from '@octokit/rest';
import { RagentError } from '../errors.js';
import { redactor as defaultRedactor, type Redactor } from '../util/redact.js';

/** A GitHub API call failed; the message never carries the token. */
export class GitHubError extends RagentError {
  constructor(
    message: string,
    hint: string,
    readonly status?: number,
  ) {
    super(message, hint);
  }
}

/** Hidden marker that identifies the bot's status comment on an issue, so a re-run edits it instead of adding one. */
export const STATUS_MARKER = '<!-- ragent:status -->';

export interface PullRef {
  number: number;
  nodeId: string;
  url: string;
  draft: boolean;
}

export interface IssueData {
  number: number;
  title: string;
  body: string;
  state: string;
  author: string;
  url: string;
}

export interface GitHubClientOptions {
  owner: string;
  repo: string;
  token?: string;
  apiUrl?: string;
  redactor?: Redactor;
}

function hintFor(status: number | undefined): string {
  switch (status) {
    case 401:
      return 'the token was rejected: check GITHUB_TOKEN';
    case 403:
      return 'the token lacks permission: give the workflow contents, pull-requests and issues write permissions';
    case 404:
      return 'check the repository and issue number (and that the token can see the repository)';
    case 422:
      return 'GitHub rejected the request as invalid: check that the branch was pushed and the base branch exists';
    default:
      return 'check GITHUB_API_URL and the network; run again with --debug for details';
  }
}

/** The handful of GitHub REST (and two GraphQL) calls the bot and `ragent run --github-issue` make. */
export class GitHubClient {
  readonly owner: string;
  readonly repo: string;
  private readonly octokit: Octokit;
  private readonly redactor: Redactor;

  constructor(opts: GitHubClientOptions) {
    this.owner = opts.owner;
    this.repo = opts.repo;
    this.redactor = opts.redactor ?? defaultRedactor;
    this.redactor.add(opts.token);
    const quiet = () => undefined;
    this.octokit = new Octokit({
      auth: opts.token || undefined,
      baseUrl: (opts.apiUrl ?? 'https://api.github.com').replace(/\/+$/, ''),
      userAgent: 'ragent',
      log: { debug: quiet, info: quiet, warn: quiet, error: quiet },
    });
  }

  private async call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      const e = err as { status?: number; message?: string; response?: { data?: { message?: string; errors?: Array<{ message?: string; field?: string; code?: string }> } } };
      const details = (e.response?.data?.errors ?? []).map((x) => x.message ?? `${x.field ?? ''} ${x.code ?? ''}`.trim()).filter(Boolean);
      const msg = [e.response?.data?.message ?? e.message ?? String(err), ...details].join(': ');
      throw new GitHubError(this.redactor.redact(`GitHub ${what} failed${e.status ? ` (${e.status})` : ''}: ${msg}`), hintFor(e.status), e.status);
    }
  }

  /** Read an issue. */
  async getIssue(number: number): Promise<IssueData> {
    const { data } = await this.call(`reading issue #${number}`, () => this.octokit.rest.issues.get({ owner: this.owner, repo: this.repo, issue_number: number }));
    return { number: data.number, title: data.title, body: data.body ?? '', state: data.state, author: data.user?.login ?? '', url: data.html_url };
  }

  /** React to an issue (or to one of its comments) to acknowledge a request. */
  async react(target: { issue: number } | { comment: number }, content: 'eyes' | 'rocket' | '+1' | 'confused'): Promise<void> {
    if ('issue' in target) {
      await this.call('adding a reaction', () => this.octokit.rest.reactions.createForIssue({ owner: this.owner, repo: this.repo, issue_number: target.issue, content }));
    } else {
      await this.call('adding a reaction', () =>
        this.octokit.rest.reactions.createForIssueComment({ owner: this.owner, repo: this.repo, comment_id: target.comment, content }),
      );
    }
  }

  /** Post a plain comment. */
  async comment(issue: number, body: string): Promise<string> {
    const { data } = await this.call(`commenting on #${issue}`, () =>
      this.octokit.rest.issues.createComment({ owner: this.owner, repo: this.repo, issue_number: issue, body: this.redactor.redact(body) }),
    );
    return data.html_url;
  }

  /** Create or update the bot's one status comment on an issue. */
  async upsertStatusComment(issue: number, body: string): Promise<string> {
    const text = this.redactor.redact(`${STATUS_MARKER}\n${body}`);
    const comments = await this.call(`listing comments on #${issue}`, () =>
      this.octokit.paginate(this.octokit.rest.issues.listComments, { owner: this.owner, repo: this.repo, issue_number: issue, per_page: 100 }),
    );
    const mine = comments.find((c) => (c.body ?? '').startsWith(STATUS_MARKER));
    if (mine) {
      const { data } = await this.call('updating the status comment', () =>
        this.octokit.rest.issues.updateComment({ owner: this.owner, repo: this.repo, comment_id: mine.id, body: text }),
      );
      return data.html_url;
    }
    const { data } = await this.call(`commenting on #${issue}`, () =>
      this.octokit.rest.issues.createComment({ owner: this.owner, repo: this.repo, issue_number: issue, body: text }),
    );
    return data.html_url;
  }

  /** The open pull request whose head is `branch` in this repository, if any. */
  async findOpenPull(branch: string): Promise<PullRef | null> {
    const { data } = await this.call('listing pull requests', () =>
      this.octokit.rest.pulls.list({ owner: this.owner, repo: this.repo, head: `${this.owner}:${branch}`, state: 'open', per_page: 10 }),
    );
    const pull = data.find((p) => p.head.ref === branch);
    return pull ? { number: pull.number, nodeId: pull.node_id, url: pull.html_url, draft: Boolean(pull.draft) } : null;
  }

  /** Open a pull request. */
  async createPull(init: { title: string; body: string; head: string; base: string; draft: boolean }): Promise<PullRef> {
    const { data } = await this.call('opening a pull request', () =>
      this.octokit.rest.pulls.create({
        owner: this.owner,
        repo: this.repo,
        title: this.redactor.redact(init.title),
        body: this.redactor.redact(init.body),
        head: init.head,
        base: init.base,
        draft: init.draft,
        maintainer_can_modify: true,
      }),
    );
    return { number: data.number, nodeId: data.node_id, url: data.html_url, draft: Boolean(data.draft) };
  }

  /** Replace a pull request's title and body, and make it draft or ready to match the run. */
  async updatePull(pull: PullRef, update: { title: string; body: string; draft: boolean }): Promise<PullRef> {
    const { data } = await this.call(`updating pull request #${pull.number}`, () =>
      this.octokit.rest.pulls.update({ owner: this.owner, repo: this.repo, pull_number: pull.number, title: this.redactor.redact(update.title), body: this.redactor.redact(update.body) }),
    );
    let draft = Boolean(data.draft);
    // REST cannot change the draft state; GraphQL can.
    if (draft !== update.draft) {
      const mutation = update.draft ? 'convertPullRequestToDraft' : 'markPullRequestReadyForReview';
      await this.call(`marking pull request #${pull.number} ${update.draft ? 'draft' : 'ready'}`, () =>
        this.octokit.graphql(`mutation($id: ID!) { ${mutation}(input: {pullRequestId: $id}) { pullRequest { isDraft } } }`, { id: data.node_id }),
      );
      draft = update.draft;
    }
    return { number: data.number, nodeId: data.node_id, url: data.html_url, draft };
  }
}

/** Parse `owner/repo#N` (as given to `ragent run --github-issue`). */
export function parseIssueRef(ref: string): { owner: string; repo: string; number: number } | null {
  const m = ref.trim().match(/^([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+)#(\d+)$/);
  return m ? { owner: m[1]!, repo: m[2]!, number: Number(m[3]) } : null;
}
