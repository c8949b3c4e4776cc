import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { Redactor, redactStream } from '../../src/util/redact.js';

const TOKEN = 'ghs_abcDEF1234567890secret';

describe('Redactor', () => {
  it('masks the secret and its encoded forms, leaves other text alone', () => {
    const r = new Redactor().add(TOKEN);
    const basic = Buffer.from(`x-access-token:${TOKEN}`).toString('base64');
    const text = `token=${TOKEN} header=AUTHORIZATION: basic ${basic} url=${encodeURIComponent(TOKEN)} plain words`;
    const out = r.redact(text);
    expect(out).not.toContain(TOKEN);
    expect(out).not.toContain(basic);
    expect(out).toBe('token=*** header=AUTHORIZATION: basic *** url=*** plain words');
  });

  it('ignores empty and very short secrets instead of mangling text', () => {
    const r = new Redactor().add('').add(undefined).add('abc');
    expect(r.active).toBe(false);
    expect(r.redact('abc abc')).toBe('abc abc');
  });

  it('redacts nested values and errors without changing the original', () => {
    const r = new Redactor().add(TOKEN);
    const value = { a: [TOKEN, 1, { [TOKEN]: `x${TOKEN}x` }], err: new Error(`bad ${TOKEN}`) };
    const out = r.redactValue(value);
    expect(JSON.stringify(out)).not.toContain(TOKEN);
    expect((out.err as Error).message).toBe('bad ***');
    expect(value.a[0]).toBe(TOKEN);
  });

  it('redacts everything written to a patched stream, strings and bytes alike', () => {
    const r = new Redactor().add(TOKEN);
    const stream = new PassThrough() as unknown as NodeJS.WriteStream;
    const chunks: string[] = [];
    (stream as unknown as PassThrough).on('data', (c: Buffer) => chunks.push(c.toString()));
    const restore = redactStream(stream, r);
    stream.write(`one ${TOKEN}\n`);
    stream.write(Buffer.from(`two ${TOKEN}\n`));
    restore();
    stream.write(`three ${TOKEN}\n`);
    expect(chunks.join('')).toBe(`one ***\ntwo ***\nthree ${TOKEN}\n`);
  });
});
