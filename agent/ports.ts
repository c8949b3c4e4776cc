/**
 * Adapters from the stages ragent is built from to the ports the loop uses: retrieval over an open index, the
 * edit session with previews and confined reads, and the token counter for the configured model.
 */

import { existsSync, readFileSync, statSync } from 'node:fs';
import type { IndexReader } from '../indexers/types.js';
import type { RagentConfig } from '../src/config/schema.js';
import { packContext, search } from '../src/retrieval/index.js';
import { modelTokenCounter, type TokenCounter } from '../src/util/tokens.js';
import type { EditPort, RetrievalPort } from './deps.js';
import { unifiedDiff } from './edits/diff.js';
import { EditError } from './edits/errors.js';
import { confinePath, decodeText } from './edits/paths.js';
import type { EditSession } from './edits/session.js';
import type { Edit } from './edits/types.js';

export { calibrationFile } from '../src/util/tokens.js';

/** The counter for the configured model: cl100k scaled by the calibration measured for it, if any. */
export function tokenCounter(root: string, config: RagentConfig): TokenCounter {
  return modelTokenCounter(root, config.model.name);
}

/** Retrieval over an open index. */
export function retrievalPort(index: IndexReader, counter: TokenCounter, config: RagentConfig, signal?: AbortSignal): RetrievalPort {
  const rankOpts = { weights: config.retrieval.weights, ...(signal ? { signal } : {}) };
  let signatures: Promise<Map<string, string>> | undefined;
  const key = (c: { path: string; startLine: number; name: string }) => `${c.path}:${c.startLine}:${c.name}`;
  return {
    async search(query, k) {
      const hits = await search(index, query, k, rankOpts);
      // Built once: the index does not change during a run.
      signatures ??= index.allChunks().then((chunks) => new Map(chunks.map((c) => [key(c), c.signature])));
      const byKey = await signatures;
      return hits.map((h) => ({ ...h, signature: byKey.get(key(h)) ?? '' }));
    },
    async pack(task, budget) {
      const ctx = await packContext(index, task, budget, { ...rankOpts, counter });
      return { tokens: ctx.tokens, text: ctx.text, items: ctx.items.map((i) => ({ ...i, kind: String(i.kind) })) };
    },
  };
}

/** The edit session as the loop uses it: previews with diffs, writes, and confined reads. */
export function editPort(session: EditSession): EditPort {
  return {
    async preview(edit: Edit) {
      const planned = session.plan(edit);
      return { path: planned.path, diff: unifiedDiff(planned.path, planned.before, planned.after) };
    },
    async apply(edit: Edit) {
      const applied = session.apply(edit);
      const loose = applied.locatedBy === 'whitespace' || applied.locatedBy === 'indentation' || applied.locatedBy === 'fuzzy';
      return { path: applied.path, diff: applied.diff, ...(loose ? { matchedBy: applied.locatedBy } : {}) };
    },
    changedFiles: () => session.changedFiles(),
    diff: async () => session.diff(),
    async readText(path: string) {
      const where = confinePath(session.root, path);
      if (!existsSync(where.abs)) throw new EditError('not_found', `${where.rel} does not exist.`, 'check the path with search_code, or create it with create_file', where.rel);
      if (!statSync(where.abs).isFile()) throw new EditError('not_a_file', `${where.rel} is not a file.`, undefined, where.rel);
      return decodeText(readFileSync(where.abs), where.rel);
    },
  };
}
