// A node:test reporter that writes one JSON object per finished test, with its file and its
// enclosing suites, so ragent can tell tests of different files apart even when they pass.
// Loaded by `node --test --test-reporter=<this file>`; plain JavaScript because node loads it itself.

/** Reporter entry point: node passes the stream of test events. */
export default async function* ragentReporter(source) {
  const stacks = new Map();
  for await (const event of source) {
    const data = event.data ?? {};
    const key = data.file ?? '';
    if (event.type === 'test:start') {
      const stack = stacks.get(key) ?? [];
      stack.length = data.nesting ?? 0;
      stack.push(data.name);
      stacks.set(key, stack);
    } else if (event.type === 'test:pass' || event.type === 'test:fail') {
      const ancestors = (stacks.get(key) ?? []).slice(0, data.nesting ?? 0);
      const error = data.details?.error;
      const cause = error?.cause instanceof Error ? error.cause : error?.cause ? { message: String(error.cause) } : error;
      yield JSON.stringify({
        name: [...ancestors, data.name].join(' > '),
        file: data.file ?? null,
        suite: data.details?.type === 'suite',
        status: event.type === 'test:fail' ? 'failed' : data.skip || data.todo ? 'skipped' : 'passed',
        message: event.type === 'test:fail' ? String(cause?.stack ?? cause?.message ?? '') : undefined,
      }) + '\n';
    }
  }
}
