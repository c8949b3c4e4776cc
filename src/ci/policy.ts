import type { ApproveEdit } from '../../agent/deps.js';
import { detectTestCommand } from '../../agent/verify/detect.js';
import type { RagentConfig } from '../config/schema.js';

/**
 * What the model may not edit when ragent runs as a bot on someone's issue: ragent's own configuration (it
 * holds the trusted associations and the test command), the workflows that run ragent, and the file that
 * defines what the test command does. Issue text is data; it must not be able to change which command runs.
 */
export function ciEditPolicy(root: string, config: RagentConfig): ApproveEdit {
  const test = detectTestCommand(root, config);
  const definers = new Set<string>(['.agentrc']);
  if (test && (test.runner === 'npm-script' || test.source.startsWith('package.json') || /^(npm|pnpm|yarn)\b/.test(test.command))) definers.add('package.json');
  if (test?.runner === 'make') definers.add(test.source);
  return async ({ path }) => {
    const p = path.replace(/^\.\//, '');
    if (definers.has(p)) {
      return { approved: false, reason: `in CI mode ${p} cannot be changed: it decides which tests run and how ragent is configured. Fix the code instead.` };
    }
    if (p === '.github' || p.startsWith('.github/')) {
      return { approved: false, reason: 'in CI mode workflow files under .github/ cannot be changed. Fix the code instead.' };
    }
    return true;
  };
}
