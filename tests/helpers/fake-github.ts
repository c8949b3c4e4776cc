import { execFileSync } from 'node:child_process';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A fake GitHub REST API on 127.0.0.1 speaking the real wire format for what ragent's bot uses: issues,
 * issue comments, reactions, pull requests (create, update, list with `head=owner:branch`) and the two GraphQL
 * mutations that flip a pull request between draft and ready. Every request is recorded. When `origin` (a bare
 * repository) is given, a pull request's head branch must exist there, as on GitHub.
 */

export interface FakeUser {
  login: string;
  id: number;
  type: 'User' | 'Bot';
}

export interface FakeIssue {
  id: number;
  node_id: string;
  number: number;
  title: string;
  body: string | null;
  state: 'open' | 'closed';
  user: FakeUser;
  labels: Array<{ id: number; name: string; color: string }>;
  author_association: string;
  comments: number;
}

export interface FakeComment {
  id: number;
  node_id: string;
  issue: number;
  body: string;
  user: FakeUser;
  author_association: string;
  created_at: string;
  updated_at: string;
}

export interface FakeReaction {
  id: number;
  /** `issue:N` or `comment:ID`. */
  subject: string;
  content: string;
  user: FakeUser;
}

export interface FakePull {
  id: number;
  node_id: string;
  number: number;
  title: string;
  body: string | null;
  state: 'open' | 'closed';
  draft: boolean;
  head: string;
  base: string;
  headSha: string;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  status: number;
}

export interface FakeGitHubOptions {
  owner: string;
  repo: string;
  token: string;
  /** Bare repository standing in for the GitHub remote; pull request heads are checked against it. */
  origin?: string;
  /** The login the token belongs to. */
  botLogin?: string;
  defaultBranch?: string;
}

export interface FakeGitHub {
  url: string;
  requests: RecordedRequest[];
  issues: Map<number, FakeIssue>;
  comments: FakeComment[];
  reactions: FakeReaction[];
  pulls: FakePull[];
  /** Add an issue (numbers are shared with pull requests, as on GitHub). */
  addIssue(init: { title: string; body?: string; login?: string; association?: string; labels?: string[] }): FakeIssue;
  /** Add a comment by a user (not the bot). */
  addComment(issue: number, body: string, login?: string, association?: string): FakeComment;
  close(): Promise<void>;
}

const now = () => new Date('2024-01-01T00:00:00Z').toISOString();

