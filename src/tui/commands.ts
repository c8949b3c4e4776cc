/** The session's slash commands. */

export type CommandName = 'help' | 'exit' | 'clear' | 'model' | 'add' | 'drop' | 'context' | 'expand' | 'undo' | 'diff' | 'test' | 'commit';

const NAMES: Record<string, CommandName> = {
  help: 'help',
  '?': 'help',
  exit: 'exit',
  quit: 'exit',
  clear: 'clear',
  model: 'model',
  add: 'add',
  drop: 'drop',
  context: 'context',
  expand: 'expand',
  undo: 'undo',
  diff: 'diff',
  test: 'test',
  tests: 'test',
  commit: 'commit',
};

export const HELP_TEXT = `Type a request and press Enter; end a line with \\ to continue on the next one.
  /add PATH[:START-END]  pin a file or line range into the context
  /drop PATH             keep a file out of the context
  /context               show what the context holds
  /expand [N]            show the full output of tool call or test run [N] (default: the last)
  /diff                  everything ragent changed this session
  /undo                  revert the last accepted edit set
  /test                  run the tests
  /commit [MESSAGE]      commit ragent's changes (a message is proposed when none is given)
  /model NAME            switch model
  /clear                 clear the screen and the conversation
  /help, /exit
Edits: a accept, r reject, A accept all for this turn. Ctrl-C cancels the turn; Ctrl-C twice or Ctrl-D exits.`;

/** A slash command and its argument, or null for a message to the agent. Unknown names come back as given. */
export function parseCommand(line: string): { name: CommandName | string; arg: string } | null {
  const m = /^\/(\S+)\s*([\s\S]*)$/.exec(line.trim());
  if (!m) return null;
  const raw = m[1]!.toLowerCase();
  return { name: NAMES[raw] ?? raw, arg: m[2]!.trim() };
}
