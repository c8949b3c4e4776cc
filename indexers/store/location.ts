/** Where the index lives and how its meta row is read. */
import { join } from 'node:path';
import type * as lancedb from '@lancedb/lancedb';
import type { IndexMeta } from '../types.js';
import { TABLES } from './schema.js';

/** `<repo>/.ragent`: the index, run transcripts and other per-repository state. */
export function ragentDir(root: string): string {
  return join(root, '.ragent');
}

/** The LanceDB database directory inside `.ragent`. */
export function indexDir(root: string): string {
  return join(ragentDir(root), 'index');
}

/** The stored meta row, or null when the table is missing, empty or not in a layout this version knows. */
export async function readMeta(db: lancedb.Connection): Promise<IndexMeta | null> {
  try {
    if (!(await db.tableNames()).includes(TABLES.meta)) return null;
    const table = await db.openTable(TABLES.meta);
    try {
      const [row] = await table.query().limit(1).toArray();
      if (!row || typeof row.schemaVersion !== 'number' || typeof row.embedderName !== 'string') return null;
      return {
        schemaVersion: row.schemaVersion,
        embedder: { name: row.embedderName, dimensions: Number(row.embedderDimensions) },
        updatedAt: String(row.updatedAt ?? ''),
      };
    } finally {
      table.close();
    }
  } catch {
    return null;
  }
}
