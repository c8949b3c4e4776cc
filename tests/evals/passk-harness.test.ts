import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadDataset, mbppSplit, normaliseTaskId, type HumanEvalProblem, type MbppProblem } from '../../evals/passk/dataset.js';
import { DatasetError, ResultsMismatchError } from '../../evals/passk/errors.js';
import { cutAtStop, cutAtTopLevel, postprocess, unfence } from '../../evals/passk/postprocess.js';
import { buildProgram } from '../../evals/passk/program.js';
import { generationRequest, HUMANEVAL_STOP, MBPP_STOP, mbppPrompt, mbppShots } from '../../evals/passk/prompt.js';
import { progressBar } from '../../evals/passk/progress.js';
import { formatSummary, renderChart } from '../../evals/passk/report.js';
import { checkRunIdentity, ResultsLog } from '../../evals/passk/results.js';
import type { PassKSummary } from '../../evals/passk/run.js';
import { forEachLimited, parseKs, parseShard, selectItems } from '../../evals/passk/select.js';
import { UsageError } from '../../src/errors.js';
import { tempDir } from './passk-helpers.js';

const shared = join(__dirname, '..', '..', '..', 'shared', 'datasets');
const HUMANEVAL = join(shared, 'humaneval', 'HumanEval.jsonl.gz');
const MBPP = join(shared, 'mbpp', 'mbpp.jsonl');
const tmp = (): string => tempDir('ragent-passk-test-');

const he: HumanEvalProblem = {
  benchmark: 'humaneval',
  taskId: 'HumanEval/x',
  prompt: 'def inc(x):\n    """Add one."""\n',
  entryPoint: 'inc',
  canonicalSolution: '    return x + 1\n',
  test: 'def check(candidate):\n    assert candidate(1) == 2\n',
};
const mb = (id: number, extra: Partial<MbppProblem> = {}): MbppProblem => ({
  benchmark: 'mbpp',
  taskId: String(id),
  text: `Write a function number ${id}.`,
  code: `def f${id}(x):\r\n  return x`,
  testSetupCode: '',
  testList: [`assert f${id}(1) == 1`, `assert f${id}(2) == 2`],
  ...extra,
});

describe('datasets', () => {
  it('reads the published HumanEval (.jsonl.gz) and MBPP (.jsonl) files', () => {
    const humaneval = loadDataset('humaneval', HUMANEVAL);
    expect(humaneval).toHaveLength(164);
    expect(humaneval[0]).toMatchObject({ taskId: 'HumanEval/0', entryPoint: 'has_close_elements' });
    const mbpp = loadDataset('mbpp', MBPP) as MbppProblem[];
    expect(mbpp).toHaveLength(974);
    expect(mbpp[0]!.taskId).toBe('1');
    expect(mbppSplit(mbpp, 'test')).toHaveLength(500);
    expect(mbppSplit(mbpp, 'prompt').map((p) => p.taskId)).toEqual(['1', '2', '3', '4', '5', '6', '7', '8', '9', '10']);
  });

  it('reads gzip by content as well as by name, and the sanitized MBPP field names', () => {
    const dir = tmp();
    const row = { task_id: 7, prompt: 'Do it.', code: 'def g(): return 1', test_imports: ['import math'], test_list: ['assert g() == 1'] };
    writeFileSync(join(dir, 'mbpp.data'), gzipSync(JSON.stringify(row) + '\n'));
    const [p] = loadDataset('mbpp', join(dir, 'mbpp.data')) as MbppProblem[];
    expect(p).toMatchObject({ taskId: '7', text: 'Do it.', testSetupCode: 'import math' });
  });

  it('reads a dataset that is one JSON array, as sanitized MBPP is published', () => {
    const dir = tmp();
    const rows = [1, 2].map((id) => ({ source_file: 'x', task_id: id, prompt: `Task ${id}.`, code: 'pass', test_imports: [], test_list: ['assert True'] }));
    writeFileSync(join(dir, 'sanitized-mbpp.json'), JSON.stringify(rows, null, 1));
    expect(loadDataset('mbpp', join(dir, 'sanitized-mbpp.json')).map((p) => p.taskId)).toEqual(['1', '2']);
    writeFileSync(join(dir, 'broken.json'), '[{"task_id": 1}, 3]');
    expect(() => loadDataset('mbpp', join(dir, 'broken.json'))).toThrow(/item 2 is not a JSON object/);
  });

  it('says which benchmark a file belongs to when it is the wrong one', () => {
    for (const [benchmark, file, hint] of [
      ['mbpp', HUMANEVAL, /ragent eval humaneval/],
      ['humaneval', MBPP, /ragent eval mbpp/],
    ] as const) {
      try {
        loadDataset(benchmark, file);
        expect.unreachable();
      } catch (err) {
        expect(err).toBeInstanceOf(DatasetError);
        expect((err as DatasetError).message).toMatch(new RegExp(`is not an? ${benchmark === 'mbpp' ? 'MBPP' : 'HumanEval'} problem`));
        expect((err as DatasetError).hint).toMatch(hint);
      }
    }
  });

  it('names the line of malformed JSON, and rejects duplicates, empty and missing files', () => {
    const dir = tmp();
    writeFileSync(join(dir, 'bad.jsonl'), JSON.stringify({ task_id: 1, text: 't', test_list: [] }) + '\n{oops\n');
    expect(() => loadDataset('mbpp', join(dir, 'bad.jsonl'))).toThrow(/bad\.jsonl:2 is not valid JSON/);
    const row = JSON.stringify({ task_id: 1, text: 't', test_list: [] });
    writeFileSync(join(dir, 'dup.jsonl'), `${row}\n${row}\n`);
    expect(() => loadDataset('mbpp', join(dir, 'dup.jsonl'))).toThrow(/appears twice/);
    writeFileSync(join(dir, 'empty.jsonl'), '\n');
    expect(() => loadDataset('mbpp', join(dir, 'empty.jsonl'))).toThrow(/no problems/);
    expect(() => loadDataset('mbpp', join(dir, 'missing.jsonl'))).toThrow(DatasetError);
  });

  it('normalises task ids the way other harnesses write them', () => {
    expect(normaliseTaskId('mbpp', 11)).toBe('11');
    expect(normaliseTaskId('mbpp', 'Mbpp/11')).toBe('11');
    expect(normaliseTaskId('mbpp', '011')).toBe('11');
    expect(normaliseTaskId('humaneval', 'HumanEval/3')).toBe('HumanEval/3');
    expect(normaliseTaskId('humaneval', null)).toBeNull();
  });
});

