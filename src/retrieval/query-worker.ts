/**
 * The worker behind `openQueryReader`: opens the index (loading LanceDB and Arrow on this thread, not the
 * query's) and answers vector searches until it is told to close.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openIndex } from '../../indexers/store/index.js';
import type { RagentConfig } from '../config/schema.js';
import { RagentError } from '../errors.js';
import { resolveRepoRoot } from '../util/repo.js';

/** A failure as it crosses threads: enough to raise the same kind of error on the other side. */
export interface WorkerFailure {
  name: string;
  message: string;
  hint?: string;
}

const failure = (err: unknown): WorkerFailure => {
  const e = err instanceof Error ? err : new Error(String(err));
  return { name: e.name, message: e.message, hint: e instanceof RagentError ? e.hint : undefined };
};

const port = parentPort!;
// Started early (before the command line is parsed) it gets the `--repo` value and finds the root itself.
const { root: given, dir, config } = workerData as { root?: string; dir?: string; config?: RagentConfig };
try {
  const root = given ?? resolveRepoRoot(dir);
  const reader = await openIndex(root, config);
  port.on('message', (m: { id: number; vector?: Float32Array; k?: number; close?: boolean }) => {
    if (m.close) {
      void reader.close().finally(() => port.close());
      return;
    }
    reader.vectorSearch(m.vector!, m.k!).then(
      (hits) => port.postMessage({ id: m.id, hits }),
      (err: unknown) => port.postMessage({ id: m.id, error: failure(err) }),
    );
  });
  port.postMessage({ open: reader.meta, root });
} catch (err) {
  port.postMessage({ error: failure(err) });
}
