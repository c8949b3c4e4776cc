/**
 * Retrieval: from a task's text to ranked code and a packed context. The in-process API other stages use.
 */
export { search, searchFiles, hitsOf, fileHitsOf, type Hit, type FileHit, type SearchOptions } from './search.js';
export { packContext, packRanking, type Context, type ContextItem, type PackOptions } from './pack.js';
export { LineCache } from './line-cache.js';
export { rank, DEFAULT_WEIGHTS, type Ranking, type RankOptions, type SignalWeights } from './rank.js';
export { analyzeQuery, type QueryAnalysis, type TraceFrame } from './query.js';
export type { SignalName } from './signals.js';
export { fastBpeCounter } from './count.js';
