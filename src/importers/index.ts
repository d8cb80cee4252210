/**
 * Importing this module registers every importer. Each importer file calls
 * `registerImporter` at load time; add new formats here.
 */
import './tflite.js';
import './keras-h5.js';
import './keras-v3.js';
import './tfjs-layers.js';
import './onnx.js';

export { importModel, importModelBytes, listImporters, supportedSourceOps } from './registry.js';
