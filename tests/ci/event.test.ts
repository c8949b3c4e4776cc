import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decideTrigger, isTrusted, readCiEnvironment, type CiTrigger } from '../../src/ci/event.js';
import { defaultConfig } from '../../src/config/load.js';
import { UsageError } from '../../src/errors.js';

const ci = defaultConfig().ci;
const issue = (extra: Record<string, unknown> = {}) => ({ number: 7, title: 'T', body: 'B', state: 'open', user: { login: 'alice' }, author_association: 'OWNER', ...extra });

describe('trigger decisions', () => {
  it('acts on the configured label only, with the issue author as requester', () => {
    const d = decideTrigger('issues', { action: 'labeled', label: { name: 'ragent' }, issue: issue() }, ci);
    expect(d).toEqual({ act: true, via: 'label', issue: { number: 7, title: 'T', body: 'B', author: 'alice' }, instructions: '', requester: 'alice', association: 'OWNER' });
    const custom = { ...ci, label: 'bot:fix' };
    expect(decideTrigger('issues', { action: 'labeled', label: { name: 'ragent' }, issue: issue() }, custom)).toMatchObject({ act: false });
    expect(decideTrigger('issues', { action: 'labeled', label: { name: 'bot:fix' }, issue: issue() }, custom)).toMatchObject({ act: true });
    expect(decideTrigger('issues', { action: 'labeled', label: { name: 'ragent' }, issue: issue({ state: 'closed' }) }, ci)).toEqual({ act: false, reason: 'issue #7 is closed' });
  });

  it('acts on /ragent comments, taking the rest as instructions and the commenter as requester', () => {
    const payload = (body: string, user: Record<string, unknown> = { login: 'bob', type: 'User' }) => ({
      action: 'created',
      issue: issue({ author_association: 'NONE' }),
      comment: { id: 99, body, user, author_association: 'MEMBER' },
    });
    expect(decideTrigger('issue_comment', payload('  /ragent   use the helper in util.js\nand add a test '), ci)).toMatchObject({
      act: true,
      via: 'comment',
      instructions: 'use the helper in util.js\nand add a test',
      requester: 'bob',
      association: 'MEMBER',
      commentId: 99,
    });
    expect(decideTrigger('issue_comment', payload('/ragent'), ci)).toMatchObject({ act: true, instructions: '' });
    expect(decideTrigger('issue_comment', payload('please /ragent'), ci)).toMatchObject({ act: false });
    expect(decideTrigger('issue_comment', payload('/ragent', { login: 'ragent[bot]', type: 'Bot' }), ci)).toEqual({ act: false, reason: 'the comment was written by a bot' });
    expect(decideTrigger('issue_comment', { ...payload('/ragent'), action: 'edited' }, ci)).toMatchObject({ act: false, reason: expect.stringMatching(/only new comments/) });
  });

  it('trusts associations from the configuration, case-insensitively', () => {
    const t = { association: 'member' } as CiTrigger;
    expect(isTrusted(t, ci)).toBe(true);
    expect(isTrusted({ association: 'CONTRIBUTOR' } as CiTrigger, ci)).toBe(false);
    expect(isTrusted({ association: 'CONTRIBUTOR' } as CiTrigger, { ...ci, trustedAssociations: ['CONTRIBUTOR'] })).toBe(true);
    expect(isTrusted({ association: '' } as CiTrigger, ci)).toBe(false);
  });
});

describe('the Actions environment', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ragent-ci-env-'));
  const eventPath = join(dir, 'event.json');
  writeFileSync(eventPath, JSON.stringify({ action: 'labeled', issue: issue() }));

  it('reads the event, repository, token and API address (GitHub Enterprise included)', () => {
    const env = readCiEnvironment({ GITHUB_EVENT_PATH: eventPath, GITHUB_REPOSITORY: 'acme/app', GITHUB_TOKEN: 'tok_123456', GITHUB_API_URL: 'https://ghe.example.com/api/v3/' });
    expect(env).toMatchObject({ eventName: 'issues', owner: 'acme', repo: 'app', token: 'tok_123456', apiUrl: 'https://ghe.example.com/api/v3' });
    expect(readCiEnvironment({ GITHUB_EVENT_PATH: eventPath, GITHUB_REPOSITORY: 'acme/app', GITHUB_TOKEN: 't' }).apiUrl).toBe('https://api.github.com');
  });

  it('names what is missing or malformed', () => {
    expect(() => readCiEnvironment({ GITHUB_REPOSITORY: 'a/b', GITHUB_TOKEN: 't' })).toThrow(/GITHUB_EVENT_PATH is not set/);
    expect(() => readCiEnvironment({ GITHUB_EVENT_PATH: eventPath, GITHUB_REPOSITORY: 'a/b' })).toThrow(UsageError);
    expect(() => readCiEnvironment({ GITHUB_EVENT_PATH: eventPath, GITHUB_REPOSITORY: 'nope', GITHUB_TOKEN: 't' })).toThrow(/owner\/name/);
    writeFileSync(join(dir, 'bad.json'), '{not json');
    expect(() => readCiEnvironment({ GITHUB_EVENT_PATH: join(dir, 'bad.json'), GITHUB_REPOSITORY: 'a/b', GITHUB_TOKEN: 't' })).toThrow(/cannot read the event payload/);
  });
});

describe('examples/github-workflow.yml', () => {
  const text = readFileSync(join(import.meta.dirname, '..', '..', 'examples', 'github-workflow.yml'), 'utf8');
  it('has the triggers, permissions, a model server with a cached model, and runs the bot with the token', () => {
    expect(text).toMatch(/^on:\n  issues:\n    types: \[labeled\]\n  issue_comment:\n    types: \[created\]$/m);
    for (const p of ['contents', 'pull-requests', 'issues']) expect(text).toMatch(new RegExp(`^  ${p}: write`, 'm'));
    expect(text).toContain(`github.event.label.name == '${ci.label}'`);
    expect(text).toContain("startsWith(github.event.comment.body, '/ragent')");
    expect(text).toMatch(/image: ollama\/ollama/);
    expect(text).toMatch(/uses: actions\/cache@v4\n\s+with:\n\s+path: \/home\/runner\/ollama-models/);
    expect(text).toMatch(/run: ragent ci\n\s+env:\n\s+GITHUB_TOKEN: \$\{\{ secrets\.GITHUB_TOKEN \}\}/);
    expect(text).not.toMatch(/\t/);
  });
});
