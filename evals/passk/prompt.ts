import { loadPrompt } from '../../src/util/prompts.js';
import type { HumanEvalProblem, MbppProblem, Problem } from './dataset.js';

/** Ends a code block in an MBPP prompt, as in the MBPP paper's few-shot format. */
export const MBPP_DONE = '[DONE]';

/**
 * Stop sequences for completing a HumanEval function body (those of the Codex paper): the body ends where
 * the next top-level statement would begin.
 */
export const HUMANEVAL_STOP = ['\nclass', '\ndef', '\n#', '\nif', '\nprint'];

/** Stop sequences for an MBPP answer: the end-of-code marker the few-shot examples teach. */
export const MBPP_STOP = [MBPP_DONE];

/** MBPP few-shot examples: the paper's tasks 2, 3 and 4, then the rest of the prompt split as stand-ins. */
export const MBPP_SHOT_IDS = ['2', '3', '4', '5', '6', '7', '8', '9', '10', '1'];

/** What the model is asked: the prompt text and the stop sequences that end one answer. */
export interface GenerationRequest {
  prompt: string;
  stop: string[];
}

const lf = (s: string): string => s.replace(/\r\n?/g, '\n');

function mbppBlock(p: MbppProblem): string {
  return loadPrompt('mbpp', { text: lf(p.text).trim(), tests: p.testList.map((t) => lf(t).trim()).join('\n') });
}

/** Choose `shots` few-shot examples for an MBPP problem: the paper's, never the problem itself. */
export function mbppShots(problem: MbppProblem, all: readonly MbppProblem[], shots: number): MbppProblem[] {
  const byId = new Map(all.map((p) => [p.taskId, p]));
  const chosen: MbppProblem[] = [];
  for (const id of MBPP_SHOT_IDS) {
    if (chosen.length >= shots) break;
    const p = byId.get(id);
    if (p && p.taskId !== problem.taskId && p.code.trim()) chosen.push(p);
  }
  return chosen;
}

/** The MBPP prompt: few-shot examples (description, tests, code) then the task's description and tests. */
export function mbppPrompt(problem: MbppProblem, examples: readonly MbppProblem[]): string {
  const shots = examples.map((e) => `${mbppBlock(e)}${lf(e.code).trimEnd()}\n${MBPP_DONE}\n`).join('');
  return shots + mbppBlock(problem);
}

/** The HumanEval prompt is the problem's own signature and docstring, completed in place. */
export function humanEvalPrompt(problem: HumanEvalProblem): string {
  return problem.prompt;
}

/** Prompt and stop sequences for one problem. */
export function generationRequest(problem: Problem, all: readonly Problem[], shots: number): GenerationRequest {
  if (problem.benchmark === 'humaneval') return { prompt: humanEvalPrompt(problem), stop: HUMANEVAL_STOP };
  const pool = all.filter((p): p is MbppProblem => p.benchmark === 'mbpp');
  return { prompt: mbppPrompt(problem, mbppShots(problem, pool, shots)), stop: MBPP_STOP };
}
