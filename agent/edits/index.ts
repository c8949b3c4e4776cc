/**
 * Safe edits: an edit is data, applying it is a pure function of text, and an `EditSession` writes the
 * results atomically inside the repository with undo and a patch of everything applied.
 */
export type { Edit, SearchReplaceEdit, ReplaceSymbolEdit, CreateFileEdit, PlannedEdit, AppliedEdit, LocatedBy } from './types.js';
export { EditError, type EditErrorCode } from './errors.js';
export { applySearchReplace, type MatchKind, type SearchReplaceResult, FUZZY_THRESHOLD, FUZZY_MARGIN } from './match.js';
export { replaceSymbol, type SymbolReplaceResult } from './symbol.js';
export { checkSyntax } from './syntax.js';
export { confinePath, type RepoPath } from './paths.js';
export { unifiedDiff } from './diff.js';
export { EditSession, type EditSessionOptions } from './session.js';
