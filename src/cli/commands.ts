import type { Command } from 'commander';
import { registerConvert } from './convert.js';
import { registerInspect } from './inspect.js';
import { registerQuantize } from './quantize.js';
import { registerRun } from './run.js';

/**
 * Every CLI command lives in its own file under src/cli/ and exports a `register`
 * function; this list is the only place that knows them all.
 */
export type RegisterCommand = (program: Command) => void;

export const commands: RegisterCommand[] = [];
commands.push(registerInspect);
commands.push(registerQuantize);
commands.push(registerRun);
commands.push(registerConvert);
