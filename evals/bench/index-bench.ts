/**
 * `npm run bench:index -- <path-to-repo> [--runs N] [--keep]`
 *
 * Indexes a copy of a real repository with `ragent index` (built-in embedder) as a child process, with and
 * without the retrieval snapshot refresh that ends a run, then again after nothing and after one file
 * changed, and runs Universal Ctags (`ctags -R`) on the same tree as the floor. Also times tree-sitter alone
 * (read and parse every code file, nothing else) on one thread and on every core: the part of the work no
 * change to ragent's own code can remove. Prints one table: wall time, CPU time and peak RSS of each,
 * measured in this run (median of N runs when --runs is given; the runs of each kind are interleaved).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { languageForPath } from '../../indexers/parse/languages.js';
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
function measure(cmd: string, args: string[], cwd: string, env: Record<string, string> = {}): Measure {
  const res = spawnSync('/usr/bin/time', ['-f', '%e %M %U %S', cmd, ...args], {
    cwd,
    encoding: 'utf8',
    maxBuffer: 1 << 28,
    env: { ...process.env, NO_COLOR: '1', ...env },
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

/**
 * The parse floor, run in a child process (`--parse-floor <dir> <threads>`): read and parse every code file
 * with the grammars and buffer size ragent uses, split round-robin over `threads` threads, nothing else.
 * Plain JavaScript in the workers, so they need no TypeScript loader.
 */
const PARSE_FLOOR_WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const { readFileSync } = require('node:fs');
const req = require('node:module').createRequire(workerData.base);
const Parser = req('tree-sitter');
const ts = req('tree-sitter-typescript');
const grammars = { typescript: ts.typescript, tsx: ts.tsx, javascript: req('tree-sitter-javascript'), python: req('tree-sitter-python') };
const parsers = {};
(async () => {
  let bytes = 0;
  for (let i = 0; i < workerData.files.length; i++) {
    const [path, language] = workerData.files[i];
    const text = readFileSync(workerData.root + '/' + path, 'utf8');
    let parser = parsers[language];
    if (!parser) { parser = parsers[language] = new Parser(); parser.setLanguage(grammars[language]); }
    parser.parse(text, null, { bufferSize: Math.min(Math.max(text.length + 1, 32 * 1024), 4 * 1024 * 1024) });
    bytes += text.length;
    // Finalizers of dropped trees run from the event loop, as in the index run.
    if (i % 8 === 7) await new Promise((r) => setImmediate(r));
  }
  parentPort.postMessage(bytes);
})();
`;

async function parseFloor(dir: string, threads: number): Promise<void> {
  const files = git(dir, 'ls-files', '-z')
    .split('\0')
    .filter(Boolean)
    .map((p) => [p, languageForPath(p)] as const)
    .filter(([p, l]) => l !== 'text' && statSync(join(dir, p), { throwIfNoEntry: false })?.isFile() && statSync(join(dir, p)).size <= 1_000_000);
  const base = createRequire(import.meta.url).resolve('tree-sitter');
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const parts = Array.from({ length: threads }, (_, t) => files.filter((_, i) => i % threads === t));
  const bytes = await Promise.all(
    parts.map(
      (part) =>
        new Promise<number>((done, fail) => {
          const w = new Worker(PARSE_FLOOR_WORKER, { eval: true, workerData: { root: dir, base, files: part } });
          w.once('message', (n: number) => void w.terminate().then(() => done(n)));
          w.once('error', fail);
        }),
    ),
  );
  const cpu = process.cpuUsage(cpu0);
  const result = { files: files.length, bytes: bytes.reduce((a, b) => a + b, 0), wallS: (performance.now() - t0) / 1000, cpuS: (cpu.user + cpu.system) / 1e6 };
  process.stdout.write(JSON.stringify(result));
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const floorArg = args.indexOf('--parse-floor');
  if (floorArg >= 0) return parseFloor(args[floorArg + 1]!, Number(args[floorArg + 2]));
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
    const fullAlone: Measure[] = [];
    const incremental: Measure[] = [];
    const noop: Measure[] = [];
    const parse1: Measure[] = [];
    const parseN: Measure[] = [];
    const cores = availableParallelism();
    const self = fileURLToPath(import.meta.url);
    // Timed inside the child, from the first worker started to the last tree parsed: no process start-up.
    const floor = (threads: number): Measure => {
      const m = measure(process.execPath, [...process.execArgv, self, '--parse-floor', dir, String(threads)], dir);
      const own = JSON.parse(m.stdout) as { wallS: number; cpuS: number };
      return { ...m, wallS: own.wallS, cpuS: own.cpuS };
    };
    let stats: Record<string, unknown> = {};
    let incStats: Record<string, unknown> = {};
    let parsed: { files: number; bytes: number } = { files: 0, bytes: 0 };
    for (let i = 0; i < runs; i++) {
      ctags.push(measure('ctags', ['-R', '-f', join(tmpdir(), `ragent-bench-tags-${process.pid}`), '--exclude=.git', '--exclude=.ragent', '.'], dir));
      parse1.push(floor(1));
      parseN.push(floor(cores));
      parsed = JSON.parse(parseN.at(-1)!.stdout) as typeof parsed;
      fullAlone.push(measure(process.execPath, [BIN, 'index', '--repo', dir, '--json', '--full'], dir, { RAGENT_INDEX_SNAPSHOT: '0' }));
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
    const base = pick(ctags).wallS;
    const out = [
      `repository: ${source} (${tracked} tracked files; indexed ${stats.files} files, ${stats.symbols} symbols, ${stats.chunks} chunks, ${stats.edges} edges)`,
      `runs: ${runs} (median); node ${process.version}; ${cpus().length} cores; load average ${loadStart} at start, ${loadAverage()} at end; changed file: ${target}`,
      '',
      `| ${'run'.padEnd(36)} | wall s | cpu s  | peak RSS MB | vs ctags | note |`,
      `|${'-'.repeat(38)}|--------|--------|-------------|----------|------|`,
      row('ctags -R (floor)', pick(ctags), base),
      row('tree-sitter parse only, 1 thread', pick(parse1), base, `${parsed.files} files, ${(parsed.bytes / 1e6).toFixed(1)} M chars; no process start`),
      row(`tree-sitter parse only, ${cores} threads`, pick(parseN), base, 'no process start'),
      row('ragent index --full (hash embedder)', pick(full), base, workMs(full)),
      row('  the same, without snapshot refresh', pick(fullAlone), base, workMs(fullAlone)),
      row('ragent index, nothing changed', pick(noop), base, workMs(noop)),
      row('ragent index, one file changed', pick(incremental), base, `${workMs(incremental)}; parsed ${incStats.changed}`),
      '',
      `goals: full ≤ 4x ctags (${(pick(full).wallS / base).toFixed(2)}x), one-file re-index < 1.5 s (${pick(incremental).wallS.toFixed(2)} s), peak RSS < 1536 MB (${Math.max(pick(full).rssMb, pick(incremental).rssMb).toFixed(0)} MB)`,
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
