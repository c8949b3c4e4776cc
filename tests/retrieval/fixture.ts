import { defaultConfig } from '../../src/config/load.js';
import type { RagentConfig } from '../../src/config/schema.js';
import { indexRepository } from '../../indexers/index-repository.js';
import { openIndex } from '../../indexers/store/index.js';
import type { IndexReader } from '../../indexers/types.js';
import { makeRepo, type FixtureRepo } from '../helpers/git-repo.js';

/** A small shop application in Python and JavaScript whose answers the retrieval tests know. */
export const SHOP_FILES: Record<string, string> = {
  'shop/__init__.py': '"""The shop package."""\n',
  'shop/pricing.py': `"""Prices and discounts."""
import math

RATES = {"SPRING": 10, "VIP": 25}


def compute_discount(code, amount):
    """Percentage off an amount for a discount code."""
    if code not in RATES:
        raise ValueError("unknown discount code given at checkout")
    rate = RATES[code]
    off = amount * rate / 100
    return round_price(off)


def round_price(value):
    """Round a price to cents."""
    return math.floor(value * 100 + 0.5) / 100
`,
  'shop/cart.py': `"""The shopping cart."""
from shop.pricing import compute_discount


class Cart:
    """Items a customer intends to buy."""

    def __init__(self):
        self.items = []

    def add_item(self, item, qty=1):
        self.items.append((item, qty))

    def remove_item(self, item):
        self.items = [(i, q) for i, q in self.items if i != item]

    def subtotal(self):
        return sum(i.price * q for i, q in self.items)


def apply_discount(cart, code):
    """The cart's subtotal after a discount code."""
    sub = cart.subtotal()
    return sub - compute_discount(code, sub)
`,
  'shop/inventory.py': `"""Warehouse stock."""

STOCK = {}


def reserve_stock(item, qty):
    """Hold back units in the warehouse so that no other order can buy them."""
    held = STOCK.get(item, 0)
    if held < qty:
        return False
    STOCK[item] = held - qty
    return True


def restock(item, qty):
    STOCK[item] = STOCK.get(item, 0) + qty
`,
  'shop/checkout.py': `"""Checkout flow."""
from shop.cart import apply_discount
from shop.inventory import reserve_stock


def checkout(cart, code=None):
    for item, qty in cart.items:
        if not reserve_stock(item, qty):
            raise RuntimeError("out of stock")
    total = cart.subtotal()
    if code:
        total = apply_discount(cart, code)
    return total
`,
  'shop/emails.py': `"""Customer e-mails."""


def send_receipt(address, total):
    body = "Thank you for your order of %s" % total
    return {"to": address, "body": body}


def send_newsletter(addresses, text):
    return [{"to": a, "body": text} for a in addresses]
`,
  'web/src/format.js': `// Number formatting for the storefront.

export function formatCurrency(amount, currency) {
  const fixed = amount.toFixed(2);
  return currency + ' ' + fixed;
}

export function formatPercent(value) {
  return Math.round(value * 100) + '%';
}
`,
  'web/src/render.js': `import { formatCurrency } from './format.js';

export function renderTotal(cart) {
  const el = document.createElement('div');
  el.className = 'total';
  el.textContent = formatCurrency(cart.total, cart.currency);
  return el;
}

export function renderEmpty() {
  const el = document.createElement('p');
  el.textContent = 'Your basket is empty';
  return el;
}
`,
  'web/src/api.js': `export async function fetchProducts(baseUrl) {
  const res = await fetch(baseUrl + '/products');
  if (!res.ok) throw new Error('could not load the product list');
  return res.json();
}
`,
  'tests/test_inventory.py': `from shop.inventory import reserve_stock, restock


def test_reserve_more_than_held():
    restock("pen", 1)
    assert not reserve_stock("pen", 2)
`,
  'README.md': '# Shop\n\nA toy shop used to test retrieval.\n',
};

export interface IndexedRepo {
  repo: FixtureRepo;
  reader: IndexReader;
  config: RagentConfig;
  close(): Promise<void>;
}

/** Build, commit and index a fixture repository; returns an open reader over it. */
export async function indexedRepo(files: Record<string, string> = SHOP_FILES): Promise<IndexedRepo> {
  const repo = makeRepo(files);
  const config = defaultConfig();
  await indexRepository(repo.root, config);
  const reader = await openIndex(repo.root, config);
  return {
    repo,
    reader,
    config,
    async close() {
      await reader.close();
      repo.cleanup();
    },
  };
}
