import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { goldLocations, loadDataset, LocalizeDatasetError, type LocalizeInstance } from '../../evals/localize/dataset.js';
import { BASELINE_HITS, Bm25Baseline } from '../../evals/localize/baseline.js';
import { formatSummary } from '../../evals/localize/report.js';
import { runLocalize, type LocalizeRunOptions } from '../../evals/localize/run.js';
import { scoreContext, scoreRanking } from '../../evals/localize/score.js';
import { configSchema } from '../../src/config/schema.js';
import { RepositoryError } from '../../src/errors.js';
import { fastBpeCounter } from '../../src/retrieval/index.js';
import { git, makeRepo, type FixtureRepo } from '../helpers/git-repo.js';
import { SHOP_FILES } from '../retrieval/fixture.js';

let repo: FixtureRepo;
let work: string;
let instances: LocalizeInstance[];

const replace = (path: string, from: string, to: string): void => {
  const text = SHOP_FILES[path]!;
  expect(text).toContain(from);
  SHOP_FILES[path] = text.replace(from, to);
  repo.write(path, SHOP_FILES[path]!);
};

beforeAll(() => {
  // The fixture's own history: three fixes, each an instance whose base is the commit before it.
  const files = { ...SHOP_FILES };
  repo = makeRepo(files);
  const original = { ...SHOP_FILES };
  const commits = [git(repo.root, 'rev-parse', 'HEAD').trim()];
  const fix = (edits: Array<[string, string, string]>): void => {
    for (const [p, a, b] of edits) replace(p, a, b);
    commits.push(repo.commit('fix'));
  };
  fix([['shop/pricing.py', '    off = amount * rate / 100\n', '    off = min(amount, 1000) * rate / 100\n']]);
  fix([['shop/emails.py', '    return [{"to": a, "body": text} for a in addresses]\n', '    return [{"to": a, "body": text} for a in sorted(set(addresses))]\n']]);
  fix([
    ['web/src/format.js', "  return currency + ' ' + fixed;\n", "  return fixed + ' ' + currency;\n"],
    ['web/src/render.js', "  el.className = 'total';\n", "  el.className = 'total amount';\n"],
  ]);
  Object.assign(SHOP_FILES, original);
  const statements = [
    'compute_discount ignores the VIP cap for large amounts',
    'Zebra quokka wombat',
    'formatCurrency and renderTotal put the currency on the wrong side',
  ];
  instances = statements.map((problem_statement, i) => ({
    instance_id: `acme__shop-${i + 1}`,
    repo: 'acme/shop',
    base_commit: commits[i]!,
    problem_statement,
    patch: git(repo.root, 'diff', commits[i]!, commits[i + 1]!),
  }));
  work = mkdtempSync(join(tmpdir(), 'ragent-localize-test-'));
  execFileSync('git', ['clone', '-q', '--bare', repo.root, join(work, 'repos', 'acme__shop')]);
});

afterAll(() => {
  repo?.cleanup();
  if (work) rmSync(work, { recursive: true, force: true });
});

const options = (over: Partial<LocalizeRunOptions> = {}): LocalizeRunOptions => ({
  instances,
  datasetName: 'tiny',
  reposDir: join(work, 'repos'),
  budgets: [1, 2_000],
  resultsFile: join(work, 'out', 'results.jsonl'),
  cacheDir: join(work, 'cache'),
  // Without vectors, a file that shares no word with an issue cannot be ranked at all.
  config: configSchema.parse({ retrieval: { weights: { vector: 0 } } }),
  counter: fastBpeCounter(),
  ...over,
});

