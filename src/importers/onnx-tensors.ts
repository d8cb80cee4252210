/**
 * ONNX TensorProto → a typed constant, bounds-checked.
 *
 * Steps for one tensor:
 *   1. dims must be non-negative integers whose product stays under MAX_ONNX_ELEMENTS;
 *   2. the data comes from raw_data (little-endian, fixed width), a typed field (float_data,
 *      int32_data, int64_data, double_data, uint64_data) or, for data_location EXTERNAL, from
 *      the file named by external_data "location" (relative to the model's folder, read at
 *      "offset" for "length" bytes); its size must match the element count exactly;
 *   3. values are widened: FLOAT/FLOAT16/BFLOAT16 to a Float32Array, every integer type,
 *      BOOL and DOUBLE to a Float64Array (integers up to 2^53 exactly; INT64 values past that,
 *      like Slice's INT64_MAX "to the end", only need to stay huge).
 * Strings, complex numbers, 4/8-bit floats and segmented tensors are refused by name.
 */
import { ModelFormatError, TinymlError } from '../errors.js';
import { ONNX_DATA_TYPE_NAMES, OnnxDataType, type OnnxTensorProto } from './onnx-schema.js';

/** Largest element count of one constant; beyond it the file is corrupt (or not for an MCU). */
export const MAX_ONNX_ELEMENTS = 1 << 28;

export interface OnnxConst {
  /** TensorProto.DataType of the source (FLOAT stays FLOAT after widening FLOAT16). */
  type: number;
  shape: number[];
  data: Float32Array | Float64Array;
}

/** Reads external data: `(location, offset, length|undefined) => bytes`, throwing a TinymlError. */
export type ExternalReader = (location: string, offset: number, length: number | undefined, tensor: string) => Uint8Array;

const BYTES: Record<number, number> = {
  [OnnxDataType.FLOAT]: 4,
  [OnnxDataType.UINT8]: 1,
  [OnnxDataType.INT8]: 1,
  [OnnxDataType.UINT16]: 2,
  [OnnxDataType.INT16]: 2,
  [OnnxDataType.INT32]: 4,
  [OnnxDataType.INT64]: 8,
  [OnnxDataType.BOOL]: 1,
  [OnnxDataType.FLOAT16]: 2,
  [OnnxDataType.DOUBLE]: 8,
  [OnnxDataType.UINT32]: 4,
  [OnnxDataType.UINT64]: 8,
  [OnnxDataType.BFLOAT16]: 2,
};

export function typeName(t: number): string {
  return ONNX_DATA_TYPE_NAMES[t] ?? `data type ${t}`;
}

export function isFloatType(t: number): boolean {
  return t === OnnxDataType.FLOAT || t === OnnxDataType.FLOAT16 || t === OnnxDataType.BFLOAT16 || t === OnnxDataType.DOUBLE;
}

export function elementCountChecked(dims: readonly number[], file: string, what: string): number {
  let count = 1;
  for (const d of dims) {
    if (!Number.isInteger(d) || d < 0) throw new ModelFormatError(file, `${what} has dimension ${d}`);
    count *= d;
    if (count > MAX_ONNX_ELEMENTS) throw new ModelFormatError(file, `${what} has shape [${dims.join(',')}], more than ${MAX_ONNX_ELEMENTS} elements`);
  }
  return count;
}

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

