import { RagentError } from '../../src/errors.js';

/** Why an edit was refused; the loop may branch on it, the model reads the message. */
export type EditErrorCode =
  | 'empty_search'
  | 'no_change'
  | 'no_match'
  | 'ambiguous'
  | 'syntax'
  | 'symbol_not_found'
  | 'symbol_ambiguous'
  | 'unsupported_language'
  | 'path_invalid'
  | 'path_outside'
  | 'path_protected'
  | 'symlink'
  | 'binary'
  | 'not_utf8'
  | 'not_found'
  | 'exists'
  | 'not_a_file'
  | 'conflict';

/**
 * An edit that could not be applied. The message is written for the model: it says what was wrong and
 * quotes the lines it needs (closest match, every match, the syntax error) with their line numbers.
 * Nothing was written when this is thrown.
 */
export class EditError extends RagentError {
  constructor(
    readonly code: EditErrorCode,
    message: string,
    hint?: string,
    /** Repository-relative path the edit was aimed at, when known. */
    readonly path?: string,
  ) {
    super(message, hint);
  }
}
