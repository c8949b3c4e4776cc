/**
 * The model-facing tools: names, argument schemas and argument validation. The same specs drive native tool
 * calling (Ollama `tools`) and the structured text protocol (Ollama `format`), so both see one protocol.
 */

import type { ToolSpec } from '../../src/model/types.js';

export type ToolName =
  | 'search_code'
  | 'read_file'
  | 'list_symbols'
  | 'edit_file'
  | 'replace_symbol'
  | 'create_file'
  | 'run_tests'
  | 'finish';

type ParamType = 'string' | 'integer';

interface Param {
  type: ParamType;
  description: string;
  required: boolean;
}

interface ToolDef {
  name: ToolName;
  description: string;
  params: Record<string, Param>;
}

const req = (type: ParamType, description: string): Param => ({ type, description, required: true });
const opt = (type: ParamType, description: string): Param => ({ type, description, required: false });

const DEFS: ToolDef[] = [
  {
    name: 'search_code',
    description: 'Search the repository index for code relevant to a query (identifiers, error text, plain words).',
    params: { query: req('string', 'what to look for') },
  },
  {
    name: 'read_file',
    description: 'Read a file of the repository with line numbers, optionally only a range of lines.',
    params: {
      path: req('string', 'path relative to the repository root'),
      start_line: opt('integer', 'first line to read (1-based)'),
      end_line: opt('integer', 'last line to read (inclusive)'),
    },
  },
  {
    name: 'list_symbols',
    description: 'List the functions, classes and methods defined in a file, with their line ranges.',
    params: { path: req('string', 'path relative to the repository root') },
  },
  {
    name: 'edit_file',
    description: 'Replace one exact, unique block of lines in a file; include enough lines to make the block unique.',
    params: {
      path: req('string', 'path relative to the repository root'),
      search: req('string', 'the existing lines to replace, copied exactly'),
      replace: req('string', 'the new lines'),
    },
  },
  {
    name: 'replace_symbol',
    description: 'Replace a whole function, method or class (by name, e.g. Class.method) with new code.',
    params: {
      path: req('string', 'path relative to the repository root'),
      symbol: req('string', 'name or qualified name of the symbol'),
      code: req('string', 'the complete new definition'),
    },
  },
  {
    name: 'create_file',
    description: 'Create a new file with the given content (fails if the file exists).',
    params: {
      path: req('string', 'path relative to the repository root'),
      content: req('string', 'the whole file content'),
    },
  },
  {
    name: 'run_tests',
    description: "Run the project's tests (related tests first, then the full suite) and report the failures.",
    params: {},
  },
  {
    name: 'finish',
    description: 'Declare the task done; the full test suite is run before the result is accepted.',
    params: { summary: req('string', 'what you changed and why, in a few sentences') },
  },
];

const BY_NAME = new Map(DEFS.map((d) => [d.name, d]));

/** The tools as JSON-schema specs, in a fixed order. */
export function toolSpecs(): ToolSpec[] {
  return DEFS.map((d) => ({ name: d.name, description: d.description, parameters: argumentSchema(d) }));
}

/** Every tool name, in the order the specs list them. */
export function toolNames(): ToolName[] {
  return DEFS.map((d) => d.name);
}

/** Whether `name` is one of the tools. */
export function isToolName(name: string): name is ToolName {
  return BY_NAME.has(name as ToolName);
}

function argumentSchema(d: ToolDef): Record<string, unknown> {
  const properties: Record<string, unknown> = {};
  for (const [key, p] of Object.entries(d.params)) properties[key] = { type: p.type, description: p.description };
  const required = Object.entries(d.params)
    .filter(([, p]) => p.required)
    .map(([k]) => k);
  return { type: 'object', properties, required };
}

/** A one-line signature such as `edit_file {path, search, replace}` with optional arguments marked `?`. */
export function toolSignature(name: ToolName): string {
  const d = BY_NAME.get(name)!;
  const args = Object.entries(d.params).map(([k, p]) => (p.required ? k : `${k}?`));
  return `${name} {${args.join(', ')}}`;
}

export type ValidatedArgs = { ok: true; args: Record<string, string | number> } | { ok: false; problem: string };

/**
 * Check a tool call's arguments against the tool's schema. Integers sent as numeric strings are accepted
 * (small models do that); unknown arguments are reported so the model learns the real names.
 */
export function validateArgs(name: ToolName, raw: unknown): ValidatedArgs {
  const d = BY_NAME.get(name)!;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { ok: false, problem: `the arguments must be a JSON object; expected ${toolSignature(name)}` };
  }
  const input = raw as Record<string, unknown>;
  const args: Record<string, string | number> = {};
  const problems: string[] = [];
  for (const [key, p] of Object.entries(d.params)) {
    const v = input[key];
    if (v === undefined || v === null) {
      if (p.required) problems.push(`missing "${key}"`);
      continue;
    }
    if (p.type === 'string') {
      if (typeof v === 'string') args[key] = v;
      else problems.push(`"${key}" must be a string, got ${describe(v)}`);
    } else {
      const n = typeof v === 'string' && /^\s*-?\d+\s*$/.test(v) ? Number(v) : v;
      if (typeof n === 'number' && Number.isInteger(n)) args[key] = n;
      else problems.push(`"${key}" must be an integer, got ${describe(v)}`);
    }
  }
  const unknown = Object.keys(input).filter((k) => !(k in d.params));
  if (unknown.length) problems.push(`unknown argument${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `"${k}"`).join(', ')}`);
  if (problems.length) return { ok: false, problem: `${problems.join('; ')}; expected ${toolSignature(name)}` };
  return { ok: true, args };
}

function describe(v: unknown): string {
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v)}`;
  return typeof v === 'object' ? 'an object' : `${typeof v} ${String(v)}`;
}
