import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runPassK, type SampleRecord } from '../../evals/passk/run.js';
import { configSchema } from '../../src/config/schema.js';
import { createModelClient } from '../../src/model/create.js';
import { startScriptedOllama, type ScriptedOllama, type ScriptedRequest, type TurnSpec } from '../helpers/scripted-ollama.js';
import { runEvalCli } from './passk-helpers.js';

const root = resolve(__dirname, '..', '..');
const HUMANEVAL = join(root, '..', 'shared', 'datasets', 'humaneval', 'HumanEval.jsonl.gz');
const MBPP = join(root, '..', 'shared', 'datasets', 'mbpp', 'mbpp.jsonl');
const MODEL = 'qwen2.5-coder:7b';
const CODEX_STOP = ['\nclass', '\ndef', '\n#', '\nif', '\nprint'];

interface HumanEvalRow { task_id: string; prompt: string; canonical_solution: string; entry_point: string }
interface MbppRow { task_id: number; text: string; code: string; test_list: string[] }
const humaneval = gunzipSync(readFileSync(HUMANEVAL)).toString('utf8').trim().split('\n').map((l) => JSON.parse(l) as HumanEvalRow);
const mbpp = readFileSync(MBPP, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as MbppRow);

let server: ScriptedOllama | undefined;
let repo: string;
const savedEnv = { OLLAMA_HOST: process.env.OLLAMA_HOST, RAGENT_MODEL: process.env.RAGENT_MODEL };

beforeEach(() => {
  delete process.env.OLLAMA_HOST;
  delete process.env.RAGENT_MODEL;
  repo = mkdtempSync(join(tmpdir(), 'ragent-passk-gen-'));
});

afterEach(async () => {
  rmSync(repo, { recursive: true, force: true });
  await server?.close();
  server = undefined;
  for (const [k, v] of Object.entries(savedEnv)) if (v === undefined) delete process.env[k];
  else process.env[k] = v;
});

async function serve(turns: Array<(req: ScriptedRequest) => TurnSpec>): Promise<void> {
  server = await startScriptedOllama({ script: turns });
  writeFileSync(join(repo, '.agentrc'), JSON.stringify({ model: { host: server.url, name: MODEL, retries: 0 } }));
}

