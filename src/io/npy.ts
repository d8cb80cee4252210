/**
 * NumPy `.npy` reader and writer (format versions 1.0, 2.0 and 3.0).
 *
 * Layout: magic `\x93NUMPY`, major and minor version bytes, a little-endian header length
 * (uint16 for v1, uint32 for v2/v3), then an ASCII (v1/v2) or UTF-8 (v3) Python dict literal
 * `{'descr': '<f4', 'fortran_order': False, 'shape': (N, ...), }` padded with spaces and a
 * newline so the data starts on a 16- or 64-byte boundary, then the raw data in C order.
 *
 * Supported dtypes: '<f4', '<f8', '|i1' (also '<i1'/'i1'), '<i4', '|u1'. Not supported, with an
 * error naming the file: big-endian data, Fortran order, object arrays, structured dtypes.
 * Data is always copied into a fresh, aligned typed array.
 */
import { ModelFormatError } from '../errors.js';

export type NpyDtype = 'float32' | 'float64' | 'int8' | 'uint8' | 'int32';

export interface NpyArray {
  dtype: NpyDtype;
  shape: number[];
  data: Float32Array | Float64Array | Int8Array | Uint8Array | Int32Array;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

const DESCR: Record<string, { dtype: NpyDtype; bytes: number }> = {
  '<f4': { dtype: 'float32', bytes: 4 },
  '<f8': { dtype: 'float64', bytes: 8 },
  '|i1': { dtype: 'int8', bytes: 1 },
  '<i1': { dtype: 'int8', bytes: 1 },
  i1: { dtype: 'int8', bytes: 1 },
  '|u1': { dtype: 'uint8', bytes: 1 },
  '<u1': { dtype: 'uint8', bytes: 1 },
  u1: { dtype: 'uint8', bytes: 1 },
  '<i4': { dtype: 'int32', bytes: 4 },
};

const HINT = "Save with numpy: np.save('x.npy', np.ascontiguousarray(x, dtype=np.float32)).";

/** True when the bytes start with the .npy magic. */
export function isNpy(bytes: Uint8Array): boolean {
  return bytes.length >= 6 && MAGIC.every((b, i) => bytes[i] === b);
}

/** Parse a .npy file's bytes; `file` names the file in errors. */
export function parseNpy(bytes: Uint8Array, file: string): NpyArray {
  if (!isNpy(bytes)) throw new ModelFormatError(file, 'not a .npy file (missing \\x93NUMPY magic)', 0, HINT);
  if (bytes.length < 10) throw new ModelFormatError(file, `truncated .npy header (${bytes.length} bytes)`, bytes.length);
  const major = bytes[6]!;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerLen: number;
  let headerStart: number;
  if (major === 1) {
    headerLen = dv.getUint16(8, true);
    headerStart = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) throw new ModelFormatError(file, `truncated .npy header (${bytes.length} bytes)`, bytes.length);
    headerLen = dv.getUint32(8, true);
    headerStart = 12;
  } else {
    throw new ModelFormatError(file, `unsupported .npy format version ${major}.${bytes[7]}`, 6, 'Versions 1.0, 2.0 and 3.0 are read.');
  }
  const dataStart = headerStart + headerLen;
  if (dataStart > bytes.length) {
    throw new ModelFormatError(file, `.npy header says ${headerLen} bytes but the file has ${bytes.length - headerStart} after the preamble`, headerStart);
  }
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(headerStart, dataStart));

  const descrM = /['"]descr['"]\s*:\s*['"]([^'"]*)['"]/.exec(header);
  const fortranM = /['"]fortran_order['"]\s*:\s*(True|False)/.exec(header);
  const shapeM = /['"]shape['"]\s*:\s*\(([^)]*)\)/.exec(header);
  if (!descrM || !fortranM || !shapeM) {
    throw new ModelFormatError(file, `malformed .npy header ${JSON.stringify(header.trim())} (needs descr, fortran_order, shape)`, headerStart);
  }
  const descr = descrM[1]!;
  const info = DESCR[descr];
  if (!info) {
    throw new ModelFormatError(
      file,
      `unsupported .npy dtype '${descr}'`,
      headerStart,
      `Supported: ${Object.keys(DESCR).join(', ')} (little-endian). ${HINT}`,
    );
  }
  if (fortranM[1] === 'True') {
    throw new ModelFormatError(file, '.npy array is in Fortran order; only C order is read', headerStart, HINT);
  }
  const shape: number[] = [];
  for (const part of shapeM[1]!.split(',')) {
    const s = part.trim();
    if (s === '') continue;
    if (!/^\d+L?$/.test(s)) throw new ModelFormatError(file, `bad dimension '${s}' in .npy shape (${shapeM[1]})`, headerStart);
    shape.push(Number.parseInt(s, 10));
  }
  let count = 1;
  for (const d of shape) count *= d;
  const needed = count * info.bytes;
  const have = bytes.length - dataStart;
  if (have < needed) {
    throw new ModelFormatError(
      file,
      `.npy data truncated: shape (${shape.join(', ')}) of ${descr} needs ${needed} bytes, file has ${have}`,
      dataStart + have,
    );
  }
  // Copy: the data offset is generally not aligned to the element size.
  const raw = bytes.slice(dataStart, dataStart + needed);
  const buf = raw.buffer;
  let data: NpyArray['data'];
  switch (info.dtype) {
    case 'float32':
      data = new Float32Array(buf, 0, count);
      break;
    case 'float64':
      data = new Float64Array(buf, 0, count);
      break;
    case 'int8':
      data = new Int8Array(buf, 0, count);
      break;
    case 'uint8':
      data = new Uint8Array(buf, 0, count);
      break;
    case 'int32':
      data = new Int32Array(buf, 0, count);
      break;
  }
  return { dtype: info.dtype, shape, data };
}

const DESCR_OF: Record<NpyDtype, string> = {
  float32: '<f4',
  float64: '<f8',
  int8: '|i1',
  uint8: '|u1',
  int32: '<i4',
};

/** Serialize to .npy version 1.0 (what numpy writes for small headers). Little-endian host assumed (as Node on x86/ARM). */
export function writeNpy(arr: NpyArray): Uint8Array {
  let count = 1;
  for (const d of arr.shape) count *= d;
  if (count !== arr.data.length) throw new RangeError(`shape (${arr.shape.join(', ')}) holds ${count} elements but data has ${arr.data.length}`);
  const shapeStr = arr.shape.length === 1 ? `(${arr.shape[0]},)` : `(${arr.shape.join(', ')})`;
  let header = `{'descr': '${DESCR_OF[arr.dtype]}', 'fortran_order': False, 'shape': ${shapeStr}, }`;
  // Pad so that 10 + header length (incl. the final newline) is a multiple of 64, as numpy does.
  const total = Math.ceil((10 + header.length + 1) / 64) * 64;
  header = header.padEnd(total - 10 - 1, ' ') + '\n';
  const out = new Uint8Array(total + arr.data.byteLength);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  new DataView(out.buffer).setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  out.set(new Uint8Array(arr.data.buffer, arr.data.byteOffset, arr.data.byteLength), total);
  return out;
}
