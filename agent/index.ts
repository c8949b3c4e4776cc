/**
 * The agent stage: `runAgent(task, deps)` and what it needs and emits. Views (terminal session, one-shot run,
 * CI bot) build deps with `createAgentDeps`, consume the events, and read the final result.
 */

export { runAgent } from './run.js';
export { createAgentDeps, closeAgentDeps, testPort, type WireOptions } from './wire.js';
export { editPort, retrievalPort, tokenCounter, calibrationFile } from './ports.js';
export type { AgentDeps, ApproveEdit, Approval, EditProposal, EditPort, TestPort, RetrievalPort, SearchHit, PackedContext } from './deps.js';
export type { AgentEvent, AgentEventType, AgentResult, DoneCriteria, Outcome, RetrievalItem, TestScope, TestSummary } from './events.js';
export { toolSpecs, toolNames, toolSignature, type ToolName } from './tools/specs.js';
