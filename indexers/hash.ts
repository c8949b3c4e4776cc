import { createHash } from 'node:crypto';

/**
 * Content identity for the index: the git blob id (SHA-1 of `blob <size>\0` + bytes), so rows keyed by it
 * line up with git's own objects, and computed the same way for files outside git.
 */
export function gitBlobId(content: Uint8Array): string {
  const hash = createHash('sha1');
  hash.update(`blob ${content.byteLength}\0`);
  hash.update(content);
  return hash.digest('hex');
}
