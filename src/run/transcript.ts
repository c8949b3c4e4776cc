import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { redactor as defaultRedactor, type Redactor } from '../util/redact.js';

/**
 * Every run's transcript: one JSON object a line in `.ragent/runs/<id>.jsonl`. The first line describes the
 * run, the last one its outcome; between them every agent event, every prompt sent to the model and every
 * answer, tool call and test output. Lines are appended synchronously so a crashed run still leaves a
 * readable transcript (listed as `incomplete`).
 */

/** How a run ended, in the user's terms. */
export type RunOutcome =
  | 'fixed' // tests pass with the change (exit 0)
  | 'unverified' // a change was made but the tests do not pass (exit 1)
  | 'no-change' // the agent produced no change (exit 1)
  | 'model-unavailable' // exit 3
  | 'cancelled' // interrupted by the user (exit 1)
  | 'error' // usage, configuration or unexpected error
  | 'incomplete'; // no end line: the run is still going or was killed

export interface TokenUse {
  prompt: number;
  output: number;
}

export interface RunStart {
  id: string;
  /** `run` (one-shot), `ci` (GitHub bot) or `chat` (terminal session). */
  mode: 'run' | 'ci' | 'chat';
  /** First line of the task, for listings. */
  title: string;
  /** Where the task came from: `text`, a file path, or `owner/repo#N`. */
  source: string;
  branch: string;
  model: string;
  repo: string;
}

export interface RunEnd {
  outcome: RunOutcome;
  exitCode: number;
  tokens: TokenUse;
  filesChanged: string[];
  summary: string;
  /** Pull request or patch file the run produced, when any. */
  output?: string;
}

export type TranscriptLine =
  | ({ kind: 'start'; t: string } & RunStart)
  | { kind: 'event'; t: string; event: unknown }
  | { kind: 'prompt'; t: string; messages: unknown; tools?: string[] }
  | { kind: 'answer'; t: string; message: unknown; usage?: unknown }
  | { kind: 'note'; t: string; text: string }
  | ({ kind: 'end'; t: string; durationMs: number } & RunEnd);

/** The folder holding a repository's transcripts. */
export function runsDir(repoRoot: string): string {
  return join(repoRoot, '.ragent', 'runs');
}

