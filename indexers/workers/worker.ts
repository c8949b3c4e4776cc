/** Worker thread entry: analyses the files it is sent (see pool.ts) and posts the results back. */
import { parentPort, workerData } from 'node:worker_threads';
import { analyseFile, type AnalyseContext, type FileResult } from './analyse.js';

interface Init {
  root: string;
  scan: AnalyseContext['scan'];
  chunkMaxLines: number;
  repoFiles: string[];
  hashDimensions: number;
}

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
});
