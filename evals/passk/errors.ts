import { RagentError, UsageError } from '../../src/errors.js';

/** A dataset file that is missing, unreadable, or not in the HumanEval / MBPP format asked for. */
export class DatasetError extends RagentError {}

/** A `--samples` file that cannot be read or names problems the dataset does not have. */
export class SamplesError extends RagentError {}

/** The output folder holds results of a different run (other dataset, model or settings). */
export class ResultsMismatchError extends UsageError {}

/** Samples cannot be executed at all (no python3, cannot create temp dirs). */
export class SandboxError extends RagentError {}
