/**
 * The real CLI in a real pseudo-terminal: `ragent chat` runs inside tmux against the scripted model server,
 * and the test types with send-keys and reads the screen with capture-pane, as a person would.
 */

import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DURATION_REPO, MODEL, call } from '../agent/e2e-harness.js';
import { makeRepo, type FixtureRepo } from '../helpers/git-repo.js';
import { startScriptedOllama, type ScriptedOllama } from '../helpers/scripted-ollama.js';

const hasTmux = spawnSync('tmux', ['-V']).status === 0;
const BIN = join(import.meta.dirname, '..', '..', 'bin', 'ragent.js');
const SOCKET = `ragent-test-${process.pid}`;
const SESSION = 'chat';
const FIX = { path: 'src/duration.js', search: '    total = Number(amount) * UNITS[unit];', replace: '    total += Number(amount) * UNITS[unit];' };

function tmux(...args: string[]): string {
  return execFileSync('tmux', ['-L', SOCKET, ...args], { encoding: 'utf8' });
}

const screen = () => tmux('capture-pane', '-p', '-J', '-S', '-200', '-t', SESSION);

/** Wait until the screen shows `pattern`; fail with the screen when it does not within `ms`. */
async function waitFor(pattern: RegExp | string, ms = 45_000): Promise<string> {
  const deadline = Date.now() + ms;
  let last = '';
  while (Date.now() < deadline) {
    last = screen();
    if (typeof pattern === 'string' ? last.includes(pattern) : pattern.test(last)) return last;
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`screen never showed ${pattern}; it shows:\n${last}`);
}

function type(text: string): void {
  tmux('send-keys', '-t', SESSION, '-l', text);
  tmux('send-keys', '-t', SESSION, 'Enter');
}

describe.skipIf(!hasTmux)('ragent chat in a terminal', () => {
  let repo: FixtureRepo;
  let server: ScriptedOllama;
  let original: Buffer;

  beforeAll(async () => {
    repo = makeRepo(DURATION_REPO);
    original = readFileSync(join(repo.root, 'src/duration.js'));
    server = await startScriptedOllama({
      models: [{ name: MODEL, contextLength: 32_768 }],
      script: [
        // First request: accepted, tested, finished.
        call('edit_file', FIX, 'Found it: the loop assigns instead of adding.'),
        call('run_tests', {}),
        call('finish', { summary: 'parseDuration adds every unit.' }),
        // Second request: the user rejects the edit.
        call('edit_file', FIX),
        call('finish', { summary: 'left unchanged' }),
        // Third request: a slow answer the user cancels.
        { text: Array.from({ length: 200 }, (_, i) => `chunk${i} `), delayMs: 150 },
      ],
    });
    const home = mkdtempSync(join(tmpdir(), 'ragent-home-'));
    // A developer's terminal: CI unset (under CI the session falls back to its plain line mode).
    const env = `-u CI HOME=${home} OLLAMA_HOST=${server.url} NO_COLOR=1 TERM=xterm-256color`;
    tmux('new-session', '-d', '-s', SESSION, '-x', '80', '-y', '50', `cd '${repo.root}' && env ${env} node '${BIN}' chat; echo "EXITED $?"; sleep 600`);
  });

  afterAll(async () => {
    try {
      tmux('kill-server');
    } catch {
      // already gone
    }
    await server?.close();
    repo?.cleanup();
  });

  it('opens with a header naming the repository, branch, model and window', async () => {
    const s = await waitFor(/model qwen2\.5-coder:7b \(32,768 tokens\)/);
    expect(s).toContain('· main');
    expect(s).toMatch(/index: (updated|fresh)/);
  });

  it('shows the diff, writes it when accepted, runs the tests, and /undo restores the file byte for byte', async () => {
    type('parseDuration("1h30m") returns 1800 instead of 5400');
    const review = await waitFor('edit_file wants to change src/duration.js');
    expect(review).toContain('+    total += Number(amount) * UNITS[unit];');
    expect(readFileSync(join(repo.root, 'src/duration.js')).equals(original)).toBe(true);
    tmux('send-keys', '-t', SESSION, 'a');
    const done = await waitFor(/verified: 1 file\(s\) changed; tests: 3 passed, 0 failed/);
    expect(done).toContain('edited src/duration.js');
    expect(done).toMatch(/✓ tests: 3 passed, 0 failed/);
    expect(readFileSync(join(repo.root, 'src/duration.js'), 'utf8')).toContain('total += Number(amount)');

    type('/undo');
    await waitFor('undid 1 edit(s): src/duration.js');
    expect(readFileSync(join(repo.root, 'src/duration.js')).equals(original)).toBe(true);
  });

  it('writes nothing when the edit is rejected', async () => {
    type('try the same fix again');
    await waitFor(/wants to change src\/duration\.js[\s\S]*\[a\] accept/);
    tmux('send-keys', '-t', SESSION, 'r');
    await waitFor('rejected src/duration.js (the user declined this edit)');
    await waitFor(/no_change: no change/);
    expect(readFileSync(join(repo.root, 'src/duration.js')).equals(original)).toBe(true);
  });

  it('keeps the session alive when Ctrl-C cancels a streaming answer, and exits on Ctrl-D', async () => {
    type('explain the module');
    await waitFor(/chunk3 /);
    tmux('send-keys', '-t', SESSION, 'C-c');
    await waitFor('cancelled; the session goes on');
    type('/help');
    await waitFor('/commit [MESSAGE]');
    expect(screen()).not.toContain('EXITED');
    tmux('send-keys', '-t', SESSION, 'C-d');
    await waitFor('EXITED 0');
  });

  it('exits on Ctrl-C pressed twice when nothing is running', async () => {
    tmux('new-window', '-t', SESSION, `cd '${repo.root}' && env -u CI HOME=${mkdtempSync(join(tmpdir(), 'ragent-home-'))} OLLAMA_HOST=${server.url} NO_COLOR=1 node '${BIN}' chat; echo "EXITED $?"; sleep 600`);
    await waitFor(/index: \w+/);
    tmux('send-keys', '-t', SESSION, 'C-c');
    await waitFor('press Ctrl-C again to exit');
    expect(screen()).not.toContain('EXITED');
    tmux('send-keys', '-t', SESSION, 'C-c');
    await waitFor('EXITED 0');
  });
});
