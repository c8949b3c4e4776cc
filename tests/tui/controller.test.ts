import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/schema.js';
import { ChatController, proposeMessage, type ChatState } from '../../src/tui/controller.js';
import { openChatServices, type ChatServices } from '../../src/tui/services.js';
import { DURATION_REPO, MODEL, call } from '../agent/e2e-harness.js';
import { git, makeRepo, type FixtureRepo } from '../helpers/git-repo.js';
import { startScriptedOllama, type ScriptedOllama, type Turn } from '../helpers/scripted-ollama.js';

const FIX = { path: 'src/duration.js', search: '    total = Number(amount) * UNITS[unit];', replace: '    total += Number(amount) * UNITS[unit];' };

interface Session {
  repo: FixtureRepo;
  server: ScriptedOllama;
  services: ChatServices;
  controller: ChatController;
  original: Buffer;
}

let open: Session[] = [];

async function session(script: Turn[], opts: { auto?: boolean } = {}): Promise<Session> {
  const repo = makeRepo(DURATION_REPO);
  const server = await startScriptedOllama({ models: [{ name: MODEL, contextLength: 32_768 }, { name: 'other-model', contextLength: 16_384, capabilities: ['completion'] }], script });
  const config = configSchema.parse({ model: { name: MODEL, host: server.url, retries: 0, requestTimeoutMs: 20_000 }, agent: { testTimeoutSec: 60 } });
  const services = await openChatServices(repo.root, config);
  const controller = new ChatController({
    root: repo.root,
    config,
    model: services.model,
    parts: services.parts,
    session: services.session,
    git: services.git,
    counter: services.counter,
    auto: opts.auto ?? false,
  });
  await controller.connect();
  const s = { repo, server, services, controller, original: readFileSync(join(repo.root, 'src/duration.js')) };
  open.push(s);
  return s;
}

/** Resolve when the controller's state satisfies `pred`. */
function until(c: ChatController, pred: (s: ChatState) => boolean): Promise<ChatState> {
  return new Promise((resolve) => {
    if (pred(c.snapshot)) return resolve(c.snapshot);
    const off = c.subscribe((s) => {
      if (pred(s)) {
        off();
        resolve(s);
      }
    });
  });
}

const fileNow = (s: Session) => readFileSync(join(s.repo.root, 'src/duration.js'));
const texts = (st: ChatState) => st.entries.map((e) => ('text' in e ? e.text : e.kind === 'edit' ? `${e.status} ${e.path}` : e.kind));

afterEach(async () => {
  for (const s of open) {
    await s.services.close();
    await s.server.close();
    s.repo.cleanup();
  }
  open = [];
});

