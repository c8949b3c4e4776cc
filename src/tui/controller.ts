/**
 * The terminal session's state and behaviour, apart from how it is drawn: the ink app and the plain
 * line mode both render a `ChatController`. Each message the user sends is one run of the agent loop
 * over the working tree; edits wait for the user's approval, and every accepted edit set can be undone.
 */

import type { AgentDeps, Approval, EditProposal } from '../../agent/deps.js';
import type { AgentEvent, AgentResult, RetrievalItem, TestSummary } from '../../agent/events.js';
import { runAgent } from '../../agent/run.js';
import type { EditSession } from '../../agent/edits/session.js';
import type { RagentConfig } from '../config/schema.js';
import { RagentError } from '../errors.js';
import type { ModelClient, ModelInfo } from '../model/types.js';
import { loadPrompt } from '../util/prompts.js';
import type { TokenCounter } from '../util/tokens.js';
import { parseCommand, HELP_TEXT } from './commands.js';
import { pinnedRetrieval, type Pin } from './pins.js';
import type { AgentDepsParts, SessionGit } from './services.js';

/** One line of the session's scrollback. */
export type Entry =
  | { kind: 'user'; text: string }
  | { kind: 'assistant'; text: string }
  | { kind: 'tool'; name: string; summary: string; detail: string; ok: boolean }
  | { kind: 'edit'; path: string; diff: string; status: 'applied' | 'rejected' | 'undone'; reason?: string }
  | { kind: 'test'; summary: TestSummary; output: string }
  | { kind: 'info'; text: string }
  | { kind: 'error'; text: string; hint?: string };

/** An edit waiting for the user's answer. */
export interface PendingApproval {
  path: string;
  diff: string;
  tool: string;
}

export type ApprovalAnswer = 'accept' | 'reject' | 'all';

export interface ChatState {
  entries: Entry[];
  /** The model's answer as it streams in, '' when idle. */
  streaming: string;
  busy: boolean;
  /** What the session is doing now, for the status line. */
  activity: string;
  pending: PendingApproval | null;
  model: string;
  info: ModelInfo | null;
  context: { items: RetrievalItem[]; tokens: number; budget: number };
  pins: Pin[];
  dropped: string[];
  /** Paths ragent changed this session and has not undone. */
  changed: string[];
  /** Bumped by `/clear`, so views can start their scrollback afresh. */
  clears: number;
  /** Tokens spent this session. */
  tokens: { prompt: number; output: number };
  exitRequested: boolean;
}

export interface ChatControllerOptions {
  root: string;
  config: RagentConfig;
  /** The model client for a model name (called again after `/model`). */
  model: (name: string) => ModelClient;
  parts: AgentDepsParts;
  session: EditSession;
  git: SessionGit;
  counter: TokenCounter;
  /** Accept every edit without asking (`--auto`). */
  auto?: boolean;
  /** Called with every agent event and session note, for the transcript. */
  record?: (event: AgentEvent | { type: 'session'; text: string }) => void;
}

type Listener = (state: ChatState) => void;

// Earlier exchanges carried into the next task, newest last; older ones are dropped.
const HISTORY_TURNS = 6;
const HISTORY_CHARS = 4_000;

/** The terminal session: commands, agent runs, approvals, undo and commit. */
export class ChatController {
  private state: ChatState;
  private readonly listeners = new Set<Listener>();
  private client: ModelClient;
  private abort: AbortController | null = null;
  private approvalResolve: ((a: ApprovalAnswer) => void) | null = null;
  private acceptAllThisTurn = false;
  /** Number of edits each accepted edit set holds, newest last, for `/undo`. */
  private readonly editSets: number[] = [];
  private currentSet = 0;
  private readonly history: Array<{ user: string; summary: string }> = [];
  private readonly summaries: string[] = [];

