import { UsageError } from '../errors.js';

/** Parse a positive integer flag, or throw a usage error naming it. */
export function positiveInt(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${flag} must be a positive integer, got "${value}"`, `e.g. ${flag} 10`);
  return n;
}
