/**
 * Importing this module registers every importer. Each importer file calls
 * `registerImporter` at load time; add new formats here.
 */
import './tflite.js';

export { importModel, importModelBytes, listImporters } from './registry.js';
