/**
 * Importing this module registers every importer. Each importer file calls
 * `registerImporter` at load time; add new formats here.
 */
export { importModel, importModelBytes, listImporters } from './registry.js';
