import { describe, expect, it } from 'vitest';
import { fileRole, pathMatch, rolePrior, testedStem } from '../../src/retrieval/paths.js';

describe('fileRole', () => {
  it('tells vendored copies from first-party code, including libraries a Python package vendors inside itself', () => {
    expect(fileRole('requests/packages/urllib3/connectionpool.py')).toBe('vendored');
    expect(fileRole('src/pip/_vendor/rich/console.py')).toBe('vendored');
    expect(fileRole('node_modules/left-pad/index.js')).toBe('vendored');
    expect(fileRole('requests/adapters.py')).toBe('source');
    // A JavaScript monorepo keeps its own code under packages/.
    expect(fileRole('packages/renderer/src/index.js')).toBe('source');
    expect(fileRole('packages/layout/src/steps/resolvePagination.js')).toBe('source');
  });

  it('classifies tests, generated files, type declarations, docs and examples', () => {
    expect(fileRole('tests/test_utils.py')).toBe('test');
    expect(fileRole('src/core/core.scale.spec.js')).toBe('test');
    expect(fileRole('dist/chart.min.js')).toBe('generated');
    expect(fileRole('types/index.d.ts')).toBe('types');
    expect(fileRole('docs/guide.md')).toBe('docs');
    expect(fileRole('examples/bar.js')).toBe('example');
    expect(rolePrior(fileRole('requests/packages/urllib3/util.py'))).toBeLessThan(rolePrior(fileRole('requests/utils.py')));
  });
});

describe('path helpers', () => {
  it('pairs a test with the module it tests and scores path mentions', () => {
    expect(testedStem('test_utils')).toBe('utils');
    expect(testedStem('scale.linear.tests')).toBe('scale.linear');
    expect(pathMatch('requests/utils.py', 'requests/utils.py')).toBe(3);
    expect(pathMatch('utils.py', 'requests/utils.py')).toBe(2);
    expect(pathMatch('/home/u/proj/requests/utils.py', 'requests/utils.py')).toBe(2.5);
    expect(pathMatch('other/utils.py', 'requests/utils.py')).toBe(1);
    expect(pathMatch('models.py', 'requests/utils.py')).toBe(0);
  });
});
