import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { UsageError } from '../../src/errors.js';
import { ResultsMismatchError } from './errors.js';

/**
 * An append-only JSONL log of finished work, so an interrupted run resumes where it stopped. Each record is
 * written with one write() as soon as it is known; a torn last line (the process died mid-write) is dropped.
 */
export class ResultsLog<T extends object> {
  readonly records: T[] = [];
  /** Lines that could not be read (a torn last write, or hand edits). */
  readonly skippedLines: number = 0;
  private needsNewline = false;

  constructor(readonly file: string) {
    mkdirSync(dirname(file), { recursive: true });
    if (!existsSync(file)) return;
    const text = readFileSync(file, 'utf8');
    this.needsNewline = text.length > 0 && !text.endsWith('\n');
    let skipped = 0;
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      try {
        const value: unknown = JSON.parse(line);
        if (typeof value === 'object' && value !== null && !Array.isArray(value)) this.records.push(value as T);
        else skipped++;
      } catch {
        skipped++;
      }
    }
    this.skippedLines = skipped;
  }

  /** Append one record and make it durable before returning. */
  append(record: T): void {
    const line = JSON.stringify(record) + '\n';
    appendFileSync(this.file, this.needsNewline ? '\n' + line : line);
    this.needsNewline = false;
    this.records.push(record);
  }
}

/**
 * The identity of a run, kept next to its results: resuming with a different identity (another model, dataset
 * or temperature) would silently mix two experiments, so it is refused.
 */
export function checkRunIdentity(file: string, identity: Record<string, unknown>): void {
  try {
    mkdirSync(dirname(file), { recursive: true });
  } catch (err) {
    throw new UsageError(`cannot create the results folder ${dirname(file)}: ${(err as Error).message}`, 'pass --out with a folder you can write to');
  }
  if (existsSync(file)) {
    let saved: Record<string, unknown>;
    try {
      saved = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    } catch {
      throw new ResultsMismatchError(`${file} is not readable JSON`, 'delete it (and the results next to it) or choose another --out');
    }
    for (const key of new Set([...Object.keys(saved), ...Object.keys(identity)])) {
      if (JSON.stringify(saved[key]) !== JSON.stringify(identity[key])) {
        throw new ResultsMismatchError(
          `${dirname(file)} holds results of a different run: ${key} was ${JSON.stringify(saved[key])}, now ${JSON.stringify(identity[key])}`,
          'choose another --out folder, or delete that folder to start over',
        );
      }
    }
    return;
  }
  writeFileSync(file, JSON.stringify(identity, null, 2) + '\n');
}
