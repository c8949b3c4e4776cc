import type { Problem } from './dataset.js';

/** What a sample supplies: a completion of the prompt, or (MBPP always; HumanEval when given) the whole code. */
export interface SampleCode {
  completion?: string;
  /** Complete code that defines the function itself, not a continuation of the prompt. */
  solution?: string;
}

/**
 * The program that decides a sample, built the standard way. HumanEval: prompt + completion + tests +
 * `check(entry_point)`. MBPP: code + test setup + the asserts of test_list.
 */
export function buildProgram(problem: Problem, sample: SampleCode): string {
  if (problem.benchmark === 'humaneval') {
    const code = sample.solution ?? problem.prompt + (sample.completion ?? '');
    return `${code}\n\n${problem.test}\n\ncheck(${problem.entryPoint})\n`;
  }
  const code = sample.solution ?? sample.completion ?? '';
  return [code, problem.testSetupCode, ...problem.testList].join('\n') + '\n';
}

/** A sample that reproduces the dataset's own reference solution (for checking the harness itself). */
export function referenceSample(problem: Problem): SampleCode {
  return problem.benchmark === 'humaneval' ? { completion: problem.canonicalSolution } : { completion: problem.code };
}
