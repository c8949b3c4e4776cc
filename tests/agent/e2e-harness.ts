/**
 * End-to-end harness: a fixture git repository, the scripted Ollama server over real HTTP, the real
 * dependencies from `createAgentDeps` (index, edit session, test runner, model client), and `runAgent`.
 */

import { isDeepStrictEqual } from 'node:util';
import type { AgentDeps, ApproveEdit } from '../../agent/deps.js';
import type { AgentEvent, AgentResult } from '../../agent/events.js';
import { runAgent } from '../../agent/run.js';
import { closeAgentDeps, createAgentDeps } from '../../agent/wire.js';
import { configSchema, type RagentConfig } from '../../src/config/schema.js';
import { makeRepo, type FixtureRepo } from '../helpers/git-repo.js';
import { startScriptedOllama, type ScriptedModel, type ScriptedOllama, type ScriptedRequest, type Turn, type TurnSpec } from '../helpers/scripted-ollama.js';
import { startScriptedOpenAI } from '../helpers/scripted-openai.js';

export const MODEL = 'qwen2.5-coder:7b';

/** A small JavaScript project tested with node:test; `parseDuration` keeps only the last unit. */
export const DURATION_REPO: Record<string, string> = {
  'package.json': JSON.stringify({ name: 'durations', version: '1.0.0', type: 'module', scripts: { test: 'node --test' } }, null, 2) + '\n',
  'src/duration.js': `/** Seconds in each unit a duration string may use. */
const UNITS = { h: 3600, m: 60, s: 1 };

/** Parse a duration such as "1h30m" or "45s" into seconds. */
export function parseDuration(text) {
  let total = 0;
  for (const [, amount, unit] of text.matchAll(/(\\d+)([hms])/g)) {
    total = Number(amount) * UNITS[unit];
  }
  return total;
}

/** Format seconds as a duration string such as "1h30m". */
export function formatDuration(seconds) {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return [h && \`\${h}h\`, m && \`\${m}m\`, s && \`\${s}s\`].filter(Boolean).join('') || '0s';
}
`,
  'test/duration.test.js': `import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatDuration, parseDuration } from '../src/duration.js';

test('parses a single unit', () => {
  assert.equal(parseDuration('45s'), 45);
});

test('parses combined units', () => {
  assert.equal(parseDuration('1h30m'), 5400);
});

test('formats durations', () => {
  assert.equal(formatDuration(5400), '1h30m');
});
`,
  'README.md': '# durations\n\nParse and format durations like `1h30m`.\n',
};

export const DURATION_TASK = 'parseDuration("1h30m") returns 1800 instead of 5400: only the last unit of a combined duration is counted.';

export interface Run {
  repo: FixtureRepo;
  server: ScriptedOllama;
  deps: AgentDeps;
  events: AgentEvent[];
  result: AgentResult;
  config: RagentConfig;
}

export interface RunOptions {
  files?: Record<string, string>;
  task?: string;
  script: Turn[];
  models?: ScriptedModel[];
  /** Configuration on top of the test defaults (model host, no retries). */
  config?: Record<string, any>;
  approve?: ApproveEdit;
  signal?: AbortSignal;
  index?: 'update' | 'none';
  /** Serve the script as an OpenAI-compatible server (model id: MODEL) instead of Ollama. */
  provider?: 'ollama' | 'openai';
  /** Host to use instead of the scripted server's (for "server down"). */
  host?: string;
  /** Called with the fixture repository before the run starts. */
  onRepo?: (repo: FixtureRepo) => void;
  /** Called with each event as it arrives. */
  onEvent?: (e: AgentEvent) => void;
}

function merge(a: Record<string, any>, b: Record<string, any>): Record<string, any> {
  const out = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = v && typeof v === 'object' && !Array.isArray(v) ? merge(a[k] ?? {}, v) : v;
  return out;
}

/** Run the agent end to end; the caller closes with `finish(run)`. */
export async function runE2E(opts: RunOptions): Promise<Run> {
  const repo = makeRepo(opts.files ?? DURATION_REPO);
  opts.onRepo?.(repo);
  const openai = opts.provider === 'openai';
  const server: ScriptedOllama = openai
    ? await startScriptedOpenAI({ models: [{ id: MODEL, contextLength: 32_768 }], script: opts.script })
    : await startScriptedOllama({ models: opts.models ?? [{ name: MODEL, contextLength: 32_768 }], script: opts.script });
  const where = openai ? { provider: 'openai', baseUrl: server.url } : { host: opts.host ?? server.url };
  const config = configSchema.parse(
    merge({ model: { name: MODEL, ...where, retries: 0, requestTimeoutMs: 20_000 }, agent: { testTimeoutSec: 60 } }, opts.config ?? {}),
  );
  const deps = await createAgentDeps(repo.root, config, {
    index: opts.index ?? 'update',
    ...(opts.approve ? { approve: opts.approve } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  const events: AgentEvent[] = [];
  let result: AgentResult | undefined;
  for await (const e of runAgent(opts.task ?? DURATION_TASK, deps)) {
    const copy = JSON.parse(JSON.stringify(e)) as AgentEvent;
    // Events must survive JSON unchanged: transcripts and JSON-lines output depend on it.
    if (!isDeepStrictEqual(copy, e)) throw new Error(`event does not survive JSON: ${JSON.stringify(e)}`);
    events.push(copy);
    opts.onEvent?.(e);
    if (e.type === 'result') result = e.result;
  }
  return { repo, server, deps, events, result: result!, config };
}

/** Release a run's server, index and repository. */
export async function finish(run: Run | undefined): Promise<void> {
  if (!run) return;
  await closeAgentDeps(run.deps);
  await run.server.close();
  run.repo.cleanup();
}

/** The last message of a chat request. */
export function lastMessage(req: ScriptedRequest): { role: string; content: string; tool_name?: string } {
  return req.body.messages[req.body.messages.length - 1];
}

/** Events of one type. */
export function ofType<K extends AgentEvent['type']>(events: AgentEvent[], type: K): Extract<AgentEvent, { type: K }>[] {
  return events.filter((e): e is Extract<AgentEvent, { type: K }> => e.type === type);
}

/** A native tool-call turn. */
export function call(name: string, args: unknown, text = ''): TurnSpec {
  return { text, toolCalls: [{ name, arguments: args }] };
}
