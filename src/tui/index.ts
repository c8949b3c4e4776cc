/**
 * `ragent chat`: the interactive terminal session over the agent loop. Opens the ink app on a terminal and
 * a plain line-by-line mode otherwise.
 */

import React from 'react';
import { render } from 'ink';
import { basename } from 'node:path';
import type { RagentConfig } from '../config/schema.js';
import { progressReporter } from '../cli/progress.js';
import { Transcript } from '../run/transcript.js';
import { App } from './app.js';
import { ChatController } from './controller.js';
import { runPlainSession } from './plain.js';
import { openChatServices } from './services.js';

export interface ChatOptions {
  root: string;
  config: RagentConfig;
  auto: boolean;
  /** Draw the ink app (stdin is a TTY) or use the plain line mode. */
  interactive: boolean;
  color: boolean;
}

/** Run a session until the user exits; returns the exit code. */
export async function startChat(opts: ChatOptions): Promise<number> {
  const progress = progressReporter(process.stderr);
  const services = await openChatServices(opts.root, opts.config, { onIndexProgress: (p) => progress.update(p) });
  progress.done();
  const branch = await services.git.branch();
  const transcript = Transcript.open(opts.root, {
    mode: 'chat',
    title: 'terminal session',
    source: 'terminal',
    branch,
    model: opts.config.model.name,
    repo: opts.root,
  });
  const controller = new ChatController({
    root: opts.root,
    config: opts.config,
    model: services.model,
    parts: services.parts,
    session: services.session,
    git: services.git,
    counter: services.counter,
    auto: opts.auto,
    record: (event) => transcript.event(event),
  });
  await controller.connect();
  try {
    if (opts.interactive) {
      // Ink turns raw mode on only after its first frame; a Ctrl-C pressed in between would end the process
      // instead of reaching the session, so the terminal is raw from before that frame.
      if (process.stdin.isTTY) process.stdin.setRawMode(true);
      const app = render(
        React.createElement(App, { controller, repo: basename(opts.root), branch, indexNote: services.indexNote, color: opts.color }),
        { exitOnCtrlC: false },
      );
      await app.waitUntilExit();
    } else {
      const info = controller.snapshot.info;
      const header = `ragent · ${basename(opts.root)} · ${branch} · model ${controller.snapshot.model}${info ? ` (${info.numCtx} tokens)` : ''} · ${services.indexNote}`;
      await runPlainSession(controller, process.stdin, process.stdout, header);
    }
  } finally {
    if (opts.interactive && process.stdin.isTTY) process.stdin.setRawMode(false);
    controller.cancel();
    const changed = services.session.changedFiles();
    transcript.end({ outcome: changed.length ? 'unverified' : 'no-change', exitCode: 0, tokens: controller.snapshot.tokens, filesChanged: changed, summary: 'terminal session ended' });
    await services.close();
  }
  return 0;
}