function fromRaw(type: number, raw: Uint8Array, count: number): Float32Array | Float64Array {
  const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  if (type === OnnxDataType.FLOAT) {
    const out = new Float32Array(count);
    for (let i = 0; i < count; i++) out[i] = dv.getFloat32(4 * i, true);
    return out;
  }
  if (type === OnnxDataType.FLOAT16 || type === OnnxDataType.BFLOAT16) {
    const out = new Float32Array(count);
    const f = new Float32Array(1);
    const u = new Uint32Array(f.buffer);
    for (let i = 0; i < count; i++) {
      const h = dv.getUint16(2 * i, true);
      if (type === OnnxDataType.FLOAT16) out[i] = halfToFloat(h);
      else {
        u[0] = h << 16;
        out[i] = f[0]!;
      }
    }
    return out;
  }
  const out = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    switch (type) {
      case OnnxDataType.UINT8:
      case OnnxDataType.BOOL:
        out[i] = dv.getUint8(i);
        break;
      case OnnxDataType.INT8:
        out[i] = dv.getInt8(i);
        break;
      case OnnxDataType.UINT16:
        out[i] = dv.getUint16(2 * i, true);
        break;
      case OnnxDataType.INT16:
        out[i] = dv.getInt16(2 * i, true);
        break;
      case OnnxDataType.INT32:
        out[i] = dv.getInt32(4 * i, true);
        break;
      case OnnxDataType.UINT32:
        out[i] = dv.getUint32(4 * i, true);
        break;
      case OnnxDataType.INT64:
        out[i] = Number(dv.getBigInt64(8 * i, true));
        break;
      case OnnxDataType.UINT64:
        out[i] = Number(dv.getBigUint64(8 * i, true));
        break;
      case OnnxDataType.DOUBLE:
        out[i] = dv.getFloat64(8 * i, true);
        break;
    }
  }
  return out;
}

/** Reads one TensorProto (an initializer, a Constant's value, a test's input_N.pb). */
export function readTensor(t: OnnxTensorProto, file: string, external?: ExternalReader): OnnxConst {
  const what = `tensor '${t.name}'`;
  const size = BYTES[t.dataType];
  if (size === undefined) {
    throw new TinymlError('unsupported', `${file}: ${what} has data type ${typeName(t.dataType)}; tinyml reads numeric tensors (float, float16, int8/16/32/64, uint8, bool)`);
  }
  if (t.hasSegment) throw new TinymlError('unsupported', `${file}: ${what} is stored in segments; tinyml reads whole tensors`, 'Re-save the model with onnx.save (no segments).');
  const count = elementCountChecked(t.dims, file, what);
  const shape = [...t.dims];
  let raw: Uint8Array | undefined = t.rawData.length > 0 ? t.rawData : undefined;
  if (t.dataLocation === 1) {
    const get = (k: string) => t.externalData.find((e) => e.key === k)?.value;
    const location = get('location');
    if (!location) throw new ModelFormatError(file, `${what} is stored externally but names no location`);
    const parseInt = (k: string): number | undefined => {
      const v = get(k);
      if (v === undefined) return undefined;
      if (!/^\d+$/.test(v)) throw new ModelFormatError(file, `${what}: external_data ${k} '${v}' is not a byte count`);
      return Number(v);
    };
    if (!external) throw new TinymlError('input', `${file}: ${what} is stored in external file '${location}', which cannot be read here`);
    raw = external(location, parseInt('offset') ?? 0, parseInt('length'), t.name);
  }
  if (raw) {
    if (raw.length !== count * size) {
      throw new ModelFormatError(file, `${what} [${shape.join(',')}] ${typeName(t.dataType)} needs ${count * size} bytes of data, found ${raw.length}`);
    }
    return { type: t.dataType, shape, data: fromRaw(t.dataType, raw, count) };
  }
  let field: number[];
  switch (t.dataType) {
    case OnnxDataType.FLOAT:
      field = t.floatData;
      break;
    case OnnxDataType.INT64:
      field = t.int64Data;
      break;
    case OnnxDataType.DOUBLE:
      field = t.doubleData;
      break;
    case OnnxDataType.UINT32:
    case OnnxDataType.UINT64:
      field = t.uint64Data;
      break;
    default:
      // int32_data holds every narrower integer, bool and the bit patterns of float16/bfloat16.
      field = t.int32Data;
  }
  if (field.length !== count) {
    throw new ModelFormatError(file, `${what} [${shape.join(',')}] holds ${field.length} values, expected ${count}`);
  }
  if (t.dataType === OnnxDataType.FLOAT) return { type: t.dataType, shape, data: Float32Array.from(field) };
  if (t.dataType === OnnxDataType.FLOAT16 || t.dataType === OnnxDataType.BFLOAT16) {
    const bytes = new Uint8Array(count * 2);
    const dv = new DataView(bytes.buffer);
    field.forEach((v, i) => dv.setUint16(2 * i, v & 0xffff, true));
    return { type: t.dataType, shape, data: fromRaw(t.dataType, bytes, count) };
  }
  return { type: t.dataType, shape, data: Float64Array.from(field) };
}
