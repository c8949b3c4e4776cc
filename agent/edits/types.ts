/** Edits as data: what the model asks for, and what applying it did. */
import type { MatchKind } from './match.js';

/** Replace the unique block `search` of an existing file with `replace`. */
export interface SearchReplaceEdit {
  type: 'search_replace';
  path: string;
  search: string;
  replace: string;
}

/** Replace a whole definition (`Class.method`, or a bare name that is unique in the file) with `code`. */
export interface ReplaceSymbolEdit {
  type: 'replace_symbol';
  path: string;
  symbol: string;
  code: string;
}

/** Write a new file (or rewrite one this session created). */
export interface CreateFileEdit {
  type: 'create_file';
  path: string;
  content: string;
}

export type Edit = SearchReplaceEdit | ReplaceSymbolEdit | CreateFileEdit;

/** How an edit found its place: a search/replace rung, a parsed symbol, or a new file. */
export type LocatedBy = MatchKind | 'symbol' | 'create';

/** An edit worked out against a file's current text, not yet written. */
export interface PlannedEdit {
  edit: Edit;
  /** Repository-relative path with `/` separators. */
  path: string;
  /** Text before the edit; null when the file does not exist yet. */
  before: string | null;
  after: string;
  locatedBy: LocatedBy;
  /** Lines of the original text that were replaced (1-based, inclusive); 0-0 for a new file. */
  line: number;
  endLine: number;
  /** 1 unless the search block was matched fuzzily. */
  similarity: number;
}

/** An edit that has been written to disk. */
export interface AppliedEdit extends PlannedEdit {
  /** True when the edit created the file. */
  created: boolean;
  /** Unified diff of this edit alone. */
  diff: string;
}
