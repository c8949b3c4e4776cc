/**
 * An index reader for a query command that keeps the store off the query's thread. Loading LanceDB and
 * Arrow takes about a fifth of a second; a worker thread does that and opens the index while this thread
 * reads the retrieval snapshot, then runs the query's vector search. Whole-table reads (only needed when
 * the snapshot has to be rebuilt) open the store on this thread.
 */
import { Worker } from 'node:worker_threads';
import { embedderForIndex } from '../../indexers/embed/index.js';
import type { ChunkHit, ChunkRecord, EdgeRecord, Embedder, FileRecord, IndexMeta, IndexReader } from '../../indexers/types.js';
import type { RagentConfig } from '../config/schema.js';
import { IndexError, RagentError } from '../errors.js';
import type { WorkerFailure } from './query-worker.js';

function bootstrapSource(entry: string): string {
  // Workers do not inherit tsx's loader: from sources, register it before importing the entry.
  if (!entry.endsWith('.ts')) return `import(${JSON.stringify(entry)});`;
  const tsx = import.meta.resolve('tsx/esm/api');
  return `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); });`;
}

/** The error a worker reported, as the kind of error it was (an index error keeps its hint). */
function raised(f: WorkerFailure): Error {
  if (f.name === 'IndexError') return new IndexError(f.message, f.hint);
  return f.hint !== undefined ? new RagentError(f.message, f.hint) : new Error(f.message);
}

class QueryReader implements IndexReader {
  private nextId = 0;
  private readonly pending = new Map<number, { resolve: (hits: ChunkHit[]) => void; reject: (err: Error) => void }>();
  private local?: Promise<IndexReader>;
  private embedderInstance?: Embedder;

  constructor(
    readonly root: string,
    readonly meta: IndexMeta,
    private readonly worker: Worker,
    private readonly config: RagentConfig,
  ) {
    worker.on('message', (m: { id: number; hits?: ChunkHit[]; error?: WorkerFailure }) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.error) p.reject(raised(m.error));
      else p.resolve(m.hits!);
    });
    worker.on('error', (err) => this.failAll(err));
    worker.on('exit', () => this.failAll(new IndexError('the index reader stopped', 'run the command again')));
  }

  private failAll(err: Error): void {
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }

  /** The store opened on this thread, for the reads the worker does not serve. */
  private store(): Promise<IndexReader> {
    this.local ??= import('../../indexers/store/index.js').then((m) => m.openIndex(this.root, this.config));
    return this.local;
  }

  fullTextSearch(query: string, k: number): Promise<ChunkHit[]> {
    return this.store().then((r) => r.fullTextSearch(query, k));
  }

  vectorSearch(vector: Float32Array, k: number): Promise<ChunkHit[]> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, vector, k });
    });
  }

  allChunks(): Promise<ChunkRecord[]> {
    return this.store().then((r) => r.allChunks());
  }

  allEdges(): Promise<EdgeRecord[]> {
    return this.store().then((r) => r.allEdges());
  }

  allFiles(): Promise<FileRecord[]> {
    return this.store().then((r) => r.allFiles());
  }

  embedder(): Embedder {
    this.embedderInstance ??= embedderForIndex(this.meta.embedder, this.config);
    return this.embedderInstance;
  }

  async close(): Promise<void> {
    this.worker.postMessage({ close: true });
    // The worker closes the store and ends; it must not hold the process open meanwhile.
    this.worker.unref();
    if (this.local) await (await this.local).close();
  }
}

type Opened = { worker: Worker; root?: string; meta?: IndexMeta; error?: WorkerFailure | Error };

function spawn(data: { root?: string; dir?: string; config?: RagentConfig }): { worker: Worker; opened: Promise<Opened> } {
  const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
  const entry = new URL(`./query-worker${ext}`, import.meta.url).href;
  const worker = new Worker(bootstrapSource(entry), { eval: true, workerData: data });
  const opened = new Promise<Opened>((resolve) => {
    const done = (o: Omit<Opened, 'worker'>): void => {
      worker.off('message', first);
      worker.off('error', failed);
      worker.off('exit', exited);
      resolve({ worker, ...o });
    };
    const first = (m: { open?: IndexMeta; root?: string; error?: WorkerFailure }): void =>
      done(m.error ? { error: m.error } : { meta: m.open!, root: m.root! });
    const failed = (err: Error): void => done({ error: err });
    const exited = (): void => done({ error: new IndexError('the index reader stopped before opening the index', 'run the command again') });
    worker.on('message', first);
    worker.on('error', failed);
    worker.on('exit', exited);
  });
  return { worker, opened };
}

let early: { worker: Worker; opened: Promise<Opened> } | undefined;

/**
 * Start opening the index of the repository at `dir` (the `--repo` value; the current directory's
 * repository when absent) before the command line is even parsed. `openQueryReader` takes the worker
 * when it opened the repository the command asks for; otherwise it is stopped.
 */
export function openQueryReaderEarly(dir: string | undefined): void {
  const { worker, opened } = spawn({ dir });
  // Not yet wanted by anyone: it must not hold the process open (say, after a usage error).
  worker.unref();
  early = { worker, opened };
}

/**
 * Open the repository's index for queries, the store loading on a worker thread. Fails like `openIndex`
 * (an `IndexError` saying to run `ragent index`) when there is no usable index.
 */
export async function openQueryReader(root: string, config: RagentConfig): Promise<IndexReader> {
  const ahead = early;
  early = undefined;
  if (ahead) {
    // Awaited now: the worker must keep the process alive until it answers.
    ahead.worker.ref();
    const o = await ahead.opened;
    if (!o.error && o.root === root) return new QueryReader(root, o.meta!, o.worker, config);
    void o.worker.terminate();
  }
  const o = await spawn({ root, config }).opened;
  if (o.error) {
    void o.worker.terminate();
    throw o.error instanceof Error ? o.error : raised(o.error);
  }
  return new QueryReader(root, o.meta!, o.worker, config);
}
