import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { agentPipelineDeps } from '../../src/run/agent.js';
import { runOneShot, type RunEvent } from '../../src/run/pipeline.js';
import { git, makeRepo, type FixtureRepo } from '../helpers/git-repo.js';
import { closedPort, startScriptedOllama, type ScriptedOllama, type Turn } from '../helpers/scripted-ollama.js';
import { BROKEN_LINE, cli, cliInProcess, EXPECTED_DIFF, FIXED_LINE, INITIALS_REPO, INITIALS_TASK, MODEL, snapshot } from './fixture.js';

const call = (name: string, args: unknown, text = ''): Turn => ({ text, toolCalls: [{ name, arguments: args }] });
const FIX_SCRIPT = (): Turn[] => [
  call('search_code', { query: 'initials' }, 'Looking for initials.'),
  call('edit_file', { path: 'src/names.js', search: BROKEN_LINE, replace: FIXED_LINE }),
  call('run_tests', {}),
  call('finish', { summary: 'initials upper-cases the first letter of each part. It used to keep the letters as typed.' }),
];

/** The patch without git's `index <blob>..<blob>` line, to compare with the expected text. */
const withoutIndexLine = (patch: string) => patch.replace(/^index [0-9a-f]+\.\.[0-9a-f]+( \d+)?\n/m, '');

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(script: Turn[]): Promise<{ repo: FixtureRepo; server: ScriptedOllama }> {
  const repo = makeRepo(INITIALS_REPO);
  const server = await startScriptedOllama({ models: [{ name: MODEL, contextLength: 32_768 }], script });
  cleanups.push(() => repo.cleanup(), () => server.close());
  return { repo, server };
}

function configFor(repo: FixtureRepo, host: string, flags?: Record<string, unknown>) {
  return loadConfig({ repo: repo.root, env: { OLLAMA_HOST: host }, home: repo.root + '/.no-home', flags }).config;
}

