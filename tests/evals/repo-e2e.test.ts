import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startScriptedOllama, type ScriptedOllama } from '../helpers/scripted-ollama.js';
import { cli, type CliResult } from '../run/fixture.js';
import { INITIALS_FIXED, makeFixtureDataset, MODEL, rightEditTurns, SURNAME_WRONG, wrongEditTurns, type FixtureDataset } from './repo-fixture.js';

const chatRequests = (server: ScriptedOllama): number => server.requests.filter((r) => r.path === '/api/chat').length;
const readRows = (file: string): any[] => readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l));

describe('ragent eval repo on a dataset made from a fixture repository (CLI, scripted model)', { timeout: 300_000 }, () => {
  let fx: FixtureDataset;
  let server: ScriptedOllama;
  let cwd: string;
  let out: string;
  let first: CliResult;
  let second: CliResult;
  let third: CliResult;
  let chatsAfterFirst: number;
  let chatsAfterSecond: number;

  const evalRepo = (...extra: string[]): Promise<CliResult> =>
    cli(['eval', 'repo', '--dataset', fx.dataset, '--repos', fx.reposDir, '--out', out, '--timeout', '240', ...extra], {
      cwd,
      env: { OLLAMA_HOST: server.url },
    });

  beforeAll(async () => {
    fx = makeFixtureDataset();
    // Both tasks' turns, in order: the tasks run one after the other.
    server = await startScriptedOllama({ models: [{ name: MODEL, contextLength: 32_768 }], script: [...rightEditTurns(), ...wrongEditTurns()] });
    cwd = realpathSync(mkdtempSync(join(tmpdir(), 'ragent-eval-repo-cwd-')));
    out = join(cwd, 'eval-out');
    // The first run stops after one task (--limit 1); the second resumes and runs only the other one; the third has nothing left.
    first = await evalRepo('--limit', '1');
    chatsAfterFirst = chatRequests(server);
    second = await evalRepo('--json');
    chatsAfterSecond = chatRequests(server);
    third = await evalRepo();
  }, 600_000);

  afterAll(async () => {
    await server?.close();
    fx?.cleanup();
    if (cwd) rmSync(cwd, { recursive: true, force: true });
  });

  it('the first run resolves the task the scripted model fixes, and says so', () => {
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/^resolved {6}acme__names-1 +1 it +[\d.]+k? tok$/m);
    expect(first.stdout).toMatch(/^acme\/names\s+1\s+1\s+100\.0%\s+100\.0%\s+0\s/m);
    expect(first.stdout).not.toContain('acme__names-2');
  });

  it('the resumed run runs only the unfinished task, and reports one resolved, one not, with the reason', () => {
    expect(second.code).toBe(0);
    // The first task's four turns were not asked for again; the second task's three were.
    expect(chatsAfterFirst).toBe(rightEditTurns().length);
    expect(chatsAfterSecond - chatsAfterFirst).toBe(wrongEditTurns().length);
    expect(server.remaining()).toBe(0);
    const summary = JSON.parse(second.stdout);
    const overall = summary.groups[0];
    expect(overall).toMatchObject({ group: 'overall', tasks: 2, resolved: 1, resolvedRate: 0.5, applied: 2, appliedRate: 1, failures: 0 });
    expect(summary.groups[1]).toMatchObject({ group: 'acme/names', tasks: 2, resolved: 1 });
    expect(summary.retry).toBe(0);
    expect(summary.model).toBe(MODEL);
    const byId = Object.fromEntries(summary.tasks.map((t: any) => [t.instance_id, t]));
    expect(byId['acme__names-1']).toMatchObject({ resolved: true, patchApplied: true, reason: null });
    expect(byId['acme__names-2']).toMatchObject({ resolved: false, patchApplied: true });
    expect(byId['acme__names-2'].reason).toBe('FAIL_TO_PASS not passing: test/names.test.js > surname is the last part (failed)');
    // Iterations and tokens per task come from the runs (one test round each; the scripted server counts tokens).
    expect(overall.meanIterations).toBeGreaterThan(0);
    expect(overall.meanTokens.prompt).toBeGreaterThan(0);
    expect(overall.meanTokens.output).toBeGreaterThan(0);
  });

  it('keeps one results row per task, with the per-test verdicts', () => {
    const rows = readRows(join(out, 'results.jsonl'));
    expect(rows.map((r) => r.instance_id)).toEqual(['acme__names-1', 'acme__names-2']);
    expect(rows[0]).toMatchObject({
      resolved: true,
      failure: null,
      outcome: 'fixed',
      failToPass: { 'initials are upper case': 'passed' },
      passToPass: { 'capitalises every part': 'passed' },
      judgedBy: 'node-reporter',
      base_commit: fx.commits[0],
    });
    expect(rows[1]).toMatchObject({
      resolved: false,
      failure: null,
      failToPass: { 'test/names.test.js > surname is the last part': 'failed' },
      passToPass: { 'capitalises every part': 'passed', 'initials are upper case': 'passed' },
      base_commit: fx.commits[1],
    });
    for (const r of rows) {
      expect(r.iterations).toBeGreaterThanOrEqual(1);
      expect(r.tokens.prompt).toBeGreaterThan(0);
    }
  });

  it('keeps every patch, transcript and test log under --out', () => {
    const patch1 = readFileSync(join(out, 'tasks', 'acme__names-1', 'agent.patch'), 'utf8');
    expect(patch1).toContain(`+${INITIALS_FIXED}`);
    expect(patch1).not.toContain('test/names.test.js');
    const patch2 = readFileSync(join(out, 'tasks', 'acme__names-2', 'agent.patch'), 'utf8');
    expect(patch2).toContain(`+${SURNAME_WRONG}`);
    for (const id of ['acme__names-1', 'acme__names-2']) {
      const lines = readRows(join(out, 'tasks', id, 'transcript.jsonl'));
      expect(lines[0]).toMatchObject({ kind: 'start', model: MODEL });
      expect(lines.at(-1)).toMatchObject({ kind: 'end' });
      expect(lines.some((l) => l.kind === 'event' && l.event.type === 'tool_call' && l.event.name === 'edit_file')).toBe(true);
      expect(existsSync(join(out, 'tasks', id, 'tests.log'))).toBe(true);
    }
    expect(readFileSync(join(out, 'tasks', 'acme__names-2', 'tests.log'), 'utf8')).toMatch(/surname is the last part/);
    const rows = readRows(join(out, 'results.jsonl'));
    expect(rows[0].files).toEqual({ patch: 'tasks/acme__names-1/agent.patch', transcript: 'tasks/acme__names-1/transcript.jsonl', testOutput: 'tasks/acme__names-1/tests.log' });
  });

  it('builds the index once per repository: the second task starts from the first task\'s', () => {
    const notes = (id: string): string[] => readRows(join(out, 'tasks', id, 'transcript.jsonl')).filter((l) => l.kind === 'note').map((l) => l.text);
    expect(notes('acme__names-1')).toContain('index: no index yet: building one');
    expect(notes('acme__names-2')).toContain('index: updating the copied index');
    expect(existsSync(join(out, 'index-cache', 'acme__names', '.complete'))).toBe(true);
  });

  it('a run with nothing left runs no task and prints the same summary', () => {
    expect(third.code).toBe(0);
    expect(chatRequests(server)).toBe(chatsAfterSecond);
    expect(readRows(join(out, 'results.jsonl'))).toHaveLength(2);
    expect(third.stdout).toMatch(/^resolved {6}acme__names-1 +1 it +[\d.]+k? tok$/m);
    expect(third.stdout).toMatch(/^not resolved  acme__names-2 +1 it +[\d.]+k? tok  FAIL_TO_PASS not passing: test\/names\.test\.js > surname is the last part \(failed\)$/m);
    expect(third.stdout).toMatch(/^overall\s+2\s+1\s+50\.0%\s+100\.0%\s+0\s/m);
    expect(third.stdout).not.toContain('retry');
  });
});