describe('the terminal session controller', () => {
  it('shows an edit for review, writes it only once accepted, and /undo restores the file byte for byte', async () => {
    const s = await session([call('edit_file', FIX, 'Fixing the sum.'), call('run_tests', {}), call('finish', { summary: 'parseDuration adds every unit.' })]);
    const turn = s.controller.submit('parseDuration("1h30m") returns 1800');
    const pending = await until(s.controller, (st) => st.pending !== null);
    expect(pending.pending!.path).toBe('src/duration.js');
    expect(pending.pending!.diff).toContain('+    total += Number(amount) * UNITS[unit];');
    // Nothing is written while the user decides.
    expect(fileNow(s).equals(s.original)).toBe(true);
    s.controller.answer('accept');
    await turn;
    const st = s.controller.snapshot;
    expect(readFileSync(join(s.repo.root, 'src/duration.js'), 'utf8')).toContain('total += Number(amount)');
    expect(st.changed).toEqual(['src/duration.js']);
    expect(texts(st)).toContain('applied src/duration.js');
    expect(st.entries.at(-1)).toMatchObject({ kind: 'info', text: expect.stringMatching(/^verified: 1 file\(s\) changed; tests: 3 passed, 0 failed/) });
    expect(st.context.items.map((i) => i.path)).toContain('src/duration.js');

    await s.controller.submit('/undo');
    expect(fileNow(s).equals(s.original)).toBe(true);
    expect(s.controller.snapshot.changed).toEqual([]);
    await s.controller.submit('/undo');
    expect(s.controller.snapshot.entries.at(-1)).toMatchObject({ kind: 'info', text: 'nothing to undo' });
  });

  it('writes nothing for a rejected edit and tells the model why', async () => {
    let toldModel = '';
    const s = await session([
      call('edit_file', FIX),
      (req) => {
        toldModel = req.body.messages.at(-1).content;
        return call('finish', { summary: 'left as it was' });
      },
    ]);
    const turn = s.controller.submit('fix parseDuration');
    await until(s.controller, (st) => st.pending !== null);
    s.controller.answer('reject');
    await turn;
    expect(fileNow(s).equals(s.original)).toBe(true);
    expect(texts(s.controller.snapshot)).toContain('rejected src/duration.js');
    expect(toldModel).toMatch(/declined/);
    expect(s.server.remaining()).toBe(0);
  });

  it('/undo never overwrites a change the user made after ragent wrote the file', async () => {
    const s = await session([call('edit_file', FIX), call('finish', { summary: 'done' })], { auto: true });
    await s.controller.submit('fix it');
    const mine = readFileSync(join(s.repo.root, 'src/duration.js'), 'utf8') + '// my own line\n';
    s.repo.write('src/duration.js', mine);
    await s.controller.submit('/undo');
    expect(readFileSync(join(s.repo.root, 'src/duration.js'), 'utf8')).toBe(mine);
    expect(s.controller.snapshot.entries.at(-1)).toMatchObject({ kind: 'error', text: expect.stringContaining('changed after ragent edited it') });
  });

  it('cancels a streaming answer with the session intact, then takes the next message', async () => {
    const s = await session([
      { text: Array.from({ length: 40 }, (_, i) => `word${i} `), delayMs: 100 },
      call('finish', { summary: 'nothing to do' }),
    ]);
    const turn = s.controller.submit('explain parseDuration');
    await until(s.controller, (st) => st.streaming.length > 0);
    expect(s.controller.cancel()).toBe(true);
    await turn;
    expect(s.controller.snapshot.busy).toBe(false);
    expect(s.controller.snapshot.entries.at(-1)).toMatchObject({ kind: 'info', text: expect.stringMatching(/^cancelled/) });
    await s.controller.submit('anything else?');
    expect(s.server.remaining()).toBe(0);
    expect(s.controller.cancel()).toBe(false);
  });

  it('pins and drops context by hand', async () => {
    let task = '';
    const s = await session([
      (req) => {
        task = req.body.messages[1].content;
        return call('finish', { summary: 'read it' });
      },
    ]);
    await s.controller.submit('/add README.md');
    await s.controller.submit('/drop test/duration.test.js');
    await s.controller.submit('/add no/such/file.js');
    expect(s.controller.snapshot.entries.at(-1)).toMatchObject({ kind: 'error', text: expect.stringContaining('does not exist') });
    await s.controller.submit('what does parseDuration do with test/duration.test.js?');
    expect(s.server.remaining()).toBe(0);
    expect(task).toContain('### README.md:1-3 (pinned by you)');
    expect(task).not.toContain('### test/duration.test.js');
    const items = s.controller.snapshot.context.items;
    expect(items[0]).toMatchObject({ path: 'README.md', reason: 'pinned by you' });
    expect(items.some((i) => i.path === 'test/duration.test.js')).toBe(false);
    await s.controller.submit('/context');
    expect(s.controller.snapshot.entries.at(-1)).toMatchObject({ kind: 'info', text: expect.stringContaining('dropped  test/duration.test.js') });
  });

  it('/commit commits only the files ragent changed, with a proposed message', async () => {
    const s = await session([call('edit_file', FIX), call('finish', { summary: 'Count every unit of a duration' })], { auto: true });
    s.repo.write('notes.txt', 'my own, uncommitted\n');
    await s.controller.submit('fix it');
    await s.controller.submit('/commit');
    expect(git(s.repo.root, 'log', '-1', '--format=%s').trim()).toBe('Count every unit of a duration');
    expect(git(s.repo.root, 'show', '--name-only', '--format=', 'HEAD').trim()).toBe('src/duration.js');
    expect(git(s.repo.root, 'status', '--porcelain').trim()).toBe('?? notes.txt');
  });

  it('/model switches model and reports an unknown one with a hint', async () => {
    const s = await session([]);
    await s.controller.submit('/model other-model');
    expect(s.controller.snapshot.model).toBe('other-model');
    expect(s.controller.snapshot.entries.at(-1)).toMatchObject({ kind: 'info', text: expect.stringContaining('text tool protocol') });
    await s.controller.submit('/model not-pulled');
    expect(s.controller.snapshot.model).toBe('other-model');
    expect(s.controller.snapshot.entries.at(-1)).toMatchObject({ kind: 'error', hint: expect.stringContaining('ollama pull not-pulled') });
  });

  it('/test runs the tests and /help, unknown commands and /exit answer', async () => {
    const s = await session([]);
    await s.controller.submit('/test');
    expect(s.controller.snapshot.entries.at(-1)).toMatchObject({ kind: 'test', summary: { passed: 2, failed: 1 } });
    await s.controller.submit('/help');
    expect(s.controller.snapshot.entries.at(-1)).toMatchObject({ kind: 'info', text: expect.stringContaining('/undo') });
    await s.controller.submit('/frobnicate');
    expect(s.controller.snapshot.entries.at(-1)).toMatchObject({ kind: 'error', text: 'unknown command /frobnicate' });
    await s.controller.submit('/clear');
    expect(s.controller.snapshot.entries).toEqual([]);
    expect(s.controller.snapshot.clears).toBe(1);
    await s.controller.submit('/exit');
    expect(s.controller.snapshot.exitRequested).toBe(true);
  });

  it('shows the hint when the model server is down, and keeps going', async () => {
    const s = await session([]);
    await s.server.close();
    await s.controller.submit('fix it');
    const errors = s.controller.snapshot.entries.filter((e) => e.kind === 'error');
    expect(errors[0]).toMatchObject({ hint: expect.stringContaining('ollama serve') });
    expect(s.controller.snapshot.busy).toBe(false);
    await s.controller.submit('/help');
    expect(s.controller.snapshot.entries.at(-1)!.kind).toBe('info');
  });
});

describe('commit messages', () => {
  it('uses the first summary line, else names the files', () => {
    expect(proposeMessage(['Fix the sum\nmore'], ['a.js'])).toBe('Fix the sum');
    expect(proposeMessage([], ['a.js', 'b.js'])).toBe('Update a.js, b.js');
    expect(proposeMessage(['One', 'Two'], ['a.js'])).toBe('One\n\n- One\n- Two');
  });
});
