import { afterEach, describe, expect, it } from 'vitest';
import { prepareCommand, shellWords } from '../../agent/verify/command.js';
import { detectTestCommand } from '../../agent/verify/index.js';
import { type FixtureRepo, makeRepo } from '../helpers/git-repo.js';

const repos: FixtureRepo[] = [];
function repo(files: Record<string, string>): FixtureRepo {
  const r = makeRepo(files, { git: false });
  repos.push(r);
  return r;
}
afterEach(() => {
  for (const r of repos.splice(0)) r.cleanup();
});

const pkg = (scripts: Record<string, string>) => JSON.stringify({ name: 'p', scripts });

describe('detectTestCommand', () => {
  it('prefers agent.testCommand from the configuration, recognising its runner', () => {
    const r = repo({ 'package.json': pkg({ test: 'vitest run' }) });
    expect(detectTestCommand(r.root, { agent: { testCommand: 'python3 -m pytest -x' } })).toEqual({
      command: 'python3 -m pytest -x',
      runner: 'pytest',
      source: 'config agent.testCommand',
    });
    expect(detectTestCommand(r.root, { agent: { testCommand: 'npm test' } })?.runner).toBe('vitest');
    expect(detectTestCommand(r.root, { agent: { testCommand: './check.sh' } })?.runner).toBe('custom');
    const named = repo({ 'package.json': pkg({ test: 'tsc', 'test:unit': 'jest --ci' }) });
    expect(detectTestCommand(named.root, { agent: { testCommand: 'npm run test:unit' } })?.runner).toBe('jest');
    expect(prepareCommand(named.root, detectTestCommand(named.root, { agent: { testCommand: 'npm run test:unit' } })!, '/tmp/rep').executed).toBe(
      'jest --ci --json --outputFile=/tmp/rep/jest.json',
    );
    expect(detectTestCommand(r.root, { agent: { testCommand: '  ' } })?.source).toBe('package.json scripts.test');
  });

  it('runs the package.json test script with the package manager its lockfile names', () => {
    expect(detectTestCommand(repo({ 'package.json': pkg({ test: 'jest --ci' }) }).root)).toEqual({
      command: 'npm test',
      runner: 'jest',
      source: 'package.json scripts.test',
    });
    expect(detectTestCommand(repo({ 'package.json': pkg({ test: 'vitest' }), 'pnpm-lock.yaml': '' }).root)?.command).toBe('pnpm test');
    expect(detectTestCommand(repo({ 'package.json': pkg({ test: 'node --test test/' }), 'yarn.lock': '' }).root)).toMatchObject({
      command: 'yarn test',
      runner: 'node',
    });
    expect(detectTestCommand(repo({ 'package.json': pkg({ test: 'mocha' }) }).root)?.runner).toBe('npm-script');
  });

  it('ignores npm’s placeholder test script and falls through to other evidence', () => {
    const r = repo({ 'package.json': pkg({ test: 'echo "Error: no test specified" && exit 1' }), 'vitest.config.ts': 'export default {};' });
    expect(detectTestCommand(r.root)).toEqual({ command: 'npx vitest run', runner: 'vitest', source: 'vitest.config.ts' });
    expect(detectTestCommand(repo({ 'jest.config.js': 'module.exports = {};' }).root)?.command).toBe('npx jest');
  });

  it('finds pytest from any of its configuration files or from test files alone', () => {
    const cases: Array<[Record<string, string>, string]> = [
      [{ 'pyproject.toml': '[project]\nname = "x"\n\n[tool.pytest.ini_options]\naddopts = "-q"\n' }, 'pyproject.toml'],
      [{ 'setup.cfg': '[metadata]\nname = x\n[tool:pytest]\n' }, 'setup.cfg'],
      [{ 'pytest.ini': '[pytest]\n' }, 'pytest.ini'],
      [{ 'tox.ini': '[tox]\n[pytest]\nminversion = 6\n' }, 'tox.ini'],
      [{ 'tests/unit/test_calc.py': 'def test_x(): pass\n' }, 'tests'],
    ];
    for (const [files, source] of cases) {
      expect(detectTestCommand(repo(files).root)).toEqual({ command: 'python3 -m pytest', runner: 'pytest', source });
    }
    expect(detectTestCommand(repo({ 'pyproject.toml': '[project]\nname = "x"\n' }).root)).toBeNull();
    const venv = repo({ 'pytest.ini': '[pytest]\n', '.venv/bin/python': '' });
    expect(detectTestCommand(venv.root)?.command).toBe('.venv/bin/python -m pytest');
  });

  it('knows go, cargo and make, and returns null when nothing fits', () => {
    expect(detectTestCommand(repo({ 'go.mod': 'module x\n' }).root)).toEqual({ command: 'go test ./...', runner: 'go', source: 'go.mod' });
    expect(detectTestCommand(repo({ 'Cargo.toml': '[package]\n' }).root)?.command).toBe('cargo test');
    expect(detectTestCommand(repo({ Makefile: 'build:\n\tcc x.c\n\ntest: build\n\t./x --test\n' }).root)).toEqual({
      command: 'make test',
      runner: 'make',
      source: 'Makefile',
    });
    expect(detectTestCommand(repo({ Makefile: 'build:\n\tcc x.c\n' }).root)).toBeNull();
    expect(detectTestCommand(repo({ 'README.md': '# x\n' }).root)).toBeNull();
  });
});

