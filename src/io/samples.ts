import { readFile } from 'node:fs/promises';
import { TinymlError } from '../errors.js';
import { allocTensorData, bytesPerElement, elementCount, type DType, type Tensor, type TensorData } from '../ir/graph.js';

/**
 * Raw sample files: N samples of one tensor concatenated, each in the tensor's dtype
 * (int8 bytes for int8 tensors, little-endian int16 / int32 / int64 / float32 otherwise), no header.
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
  const out: TensorData[] = [];
  for (let s = 0; s < count; s++) out.push(fromBytesLE(bytes.subarray(s * sampleBytes, (s + 1) * sampleBytes), tensor.dtype, per));
  return out;
}

/** `n` values of `dtype` from little-endian bytes. */
export function fromBytesLE(bytes: Uint8Array, dtype: DType, n: number): TensorData {
  const a = allocTensorData(dtype, n);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < n; i++) {
    switch (dtype) {
      case 'float32':
        a[i] = dv.getFloat32(4 * i, true);
        break;
      case 'int16':
        a[i] = dv.getInt16(2 * i, true);
        break;
      case 'float16':
        a[i] = dv.getUint16(2 * i, true);
        break;
      case 'int32':
        a[i] = dv.getInt32(4 * i, true);
        break;
      case 'int64':
        a[i] = Number(dv.getBigInt64(8 * i, true));
        break;
      case 'int8':
        a[i] = dv.getInt8(i);
        break;
      default:
        a[i] = dv.getUint8(i);
    }
  }
  return a;
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
  if (data instanceof Int8Array || data instanceof Uint8Array) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice();
  const width = data instanceof Float64Array ? 8 : data instanceof Int16Array || data instanceof Uint16Array ? 2 : 4;
  const out = new Uint8Array(data.length * width);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < data.length; i++) {
    if (data instanceof Float32Array) dv.setFloat32(4 * i, data[i]!, true);
    else if (data instanceof Float64Array) dv.setBigInt64(8 * i, BigInt(data[i]!), true);
    else if (data instanceof Int16Array) dv.setInt16(2 * i, data[i]!, true);
    else if (data instanceof Uint16Array) dv.setUint16(2 * i, data[i]!, true);
    else dv.setInt32(4 * i, data[i]!, true);
  }
  return out;
}
