import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { gitBlobId } from '../../indexers/hash.js';

function gitHashObject(content: Buffer): string {
  return execFileSync('git', ['hash-object', '--stdin'], { input: content, encoding: 'utf8' }).trim();
}

describe('gitBlobId', () => {
  it('matches git hash-object for text, empty, binary and non-ASCII content', () => {
    for (const content of [
      Buffer.from('export const a = 1;\n'),
      Buffer.alloc(0),
      Buffer.from([0, 1, 2, 255, 254, 0, 10]),
      Buffer.from('naïve — 日本語\n', 'utf8'),
    ]) {
      expect(gitBlobId(content)).toBe(gitHashObject(content));
    }
  });

  it('matches git for arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        expect(gitBlobId(bytes)).toBe(gitHashObject(Buffer.from(bytes)));
      }),
      { numRuns: 25 },
    );
  });
});
