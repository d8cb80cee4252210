import type { Command } from 'commander';
import { registerInspect } from './inspect.js';
import { registerRun } from './run.js';

/**
 * Every CLI command lives in its own file under src/cli/ and exports a `register`
 * function; this list is the only place that knows them all.
 */
export type RegisterCommand = (program: Command) => void;

export const commands: RegisterCommand[] = [];
commands.push(registerInspect);
commands.push(registerRun);
