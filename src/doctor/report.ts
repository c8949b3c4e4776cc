import type { CheckResult } from './checks.js';

/** Doctor results as aligned terminal lines: status, check, finding, and the fix on the next line. */
export function formatChecks(results: CheckResult[], color = false): string {
  const paint = (status: CheckResult['status'], text: string) => {
    if (!color) return text;
    const code = status === 'ok' ? 32 : status === 'warning' ? 33 : 31;
    return `\x1b[${code}m${text}\x1b[0m`;
  };
  const nameWidth = Math.max(...results.map((r) => r.name.length));
  const lines: string[] = [];
  for (const r of results) {
    lines.push(`${paint(r.status, r.status.padEnd(8))} ${r.name.padEnd(nameWidth)}  ${r.detail}`);
    if (r.fix) lines.push(`${' '.repeat(9 + nameWidth)}  fix: ${r.fix}`);
  }
  const errors = results.filter((r) => r.status === 'error').length;
  const warnings = results.filter((r) => r.status === 'warning').length;
  lines.push('');
  lines.push(errors ? `${errors} error(s), ${warnings} warning(s): ragent cannot do a full run until the errors are fixed.` : `ready for a full run${warnings ? ` (${warnings} warning(s))` : ''}.`);
  return lines.join('\n') + '\n';
}