describe('prompts', () => {
  it('gives HumanEval its own prompt and the Codex stop sequences', () => {
    expect(generationRequest(he, [he], 3)).toEqual({ prompt: he.prompt, stop: HUMANEVAL_STOP });
  });

  it('builds the MBPP paper prompt: description, tests, [BEGIN], with few-shot examples closed by [DONE]', () => {
    const all = [1, 2, 3, 4, 11].map((i) => mb(i));
    const target = all[4]!;
    const req = generationRequest(target, all, 3);
    expect(req.stop).toEqual(MBPP_STOP);
    const blocks = req.prompt.split('[DONE]\n');
    expect(blocks).toHaveLength(4);
    expect(blocks[0]).toBe(
      'You are an expert Python programmer, and here is your task: Write a function number 2. Your code should pass these tests:\n\n' +
        'assert f2(1) == 1\nassert f2(2) == 2\n[BEGIN]\ndef f2(x):\n  return x\n',
    );
    expect(blocks[3]).toBe(
      'You are an expert Python programmer, and here is your task: Write a function number 11. Your code should pass these tests:\n\n' +
        'assert f11(1) == 1\nassert f11(2) == 2\n[BEGIN]\n',
    );
  });

  it('never shows a problem its own solution as an example', () => {
    const all = [1, 2, 3, 4, 5].map((i) => mb(i));
    expect(mbppShots(all[2]!, all, 3).map((p) => p.taskId)).toEqual(['2', '4', '5']);
    expect(mbppPrompt(all[2]!, [])).not.toContain('[DONE]');
  });
});

