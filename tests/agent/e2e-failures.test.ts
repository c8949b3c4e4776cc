import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DURATION_REPO, call, finish, lastMessage, ofType, runE2E, type Run } from './e2e-harness.js';

const ORIGINAL = DURATION_REPO['src/duration.js']!;

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

/** Whether a process still runs; a zombie (killed, not yet reaped by an init that never reaps) does not. */
function running(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]![0] !== 'Z';
  } catch {
    return false;
  }
}

const withoutStream = (run: Run) => run.events.map((e) => e.type).filter((t) => !['model_delta', 'usage', 'model_request', 'model_response'].includes(t));

describe('the agent when things go wrong', () => {
  let run: Run | undefined;
  afterEach(async () => {
    await finish(run);
    run = undefined;
  });

  it('Ollama down: a typed error naming the host, before any test runs', async () => {
    const port = await closedPort();
    run = await runE2E({ host: `http://127.0.0.1:${port}`, script: [], index: 'none' });
    expect(withoutStream(run)).toEqual(['error', 'result']);
    expect(run.events[0]).toEqual({
      type: 'error',
      message: `cannot reach the model server at http://127.0.0.1:${port}`,
      hint: expect.stringContaining('ollama serve'),
      fatal: true,
    });
    expect(run.result).toMatchObject({ outcome: 'failed', patch: '', filesChanged: [], iterations: 0, testsBefore: null, error: { message: `cannot reach the model server at http://127.0.0.1:${port}` } });
  });

  it('model not pulled (404): the pull command as the hint', async () => {
    run = await runE2E({ models: [{ name: 'llama3:8b' }], script: [], index: 'none' });
    const error = ofType(run.events, 'error')[0]!;
    expect(error.message).toMatch(/^model "qwen2\.5-coder:7b" is not available on the server/);
    expect(error.hint).toBe('pull it with: ollama pull qwen2.5-coder:7b');
    expect(run.result.outcome).toBe('failed');
  });

  it('a prompt the server truncated is an error, not an answer; ragent asks again once with less', async () => {
    let retried: any;
    run = await runE2E({
      script: [
        { ...call('edit_file', { path: 'src/duration.js', search: 'x', replace: 'y' }), promptEvalCount: 32_768 },
        (req) => {
          retried = req.body;
          return call('finish', { summary: 'done' });
        },
      ],
    });
    expect(withoutStream(run)).toEqual(['start', 'test_started', 'test_finished', 'retrieval', 'error', 'context_condensed', 'tool_call', 'tool_result', 'result']);
    const error = ofType(run.events, 'error')[0]!;
    expect(error.fatal).toBe(false);
    expect(error.message).toMatch(/^the model server truncated the prompt: it evaluated 32768 tokens of a prompt we counted at \d+ \(window 32768\)$/);
    expect(error.hint).toMatch(/retrying with the prompt cut to \d+ tokens$/);
    // The answer from the partial prompt was not acted on; the retry went without the packed code.
    expect(ofType(run.events, 'tool_call').map((c) => c.name)).toEqual(['finish']);
    expect(retried.messages[1].content).toContain('The code that was here was dropped to make room');
    const requests = ofType(run.events, 'model_request');
    expect(requests[1]!.promptTokens).toBeLessThan(requests[0]!.promptTokens);
    expect(requests[1]!.full).toBe(true);
    expect(requests[1]!.messages.map((m) => m.content)).toEqual(retried.messages.map((m: any) => m.content));
    expect(run.result.outcome).toBe('no_change');
  });

  it('a second truncation ends the run with the error', async () => {
    const truncated = { ...call('finish', { summary: 'done' }), promptEvalCount: 32_768 };
    run = await runE2E({ index: 'none', script: [truncated, truncated] });
    const errors = ofType(run.events, 'error');
    expect(errors.map((e) => e.fatal)).toEqual([false, true]);
    expect(errors[1]!.message).toMatch(/^the model server truncated the prompt/);
    expect(ofType(run.events, 'tool_call')).toEqual([]);
    expect(run.result).toMatchObject({ outcome: 'failed', summary: expect.stringContaining('truncated') });
  });

  it('malformed arguments and an unknown tool come back as tool messages the model can act on', async () => {
    run = await runE2E({
      index: 'none',
      script: [
        { rawToolCalls: [{ function: { name: 'read_file', arguments: '{"path": "src/dur' } }] },
        (req) => {
          expect(lastMessage(req).role).toBe('user');
          expect(lastMessage(req).content).toContain('Your last tool call could not be used');
          return call('read_file', { file: 'src/duration.js' });
        },
        (req) => {
          expect(lastMessage(req)).toMatchObject({ role: 'tool', tool_name: 'read_file' });
          return call('run_shell', { command: 'rm -rf /' });
        },
        (req) => {
          expect(lastMessage(req)).toMatchObject({ role: 'tool', tool_name: 'run_shell' });
          return call('finish', { summary: 'gave up' });
        },
      ],
    });
    const results = ofType(run.events, 'tool_result');
    expect(results.map((r) => [r.name, r.ok, r.summary])).toEqual([
      ['read_file', false, 'malformed tool call'],
      ['read_file', false, 'malformed arguments'],
      ['run_shell', false, 'unknown tool run_shell'],
      ['finish', true, 'finished'],
    ]);
    expect(results[0]!.output).toContain('{"path": "src/dur');
    expect(ofType(run.events, 'tool_call').map((c) => [c.id === results[0]!.id, c.name])[0]).toEqual([true, 'read_file']);
    expect(results[1]!.output).toBe('malformed arguments for read_file: missing "path"; unknown argument "file"; expected read_file {path, start_line?, end_line?}');
    expect(results[2]!.output).toBe('unknown tool "run_shell". The tools are: search_code, read_file, list_symbols, edit_file, replace_symbol, create_file, run_tests, finish.');
    expect(run.result).toMatchObject({ outcome: 'no_change', patch: '', summary: 'gave up' });
  });

  it('edits with no match, two matches, a syntax error or a path outside the repository are rejected and nothing changes', async () => {
    run = await runE2E({
      index: 'none',
      script: [
        call('edit_file', { path: 'src/duration.js', search: '  let sum = 0;', replace: '  let sum = 1;' }),
        call('edit_file', { path: 'src/duration.js', search: 'Math.floor(', replace: 'Math.round(' }),
        call('edit_file', { path: 'src/duration.js', search: '  return total;', replace: '  return (total;' }),
        call('create_file', { path: '../escape.js', content: 'export {};\n' }),
        call('read_file', { path: '/etc/passwd' }),
        call('finish', { summary: 'nothing applied' }),
      ],
    });
    const rejected = ofType(run.events, 'edit_rejected');
    expect(rejected.map((r) => r.path)).toEqual(['src/duration.js', 'src/duration.js', 'src/duration.js', '../escape.js']);
    expect(rejected[0]!.reason).toMatch(/\b6 ?\|\s+let total = 0;/); // the closest line, numbered
    expect(rejected[1]!.reason).toMatch(/15[\s\S]*16/); // both matches' lines
    expect(rejected[2]!.reason).toMatch(/syntax/i);
    expect(rejected[2]!.reason).toMatch(/line 10/);
    expect(rejected[3]!.reason).toContain('leads outside the repository');
    const results = ofType(run.events, 'tool_result');
    expect(results.map((r) => r.ok)).toEqual([false, false, false, false, false, true]);
    expect(results[4]!.output).toContain('is absolute');
    expect(results.slice(0, 4).map((r) => r.output)).toEqual(rejected.map((r) => r.reason));
    expect(readFileSync(join(run.repo.root, 'src/duration.js'), 'utf8')).toBe(ORIGINAL);
    expect(run.result).toMatchObject({ outcome: 'no_change', patch: '', filesChanged: [] });
  });

  it('a hanging test command is killed at its timeout, with its children', async () => {
    const files = {
      ...DURATION_REPO,
      'hang.js': [
        "import { spawn } from 'node:child_process';",
        "import { writeFileSync } from 'node:fs';",
        "const child = spawn('sleep', ['1000'], { stdio: 'ignore' });",
        "writeFileSync('hang.pids', `${process.pid} ${child.pid}`);",
        "console.log('waiting forever');",
        'setInterval(() => {}, 1000);',
        '',
      ].join('\n'),
    };
    run = await runE2E({ files, index: 'none', config: { agent: { testCommand: 'node hang.js', testTimeoutSec: 1 } }, script: [call('finish', { summary: 'no change' })] });
    const finished = ofType(run.events, 'test_finished')[0]!;
    expect(finished.run).toMatchObject({ scope: 'baseline', command: 'node hang.js', timedOut: true, parsed: false });
    expect(finished.output).toContain('waiting forever');
    const pids = readFileSync(join(run.repo.root, 'hang.pids'), 'utf8').split(' ').map(Number);
    for (const pid of pids) expect(running(pid)).toBe(false);
    expect(run.result.testsBefore).toMatchObject({ timedOut: true });
    expect(run.result.outcome).toBe('no_change');
  });

  it('cancellation mid-stream ends the run promptly as cancelled, the request abandoned', async () => {
    const controller = new AbortController();
    run = await runE2E({
      index: 'none',
      signal: controller.signal,
      script: [{ text: Array.from({ length: 50 }, (_, i) => `thinking ${i} `), delayMs: 100 }],
      onEvent: (e) => {
        if (e.type === 'model_delta') controller.abort();
      },
    });
    expect(ofType(run.events, 'model_delta')).toHaveLength(1);
    expect(ofType(run.events, 'error')).toEqual([]);
    expect(run.events.at(-1)).toMatchObject({ type: 'result', result: { outcome: 'cancelled', summary: 'The run was cancelled.', patch: '' } });
    for (let i = 0; i < 50 && run.server.openResponses() > 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(run.server.openResponses()).toBe(0);
    expect(run.server.abandoned()).toBe(1);
  });

  it('cancellation during a test run kills the tests and ends the run as cancelled', async () => {
    const controller = new AbortController();
    const files = { ...DURATION_REPO, 'hang.js': "console.log('started');\nsetInterval(() => {}, 1000);\n" };
    run = await runE2E({
      files,
      index: 'none',
      signal: controller.signal,
      config: { agent: { testCommand: 'node hang.js', testTimeoutSec: 60 } },
      script: [],
      onEvent: (e) => {
        if (e.type === 'test_started') setTimeout(() => controller.abort(), 300);
      },
    });
    expect(withoutStream(run)).toEqual(['start', 'test_started', 'result']);
    expect(run.result).toMatchObject({ outcome: 'cancelled', testsBefore: null });
  });
});