describe('ragent run end to end (CLI, scripted model, real git)', { timeout: 120_000 }, () => {
  let repo: FixtureRepo;
  let server: ScriptedOllama;
  let before: Record<string, string>;
  let result: Awaited<ReturnType<typeof cli>>;
  let lines: any[];

  beforeAll(async () => {
    repo = makeRepo(INITIALS_REPO);
    server = await startScriptedOllama({ models: [{ name: MODEL, contextLength: 32_768 }], script: FIX_SCRIPT() });
    // The user's own work in progress: an unstaged edit, a staged new file, an untracked file.
    repo.write('README.md', '# names\n\nWork in progress, not committed.\n');
    repo.write('src/extra.js', 'export const extra = 1;\n');
    git(repo.root, 'add', 'src/extra.js');
    repo.write('notes.txt', 'scratch\n');
    before = snapshot(repo.root);
    result = await cli(['run', '--issue', INITIALS_TASK, '--json', '--out', 'fix.patch', '--branch', 'ragent/initials'], {
      cwd: join(repo.root, 'src'),
      env: { OLLAMA_HOST: server.url },
    });
    lines = result.stdout.trim().split('\n').map((l) => JSON.parse(l));
  }, 180_000);
  afterAll(async () => {
    await server.close();
    repo.cleanup();
  });

  it('exits 0 and prints one JSON event a line, ending with the result object', () => {
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const last = lines.at(-1);
    expect(last).toMatchObject({ type: 'run_result', outcome: 'fixed', exitCode: 0, branch: 'ragent/initials', filesChanged: ['src/names.js'] });
    const types = lines.map((l) => l.type);
    for (const t of ['phase', 'start', 'retrieval', 'model_request', 'tool_call', 'tool_result', 'edit_applied', 'test_started', 'test_finished', 'result']) {
      expect(types).toContain(t);
    }
    // After the agent's result come only the pipeline's own phases, then the run's result object.
    expect(types.slice(types.indexOf('result') + 1, -1).every((t) => t === 'phase')).toBe(true);
    expect(types.filter((t) => t === 'run_result')).toHaveLength(1);
    expect(last.testsBefore).toMatchObject({ passed: 1, failed: 1 });
    expect(last.testsAfter).toMatchObject({ passed: 2, failed: 0 });
    expect(server.remaining()).toBe(0);
  });

  it('leaves the working tree, the index and HEAD byte-identical, uncommitted changes included', () => {
    // The only difference is the patch file asked for with --out (relative to the current directory, src/).
    const after = snapshot(repo.root);
    expect(after['src/fix.patch']).toBeDefined();
    delete after['src/fix.patch'];
    after['<git status>'] = after['<git status>']!.replace('?? src/fix.patch\n', '');
    expect(after).toEqual(before);
  });

  it('commits exactly the fix on its own branch, with a message that summarises it and names the issue', () => {
    expect(git(repo.root, 'rev-list', '--count', 'main..ragent/initials').trim()).toBe('1');
    expect(withoutIndexLine(git(repo.root, 'diff', 'main', 'ragent/initials'))).toBe(EXPECTED_DIFF);
    const message = git(repo.root, 'log', '-1', '--format=%B', 'ragent/initials');
    expect(message.split('\n')[0]).toBe('initials upper-cases the first letter of each part');
    expect(message).toContain(`Issue: ${INITIALS_TASK.slice(0, 40)}`);
    expect(message).toContain('Tests: before 1 passed, 1 failed; after 2 passed, 0 failed');
    expect(git(repo.root, 'worktree', 'list').trim().split('\n')).toHaveLength(1);
    // The repository had no index: the one built for the run was kept for the next one.
    expect(existsSync(join(repo.root, '.ragent', 'index'))).toBe(true);
  });

  it('writes the same patch to --out', () => {
    const patch = readFileSync(join(repo.root, 'src', 'fix.patch'), 'utf8');
    expect(withoutIndexLine(patch)).toBe(EXPECTED_DIFF);
    expect(lines.at(-1).patch).toBe(patch);
  });

  it('records a transcript with prompts, model output, tool calls and test output, listed by `ragent runs`', async () => {
    const id = lines.at(-1).id as string;
    const file = join(repo.root, '.ragent', 'runs', `${id}.jsonl`);
    const entries = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(entries[0]).toMatchObject({ kind: 'start', id, mode: 'run', branch: 'ragent/initials', model: MODEL });
    expect(entries.at(-1)).toMatchObject({ kind: 'end', outcome: 'fixed', exitCode: 0 });
    const events = entries.filter((e) => e.kind === 'event').map((e) => e.event);
    const prompt = events.find((e) => e.type === 'model_request');
    expect(prompt.messages.map((m: { content: string }) => m.content).join('\n')).toContain(INITIALS_TASK);
    expect(events.some((e) => e.type === 'model_response' && e.text.includes('Looking for initials'))).toBe(true);
    expect(events.some((e) => e.type === 'tool_call' && e.name === 'edit_file')).toBe(true);
    expect(events.some((e) => e.type === 'test_finished' && /initials are upper case/.test(e.output))).toBe(true);

    const runs = await cli(['runs', '--json'], { cwd: repo.root });
    expect(runs.code).toBe(0);
    const list = JSON.parse(runs.stdout);
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ id, outcome: 'fixed', exitCode: 0, title: INITIALS_TASK.slice(0, 99) + (INITIALS_TASK.length > 100 ? '…' : '') });
    expect(list[0].tokens.prompt).toBeGreaterThan(0);
    const table = await cliInProcess(['--repo', repo.root, 'runs']);
    expect(table.stdout).toMatch(new RegExp(`${id}\\s+\\S+ \\S+\\s+fixed`));
    const shown = await cliInProcess(['--repo', repo.root, 'runs', id.slice(0, 18)]);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(new RegExp(`^${id} \\(run\\) on ragent/initials with ${MODEL}\\ntask: `));
    expect(shown.stdout).toMatch(/ {2}edit_file src\/names\.js\n/);
    expect(shown.stdout).toMatch(/tests \(full\): 2 passed, 0 failed/);
    expect(shown.stdout).toMatch(/fixed \(exit 0\) after \d+s; \d+ tokens\n/);
    const unknown = await cliInProcess(['--repo', repo.root, 'runs', 'nope']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/no single run matches "nope"/);
  });
});

