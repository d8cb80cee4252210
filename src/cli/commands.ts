import type { Command } from 'commander';
import { registerConvert } from './convert.js';
import { registerDistill } from './distill.js';
import { registerInspect } from './inspect.js';
import { registerQuantize } from './quantize.js';
import { registerRun } from './run.js';
import { registerReport } from './report.js';
import { registerBoards } from './boards.js';
import { registerBench } from './bench.js';
import { registerBuild } from './build.js';
import { registerFlash } from './flash.js';
import { registerPorts } from './ports.js';
import { registerDoctor } from './doctor.js';
import { registerDemo } from './demo.js';

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
commands.push(registerDistill);
commands.push(registerReport);
commands.push(registerBoards);
commands.push(registerBench);
commands.push(registerBuild);
commands.push(registerFlash);
commands.push(registerPorts);
commands.push(registerDoctor);
commands.push(registerDemo);