describe('gold locations', () => {
  it('reads changed old-file lines per hunk, places insertions, and leaves out created files', () => {
    const patch = [
      'diff --git a/a.py b/a.py',
      '--- a/a.py',
      '+++ b/a.py',
      '@@ -3,4 +3,4 @@ def f():',
      ' x = 1',
      '-y = 2',
      '+y = 3',
      ' z = 3',
      ' w = 4',
      '@@ -20,2 +20,3 @@',
      ' a',
      '+b',
      ' c',
      'diff --git a/new.py b/new.py',
      'new file mode 100644',
      '--- /dev/null',
      '+++ b/new.py',
      '@@ -0,0 +1,2 @@',
      '+hello',
      '+world',
    ].join('\n');
    expect(goldLocations(patch)).toEqual([{ path: 'a.py', hunks: [{ lines: [4] }, { lines: [20] }] }]);
  });

  it('scores rankings and contexts against them', () => {
    const gold = [
      { path: 'a.py', hunks: [{ lines: [4, 5] }, { lines: [40] }] },
      { path: 'b.py', hunks: [{ lines: [1] }] },
    ];
    expect(scoreRanking(['x.py', 'b.py', 'y.py', 'a.py'], gold)).toEqual({ r1: 0, r5: 1, r10: 1, mrr: 0.5 });
    expect(scoreRanking([], gold)).toEqual({ r1: 0, r5: 0, r10: 0, mrr: 0 });
    const ctx = [
      { path: 'a.py', startLine: 1, endLine: 4 },
      { path: 'a.py', startLine: 5, endLine: 9 },
      { path: 'c.py', startLine: 1, endLine: 9 },
    ];
    expect(scoreContext(ctx, gold)).toEqual({ file: 0.5, hunk: 1 / 3 });
  });
});

