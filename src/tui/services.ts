/**
 * The real parts a terminal session runs on, built once per session: the index (updated on start), retrieval,
 * one edit session shared by every turn (so `/undo` and `/diff` span the whole session), the test command,
 * and git for `/commit`.
 */

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { EditPort, RetrievalPort, TestPort } from '../../agent/deps.js';
import { EditSession } from '../../agent/edits/session.js';
import { calibrationFile, editPort, retrievalPort, tokenCounter } from '../../agent/ports.js';
import { testPort } from '../../agent/wire.js';
import { indexRepository } from '../../indexers/index-repository.js';
import { openIndex } from '../../indexers/store/index.js';
import type { IndexProgress, IndexReader, IndexStats } from '../../indexers/types.js';
import type { RagentConfig } from '../config/schema.js';
import { RagentError } from '../errors.js';
import { createModelClient } from '../model/create.js';
import type { ModelClient } from '../model/types.js';
import type { TokenCounter } from '../util/tokens.js';

const run = promisify(execFile);

/** The loop's ports that stay the same across a session's turns. */
export interface AgentDepsParts {
  retrieval: RetrievalPort | null;
  edits: EditPort;
  tests: TestPort;
}

/** What `/commit` and the header need from git. */
export interface SessionGit {
  branch(): Promise<string>;
  /** Commit exactly `files` with `message`; returns the new commit's id. */
  commit(files: string[], message: string): Promise<string>;
}

export interface ChatServices {
  parts: AgentDepsParts;
  session: EditSession;
  git: SessionGit;
  counter: TokenCounter;
  model: (name: string) => ModelClient;
  index: IndexReader | null;
  /** What the start-up index run did, or why there is no index. */
  indexNote: string;
  close(): Promise<void>;
}

/** A git commit failed (nothing staged by ragent is left behind). */
export class CommitError extends RagentError {}

/** git operations on the session's repository. */
export function sessionGit(root: string): SessionGit {
  return {
    async branch() {
      try {
        const { stdout } = await run('git', ['rev-parse', '--abbrev-ref', 'HEAD'], { cwd: root });
        return stdout.trim();
      } catch {
        return '(not a git repository)';
      }
    },
    async commit(files, message) {
      try {
        await run('git', ['add', '--', ...files], { cwd: root });
        // `--only` semantics via pathspec: whatever else the user staged stays staged and uncommitted.
        await run('git', ['commit', '-q', '-m', message, '--', ...files], { cwd: root });
        const { stdout } = await run('git', ['rev-parse', 'HEAD'], { cwd: root });
        return stdout.trim();
      } catch (err) {
        const text = (err as { stderr?: string }).stderr?.trim() || (err as Error).message;
        throw new CommitError(`git commit failed: ${text.split('\n').slice(-3).join(' ')}`, 'check `git status`; your files are unchanged');
      }
    },
  };
}

/** Index the repository (only what changed), open it, and build the session's parts. */
export async function openChatServices(
  root: string,
  config: RagentConfig,
  opts: { onIndexProgress?: (p: IndexProgress) => void; index?: boolean } = {},
): Promise<ChatServices> {
  const counter = tokenCounter(root, config);
  let index: IndexReader | null = null;
  let indexNote = 'index: not used';
  if (opts.index ?? true) {
    try {
      const stats: IndexStats = await indexRepository(root, config, opts.onIndexProgress);
      index = await openIndex(root, config);
      indexNote = stats.changed || stats.removed
        ? `index: updated (${stats.changed} file(s) re-indexed, ${stats.removed} removed; ${stats.files} files)`
        : `index: fresh (${stats.files} files)`;
    } catch (err) {
      indexNote = `index: unavailable (${err instanceof Error ? err.message : String(err)}); the model starts from the tools alone`;
    }
  }
  const session = new EditSession(root);
  return {
    parts: {
      retrieval: index ? retrievalPort(index, counter, config) : null,
      edits: editPort(session),
      tests: testPort(root, config),
    },
    session,
    git: sessionGit(root),
    counter,
    model: (name) => createModelClient({ ...config, model: { ...config.model, name } }, { calibrationFile: calibrationFile(root) }),
    index,
    indexNote,
    close: async () => {
      await index?.close();
    },
  };
}
