/**
 * The part of the TFLite flatbuffer schema (tensorflow/lite/schema/schema.fbs, schema version 3)
 * that tinyml reads and writes, as a bounds-checked decoder over the `flatbuffers` runtime.
 *
 * A flatbuffer table is found through a signed offset to its vtable; field `id` lives in vtable
 * slot `4 + 2 * id` (0 = absent, default applies). Tables, vectors and strings hang off unsigned
 * 32-bit offsets relative to where the offset is stored. Subset used (field ids):
 *
 *   Model                  0 version:uint  1 operator_codes:[OperatorCode]  2 subgraphs:[SubGraph]
 *                          3 description:string  4 buffers:[Buffer]
 *   OperatorCode           0 deprecated_builtin_code:byte  1 custom_code:string  2 version:int=1
 *                          3 builtin_code:int (BuiltinOperator)
 *                          Rule: the operator is max(deprecated_builtin_code, builtin_code). Old
 *                          files only set the byte; new writers set builtin_code and clamp the byte
 *                          to 127 (PLACEHOLDER_FOR_GREATER_OP_CODES) for codes above it.
 *   SubGraph               0 tensors:[Tensor]  1 inputs:[int]  2 outputs:[int]  3 operators:[Operator]
 *                          4 name:string
 *   Tensor                 0 shape:[int]  1 type:TensorType(byte)  2 buffer:uint  3 name:string
 *                          4 quantization:QuantizationParameters  5 is_variable:bool
 *                          6 sparsity (rejected when present)
 *   QuantizationParameters 0 min:[float]  1 max:[float]  2 scale:[float]  3 zero_point:[long]
 *                          4 details_type  5 details  6 quantized_dimension:int
 *   Buffer                 0 data:[ubyte] (force_align 16)  1 offset:ulong  2 size:ulong
 *                          (offset/size point past the flatbuffer for >2 GB models; rejected)
 *   Operator               0 opcode_index:uint  1 inputs:[int]  2 outputs:[int]
 *                          3 builtin_options_type:ubyte  4 builtin_options:table
 *                          8 intermediates:[int]
 *   Options tables: decoded generically from their field layouts in src/ops/tflite-codes.ts
 *                          (OPTION_TABLES), into a record of field name → value.
 *
 * What the decoder promises: every read is checked against the buffer before it happens, so a
 * truncated or corrupt file throws ModelFormatError naming the file, the field and the byte
 * offset — never a RangeError, never an out-of-bounds `undefined`. Vector lengths are checked
 * against the bytes that remain before anything is allocated. Offsets (uoffset) only point
 * forward, and the schema subset is not recursive, so decoding cannot loop.
 * What it does not promise: that the decoded model makes sense (shapes, op arity) — the
 * importer and src/ops/validate.ts check that.
 */
import { ByteBuffer } from 'flatbuffers';
import { ModelFormatError } from '../errors.js';
import { OPTION_TABLES, optionsTableName, TFLITE_IDENTIFIER, type OptionRecord } from '../ops/tflite-codes.js';

export {
  ActivationCode,
  BuiltinOperator,
  builtinOperatorName,
  PaddingCode,
  TENSOR_TYPE_NAMES,
  TensorType,
  TFLITE_IDENTIFIER,
  TFLITE_SCHEMA_VERSION,
} from '../ops/tflite-codes.js';

// ---- decoded (plain object) form ------------------------------------------------------------

export interface TfliteQuantization {
  scale: Float32Array;
  zeroPoint: bigint[];
  quantizedDimension: number;
  hasDetails: boolean;
}

export interface TfliteTensor {
  shape: number[];
  type: number;
  buffer: number;
  name: string;
  quantization?: TfliteQuantization;
  isVariable: boolean;
  hasSparsity: boolean;
}

export interface TfliteOperator {
  opcodeIndex: number;
  inputs: number[];
  outputs: number[];
  optionsType: number;
  /** True when the operator stores an options table. */
  hasOptions: boolean;
  /** Its fields by schema name (absent scalars at their schema default; absent vectors absent). */
  options: OptionRecord;
  /** Tensor indices of the operator's intermediates (field 8; LSTM scales), usually empty. */
  intermediates: number[];
  /** Byte offset of the operator table, for error messages. */
  offset: number;
}

export interface TfliteSubGraph {
  tensors: TfliteTensor[];
  inputs: number[];
  outputs: number[];
  operators: TfliteOperator[];
  name: string;
}

export interface TfliteOperatorCode {
  /** The effective code: max(deprecated_builtin_code, builtin_code). */
  builtinCode: number;
  customCode?: string;
  version: number;
}

