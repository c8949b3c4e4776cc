import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts', 'tests/**/*.test.tsx'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Two cores on CI: more workers only fight over them.
    maxWorkers: 2,
    reporters: ['default', 'json'],
    // CI reads the counts from here (.ci/run).
    outputFile: { json: 'test-results/vitest.json' },
  },
});
