/**
 * How tools reach the model. Models with native tool calling get Ollama `tools` and answer with `tool_calls`;
 * others answer every turn with one JSON object `{"thought", "tool", "arguments"}` constrained by Ollama's
 * `format` schema. Both paths end in the same `ProposedCall`s, so the loop never knows which one it speaks.
 */

import type { ChatMessage, ChatOptions, ToolCall } from '../src/model/types.js';
import { loadPrompt } from '../src/util/prompts.js';
import { isToolName, toolNames, toolSignature, toolSpecs } from './tools/specs.js';

export type ProtocolKind = 'native' | 'text';

/** A tool call as the model made it, before validation: name and arguments may be wrong. */
export interface ProposedCall {
  id: string;
  name: string;
  /** Parsed arguments, or the raw text when they were not a JSON object. */
  args: unknown;
  /** Set when the call could not be read at all (e.g. the answer was not JSON). */
  problem?: string;
}

/** What one model turn asked for. */
export interface Interpretation {
  calls: ProposedCall[];
  /** Free text the model wrote besides its calls (its reasoning, or a final answer). */
  text: string;
}

export interface Protocol {
  readonly kind: ProtocolKind;
  /** Request options that offer the tools. */
  chatOptions(): Pick<ChatOptions, 'tools' | 'format'>;
  /** Read a finished turn: the assistant message and the tool calls streamed during it. */
  interpret(message: ChatMessage, streamed: ToolCall[]): Interpretation;
  /** The message that gives a tool's output back to the model. */
  resultMessage(call: ProposedCall, output: string): ChatMessage;
  /** Text added to the system prompt: how to call the tools under this protocol. */
  instructions(): string;
}

let nextId = 0;
const freshId = (): string => `call_${++nextId}`;

/** The protocol for a model: native tool calls when it supports them, the structured text protocol otherwise. */
export function protocolFor(supportsTools: boolean): Protocol {
  return supportsTools ? nativeProtocol() : textProtocol();
}

function toolList(): string {
  return toolNames()
    .map((n) => `- \`${toolSignature(n)}\``)
    .join('\n');
}

function nativeProtocol(): Protocol {
  const tools = toolSpecs();
  return {
    kind: 'native',
    chatOptions: () => ({ tools }),
    interpret(message, streamed) {
      const calls = message.toolCalls?.length ? message.toolCalls : streamed;
      if (calls.length) return { calls: calls.map((c) => ({ id: c.id || freshId(), name: c.name, args: c.arguments })), text: message.content };
      // Some models print the call as JSON text instead of using the tool channel; accept it.
      const fromText = parseJsonCall(message.content);
      if (fromText && !fromText.problem && isToolName(fromText.name)) return { calls: [fromText], text: '' };
      return { calls: [], text: message.content };
    },
    resultMessage: (call, output) => ({ role: 'tool', content: output, toolName: call.name, toolCallId: call.id }),
    instructions: () => loadPrompt('tools-native', { tools: toolList() }),
  };
}

function textProtocol(): Protocol {
  const format = textFormatSchema();
  return {
    kind: 'text',
    chatOptions: () => ({ format }),
    interpret(message) {
      const call = parseJsonCall(message.content);
      if (!call) return { calls: [], text: message.content };
      return { calls: [call], text: call.problem ? message.content : '' };
    },
    resultMessage: (call, output) => ({ role: 'user', content: loadPrompt('tool-result', { tool: call.name || 'tool', output }) }),
    instructions: () => loadPrompt('tools-text', { tools: toolList(), names: toolNames().join(', ') }),
  };
}

/**
 * The `format` schema for the text protocol: one branch per tool, each fixing the tool name and its
 * argument shape, so a constrained decoder can only produce a well-formed call.
 */
export function textFormatSchema(): Record<string, unknown> {
  return {
    anyOf: toolSpecs().map((spec) => ({
      type: 'object',
      properties: {
        thought: { type: 'string' },
        tool: { type: 'string', enum: [spec.name] },
        arguments: spec.parameters,
      },
      required: ['thought', 'tool', 'arguments'],
    })),
  };
}

/**
 * Read a `{"tool": name, "arguments": {...}}` object (also `{"name", "arguments"}` and `{"function": {...}}`)
 * from model text, tolerating code fences and prose around it. Null when the text holds no JSON object at all;
 * a call with `problem` when it holds one that cannot be used.
 */
export function parseJsonCall(text: string): ProposedCall | null {
  const trimmed = text.trim();
  if (!trimmed) return null;
  let firstProblem: ProposedCall | null = null;
  // Prose before the call may hold braces of its own: try each object in turn, the first call wins.
  for (let from = trimmed.indexOf('{'); from >= 0; from = trimmed.indexOf('{', from + 1)) {
    const call = readCall(balancedObject(trimmed, from));
    if (!call.problem) return call;
    firstProblem ??= call;
  }
  return firstProblem;
}

function readCall(candidate: string): ProposedCall {
  let value: unknown;
  try {
    value = JSON.parse(candidate);
  } catch (err) {
    return { id: freshId(), name: '', args: candidate, problem: `your answer is not valid JSON (${(err as Error).message})` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { id: freshId(), name: '', args: value, problem: 'your answer must be one JSON object with "tool" and "arguments"' };
  }
  let obj = value as Record<string, unknown>;
  if (typeof obj.function === 'object' && obj.function !== null) obj = obj.function as Record<string, unknown>;
  const name = typeof obj.tool === 'string' ? obj.tool : typeof obj.name === 'string' ? obj.name : '';
  if (!name) return { id: freshId(), name: '', args: obj, problem: 'your answer has no "tool" field naming the tool to call' };
  let args = obj.arguments ?? obj.parameters ?? {};
  if (typeof args === 'string') {
    try {
      args = JSON.parse(args);
    } catch {
      // Left as a string: validation tells the model the arguments must be an object.
    }
  }
  return { id: freshId(), name, args };
}

/** The balanced `{…}` starting at `start` (braces inside string literals ignored), or the rest of the text. */
function balancedObject(text: string, start: number): string {
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const ch = text[i];
    if (inString) {
      if (ch === '\\') i++;
      else if (ch === '"') inString = false;
      continue;
    }
    if (ch === '"') inString = true;
    else if (ch === '{') depth++;
    else if (ch === '}' && --depth === 0) return text.slice(start, i + 1);
  }
  // Unbalanced: hand back the rest so JSON.parse reports where it breaks.
  return text.slice(start);
}