describe('post-processing', () => {
  it('cuts at the earliest stop sequence', () => {
    expect(cutAtStop('a\nb\ndef c', ['\ndef', '\nb'])).toBe('a');
    expect(cutAtStop('abc', [])).toBe('abc');
  });

  it('cuts a HumanEval body at the next top-level statement', () => {
    const raw = '    y = x + 1\n\n    return y\n\n\nprint(inc(2))\nassert False\n';
    expect(postprocess(he, raw)).toBe('    y = x + 1\n\n    return y\n');
    expect(cutAtTopLevel('    return 1\nif __name__ == "__main__":\n    main()\n')).toBe('    return 1\n');
    expect(cutAtTopLevel('rest of line\n    return 1\nx = 2\n', false)).toBe('rest of line\n    return 1\n');
  });

  it('always keeps a prefix of the body in which no later line starts a top-level statement', () => {
    const line = fc.oneof(fc.constant(''), fc.constant('    x = 1'), fc.constant('\tpass'), fc.constant('def g():'), fc.constant('print(1)'), fc.string({ maxLength: 12 }).map((t) => t.replace(/\n/g, '')));
    fc.assert(
      fc.property(fc.array(line, { maxLength: 12 }), (lines) => {
        const text = lines.join('\n');
        const cut = cutAtTopLevel(text);
        expect(text.startsWith(cut.replace(/\n$/, ''))).toBe(true);
        for (const l of cut.split('\n')) if (l.trim()) expect(l).toMatch(/^[ \t]/);
      }),
      { numRuns: 300 },
    );
  });

  it('keeps a fenced answer whole, whether body or definition', () => {
    expect(unfence('```python\ndef inc(x):\n    return x + 1\n```\nThat is it.')).toBe('def inc(x):\n    return x + 1\n');
    expect(postprocess(he, '```python\ndef inc(x):\n    return x + 1\n```\n')).toBe('def inc(x):\n    return x + 1\n');
  });

  it('takes MBPP code up to [DONE], without an echoed [BEGIN] or fences', () => {
    const p = mb(11);
    expect(postprocess(p, 'def f11(x):\n    return x\n[DONE]\nYou are an expert')).toBe('def f11(x):\n    return x\n');
    expect(postprocess(p, '[BEGIN]\n```python\ndef f11(x):\n    return x\n```\n[DONE]')).toBe('def f11(x):\n    return x\n');
  });
});

describe('programs', () => {
  it('builds HumanEval as prompt + completion + test + check(entry_point)', () => {
    expect(buildProgram(he, { completion: '    return x + 1\n' })).toBe(
      'def inc(x):\n    """Add one."""\n    return x + 1\n\n\ndef check(candidate):\n    assert candidate(1) == 2\n\n\ncheck(inc)\n',
    );
    expect(buildProgram(he, { solution: 'def inc(x): return x + 1' })).toMatch(/^def inc\(x\): return x \+ 1\n\ndef check/);
  });

  it('builds MBPP as code + setup + asserts', () => {
    expect(buildProgram(mb(3, { testSetupCode: 'import math' }), { completion: 'def f3(x): return x' })).toBe(
      'def f3(x): return x\nimport math\nassert f3(1) == 1\nassert f3(2) == 2\n',
    );
  });
});