export interface TfliteBuffer {
  /** Byte range of `data` inside the file (length 0 = empty buffer). */
  start: number;
  length: number;
}

export interface TfliteModel {
  version: number;
  description: string;
  operatorCodes: TfliteOperatorCode[];
  subgraphs: TfliteSubGraph[];
  buffers: TfliteBuffer[];
}

// ---- bounds-checked reader -------------------------------------------------------------------

interface TableRef {
  pos: number;
  vtable: number;
  vtLen: number;
  tableLen: number;
  what: string;
}

class Reader {
  readonly bb: ByteBuffer;
  readonly len: number;
  constructor(
    readonly bytes: Uint8Array,
    readonly file: string,
  ) {
    this.bb = new ByteBuffer(bytes);
    this.len = bytes.length;
  }

  fail(what: string, offset: number): never {
    throw new ModelFormatError(this.file, `corrupt TFLite flatbuffer: ${what}`, offset, 'The file is truncated or damaged; re-export it.');
  }

  check(pos: number, size: number, what: string): void {
    if (!Number.isSafeInteger(pos) || pos < 0 || pos + size > this.len) {
      this.fail(`${what} lies outside the file (${this.len} bytes)`, pos);
    }
  }

  u8(pos: number, what: string): number {
    this.check(pos, 1, what);
    return this.bb.readUint8(pos);
  }
  i8(pos: number, what: string): number {
    this.check(pos, 1, what);
    return this.bb.readInt8(pos);
  }
  u16(pos: number, what: string): number {
    this.check(pos, 2, what);
    return this.bb.readUint16(pos);
  }
  i32(pos: number, what: string): number {
    this.check(pos, 4, what);
    return this.bb.readInt32(pos);
  }
  u32(pos: number, what: string): number {
    this.check(pos, 4, what);
    return this.bb.readUint32(pos);
  }
  f32(pos: number, what: string): number {
    this.check(pos, 4, what);
    return this.bb.readFloat32(pos);
  }

  /** Follows the uoffset stored at `pos`. */
  deref(pos: number, what: string): number {
    const off = this.u32(pos, `offset to ${what}`);
    if (off === 0) this.fail(`offset to ${what} is 0`, pos);
    const target = pos + off;
    this.check(target, 4, what);
    return target;
  }

  table(pos: number, what: string): TableRef {
    const soff = this.i32(pos, `${what} vtable offset`);
    const vtable = pos - soff;
    this.check(vtable, 4, `${what} vtable`);
    const vtLen = this.u16(vtable, `${what} vtable size`);
    const tableLen = this.u16(vtable + 2, `${what} table size`);
    if (vtLen < 4 || vtLen % 2 !== 0) this.fail(`${what} vtable has invalid size ${vtLen}`, vtable);
    this.check(vtable, vtLen, `${what} vtable`);
    if (tableLen < 4) this.fail(`${what} table has invalid size ${tableLen}`, pos);
    this.check(pos, tableLen, what);
    return { pos, vtable, vtLen, tableLen, what };
  }

  /** Absolute position of field `id`, or 0 when absent. `size` = the field's inline size. */
  field(t: TableRef, id: number, size: number, name: string): number {
    const slot = 4 + 2 * id;
    if (slot >= t.vtLen) return 0;
    const off = this.u16(t.vtable + slot, `${t.what}.${name} vtable slot`);
    if (off === 0) return 0;
    if (off < 4 || off + size > t.tableLen) this.fail(`${t.what}.${name} lies outside its table`, t.pos + off);
    return t.pos + off;
  }

  fieldU8(t: TableRef, id: number, name: string, dflt: number): number {
    const p = this.field(t, id, 1, name);
    return p ? this.u8(p, `${t.what}.${name}`) : dflt;
  }
  fieldI8(t: TableRef, id: number, name: string, dflt: number): number {
    const p = this.field(t, id, 1, name);
    return p ? this.i8(p, `${t.what}.${name}`) : dflt;
  }
  fieldBool(t: TableRef, id: number, name: string, dflt: boolean): boolean {
    const p = this.field(t, id, 1, name);
    return p ? this.u8(p, `${t.what}.${name}`) !== 0 : dflt;
  }
  fieldI32(t: TableRef, id: number, name: string, dflt: number): number {
    const p = this.field(t, id, 4, name);
    return p ? this.i32(p, `${t.what}.${name}`) : dflt;
  }
  fieldU32(t: TableRef, id: number, name: string, dflt: number): number {
    const p = this.field(t, id, 4, name);
    return p ? this.u32(p, `${t.what}.${name}`) : dflt;
  }
  fieldF32(t: TableRef, id: number, name: string, dflt: number): number {
    const p = this.field(t, id, 4, name);
    return p ? this.f32(p, `${t.what}.${name}`) : dflt;
  }

