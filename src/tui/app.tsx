/**
 * The ink app of the terminal session: header, scrollback, the edit under review, the context gauge and
 * the prompt. All behaviour lives in the ChatController; this file only draws its state and maps keys.
 */

import { Box, Static, Text, useApp, useInput, useStdout } from 'ink';
import React, { useEffect, useRef, useState } from 'react';
import type { ChatController, ChatState } from './controller.js';
import { ApprovalPrompt, ContextPanel, EntryView, Header, PromptView } from './components.js';

export interface AppProps {
  controller: ChatController;
  repo: string;
  branch: string;
  indexNote: string;
  color: boolean;
}

// The header is the first static item, printed once above the scrollback.
type StaticItem = { id: number; e: ChatState['entries'][number] | null };

// A second Ctrl-C within this many milliseconds exits.
const DOUBLE_CTRL_C_MS = 2_000;
const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/** Subscribe to the controller's state. */
function useChatState(controller: ChatController): ChatState {
  const [state, setState] = useState(controller.snapshot);
  useEffect(() => controller.subscribe(setState), [controller]);
  return state;
}

/** The prompt's editing state: lines being typed, and the history walked with up/down. */
export function usePromptInput(onSubmit: (text: string) => void) {
  // Keys can arrive faster than renders: a ref holds the truth, state only triggers the redraw.
  const linesRef = useRef<string[]>(['']);
  const [lines, setLinesState] = useState<string[]>(['']);
  const history = useRef<string[]>([]);
  const cursor = useRef<number>(-1);
  const setLines = (next: string[]) => {
    linesRef.current = next;
    setLinesState(next);
  };

  const submit = (text: string) => {
    if (text.trim()) history.current.push(text);
    cursor.current = -1;
    setLines(['']);
    onSubmit(text);
  };

  const insert = (text: string) => {
    const next = [...linesRef.current];
    const parts = text.replace(/\r\n?/g, '\n').split('\n');
    next[next.length - 1] += parts[0];
    for (const p of parts.slice(1)) next.push(p);
    setLines(next);
  };

  const handle = (input: string, key: { return?: boolean; backspace?: boolean; delete?: boolean; upArrow?: boolean; downArrow?: boolean; ctrl?: boolean; meta?: boolean; tab?: boolean; escape?: boolean }) => {
    const current = linesRef.current;
    if (key.return) {
      const last = current[current.length - 1]!;
      if (last.endsWith('\\')) {
        // A trailing backslash continues the message on a new line.
        setLines([...current.slice(0, -1), last.slice(0, -1), '']);
        return;
      }
      submit(current.join('\n'));
      return;
    }
    if (key.backspace || key.delete) {
      const next = [...current];
      const last = next[next.length - 1]!;
      if (last.length) next[next.length - 1] = last.slice(0, -1);
      else if (next.length > 1) next.pop();
      setLines(next);
      return;
    }
    if (key.upArrow || key.downArrow) {
      const h = history.current;
      if (!h.length) return;
      let c = cursor.current === -1 ? h.length : cursor.current;
      c = key.upArrow ? Math.max(0, c - 1) : c + 1;
      if (c >= h.length) {
        cursor.current = -1;
        setLines(['']);
      } else {
        cursor.current = c;
        setLines(h[c]!.split('\n'));
      }
      return;
    }
    if (key.ctrl || key.meta || key.tab || key.escape) return;
    if (!input) return;
    // Keys typed fast (or sent by a script) can arrive in one chunk with the final Enter: a trailing line
    // break submits, inner ones are kept as a multi-line paste.
    const ending = /\r\n?$|\n$/.exec(input);
    if (ending && input.length > ending[0].length) {
      insert(input.slice(0, ending.index));
      submit(linesRef.current.join('\n'));
      return;
    }
    insert(input);
  };

  return { lines, handle, isEmpty: () => linesRef.current.length === 1 && linesRef.current[0] === '' };
}

/** The whole session screen. */
export function App(props: AppProps) {
  const { controller, color } = props;
  const state = useChatState(controller);
  const { exit } = useApp();
  const { stdout } = useStdout();
  const [notice, setNotice] = useState('');
  const lastCtrlC = useRef(0);
  const [frame, setFrame] = useState(0);
  const prompt = usePromptInput((text) => {
    setNotice('');
    void controller.submit(text);
  });

  useEffect(() => {
    if (state.exitRequested) exit();
  }, [state.exitRequested, exit]);

  useEffect(() => {
    // Static output is already in the terminal's scrollback: clear the screen, then print afresh.
    if (state.clears > 0) stdout?.write('\u001b[2J\u001b[3J\u001b[H');
  }, [state.clears, stdout]);

  useEffect(() => {
    if (!state.busy) return;
    const t = setInterval(() => setFrame((f) => (f + 1) % SPINNER.length), 120);
    return () => clearInterval(t);
  }, [state.busy]);

  useInput((input, key) => {
    if (key.ctrl && input === 'c') {
      if (controller.cancel()) {
        setNotice('cancelled; the session goes on (Ctrl-C again to exit)');
        lastCtrlC.current = Date.now();
        return;
      }
      if (Date.now() - lastCtrlC.current < DOUBLE_CTRL_C_MS) {
        exit();
        return;
      }
      lastCtrlC.current = Date.now();
      setNotice('press Ctrl-C again to exit');
      return;
    }
    if (key.ctrl && input === 'd') {
      if (prompt.isEmpty()) exit();
      return;
    }
    if (state.pending) {
      if (input === 'a' || input === 'y') controller.answer('accept');
      else if (input === 'r' || input === 'n' || key.escape) controller.answer('reject');
      else if (input === 'A') controller.answer('all');
      return;
    }
    prompt.handle(input, key);
  });

  const window = state.info?.numCtx ?? 0;
  return (
    <Box flexDirection="column">
      <Static key={state.clears} items={[{ id: -1, e: null }, ...state.entries.map((e, i) => ({ id: i, e }))] as StaticItem[]}>
        {(item) =>
          item.e === null ? (
            <Header key="header" repo={props.repo} branch={props.branch} model={state.model} numCtx={window || null} indexNote={props.indexNote} color={color} />
          ) : (
            <EntryView key={item.id} entry={item.e} n={item.id + 1} color={color} />
          )
        }
      </Static>
      {state.streaming ? <Text>{state.streaming}</Text> : null}
      {state.pending ? <ApprovalPrompt pending={state.pending} color={color} /> : null}
      {state.busy && !state.pending ? (
        <Text color={color ? 'cyan' : undefined}>
          {SPINNER[frame]} {state.activity || 'working'} (Ctrl-C cancels)
        </Text>
      ) : null}
      <Box marginTop={1} flexDirection="column">
        <ContextPanel items={state.context.items} tokens={state.context.tokens} window={window || state.context.budget} pins={state.pins.length} color={color} width={stdout?.columns ?? 80} maxItems={3} />
        <PromptView lines={prompt.lines} busy={state.busy} color={color} notice={notice} />
      </Box>
    </Box>
  );
}