describe('selection', () => {
  it('limits, then takes interleaved shards that cover every item once', () => {
    const items = Array.from({ length: 10 }, (_, i) => i);
    expect(selectItems(items, { limit: 4 })).toEqual([0, 1, 2, 3]);
    const shards = [1, 2, 3].map((index) => selectItems(items, { shard: { index, count: 3 } }));
    expect(shards).toEqual([[0, 3, 6, 9], [1, 4, 7], [2, 5, 8]]);
    expect(selectItems(items, { limit: 5, shard: parseShard('2/2') })).toEqual([1, 3]);
  });

  it('rejects malformed --shard and -k', () => {
    for (const bad of ['0/2', '3/2', '1', 'a/b', '1/0']) expect(() => parseShard(bad)).toThrow(UsageError);
    expect(parseKs('100, 1,10,1')).toEqual([1, 10, 100]);
    for (const bad of ['', '0', '1,x', '2.5']) expect(() => parseKs(bad)).toThrow(UsageError);
  });

  it('runs at most `workers` tasks at once and stops at the first error', async () => {
    let active = 0;
    let peak = 0;
    const seen: number[] = [];
    await forEachLimited([1, 2, 3, 4, 5, 6], 2, async (i) => {
      active++;
      peak = Math.max(peak, active);
      await new Promise((r) => setTimeout(r, 5));
      seen.push(i);
      active--;
    });
    expect(peak).toBe(2);
    expect(seen.sort()).toEqual([1, 2, 3, 4, 5, 6]);
    const started: number[] = [];
    await expect(
      forEachLimited([1, 2, 3, 4, 5], 1, async (i) => {
        started.push(i);
        if (i === 2) throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(started).toEqual([1, 2]);
  });
});

describe('results log', () => {
  it('appends, reloads, and survives a torn last line', () => {
    const file = join(tmp(), 'out', 'results.jsonl');
    const log = new ResultsLog<{ id: number }>(file);
    log.append({ id: 1 });
    log.append({ id: 2 });
    writeFileSync(file, readFileSync(file, 'utf8') + '{"id": 3, "tor');
    const again = new ResultsLog<{ id: number }>(file);
    expect(again.records).toEqual([{ id: 1 }, { id: 2 }]);
    expect(again.skippedLines).toBe(1);
    again.append({ id: 4 });
    expect(new ResultsLog<{ id: number }>(file).records).toEqual([{ id: 1 }, { id: 2 }, { id: 4 }]);
  });

  it('refuses to mix runs with different identities', () => {
    const file = join(tmp(), 'run.json');
    checkRunIdentity(file, { model: 'a', temperature: 0 });
    expect(() => checkRunIdentity(file, { model: 'a', temperature: 0 })).not.toThrow();
    expect(() => checkRunIdentity(file, { model: 'b', temperature: 0 })).toThrow(ResultsMismatchError);
    expect(() => checkRunIdentity(file, { model: 'a', temperature: 0, extra: 1 })).toThrow(/extra/);
    const notADir = join(tmp(), 'file');
    writeFileSync(notADir, '');
    expect(() => checkRunIdentity(join(notADir, 'run.json'), {})).toThrow(/cannot create the results folder/);
  });
});

describe('reporting', () => {
  const summary: PassKSummary = {
    benchmark: 'mbpp',
    dataset: '/data/mbpp.jsonl',
    source: 'model',
    model: 'coder<7b>',
    temperature: 0.8,
    problems: 2,
    samples: 20,
    passAtK: [{ k: 1, value: 0.45 }, { k: 10, value: 0.9 }, { k: 100, value: null, note: 'not computable: k > n (fewest samples per problem: 10)' }],
    statuses: { passed: 9, failed: 9, timeout: 1, output_limit: 1 },
    perProblem: [{ taskId: '11', n: 10, c: 9 }, { taskId: '12', n: 10, c: 0 }],
    network: { isolated: false, method: '', note: 'samples run with network access (unshare -rn: denied)' },
    limits: { timeoutMs: 10_000, memoryMb: 1024, outputBytes: 1 << 20, fileBytes: 16 << 20 },
    executed: 15,
    resumed: 5,
    wallMs: 12_345,
    warnings: ['samples run with network access (unshare -rn: denied)'],
    files: { results: '/o/results.jsonl', summary: '/o/summary.json', chart: '/o/passk.svg' },
  };

  it('prints a table with every k, the statuses, isolation and where the files are', () => {
    const text = formatSummary(summary);
    expect(text).toMatch(/^mbpp: 2 problems, 20 samples \(model coder<7b>, temperature 0\.8\)/);
    expect(text).toMatch(/^\s+1\s+45\.0%$/m);
    expect(text).toMatch(/^\s+10\s+90\.0%$/m);
    expect(text).toMatch(/^\s+100\s+not computable: k > n/m);
    expect(text).toContain('passed 9, failed 9, timeout 1, output limit 1');
    expect(text).toContain('network: NOT isolated');
    expect(text).toContain('15 executed now, 5 already done; 12.3 s');
    expect(text).toContain('results: /o/results.jsonl');
  });

  it('draws bars in proportion and escapes text in the SVG', () => {
    const svg = renderChart(summary);
    const heights = [...svg.matchAll(/<rect x="[\d.]+" y="[\d.]+" width="60" height="([\d.]+)"/g)].map((m) => Number(m[1]));
    expect(heights).toHaveLength(2);
    expect(heights[1]! / heights[0]!).toBeCloseTo(0.9 / 0.45, 2);
    expect(svg).toContain('coder&lt;7b&gt;');
    expect(svg).not.toContain('coder<7b>');
    expect(svg).toContain('n/a (k &gt; n)');
  });

  it('redraws the progress bar in place on a terminal only', () => {
    let out = '';
    const tty = { isTTY: true, write: (s: string) => ((out += s), true) } as unknown as NodeJS.WriteStream;
    const bar = progressBar('mbpp', tty);
    bar.update({ done: 0, total: 4, passed: 0 });
    bar.update({ done: 1, total: 4, passed: 1 });
    bar.update({ done: 4, total: 4, passed: 3 });
    bar.end();
    bar.end();
    const frames = out.split('\r').filter(Boolean);
    expect(frames[0]).toMatch(/^mbpp \[\.{30}\] 0\/4  passed - $/);
    expect(frames.at(-1)).toMatch(/^mbpp \[#{30}\] 4\/4  passed 75\.0% \n$/);
    // The middle update came within 100 ms of the first and was skipped.
    expect(frames).toHaveLength(2);

    let piped = '';
    const pipe = { isTTY: false, write: (s: string) => ((piped += s), true) } as unknown as NodeJS.WriteStream;
    const quiet = progressBar('mbpp', pipe);
    quiet.update({ done: 4, total: 4, passed: 4 });
    quiet.end();
    expect(piped).toBe('');
  });
});
