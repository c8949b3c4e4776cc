/**
 * Parallel file analysis on worker threads. Workers do not inherit tsx's loader, so when running from
 * sources each one starts from a tiny JavaScript bootstrap that registers tsx before importing worker.ts.
 */
import { Worker } from 'node:worker_threads';
import { analyseFile, type AnalyseContext, type FileResult } from './analyse.js';

/** Analyses lists of files, in order, on `size` workers (or in this thread when size is 0). */
export interface AnalysePool {
  analyse(paths: string[]): Promise<(FileResult | null)[]>;
  close(): Promise<void>;
}

/** Files per message: large enough that messaging is cheap, small enough to keep every worker busy. */
const SLICE = 8;

/** Yield to the event loop: finalizers of collected parse trees run only there. */
const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function inThread(ctx: AnalyseContext): AnalysePool {
  return {
    async analyse(paths) {
      const out: (FileResult | null)[] = [];
      for (let i = 0; i < paths.length; i++) {
        // Parse trees hold native memory that is freed by finalizers; a long synchronous loop never lets
        // them run and grew by about half a megabyte a file.
        if (i % SLICE === SLICE - 1) await turn();
        out.push(analyseFile(ctx, paths[i]!));
      }
      return out;
    },
    close: async () => {},
  };
}

function bootstrapSource(entry: string): string {
  const fromSource = entry.endsWith('.ts');
  const tsx = fromSource ? import.meta.resolve('tsx/esm/api') : '';
  return fromSource
    ? `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); });`
    : `import(${JSON.stringify(entry)});`;
}

/** A pool of `size` workers; `size` 0 analyses in the calling thread. */
export function analysePool(ctx: AnalyseContext, size: number): AnalysePool {
  if (size <= 0) return inThread(ctx);
  const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
  const entry = new URL(`./worker${ext}`, import.meta.url).href;
  const init = { ...ctx, repoFiles: [...ctx.repoFiles] };
  const workers = Array.from({ length: size }, () => new Worker(bootstrapSource(entry), { eval: true, workerData: { init } }));
  const idle = [...workers];
  const queue: { id: number; paths: string[] }[] = [];
  const pending = new Map<number, { resolve: (r: (FileResult | null)[]) => void; reject: (e: Error) => void }>();
  let nextId = 0;
  let failure: Error | null = null;

  const pump = (): void => {
    while (idle.length && queue.length) idle.pop()!.postMessage(queue.shift()!);
  };
  for (const w of workers) {
    w.on('message', (msg: { id: number; results?: (FileResult | null)[]; error?: string }) => {
      const p = pending.get(msg.id);
      pending.delete(msg.id);
      idle.push(w);
      pump();
      if (msg.error !== undefined) p?.reject(new Error(`worker failed: ${msg.error}`));
      else p?.resolve(msg.results!);
    });
    w.on('error', (err) => {
      failure = err;
      for (const p of pending.values()) p.reject(err);
      pending.clear();
    });
  }

  const submit = (paths: string[]): Promise<(FileResult | null)[]> =>
    new Promise((resolve, reject) => {
      if (failure) return reject(failure);
      const id = nextId++;
      pending.set(id, { resolve, reject });
      queue.push({ id, paths });
      pump();
    });

  return {
    async analyse(paths) {
      const slices: Promise<(FileResult | null)[]>[] = [];
      for (let i = 0; i < paths.length; i += SLICE) slices.push(submit(paths.slice(i, i + SLICE)));
      return (await Promise.all(slices)).flat();
    },
    async close() {
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}
