/**
 * A small read-only view of an HDF5 file held in memory, on top of h5wasm (the HDF5 C
 * library compiled to WebAssembly).
 *
 * How it works:
 * 1. The bytes are written to a uniquely named file in h5wasm's in-memory file system
 *    (nothing touches the disk), opened read-only, and always closed and unlinked afterwards.
 * 2. While we hold the file, HDF5's automatic error printing is replaced by h5wasm's
 *    throwing handler: instead of dumping its error stack on stderr, a failing call throws
 *    that text, which becomes a ModelFormatError naming the file, the HDF5 object being read
 *    and the innermost HDF5 complaint — one readable message, nothing on the terminal.
 * 3. Dataset sizes are checked against the file size before reading, so a corrupted header
 *    claiming a huge dataset is reported instead of exhausting WebAssembly memory.
 *
 * It does not promise: reading compressed datasets larger than 64× the file, or any
 * writing (fixture writers use h5wasm directly).
 */
import h5wasm from 'h5wasm/node';
import { ModelFormatError } from '../errors.js';

export interface H5Dataset {
  shape: number[];
  data: Float32Array;
}

export interface Hdf5Reader {
  /** Attribute `name` of the object at `objPath` ('/' = root), or undefined when absent. */
  attr(objPath: string, name: string): unknown;
  /** Child names of the group at `groupPath`, or undefined when it is not a group. */
  keys(groupPath: string): string[] | undefined;
  isGroup(objPath: string): boolean;
  isDataset(objPath: string): boolean;
  /** A floating-point dataset, converted to float32. */
  dataset(objPath: string): H5Dataset;
}

let seq = 0;
function ready(): typeof h5wasm.ready {
  return h5wasm.ready;
}

/** The most specific line of an HDF5 error stack ("H5Fopen(): unable to open file: ..."). */
function summarizeHdf5Error(text: string): string {
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => /^#\d+:/.test(l))
    .map((l) => l.replace(/^#\d+:\s*\S+ line \d+ in /, ''));
  if (lines.length === 0) return '';
  // The innermost frames say what was actually wrong (signature, EOF, bad message...).
  const last = lines.slice(-2).join('; ');
  return last.length > 300 ? `${last.slice(0, 300)}…` : last;
}

/**
 * Opens `bytes` as HDF5, runs `fn` on a reader and always releases the file.
 * Any failure inside becomes a ModelFormatError naming `file` and the object read.
 */
export async function withHdf5<T>(bytes: Uint8Array, file: string, fn: (r: Hdf5Reader) => T | Promise<T>): Promise<T> {
  const mod = await ready();
  const fs = mod.FS;
  const memPath = `/tinyml-${process.pid}-${++seq}.h5`;
  const fileSize = bytes.length;

  const guard = <R>(what: string, call: () => R): R => {
    try {
      return call();
    } catch (error) {
      if (error instanceof ModelFormatError) throw error;
      const msg = error instanceof Error ? error.message : String(error);
      const detail = summarizeHdf5Error(msg) || msg.split('\n')[0]!.slice(0, 200);
      throw new ModelFormatError(file, `corrupt HDF5: ${what} failed${detail ? `: ${detail}` : ''}`);
    }
  };

  fs.writeFile(memPath, bytes);
  let h5: InstanceType<typeof h5wasm.File> | undefined;
  // HDF5 reports errors by printing its error stack to stderr; this handler makes it throw
  // the same text instead (HDF5 calls it after its own API-context cleanup), for the
  // duration of our calls only.
  mod.activate_throwing_error_handler();
  try {
    h5 = guard('opening the file', () => new h5wasm.File(memPath, 'r'));
    // h5wasm reports a failed open by a file id of 0 rather than an exception.
    if (!h5 || BigInt(h5.file_id) <= 0n) {
      throw new ModelFormatError(file, 'corrupt HDF5: the file could not be opened (bad superblock or truncated)');
    }
    const root = h5;
    const get = (p: string) => guard(`reading ${p}`, () => (p === '/' ? root : root.get(p)));
    const reader: Hdf5Reader = {
      attr(objPath, name) {
        const obj = get(objPath);
        if (!obj || !('attrs' in obj)) return undefined;
        return guard(`reading attribute ${name} of ${objPath}`, () => {
          const attrs = obj.attrs;
          if (!(name in attrs)) return undefined;
          return attrs[name]!.value;
        });
      },
      keys(groupPath) {
        const obj = get(groupPath);
        if (!(obj instanceof h5wasm.Group)) return undefined;
        return guard(`listing ${groupPath}`, () => obj.keys());
      },
      isGroup(objPath) {
        return get(objPath) instanceof h5wasm.Group;
      },
      isDataset(objPath) {
        return get(objPath) instanceof h5wasm.Dataset;
      },
      dataset(objPath) {
        const obj = get(objPath);
        if (!(obj instanceof h5wasm.Dataset)) throw new ModelFormatError(file, `HDF5 dataset ${objPath} is missing`);
        const shape = guard(`reading the shape of ${objPath}`, () => obj.shape) ?? [];
        const meta = guard(`reading the type of ${objPath}`, () => obj.metadata);
        const count = shape.reduce((a, b) => a * b, 1);
        if (!Number.isFinite(count) || count * meta.size > fileSize * 64 + 1024) {
          throw new ModelFormatError(file, `HDF5 dataset ${objPath} claims shape [${shape.join(',')}], larger than the file`);
        }
        if (meta.type !== 1 /* H5T_FLOAT */) {
          throw new ModelFormatError(file, `HDF5 dataset ${objPath} is not floating point (type class ${meta.type})`);
        }
        const value = guard(`reading ${objPath}`, () => obj.value);
        if (!ArrayBuffer.isView(value) || (value as unknown as { length: number }).length !== count) {
          throw new ModelFormatError(file, `HDF5 dataset ${objPath}: could not read ${count} values`);
        }
        const data = value instanceof Float32Array ? value : Float32Array.from(value as unknown as ArrayLike<number>);
        return { shape, data };
      },
    };
    return await fn(reader);
  } finally {
    if (h5 && BigInt(h5.file_id) > 0n) {
      try {
        h5.close();
      } catch {
        // Closing a damaged file can fail again; the memory file is removed below regardless.
      }
    }
    mod.deactivate_throwing_error_handler();
    try {
      fs.unlink(memPath);
    } catch {
      // Already gone: nothing to release.
    }
  }
}

/** HDF5 files start with this signature at offset 0, 512, 1024, 2048, ... (user block). */
const HDF5_SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

export function hasHdf5Signature(bytes: Uint8Array): boolean {
  for (let off = 0; off + 8 <= bytes.length; off = off === 0 ? 512 : off * 2) {
    if (HDF5_SIGNATURE.every((b, i) => bytes[off + i] === b)) return true;
  }
  return false;
}
