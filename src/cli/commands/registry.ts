import type { Command } from 'commander';
import { registerContext } from './context.js';
import { registerIndex } from './index.js';
import { registerEvalLocalize } from './eval-localize.js';
import { registerEvalPassK } from './eval-passk.js';
import { registerEvalRepo } from './eval-repo.js';
import { registerSearch } from './search.js';
import { registerRun } from './run.js';
import { registerRuns } from './runs.js';
import { registerCi } from './ci.js';
import { registerDoctor } from './doctor.js';
import { registerChat } from './chat.js';

type Register = (program: Command) => void;

// Each command lives in its own file and adds itself here.
const registrations: Register[] = [registerIndex, registerSearch, registerContext, registerEvalLocalize, registerEvalPassK, registerEvalRepo, registerRun, registerRuns, registerCi, registerDoctor, registerChat];

/** Attach every command to the program. */
export function registerCommands(program: Command): void {
  for (const register of registrations) register(program);
}
