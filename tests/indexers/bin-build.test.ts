import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// A miniature project with ragent's entry point: what it runs must always be the sources as they are now.
const projectRoot = join(import.meta.dirname, '..', '..');
let dir: string;

function write(rel: string, text: string): void {
  mkdirSync(join(dir, rel, '..'), { recursive: true });
  writeFileSync(join(dir, rel), text);
}

function run(env: NodeJS.ProcessEnv = {}): string {
  const r = spawnSync(process.execPath, [join(dir, 'bin', 'ragent.js')], { encoding: 'utf8', env: { ...process.env, RAGENT_FROM_SOURCE: '', ...env } });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return r.stdout;
}

const value = (v: string) => `export interface Shape { v: string }\nexport const shape: Shape = { v: '${v}' };\n`;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ragent-bin-'));
  mkdirSync(join(dir, 'bin'));
  copyFileSync(join(projectRoot, 'bin', 'ragent.js'), join(dir, 'bin', 'ragent.js'));
  copyFileSync(join(projectRoot, 'tsconfig.json'), join(dir, 'tsconfig.json'));
  write('package.json', JSON.stringify({ type: 'module' }));
  symlinkSync(join(projectRoot, 'node_modules'), join(dir, 'node_modules'));
  for (const d of ['indexers', 'agent', 'evals']) mkdirSync(join(dir, d));
  write('src/cli/main.ts', `import { shape } from './value.js';\nexport async function main(argv: string[]): Promise<number> {\n  process.stdout.write(shape.v);\n  return argv.length > 0 ? 0 : 1;\n}\n`);
  write('src/cli/value.ts', value('one'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('bin/ragent.js', () => {
  it('runs a build of the sources and rebuilds whatever changed, never stale code', () => {
    expect(run()).toBe('one');
    expect(existsSync(join(dir, 'dist', 'src', 'cli', 'value.js'))).toBe(true);
    expect(existsSync(join(dir, 'dist', '.sources.json'))).toBe(true);

    write('src/cli/value.ts', value('two'));
    expect(run()).toBe('two');
    // Same size and the old modification time: only the content tells.
    write('src/cli/value.ts', value('six'));
    utimesSync(join(dir, 'src', 'cli', 'value.ts'), new Date(2020, 0, 1), new Date(2020, 0, 1));
    expect(run()).toBe('six');

    // A module the sources no longer have is gone from the build too.
    write('src/cli/extra.ts', 'export const extra = 1;\n');
    run();
    expect(existsSync(join(dir, 'dist', 'src', 'cli', 'extra.js'))).toBe(true);
    rmSync(join(dir, 'src', 'cli', 'extra.ts'));
    run();
    expect(existsSync(join(dir, 'dist', 'src', 'cli', 'extra.js'))).toBe(false);
  });

  it('runs the sources through tsx when asked to', () => {
    write('src/cli/value.ts', value('src'));
    expect(run({ RAGENT_FROM_SOURCE: '1' })).toBe('src');
    expect(run()).toBe('src');
  });
});
