import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gitEnv } from '../helpers/git-repo.js';
import { call, finish, lastMessage, ofType, runE2E, type Run } from './e2e-harness.js';

const WRONG = '    total += Number(amount) * UNITS[unit.toUpperCase()];';
const RIGHT = '    total += Number(amount) * UNITS[unit];';

const EXPECTED_PATCH = `diff --git a/src/duration.js b/src/duration.js
--- a/src/duration.js
+++ b/src/duration.js
@@ -5,7 +5,7 @@
 export function parseDuration(text) {
   let total = 0;
   for (const [, amount, unit] of text.matchAll(/(\\d+)([hms])/g)) {
-    total = Number(amount) * UNITS[unit];
+    total += Number(amount) * UNITS[unit];
   }
   return total;
 }
`;

describe('the agent end to end: search, read, edit, see a failure, fix it, finish', () => {
  let run: Run;
  const seen: Record<string, string> = {};

  beforeAll(async () => {
    run = await runE2E({
      script: [
        (req) => {
          seen.system = req.body.messages[0].content;
          seen.task = req.body.messages[1].content;
          seen.tools = req.body.tools.map((t: any) => t.function.name).join(',');
          return call('search_code', { query: 'parseDuration' }, 'Let me find parseDuration.');
        },
        (req) => {
          seen.search = lastMessage(req).content;
          return call('read_file', { path: 'src/duration.js', start_line: 5, end_line: 11 });
        },
        (req) => {
          seen.read = lastMessage(req).content;
          return call('edit_file', { path: 'src/duration.js', search: '    total = Number(amount) * UNITS[unit];', replace: WRONG });
        },
        (req) => {
          seen.edit = lastMessage(req).content;
          return call('run_tests', {});
        },
        (req) => {
          seen.failedRun = lastMessage(req).content;
          return call('edit_file', { path: 'src/duration.js', search: WRONG, replace: RIGHT }, 'The unit keys are lower case.');
        },
        call('run_tests', {}),
        (req) => {
          seen.passedRun = lastMessage(req).content;
          return call('finish', { summary: 'parseDuration now adds every unit instead of keeping the last one.' });
        },
      ],
    });
  });
  afterAll(() => finish(run));

  it('ends verified, with exactly the expected patch, and the file fixed on disk', () => {
    const r = run.result;
    expect(r.outcome).toBe('verified');
    expect(r.patch).toBe(EXPECTED_PATCH);
    expect(r.filesChanged).toEqual(['src/duration.js']);
    expect(readFileSync(join(run.repo.root, 'src/duration.js'), 'utf8')).toContain(RIGHT);
    expect(r.summary).toBe('parseDuration now adds every unit instead of keeping the last one.');
    expect(run.server.remaining()).toBe(0);
    // git sees the same change (its diff adds an index line and function context) and the patch applies in reverse.
    const gitDiff = execFileSync('git', ['diff'], { cwd: run.repo.root, env: gitEnv, encoding: 'utf8' });
    expect(gitDiff.replace(/^index .*\n/m, '').replace(/^(@@ [^@]+ @@).*$/gm, '$1')).toBe(EXPECTED_PATCH);
    execFileSync('git', ['apply', '--check', '-R'], { cwd: run.repo.root, env: gitEnv, input: r.patch });
  });

  it('knew the failing test from the baseline and says honestly that both criteria hold', () => {
    const r = run.result;
    expect(r.testCommand).toBe('npm test');
    expect(r.testsBefore).toMatchObject({ scope: 'baseline', parsed: true, passed: 2, failed: 1, failing: ['test/duration.test.js > parses combined units'] });
    expect(r.testsAfter).toMatchObject({ scope: 'full', parsed: true, passed: 3, failed: 0, failing: [] });
    expect(r.criteria).toMatchObject({ noRegressions: true, taskTestsPass: true, regressions: [], targetTests: ['test/duration.test.js > parses combined units'], stillFailing: [] });
    expect(r.criteria.testFilesChanged).toBeUndefined();
    expect(r.criteria.statement).toBe('No test that passed before the change fails now. The 1 test(s) the task is about pass.');
    expect(r.iterations).toBe(2);
    expect(r.tokens.prompt).toBeGreaterThan(0);
    expect(r.tokens.output).toBeGreaterThan(0);
  });

  it('gave the model the packed context, the baseline and the tools', () => {
    expect(seen.tools).toBe('search_code,read_file,list_symbols,edit_file,replace_symbol,create_file,run_tests,finish');
    expect(seen.system).toContain('`npm test`');
    expect(seen.task).toContain(DURATION_TASK_START);
    expect(seen.task).toMatch(/### src\/duration\.js:\d+-\d+ /);
    expect(seen.task).toContain('8|     total = Number(amount) * UNITS[unit];');
    expect(seen.task).toContain('- test/duration.test.js > parses combined units');
    expect(seen.search.split('\n')[0]).toMatch(/^src\/duration\.js:5-11 function parseDuration/);
    expect(seen.read).toBe(
      'src/duration.js (lines 5-11 of 19)\n5| export function parseDuration(text) {\n6|   let total = 0;\n7|   for (const [, amount, unit] of text.matchAll(/(\\d+)([hms])/g)) {\n8|     total = Number(amount) * UNITS[unit];\n9|   }\n10|   return total;\n11| }',
    );
    expect(seen.edit).toBe(
      'Applied to src/duration.js (+1 -1 lines):\n@@ -5,7 +5,7 @@\n export function parseDuration(text) {\n   let total = 0;\n   for (const [, amount, unit] of text.matchAll(/(\\d+)([hms])/g)) {\n-    total = Number(amount) * UNITS[unit];\n+' +
        WRONG +
        '\n   }\n   return total;\n }',
    );
  });

  it('fed the failure back, trimmed, and the regression it caused', () => {
    expect(seen.failedRun).toContain('1 passed, 2 failed');
    expect(seen.failedRun).toContain('parses a single unit');
    expect(seen.failedRun).toContain('NaN');
    expect(seen.failedRun).toContain('1 test(s) that passed before now fail: test/duration.test.js > parses a single unit');
    expect(seen.passedRun).toContain('3 passed, 0 failed');
    expect(seen.passedRun).toContain('Call finish');
  });

  it('emitted the whole story as serializable events, in order', () => {
    const types = run.events.map((e) => e.type).filter((t) => t !== 'model_delta' && t !== 'usage' && t !== 'model_request' && t !== 'model_response');
    expect(types).toEqual([
      'start',
      'test_started',
      'test_finished',
      'retrieval',
      'tool_call', // search_code
      'tool_result',
      'tool_call', // read_file
      'tool_result',
      'tool_call', // edit_file (wrong)
      'edit_proposed',
      'edit_applied',
      'tool_result',
      'tool_call', // run_tests
      'test_started', // related
      'test_finished',
      'tool_result',
      'iteration',
      'tool_call', // edit_file (fix)
      'edit_proposed',
      'edit_applied',
      'tool_result',
      'tool_call', // run_tests
      'test_started', // related
      'test_finished',
      'test_started', // full
      'test_finished',
      'tool_result',
      'iteration',
      'tool_call', // finish
      'tool_result',
      'result',
    ]);
    expect(run.events[0]).toMatchObject({ type: 'start', model: 'qwen2.5-coder:7b', numCtx: 32_768, protocol: 'native', testCommand: 'npm test' });
    expect(ofType(run.events, 'model_request')).toHaveLength(7);
    expect(ofType(run.events, 'model_request')[0]!.messages.map((m) => m.role)).toEqual(['system', 'user']);
    expect(ofType(run.events, 'model_delta').map((d) => d.text).join('')).toBe('Let me find parseDuration.The unit keys are lower case.');
    expect(ofType(run.events, 'test_started').map((t) => t.scope)).toEqual(['baseline', 'related', 'related', 'full']);
    expect(ofType(run.events, 'iteration')).toEqual([
      { type: 'iteration', n: 1, summary: '1 edit(s) applied; related tests: 1 passed, 2 failed' },
      { type: 'iteration', n: 2, summary: '1 edit(s) applied; tests: 3 passed, 0 failed' },
    ]);
    const retrieval = ofType(run.events, 'retrieval')[0]!;
    expect(retrieval.items.some((i) => i.path === 'src/duration.js')).toBe(true);
    expect(retrieval.tokens).toBeLessThanOrEqual(retrieval.budget);
  });

  it('emitted every message sent, once, so a transcript can replay the conversation', () => {
    const chats = run.server.requests.filter((r) => r.path === '/api/chat');
    const sent = chats.at(-1)!.body.messages.map((m: any) => [m.role, m.content]);
    const emitted = ofType(run.events, 'model_request').flatMap((r) => r.messages.map((m) => [m.role, m.content]));
    // The last request holds everything but the model's final answer, which came back in its response.
    expect(emitted).toEqual(sent);
    const answers = ofType(run.events, 'model_response');
    expect(answers).toHaveLength(7);
    expect(answers.at(-1)!.toolCalls.map((c) => c.name)).toEqual(['finish']);
  });

  it('sent the same window and keep_alive on every request', () => {
    const chats = run.server.requests.filter((r) => r.path === '/api/chat');
    expect(chats).toHaveLength(7);
    expect(new Set(chats.map((r) => r.body.options.num_ctx))).toEqual(new Set([32_768]));
    expect(new Set(chats.map((r) => r.body.keep_alive))).toEqual(new Set(['30m']));
  });
});

const DURATION_TASK_START = 'parseDuration("1h30m") returns 1800 instead of 5400';
