/** Worker thread entry: analyses the files it is sent (see pool.ts) and posts the results back. */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { parentPort, workerData } from 'node:worker_threads';
import { analyseFile, type AnalyseContext, type FileResult } from './analyse.js';

interface Init {
  root: string;
  scan: AnalyseContext['scan'];
  chunkMaxLines: number;
  repoFiles: string[];
  hashDimensions: number;
}

/**
 * Parse trees live in native memory that the JS heap does not count, so V8 sees no reason to collect them
 * and a worker grew by about half a megabyte a file (over 1 GB on sympy). Collecting every few dozen files
 * keeps it flat; the trees' memory is released once the collection's finalizers run between messages.
 */
const COLLECT_EVERY_FILES = 48;
setFlagsFromString('--expose-gc');
const collect = runInNewContext('gc') as () => void;
let sinceCollect = 0;

const init = workerData.init as Init;
const ctx: AnalyseContext = { ...init, repoFiles: new Set(init.repoFiles) };

parentPort!.on('message', (msg: { id: number; paths: string[] }) => {
  try {
    const results: (FileResult | null)[] = msg.paths.map((p) => analyseFile(ctx, p));
    const transfer = results.flatMap((r) => r?.vectors?.map((v) => v.buffer as ArrayBuffer) ?? []);
    parentPort!.postMessage({ id: msg.id, results }, transfer);
  } catch (err) {
    parentPort!.postMessage({ id: msg.id, error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
  }
  sinceCollect += msg.paths.length;
  if (sinceCollect >= COLLECT_EVERY_FILES) {
    sinceCollect = 0;
    collect();
  }
});
