import { afterEach, describe, expect, it } from 'vitest';
import { ciEditPolicy } from '../../src/ci/policy.js';
import { defaultConfig } from '../../src/config/load.js';
import { makeRepo, type FixtureRepo } from '../helpers/git-repo.js';

const repos: FixtureRepo[] = [];
afterEach(() => {
  for (const r of repos.splice(0)) r.cleanup();
});
const edit = (path: string) => ({ path, diff: '', tool: 'edit_file' });

describe('the CI edit policy', () => {
  it('protects package.json when the test command is its test script, and leaves code alone', async () => {
    const repo = makeRepo({ 'package.json': JSON.stringify({ scripts: { test: 'vitest run' } }), 'src/a.ts': 'x' });
    repos.push(repo);
    const approve = ciEditPolicy(repo.root, defaultConfig());
    expect(await approve(edit('package.json'))).toMatchObject({ approved: false });
    expect(await approve(edit('.agentrc'))).toMatchObject({ approved: false });
    expect(await approve(edit('.github/workflows/ci.yml'))).toMatchObject({ approved: false, reason: expect.stringContaining('.github/') });
    expect(await approve(edit('src/a.ts'))).toBe(true);
    expect(await approve(edit('.githubish/notes.md'))).toBe(true);
  });

  it('protects the Makefile when `make test` is the command, but not package.json of a pytest project', async () => {
    const make = makeRepo({ Makefile: 'test:\n\tpytest\n', 'package.json': '{}' });
    repos.push(make);
    const approve = ciEditPolicy(make.root, defaultConfig());
    expect(await approve(edit('Makefile'))).toMatchObject({ approved: false });
    expect(await approve(edit('package.json'))).toBe(true);
  });
});

describe('push credentials', () => {
  it('sends the token only to the GitHub it belongs to, only when the checkout left none, and never in the URL', async () => {
    const { pushAuthConfig } = await import('../../src/ci/bot.js');
    const token = 'ghs_pushToken123456';
    const header = `AUTHORIZATION: basic ${Buffer.from(`x-access-token:${token}`).toString('base64')}`;
    expect(pushAuthConfig('https://github.com/acme/app.git', token, 'https://api.github.com', false)).toEqual({ 'http.https://github.com/.extraheader': header });
    expect(pushAuthConfig('https://ghe.corp/acme/app.git', token, 'https://ghe.corp/api/v3', false)).toEqual({ 'http.https://ghe.corp/.extraheader': header });
    expect(pushAuthConfig('https://github.com/acme/app.git', token, 'https://api.github.com', true)).toEqual({});
    expect(pushAuthConfig('https://evil.example/acme/app.git', token, 'https://api.github.com', false)).toEqual({});
    expect(pushAuthConfig('/tmp/origin.git', token, 'https://api.github.com', false)).toEqual({});
    expect(pushAuthConfig('git@github.com:acme/app.git', token, 'https://api.github.com', false)).toEqual({});
  });
});
