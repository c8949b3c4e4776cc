/**
 * `npm run bench:index -- <path-to-repo> [--runs N] [--keep]`
 *
 * Indexes a copy of a real repository with `ragent index` (built-in embedder) as a child process, then again
 * after one file changes, and runs Universal Ctags (`ctags -R`) on the same tree as the floor. Prints one
 * table: wall time and peak RSS of each, measured in this run (median of N runs when --runs is given).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openIndex } from '../../indexers/store/index.js';

const BIN = fileURLToPath(new URL('../../bin/ragent.js', import.meta.url));

interface Measure {
  wallS: number;
  /** User plus system CPU seconds, all threads: steadier than wall time on a busy machine. */
  cpuS: number;
  rssMb: number;
  stdout: string;
}

/** Run a command under GNU time and return its wall time and peak resident set size. */
function measure(cmd: string, args: string[], cwd: string): Measure {
  const res = spawnSync('/usr/bin/time', ['-f', '%e %M %U %S', cmd, ...args], {
    cwd,
    encoding: 'utf8',
    maxBuffer: 1 << 28,
    env: { ...process.env, NO_COLOR: '1' },
  });
  const lines = res.stderr.trim().split('\n');
  const [wall, rss, user, sys] = lines[lines.length - 1]!.split(' ').map(Number);
  if (res.status !== 0 || !Number.isFinite(wall)) {
    throw new Error(`${cmd} ${args.join(' ')} failed (${res.status}):\n${res.stderr.slice(-2000)}`);
  }
  return { wallS: wall!, cpuS: user! + sys!, rssMb: rss! / 1024, stdout: res.stdout };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    maxBuffer: 1 << 28,
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 'bench', GIT_AUTHOR_EMAIL: 'bench@example.com',
      GIT_COMMITTER_NAME: 'bench', GIT_COMMITTER_EMAIL: 'bench@example.com',
    },
  });
}

/** A copy of `source` that is a git repository (created and committed when the source is a plain tree). */
function prepareCopy(source: string): string {
  const dir = mkdtempSync(join(tmpdir(), `ragent-bench-${basename(source)}-`));
  cpSync(source, dir, { recursive: true, filter: (p) => basename(p) !== '.ragent' && basename(p) !== 'tags' });
  if (!existsSync(join(dir, '.git'))) {
    git(dir, 'init', '-q');
    git(dir, 'add', '-A');
    git(dir, 'commit', '-q', '-m', 'bench');
  }
  return dir;
}

