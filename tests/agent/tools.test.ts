import { readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApproveEdit, EditPort, RetrievalPort } from '../../agent/deps.js';
import { EditSession } from '../../agent/edits/session.js';
import type { Edit } from '../../agent/edits/types.js';
import type { AgentEvent } from '../../agent/events.js';
import { editPort, retrievalPort } from '../../agent/ports.js';
import { performEdit, type EditOutcome } from '../../agent/tools/edit.js';
import { listSymbols, numberLines, readFile, searchCode, stripLineNumbers } from '../../agent/tools/read.js';
import { indexRepository } from '../../indexers/index-repository.js';
import { openIndex } from '../../indexers/store/index.js';
import type { IndexReader } from '../../indexers/types.js';
import { configSchema } from '../../src/config/schema.js';
import { bpeCounter } from '../../src/util/tokens.js';
import { makeRepo, type FixtureRepo } from '../helpers/git-repo.js';

const INVENTORY = `/** Stock kept per item. */
export class Inventory {
  private items = new Map<string, number>();

  /** Add stock for an item. */
  add(name: string, qty: number): void {
    this.items.set(name, (this.items.get(name) ?? 0) + qty);
  }

  remove(name: string, qty: number): void {
    const have = this.items.get(name) ?? 0;
    this.items.set(name, have - qty);
  }
}

export function total(inv: Map<string, number>): number {
  let sum = 0;
  for (const q of inv.values()) sum += q;
  return sum;
}
`;

const LONG = Array.from({ length: 600 }, (_, i) => `line ${i + 1}`).join('\n') + '\n';

async function collect(gen: AsyncGenerator<AgentEvent, EditOutcome>): Promise<{ events: AgentEvent[]; out: EditOutcome }> {
  const events: AgentEvent[] = [];
  for (;;) {
    const r = await gen.next();
    if (r.done) return { events, out: r.value };
    events.push(r.value);
  }
}

