/** Verification's contract: which command tests the project, and what one run of it found. */

export type TestRunner = 'vitest' | 'jest' | 'node' | 'pytest' | 'go' | 'cargo' | 'make' | 'npm-script' | 'custom';

/** How the project's tests are run, and why ragent thinks so. */
export interface TestCommand {
  /** A shell command run from the repository root. */
  command: string;
  runner: TestRunner;
  /** Where the command came from: `config agent.testCommand`, `package.json scripts.test`, `go.mod`, … */
  source: string;
}

export type TestStatus = 'passed' | 'failed' | 'skipped';

/** One test case as the runner reported it. */
export interface TestCase {
  /** Name within its file: `suite > test` for JS runners, `Class::test` for pytest. */
  name: string;
  /** Repository-relative file, when the runner says. */
  file?: string;
  status: TestStatus;
  /** Failure message with the stack or traceback, for failed tests. */
  message?: string;
}

/** One run of the test command. */
export interface TestRun {
  /** Repository root the run happened in (paths in messages are shown relative to it). */
  root: string;
  /** The command as configured or detected (reporter flags ragent adds are not shown). */
  command: string;
  /** What was actually executed. */
  executed: string;
  /** Null when the process was killed by a signal. */
  exitCode: number | null;
  timedOut: boolean;
  durationMs: number;
  /** Combined stdout and stderr, ANSI codes removed; the end is kept when it exceeds the cap. */
  output: string;
  /** Bytes of output dropped from the start to stay within the cap. */
  outputDropped: number;
  tests: TestCase[];
  passed: number;
  failed: number;
  skipped: number;
  /** False when no per-test results could be read; then only the exit code tells. */
  parsed: boolean;
  /** How the results were read: `vitest-json`, `jest-json`, `tap`, `junit-xml`, `pytest-text`, … or `none`. */
  parsedFrom: string;
  /** Test files the run was limited to; null for the whole suite (also when the runner cannot select). */
  only: string[] | null;
}

export interface RunTestsOptions {
  /** Kill the run (and all its children) after this long. */
  timeoutMs: number;
  signal?: AbortSignal;
  /** Limit the run to these repository-relative test files, when the runner can. */
  only?: string[];
  /** Most characters of output kept in memory (the end is kept). Default 256 KiB. */
  outputCap?: number;
  /** Extra environment for the command. */
  env?: NodeJS.ProcessEnv;
}
