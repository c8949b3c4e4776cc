import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { indexRepository } from '../../indexers/index-repository.js';
import { loadConfig } from '../../src/config/load.js';
import { checkNode, doctorExitCode, runDoctor, type CheckResult } from '../../src/doctor/checks.js';
import { formatChecks } from '../../src/doctor/report.js';
import { makeRepo, type FixtureRepo } from '../helpers/git-repo.js';
import { closedPort, startScriptedOllama, type ScriptedOllama } from '../helpers/scripted-ollama.js';
import { cli, INITIALS_REPO, MODEL } from '../run/fixture.js';

const home = mkdtempSync(join(tmpdir(), 'ragent-doctor-home-'));
const byName = (results: CheckResult[]) => Object.fromEntries(results.map((r) => [r.name, r]));

let server: ScriptedOllama;
const repos: FixtureRepo[] = [];
function repo(files: Record<string, string> = INITIALS_REPO): FixtureRepo {
  const r = makeRepo(files);
  repos.push(r);
  return r;
}

beforeAll(async () => {
  server = await startScriptedOllama({
    models: [
      { name: MODEL, contextLength: 32_768 },
      { name: 'no-tools:7b', contextLength: 16_384, capabilities: ['completion'] },
      { name: 'small-window:1b', contextLength: 4_096 },
      { name: 'nomic-embed-text', contextLength: 8_192, capabilities: ['embedding'], architecture: 'nomic-bert' },
    ],
  });
});
afterAll(() => server.close());
afterEach(() => {
  for (const r of repos.splice(0)) r.cleanup();
});

