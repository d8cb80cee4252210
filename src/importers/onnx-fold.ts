/**
 * A small constant folder over ONNX nodes with static shapes.
 *
 * PyTorch exports `x.view(x.size(0), -1)` as Shape → Gather → Unsqueeze → Concat → Reshape,
 * and similar index arithmetic around `flatten`, `chunk` or `mean`. With every activation
 * shape known (batch 1, fixed input sizes), all of it is constant: `foldNode` evaluates a node
 * whose data inputs are constants (Shape and Size need only their input's shape) and returns
 * its outputs, or undefined when the op is not one it folds. The lowering then sees a plain
 * Reshape with a constant target.
 *
 * Folded ops: Constant, Identity, Cast, Shape, Size, Gather, Unsqueeze, Squeeze, Concat,
 * Reshape, Flatten, ConstantOfShape, Slice, Add, Sub, Mul, Div, Neg, Transpose, Range, Equal,
 * Where, Expand, Floor, Ceil, Sqrt, Min, Max (numpy broadcasting; float math in float32,
 * integer Div truncates as ONNX Runtime does). Errors are TinymlErrors naming the node.
 */
import { ModelFormatError } from '../errors.js';
import { OnnxAttributeType, OnnxDataType, type OnnxAttribute, type OnnxNodeProto } from './onnx-schema.js';
import { elementCountChecked, readTensor, type OnnxConst } from './onnx-tensors.js';
import { broadcastShapes } from '../ir/shapes.js';

/* ---------- node attributes ---------- */

export class NodeAttrs {
  private readonly map: Map<string, OnnxAttribute>;
  constructor(
    readonly node: OnnxNodeProto,
    readonly file: string,
  ) {
    this.map = new Map(node.attribute.map((a) => [a.name, a]));
  }
  has(name: string): boolean {
    return this.map.has(name);
  }
  private bad(name: string, what: string): never {
    throw new ModelFormatError(this.file, `node '${this.node.name}' (${this.node.opType}): attribute ${name} ${what}`);
  }
  int(name: string, dflt: number): number;
  int(name: string): number | undefined;
  int(name: string, dflt?: number): number | undefined {
    const a = this.map.get(name);
    if (!a) return dflt;
    if (a.type !== OnnxAttributeType.INT && a.type !== 0) this.bad(name, 'is not an integer');
    return a.i;
  }
  float(name: string, dflt: number): number {
    const a = this.map.get(name);
    if (!a) return dflt;
    if (a.type !== OnnxAttributeType.FLOAT && a.type !== 0) this.bad(name, 'is not a float');
    return a.f;
  }
  ints(name: string): number[] | undefined {
    const a = this.map.get(name);
    if (!a) return undefined;
    if (a.type !== OnnxAttributeType.INTS && a.type !== 0) this.bad(name, 'is not a list of integers');
    return a.ints;
  }
  floats(name: string): number[] | undefined {
    const a = this.map.get(name);
    if (!a) return undefined;
    if (a.type !== OnnxAttributeType.FLOATS && a.type !== 0) this.bad(name, 'is not a list of floats');
    return a.floats;
  }
  string(name: string, dflt: string): string {
    const a = this.map.get(name);
    if (!a) return dflt;
    if (a.type !== OnnxAttributeType.STRING && a.type !== 0) this.bad(name, 'is not a string');
    return Buffer.from(a.s).toString('utf8');
  }
  tensor(name: string): OnnxConst | undefined {
    const a = this.map.get(name);
    if (!a) return undefined;
    if (!a.t) this.bad(name, 'holds no tensor');
    return readTensor(a.t!, this.file);
  }
  names(): string[] {
    return [...this.map.keys()];
  }
}

/* ---------- helpers on constants ---------- */

export function constOf(type: number, shape: number[], values: ArrayLike<number>): OnnxConst {
  const isF32 = type === OnnxDataType.FLOAT || type === OnnxDataType.FLOAT16 || type === OnnxDataType.BFLOAT16;
  return { type, shape, data: isF32 ? Float32Array.from(values) : Float64Array.from(values) };
}

export function scalarOf(c: OnnxConst): number {
  if (c.data.length !== 1) throw new RangeError(`expected a scalar, got shape [${c.shape.join(',')}]`);
  return c.data[0]!;
}

export function strides(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i]!;
  }
  return s;
}

export { broadcastShapes as broadcastShape };