  constructor(private readonly opts: ChatControllerOptions) {
    this.client = opts.model(opts.config.model.name);
    this.state = {
      entries: [],
      streaming: '',
      busy: false,
      activity: '',
      pending: null,
      model: opts.config.model.name,
      info: null,
      context: { items: [], tokens: 0, budget: 0 },
      pins: [],
      dropped: [],
      changed: [],
      clears: 0,
      tokens: { prompt: 0, output: 0 },
      exitRequested: false,
    };
  }

  /** The current state (a fresh object after every change). */
  get snapshot(): ChatState {
    return this.state;
  }

  /** Be told of every change; returns the unsubscribe function. */
  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Ask the model server for the model's facts, for the header; errors become entries. */
  async connect(): Promise<void> {
    try {
      const info = await this.client.info();
      this.update({ info });
    } catch (err) {
      this.fail(err);
    }
  }

  /** Handle one line the user typed: a slash command or a message for the agent. */
  async submit(line: string): Promise<void> {
    const text = line.trim();
    if (!text) return;
    if (this.state.busy) {
      this.note('busy: wait for the current turn, or press Ctrl-C to cancel it');
      return;
    }
    const cmd = parseCommand(text);
    if (!cmd) return this.ask(line);
    switch (cmd.name) {
      case 'help':
        return this.note(HELP_TEXT);
      case 'exit':
        this.update({ exitRequested: true });
        return;
      case 'clear':
        this.history.length = 0;
        this.update({ entries: [], context: { items: [], tokens: 0, budget: 0 }, clears: this.state.clears + 1 });
        return;
      case 'model':
        return this.switchModel(cmd.arg);
      case 'add':
        return this.addPin(cmd.arg);
      case 'drop':
        return this.dropPath(cmd.arg);
      case 'context':
        return this.showContext();
      case 'expand':
        return this.expand(cmd.arg);
      case 'undo':
        return this.undo();
      case 'diff':
        return this.showDiff();
      case 'test':
        return this.runTests();
      case 'commit':
        return this.commit(cmd.arg);
      default:
        this.push({ kind: 'error', text: `unknown command /${cmd.name}`, hint: 'type /help for the list of commands' });
    }
  }

  /** Cancel the model call or test run in flight; returns false when nothing was running. */
  cancel(): boolean {
    if (!this.abort) return false;
    this.abort.abort();
    if (this.approvalResolve) this.answer('reject');
    return true;
  }

  /** Answer the pending edit: accept it, reject it, or accept it and every other edit of this turn. */
  answer(answer: ApprovalAnswer): void {
    const resolve = this.approvalResolve;
    if (!resolve) return;
    this.approvalResolve = null;
    this.update({ pending: null });
    resolve(answer);
  }

  private async ask(message: string): Promise<void> {
    this.push({ kind: 'user', text: message });
    const abort = new AbortController();
    this.abort = abort;
    this.acceptAllThisTurn = false;
    this.currentSet = 0;
    this.update({ busy: true, activity: 'retrieving context', streaming: '' });
    let result: AgentResult | null = null;
    try {
      const deps = this.deps(abort.signal);
      for await (const event of runAgent(this.taskWithHistory(message), deps)) {
        this.opts.record?.(event);
        this.onEvent(event);
        if (event.type === 'result') result = event.result;
      }
    } catch (err) {
      this.fail(err);
    } finally {
      this.abort = null;
      if (this.currentSet > 0) this.editSets.push(this.currentSet);
      this.flushStreaming();
      this.update({ busy: false, activity: '', pending: null, changed: this.opts.session.changedFiles() });
    }
    if (result) {
      const t = this.state.tokens;
      this.update({ tokens: { prompt: t.prompt + result.tokens.prompt, output: t.output + result.tokens.output } });
      this.history.push({ user: message, summary: result.summary });
      if (result.summary) this.summaries.push(result.summary);
      this.push({ kind: 'info', text: describeResult(result) });
    }
  }