describe('model-facing tools', () => {
  let repo: FixtureRepo;
  let index: IndexReader;
  let retrieval: RetrievalPort;
  let edits: EditPort;

  beforeAll(async () => {
    repo = makeRepo({
      'src/inventory.ts': INVENTORY,
      'src/long.txt': LONG,
      'src/dup.py': 'def a():\n    return 1\n\ndef b():\n    return 1\n',
      'README.md': '# Shop\n',
    });
    symlinkSync('/etc', join(repo.root, 'etc-link'));
    const config = configSchema.parse({});
    await indexRepository(repo.root, config);
    index = await openIndex(repo.root, config);
    retrieval = retrievalPort(index, bpeCounter(), config);
  });
  afterAll(async () => {
    await index?.close();
    repo?.cleanup();
  });
  const fresh = () => (edits = editPort(new EditSession(repo.root)));

  it('read_file shows numbered lines, a range, and pages long files', async () => {
    fresh();
    const whole = await readFile(edits, 'src/inventory.ts');
    expect(whole.output.split('\n').slice(0, 3)).toEqual(['src/inventory.ts (lines 1-20 of 20)', '1| /** Stock kept per item. */', '2| export class Inventory {']);
    expect(whole.output).toContain('\n4|\n');
    const range = await readFile(edits, 'src/inventory.ts', 10, 13);
    expect(range.output).toBe(
      'src/inventory.ts (lines 10-13 of 20)\n10|   remove(name: string, qty: number): void {\n11|     const have = this.items.get(name) ?? 0;\n12|     this.items.set(name, have - qty);\n13|   }',
    );
    const paged = await readFile(edits, 'src/long.txt');
    expect(paged.output.split('\n').at(-2)).toBe('250| line 250');
    expect(paged.output.split('\n').at(-1)).toBe('(lines 1-250 of 600; call read_file with start_line 251 to read on)');
    await expect(readFile(edits, 'src/inventory.ts', 99)).rejects.toThrow('src/inventory.ts has 20 lines; start_line 99 is past the end');
  });

  it('read_file refuses paths outside the repository and says why', async () => {
    fresh();
    await expect(readFile(edits, '../outside.txt')).rejects.toThrow('leads outside the repository');
    await expect(readFile(edits, '/etc/passwd')).rejects.toThrow('is absolute');
    await expect(readFile(edits, 'etc-link/passwd')).rejects.toThrow('points outside the repository');
    await expect(readFile(edits, '.git/config')).rejects.toThrow('inside .git/');
    await expect(readFile(edits, 'src/missing.ts')).rejects.toThrow('src/missing.ts does not exist.');
  });

  it('list_symbols lists definitions with line ranges', async () => {
    fresh();
    const out = await listSymbols(edits, 'src/inventory.ts');
    expect(out.output).toContain('class Inventory (lines 2-14)');
    expect(out.output).toContain('  method Inventory.add (lines 6-8)');
    expect(out.output).toContain('  method Inventory.remove (lines 10-13)');
    expect(out.output).toContain('function total (lines 16-20)');
    await expect(listSymbols(edits, 'README.md')).rejects.toThrow('not a source file');
  });

  it('search_code ranks the named symbol first', async () => {
    const out = await searchCode(retrieval, 'Inventory remove');
    expect(out.output.split('\n')[0]).toMatch(/^src\/inventory\.ts:10-13 method (Inventory\.)?remove/);
    await expect(searchCode(null, 'x')).rejects.toThrow('no index');
    await expect(searchCode(retrieval, '  ')).rejects.toThrow('the query is empty');
  });

  it('an approved edit is proposed, applied and written', async () => {
    fresh();
    const seen: string[] = [];
    const approve: ApproveEdit = async (p) => {
      seen.push(p.path);
      expect(readFileSync(join(repo.root, 'src/inventory.ts'), 'utf8')).toBe(INVENTORY); // not yet written
      return true;
    };
    const edit: Edit = { type: 'search_replace', path: 'src/inventory.ts', search: '    this.items.set(name, have - qty);', replace: '    this.items.set(name, Math.max(0, have - qty));' };
    const { events, out } = await collect(performEdit(edit, 'edit_file', edits, approve));
    expect(events.map((e) => e.type)).toEqual(['edit_proposed', 'edit_applied']);
    expect(seen).toEqual(['src/inventory.ts']);
    expect(out).toMatchObject({ ok: true, applied: true });
    expect(out.output.split('\n').slice(0, 2)).toEqual(['Applied to src/inventory.ts (+1 -1 lines):', '@@ -9,7 +9,7 @@']);
    expect(out.output).toContain('\n-    this.items.set(name, have - qty);\n+    this.items.set(name, Math.max(0, have - qty));\n   }');
    const applied = events[1] as Extract<AgentEvent, { type: 'edit_applied' }>;
    expect(applied.diff).toContain('-    this.items.set(name, have - qty);\n+    this.items.set(name, Math.max(0, have - qty));');
    expect(edits.changedFiles()).toEqual(['src/inventory.ts']);
    expect(await edits.diff()).toBe(applied.diff);
    repo.write('src/inventory.ts', INVENTORY);
  });

  it('tells the model when its search block only matched loosely', async () => {
    fresh();
    const edit: Edit = { type: 'search_replace', path: 'src/inventory.ts', search: '    const have = this.items.get(name) ?? 0;   ', replace: '    const have = this.items.get(name) || 0;' };
    const { out } = await collect(performEdit(edit, 'edit_file', edits));
    expect(out.output.split('\n')[0]).toMatch(/^Applied to src\/inventory\.ts \(\+1 -1 lines; the search block was matched (ignoring whitespace|at a different indentation)\):$/);
    repo.write('src/inventory.ts', INVENTORY);
  });

  it('a declined edit writes nothing and tells the model the reason', async () => {
    fresh();
    const edit: Edit = { type: 'replace_symbol', path: 'src/inventory.ts', symbol: 'total', code: 'export function total(inv: Map<string, number>): number {\n  return 0;\n}' };
    const { events, out } = await collect(performEdit(edit, 'replace_symbol', edits, async () => ({ approved: false, reason: 'keep the loop' })));
    expect(events.map((e) => e.type)).toEqual(['edit_proposed', 'edit_rejected']);
    expect(events[1]).toMatchObject({ reason: 'the user declined this edit: keep the loop' });
    expect(out.ok).toBe(false);
    expect(out.output).toContain('keep the loop');
    expect(readFileSync(join(repo.root, 'src/inventory.ts'), 'utf8')).toBe(INVENTORY);
    expect(edits.changedFiles()).toEqual([]);
  });

  it('edits that cannot apply are rejected with what the model needs to retry', async () => {
    fresh();
    const reject = async (edit: Edit) => {
      const { events, out } = await collect(performEdit(edit, 'edit_file', edits));
      expect(events.map((e) => e.type)).toEqual(['edit_rejected']);
      expect(out.ok).toBe(false);
      return out.output;
    };
    const noMatch = await reject({ type: 'search_replace', path: 'src/inventory.ts', search: 'this.stock.delete(name);', replace: 'x' });
    expect(noMatch).toMatch(/\b12 ?\|     this\.items\.set\(name, have - qty\);/); // the closest line, numbered
    const twice = await reject({ type: 'search_replace', path: 'src/dup.py', search: '    return 1', replace: '    return 2' });
    expect(twice).toMatch(/lines? 2\b[\s\S]*\b5\b/);
    const syntax = await reject({ type: 'search_replace', path: 'src/inventory.ts', search: '  add(name: string, qty: number): void {', replace: '  add(name: string, qty: number): void {{' });
    expect(syntax).toMatch(/syntax/i);
    const outside = await reject({ type: 'create_file', path: '../evil.ts', content: 'x' });
    expect(outside).toContain('leads outside the repository');
    expect(readFileSync(join(repo.root, 'src/inventory.ts'), 'utf8')).toBe(INVENTORY);
    expect(edits.changedFiles()).toEqual([]);
  });
});

describe('line numbers copied by the model', () => {
  it('are stripped only when every line carries consecutive ones', () => {
    const lines = ['  if (x) {', '', '    return 1;', '  }'];
    const file = [...Array.from({ length: 6 }, () => 'above'), ...lines];
    expect(numberLines(file, 7, 10)).toBe('7|   if (x) {\n8|\n9|     return 1;\n10|   }');
    expect(stripLineNumbers(numberLines(file, 7, 10))).toBe(lines.join('\n'));
    expect(stripLineNumbers(numberLines(file, 7, 10) + '\n')).toBe(lines.join('\n') + '\n');
    expect(stripLineNumbers('8|     total = 1;')).toBe('    total = 1;');
    expect(stripLineNumbers('7| a\n9| b')).toBeNull(); // not consecutive
    expect(stripLineNumbers('7| a\nb')).toBeNull(); // a line without a number
    expect(stripLineNumbers('| a | b |\n|---|---|')).toBeNull();
    expect(stripLineNumbers('')).toBeNull();
  });
});