  /** A vector field: its element start and length, checked to fit in the file. */
  vector(t: TableRef, id: number, elemSize: number, name: string): { start: number; length: number } | undefined {
    const p = this.field(t, id, 4, name);
    if (!p) return undefined;
    const what = `${t.what}.${name}`;
    const vec = this.deref(p, what);
    const length = this.u32(vec, `${what} length`);
    const start = vec + 4;
    if (length > (this.len - start) / elemSize) {
      this.fail(`${what} claims ${length} elements, more than the ${this.len - start} bytes left`, vec);
    }
    return { start, length };
  }

  i32Vector(t: TableRef, id: number, name: string): number[] {
    const v = this.vector(t, id, 4, name);
    if (!v) return [];
    const out = new Array<number>(v.length);
    for (let i = 0; i < v.length; i++) out[i] = this.bb.readInt32(v.start + 4 * i);
    return out;
  }

  string(t: TableRef, id: number, name: string): string | undefined {
    const v = this.vector(t, id, 1, name);
    if (!v) return undefined;
    return new TextDecoder('utf-8', { fatal: false }).decode(this.bytes.subarray(v.start, v.start + v.length));
  }

  /** A vector of tables: positions of each table, each checked. */
  tables(t: TableRef, id: number, name: string): TableRef[] {
    const v = this.vector(t, id, 4, name);
    if (!v) return [];
    const out: TableRef[] = [];
    for (let i = 0; i < v.length; i++) {
      const what = `${t.what}.${name}[${i}]`;
      out.push(this.table(this.deref(v.start + 4 * i, what), what));
    }
    return out;
  }

  subTable(t: TableRef, id: number, name: string): TableRef | undefined {
    const p = this.field(t, id, 4, name);
    if (!p) return undefined;
    const what = `${t.what}.${name}`;
    return this.table(this.deref(p, what), what);
  }
}

/** True when the bytes carry the TFLite file identifier at offset 4. */
export function hasTfliteIdentifier(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && bytes[4] === 0x54 && bytes[5] === 0x46 && bytes[6] === 0x4c && bytes[7] === 0x33;
}

/** Decodes the operator's options table by its field layout; unknown tables give no fields. */
function decodeOptions(r: Reader, op: TableRef, type: number): { hasOptions: boolean; options: OptionRecord } {
  const t = r.subTable(op, 4, 'builtin_options');
  if (!t) return { hasOptions: false, options: {} };
  const fields = OPTION_TABLES[optionsTableName(type) ?? ''] ?? [];
  const o: OptionRecord = {};
  for (const f of fields) {
    // Absent scalar fields take the schema default; absent vectors and strings stay absent.
    if (f.type !== 'i32[]' && f.type !== 'string') o[f.name] = f.default ?? (f.type === 'bool' ? false : 0);
    switch (f.type) {
      case 'bool':
        if (r.field(t, f.id, 1, f.name)) o[f.name] = r.fieldBool(t, f.id, f.name, false);
        break;
      case 'i8':
        if (r.field(t, f.id, 1, f.name)) o[f.name] = r.fieldI8(t, f.id, f.name, 0);
        break;
      case 'u8':
        if (r.field(t, f.id, 1, f.name)) o[f.name] = r.fieldU8(t, f.id, f.name, 0);
        break;
      case 'i32':
        if (r.field(t, f.id, 4, f.name)) o[f.name] = r.fieldI32(t, f.id, f.name, 0);
        break;
      case 'u32':
        if (r.field(t, f.id, 4, f.name)) o[f.name] = r.fieldU32(t, f.id, f.name, 0);
        break;
      case 'f32':
        if (r.field(t, f.id, 4, f.name)) o[f.name] = r.fieldF32(t, f.id, f.name, 0);
        break;
      case 'i64': {
        const p = r.field(t, f.id, 8, f.name);
        if (p) o[f.name] = Number(r.bb.readInt64(p));
        break;
      }
      case 'i32[]':
        if (r.field(t, f.id, 4, f.name)) o[f.name] = r.i32Vector(t, f.id, f.name);
        break;
      case 'string': {
        const v = r.string(t, f.id, f.name);
        if (v !== undefined) o[f.name] = v;
        break;
      }
    }
  }
  return { hasOptions: true, options: o };
}