describe('prepareCommand', () => {
  it('adds reporter flags and runs a simple package script directly', () => {
    const r = repo({ 'package.json': pkg({ test: 'vitest run tests/' }), 'tests/a.test.ts': '' });
    const p = prepareCommand(r.root, { command: 'npm test', runner: 'vitest', source: 's' }, '/tmp/rep');
    expect(p.executed).toBe('vitest run tests/ --reporter=default --reporter=json --outputFile.json=/tmp/rep/vitest.json');
    expect(p.pathPrefix).toBe(`${r.root}/node_modules/.bin`);
    const only = prepareCommand(r.root, { command: 'npm test', runner: 'vitest', source: 's' }, '/tmp/rep', ['tests/a.test.ts']);
    expect(only.executed).toBe('vitest run --reporter=default --reporter=json --outputFile.json=/tmp/rep/vitest.json tests/a.test.ts');
    expect(only.only).toEqual(['tests/a.test.ts']);
    const gone = prepareCommand(r.root, { command: 'npm test', runner: 'vitest', source: 's' }, '/tmp/rep', ['tests/deleted.test.ts']);
    expect(gone.only).toBeNull();
    expect(gone.executed).toBe(p.executed);
  });

  it('puts node:test reporter options before the file arguments', () => {
    const r = repo({ 'test/a.test.mjs': '' });
    const p = prepareCommand(r.root, { command: 'node --test test/', runner: 'node', source: 's' }, '/tmp/rep', ['test/a.test.mjs']);
    const words = shellWords(p.executed)!;
    expect(words.slice(0, 2)).toEqual(['node', '--test']);
    expect(words.at(-1)).toBe('test/a.test.mjs');
    expect(words).not.toContain('test/');
    expect(words.findIndex((w) => w.startsWith('--test-reporter='))).toBeLessThan(words.indexOf('test/a.test.mjs'));
  });

  it('adds JUnit XML for pytest and selects files in place of the configured locations', () => {
    const r = repo({ 'tests/test_a.py': '', 'tests/test_b.py': '' });
    const p = prepareCommand(r.root, { command: 'python3 -m pytest -q tests', runner: 'pytest', source: 's' }, '/tmp/rep', ['tests/test_b.py']);
    expect(p.executed).toBe('python3 -m pytest -q -rA --junitxml=/tmp/rep/pytest.xml tests/test_b.py');
  });

  it('asks go for verbose output and selects packages by the test files’ directories', () => {
    const r = repo({ 'go.mod': 'module x\n', 'calc/calc_test.go': '', 'calc/more_test.go': '', 'main_test.go': '' });
    const cmd = detectTestCommand(r.root)!;
    expect(prepareCommand(r.root, cmd, '/tmp/rep').executed).toBe('go test -v ./...');
    expect(prepareCommand(r.root, cmd, '/tmp/rep', ['calc/calc_test.go', 'calc/more_test.go', 'main_test.go']).executed).toBe('go test -v ./calc .');
  });

  it('cannot select files for cargo, and says the whole suite runs', () => {
    const p = prepareCommand(repo({}).root, { command: 'cargo test', runner: 'cargo', source: 's' }, '/tmp/rep', ['tests/a.rs']);
    expect(p).toMatchObject({ executed: 'cargo test', only: null });
  });

  it('runs commands it cannot rewrite exactly as given', () => {
    const r = repo({ 'package.json': pkg({ test: 'tsc && vitest run', pretest: 'lint' }) });
    for (const command of ['npm test', 'pytest | tee log', './run-tests.sh', 'make test']) {
      const p = prepareCommand(r.root, { command, runner: command === 'make test' ? 'make' : 'custom', source: 's' }, '/tmp/rep', ['x']);
      expect(p).toEqual({ executed: command, pathPrefix: null, report: null, only: null });
    }
    const withPretest = repo({ 'package.json': pkg({ test: 'vitest run', pretest: 'tsc' }) });
    expect(prepareCommand(withPretest.root, { command: 'npm test', runner: 'vitest', source: 's' }, '/tmp/rep').executed).toBe('npm test');
  });

  it('splits and quotes shell words', () => {
    expect(shellWords(`pytest -k "a and not b" 'x y'`)).toEqual(['pytest', '-k', 'a and not b', 'x y']);
    expect(shellWords('a && b')).toBeNull();
    expect(shellWords('echo "a && b"')).toEqual(['echo', 'a && b']);
  });
});