/** A sortable, unique run id: UTC time plus a random suffix. */
export function newRunId(now: Date = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${stamp}-${randomBytes(3).toString('hex')}`;
}

/** Appends redacted lines to one run's transcript file. */
export class Transcript {
  readonly path: string;
  private readonly started = Date.now();
  private closed = false;

  private constructor(
    readonly id: string,
    dir: string,
    private readonly redactor: Redactor,
  ) {
    this.path = join(dir, `${id}.jsonl`);
  }

  /** Create the transcript file and write its start line. */
  static open(repoRoot: string, start: Omit<RunStart, 'id'> & { id?: string }, redactor: Redactor = defaultRedactor): Transcript {
    const dir = runsDir(repoRoot);
    mkdirSync(dir, { recursive: true });
    // ragent's state stays out of the project's git status, whatever the project's own .gitignore says.
    const ignore = join(repoRoot, '.ragent', '.gitignore');
    if (!existsSync(ignore)) writeFileSync(ignore, '*\n');
    const id = start.id ?? newRunId();
    const t = new Transcript(id, dir, redactor);
    t.append({ kind: 'start', t: new Date().toISOString(), ...start, id });
    return t;
  }

  /** Record one agent event. */
  event(event: unknown): void {
    this.append({ kind: 'event', t: now(), event });
  }

  /** Record the messages of one model request. */
  prompt(messages: unknown, tools?: string[]): void {
    this.append({ kind: 'prompt', t: now(), messages, ...(tools?.length ? { tools } : {}) });
  }

  /** Record one complete model answer. */
  answer(message: unknown, usage?: unknown): void {
    this.append({ kind: 'answer', t: now(), message, ...(usage ? { usage } : {}) });
  }

  /** Record a line of the pipeline's own narrative (worktree made, index updated, branch pushed...). */
  note(text: string): void {
    this.append({ kind: 'note', t: now(), text });
  }

  /** Write the end line; later writes are ignored. */
  end(end: RunEnd): void {
    if (this.closed) return;
    this.append({ kind: 'end', t: now(), durationMs: Date.now() - this.started, ...end });
    this.closed = true;
  }

  private append(line: TranscriptLine): void {
    if (this.closed) return;
    appendFileSync(this.path, this.redactor.redact(JSON.stringify(line, jsonSafe)) + '\n');
  }
}

function now(): string {
  return new Date().toISOString();
}

function jsonSafe(_key: string, value: unknown): unknown {
  if (value instanceof Error) return { name: value.name, message: value.message };
  if (typeof value === 'bigint') return value.toString();
  return value;
}

/** One line of `ragent runs`. */
export interface RunSummary {
  id: string;
  mode: RunStart['mode'];
  title: string;
  source: string;
  branch: string;
  model: string;
  startedAt: string;
  outcome: RunOutcome;
  exitCode: number | null;
  durationMs: number | null;
  tokens: TokenUse | null;
  filesChanged: string[];
  path: string;
}

/** Summaries of every transcript in the repository, newest first. Unreadable lines are skipped, not fatal. */
export function listRuns(repoRoot: string): RunSummary[] {
  const dir = runsDir(repoRoot);
  if (!existsSync(dir)) return [];
  const runs: RunSummary[] = [];
  for (const name of readdirSync(dir)) {
    if (!name.endsWith('.jsonl')) continue;
    const path = join(dir, name);
    const summary = summarise(path, name.slice(0, -'.jsonl'.length));
    if (summary) runs.push(summary);
  }
  return runs.sort((a, b) => (a.startedAt < b.startedAt ? 1 : a.startedAt > b.startedAt ? -1 : b.id.localeCompare(a.id)));
}

function summarise(path: string, fallbackId: string): RunSummary | null {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return null;
  }
  let start: Extract<TranscriptLine, { kind: 'start' }> | undefined;
  let end: Extract<TranscriptLine, { kind: 'end' }> | undefined;
  for (const raw of text.split('\n')) {
    if (!raw.trim()) continue;
    let line: TranscriptLine;
    try {
      line = JSON.parse(raw) as TranscriptLine;
    } catch {
      continue; // a line cut short by a crash
    }
    if (line.kind === 'start' && !start) start = line;
    else if (line.kind === 'end') end = line;
  }
  return {
    id: start?.id ?? fallbackId,
    mode: start?.mode ?? 'run',
    title: start?.title ?? '',
    source: start?.source ?? '',
    branch: start?.branch ?? '',
    model: start?.model ?? '',
    startedAt: start?.t ?? statSync(path).mtime.toISOString(),
    outcome: end?.outcome ?? 'incomplete',
    exitCode: end?.exitCode ?? null,
    durationMs: end?.durationMs ?? null,
    tokens: end?.tokens ?? null,
    filesChanged: end?.filesChanged ?? [],
    path,
  };
}

/** The lines of one run's transcript, found by id or a unique id prefix; null when none or several match. */
export function readTranscript(repoRoot: string, idOrPrefix: string): { id: string; lines: TranscriptLine[] } | null {
  const dir = runsDir(repoRoot);
  if (!existsSync(dir)) return null;
  const matches = readdirSync(dir).filter((n) => n.endsWith('.jsonl') && n.startsWith(idOrPrefix));
  const exact = matches.find((n) => n === `${idOrPrefix}.jsonl`);
  const name = exact ?? (matches.length === 1 ? matches[0] : undefined);
  if (!name) return null;
  const lines: TranscriptLine[] = [];
  for (const raw of readFileSync(join(dir, name), 'utf8').split('\n')) {
    if (!raw.trim()) continue;
    try {
      lines.push(JSON.parse(raw) as TranscriptLine);
    } catch {
      // A line cut short by a crash.
    }
  }
  return { id: name.slice(0, -'.jsonl'.length), lines };
}