/**
 * Decodes the subset above. Throws ModelFormatError for a missing identifier, any offset or
 * length that leaves the file, and for features tinyml does not read (external buffers).
 */
export function decodeTfliteModel(bytes: Uint8Array, file: string): TfliteModel {
  const r = new Reader(bytes, file);
  if (bytes.length < 8) r.fail(`file is ${bytes.length} bytes, too short for a flatbuffer header`, 0);
  if (!hasTfliteIdentifier(bytes)) {
    const id = Buffer.from(bytes.subarray(4, 8)).toString('latin1');
    r.fail(`file identifier is ${JSON.stringify(id)}, expected "${TFLITE_IDENTIFIER}"`, 4);
  }
  const model = r.table(r.deref(0, 'Model'), 'Model');
  const version = r.fieldU32(model, 0, 'version', 0);
  const description = r.string(model, 3, 'description') ?? '';

  const operatorCodes = r.tables(model, 1, 'operator_codes').map((t) => {
    const deprecated = r.fieldI8(t, 0, 'deprecated_builtin_code', 0);
    const builtin = r.fieldI32(t, 3, 'builtin_code', 0);
    const code: TfliteOperatorCode = {
      builtinCode: Math.max(deprecated, builtin),
      version: r.fieldI32(t, 2, 'version', 1),
    };
    const custom = r.string(t, 1, 'custom_code');
    if (custom !== undefined) code.customCode = custom;
    return code;
  });

  const buffers = r.tables(model, 4, 'buffers').map((t, i) => {
    const v = r.vector(t, 0, 1, 'data');
    const extOffset = r.field(t, 1, 8, 'offset');
    if (extOffset && !v) {
      const lo = r.u32(extOffset, `buffers[${i}].offset`);
      const hi = r.u32(extOffset + 4, `buffers[${i}].offset`);
      if (lo !== 0 || hi !== 0) {
        r.fail(`buffers[${i}] stores its data outside the flatbuffer (models over 2 GB are not supported)`, t.pos);
      }
    }
    return v ? { start: v.start, length: v.length } : { start: 0, length: 0 };
  });

  const subgraphs = r.tables(model, 2, 'subgraphs').map((sg, si): TfliteSubGraph => {
    const tensors = r.tables(sg, 0, 'tensors').map((t): TfliteTensor => {
      const tensor: TfliteTensor = {
        shape: r.i32Vector(t, 0, 'shape'),
        type: r.fieldI8(t, 1, 'type', 0),
        buffer: r.fieldU32(t, 2, 'buffer', 0),
        name: r.string(t, 3, 'name') ?? '',
        isVariable: r.fieldBool(t, 5, 'is_variable', false),
        hasSparsity: r.field(t, 6, 4, 'sparsity') !== 0,
      };
      const q = r.subTable(t, 4, 'quantization');
      if (q) {
        const sv = r.vector(q, 2, 4, 'scale');
        const scale = new Float32Array(sv ? sv.length : 0);
        if (sv) for (let i = 0; i < sv.length; i++) scale[i] = r.bb.readFloat32(sv.start + 4 * i);
        const zv = r.vector(q, 3, 8, 'zero_point');
        const zeroPoint: bigint[] = [];
        if (zv) for (let i = 0; i < zv.length; i++) zeroPoint.push(r.bb.readInt64(zv.start + 8 * i));
        tensor.quantization = {
          scale,
          zeroPoint,
          quantizedDimension: r.fieldI32(q, 6, 'quantized_dimension', 0),
          hasDetails: r.fieldU8(q, 4, 'details_type', 0) !== 0,
        };
      }
      return tensor;
    });
    const operators = r.tables(sg, 3, 'operators').map((op): TfliteOperator => {
      const optionsType = r.fieldU8(op, 3, 'builtin_options_type', 0);
      return {
        opcodeIndex: r.fieldU32(op, 0, 'opcode_index', 0),
        inputs: r.i32Vector(op, 1, 'inputs'),
        outputs: r.i32Vector(op, 2, 'outputs'),
        intermediates: r.i32Vector(op, 8, 'intermediates'),
        optionsType,
        ...decodeOptions(r, op, optionsType),
        offset: op.pos,
      };
    });
    return {
      tensors,
      inputs: r.i32Vector(sg, 1, 'inputs'),
      outputs: r.i32Vector(sg, 2, 'outputs'),
      operators,
      name: r.string(sg, 4, 'name') ?? `subgraph${si}`,
    };
  });

  return { version, description, operatorCodes, subgraphs, buffers };
}