/** The values of `c` broadcast (numpy rules) to `shape`, in row-major order of `shape`. */
export function broadcastValues(c: OnnxConst, shape: readonly number[]): Float64Array {
  const n = shape.length;
  const cs = [...new Array<number>(Math.max(0, n - c.shape.length)).fill(1), ...c.shape];
  const st = strides(cs);
  let count = 1;
  for (const d of shape) count *= d;
  const out = new Float64Array(count);
  const idx = new Array<number>(n).fill(0);
  for (let o = 0; o < count; o++) {
    let src = 0;
    for (let i = 0; i < n; i++) if (cs[i] !== 1) src += idx[i]! * st[i]!;
    out[o] = c.data[src]!;
    for (let i = n - 1; i >= 0; i--) {
      if (++idx[i]! < shape[i]!) break;
      idx[i] = 0;
    }
  }
  return out;
}

export function transposeValues(data: ArrayLike<number>, shape: readonly number[], perm: readonly number[]): { data: Float64Array; shape: number[] } {
  const outShape = perm.map((p) => shape[p]!);
  const st = strides(shape);
  const out = new Float64Array(data.length);
  const idx = new Array<number>(perm.length).fill(0);
  for (let o = 0; o < out.length; o++) {
    let src = 0;
    for (let i = 0; i < perm.length; i++) src += idx[i]! * st[perm[i]!]!;
    out[o] = data[src]!;
    for (let i = perm.length - 1; i >= 0; i--) {
      if (++idx[i]! < outShape[i]!) break;
      idx[i] = 0;
    }
  }
  return { data: out, shape: outShape };
}

export function normAxis(axis: number, rank: number): number | undefined {
  const a = axis < 0 ? axis + rank : axis;
  return Number.isInteger(a) && a >= 0 && a < rank ? a : undefined;
}

/** Reshape target of ONNX Reshape: 0 copies the input dimension (unless allowzero), -1 is inferred. */
export function reshapeTarget(inShape: readonly number[], target: readonly number[], allowZero: boolean): number[] | undefined {
  const out = target.map((d, i) => (d === 0 && !allowZero ? inShape[i] : d));
  if (out.some((d) => d === undefined || !Number.isInteger(d) || d < -1)) return undefined;
  const total = inShape.reduce((p, d) => p * d, 1);
  const unknown = out.filter((d) => d === -1).length;
  const known = (out as number[]).filter((d) => d !== -1).reduce((p, d) => p * d, 1);
  if (unknown > 1) return undefined;
  if (unknown === 1) {
    if (known === 0 || total % known !== 0) return undefined;
    return (out as number[]).map((d) => (d === -1 ? total / known : d));
  }
  return known === total ? (out as number[]) : undefined;
}

/* ---------- folding ---------- */

export interface FoldInput {
  /** Constant value of the input, when known. */
  value: OnnxConst | undefined;
  /** Static shape of the input (known for activations and constants alike). */
  shape: number[] | undefined;
}

/** Ops `foldNode` evaluates (given constant inputs). */
export const FOLDABLE_OPS = new Set([
  'Constant',
  'Identity',
  'Cast',
  'Shape',
  'Size',
  'Gather',
  'Unsqueeze',
  'Squeeze',
  'Concat',
  'Reshape',
  'Flatten',
  'ConstantOfShape',
  'Slice',
  'Add',
  'Sub',
  'Mul',
  'Div',
  'Neg',
  'Transpose',
  'Range',
  'Equal',
  'Where',
  'Expand',
  'Floor',
  'Ceil',
  'Sqrt',
  'Min',
  'Max',
]);

/** Ops that fold with only the input's shape known. */
export const SHAPE_ONLY_OPS = new Set(['Shape', 'Size']);

const I64 = OnnxDataType.INT64;

function intList(c: OnnxConst | undefined): number[] | undefined {
  return c ? Array.from(c.data) : undefined;
}

