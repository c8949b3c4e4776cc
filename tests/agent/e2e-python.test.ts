import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gitEnv } from '../helpers/git-repo.js';
import { call, finish, lastMessage, ofType, runE2E, type Run } from './e2e-harness.js';

const CART = `"""A shopping cart."""


class Cart:
    """Items with a unit price and a quantity."""

    def __init__(self):
        self.items = []

    def add(self, name, price, qty=1):
        self.items.append((name, price, qty))

    def total(self):
        return sum(price for _, price, _ in self.items)
`;

const FILES: Record<string, string> = {
  'pyproject.toml': '[project]\nname = "shop"\nversion = "0.1.0"\n\n[tool.pytest.ini_options]\ntestpaths = ["tests"]\n',
  'shop/__init__.py': '',
  'shop/cart.py': CART,
  'tests/test_cart.py': `from shop.cart import Cart


def test_empty_cart():
    assert Cart().total() == 0


def test_total_counts_quantity():
    cart = Cart()
    cart.add("apple", 2.0, qty=3)
    assert cart.total() == 6.0
`,
};

const NEW_TEST = `from shop.cart import Cart


def test_total_of_mixed_items():
    cart = Cart()
    cart.add("apple", 2.0, qty=3)
    cart.add("pear", 1.5)
    assert cart.total() == 7.5
`;

const EXPECTED_PATCH = `diff --git a/shop/cart.py b/shop/cart.py
--- a/shop/cart.py
+++ b/shop/cart.py
@@ -11,4 +11,4 @@
         self.items.append((name, price, qty))
 
     def total(self):
-        return sum(price for _, price, _ in self.items)
+        return sum(price * qty for _, price, qty in self.items)
diff --git a/tests/test_cart_mixed.py b/tests/test_cart_mixed.py
new file mode 100644
--- /dev/null
+++ b/tests/test_cart_mixed.py
@@ -0,0 +1,8 @@
+from shop.cart import Cart
+
+
+def test_total_of_mixed_items():
+    cart = Cart()
+    cart.add("apple", 2.0, qty=3)
+    cart.add("pear", 1.5)
+    assert cart.total() == 7.5
`;

describe('the agent on a Python project: list symbols, replace a method, add a test file, pytest', () => {
  let run: Run;
  const seen: Record<string, string> = {};

  beforeAll(async () => {
    run = await runE2E({
      files: FILES,
      task: 'Cart.total ignores quantities (test_total_counts_quantity fails). Fix it and add a test with several items.',
      script: [
        call('list_symbols', { path: 'shop/cart.py' }),
        (req) => {
          seen.symbols = lastMessage(req).content;
          // Sent without the method's indentation, as small models do.
          return call('replace_symbol', { path: 'shop/cart.py', symbol: 'Cart.total', code: 'def total(self):\n    return sum(price * qty for _, price, qty in self.items)\n' });
        },
        call('create_file', { path: 'tests/test_cart_mixed.py', content: NEW_TEST }),
        call('run_tests', {}),
        (req) => {
          seen.tests = lastMessage(req).content;
          return call('finish', { summary: 'total multiplies by quantity; a test covers mixed items.' });
        },
      ],
    });
  });
  afterAll(() => finish(run));

  it('ends verified with exactly the expected patch', () => {
    expect(run.result.outcome).toBe('verified');
    expect(run.result.patch).toBe(EXPECTED_PATCH);
    expect(run.result.filesChanged).toEqual(['shop/cart.py', 'tests/test_cart_mixed.py']);
    execFileSync('git', ['apply', '--check', '-R'], { cwd: run.repo.root, env: gitEnv, input: run.result.patch });
  });

  it('knew the pytest baseline and judged the new state per test', () => {
    expect(run.result.testCommand).toMatch(/pytest/);
    expect(run.result.testsBefore).toMatchObject({ parsed: true, passed: 1, failed: 1, failing: ['tests/test_cart.py > test_total_counts_quantity'] });
    expect(run.result.testsAfter).toMatchObject({ scope: 'full', parsed: true, passed: 3, failed: 0 });
    expect(run.result.criteria).toMatchObject({ noRegressions: true, taskTestsPass: true, testFilesChanged: ['tests/test_cart_mixed.py'] });
    expect(run.result.criteria.statement).toBe(
      'No test that passed before the change fails now. The 1 test(s) the task is about pass. The change also edits test file(s): tests/test_cart_mixed.py; check that they still test what they did.',
    );
  });

  it('showed the model the symbols and the passing run', () => {
    expect(seen.symbols).toContain('class Cart (lines 4-14)');
    expect(seen.symbols).toContain('  method Cart.total (lines 13-14)');
    expect(seen.tests).toContain('3 passed, 0 failed');
    expect(ofType(run.events, 'edit_applied').map((e) => e.path)).toEqual(['shop/cart.py', 'tests/test_cart_mixed.py']);
  });
});
