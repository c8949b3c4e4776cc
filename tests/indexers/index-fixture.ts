/** A small multi-language repository with imports between its files, shared by the index tests. */
export const FIXTURE: Record<string, string> = {
  'src/util/strings.ts': [
    '/** Helpers for strings. */',
    '',
    '/** Upper-case the first letter. */',
    'export function capitalize(s: string): string {',
    '  return s.charAt(0).toUpperCase() + s.slice(1);',
    '}',
    '',
  ].join('\n'),
  'src/greeter.ts': [
    "import { capitalize } from './util/strings';",
    '',
    '/** Greets people by name. */',
    'export class Greeter {',
    '  constructor(private readonly greeting: string) {}',
    '',
    '  /** Build the greeting for `name`. */',
    '  greet(name: string): string {',
    '    return `${this.greeting}, ${capitalize(name)}`;',
    '  }',
    '}',
    '',
  ].join('\n'),
  'src/App.tsx': [
    "import { Greeter } from './greeter';",
    '',
    'export function App(props: { name: string }) {',
    "  const g = new Greeter('Hello');",
    '  return <h1>{g.greet(props.name)}</h1>;',
    '}',
    '',
  ].join('\n'),
  'lib/math.js': [
    '/** Add two numbers. */',
    'function add(a, b) {',
    '  return a + b;',
    '}',
    'module.exports = { add };',
    '',
  ].join('\n'),
  'pkg/__init__.py': '',
  'pkg/models.py': [
    '"""Data models."""',
    '',
    '',
    'class User:',
    '    """A user of the system."""',
    '',
    '    def display_name(self):',
    '        """Name for screens."""',
    '        return self.name.title()',
    '',
  ].join('\n'),
  'pkg/service.py': [
    'from .models import User',
    '',
    '',
    'def load_user(user_id):',
    '    return User()',
    '',
  ].join('\n'),
  'README.md': '# Fixture\n\nA tiny repository for index tests.\n',
};

import { cpSync, mkdtempSync, readdirSync, realpathSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as lancedb from '@lancedb/lancedb';
import { indexDir, openIndex } from '../../indexers/store/index.js';

/** Everything an index holds, as sorted JSON lines, for comparing two indexes row for row (vectors included). */
export async function snapshot(root: string): Promise<{ chunks: string[]; edges: string[]; files: string[] }> {
  // Through the reader first: it must open the index as retrieval would.
  const index = await openIndex(root);
  const edges = (await index.allEdges()).map((e) => JSON.stringify(e)).sort();
  const files = (await index.allFiles()).map((f) => JSON.stringify(f)).sort();
  await index.close();
  const db = await lancedb.connect(indexDir(root));
  try {
    const rows = await (await db.openTable('chunks')).query().toArray();
    const chunks = rows
      .map((r) => {
        const { vector, ...rest } = r as Record<string, unknown> & { vector: Iterable<number> };
        return JSON.stringify({ ...rest, vector: Array.from(vector, (x) => Math.round(x * 1e5)) });
      })
      .sort();
    return { chunks, edges, files };
  } finally {
    db.close();
  }
}

/** A plain copy of a repository's work tree and git data, without its index. */
export function copyRepo(root: string): string {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'ragent-copy-')));
  cpSync(root, dir, { recursive: true, filter: (p) => !p.includes(`${join(root, '.ragent')}`) });
  return dir;
}

/** Total bytes under `dir`. */
export function dirSize(dir: string): number {
  let total = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    total += e.isDirectory() ? dirSize(p) : statSync(p).size;
  }
  return total;
}

/** Remove a directory made by copyRepo. */
export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
