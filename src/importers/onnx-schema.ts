/**
 * ONNX protobuf (ModelProto) decoding and encoding, on protobufjs.
 *
 * The messages are declared below as a protobufjs JSON descriptor with the field numbers of
 * the official onnx.proto (github.com/onnx/onnx, onnx/onnx.proto; protobuf field numbers are
 * frozen, so one descriptor reads every IR version). Only what an importer reads is declared:
 * protobufjs skips unknown fields (training info, functions, metadata) as protobuf requires.
 *
 * Contract:
 * - `looksLikeOnnx(bytes)` never throws and never reads beyond `bytes`; it accepts a buffer
 *   only when its first field is ir_version (every protobuf serializer writes fields in
 *   field-number order, and ir_version MUST be present) with a plausible value, and the
 *   top-level fields parse as protobuf up to the end or a truncation, including the graph
 *   (field 7) unless the file is cut before it. TFLite (a little-endian uint32 root offset),
 *   HDF5 (0x89 'HDF'), zip (.keras) and JSON ('{') all fail the first check.
 * - `decodeOnnxModel(bytes, file)` returns plain objects (int64 values as numbers) or throws
 *   a ModelFormatError naming the file; protobufjs' own reader is bounds-checked (every length
 *   is checked against the buffer end), so a corrupt file ends in an error, never a hang.
 * - `encodeOnnxModel(model)` writes a ModelProto (used by tests to build models in code).
 */
import protobuf from 'protobufjs';
import { ModelFormatError } from '../errors.js';

/** TensorProto.DataType values. */
export const OnnxDataType = {
  UNDEFINED: 0,
  FLOAT: 1,
  UINT8: 2,
  INT8: 3,
  UINT16: 4,
  INT16: 5,
  INT32: 6,
  INT64: 7,
  STRING: 8,
  BOOL: 9,
  FLOAT16: 10,
  DOUBLE: 11,
  UINT32: 12,
  UINT64: 13,
  COMPLEX64: 14,
  COMPLEX128: 15,
  BFLOAT16: 16,
} as const;

export const ONNX_DATA_TYPE_NAMES: Record<number, string> = Object.fromEntries(Object.entries(OnnxDataType).map(([k, v]) => [v, k]));
Object.assign(ONNX_DATA_TYPE_NAMES, { 17: 'FLOAT8E4M3FN', 18: 'FLOAT8E4M3FNUZ', 19: 'FLOAT8E5M2', 20: 'FLOAT8E5M2FNUZ', 21: 'UINT4', 22: 'INT4', 23: 'FLOAT4E2M1' });

/** AttributeProto.AttributeType values. */
export const OnnxAttributeType = {
  UNDEFINED: 0,
  FLOAT: 1,
  INT: 2,
  STRING: 3,
  TENSOR: 4,
  GRAPH: 5,
  FLOATS: 6,
  INTS: 7,
  STRINGS: 8,
  TENSORS: 9,
  GRAPHS: 10,
  SPARSE_TENSOR: 11,
  SPARSE_TENSORS: 12,
} as const;

export interface OnnxStringEntry {
  key: string;
  value: string;
}

export interface OnnxTensorProto {
  name: string;
  dims: number[];
  dataType: number;
  rawData: Uint8Array;
  floatData: number[];
  int32Data: number[];
  int64Data: number[];
  doubleData: number[];
  uint64Data: number[];
  stringData: Uint8Array[];
  externalData: OnnxStringEntry[];
  /** 0 DEFAULT, 1 EXTERNAL. */
  dataLocation: number;
  hasSegment: boolean;
}

export interface OnnxAttribute {
  name: string;
  refAttrName: string;
  type: number;
  f: number;
  i: number;
  s: Uint8Array;
  t: OnnxTensorProto | null;
  g: OnnxGraphProto | null;
  floats: number[];
  ints: number[];
  strings: Uint8Array[];
  tensors: OnnxTensorProto[];
  graphs: OnnxGraphProto[];
  hasSparse: boolean;
}

export interface OnnxNodeProto {
  input: string[];
  output: string[];
  name: string;
  opType: string;
  domain: string;
  attribute: OnnxAttribute[];
}

export interface OnnxDim {
  /** A fixed size, or undefined for a symbolic (dim_param) or absent size. */
  value: number | undefined;
  param: string;
}

export interface OnnxValueInfo {
  name: string;
  /** TensorProto.DataType of a tensor type; undefined for sequence/map/optional types. */
  elemType: number | undefined;
  /** Undefined when the type carries no shape (rank unknown). */
  shape: OnnxDim[] | undefined;
}

