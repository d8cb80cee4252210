import { readFile } from 'node:fs/promises';
import type { Graph } from '../ir/graph.js';
import { ModelFormatError, TinymlError } from '../errors.js';

/**
 * Importers are picked by file content (magic bytes), never by extension.
 *
 * Contract for an Importer:
 * - `detect` looks only at the bytes (and may use the path for sidecar files, never to decide
 *   the format) and must not throw.
 * - `load` returns a valid Graph or throws a TinymlError: ModelFormatError for corrupt or
 *   truncated input (naming the file and the offset/field), UnsupportedOpsError listing
 *   every unsupported layer at once. Never a raw exception, never a hang.
 */
export interface Importer {
  id: string;
  description: string;
  detect(bytes: Uint8Array, path: string): boolean;
  load(bytes: Uint8Array, path: string): Promise<Graph>;
  /** The source ops it reads, for "unsupported layer" errors (default: the TFLite builtins). */
  supportedOps?: () => readonly string[];
}

const importers: Importer[] = [];

export function registerImporter(imp: Importer): void {
  if (!importers.some((i) => i.id === imp.id)) importers.push(imp);
}

export function listImporters(): readonly Importer[] {
  return importers;
}

/** The ops the importer of `g`'s format reads, when it names them (ONNX op types); else undefined. */
export function supportedSourceOps(g: Graph): readonly string[] | undefined {
  return importers.find((i) => i.id === g.source?.format)?.supportedOps?.();
}

export async function importModelBytes(bytes: Uint8Array, path: string): Promise<Graph> {
  const imp = importers.find((i) => i.detect(bytes, path));
  if (!imp) {
    throw new ModelFormatError(
      path,
      `not a model format tinyml reads (first bytes: ${Buffer.from(bytes.subarray(0, 8)).toString('hex') || 'empty file'})`,
      0,
      `Supported: ${importers.map((i) => i.description).join('; ')}.`,
    );
  }
  try {
    return await imp.load(bytes, path);
  } catch (err) {
    if (err instanceof TinymlError) {
      // Every import error names the file, whichever layer of the importer raised it.
      if (err.message.includes(path)) throw err;
      throw new TinymlError(err.code, `${path}: ${err.message}`, err.hint);
    }
    // A parser library threw on malformed input: still the file's fault, not ours.
    const msg = err instanceof Error ? err.message : String(err);
    throw new ModelFormatError(path, `malformed ${imp.description}: ${msg}`);
  }
}

export async function importModel(path: string): Promise<Graph> {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(path));
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new TinymlError('input', `cannot read ${path}: ${e.code === 'ENOENT' ? 'no such file' : e.message}`);
  }
  return importModelBytes(bytes, path);
}