  private deps(signal: AbortSignal): AgentDeps {
    const { parts } = this.opts;
    const retrieval = parts.retrieval
      ? pinnedRetrieval(parts.retrieval, this.opts.root, this.opts.counter, () => ({ pins: this.state.pins, dropped: this.state.dropped }))
      : null;
    return {
      root: this.opts.root,
      config: { ...this.opts.config, model: { ...this.opts.config.model, name: this.state.model } },
      model: this.client,
      retrieval,
      edits: parts.edits,
      tests: parts.tests,
      counter: this.opts.counter,
      signal,
      approve: (proposal) => this.approve(proposal),
    };
  }

  private taskWithHistory(message: string): string {
    const recent = this.history.slice(-HISTORY_TURNS);
    if (!recent.length) return message;
    let earlier = recent.map((h) => `- The user asked: ${oneLine(h.user)}\n  Outcome: ${oneLine(h.summary)}`).join('\n');
    if (earlier.length > HISTORY_CHARS) earlier = earlier.slice(earlier.length - HISTORY_CHARS);
    return loadPrompt('chat-turn', { earlier, message });
  }

  private async approve(proposal: EditProposal): Promise<Approval> {
    if (this.opts.auto || this.acceptAllThisTurn) return true;
    const answer = await new Promise<ApprovalAnswer>((resolve) => {
      this.approvalResolve = resolve;
      this.update({ pending: { path: proposal.path, diff: proposal.diff, tool: proposal.tool }, activity: 'waiting for your answer' });
    });
    this.update({ activity: 'working' });
    if (answer === 'all') this.acceptAllThisTurn = true;
    return answer !== 'reject';
  }

  private onEvent(event: AgentEvent): void {
    switch (event.type) {
      case 'start':
        this.update({ activity: event.testCommand ? 'running the tests for a baseline' : 'retrieving context' });
        return;
      case 'retrieval':
        this.update({ context: { items: event.items, tokens: event.tokens, budget: event.budget }, activity: 'asking the model' });
        return;
      case 'model_delta':
        this.update({ streaming: this.state.streaming + event.text, activity: 'the model is answering' });
        return;
      case 'model_response':
        this.flushStreaming();
        return;
      case 'tool_call':
        this.update({ activity: `${event.name} ${briefArgs(event.args)}` });
        return;
      case 'tool_result':
        if (isEditTool(event.name) && event.ok) return;
        this.push({ kind: 'tool', name: event.name, summary: event.summary, detail: event.output, ok: event.ok });
        return;
      case 'edit_applied':
        this.currentSet++;
        this.push({ kind: 'edit', path: event.path, diff: event.diff, status: 'applied' });
        this.update({ changed: this.opts.session.changedFiles() });
        return;
      case 'edit_rejected':
        this.push({ kind: 'edit', path: event.path, diff: event.diff, status: 'rejected', reason: event.reason });
        return;
      case 'test_started':
        this.update({ activity: `running ${event.scope} tests: ${event.command}` });
        return;
      case 'test_finished':
        this.push({ kind: 'test', summary: event.run, output: event.output });
        this.update({ activity: 'asking the model' });
        return;
      case 'error':
        this.push({ kind: 'error', text: event.message, ...(event.hint ? { hint: event.hint } : {}) });
        return;
      default:
        return;
    }
  }

  private flushStreaming(): void {
    const text = this.state.streaming.trim();
    if (text) this.push({ kind: 'assistant', text });
    if (this.state.streaming) this.update({ streaming: '' });
  }

  private async switchModel(name: string): Promise<void> {
    if (!name) return this.note(`model: ${this.state.model}`);
    const next = this.opts.model(name);
    try {
      const info = await next.info();
      this.client = next;
      this.update({ model: name, info });
      this.note(`model: ${name} (window ${info.numCtx} tokens, ${info.supportsTools ? 'native tool calls' : 'text tool protocol'})`);
    } catch (err) {
      this.fail(err);
    }
  }