export interface OnnxGraphProto {
  name: string;
  node: OnnxNodeProto[];
  initializer: OnnxTensorProto[];
  sparseInitializer: number;
  input: OnnxValueInfo[];
  output: OnnxValueInfo[];
  valueInfo: OnnxValueInfo[];
}

export interface OnnxOpsetId {
  domain: string;
  version: number;
}

export interface OnnxModelProto {
  irVersion: number;
  opsetImport: OnnxOpsetId[];
  producerName: string;
  producerVersion: string;
  graph: OnnxGraphProto | null;
}

const int64 = (id: number) => ({ type: 'int64', id });
const str = (id: number) => ({ type: 'string', id });
const rep = (type: string, id: number, packed?: boolean) => ({ rule: 'repeated', type, id, ...(packed ? { options: { packed: true } } : {}) });

/** Field numbers from the official onnx.proto (IR version 10); names in protobufjs camelCase. */
const DESCRIPTOR = {
  nested: {
    onnx: {
      nested: {
        StringStringEntryProto: { fields: { key: str(1), value: str(2) } },
        OperatorSetIdProto: { fields: { domain: str(1), version: int64(2) } },
        TensorProto: {
          fields: {
            dims: rep('int64', 1),
            dataType: { type: 'int32', id: 2 },
            segment: { type: 'Segment', id: 3 },
            floatData: rep('float', 4, true),
            int32Data: rep('int32', 5, true),
            stringData: rep('bytes', 6),
            int64Data: rep('int64', 7, true),
            name: str(8),
            rawData: { type: 'bytes', id: 9 },
            doubleData: rep('double', 10, true),
            uint64Data: rep('uint64', 11, true),
            docString: str(12),
            externalData: rep('StringStringEntryProto', 13),
            dataLocation: { type: 'int32', id: 14 },
          },
          nested: { Segment: { fields: { begin: int64(1), end: int64(2) } } },
        },
        SparseTensorProto: { fields: { values: { type: 'TensorProto', id: 1 }, indices: { type: 'TensorProto', id: 2 }, dims: rep('int64', 3) } },
        TensorShapeProto: {
          fields: { dim: rep('Dimension', 1) },
          nested: {
            Dimension: {
              oneofs: { value: { oneof: ['dimValue', 'dimParam'] } },
              fields: { dimValue: int64(1), dimParam: str(2), denotation: str(3) },
            },
          },
        },
        TypeProto: {
          oneofs: { value: { oneof: ['tensorType', 'sequenceType', 'mapType', 'optionalType', 'sparseTensorType'] } },
          fields: {
            tensorType: { type: 'Tensor', id: 1 },
            sequenceType: { type: 'Sequence', id: 4 },
            mapType: { type: 'Map', id: 5 },
            denotation: str(6),
            sparseTensorType: { type: 'Tensor', id: 8 },
            optionalType: { type: 'Sequence', id: 9 },
          },
          nested: {
            Tensor: { fields: { elemType: { type: 'int32', id: 1 }, shape: { type: 'TensorShapeProto', id: 2 } } },
            Sequence: { fields: { elemType: { type: 'TypeProto', id: 1 } } },
            Map: { fields: { keyType: { type: 'int32', id: 1 }, valueType: { type: 'TypeProto', id: 2 } } },
          },
        },
        ValueInfoProto: { fields: { name: str(1), type: { type: 'TypeProto', id: 2 }, docString: str(3) } },
        AttributeProto: {
          fields: {
            name: str(1),
            f: { type: 'float', id: 2 },
            i: int64(3),
            s: { type: 'bytes', id: 4 },
            t: { type: 'TensorProto', id: 5 },
            g: { type: 'GraphProto', id: 6 },
            floats: rep('float', 7),
            ints: rep('int64', 8),
            strings: rep('bytes', 9),
            tensors: rep('TensorProto', 10),
            graphs: rep('GraphProto', 11),
            docString: str(13),
            type: { type: 'int32', id: 20 },
            refAttrName: str(21),
            sparseTensor: { type: 'SparseTensorProto', id: 22 },
            sparseTensors: rep('SparseTensorProto', 23),
          },
        },
        NodeProto: {
          fields: {
            input: rep('string', 1),
            output: rep('string', 2),
            name: str(3),
            opType: str(4),
            attribute: rep('AttributeProto', 5),
            docString: str(6),
            domain: str(7),
          },
        },
        GraphProto: {
          fields: {
            node: rep('NodeProto', 1),
            name: str(2),
            initializer: rep('TensorProto', 5),
            docString: str(10),
            input: rep('ValueInfoProto', 11),
            output: rep('ValueInfoProto', 12),
            valueInfo: rep('ValueInfoProto', 13),
            sparseInitializer: rep('SparseTensorProto', 15),
          },
        },
        ModelProto: {
          fields: {
            irVersion: int64(1),
            producerName: str(2),
            producerVersion: str(3),
            domain: str(4),
            modelVersion: int64(5),
            docString: str(6),
            graph: { type: 'GraphProto', id: 7 },
            opsetImport: rep('OperatorSetIdProto', 8),
          },
        },
      },
    },
  },
};

