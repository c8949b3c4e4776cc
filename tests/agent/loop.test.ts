import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DURATION_REPO, call, finish, lastMessage, ofType, runE2E, type Run } from './e2e-harness.js';

const BUG = '    total = Number(amount) * UNITS[unit];';
const WRONG = '    total += Number(amount) * UNITS[unit] * 2;';
const RIGHT = '    total += Number(amount) * UNITS[unit];';

describe('the planner loop', () => {
  let run: Run | undefined;
  afterEach(async () => {
    await finish(run);
    run = undefined;
  });

  it('refuses finish while the tests fail, and accepts it once they pass', async () => {
    run = await runE2E({
      index: 'none',
      script: [
        call('edit_file', { path: 'src/duration.js', search: BUG, replace: WRONG }),
        call('finish', { summary: 'first try' }),
        (req) => {
          expect(lastMessage(req).content).toContain('Not finished:');
          expect(lastMessage(req).content).toContain('parses a single unit');
          return call('edit_file', { path: 'src/duration.js', search: WRONG, replace: RIGHT });
        },
        call('finish', { summary: 'second try' }),
      ],
    });
    const results = ofType(run.events, 'tool_result').filter((r) => r.name === 'finish');
    expect(results.map((r) => [r.ok, r.summary])).toEqual([
      [false, 'finish refused: related tests fail'],
      [true, 'finished'],
    ]);
    expect(run.result).toMatchObject({ outcome: 'verified', summary: 'second try', iterations: 2 });
  });

  it('stops when the iteration budget is spent and reports the failure honestly', async () => {
    run = await runE2E({
      index: 'none',
      config: { agent: { maxIterations: 1 } },
      script: [call('edit_file', { path: 'src/duration.js', search: BUG, replace: WRONG }), call('run_tests', {})],
    });
    expect(run.server.remaining()).toBe(0);
    expect(run.result.outcome).toBe('failed');
    expect(run.result.iterations).toBe(1);
    expect(run.result.summary).toBe('Stopped: the iteration budget (agent.maxIterations = 1) is spent.');
    // The related run failed, so the loop ran the full suite itself before judging.
    expect(ofType(run.events, 'test_started').map((t) => t.scope)).toEqual(['baseline', 'related', 'full']);
    expect(run.result.testsAfter).toMatchObject({ scope: 'full', passed: 1, failed: 2 });
    expect(run.result.criteria).toMatchObject({
      noRegressions: false,
      taskTestsPass: false,
      regressions: ['test/duration.test.js > parses a single unit'],
      stillFailing: ['test/duration.test.js > parses combined units'],
    });
    expect(run.result.patch).toContain(`+${WRONG}`);
  });

  it('takes an edit whose lines were copied with their line numbers', async () => {
    run = await runE2E({
      index: 'none',
      script: [
        call('edit_file', { path: 'src/duration.js', search: `7|   for (const [, amount, unit] of text.matchAll(/(\\d+)([hms])/g)) {\n8| ${BUG}`, replace: `7|   for (const [, amount, unit] of text.matchAll(/(\\d+)([hms])/g)) {\n8| ${RIGHT}` }),
        call('finish', { summary: 'fixed' }),
      ],
    });
    expect(ofType(run.events, 'edit_applied')).toHaveLength(1);
    expect(run.result.outcome).toBe('verified');
    expect(run.result.patch).toContain(`-${BUG}\n+${RIGHT}\n`);
  });

  it('runs the same loop against an OpenAI-compatible server', async () => {
    run = await runE2E({
      provider: 'openai',
      index: 'none',
      script: [call('edit_file', { path: 'src/duration.js', search: BUG, replace: RIGHT }), call('run_tests', {}), call('finish', { summary: 'fixed' })],
    });
    expect(run.events[0]).toMatchObject({ type: 'start', protocol: 'native', numCtx: 32_768 });
    expect(run.server.requests.filter((r) => r.path === '/v1/chat/completions')).toHaveLength(3);
    expect(run.result).toMatchObject({ outcome: 'verified', iterations: 1, summary: 'fixed' });
    expect(run.result.tokens.prompt).toBeGreaterThan(0);
  });

  it('does not run a suite twice when the runner cannot limit a run to the related tests', async () => {
    run = await runE2E({
      index: 'none',
      config: { agent: { testCommand: 'node test/duration.test.js' } },
      script: [call('edit_file', { path: 'src/duration.js', search: BUG, replace: RIGHT }), call('run_tests', {}), call('finish', { summary: 'fixed' })],
    });
    expect(ofType(run.events, 'test_started').map((t) => [t.scope, t.files])).toEqual([
      ['baseline', []],
      ['related', ['test/duration.test.js']],
    ]);
    expect(ofType(run.events, 'test_finished').map((t) => t.scope)).toEqual(['baseline', 'full']);
    expect(run.result.testsAfter).toMatchObject({ scope: 'full', exitCode: 0, passed: 3, failed: 0 });
    expect(run.result.criteria).toMatchObject({ noRegressions: true, taskTestsPass: true });
    expect(run.result.outcome).toBe('verified');
  });

  it('runs several calls of one turn in order, each answered, and ignores calls after an accepted finish', async () => {
    run = await runE2E({
      index: 'none',
      files: { 'README.md': '# notes\n', 'a.txt': 'alpha\n' },
      script: [
        {
          toolCalls: [
            { name: 'read_file', arguments: { path: 'README.md' } },
            { name: 'run_tests', arguments: {} },
            { name: 'finish', arguments: { summary: 'nothing to change' } },
            { name: 'create_file', arguments: { path: 'late.txt', content: 'x' } },
          ],
        },
      ],
    });
    const results = ofType(run.events, 'tool_result');
    expect(results.map((r) => [r.name, r.ok])).toEqual([
      ['read_file', true],
      ['run_tests', false],
      ['finish', true],
    ]);
    expect(results[1]!.output).toBe('there is no test command: none is configured (agent.testCommand) and none was detected.');
    expect(run.events[0]).toMatchObject({ type: 'start', testCommand: null });
    expect(run.result).toMatchObject({ outcome: 'no_change', testCommand: null, testsBefore: null, summary: 'nothing to change' });
    expect(run.result.criteria.statement).toBe('No test command was found, so nothing could be verified.');
  });

  it('without a test command a change is reported as unverified', async () => {
    run = await runE2E({
      index: 'none',
      files: { 'notes.md': '# notes\n\ntodo\n' },
      script: [call('edit_file', { path: 'notes.md', search: 'todo', replace: 'done' }), call('finish', { summary: 'marked done' })],
    });
    expect(run.result).toMatchObject({ outcome: 'unverified', filesChanged: ['notes.md'], testsAfter: null, iterations: 0 });
    expect(run.result.criteria).toMatchObject({ noRegressions: null, taskTestsPass: null });
  });

  it('verifies for the model after many edits without a test run, as a round of its own', async () => {
    const toggles = Array.from({ length: 11 }, (_, i) =>
      call('edit_file', i % 2 === 0 ? { path: 'src/duration.js', search: BUG, replace: RIGHT } : { path: 'src/duration.js', search: RIGHT, replace: BUG }),
    );
    run = await runE2E({ index: 'none', config: { agent: { maxIterations: 1 } }, script: [...toggles, call('read_file', { path: 'README.md' })] });
    expect(ofType(run.events, 'edit_applied')).toHaveLength(11);
    expect(ofType(run.events, 'iteration')).toEqual([{ type: 'iteration', n: 1, summary: '11 edit(s) applied; tests: 3 passed, 0 failed' }]);
    expect(run.result).toMatchObject({ outcome: 'verified', iterations: 1, summary: 'Stopped: the iteration budget (agent.maxIterations = 1) is spent.' });
  });

  it('stops when the token budget is spent', async () => {
    run = await runE2E({ index: 'none', config: { agent: { maxTokens: 50 } }, script: [call('read_file', { path: 'README.md' })] });
    expect(run.result).toMatchObject({ outcome: 'no_change', summary: 'Stopped: the token budget (agent.maxTokens = 50) is spent.' });
    expect(run.result.tokens.prompt + run.result.tokens.output).toBeGreaterThanOrEqual(50);
    expect(ofType(run.events, 'usage')).toHaveLength(1);
  });

  it('an answer without a tool call is nudged, and after edits it means "done"', async () => {
    run = await runE2E({
      index: 'none',
      script: [
        { text: 'I will look at the parser.' },
        (req) => {
          expect(lastMessage(req).content).toContain('You did not call a tool.');
          return call('edit_file', { path: 'src/duration.js', search: BUG, replace: RIGHT });
        },
        { text: 'Fixed: every unit is added now.' },
      ],
    });
    expect(ofType(run.events, 'tool_call').map((c) => c.name)).toEqual(['edit_file', 'finish']);
    expect(run.result).toMatchObject({ outcome: 'verified', summary: 'Fixed: every unit is added now.' });
  });

  it('asks before each edit; a declined edit is not written and the model hears why', async () => {
    const asked: string[] = [];
    let root = '';
    run = await runE2E({
      onRepo: (repo) => (root = repo.root),
      index: 'none',
      approve: async (p) => {
        asked.push(p.diff);
        return asked.length === 1 ? { approved: false, reason: 'do not multiply by two' } : true;
      },
      script: [
        call('edit_file', { path: 'src/duration.js', search: BUG, replace: WRONG }),
        (req) => {
          expect(lastMessage(req).content).toContain('the user declined this edit: do not multiply by two');
          expect(readFileSync(join(root, 'src/duration.js'), 'utf8')).toBe(DURATION_REPO['src/duration.js']);
          return call('edit_file', { path: 'src/duration.js', search: BUG, replace: RIGHT });
        },
        call('finish', { summary: 'done' }),
      ],
    });
    expect(asked).toHaveLength(2);
    expect(asked[0]).toContain(`+${WRONG}`);
    expect(ofType(run.events, 'edit_rejected')).toMatchObject([{ path: 'src/duration.js', reason: 'the user declined this edit: do not multiply by two' }]);
    expect(run.result.outcome).toBe('verified');
  });

  it('a cancel while the user is asked about an edit ends the run at once, nothing written', async () => {
    const controller = new AbortController();
    run = await runE2E({
      index: 'none',
      signal: controller.signal,
      approve: () => {
        setTimeout(() => controller.abort(), 50);
        return new Promise(() => {}); // the user never answers
      },
      script: [call('edit_file', { path: 'src/duration.js', search: BUG, replace: RIGHT })],
    });
    expect(run.events.at(-1)).toMatchObject({ type: 'result', result: { outcome: 'cancelled', patch: '', filesChanged: [] } });
    expect(ofType(run.events, 'edit_applied')).toEqual([]);
    expect(readFileSync(join(run.repo.root, 'src/duration.js'), 'utf8')).toBe(DURATION_REPO['src/duration.js']);
  });

  it('keeps a small window: old tool output is dropped, and the model is told', async () => {
    const long = Array.from({ length: 240 }, (_, i) => `export const value${i} = ${i} * 1000 + ${i}; // entry number ${i}`).join('\n') + '\n';
    run = await runE2E({
      index: 'none',
      files: { ...DURATION_REPO, 'src/a.js': long, 'src/b.js': long, 'src/c.js': long },
      models: [{ name: 'qwen2.5-coder:7b', contextLength: 8_192 }],
      script: [
        call('read_file', { path: 'src/a.js' }),
        call('read_file', { path: 'src/b.js' }),
        call('read_file', { path: 'src/c.js' }),
        (req) => {
          const contents = req.body.messages.map((m: any) => m.content);
          expect(contents.filter((c: string) => c.includes('output dropped to save room')).length).toBeGreaterThan(0);
          return call('finish', { summary: 'nothing to do' });
        },
      ],
    });
    const condensed = ofType(run.events, 'context_condensed');
    expect(condensed.length).toBeGreaterThan(0);
    expect(condensed[0]!.tokensFreed).toBeGreaterThan(0);
    for (const r of ofType(run.events, 'model_request')) expect(r.promptTokens).toBeLessThanOrEqual(8_192 - 4_096);
    expect(ofType(run.events, 'error')).toEqual([]);
    expect(run.result.outcome).toBe('no_change');
  });
});
