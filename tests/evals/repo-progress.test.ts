import { describe, expect, it } from 'vitest';
import { repoProgress } from '../../evals/repo/progress.js';

function stream(isTTY: boolean, columns = 80): NodeJS.WriteStream & { text: string } {
  const s = { isTTY, columns, text: '', write(chunk: string) { s.text += chunk; return true; } };
  return s as unknown as NodeJS.WriteStream & { text: string };
}

describe('the eval repo progress line', () => {
  it('draws tasks done, the resolved rate so far, the task and its step, in place, on a terminal', () => {
    const out = stream(true, 120);
    const bar = repoProgress(out);
    bar.update({ done: 1, total: 4, resolved: 1, instance: 'acme__names-2', phase: 'agent', detail: 'iteration 2' });
    bar.end();
    expect(out.text).toBe('\r\x1b[2Krepo [#####...............] 1/4 resolved 100.0%  acme__names-2 agent: iteration 2\n');
  });

  it('fits the terminal width', () => {
    const out = stream(true, 60);
    repoProgress(out).update({ done: 0, total: 2, resolved: 0, instance: 'a-very-long-instance-name', phase: 'grade', detail: 'running FAIL_TO_PASS and PASS_TO_PASS' });
    const line = out.text.replace('\r\x1b[2K', '');
    expect(line.length).toBeLessThanOrEqual(59);
    expect(line.endsWith('…')).toBe(true);
    expect(line).toContain('0/2 resolved -');
  });

  it('draws nothing when the output is not a terminal', () => {
    const out = stream(false);
    const bar = repoProgress(out);
    bar.update({ done: 1, total: 1, resolved: 0, instance: 'x', phase: 'done', detail: '' });
    bar.end();
    expect(out.text).toBe('');
  });
});