let root: protobuf.Root | undefined;
function types(): { model: protobuf.Type; tensor: protobuf.Type } {
  root ??= protobuf.Root.fromJSON(DESCRIPTOR);
  return { model: root.lookupType('onnx.ModelProto'), tensor: root.lookupType('onnx.TensorProto') };
}

/* ---------- detection: a minimal protobuf wire walk that cannot throw ---------- */

/** Reads a varint at `pos`; returns [value, next] or undefined when malformed or cut. */
function varint(b: Uint8Array, pos: number): [number, number] | undefined {
  let v = 0;
  let mul = 1;
  for (let i = 0; i < 10; i++) {
    if (pos >= b.length) return undefined;
    const byte = b[pos++]!;
    v += (byte & 0x7f) * mul;
    mul *= 128;
    if ((byte & 0x80) === 0) return [v, pos];
  }
  return undefined;
}

export function looksLikeOnnx(b: Uint8Array): boolean {
  if (b.length < 2 || b[0] !== 0x08) return false;
  const ir = varint(b, 1);
  // IR versions in use run 1..11; leave room for future ones, never for arbitrary bytes.
  if (!ir || ir[0] < 1 || ir[0] > 64) return false;
  let pos = ir[1];
  let sawGraph = false;
  let prevField = 1;
  while (pos < b.length) {
    const tag = varint(b, pos);
    if (!tag) return false;
    const field = Math.floor(tag[0] / 8);
    const wire = tag[0] % 8;
    // ModelProto's fields are numbered 1..30 or so; protobuf writes them in increasing order
    // (a repeated field repeats its number).
    if (field < 1 || field > 64 || field < prevField) return false;
    prevField = field;
    pos = tag[1];
    if (wire === 0) {
      const v = varint(b, pos);
      if (!v) return pos >= b.length - 10; // cut inside a varint near the end
      pos = v[1];
    } else if (wire === 2) {
      const len = varint(b, pos);
      if (!len) return false;
      if (field === 7) sawGraph = true;
      if (len[1] + len[0] > b.length) return sawGraph || field < 7; // truncated file: still ONNX
      pos = len[1] + len[0];
    } else if (wire === 1) pos += 8;
    else if (wire === 5) pos += 4;
    else return false;
  }
  return sawGraph;
}

/* ---------- decoding ---------- */

type Obj = Record<string, unknown>;

function arr<T>(v: unknown, f: (x: unknown) => T): T[] {
  return Array.isArray(v) ? v.map(f) : [];
}
function n(v: unknown): number {
  return typeof v === 'number' ? v : Number(v ?? 0);
}
function s(v: unknown): string {
  return typeof v === 'string' ? v : '';
}
function bytes(v: unknown): Uint8Array {
  return v instanceof Uint8Array ? v : new Uint8Array(0);
}

function tensorOf(o: Obj): OnnxTensorProto {
  return {
    name: s(o['name']),
    dims: arr(o['dims'], n),
    dataType: n(o['dataType']),
    rawData: bytes(o['rawData']),
    floatData: arr(o['floatData'], n),
    int32Data: arr(o['int32Data'], n),
    int64Data: arr(o['int64Data'], n),
    doubleData: arr(o['doubleData'], n),
    uint64Data: arr(o['uint64Data'], n),
    stringData: arr(o['stringData'], bytes),
    externalData: arr(o['externalData'], (e) => ({ key: s((e as Obj)['key']), value: s((e as Obj)['value']) })),
    dataLocation: n(o['dataLocation']),
    hasSegment: o['segment'] !== undefined && o['segment'] !== null,
  };
}

