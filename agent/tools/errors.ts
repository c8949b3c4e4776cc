import { RagentError } from '../../src/errors.js';

/** A tool call that cannot be carried out; the message is given back to the model, which can correct the call. */
export class ToolError extends RagentError {
  constructor(message: string, hint?: string) {
    super(message, hint);
  }
}
