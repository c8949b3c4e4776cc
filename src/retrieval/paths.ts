/**
 * What a path says about a file: its role (source, test, vendored, docs, …), the prior a ranking gives
 * that role, the test ↔ source pairing, and how a path mentioned in a task matches repository paths.
 */

export type FileRole = 'source' | 'test' | 'vendored' | 'generated' | 'docs' | 'example' | 'types' | 'config';

const TEST_DIR = /(^|\/)(tests?|testing|__tests__|__mocks__|spec|specs|e2e|fixtures?)\//;
const TEST_FILE = /(^|\/)(test_[^/]*|[^/]*_tests?\.[a-z]+|[^/]*\.(test|spec)\.[a-z]+|conftest\.py)$/;
// Python vendors libraries inside its own package: `pip/_vendor/`, `requests/packages/urllib3/`.
const VENDORED = /(^|\/)(vendor|_vendor|vendored|third[_-]?party|node_modules|bower_components|external)\/|^[^/]+\/packages\/[^/]+\/.*\.py$/;
const GENERATED = /(^|\/)(dist|build|out|coverage|lib-cov)\/|\.min\.[a-z]+$|\.bundle\.[a-z]+$/;
const DOCS = /(^|\/)(docs?|documentation|site|website|man)\/|\.(md|rst|txt)$|(^|\/)(changelog|changes|history|authors|contributing)[^/]*$/i;
const EXAMPLE = /(^|\/)(examples?|samples?|demos?|benchmarks?|bench|scripts|tools|playground|sandbox)\//;
const CONFIG =
  /\.(json|ya?ml|toml|cfg|ini|lock)$|(^|\/)\.[^/]+$|(^|\/)[^/]+\.(conf|config)\.[cm]?[jt]s$|(^|\/)(gulpfile|gruntfile)\.[jt]s$|^(setup|noxfile|conftest|fabfile)\.py$/i;

/** Classify a repository path by what the file is for. */
export function fileRole(path: string): FileRole {
  const p = path.toLowerCase();
  if (VENDORED.test(p)) return 'vendored';
  if (GENERATED.test(p)) return 'generated';
  if (TEST_DIR.test(p) || TEST_FILE.test(p)) return 'test';
  if (p.endsWith('.d.ts')) return 'types';
  if (DOCS.test(p)) return 'docs';
  if (EXAMPLE.test(p)) return 'example';
  if (CONFIG.test(p)) return 'config';
  return 'source';
}

/**
 * Multiplier a ranking applies to a file by role: fixes land in source far more often than in tests,
 * and almost never in vendored or generated copies.
 */
export function rolePrior(role: FileRole): number {
  switch (role) {
    case 'source':
      return 1;
    case 'test':
      return 0.35;
    case 'types':
      return 0.5;
    case 'config':
      return 0.5;
    case 'docs':
      return 0.3;
    case 'example':
      return 0.3;
    case 'generated':
      return 0.1;
    case 'vendored':
      return 0.1;
  }
}

/** The stem a test file tests: `test_utils` → `utils`, `scale.linear.tests` → `scale.linear`. */
export function testedStem(stem: string): string {
  return stem.replace(/^test_|_tests?$|\.tests?$|\.spec$/, '');
}

/**
 * How well a mentioned path matches a repository path: 3 for the same path, 2 for a suffix at a
 * directory boundary (`utils.py` ↔ `requests/utils.py`, or an absolute path ending in the repo path),
 * 1 for the same basename elsewhere, 0 for none.
 */
export function pathMatch(mentioned: string, repoPath: string): number {
  const m = mentioned.toLowerCase();
  const r = repoPath.toLowerCase();
  if (m === r) return 3;
  if (r.endsWith('/' + m) || m.endsWith('/' + r)) return m.includes('/') ? 2.5 : 2;
  const mb = m.slice(m.lastIndexOf('/') + 1);
  const rb = r.slice(r.lastIndexOf('/') + 1);
  return mb === rb ? 1 : 0;
}

/** Candidate repository paths for a dotted module name: `requests.utils` → `requests/utils.py`, … */
export function modulePaths(parts: string[]): string[] {
  const base = parts.join('/');
  return [`${base}.py`, `${base}/__init__.py`, `${base}.js`, `${base}.ts`, `${base}/index.js`, `${base}/index.ts`];
}