  private async addPin(arg: string): Promise<void> {
    const m = /^(.+?)(?::(\d+)(?:-(\d+))?)?$/.exec(arg.trim());
    if (!arg.trim() || !m) return this.push({ kind: 'error', text: 'usage: /add PATH[:START-END]' });
    const pin: Pin = { path: m[1]!, ...(m[2] ? { startLine: Number(m[2]), endLine: Number(m[3] ?? m[2]) } : {}) };
    try {
      await this.opts.parts.edits.readText(pin.path);
    } catch (err) {
      return this.fail(err);
    }
    const pins = this.state.pins.filter((p) => !(p.path === pin.path && p.startLine === pin.startLine));
    this.update({ pins: [...pins, pin], dropped: this.state.dropped.filter((d) => d !== pin.path) });
    this.note(`pinned ${formatPin(pin)}: it goes first into the context of every message`);
  }

  private dropPath(arg: string): void {
    const path = arg.trim();
    if (!path) return this.push({ kind: 'error', text: 'usage: /drop PATH' });
    const pins = this.state.pins.filter((p) => p.path !== path);
    const dropped = this.state.dropped.includes(path) ? this.state.dropped : [...this.state.dropped, path];
    this.update({ pins, dropped, context: { ...this.state.context, items: this.state.context.items.filter((i) => i.path !== path) } });
    this.note(`dropped ${path}: it stays out of the context until you /add it again`);
  }

  private showContext(): void {
    const { items, tokens, budget } = this.state.context;
    const lines = [`context: ${tokens} of ${budget} tokens, ${items.length} item(s)`];
    for (const p of this.state.pins) lines.push(`  pinned   ${formatPin(p)}`);
    for (const i of items) lines.push(`  ${String(i.tokens).padStart(6)}  ${i.path}:${i.startLine}-${i.endLine}  ${i.kind} (${i.reason})`);
    for (const d of this.state.dropped) lines.push(`  dropped  ${d}`);
    if (!items.length && !this.state.pins.length) lines.push('  (nothing yet: the context is packed when you send a message)');
    this.note(lines.join('\n'));
  }

  private expand(arg: string): void {
    const entries = this.state.entries;
    const n = arg ? Number(arg) : findLastIndex(entries, (e) => e.kind === 'tool' || e.kind === 'test') + 1;
    const entry = Number.isInteger(n) && n > 0 ? entries[n - 1] : undefined;
    if (!entry) return this.push({ kind: 'error', text: arg ? `there is no entry [${arg}]` : 'nothing to expand yet' });
    if (entry.kind === 'tool') return this.note(`[${n}] ${entry.name}:\n${entry.detail}`);
    if (entry.kind === 'test') return this.note(`[${n}] ${entry.summary.command}:\n${entry.output || '(no output)'}`);
    if (entry.kind === 'edit') return this.note(`[${n}] ${entry.path}:\n${entry.diff}`);
    this.note(`[${n}] has nothing more to show`);
  }

  private undo(): void {
    const count = this.editSets.pop();
    if (!count) return this.note('nothing to undo');
    const undone: string[] = [];
    try {
      for (let i = 0; i < count; i++) {
        const edit = this.opts.session.undo();
        if (!edit) break;
        undone.push(edit.path);
        this.push({ kind: 'edit', path: edit.path, diff: edit.diff, status: 'undone' });
      }
    } catch (err) {
      // Keep what is left of the set on the stack, so a later /undo can finish it.
      if (count - undone.length > 0) this.editSets.push(count - undone.length);
      this.fail(err);
    }
    this.update({ changed: this.opts.session.changedFiles() });
    if (undone.length) this.note(`undid ${undone.length} edit(s): ${[...new Set(undone)].join(', ')}`);
  }

  private showDiff(): void {
    const diff = this.opts.session.diff();
    if (!diff) return this.note('ragent has changed nothing in this session');
    this.push({ kind: 'edit', path: `${this.opts.session.changedFiles().length} file(s)`, diff, status: 'applied' });
  }

