/**
 * `search`: the ranked symbols (or files) of an index for a query, each saying which signals matched.
 */
import type { ChunkKind, IndexReader } from '../../indexers/types.js';
import { rank, type RankOptions, type Ranking } from './rank.js';
import type { SignalName } from './signals.js';

/** One ranked symbol or chunk. Lines are 1-based and inclusive. */
export interface Hit {
  path: string;
  startLine: number;
  endLine: number;
  name: string;
  kind: ChunkKind;
  score: number;
  signals: SignalName[];
}

/** One ranked file. */
export interface FileHit {
  path: string;
  score: number;
  signals: SignalName[];
}

export type SearchOptions = RankOptions;

const SIGNAL_ORDER: SignalName[] = ['name', 'trace', 'path', 'fulltext', 'vector', 'graph', 'tests'];

function signalList(...sets: Array<Set<SignalName> | undefined>): SignalName[] {
  const all = new Set<SignalName>();
  for (const s of sets) if (s) for (const x of s) all.add(x);
  return SIGNAL_ORDER.filter((s) => all.has(s));
}

// Signals that exist only for whole files; a symbol inherits them from its file.
const FILE_ONLY = new Set<SignalName>(['path', 'tests']);
const fileOnly = (s: Set<SignalName> | undefined): Set<SignalName> => new Set([...(s ?? [])].filter((x) => FILE_ONLY.has(x)));

const round = (x: number): number => Number(x.toPrecision(6));

/** The `k` best chunks for a query, best first. */
export async function search(reader: IndexReader, query: string, k: number, opts: SearchOptions = {}): Promise<Hit[]> {
  return hitsOf(await rank(reader, query, opts), k);
}

/** The `k` best files for a query, best first; a file's score aggregates its chunks' evidence. */
export async function searchFiles(reader: IndexReader, query: string, k: number, opts: SearchOptions = {}): Promise<FileHit[]> {
  return fileHitsOf(await rank(reader, query, opts), k);
}

/** Chunk hits of an existing ranking. */
export function hitsOf(r: Ranking, k: number): Hit[] {
  const c = r.corpus;
  return r.chunkOrder.slice(0, Math.max(0, k)).map((i) => {
    const ch = c.chunks[i]!;
    return {
      path: ch.path,
      startLine: ch.startLine,
      endLine: ch.endLine,
      name: ch.qualifiedName || ch.name,
      kind: ch.kind,
      score: round(r.chunkScore[i]!),
      signals: signalList(r.chunkSignals.get(i), fileOnly(r.fileSignals.get(c.chunkFile[i]!))),
    };
  });
}

/** File hits of an existing ranking. */
export function fileHitsOf(r: Ranking, k: number): FileHit[] {
  return r.fileOrder.slice(0, Math.max(0, k)).map((f) => ({
    path: r.corpus.files[f]!.path,
    score: round(r.fileScore[f]!),
    signals: signalList(r.fileSignals.get(f)),
  }));
}
