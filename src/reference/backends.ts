/**
 * Importing this module registers every `tinyml run --board` backend and the board loader.
 * Each backend file calls `registerRunBackend(template, fn)` (src/reference/run-backends.ts)
 * at load time; add one import line here per backend, e.g. `import '../build/host-run.js';`.
 */
export { registerBoardLoader, registerRunBackend, resolveRunBackend, listRunBackends } from './run-backends.js';
import '../build/host-run.js';
import '../device/emulated-run.js';
