/**
 * How an ONNX value (NCHW world) is laid out in its IR tensor (NHWC world), without moving data.
 *
 * A `Layout { split, perm }` says: the IR tensor's elements, in row-major order, are those of
 * `transpose(reshape(onnxValue, split), perm)`; the IR tensor's shape is always
 * `perm.map(p => split[p])` (its canonical shape). Examples:
 *   - identity: split = the ONNX shape, perm = 0..r-1 (the IR holds the value as ONNX does);
 *   - an NCHW activation in NHWC: split [N,C,H,W], perm [0,2,3,1], IR [N,H,W,C];
 *   - an NCL (1-D conv) activation: split [N,C,1,L], perm [0,2,3,1], IR [N,1,L,C];
 *   - Flatten of an NHWC-held [N,C,H,W] to [N,C·H·W]: split stays [N,C,H,W], perm [0,2,3,1]:
 *     the IR keeps its NHWC order, and a FullyConnected that reads it gets its weight columns
 *     permuted instead (no run-time transpose).
 * Layout changes that only relabel (a Transpose or Reshape) are recorded here for free; a
 * change of element order needs an IR Transpose, which the lowering asks for explicitly.
 */

export interface Layout {
  split: number[];
  perm: number[];
}

export function iota(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

export function identityLayout(shape: readonly number[]): Layout {
  return { split: [...shape], perm: iota(shape.length) };
}

/** Channels-last layout of a rank-3 (N,C,L) or rank-4 (N,C,H,W) value. */
export function channelsLastLayout(shape: readonly number[]): Layout {
  if (shape.length === 4) return { split: [...shape], perm: [0, 2, 3, 1] };
  const [n, c, l] = shape as [number, number, number];
  return { split: [n, c, 1, l], perm: [0, 2, 3, 1] };
}

export function irShapeOf(l: Layout): number[] {
  return l.perm.map((p) => l.split[p]!);
}

export function sameLayout(a: Layout, b: Layout): boolean {
  return a.split.length === b.split.length && a.split.every((d, i) => d === b.split[i]) && a.perm.every((p, i) => p === b.perm[i]);
}

export function isIdentityLayout(l: Layout, shape: readonly number[]): boolean {
  return l.split.length === shape.length && l.split.every((d, i) => d === shape[i]) && l.perm.every((p, i) => p === i);
}

/** For every IR element (row-major), the flat index of the ONNX element it holds. */
export function sourceIndex(l: Layout): Int32Array {
  const r = l.split.length;
  const st = new Array<number>(r);
  let acc = 1;
  for (let i = r - 1; i >= 0; i--) {
    st[i] = acc;
    acc *= l.split[i]!;
  }
  const tShape = irShapeOf(l);
  const out = new Int32Array(acc);
  const idx = new Array<number>(r).fill(0);
  for (let o = 0; o < acc; o++) {
    let src = 0;
    for (let i = 0; i < r; i++) src += idx[i]! * st[l.perm[i]!]!;
    out[o] = src;
    for (let i = r - 1; i >= 0; i--) {
      if (++idx[i]! < tShape[i]!) break;
      idx[i] = 0;
    }
  }
  return out;
}

/** True when the layout keeps the ONNX element order (only size-1 axes move). */
export function keepsOrder(l: Layout): boolean {
  let last = -1;
  for (const p of l.perm) {
    if (l.split[p] === 1) continue;
    if (p < last) return false;
    last = p;
  }
  return true;
}

/**
 * The simplest layout with the same element order: size-1 axes dropped, then split axes that
 * stay adjacent and in order in the IR merged. Two layouts of one value order their elements
 * alike exactly when their canonical forms are equal (each merged axis is a maximal run).
 */
export function canonicalLayout(l: Layout): Layout {
  const keep = l.split.map((d, i) => (d === 1 ? -1 : i)).filter((i) => i >= 0);
  let split = keep.map((i) => l.split[i]!);
  let perm = l.perm.filter((p) => l.split[p] !== 1).map((p) => keep.indexOf(p));
  for (let i = 0; i + 1 < perm.length; ) {
    if (perm[i + 1] === perm[i]! + 1) {
      const s = perm[i]!;
      split = [...split.slice(0, s), split[s]! * split[s + 1]!, ...split.slice(s + 2)];
      perm = [...perm.slice(0, i + 1), ...perm.slice(i + 2)].map((p) => (p > s ? p - 1 : p));
    } else i++;
  }
  return { split, perm };
}

/** True when two layouts of the same value put the elements in the same order. */
export function sameOrder(a: Layout, b: Layout): boolean {
  if (sameLayout(a, b)) return true;
  if (keepsOrder(a) && keepsOrder(b)) return true;
  return sameLayout(canonicalLayout(a), canonicalLayout(b));
}

/**
 * Which split axis holds each ONNX axis, when `split` is the ONNX shape with size-1 axes
 * inserted (else undefined). `inserted` lists the split axes that hold no ONNX axis.
 */
export function alignSplit(shape: readonly number[], l: Layout): { axisOf: number[]; inserted: number[] } | undefined {
  const axisOf: number[] = [];
  const inserted: number[] = [];
  let j = 0;
  for (let i = 0; i < l.split.length; i++) {
    if (j < shape.length && l.split[i] === shape[j]) {
      axisOf.push(i);
      j++;
    } else if (l.split[i] === 1) inserted.push(i);
    else return undefined;
  }
  return j === shape.length ? { axisOf, inserted } : undefined;
}

/** The IR axis that holds each ONNX axis, or undefined when the layout does not align. */
export function irAxes(shape: readonly number[], l: Layout): number[] | undefined {
  const a = alignSplit(shape, l);
  return a?.axisOf.map((s) => l.perm.indexOf(s));
}

/** `data` (ONNX order, `count` values) rearranged into the IR order of `l`. */
export function toIrOrder<T extends Float32Array | Float64Array | Int8Array | Int32Array>(data: T, l: Layout): T {
  if (keepsOrder(l)) return data.slice() as T;
  const src = sourceIndex(l);
  const out = new (data.constructor as new (n: number) => T)(data.length);
  for (let i = 0; i < src.length; i++) out[i] = data[src[i]!]!;
  return out;
}

/** `data` in the IR order of `l` rearranged back into ONNX order. */
export function fromIrOrder<T extends Float32Array | Float64Array | Int8Array | Int32Array>(data: T, l: Layout): T {
  if (keepsOrder(l)) return data.slice() as T;
  const src = sourceIndex(l);
  const out = new (data.constructor as new (n: number) => T)(data.length);
  for (let i = 0; i < src.length; i++) out[src[i]!] = data[i]!;
  return out;
}
