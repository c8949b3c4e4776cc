/**
 * Parallel file analysis on worker threads. Workers do not inherit tsx's loader, so when running from
 * sources each one starts from a tiny JavaScript bootstrap that registers tsx before importing worker.ts.
 */
import { Worker } from 'node:worker_threads';
import { analyseFile, type AnalyseContext, type FileResult } from './analyse.js';

/** Analyses lists of files, in order, on worker threads and in this thread. */
export interface AnalysePool {
  analyse(paths: string[]): Promise<(FileResult | null)[]>;
  close(): Promise<void>;
}

/** Files per slice of work: large enough that messaging is cheap, small enough to keep every thread busy. */
const SLICE = 8;

/** Slices a worker holds at once, so it starts the next while its last result is still being received. */
const WORKER_DEPTH = 2;

function bootstrapSource(entry: string): string {
  const fromSource = entry.endsWith('.ts');
  const tsx = fromSource ? import.meta.resolve('tsx/esm/api') : '';
  return fromSource
    ? `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); });`
    : `import(${JSON.stringify(entry)});`;
}

interface Job {
  id: number;
  paths: string[];
  resolve: (r: (FileResult | null)[]) => void;
  reject: (e: Error) => void;
}

/**
 * A pool of `workers` threads; this thread analyses slices too, between its other work, so that `workers`
 * = cores - 1 keeps every core busy without a thread idling on the writes (0: this thread alone).
 */
export function analysePool(ctx: AnalyseContext, workers: number): AnalysePool {
  const queue: Job[] = [];
  const pending = new Map<number, Job>();
  let nextId = 0;
  let failure: Error | null = null;

  // This thread takes one slice per turn of the event loop: worker messages and store writes are handled
  // between slices, and parse trees (native memory, freed by finalizers that run from the loop) do not pile up.
  let scheduled = false;
  const runHere = (): void => {
    scheduled = false;
    const job = queue.shift();
    if (!job) return;
    try {
      job.resolve(job.paths.map((p) => analyseFile(ctx, p)));
    } catch (err) {
      job.reject(err instanceof Error ? err : new Error(String(err)));
    }
    schedule();
  };
  const schedule = (): void => {
    if (!scheduled && queue.length) {
      scheduled = true;
      setImmediate(runHere);
    }
  };

  const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
  const entry = new URL(`./worker${ext}`, import.meta.url).href;
  const init = { ...ctx, repoFiles: [...ctx.repoFiles] };
  const threads = Array.from({ length: workers }, () => ({
    worker: new Worker(bootstrapSource(entry), { eval: true, workerData: { init } }),
    load: 0,
  }));
  const pump = (): void => {
    for (const t of threads) {
      while (t.load < WORKER_DEPTH && queue.length) {
        const job = queue.shift()!;
        pending.set(job.id, job);
        t.load++;
        t.worker.postMessage({ id: job.id, paths: job.paths });
      }
    }
  };
  for (const t of threads) {
    t.worker.on('message', (msg: { id: number; results?: (FileResult | null)[]; error?: string }) => {
      const job = pending.get(msg.id);
      pending.delete(msg.id);
      t.load--;
      pump();
      if (msg.error !== undefined) job?.reject(new Error(`worker failed: ${msg.error}`));
      else job?.resolve(msg.results!);
    });
    t.worker.on('error', (err) => {
      failure = err;
      for (const job of [...pending.values(), ...queue.splice(0)]) job.reject(err);
      pending.clear();
    });
  }

  const submit = (paths: string[]): Promise<(FileResult | null)[]> =>
    new Promise((resolve, reject) => {
      if (failure) return reject(failure);
      queue.push({ id: nextId++, paths, resolve, reject });
      pump();
      schedule();
    });

  return {
    async analyse(paths) {
      const slices: Promise<(FileResult | null)[]>[] = [];
      for (let i = 0; i < paths.length; i += SLICE) slices.push(submit(paths.slice(i, i + SLICE)));
      return (await Promise.all(slices)).flat();
    },
    async close() {
      await Promise.all(threads.map((t) => t.worker.terminate()));
    },
  };
}