/** Outputs of `node` from constant inputs, or undefined when some data input is not constant. */
export function foldNode(node: OnnxNodeProto, ins: FoldInput[], opset: number, file: string): OnnxConst[] | undefined {
  const at = new NodeAttrs(node, file);
  const bad = (what: string): never => {
    throw new ModelFormatError(file, `node '${node.name}' (${node.opType}): ${what}`);
  };
  const op = node.opType;
  if (op === 'Constant') {
    const t = at.tensor('value');
    if (t) return [t];
    if (at.has('value_float')) return [constOf(OnnxDataType.FLOAT, [], [at.float('value_float', 0)])];
    if (at.has('value_floats')) {
      const v = at.floats('value_floats')!;
      return [constOf(OnnxDataType.FLOAT, [v.length], v)];
    }
    if (at.has('value_int')) return [constOf(I64, [], [at.int('value_int', 0)])];
    if (at.has('value_ints')) {
      const v = at.ints('value_ints')!;
      return [constOf(I64, [v.length], v)];
    }
    return bad('has no value (sparse and string constants are not supported)');
  }
  if (SHAPE_ONLY_OPS.has(op)) {
    const s = ins[0]?.shape;
    if (!s) return undefined;
    if (op === 'Size') return [constOf(I64, [], [s.reduce((p, d) => p * d, 1)])];
    const r = s.length;
    const clampAxis = (a: number) => Math.min(r, Math.max(0, a < 0 ? a + r : a));
    const start = clampAxis(at.int('start', 0));
    const end = clampAxis(at.int('end') ?? r);
    const dims = s.slice(start, Math.max(start, end));
    return [constOf(I64, [dims.length], dims)];
  }
  // Every other op needs its (present) inputs constant.
  const present = node.input.map((n, i) => (n === '' ? undefined : ins[i]));
  if (present.some((p) => p !== undefined && p.value === undefined)) return undefined;
  const v = (k: number): OnnxConst | undefined => present[k]?.value;
  const x = v(0);

  switch (op) {
    case 'Identity':
      return [x!];
    case 'Cast': {
      const to = at.int('to', OnnxDataType.FLOAT);
      const isInt = ![OnnxDataType.FLOAT, OnnxDataType.FLOAT16, OnnxDataType.BFLOAT16, OnnxDataType.DOUBLE].includes(to as 1);
      const vals = Array.from(x!.data, (d) => (to === OnnxDataType.BOOL ? (d !== 0 ? 1 : 0) : isInt ? Math.trunc(d) : d));
      return [constOf(to, [...x!.shape], vals)];
    }
    case 'Gather': {
      const idx = v(1)!;
      const r = x!.shape.length;
      const axis = normAxis(at.int('axis', 0), r) ?? bad(`axis out of range for rank ${r}`);
      const dim = x!.shape[axis]!;
      const outer = x!.shape.slice(0, axis).reduce((p, d) => p * d, 1);
      const inner = x!.shape.slice(axis + 1).reduce((p, d) => p * d, 1);
      const ids = Array.from(idx.data, (i) => {
        const j = i < 0 ? i + dim : i;
        if (!(j >= 0 && j < dim)) bad(`index ${i} out of range for dimension ${dim}`);
        return j;
      });
      const out: number[] = [];
      for (let o = 0; o < outer; o++) for (const j of ids) for (let k = 0; k < inner; k++) out.push(x!.data[(o * dim + j) * inner + k]!);
      return [constOf(x!.type, [...x!.shape.slice(0, axis), ...idx.shape, ...x!.shape.slice(axis + 1)], out)];
    }
    case 'Unsqueeze':
    case 'Squeeze': {
      const axes = opset >= 13 ? intList(v(1)) : at.ints('axes');
      const shape = squeezeShape(op, x!.shape, axes) ?? bad(`axes [${axes?.join(',')}] do not fit shape [${x!.shape.join(',')}]`);
      return [{ ...x!, shape }];
    }
    case 'Concat': {
      const parts = present.filter((p) => p !== undefined).map((p) => p.value!);
      const r = parts[0]!.shape.length;
      const axis = normAxis(at.int('axis', 0), r) ?? bad(`axis out of range for rank ${r}`);
      const outShape = [...parts[0]!.shape];
      outShape[axis] = parts.reduce((s, p) => s + (p.shape[axis] ?? 0), 0);
      for (const p of parts) if (p.shape.length !== r || p.shape.some((d, i) => i !== axis && d !== outShape[i])) bad('input shapes differ off the concatenation axis');
      const outer = outShape.slice(0, axis).reduce((p, d) => p * d, 1);
      const out: number[] = [];
      for (let o = 0; o < outer; o++) {
        for (const p of parts) {
          const blk = p.shape.slice(axis).reduce((q, d) => q * d, 1);
          for (let k = 0; k < blk; k++) out.push(p.data[o * blk + k]!);
        }
      }
      return [constOf(parts[0]!.type, outShape, out)];
    }
    case 'Reshape': {
      const target = opset >= 5 ? intList(v(1)) : at.ints('shape');
      const shape = reshapeTarget(x!.shape, target ?? [], at.int('allowzero', 0) === 1) ?? bad(`cannot reshape [${x!.shape.join(',')}] to [${target?.join(',')}]`);
      return [{ ...x!, shape }];
    }
    case 'Flatten': {
      const r = x!.shape.length;
      let axis = at.int('axis', 1);
      if (axis < 0) axis += r;
      if (axis < 0 || axis > r) bad(`axis out of range for rank ${r}`);
      const a = x!.shape.slice(0, axis).reduce((p, d) => p * d, 1);
      return [{ ...x!, shape: [a, x!.data.length / Math.max(1, a)] }];
    }
    case 'ConstantOfShape': {
      const shape = Array.from(x!.data);
      const count = elementCountChecked(shape, file, `ConstantOfShape '${node.name}' output`);
      const val = at.tensor('value');
      const fill = val ? val.data[0] ?? 0 : 0;
      return [constOf(val?.type ?? OnnxDataType.FLOAT, shape, new Float64Array(count).fill(fill))];
    }
    case 'Slice':
      return [sliceConst(node, at, x!, opset >= 10 ? { starts: intList(v(1)), ends: intList(v(2)), axes: intList(v(3)), steps: intList(v(4)) } : { starts: at.ints('starts'), ends: at.ints('ends'), axes: at.ints('axes'), steps: undefined }, bad)];
    case 'Transpose': {
      const r = x!.shape.length;
      const perm = at.ints('perm') ?? [...Array(r).keys()].reverse();
      const t = transposeValues(x!.data, x!.shape, perm);
      return [constOf(x!.type, t.shape, t.data)];
    }
    case 'Range': {
      const [s, l, d] = [scalarOf(v(0)!), scalarOf(v(1)!), scalarOf(v(2)!)];
      const n = Math.max(0, Math.ceil((l - s) / d));
      if (!(n <= 1 << 24)) bad(`Range of ${n} values`);
      return [constOf(v(0)!.type, [n], Array.from({ length: n }, (_, i) => s + i * d))];
    }
    case 'Expand': {
      const shape = broadcastShapes(x!.shape, intList(v(1))!) ?? bad('shapes do not broadcast');
      elementCountChecked(shape, file, `Expand '${node.name}' output`);
      return [constOf(x!.type, shape, broadcastValues(x!, shape))];
    }
    case 'Where': {
      const [c, a, b] = [v(0)!, v(1)!, v(2)!];
      const shape = broadcastShapes(broadcastShapes(c.shape, a.shape) ?? bad('shapes do not broadcast'), b.shape) ?? bad('shapes do not broadcast');
      const [cv, av, bv] = [broadcastValues(c, shape), broadcastValues(a, shape), broadcastValues(b, shape)];
      return [constOf(a.type, shape, cv.map((q, i) => (q ? av[i]! : bv[i]!)))];
    }
    case 'Neg':
    case 'Floor':
    case 'Ceil':
    case 'Sqrt': {
      const f = op === 'Neg' ? (d: number) => -d : op === 'Floor' ? Math.floor : op === 'Ceil' ? Math.ceil : Math.sqrt;
      return [constOf(x!.type, [...x!.shape], Array.from(x!.data, f))];
    }
    case 'Add':
    case 'Sub':
    case 'Mul':
    case 'Div':
    case 'Equal':
    case 'Min':
    case 'Max': {
      const parts = present.filter((p) => p !== undefined).map((p) => p.value!);
      if (parts.length === 1) return [parts[0]!];
      let acc = parts[0]!;
      for (const b of parts.slice(1)) acc = binary(op, acc, b, bad);
      return [acc];
    }
    default:
      return undefined;
  }
}

