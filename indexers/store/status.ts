/** Reading what an index holds without opening it for writing (for `ragent index --status`). */
import { existsSync } from 'node:fs';
import * as lancedb from '@lancedb/lancedb';
import type { StoredFile } from './schema.js';
import { indexDir, readMeta } from './location.js';
import { fileFromRow, rowsOf, SCHEMA_VERSION, TABLES } from './schema.js';

export interface StoredState {
  /** Why the next run rebuilds everything, '' when it only updates. */
  rebuild: '' | 'missing' | 'schema' | 'embedder';
  /** Stored rows (without their imports). */
  files: Map<string, StoredFile>;
  updatedAt: string;
}

/**
 * The stored files and whether the index can be updated with the given embedder (`dimensions` undefined when
 * it is not known without asking a server).
 */
export async function readStoredState(root: string, embedder: string, dimensions?: number): Promise<StoredState> {
  const files = new Map<string, StoredFile>();
  const dir = indexDir(root);
  if (!existsSync(dir)) return { rebuild: 'missing', files, updatedAt: '' };
  const db = await lancedb.connect(dir);
  try {
    const meta = await readMeta(db);
    if (!meta || !(await db.tableNames()).includes(TABLES.files)) return { rebuild: 'missing', files, updatedAt: '' };
    if (meta.schemaVersion !== SCHEMA_VERSION) return { rebuild: 'schema', files, updatedAt: meta.updatedAt };
    if (meta.embedder.name !== embedder || (dimensions !== undefined && dimensions !== meta.embedder.dimensions)) {
      return { rebuild: 'embedder', files, updatedAt: meta.updatedAt };
    }
    const table = await db.openTable(TABLES.files);
    try {
      const columns = ['path', 'hash', 'language', 'size', 'skipReason', 'lossyUtf8', 'symbols', 'mtimeMs'];
      const rows = rowsOf(await table.query().select(columns).toArrow(), columns, (r) => ({
        ...fileFromRow(r),
        imports: '[]',
        symbols: Number(r.symbols),
        mtimeMs: Number(r.mtimeMs),
      }));
      for (const row of rows) files.set(row.path, row);
    } finally {
      table.close();
    }
    return { rebuild: '', files, updatedAt: meta.updatedAt };
  } finally {
    db.close();
  }
}