/** A mid-sized source file to edit for the incremental run. */
function pickFileToChange(dir: string): string {
  const files = git(dir, 'ls-files', '-z').split('\0').filter((p) => /\.(py|ts|tsx|js)$/.test(p) && !/node_modules|dist\//.test(p));
  const sized = files.map((p) => ({ p, size: statSync(join(dir, p)).size })).sort((a, b) => a.size - b.size);
  return sized[Math.floor(sized.length / 2)]!.p;
}

type Summary = { wallS: number; cpuS: number; rssMb: number };

function row(name: string, m: Summary, floor: number, note = ''): string {
  const cells = [name.padEnd(36), m.wallS.toFixed(2).padStart(6), m.cpuS.toFixed(2).padStart(6), m.rssMb.toFixed(0).padStart(11), `${(m.wallS / floor).toFixed(2)}x`.padStart(8), note];
  return `| ${cells.join(' | ')} |`;
}

/** ragent's own time for the work (`ms` of its JSON stats), without process start-up. */
function workMs(ms: Measure[]): string {
  return `work ${median(ms.map((m) => Number((JSON.parse(m.stdout) as { ms: number }).ms) / 1000)).toFixed(2)} s`;
}

function loadAverage(): string {
  return execFileSync('cat', ['/proc/loadavg'], { encoding: 'utf8' }).split(' ').slice(0, 3).join(' ');
}

/** Mean latency of exact vector search and of full-text search on the finished index. */
async function queryLatency(dir: string): Promise<string> {
  const index = await openIndex(dir);
  try {
    const queries = ['parse the input into a tree', 'print the result as text', 'solve the equation', 'read the configuration file', 'compare two values', 'convert to string'];
    const vectors = await index.embedder().embed(queries);
    await index.vectorSearch(vectors[0]!, 20); // warm-up: first query opens the files
    let t0 = performance.now();
    for (const v of vectors) await index.vectorSearch(v, 20);
    const vectorMs = (performance.now() - t0) / vectors.length;
    t0 = performance.now();
    for (const q of queries) await index.fullTextSearch(q, 20);
    const ftsMs = (performance.now() - t0) / queries.length;
    return `query latency: exact vector search ${vectorMs.toFixed(1)} ms, full-text search ${ftsMs.toFixed(1)} ms (mean of ${queries.length}, k=20)`;
  } finally {
    await index.close();
  }
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const source = args.find((a) => !a.startsWith('--'));
  const runsArg = args.indexOf('--runs');
  const runs = runsArg >= 0 ? Math.max(1, Number(args[runsArg + 1])) : 1;
  if (!source || !existsSync(source)) {
    process.stderr.write('usage: npm run bench:index -- <path-to-repo> [--runs N] [--keep]\n');
    process.exitCode = 2;
    return;
  }
  const dir = prepareCopy(resolve(source));
  try {
    const tracked = git(dir, 'ls-files').split('\n').filter(Boolean).length;
    const loadStart = loadAverage();
    const target = pickFileToChange(dir);
    const ctags: Measure[] = [];
    const full: Measure[] = [];
    const incremental: Measure[] = [];
    const noop: Measure[] = [];
    let stats: Record<string, unknown> = {};
    let incStats: Record<string, unknown> = {};
    for (let i = 0; i < runs; i++) {
      ctags.push(measure('ctags', ['-R', '-f', join(tmpdir(), `ragent-bench-tags-${process.pid}`), '--exclude=.git', '--exclude=.ragent', '.'], dir));
      const f = measure(process.execPath, [BIN, 'index', '--repo', dir, '--json', '--full'], dir);
      full.push(f);
      stats = JSON.parse(f.stdout) as Record<string, unknown>;
      noop.push(measure(process.execPath, [BIN, 'index', '--repo', dir, '--json'], dir));
      const comment = target.endsWith('.py') ? '#' : '//';
      appendFileSync(join(dir, target), `\n${comment} bench edit ${i} ${Date.now()}\n`);
      const inc = measure(process.execPath, [BIN, 'index', '--repo', dir, '--json'], dir);
      incremental.push(inc);
      incStats = JSON.parse(inc.stdout) as Record<string, unknown>;
    }
    const pick = (ms: Measure[]): Summary => ({
      wallS: median(ms.map((m) => m.wallS)),
      cpuS: median(ms.map((m) => m.cpuS)),
      rssMb: median(ms.map((m) => m.rssMb)),
    });
    const floor = pick(ctags).wallS;
    const out = [
      `repository: ${source} (${tracked} tracked files; indexed ${stats.files} files, ${stats.symbols} symbols, ${stats.chunks} chunks, ${stats.edges} edges)`,
      `runs: ${runs} (median); node ${process.version}; ${cpus().length} cores; load average ${loadStart} at start, ${loadAverage()} at end; changed file: ${target}`,
      '',
      `| ${'run'.padEnd(36)} | wall s | cpu s  | peak RSS MB | vs ctags | note |`,
      `|${'-'.repeat(38)}|--------|--------|-------------|----------|------|`,
      row('ctags -R (floor)', pick(ctags), floor),
      row('ragent index --full (hash embedder)', pick(full), floor, workMs(full)),
      row('ragent index, nothing changed', pick(noop), floor, workMs(noop)),
      row('ragent index, one file changed', pick(incremental), floor, `${workMs(incremental)}; parsed ${incStats.changed}`),
      '',
      `goals: full ≤ 4x ctags (${(pick(full).wallS / floor).toFixed(2)}x), one-file re-index < 1.5 s (${pick(incremental).wallS.toFixed(2)} s), peak RSS < 1536 MB (${Math.max(pick(full).rssMb, pick(incremental).rssMb).toFixed(0)} MB)`,
    ];
    process.stdout.write(out.join('\n') + '\n');
    const ragentSize = execFileSync('du', ['-sm', join(dir, '.ragent')], { encoding: 'utf8' }).split('\t')[0];
    process.stdout.write(`index size on disk: ${ragentSize} MB\n`);
    process.stdout.write(`${await queryLatency(dir)}\n`);
  } finally {
    if (!args.includes('--keep')) rmSync(dir, { recursive: true, force: true });
    else process.stdout.write(`kept copy: ${dir}\n`);
  }
}

await main();