function binary(op: string, a: OnnxConst, b: OnnxConst, bad: (w: string) => never): OnnxConst {
  const shape = broadcastShapes(a.shape, b.shape) ?? bad(`shapes [${a.shape.join(',')}] and [${b.shape.join(',')}] do not broadcast`);
  const [av, bv] = [broadcastValues(a, shape), broadcastValues(b, shape)];
  const isFloat = a.data instanceof Float32Array || a.type === OnnxDataType.DOUBLE;
  const r = (d: number) => (a.data instanceof Float32Array ? Math.fround(d) : d);
  const f = (x: number, y: number): number => {
    switch (op) {
      case 'Add':
        return r(x + y);
      case 'Sub':
        return r(x - y);
      case 'Mul':
        return r(x * y);
      case 'Div':
        return isFloat ? r(x / y) : y === 0 ? bad('integer division by zero') : Math.trunc(x / y);
      case 'Equal':
        return x === y ? 1 : 0;
      case 'Min':
        return Math.min(x, y);
      default:
        return Math.max(x, y);
    }
  };
  return constOf(op === 'Equal' ? OnnxDataType.BOOL : a.type, shape, Array.from(av, (x, i) => f(x, bv[i]!)));
}

/** Output shape of Squeeze/Unsqueeze, or undefined when the axes do not fit. */
export function squeezeShape(op: 'Squeeze' | 'Unsqueeze', shape: readonly number[], axes: number[] | undefined): number[] | undefined {
  if (op === 'Squeeze') {
    const r = shape.length;
    const ax = axes ? axes.map((a) => normAxis(a, r)) : shape.map((d, i) => (d === 1 ? i : -1)).filter((i) => i >= 0);
    if (ax.some((a) => a === undefined || shape[a] !== 1)) return undefined;
    return shape.filter((_, i) => !ax.includes(i));
  }
  if (!axes) return undefined;
  const r = shape.length + axes.length;
  const ax = axes.map((a) => normAxis(a, r));
  if (ax.some((a) => a === undefined) || new Set(ax).size !== ax.length) return undefined;
  const out: number[] = [];
  let j = 0;
  for (let i = 0; i < r; i++) out.push(ax.includes(i) ? 1 : shape[j++]!);
  return out;
}

