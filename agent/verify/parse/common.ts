/** Helpers shared by the result parsers. */
import { isAbsolute, relative, sep } from 'node:path';
import type { TestCase } from '../types.js';

/** Results read from one report or output. */
export interface ParsedResults {
  tests: TestCase[];
  parsedFrom: string;
}

/** A repository-relative `/` path for a file a runner names (absolute, `file://`, or relative). */
export function repoRelative(root: string, file: string): string {
  let f = file.startsWith('file://') ? decodeURIComponent(file.slice('file://'.length)) : file;
  if (isAbsolute(f)) {
    const rel = relative(root, f);
    if (!rel.startsWith('..') && !isAbsolute(rel)) f = rel;
  }
  return f.split(sep).join('/').replace(/^\.\//, '');
}

const ANSI = /\x1b\[[0-9;?]*[ -\/]*[@-~]|\x1b\][^\x07]*\x07/g;

/** Text without terminal colour and cursor codes. */
export function stripAnsi(text: string): string {
  return text.replace(ANSI, '');
}