/** Start the fake server on an ephemeral port. */
export async function startFakeGitHub(opts: FakeGitHubOptions): Promise<FakeGitHub> {
  const { owner, repo, token } = opts;
  const bot: FakeUser = { login: opts.botLogin ?? 'github-actions[bot]', id: 41898282, type: 'Bot' };
  const defaultBranch = opts.defaultBranch ?? 'main';
  let nextId = 1000;
  let nextNumber = 1;
  const issues = new Map<number, FakeIssue>();
  const comments: FakeComment[] = [];
  const reactions: FakeReaction[] = [];
  const pulls: FakePull[] = [];
  const requests: RecordedRequest[] = [];
  let base = '';

  const userJson = (u: FakeUser) => ({
    login: u.login,
    id: u.id,
    node_id: `U_${u.id}`,
    type: u.type,
    url: `${base}/users/${encodeURIComponent(u.login)}`,
    html_url: `https://github.com/${u.login}`,
    site_admin: false,
  });
  const repoUrl = () => `${base}/repos/${owner}/${repo}`;
  const issueJson = (i: FakeIssue) => ({
    id: i.id,
    node_id: i.node_id,
    url: `${repoUrl()}/issues/${i.number}`,
    repository_url: repoUrl(),
    comments_url: `${repoUrl()}/issues/${i.number}/comments`,
    html_url: `https://github.com/${owner}/${repo}/issues/${i.number}`,
    number: i.number,
    state: i.state,
    title: i.title,
    body: i.body,
    user: userJson(i.user),
    labels: i.labels.map((l) => ({ ...l, node_id: `LA_${l.id}`, url: `${repoUrl()}/labels/${encodeURIComponent(l.name)}`, default: false, description: null })),
    assignees: [],
    locked: false,
    comments: i.comments,
    created_at: now(),
    updated_at: now(),
    closed_at: null,
    author_association: i.author_association,
  });
  const commentJson = (c: FakeComment) => ({
    id: c.id,
    node_id: c.node_id,
    url: `${repoUrl()}/issues/comments/${c.id}`,
    html_url: `https://github.com/${owner}/${repo}/issues/${c.issue}#issuecomment-${c.id}`,
    issue_url: `${repoUrl()}/issues/${c.issue}`,
    body: c.body,
    user: userJson(c.user),
    created_at: c.created_at,
    updated_at: c.updated_at,
    author_association: c.author_association,
  });
  const pullJson = (p: FakePull) => ({
    id: p.id,
    node_id: p.node_id,
    url: `${repoUrl()}/pulls/${p.number}`,
    html_url: `https://github.com/${owner}/${repo}/pull/${p.number}`,
    issue_url: `${repoUrl()}/issues/${p.number}`,
    number: p.number,
    state: p.state,
    locked: false,
    title: p.title,
    body: p.body,
    draft: p.draft,
    user: userJson(bot),
    created_at: now(),
    updated_at: now(),
    merged_at: null,
    head: { label: `${owner}:${p.head}`, ref: p.head, sha: p.headSha, user: userJson({ login: owner, id: 1, type: 'User' }) },
    base: { label: `${owner}:${p.base}`, ref: p.base, sha: '0'.repeat(40), user: userJson({ login: owner, id: 1, type: 'User' }) },
    author_association: 'NONE',
  });

  const addIssue: FakeGitHub['addIssue'] = (init) => {
    const issue: FakeIssue = {
      id: nextId++,
      node_id: `I_${nextId}`,
      number: nextNumber++,
      title: init.title,
      body: init.body ?? null,
      state: 'open',
      user: { login: init.login ?? 'alice', id: 7, type: 'User' },
      labels: (init.labels ?? []).map((name) => ({ id: nextId++, name, color: 'ededed' })),
      author_association: init.association ?? 'OWNER',
      comments: 0,
    };
    issues.set(issue.number, issue);
    return issue;
  };
  const addCommentAs = (issue: number, body: string, user: FakeUser, association: string): FakeComment => {
    const c: FakeComment = { id: nextId++, node_id: `IC_${nextId}`, issue, body, user, author_association: association, created_at: now(), updated_at: now() };
    comments.push(c);
    const i = issues.get(issue);
    if (i) i.comments++;
    return c;
  };

  const branchSha = (branch: string): string | null => {
    if (!opts.origin) return 'f'.repeat(40);
    try {
      return execFileSync('git', ['rev-parse', '--verify', '--quiet', `refs/heads/${branch}`], { cwd: opts.origin, encoding: 'utf8' }).trim();
    } catch {
      return null;
    }
  };

  type Handler = (m: RegExpMatchArray, body: Record<string, unknown>, query: URLSearchParams) => [number, unknown];
  const validation = (message: string, errors: unknown[] = []): [number, unknown] => [
    422,
    { message, errors, documentation_url: 'https://docs.github.com/rest', status: '422' },
  ];
  const notFound = (): [number, unknown] => [404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest', status: '404' }];
  const r = `/repos/${owner}/${repo}`;
  const routes: Array<[string, RegExp, Handler]> = [
    ['GET', new RegExp(`^${r}/issues/(\\d+)$`), (m) => {
      const i = issues.get(Number(m[1]));
      return i ? [200, issueJson(i)] : notFound();
    }],
    ['GET', new RegExp(`^${r}/issues/(\\d+)/comments$`), (m) => [200, comments.filter((c) => c.issue === Number(m[1])).map(commentJson)]],
    ['POST', new RegExp(`^${r}/issues/(\\d+)/comments$`), (m, body) => {
      if (!issues.has(Number(m[1]))) return notFound();
      if (typeof body.body !== 'string' || !body.body) return validation('Validation Failed', [{ resource: 'IssueComment', code: 'missing_field', field: 'body' }]);
      return [201, commentJson(addCommentAs(Number(m[1]), body.body, bot, 'NONE'))];
    }],
    ['PATCH', new RegExp(`^${r}/issues/comments/(\\d+)$`), (m, body) => {
      const c = comments.find((x) => x.id === Number(m[1]));
      if (!c) return notFound();
      if (typeof body.body === 'string') c.body = body.body;
      c.updated_at = now();
      return [200, commentJson(c)];
    }],
    ['POST', new RegExp(`^${r}/issues/(\\d+)/reactions$`), (m, body) => react(`issue:${m[1]}`, body)],
    ['POST', new RegExp(`^${r}/issues/comments/(\\d+)/reactions$`), (m, body) => react(`comment:${m[1]}`, body)],
    ['GET', new RegExp(`^${r}/pulls$`), (_m, _b, q) => {
      const state = q.get('state') ?? 'open';
      const head = q.get('head');
      const list = pulls.filter((p) => (state === 'all' || p.state === state) && (!head || `${owner}:${p.head}` === head || (!head.includes(':') && p.head === head)));
      return [200, list.map(pullJson)];
    }],
    ['POST', new RegExp(`^${r}/pulls$`), (_m, body) => {
      const head = String(body.head ?? '').replace(new RegExp(`^${owner}:`), '');
      const baseRef = String(body.base ?? '');
      if (!body.title) return validation('Validation Failed', [{ resource: 'PullRequest', code: 'missing_field', field: 'title' }]);
      const sha = branchSha(head);
      if (!sha) return validation('Validation Failed', [{ resource: 'PullRequest', field: 'head', code: 'invalid' }]);
      if (baseRef !== defaultBranch) return validation('Validation Failed', [{ resource: 'PullRequest', field: 'base', code: 'invalid' }]);
      if (pulls.some((p) => p.state === 'open' && p.head === head)) {
        return validation('Validation Failed', [{ resource: 'PullRequest', code: 'custom', message: `A pull request already exists for ${owner}:${head}.` }]);
      }
      const p: FakePull = {
        id: nextId++,
        node_id: `PR_${nextId}`,
        number: nextNumber++,
        title: String(body.title),
        body: typeof body.body === 'string' ? body.body : null,
        state: 'open',
        draft: body.draft === true,
        head,
        base: baseRef,
        headSha: sha,
      };
      pulls.push(p);
      return [201, pullJson(p)];
    }],
    ['GET', new RegExp(`^${r}/pulls/(\\d+)$`), (m) => {
      const p = pulls.find((x) => x.number === Number(m[1]));
      return p ? [200, pullJson(p)] : notFound();
    }],
    ['PATCH', new RegExp(`^${r}/pulls/(\\d+)$`), (m, body) => {
      const p = pulls.find((x) => x.number === Number(m[1]));
      if (!p) return notFound();
      if (typeof body.title === 'string') p.title = body.title;
      if (typeof body.body === 'string') p.body = body.body;
      if (body.state === 'open' || body.state === 'closed') p.state = body.state;
      const sha = branchSha(p.head);
      if (sha) p.headSha = sha;
      return [200, pullJson(p)];
    }],
    ['POST', /^\/graphql$/, (_m, body) => graphql(body)],
  ];

  function react(subject: string, body: Record<string, unknown>): [number, unknown] {
    const allowed = ['+1', '-1', 'laugh', 'confused', 'heart', 'hooray', 'rocket', 'eyes'];
    if (!allowed.includes(String(body.content))) return validation('Validation Failed', [{ resource: 'Reaction', code: 'invalid', field: 'content' }]);
    const existing = reactions.find((x) => x.subject === subject && x.content === body.content && x.user.login === bot.login);
    if (existing) return [200, { id: existing.id, node_id: `REA_${existing.id}`, user: userJson(bot), content: existing.content, created_at: now() }];
    const reaction: FakeReaction = { id: nextId++, subject, content: String(body.content), user: bot };
    reactions.push(reaction);
    return [201, { id: reaction.id, node_id: `REA_${reaction.id}`, user: userJson(bot), content: reaction.content, created_at: now() }];
  }

  function graphql(body: Record<string, unknown>): [number, unknown] {
    const query = String(body.query ?? '');
    const vars = (body.variables ?? {}) as Record<string, unknown>;
    const id = String(vars.id ?? vars.pullRequestId ?? '');
    const p = pulls.find((x) => x.node_id === id);
    const mutation = /markPullRequestReadyForReview/.test(query) ? 'markPullRequestReadyForReview' : /convertPullRequestToDraft/.test(query) ? 'convertPullRequestToDraft' : null;
    if (!mutation) return [200, { errors: [{ message: 'unsupported query in the fake server' }] }];
    if (!p) return [200, { data: { [mutation]: null }, errors: [{ type: 'NOT_FOUND', message: `Could not resolve to a node with the global id of '${id}'` }] }];
    p.draft = mutation === 'convertPullRequestToDraft';
    return [200, { data: { [mutation]: { pullRequest: { id: p.node_id, number: p.number, isDraft: p.draft } } } }];
  }

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const rec: RecordedRequest = {
        method: req.method ?? 'GET',
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        headers: { ...req.headers },
        body: raw,
        status: 0,
      };
      requests.push(rec);
      const send = (status: number, payload: unknown) => {
        rec.status = status;
        const text = JSON.stringify(payload);
        res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'x-github-media-type': 'github.v3; format=json', 'content-length': Buffer.byteLength(text) });
        res.end(text);
      };
      const auth = String(req.headers.authorization ?? '');
      if (auth !== `token ${token}` && auth !== `bearer ${token}` && auth !== `Bearer ${token}`) {
        send(401, { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest', status: '401' });
        return;
      }
      let body: Record<string, unknown> = {};
      if (raw) {
        try {
          body = JSON.parse(raw) as Record<string, unknown>;
        } catch {
          send(400, { message: 'Problems parsing JSON', documentation_url: 'https://docs.github.com/rest', status: '400' });
          return;
        }
      }
      for (const [method, pattern, handler] of routes) {
        const m = url.pathname.match(pattern);
        if (m && method === req.method) {
          const [status, payload] = handler(m, body, url.searchParams);
          send(status, payload);
          return;
        }
      }
      send(404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest', status: '404' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url: base,
    requests,
    issues,
    comments,
    reactions,
    pulls,
    addIssue,
    addComment: (issue, body, login = 'alice', association = 'OWNER') => addCommentAs(issue, body, { login, id: 7, type: 'User' }, association),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