export interface SliceSpec {
  starts: number[] | undefined;
  ends: number[] | undefined;
  axes: number[] | undefined;
  steps: number[] | undefined;
}

/** Per-axis [start, step, count] of an ONNX Slice (clamped as the spec says). */
export function sliceRanges(shape: readonly number[], spec: SliceSpec): { start: number; step: number; count: number }[] | undefined {
  const r = shape.length;
  const { starts, ends } = spec;
  if (!starts || !ends || starts.length !== ends.length) return undefined;
  const axes = spec.axes ?? starts.map((_, i) => i);
  const steps = spec.steps ?? starts.map(() => 1);
  const out = shape.map((d) => ({ start: 0, step: 1, count: d }));
  for (let k = 0; k < starts.length; k++) {
    const a = normAxis(axes[k]!, r);
    const step = steps[k]!;
    if (a === undefined || !step) return undefined;
    const d = shape[a]!;
    let s = starts[k]!;
    let e = ends[k]!;
    if (s < 0) s += d;
    if (e < 0) e += d;
    if (step > 0) {
      s = Math.min(Math.max(s, 0), d);
      e = Math.min(Math.max(e, 0), d);
      out[a] = { start: s, step, count: Math.max(0, Math.ceil((e - s) / step)) };
    } else {
      s = Math.min(Math.max(s, -1), d - 1);
      e = Math.min(Math.max(e, -1), d - 1);
      out[a] = { start: s, step, count: Math.max(0, Math.ceil((e - s) / step)) };
    }
  }
  return out;
}

function sliceConst(node: OnnxNodeProto, _at: NodeAttrs, x: OnnxConst, spec: SliceSpec, bad: (w: string) => never): OnnxConst {
  const ranges = sliceRanges(x.shape, spec) ?? bad(`slice [${spec.starts?.join(',')}]:[${spec.ends?.join(',')}] does not fit shape [${x.shape.join(',')}]`);
  const shape = ranges.map((r) => r.count);
  const st = strides(x.shape);
  const count = shape.reduce((p, d) => p * d, 1);
  const out = new Float64Array(count);
  const idx = new Array<number>(shape.length).fill(0);
  for (let o = 0; o < count; o++) {
    let src = 0;
    for (let i = 0; i < shape.length; i++) src += (ranges[i]!.start + idx[i]! * ranges[i]!.step) * st[i]!;
    out[o] = x.data[src]!;
    for (let i = shape.length - 1; i >= 0; i--) {
      if (++idx[i]! < shape[i]!) break;
      idx[i] = 0;
    }
  }
  void node;
  return constOf(x.type, shape, out);
}