  private async runTests(): Promise<void> {
    const tests = this.opts.parts.tests;
    if (!tests.command) {
      return this.push({ kind: 'error', text: 'no test command was found', hint: 'set agent.testCommand in .agentrc' });
    }
    const abort = new AbortController();
    this.abort = abort;
    this.update({ busy: true, activity: `running tests: ${tests.command}` });
    try {
      const run = await tests.run({ signal: abort.signal });
      const failing = run.tests.filter((t) => t.status === 'failed').map((t) => (t.file ? `${t.file} > ${t.name}` : t.name));
      this.push({
        kind: 'test',
        summary: { scope: 'full', command: run.command, exitCode: run.exitCode, timedOut: run.timedOut, parsed: run.parsed, passed: run.passed, failed: run.failed, failing, durationMs: run.durationMs },
        output: tests.summarize(run, 4_000),
      });
    } catch (err) {
      this.fail(err);
    } finally {
      this.abort = null;
      this.update({ busy: false, activity: '' });
    }
  }

  private async commit(message: string): Promise<void> {
    const files = this.opts.session.changedFiles();
    if (!files.length) return this.note('nothing to commit: ragent has changed nothing in this session');
    const text = message.trim() || proposeMessage(this.summaries, files);
    try {
      const sha = await this.opts.git.commit(files, text);
      this.note(`committed ${files.length} file(s) as ${sha.slice(0, 10)}: ${text.split('\n')[0]}`);
      // Committed changes are the user's history now: they are no longer ragent's to undo.
      this.editSets.length = 0;
    } catch (err) {
      this.fail(err);
    }
  }

  private note(text: string): void {
    this.push({ kind: 'info', text });
    this.opts.record?.({ type: 'session', text });
  }

  private fail(err: unknown): void {
    if (err instanceof RagentError) this.push({ kind: 'error', text: err.message, ...(err.hint ? { hint: err.hint } : {}) });
    else this.push({ kind: 'error', text: err instanceof Error ? err.message : String(err) });
  }

  private push(entry: Entry): void {
    this.update({ entries: [...this.state.entries, entry] });
  }

  private update(patch: Partial<ChatState>): void {
    this.state = { ...this.state, ...patch };
    for (const l of this.listeners) l(this.state);
  }
}

function findLastIndex<T>(items: T[], pred: (item: T) => boolean): number {
  for (let i = items.length - 1; i >= 0; i--) if (pred(items[i]!)) return i;
  return -1;
}

function isEditTool(name: string): boolean {
  return name === 'edit_file' || name === 'replace_symbol' || name === 'create_file';
}

function briefArgs(args: Record<string, unknown>): string {
  const first = args.path ?? args.query ?? args.symbol ?? '';
  return typeof first === 'string' ? first.slice(0, 60) : '';
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim().slice(0, 400);
}

function formatPin(p: Pin): string {
  return p.startLine ? `${p.path}:${p.startLine}-${p.endLine}` : p.path;
}

/** One line saying how the turn ended. */
export function describeResult(r: AgentResult): string {
  const tests = r.testsAfter ? `tests: ${r.testsAfter.passed} passed, ${r.testsAfter.failed} failed` : r.testCommand ? 'tests not run after the change' : 'no test command';
  const files = r.filesChanged.length ? `${r.filesChanged.length} file(s) changed` : 'no change';
  return `${r.outcome}: ${files}; ${tests}; ${r.tokens.prompt + r.tokens.output} tokens`;
}

/** A commit message from the turns' summaries, or from the files when there are none. */
export function proposeMessage(summaries: string[], files: string[]): string {
  const first = summaries.map((s) => s.split('\n')[0]!.trim()).find(Boolean);
  const subject = (first ?? `Update ${files.slice(0, 3).join(', ')}${files.length > 3 ? ' and others' : ''}`).slice(0, 72);
  const body = summaries.length > 1 ? `\n\n${summaries.map((s) => `- ${oneLine(s)}`).join('\n')}` : '';
  return subject + body;
}