function valueInfoOf(o: Obj): OnnxValueInfo {
  const type = o['type'] as Obj | undefined;
  const tt = type?.['tensorType'] as Obj | undefined;
  const shape = tt?.['shape'] as Obj | undefined;
  return {
    name: s(o['name']),
    elemType: tt ? n(tt['elemType']) : undefined,
    shape: shape
      ? arr(shape['dim'], (d) => {
          const dim = d as Obj;
          const has = dim['dimValue'] !== undefined && dim['dimValue'] !== null && dim['value'] === 'dimValue';
          return { value: has ? n(dim['dimValue']) : undefined, param: s(dim['dimParam']) };
        })
      : undefined,
  };
}

function attributeOf(o: Obj): OnnxAttribute {
  return {
    name: s(o['name']),
    refAttrName: s(o['refAttrName']),
    type: n(o['type']),
    f: n(o['f']),
    i: n(o['i']),
    s: bytes(o['s']),
    t: o['t'] ? tensorOf(o['t'] as Obj) : null,
    g: o['g'] ? graphOf(o['g'] as Obj) : null,
    floats: arr(o['floats'], n),
    ints: arr(o['ints'], n),
    strings: arr(o['strings'], bytes),
    tensors: arr(o['tensors'], (t) => tensorOf(t as Obj)),
    graphs: arr(o['graphs'], (g) => graphOf(g as Obj)),
    hasSparse: !!o['sparseTensor'] || (Array.isArray(o['sparseTensors']) && o['sparseTensors'].length > 0),
  };
}

function graphOf(o: Obj): OnnxGraphProto {
  return {
    name: s(o['name']),
    node: arr(o['node'], (x) => {
      const nd = x as Obj;
      return {
        input: arr(nd['input'], s),
        output: arr(nd['output'], s),
        name: s(nd['name']),
        opType: s(nd['opType']),
        domain: s(nd['domain']),
        attribute: arr(nd['attribute'], (a) => attributeOf(a as Obj)),
      };
    }),
    initializer: arr(o['initializer'], (t) => tensorOf(t as Obj)),
    sparseInitializer: Array.isArray(o['sparseInitializer']) ? o['sparseInitializer'].length : 0,
    input: arr(o['input'], (v) => valueInfoOf(v as Obj)),
    output: arr(o['output'], (v) => valueInfoOf(v as Obj)),
    valueInfo: arr(o['valueInfo'], (v) => valueInfoOf(v as Obj)),
  };
}

const TO_OBJECT: protobuf.IConversionOptions = { longs: Number, oneofs: true };

export function decodeOnnxModel(b: Uint8Array, file: string): OnnxModelProto {
  const { model } = types();
  let o: Obj;
  try {
    o = model.toObject(model.decode(b), TO_OBJECT) as Obj;
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    // protobufjs reports "index out of range: 1234 + 56 > 1250" for truncation.
    const at = /index out of range: (\d+)/.exec(msg);
    throw new ModelFormatError(file, `corrupt or truncated ONNX protobuf (${msg})`, at ? Number(at[1]) : undefined, 'Re-export the model; check the download is complete.');
  }
  return {
    irVersion: n(o['irVersion']),
    opsetImport: arr(o['opsetImport'], (x) => ({ domain: s((x as Obj)['domain']), version: n((x as Obj)['version']) })),
    producerName: s(o['producerName']),
    producerVersion: s(o['producerVersion']),
    graph: o['graph'] ? graphOf(o['graph'] as Obj) : null,
  };
}

/** Decodes one serialized TensorProto (the backend tests' input_N.pb / output_N.pb files). */
export function decodeOnnxTensor(b: Uint8Array, file: string): OnnxTensorProto {
  const { tensor } = types();
  try {
    return tensorOf(tensor.toObject(tensor.decode(b), TO_OBJECT) as Obj);
  } catch (err) {
    throw new ModelFormatError(file, `corrupt ONNX TensorProto (${err instanceof Error ? err.message : String(err)})`);
  }
}

/* ---------- encoding (tests build models in code with it) ---------- */

/** A ModelProto as plain data, in the descriptor's camelCase field names. */
export type OnnxModelInit = Record<string, unknown>;

export function encodeOnnxModel(m: OnnxModelInit): Uint8Array {
  const { model } = types();
  return model.encode(model.fromObject(m)).finish();
}

export function encodeOnnxTensor(t: Record<string, unknown>): Uint8Array {
  const { tensor } = types();
  return tensor.encode(tensor.fromObject(t)).finish();
}
