/**
 * Word forms: prose says "tokens are counted" where code says `countTokens`. A light suffix stripper
 * relates the forms of a word (plural, -ed, -ing), and the index's vocabulary decides which
 * forms exist, so a query word reaches the identifiers spelled with another form of it.
 */

// Suffixes that inflect rather than change what a word names.
const SUFFIXES = ['ings', 'ing', 'ies', 'ied', 'es', 'ed', 's'];
const ENDINGS = ['', 's', 'es', 'e', 'ed', 'ing', 'y', 'ies'];

/** Roots a word may come from: `counted` → count, `parsed` → pars, parse; `stopped` → stop. */
export function rootsOf(word: string): string[] {
  const w = word.toLowerCase();
  const roots = new Set<string>([w]);
  if (w.length < 4 || !/^[a-z]+$/.test(w)) return [...roots];
  for (const suf of SUFFIXES) {
    if (!w.endsWith(suf)) continue;
    let r = w.slice(0, -suf.length);
    if (r.length < 3) continue;
    // `class` and `status` are not plurals.
    if (suf === 's' && /(ss|us|is)$/.test(w)) continue;
    if (suf === 'ies' || suf === 'ied') r += 'y';
    roots.add(r);
    roots.add(r + 'e');
    // Doubled consonant before -ed/-ing: stopped → stop.
    if (/(.)\1$/.test(r) && !/(ss|ll|ff|zz)$/.test(r)) roots.add(r.slice(0, -1));
    break;
  }
  return [...roots];
}

/**
 * Other forms of `word` that `exists` knows (say, the index's vocabulary), not `word` itself. Short or
 * non-alphabetic words get none: their forms are too easily different words.
 */
export function wordForms(word: string, exists: (form: string) => boolean): string[] {
  const w = word.toLowerCase();
  if (w.length < 4 || !/^[a-z]+$/.test(w)) return [];
  const out = new Set<string>();
  for (const root of rootsOf(w)) {
    const base = root.endsWith('y') ? [root, root.slice(0, -1)] : root.endsWith('e') ? [root, root.slice(0, -1)] : [root];
    for (const b of base) {
      for (const end of ENDINGS) {
        const form = b + end;
        if (form.length >= 3 && form !== w && exists(form) && rootsOf(form).some((r) => rootsOf(w).includes(r))) out.add(form);
      }
    }
  }
  return [...out].sort();
}
