import { afterEach, describe, expect, it } from 'vitest';
import { analyzeQuery } from '../../src/retrieval/query.js';
import { rank } from '../../src/retrieval/index.js';
import { indexedRepo, type IndexedRepo } from './fixture.js';

const PIP_LIST = ['Package        Version', '-------------- -------', 'attrs          19.3.0', 'pluggy         0.13.1', 'py_mock_server 1.2.0', 'wcwidth        0.1.9', 'more_itertools 8.2.0', 'packaging      20.3'].join('\r\n');
const FREEZE = ['attrs==19.3.0', 'pluggy==0.13.1', 'py_mock_server==1.2.0', 'wcwidth==0.1.9', 'more-itertools==8.2.0'].join('\n');
const NPM_LS = ['my-app@1.0.0', '├── chart_helpers@2.9.4', '├── moment@2.29.1', '│ └── left_pad@1.3.0', '└── request_retry@4.1.0'].join('\n');

describe('environment listings in a task', () => {
  it('are left out of the tokens and names, in pip list, pip freeze and npm ls form', () => {
    for (const listing of [PIP_LIST, FREEZE, NPM_LS]) {
      const q = analyzeQuery(`xfail added with add_marker is ignored\n\n<details>\n\n\`\`\`\n${listing}\n\`\`\`\n</details>\n`);
      for (const name of ['pluggy', 'wcwidth', 'py_mock_server', 'chart_helpers', 'request_retry', 'left_pad']) {
        expect(q.tokens, listing).not.toContain(name);
        expect(q.identifiers, listing).not.toContain(name);
      }
      expect(q.tokens).toEqual(expect.arrayContaining(['xfail', 'add_marker']));
    }
  });

  it('keep a few version lines written in the prose', () => {
    const q = analyzeQuery('Broke between releases:\nmy_lib 1.2.0 works\nmy_lib 1.3.0 fails with wcwidth\n');
    expect(q.tokens).toEqual(expect.arrayContaining(['my_lib', 'wcwidth']));
  });
});

describe('ranking with an environment listing', () => {
  let fx: IndexedRepo | undefined;
  afterEach(async () => {
    await fx?.close();
    fx = undefined;
  });

  it('ranks the module the prose is about above modules named like installed packages', async () => {
    const pkgs = Array.from({ length: 40 }, (_, i) => `pkg_${i}`);
    const files: Record<string, string> = {
      'src/skipping.py': 'def evaluate_xfail_marks(item):\n    """Evaluate xfail marks added to the item, statically or with add_marker."""\n    return [m for m in item.iter_markers(name="xfail")]\n',
    };
    // Modules whose names the listing repeats, each mentioning a few of the packages.
    for (let i = 0; i < 8; i++) files[`src/plugins/pkg_${i}.py`] = `"""Hooks for ${pkgs.slice(i * 5, i * 5 + 5).join(', ')}."""\n\ndef pkg_${i}_hook(node):\n    return node\n`;
    fx = await indexedRepo(files);
    const listing = pkgs.map((p, i) => `${p.padEnd(20)}${1 + (i % 3)}.${i}.0`).join('\n');
    const task = `Dynamically adding xfail with add_marker no longer ignores the failure\n\n\`\`\`\n$ pip list\n${listing}\n\`\`\`\n`;
    const r = await rank(fx.reader, task, { noVector: true });
    expect(r.corpus.files[r.fileOrder[0]!]!.path).toBe('src/skipping.py');
  });
});
