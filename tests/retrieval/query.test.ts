import { describe, expect, it } from 'vitest';
import { analyzeQuery } from '../../src/retrieval/query.js';

describe('analyzeQuery', () => {
  it('takes identifiers from code spans, code-shaped words, calls and dotted names, not from prose', () => {
    const q = analyzeQuery('The `get_config` helper breaks when Session.request calls parseHTTPResponse() after the update');
    expect(q.identifiers).toEqual(expect.arrayContaining(['get_config', 'Session', 'request', 'parseHTTPResponse']));
    expect(q.identifiers).not.toContain('helper');
    expect(q.identifiers).not.toContain('the');
    expect(q.dotted).toEqual([['Session', 'request']]);
  });

  it('reads Python frames innermost first and JavaScript frames with URLs and columns', () => {
    const py = analyzeQuery(
      'Traceback (most recent call last):\n  File "/venv/lib/site-packages/pkg/api.py", line 10, in run\n  File "/venv/lib/site-packages/pkg/core.py", line 42, in _step\nValueError: bad step size given',
    );
    expect(py.frames).toEqual([
      { path: '/venv/lib/site-packages/pkg/core.py', line: 42, func: '_step' },
      { path: '/venv/lib/site-packages/pkg/api.py', line: 10, func: 'run' },
    ]);
    expect(py.quotes).toContain('bad step size given');
    const js = analyzeQuery('TypeError: x is undefined\n    at Chart.update (webpack:///./src/core/core.controller.js:512:7)\n    at new Chart (src/index.ts:3:1)');
    expect(js.frames).toEqual([
      { path: 'src/core/core.controller.js', line: 512, func: 'update' },
      { path: 'src/index.ts', line: 3, func: 'Chart' },
    ]);
  });

  it('finds paths, quoted messages, and ignores HTML comments and URLs for words', () => {
    const q = analyzeQuery('<!-- Please describe the bug -->\nSee lib/utils/format.js and https://example.com/docs/guide. It logs "could not parse the date string".');
    expect(q.paths).toContain('lib/utils/format.js');
    expect(q.quotes).toContain('could not parse the date string');
    expect(q.tokens).not.toContain('describe');
    expect(q.tokens).not.toContain('example');
    expect(q.tokens).toContain('format');
  });

  it('is deterministic and copes with empty text', () => {
    expect(analyzeQuery('')).toMatchObject({ tokens: [], identifiers: [], paths: [], frames: [], quotes: [] });
    const t = 'fix `a.b.c` in x/y.py line 3';
    expect(analyzeQuery(t)).toEqual(analyzeQuery(t));
  });
});