describe('eval localize', () => {
  it('computes the expected recall figures on a dataset made from a fixture repository\'s history', async () => {
    const summary = await runLocalize(options());
    const rows = readFileSync(join(work, 'out', 'results.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(rows.map((r) => r.instance_id)).toEqual(['acme__shop-1', 'acme__shop-2', 'acme__shop-3']);
    expect(rows.every((r) => !r.error)).toBe(true);
    expect(rows[0].gold).toEqual(['shop/pricing.py']);
    expect(rows[2].gold).toEqual(['web/src/format.js', 'web/src/render.js']);

    // 1: the issue names the function: found first, its hunk in any context that holds anything.
    expect(rows[0].ragent).toMatchObject({ r1: 1, r5: 1, r10: 1, mrr: 1 });
    expect(rows[0].ragent.top[0]).toBe('shop/pricing.py');
    expect(rows[0].ragent.ctx['2000']).toMatchObject({ file: 1, hunk: 1 });
    // 2: nothing in the issue leads to the fixed file, for either method.
    expect(rows[1].ragent).toMatchObject({ r1: 0, r5: 0, r10: 0, mrr: 0, top: [] });
    expect(rows[1].bm25).toMatchObject({ r1: 0, r5: 0, r10: 0, mrr: 0, top: [] });
    expect(rows[1].ragent.ctx['2000']).toMatchObject({ file: 0, hunk: 0 });
    // 3: two gold files, both named: one at rank 1, both in the top five.
    expect(rows[2].ragent).toMatchObject({ r1: 0.5, r5: 1, r10: 1, mrr: 1 });
    expect(rows[2].ragent.ctx['2000']).toMatchObject({ file: 1, hunk: 1 });
    // A one-token budget holds nothing.
    for (const r of rows) for (const m of [r.ragent, r.bm25]) expect(m.ctx['1']).toEqual({ file: 0, hunk: 0, tokens: 0 });
    for (const r of rows) for (const m of [r.ragent, r.bm25]) expect(m.ctx['2000'].tokens).toBeLessThanOrEqual(2_000);

    const overall = summary.groups.find((g) => g.group === 'overall')!;
    expect(overall.n).toBe(3);
    expect(overall.ragent.r1).toBeCloseTo(0.5, 10);
    expect(overall.ragent.r5).toBeCloseTo(2 / 3, 10);
    expect(overall.ragent.mrr).toBeCloseTo(2 / 3, 10);
    expect(overall.ragent.ctx['2000']).toEqual({ file: 2 / 3, hunk: 2 / 3 });
    expect(summary.groups.map((g) => g.group)).toEqual(['overall', 'javascript', 'python', 'acme/shop']);
    const table = formatSummary(summary);
    expect(table).toContain('hunk@2k');
    expect(table.split('\n')[1]).toMatch(/^overall\s+3\s+ragent\s+0\.50\s+0\.67/);
  });

  it('resumes: finished instances are read back, an interrupted line is redone', async () => {
    const file = join(work, 'out', 'results.jsonl');
    const before = readFileSync(file, 'utf8');
    const progress: string[] = [];
    const again = await runLocalize(options({ onProgress: (p) => progress.push(p.phase) }));
    expect(readFileSync(file, 'utf8')).toBe(before);
    expect(progress).toEqual([]);
    // Cut the last row short, as a kill mid-write would.
    const lines = before.trim().split('\n');
    writeFileSync(file, lines.slice(0, 2).join('\n') + '\n' + lines[2]!.slice(0, 40));
    const resumed = await runLocalize(options({ onProgress: (p) => progress.push(`${p.instance}:${p.phase}`) }));
    expect(progress.filter((p) => p.endsWith(':done'))).toEqual(['acme__shop-3:done']);
    expect(resumed.groups[0]).toEqual(again.groups[0]);
  });

  it('selects with --limit and --shard', async () => {
    const s = await runLocalize(options({ shard: { index: 2, count: 2 }, resultsFile: join(work, 'out2', 'r.jsonl') }));
    expect(s.groups[0]!.n).toBe(1);
    const l = await runLocalize(options({ limit: 2, resultsFile: join(work, 'out2', 'r.jsonl') }));
    expect(l.groups[0]!.n).toBe(2);
  });

  it('says clearly when a repository or commit is missing, before any work', async () => {
    await expect(runLocalize(options({ reposDir: join(work, 'nowhere') }))).rejects.toBeInstanceOf(RepositoryError);
    const bad = [{ ...instances[0]!, base_commit: 'f'.repeat(40) }];
    await expect(runLocalize(options({ instances: bad }))).rejects.toBeInstanceOf(LocalizeDatasetError);
  });

  it('rejects dataset rows without the fields it needs', () => {
    const file = join(work, 'bad.jsonl');
    writeFileSync(file, JSON.stringify({ instance_id: 'x', repo: 'a/b' }) + '\n');
    expect(() => loadDataset(file)).toThrow(/has no "base_commit"/);
    writeFileSync(file, '{not json\n');
    expect(() => loadDataset(file)).toThrow(LocalizeDatasetError);
  });
});

describe('BM25 baseline', () => {
  const tree = (files: Record<string, string>): string => {
    const dir = mkdtempSync(join(tmpdir(), 'ragent-baseline-'));
    for (const [p, text] of Object.entries(files)) writeFileSync(join(dir, p), text);
    return dir;
  };

  it('ranks with the protocol searcher\'s BM25 parameters, which weigh a longer file\'s length less', () => {
    const filler = Array.from({ length: 4 }, (_, i) => `value_${i} = compute_${i}()`).join('\n');
    const dir = tree({ 'a.py': 'alpha = 1\n', 'b.py': `alpha = alpha + 1\n${filler}\n` });
    try {
      const b = new Bm25Baseline(dir, ['a.py', 'b.py']);
      // Under the common defaults (k1 1.2, b 0.75) the short file would come first.
      expect(b.rank('alpha').map((d) => b.path(d))).toEqual(['b.py', 'a.py']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keeps the protocol\'s top files only, and packs from them alone', () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < BASELINE_HITS + 5; i++) files[`m${String(i).padStart(2, '0')}.py`] = `def widget_${i}():\n    return "widget"\n`;
    const dir = tree(files);
    try {
      const b = new Bm25Baseline(dir, Object.keys(files).sort());
      const order = b.rank('the widget is broken');
      expect(order).toHaveLength(BASELINE_HITS);
      const packed = b.pack(order, 1_000_000, fastBpeCounter());
      expect(packed.items).toHaveLength(BASELINE_HITS);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
