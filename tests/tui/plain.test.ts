/** `ragent chat` with stdin not a terminal: a plain line-by-line mode that scripts can drive. */

import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DURATION_REPO, MODEL, call } from '../agent/e2e-harness.js';
import { makeRepo, type FixtureRepo } from '../helpers/git-repo.js';
import { startScriptedOllama, type ScriptedOllama } from '../helpers/scripted-ollama.js';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'ragent.js');
const FIX = { path: 'src/duration.js', search: '    total = Number(amount) * UNITS[unit];', replace: '    total += Number(amount) * UNITS[unit];' };

let repo: FixtureRepo | undefined;
let server: ScriptedOllama | undefined;

afterEach(async () => {
  await server?.close();
  repo?.cleanup();
});

describe('ragent chat without a terminal', () => {
  it('reads requests and answers line by line, asks for approval on a line, and exits on /exit', async () => {
    repo = makeRepo(DURATION_REPO);
    server = await startScriptedOllama({
      models: [{ name: MODEL, contextLength: 32_768 }],
      script: [call('edit_file', FIX), call('run_tests', {}), call('finish', { summary: 'parseDuration adds every unit.' })],
    });
    const child = spawn(process.execPath, [BIN, 'chat', '--repo', repo.root], {
      env: { ...process.env, OLLAMA_HOST: server.url, HOME: mkdtempSync(join(tmpdir(), 'ragent-home-')), NO_COLOR: '1' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    const waitFor = async (text: string) => {
      const deadline = Date.now() + 45_000;
      while (!out.includes(text)) {
        if (Date.now() > deadline) throw new Error(`never saw ${text}; output:\n${out}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));

    await waitFor('model qwen2.5-coder:7b (32768 tokens)');
    child.stdin.write('parseDuration("1h30m") returns 1800\n');
    await waitFor('accept? [a]ccept [r]eject [A]ll this turn');
    expect(readFileSync(join(repo.root, 'src/duration.js'), 'utf8')).not.toContain('total +=');
    child.stdin.write('a\n');
    await waitFor('verified: 1 file(s) changed');
    child.stdin.write('/diff\n/exit\n');
    expect(await exited).toBe(0);

    expect(out).toContain('> parseDuration("1h30m") returns 1800');
    expect(out).toMatch(/\[\d+\] baseline tests: 2 passed, 1 failed/);
    expect(out).toContain('+    total += Number(amount) * UNITS[unit];');
    expect(readFileSync(join(repo.root, 'src/duration.js'), 'utf8')).toContain('total += Number(amount)');
    expect(out).not.toMatch(/\u001b\[/);
    // The session's transcript is kept like a one-shot run's.
    const runsDir = join(repo.root, '.ragent', 'runs');
    const runs = readFileSync(join(runsDir, readdirSync(runsDir)[0]!), 'utf8');
    expect(runs.split('\n')[0]).toContain('"mode":"chat"');
    expect(runs).toContain('"type":"edit_applied"');
  });
});
