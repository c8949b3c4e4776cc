/** Snapshot data in a form `toEqual` can compare: equal for snapshots holding the same corpus. */
import type { Bm25Parts } from '../../src/retrieval/bm25.js';
import type { SnapshotData } from '../../src/retrieval/snapshot.js';
import { edgeAt, plainChunk, storedChunks } from '../../src/retrieval/tables.js';

/** Postings per term (terms without postings dropped): equal for indexes over the same documents. */
export function postings(p: Bm25Parts): Record<string, string> {
  const out: Record<string, string> = {};
  p.terms.forEach((t, i) => {
    const items: string[] = [];
    for (let k = p.start[i]!; k < p.start[i + 1]!; k++) items.push(`${p.postDoc[k]}:${p.postTf[k]}`);
    if (items.length) out[t] = items.join(' ');
  });
  return out;
}

/** Every table of a snapshot as plain values; edges sorted, since nothing depends on their order. */
export function comparable(s: SnapshotData) {
  return {
    chunks: storedChunks(s.chunks).map(plainChunk),
    bundles: [...s.bundles],
    idOrder: [...s.idOrder],
    defs: s.defs.keys.all().map((k) => [k, s.defs.get(k), s.defs.count(k)]),
    nameWords: s.nameWords.keys.all().map((k) => [k, s.nameWords.get(k), s.nameWords.count(k)]),
    definedIn: s.definedIn.keys.all().map((k) => [k, s.definedIn.get(k), s.definedIn.count(k)]),
    links: [...s.links.start].map((_, f) => {
      const out: string[] = [];
      for (let k = s.links.start[f]!; k < (s.links.start[f + 1] ?? s.links.start[f]!); k++) out.push(`${s.links.lo[k]}-${s.links.hi[k]}`);
      return out.join(' ');
    }),
    linkTargets: s.links.targets.keys.all().map((k) => [k, s.links.targets.get(k)]),
    edges: Array.from({ length: s.edges.from.length }, (_, i) => JSON.stringify(edgeAt(s.edges, i))).sort(),
    chunkText: postings(s.chunkText),
    chunkLen: [...s.chunkText.docLen],
    fileText: postings(s.fileText),
    fileLen: [...s.fileText.docLen],
    offsets: [...s.graph.offsets],
    targets: [...s.graph.targets],
    templateTokens: s.templateTokens,
  };
}
