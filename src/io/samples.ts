import { readFile } from 'node:fs/promises';
import { TinymlError } from '../errors.js';
import { bytesPerElement, elementCount, type Tensor, type TensorData } from '../ir/graph.js';

/**
 * Raw sample files: N samples of one tensor concatenated, each in the tensor's dtype
 * (int8 bytes for int8 tensors, little-endian float32 / int32 otherwise), no header.
 * This is the format of `tinyml run --input` and of MLPerf Tiny's .bin inputs.
 */

/** Split raw bytes into samples of `tensor`; `file` only names the source in errors. */
export function splitSamples(bytes: Uint8Array, tensor: Tensor, file: string): TensorData[] {
  const per = elementCount(tensor.shape);
  const sampleBytes = per * bytesPerElement(tensor.dtype);
  if (bytes.length === 0 || bytes.length % sampleBytes !== 0) {
    const n = Math.floor(bytes.length / sampleBytes);
    throw new TinymlError(
      'input',
      `${file}: ${bytes.length} bytes is not a whole number of samples: input '${tensor.name}' [${tensor.shape}] ${tensor.dtype} takes ${sampleBytes} bytes per sample` +
        (bytes.length === 0 ? '' : ` (${n} whole sample${n === 1 ? '' : 's'} and ${bytes.length - n * sampleBytes} bytes left over)`),
      tensor.dtype === 'int8'
        ? 'The file must hold raw int8 values (already quantized with the input scale and zero point), one sample after another.'
        : `The file must hold raw little-endian ${tensor.dtype} values, one sample after another.`,
    );
  }
  const count = bytes.length / sampleBytes;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: TensorData[] = [];
  for (let s = 0; s < count; s++) {
    const base = s * sampleBytes;
    if (tensor.dtype === 'int8') {
      out.push(new Int8Array(bytes.buffer.slice(bytes.byteOffset + base, bytes.byteOffset + base + sampleBytes)));
    } else if (tensor.dtype === 'float32') {
      const a = new Float32Array(per);
      for (let i = 0; i < per; i++) a[i] = dv.getFloat32(base + 4 * i, true);
      out.push(a);
    } else {
      const a = new Int32Array(per);
      for (let i = 0; i < per; i++) a[i] = dv.getInt32(base + 4 * i, true);
      out.push(a);
    }
  }
  return out;
}

/** Read a file of N concatenated samples of `tensor`. */
export async function readSamples(file: string, tensor: Tensor): Promise<TensorData[]> {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(file));
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new TinymlError('input', `cannot read ${file}: ${e.code === 'ENOENT' ? 'no such file' : e.message}`);
  }
  return splitSamples(bytes, tensor, file);
}

/** The raw bytes of tensor data (little-endian), the inverse of splitSamples for one sample. */
export function tensorBytesLE(data: TensorData): Uint8Array {
  if (data instanceof Int8Array) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice();
  const out = new Uint8Array(data.length * 4);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < data.length; i++) {
    if (data instanceof Float32Array) dv.setFloat32(4 * i, data[i]!, true);
    else dv.setInt32(4 * i, data[i]!, true);
  }
  return out;
}