describe('ragent doctor', { timeout: 120_000 }, () => {
  it('is all ok against a working server, a fresh index and a test command that runs (exit 0)', async () => {
    const r = repo();
    await indexRepository(r.root, loadConfig({ repo: r.root, home, env: {} }).config);
    const results = await runDoctor({ repo: r.root, env: { OLLAMA_HOST: server.url }, home });
    const c = byName(results);
    expect(results.filter((x) => x.status !== 'ok')).toEqual([]);
    expect(c.ollama!.detail).toMatch(new RegExp(`${server.url.replace(/[.]/g, '\\.')} reachable, version \\S+`));
    expect(c.model!.detail).toBe(`${MODEL}: context 32768 tokens (ragent uses ${c.model!.detail.match(/uses (\d+)/)![1]}), native tool calling`);
    expect(c.index!.detail).toMatch(/^fresh, [\d.]+ (KB|MB)/);
    expect(c.tests!.detail).toMatch(/`node --test` \(from config agent\.testCommand\) runs and exits 1/);
    expect(c.config!.detail).toMatch(/\.agentrc; set: agent\.testCommand \(repo\), .*model\.host \(env\)/);
    expect(c.embedding!.detail).toMatch(/built-in hash embedder/);
    expect(doctorExitCode(results)).toBe(0);
  });

  it('says where the server is not, with the fix, and exits 3 (CLI)', async () => {
    const r = repo();
    const port = await closedPort();
    const res = await cli(['doctor', '--no-run-tests'], { cwd: r.root, env: { OLLAMA_HOST: `127.0.0.1:${port}` } });
    expect(res.code).toBe(3);
    expect(res.stdout).toMatch(new RegExp(`error\\s+ollama\\s+cannot reach http://127\\.0\\.0\\.1:${port} \\(ECONNREFUSED\\)`));
    expect(res.stdout).toMatch(/fix: start it with: ollama serve/);
    expect(res.stdout).toMatch(/warning\s+index\s+not built yet/);
    expect(res.stdout).toMatch(/cannot do a full run/);
  });

  it('--json reports the same checks and the exit code', async () => {
    const r = repo();
    const res = await cli(['doctor', '--json', '--no-run-tests'], { cwd: r.root, env: { OLLAMA_HOST: server.url } });
    const data = JSON.parse(res.stdout);
    expect(res.code).toBe(0);
    expect(data).toMatchObject({ ok: true, exitCode: 0 });
    expect(data.checks.map((c: CheckResult) => c.name)).toEqual(['node', 'git', 'repository', 'config', 'index', 'ollama', 'model', 'embedding', 'tests']);
  });

  it('names a model that is not pulled, and one without tool support or with a small window', async () => {
    const r = repo();
    const missing = await runDoctor({ repo: r.root, env: { OLLAMA_HOST: server.url, RAGENT_MODEL: 'absent:7b' }, home, runTests: false });
    expect(byName(missing).model).toMatchObject({ status: 'error', fix: expect.stringContaining('ollama pull absent:7b') });
    expect(doctorExitCode(missing)).toBe(3);
    const noTools = await runDoctor({ repo: r.root, env: { OLLAMA_HOST: server.url, RAGENT_MODEL: 'no-tools:7b' }, home, runTests: false });
    expect(byName(noTools).model).toMatchObject({ status: 'warning', detail: expect.stringContaining('no native tool calling'), fix: expect.stringContaining('text tool protocol') });
    expect(doctorExitCode(noTools)).toBe(0);
    const small = await runDoctor({ repo: r.root, env: { OLLAMA_HOST: server.url, RAGENT_MODEL: 'small-window:1b' }, home, runTests: false });
    expect(byName(small).model).toMatchObject({ status: 'error', detail: expect.stringContaining('context window of 4096 tokens') });
    expect(doctorExitCode(small)).toBe(3);
  });

  it('checks the embedding model when Ollama embeds', async () => {
    const r = repo({ ...INITIALS_REPO, '.agentrc': JSON.stringify({ embedding: { provider: 'ollama', model: 'mxbai-embed-large' } }) });
    const results = await runDoctor({ repo: r.root, env: { OLLAMA_HOST: server.url }, home, runTests: false });
    expect(byName(results).embedding).toMatchObject({ status: 'error', fix: expect.stringContaining('ollama pull mxbai-embed-large') });
    const ok = repo({ ...INITIALS_REPO, '.agentrc': JSON.stringify({ embedding: { provider: 'ollama', model: 'nomic-embed-text' } }) });
    expect(byName(await runDoctor({ repo: ok.root, env: { OLLAMA_HOST: server.url }, home, runTests: false })).embedding!.status).toBe('ok');
  });

  it('reports a stale index with what changed', async () => {
    const r = repo();
    await indexRepository(r.root, loadConfig({ repo: r.root, home, env: {} }).config);
    r.write('src/names.js', INITIALS_REPO['src/names.js'] + '\nexport const extra = 1;\n');
    r.write('src/new.js', 'export const x = 1;\n');
    const results = await runDoctor({ repo: r.root, env: { OLLAMA_HOST: server.url }, home, runTests: false });
    expect(byName(results).index).toMatchObject({ status: 'warning', detail: expect.stringMatching(/^stale, .*: 1 added, 1 changed, 0 removed file\(s\)$/) });
  });

  it('an invalid configuration is an error naming the key (exit 2)', async () => {
    const r = repo({ ...INITIALS_REPO, '.agentrc': '{ "model": { "temprature": 1 } }' });
    const results = await runDoctor({ repo: r.root, env: { OLLAMA_HOST: server.url }, home, runTests: false });
    expect(byName(results).config).toMatchObject({ status: 'error', detail: expect.stringContaining('unknown configuration key "model.temprature"') });
    expect(doctorExitCode(results)).toBe(2);
  });

  it('no test command, or one that cannot start, is an error with the fix (exit 1)', async () => {
    const bare = repo({ 'README.md': '# nothing to test\n' });
    const none = await runDoctor({ repo: bare.root, env: { OLLAMA_HOST: server.url }, home });
    expect(byName(none).tests).toMatchObject({ status: 'error', fix: expect.stringContaining('agent.testCommand') });
    expect(doctorExitCode(none)).toBe(1);
    const broken = repo({ 'README.md': '# x\n', '.agentrc': JSON.stringify({ agent: { testCommand: 'no-such-test-runner-xyz --all' } }) });
    const bad = await runDoctor({ repo: broken.root, env: { OLLAMA_HOST: server.url }, home });
    expect(byName(bad).tests).toMatchObject({ status: 'error', detail: expect.stringContaining('cannot start') });
  });

  it('a directory that is not a git repository cannot host a run', async () => {
    const r = makeRepo({ 'a.js': 'x' }, { git: false });
    repos.push(r);
    const results = await runDoctor({ repo: r.root, env: { OLLAMA_HOST: server.url }, home, runTests: false });
    expect(byName(results).repository).toMatchObject({ status: 'error', fix: expect.stringContaining('git init') });
  });

  it('checks the Node version and formats lines with their fixes', () => {
    expect(checkNode('18.19.0')).toMatchObject({ status: 'error', fix: 'install Node 20 or newer' });
    expect(checkNode('20.11.1').status).toBe('ok');
    const text = formatChecks([
      { name: 'node', area: 'system', status: 'ok', detail: 'v20' },
      { name: 'ollama', area: 'model', status: 'error', detail: 'down', fix: 'start it' },
    ]);
    expect(text).toBe('ok       node    v20\nerror    ollama  down\n                 fix: start it\n\n1 error(s), 0 warning(s): ragent cannot do a full run until the errors are fixed.\n');
  });
});
