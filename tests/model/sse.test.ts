import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sseData } from '../../src/model/sse.js';

function streamOf(parts: string[]): ReadableStream<Uint8Array> {
  const enc = new TextEncoder();
  return new ReadableStream({
    start(c) {
      for (const p of parts) c.enqueue(enc.encode(p));
      c.close();
    },
  });
}

async function all(parts: string[]): Promise<string[]> {
  const out: string[] = [];
  for await (const d of sseData(streamOf(parts))) out.push(d);
  return out;
}

describe('sseData', () => {
  it('yields the data of each event, skipping comments and other fields', async () => {
    const text = ': keep-alive\n\nevent: message\ndata: {"a":1}\nid: 7\n\ndata:{"b":2}\n\ndata: [DONE]\n\n';
    expect(await all([text])).toEqual(['{"a":1}', '{"b":2}', '[DONE]']);
  });

  it('joins multi-line data and accepts CRLF and CR line ends', async () => {
    expect(await all(['data: one\r\ndata: two\r\n\r\ndata: three\r\rdata: end'])).toEqual(['one\ntwo', 'three', 'end']);
  });

  it('gives the same events however the bytes are split (UTF-8 included)', async () => {
    const events = ['{"content":"héllo 🌍"}', '{"content":"naïve ∑"}', '[DONE]'];
    const text = events.map((e) => `data: ${e}\r\n\r\n`).join('');
    const bytes = new TextEncoder().encode(text);
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(fc.integer({ min: 1, max: bytes.length - 1 }), { maxLength: 12 }), async (cuts) => {
        const points = [0, ...cuts.sort((a, b) => a - b), bytes.length];
        const chunks = points.slice(1).map((end, i) => bytes.slice(points[i], end));
        const stream = new ReadableStream<Uint8Array>({
          start(c) {
            for (const ch of chunks) c.enqueue(ch);
            c.close();
          },
        });
        const out: string[] = [];
        for await (const d of sseData(stream)) out.push(d);
        expect(out).toEqual(events);
      }),
      { numRuns: 300 },
    );
  });

  it('cancels the underlying stream when the consumer stops early', async () => {
    let cancelled = false;
    const stream = new ReadableStream<Uint8Array>({
      pull(c) {
        c.enqueue(new TextEncoder().encode('data: x\n\n'));
      },
      cancel() {
        cancelled = true;
      },
    });
    for await (const d of sseData(stream)) {
      expect(d).toBe('x');
      break;
    }
    expect(cancelled).toBe(true);
  });
});