const results = (out: string): SampleRecord[] => readFileSync(join(out, 'results.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as SampleRecord);

describe('pass@k with a model (scripted Ollama server)', () => {
  it('HumanEval: asks for each sample with the prompt, stop sequences and options, post-processes, executes and scores', async () => {
    const [p0, p1, p2] = humaneval as [HumanEvalRow, HumanEvalRow, HumanEvalRow];
    const answers: Array<[HumanEvalRow, string]> = [
      // Runs on into a helper and a call: cut at the next top-level statement, so it passes.
      [p0, `${p0.canonical_solution}\n\ndef helper():\n    pass\n`],
      [p0, '    return not True\n'],
      // The server ignored the stop sequences: trailing top-level code that would fail is cut off.
      [p1, `${p1.canonical_solution}\nprint("done")\nassert False\n`],
      [p1, '    while True:\n        pass\n'],
      // A fenced whole definition, with chatter after the fence.
      [p2, `\`\`\`python\n${p2.prompt}${p2.canonical_solution}\`\`\`\nThis returns the decimal part.`],
      [p2, p2.canonical_solution],
    ];
    await serve(
      answers.map(([problem, text]) => (req) => {
        expect(req.path).toBe('/api/generate');
        expect(req.body).toMatchObject({ model: MODEL, prompt: problem.prompt, raw: true });
        expect(req.body.options).toMatchObject({ stop: CODEX_STOP, temperature: 0.8, num_predict: 300 });
        // A window sized for function completion, not the agent's 100k-token budget.
        expect(req.body.options.num_ctx).toBeLessThanOrEqual(8192);
        return { text };
      }),
    );
    const out = join(repo, 'out');
    const res = await runEvalCli(['--repo', repo, 'eval', 'humaneval', '--dataset', HUMANEVAL, '--limit', '3', '-n', '2', '-k', '1,2,5', '--max-tokens', '300', '--timeout', '2', '--workers', '2', '--out', out, '--json']);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(server!.remaining()).toBe(0);

    const summary = JSON.parse(res.stdout);
    expect(summary).toMatchObject({ source: 'model', model: MODEL, temperature: 0.8, problems: 3, samples: 6 });
    expect(summary.perProblem).toEqual([
      { taskId: 'HumanEval/0', n: 2, c: 1 },
      { taskId: 'HumanEval/1', n: 2, c: 1 },
      { taskId: 'HumanEval/2', n: 2, c: 2 },
    ]);
    expect(summary.passAtK[0]).toEqual({ k: 1, value: expect.closeTo(2 / 3, 12) });
    expect(summary.passAtK[1]).toEqual({ k: 2, value: 1 });
    expect(summary.passAtK[2]).toMatchObject({ k: 5, value: null });

    const byKey = new Map(results(out).map((r) => [`${r.task_id}#${r.sample}`, r]));
    expect(byKey.get('HumanEval/0#0')).toMatchObject({ completion: p0.canonical_solution.trimEnd() + '\n', raw_completion: answers[0]![1], result: 'passed' });
    expect(byKey.get('HumanEval/0#1')).toMatchObject({ result: 'failed' });
    expect(byKey.get('HumanEval/1#0')).toMatchObject({ completion: p1.canonical_solution.trimEnd() + '\n', result: 'passed' });
    expect(byKey.get('HumanEval/1#1')).toMatchObject({ result: 'timeout' });
    expect(byKey.get('HumanEval/2#0')).toMatchObject({ completion: p2.prompt + p2.canonical_solution, result: 'passed' });
    expect(byKey.get('HumanEval/0#0')!.output_tokens).toBeGreaterThan(0);

    // Re-running asks the model for nothing: every sample is already recorded.
    const again = await runEvalCli(['--repo', repo, 'eval', 'humaneval', '--dataset', HUMANEVAL, '--limit', '3', '-n', '2', '-k', '1', '--max-tokens', '300', '--out', out, '--json']);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ executed: 0, resumed: 6 });
  });

  it('MBPP: the paper prompt with three examples, [DONE] as the stop, greedy by default', async () => {
    const block = (r: MbppRow): string =>
      `You are an expert Python programmer, and here is your task: ${r.text} Your code should pass these tests:\n\n${r.test_list.map((t) => t.trim()).join('\n')}\n[BEGIN]\n`;
    const shots = [2, 3, 4].map((id) => mbpp.find((r) => r.task_id === id)!);
    const examples = shots.map((r) => `${block(r)}${r.code.replace(/\r\n/g, '\n').trimEnd()}\n[DONE]\n`).join('');
    const [t11, t12] = [mbpp.find((r) => r.task_id === 11)!, mbpp.find((r) => r.task_id === 12)!];
    await serve([
      (req) => {
        expect(req.body.prompt).toBe(examples + block(t11));
        expect(req.body.options).toMatchObject({ stop: ['[DONE]'], temperature: 0, num_predict: 512 });
        return { text: `${t11.code}\n[DONE]\nYou are an expert Python programmer` };
      },
      (req) => {
        expect(req.body.prompt).toBe(examples + block(t12));
        return { text: 'def sort_matrix(m):\n    return m\n' };
      },
    ]);
    const out = join(repo, 'out');
    const res = await runEvalCli(['--repo', repo, 'eval', 'mbpp', '--dataset', MBPP, '--split', 'test', '--limit', '2', '-k', '1', '--out', out, '--json']);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    const summary = JSON.parse(res.stdout);
    expect(summary.perProblem).toEqual([
      { taskId: '11', n: 1, c: 1 },
      { taskId: '12', n: 1, c: 0 },
    ]);
    expect(summary.passAtK).toEqual([{ k: 1, value: 0.5 }]);
    expect(results(out).find((r) => r.task_id === '11')!.completion).toBe(t11.code.trimEnd() + '\n');
  });

  it('stops at once when interrupted mid-request, keeping what finished, and resumes from there', async () => {
    const [p0, p1] = humaneval as [HumanEvalRow, HumanEvalRow];
    const controller = new AbortController();
    await serve([
      () => ({ text: p0.canonical_solution }),
      () => {
        setTimeout(() => controller.abort(), 100);
        return { text: p1.canonical_solution, headerDelayMs: 5_000 };
      },
      () => ({ text: p1.canonical_solution }),
    ]);
    const client = createModelClient(configSchema.parse({ model: { host: server!.url, name: MODEL, retries: 0 } }));
    const opts = {
      benchmark: 'humaneval' as const,
      dataset: HUMANEVAL,
      source: { kind: 'model' as const, client, model: MODEL, n: 1, temperature: 0, maxTokens: 64, shots: 0 },
      outDir: join(repo, 'out'),
      ks: [1],
      workers: 1,
      limit: 2,
    };
    const started = Date.now();
    const partial = await runPassK({ ...opts, signal: controller.signal });
    expect(Date.now() - started).toBeLessThan(4_000);
    expect(partial).toMatchObject({ executed: 1, samples: 1 });
    expect(partial.warnings.join('\n')).toMatch(/1 sample\(s\) not finished/);

    const rest = await runPassK(opts);
    expect(rest).toMatchObject({ executed: 1, resumed: 1, samples: 2 });
    expect(rest.passAtK).toEqual([{ k: 1, value: 1 }]);
    expect(server!.remaining()).toBe(0);
  });

  it('fails with the model error, before any work, when the model does not exist', async () => {
    await serve([]);
    const res = await runEvalCli(['--repo', repo, 'eval', 'humaneval', '--dataset', HUMANEVAL, '--model', 'no-such-model', '--limit', '1', '--out', join(repo, 'out')]);
    expect(res.code).toBe(3);
    expect(res.stderr).toMatch(/no-such-model/);
  });

  it('rejects flags that do not fit together, and a missing dataset, as usage errors', async () => {
    const samples = join(repo, 's.jsonl');
    writeFileSync(samples, '');
    const bad = await runEvalCli(['--repo', repo, 'eval', 'humaneval', '--dataset', HUMANEVAL, '--samples', samples, '-n', '5']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--samples evaluates existing completions/);
    const none = await runEvalCli(['--repo', repo, 'eval', 'mbpp']);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/no mbpp dataset given[\s\S]*hint: .*eval\.mbppDataset/);
  });
});
