/**
 * Verification by the project's own tests: find the command, run it safely, read per-test results,
 * pick the tests related to a change, and trim failures for the model.
 */
export type { TestCommand, TestRunner, TestRun, TestCase, TestStatus, RunTestsOptions } from './types.js';
export { detectTestCommand, runnerOf, type DetectConfig } from './detect.js';
export { runTests, DEFAULT_OUTPUT_CAP } from './run.js';
export { summarizeFailures } from './summarize.js';
export { relatedTests, isTestFile } from './related.js';
