import { randomBytes } from 'node:crypto';
import { MalformedToolCallError } from './errors.js';
import type { ToolCall } from './types.js';

/** A fresh id for a tool call whose server gave none (Ollama before ids). */
export function newToolCallId(): string {
  return `call_${randomBytes(6).toString('hex')}`;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function show(value: unknown): string {
  try {
    return typeof value === 'string' ? value : JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/**
 * Arguments as an object. Servers send an object (Ollama) or a JSON string (OpenAI); anything else,
 * or a string that is not a JSON object, is malformed.
 */
export function parseToolArguments(name: string | undefined, args: unknown): Record<string, unknown> {
  if (args === undefined || args === null || args === '') return {};
  if (isObject(args)) return args;
  if (typeof args === 'string') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(args);
    } catch (err) {
      throw new MalformedToolCallError(name, args, `arguments are not valid JSON (${(err as Error).message})`);
    }
    if (isObject(parsed)) return parsed;
    throw new MalformedToolCallError(name, args, 'arguments must be a JSON object');
  }
  throw new MalformedToolCallError(name, show(args), 'arguments must be a JSON object');
}

/** One tool call from Ollama's wire shape `{id?, function: {name, arguments}}`. */
export function readOllamaToolCall(raw: unknown): ToolCall {
  const fn = isObject(raw) ? raw.function : undefined;
  if (!isObject(fn) || typeof fn.name !== 'string' || fn.name.trim() === '') {
    throw new MalformedToolCallError(undefined, show(raw), 'a tool call needs a function with a name');
  }
  const id = isObject(raw) && typeof raw.id === 'string' && raw.id ? raw.id : newToolCallId();
  return { id, name: fn.name, arguments: parseToolArguments(fn.name, fn.arguments) };
}
