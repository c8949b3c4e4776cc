import { describe, expect, it } from 'vitest';

const DIFF = 'diff --git a/a.js b/a.js\n--- a/a.js\n+++ b/a.js\n@@ -1 +1 @@\n-const b = 2;\n+const b = 3;\n';

describe('colour', () => {
  it('colours added lines green and removed lines red when colour is on', async () => {
    // The colour level is read when the terminal-styling module loads, so load the views only after forcing it.
    process.env.FORCE_COLOR = '1';
    const React = await import('react');
    const { render } = await import('ink-testing-library');
    const { DiffView } = await import('../../src/tui/components.js');
    const frame = render(React.createElement(DiffView, { diff: DIFF, color: true })).lastFrame()!;
    expect(frame).toContain('\u001b[32m+const b = 3;');
    expect(frame).toContain('\u001b[31m-const b = 2;');
    const plain = render(React.createElement(DiffView, { diff: DIFF, color: false })).lastFrame()!;
    expect(plain).not.toContain('\u001b[3');
  });
});
