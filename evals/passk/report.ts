import { writeFileSync } from 'node:fs';
import type { PassKSummary } from './run.js';

const pct = (v: number): string => `${(v * 100).toFixed(1)}%`;

/** The summary as a plain-text table for the terminal. */
export function formatSummary(s: PassKSummary): string {
  const head = s.source === 'model' ? `model ${s.model}, temperature ${s.temperature}` : 'samples file';
  const lines = [
    `${s.benchmark}: ${s.problems} problems, ${s.samples} samples (${head})`,
    '',
    '  k      pass@k',
    ...s.passAtK.map((p) => `  ${String(p.k).padEnd(6)} ${p.value === null ? p.note ?? 'not computable' : pct(p.value)}`),
    '',
    `  passed ${s.statuses.passed}, failed ${s.statuses.failed}, timeout ${s.statuses.timeout}, output limit ${s.statuses.output_limit}`,
    `  network: ${s.network.isolated ? `isolated (${s.network.method})` : 'NOT isolated'}`,
    `  ${s.executed} executed now, ${s.resumed} already done; ${(s.wallMs / 1000).toFixed(1)} s`,
    ...s.warnings.map((w) => `  warning: ${w}`),
    `  results: ${s.files.results}`,
    `  chart:   ${s.files.chart}`,
  ];
  return lines.join('\n');
}

const esc = (t: string): string => t.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** A bar chart of pass@k as a standalone SVG document; k values that are not computable get an empty, labelled slot. */
export function renderChart(s: PassKSummary): string {
  const width = 120 + 110 * Math.max(1, s.passAtK.length);
  const height = 360;
  const top = 80;
  const bottom = 300;
  const left = 70;
  const plotH = bottom - top;
  const y = (v: number): number => bottom - v * plotH;
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="13">`);
  parts.push(`<rect width="100%" height="100%" fill="#fff"/>`);
  const title = `${s.benchmark} pass@k — ${s.source === 'model' ? `${s.model} (T=${s.temperature})` : 'samples file'}`;
  parts.push(`<text x="${width / 2}" y="24" text-anchor="middle" font-size="16" font-weight="bold">${esc(title)}</text>`);
  parts.push(`<text x="${width / 2}" y="44" text-anchor="middle" fill="#555">${s.problems} problems, ${s.samples} samples</text>`);
  for (const tick of [0, 0.25, 0.5, 0.75, 1]) {
    parts.push(`<line x1="${left}" x2="${width - 20}" y1="${y(tick)}" y2="${y(tick)}" stroke="#ddd"/>`);
    parts.push(`<text x="${left - 8}" y="${y(tick) + 4}" text-anchor="end" fill="#555">${tick * 100}%</text>`);
  }
  parts.push(`<line x1="${left}" x2="${left}" y1="${top}" y2="${bottom}" stroke="#333"/>`);
  s.passAtK.forEach((p, i) => {
    const cx = left + 60 + i * 110;
    if (p.value === null) {
      parts.push(`<text x="${cx}" y="${bottom - 10}" text-anchor="middle" fill="#999">n/a (k &gt; n)</text>`);
    } else {
      const h = p.value * plotH;
      parts.push(`<rect x="${cx - 30}" y="${(bottom - h).toFixed(1)}" width="60" height="${h.toFixed(1)}" fill="#3b6fb6"/>`);
      parts.push(`<text x="${cx}" y="${(bottom - h - 6).toFixed(1)}" text-anchor="middle">${pct(p.value)}</text>`);
    }
    parts.push(`<text x="${cx}" y="${bottom + 20}" text-anchor="middle">pass@${p.k}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}

/** Write summary.json and passk.svg where the summary says. */
export function writeSummaryFiles(s: PassKSummary): void {
  writeFileSync(s.files.summary, JSON.stringify(s, null, 2) + '\n');
  writeFileSync(s.files.chart, renderChart(s));
}
