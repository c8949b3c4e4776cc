/**
 * Code-aware tokenization shared by full-text indexing, the hash embedder and query analysis:
 * identifiers are kept whole and also split into camelCase / snake_case / digit subtokens.
 */

const IDENTIFIER = /[A-Za-z_$][A-Za-z0-9_$]*/g;

/** Split one identifier into lower-case subtokens: `parseHTTPResponse2` → parse, http, response, 2. */
export function splitIdentifier(identifier: string): string[] {
  const parts = identifier
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .replace(/([A-Za-z])([0-9])/g, '$1 $2')
    .split(/[\s_$]+/);
  const out: string[] = [];
  for (const p of parts) if (p) out.push(p.toLowerCase());
  return out;
}

/** Identifiers appearing in `text`, in order, with repeats. */
export function identifiersIn(text: string): string[] {
  return text.match(IDENTIFIER) ?? [];
}

/**
 * Tokens for search: each identifier lower-cased whole, followed by its subtokens when it has more than one.
 * Single characters are dropped; they carry no signal.
 */
export function codeTokens(text: string): string[] {
  const out: string[] = [];
  for (const id of identifiersIn(text)) for (const t of identifierTokens(id)) out.push(t);
  return out;
}

// Identifiers repeat across a repository; splitting each once keeps indexing fast.
const tokenCache = new Map<string, readonly string[]>();

function identifierTokens(id: string): readonly string[] {
  let tokens = tokenCache.get(id);
  if (tokens) return tokens;
  const out: string[] = [];
  const whole = id.toLowerCase().replace(/^[_$]+|[_$]+$/g, '');
  if (whole.length > 1) out.push(whole);
  const subs = splitIdentifier(id);
  if (subs.length > 1) for (const s of subs) if (s.length > 1) out.push(s);
  if (tokenCache.size >= 200_000) tokenCache.clear();
  tokenCache.set(id, (tokens = out));
  return tokens;
}