describe('ragent run outcomes and exit codes', { timeout: 120_000 }, () => {
  it('exit 1 when the tests still fail: the best attempt stays on its branch, marked as such', async () => {
    const wrong = '    .map((part) => part[0].toLowerCase())';
    const { repo, server } = await setup([call('edit_file', { path: 'src/names.js', search: BROKEN_LINE, replace: wrong }), call('run_tests', {})]);
    const before = snapshot(repo.root);
    const report = await runOneShot(
      { repo: repo.root, config: configFor(repo, server.url, { agent: { maxIterations: 1 } }), task: { text: INITIALS_TASK, title: 'initials upper case', source: 'text' } },
      agentPipelineDeps(),
    );
    expect(report).toMatchObject({ outcome: 'unverified', exitCode: 1, branch: 'ragent/initials-upper-case', filesChanged: ['src/names.js'] });
    expect(report.testsAfter).toMatchObject({ failed: 1 });
    expect(report.lastTestOutput).toMatch(/initials are upper case/);
    expect(git(repo.root, 'log', '-1', '--format=%s', report.branch)).toMatch(/^WIP \(tests not passing\): /);
    expect(git(repo.root, 'show', report.branch, '--format=')).toContain(`+${wrong}`);
    expect(snapshot(repo.root)).toEqual(before);
  });

  it('exit 1 with no branch left behind when the model changes nothing', async () => {
    const { repo, server } = await setup([{ text: 'I am not sure.' }, { text: 'Still not sure.' }, { text: 'I give up.' }]);
    const events: RunEvent[] = [];
    const report = await runOneShot(
      { repo: repo.root, config: configFor(repo, server.url), task: { text: INITIALS_TASK, title: 'initials', source: 'text' }, onEvent: (e) => events.push(e) },
      agentPipelineDeps(),
    );
    expect(report).toMatchObject({ outcome: 'no-change', exitCode: 1, commit: null, patch: '' });
    expect(git(repo.root, 'branch', '--list', 'ragent/*').trim()).toBe('');
    expect(events.some((e) => e.type === 'phase' && e.detail === 'no change to commit')).toBe(true);
  });

  it('a cancelled run keeps what it changed on its branch and exits 1', async () => {
    const { repo, server } = await setup([...FIX_SCRIPT()]);
    const abort = new AbortController();
    const report = await runOneShot(
      {
        repo: repo.root,
        config: configFor(repo, server.url),
        task: { text: INITIALS_TASK, title: 'initials', source: 'text' },
        signal: abort.signal,
        onEvent: (e) => {
          if (e.type === 'edit_applied') abort.abort();
        },
      },
      agentPipelineDeps(),
    );
    expect(report).toMatchObject({ outcome: 'cancelled', exitCode: 1, filesChanged: ['src/names.js'] });
    expect(git(repo.root, 'show', report.branch, '--format=%s')).toMatch(/^WIP \(tests not passing\): [\s\S]*\+    \.map\(\(part\) => part\[0\]\.toUpperCase\(\)\)/);
  });

  it('exit 3 when the model server is down, before any branch is made', async () => {
    const repo = makeRepo(INITIALS_REPO);
    cleanups.push(() => repo.cleanup());
    const port = await closedPort();
    const res = await cli(['run', '--issue', INITIALS_TASK], { cwd: repo.root, env: { OLLAMA_HOST: `http://127.0.0.1:${port}` } });
    expect(res.code).toBe(3);
    expect(res.stdout).toMatch(/model is unavailable/);
    expect(res.stdout).toMatch(/cannot reach the model server at http:\/\/127\.0\.0\.1:\d+/);
    expect(res.stdout).toMatch(/hint: .*ollama serve/);
    expect(git(repo.root, 'branch', '--list', 'ragent/*').trim()).toBe('');
  });

  it('exit 3 when the model is not pulled', async () => {
    const { repo, server } = await setup([]);
    const report = await runOneShot(
      { repo: repo.root, config: configFor(repo, server.url, { model: { name: 'missing-model:1b' } }), task: { text: INITIALS_TASK, title: 'x', source: 'text' } },
      agentPipelineDeps(),
    );
    expect(report).toMatchObject({ outcome: 'model-unavailable', exitCode: 3 });
    expect(report.error?.hint).toMatch(/ollama pull missing-model:1b/);
  });

  it('exit 2 for usage errors, with a hint', async () => {
    const repo = makeRepo(INITIALS_REPO);
    cleanups.push(() => repo.cleanup());
    const none = await cli(['run'], { cwd: repo.root });
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/give the task exactly once[\s\S]*hint: use one of --issue/);
    const r = ['--repo', repo.root, 'run'];
    const both = await cliInProcess([...r, '--issue', 'x', '--issue-file', 'y.md']);
    expect(both.code).toBe(2);
    const missing = await cliInProcess([...r, '--issue-file', join(repo.root, 'nope.md')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/cannot read the issue file .*nope\.md: ENOENT/);
    const badIterations = await cliInProcess([...r, '--issue', 'x', '--max-iterations', 'zero']);
    expect(badIterations.code).toBe(2);
    expect(badIterations.stderr).toMatch(/--max-iterations.*must be a positive whole number/);
    repo.write('.agentrc', '{ "agent": { "maxIterationz": 3 } }');
    const badConfig = await cliInProcess([...r, '--issue', 'x']);
    expect(badConfig.code).toBe(2);
    expect(badConfig.stderr).toMatch(/unknown configuration key "agent.maxIterationz"/);
    repo.write('.agentrc', INITIALS_REPO['.agentrc']!);
    repo.write('README.md', 'dirty\n');
    const dirtyApply = await cliInProcess([...r, '--issue', 'x', '--apply']);
    expect(dirtyApply.code).toBe(2);
    expect(dirtyApply.stderr).toMatch(/--apply needs a clean working tree/);
    const badOut = await cliInProcess([...r, '--issue', 'x', '--out', join(repo.root, 'no-such-dir', 'fix.patch')]);
    expect(badOut.code).toBe(2);
    expect(badOut.stderr).toMatch(/cannot write the patch to .*no-such-dir\/fix\.patch: .* is not a directory/);
    git(repo.root, 'branch', 'taken');
    repo.write('README.md', INITIALS_REPO['README.md']!);
    const taken = await cliInProcess([...r, '--issue', 'x', '--branch', 'taken', '--test-cmd', 'node --test']);
    expect(taken.code).toBe(2);
    expect(taken.stderr).toMatch(/branch taken already exists[\s\S]*hint: pass --branch with another name/);
  });

  it('--apply puts the verified change in a clean working tree', async () => {
    const { repo, server } = await setup(FIX_SCRIPT());
    const report = await runOneShot(
      { repo: repo.root, config: configFor(repo, server.url), task: { text: INITIALS_TASK, title: 'initials', source: 'text' }, apply: true },
      agentPipelineDeps(),
    );
    expect(report).toMatchObject({ outcome: 'fixed', exitCode: 0, applied: true });
    expect(readFileSync(join(repo.root, 'src/names.js'), 'utf8')).toContain(FIXED_LINE);
    expect(withoutIndexLine(git(repo.root, 'diff'))).toBe(EXPECTED_DIFF);
  });

  it('reuses the main index: the worktree copy is updated, not rebuilt', async () => {
    const { repo, server } = await setup(FIX_SCRIPT());
    const config = configFor(repo, server.url);
    const { indexRepository } = await import('../../indexers/index-repository.js');
    await indexRepository(repo.root, config);
    const events: RunEvent[] = [];
    const report = await runOneShot({ repo: repo.root, config, task: { text: INITIALS_TASK, title: 'initials', source: 'text' }, onEvent: (e) => events.push(e) }, agentPipelineDeps());
    expect(report.outcome).toBe('fixed');
    const indexLines = events.filter((e): e is Extract<RunEvent, { type: 'phase' }> => e.type === 'phase' && e.phase === 'index').map((e) => e.detail);
    expect(indexLines[0]).toBe('updating the copied index');
    // Nothing changed between HEAD and the working tree: the copied index needed no re-indexing.
    expect(indexLines[1]).toMatch(/; 0 re-indexed, 0 removed/);
  });
});
