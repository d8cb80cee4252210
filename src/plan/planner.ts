/**
 * Memory planning: where each activation tensor lives inside the one static arena.
 *
 * Algorithm (greedy by size, as tflite-micro's GreedyMemoryPlanner):
 *  1. Lifetimes come from the op order (`bufferRequests`): a tensor is live from the op that
 *     writes it (`firstUse`) to the last op that reads it (`lastUse`), both inclusive.
 *  2. Aliasing: a reshape-like op (its definition says `aliasesInput`: Reshape, Squeeze, ...)
 *     whose input dies there writes nothing; its output shares the input's buffer (the two
 *     become one request spanning both lifetimes). Chains of them collapse into one buffer.
 *     In place: an op whose kernel may write its output over its input (`inPlace`, per kernel
 *     set: Cortex-M depthwise and 1x1 conv) gets its output on its input's bytes when the
 *     input dies there; the request is as large as the larger of the two.
 *     Kernel scratch is one more request per op that needs it, live during that op only
 *     (its size may depend on whether the op runs in place).
 *  3. Requests are sorted by size, largest first (ties: earlier first use, then lower tensor
 *     index, so the plan is deterministic).
 *  4. Each request is placed at the lowest offset (a multiple of `alignment`) where it does not
 *     overlap, in memory, any already-placed request whose lifetime overlaps its own. Gaps
 *     between placed buffers are tried in offset order before the end of the arena.
 *  5. The arena size is the highest end offset of any placement: exact, not rounded, and it is
 *     all the generated code ever touches.
 *
 * What it does not promise: the smallest possible arena (optimal placement is NP-complete;
 * greedy-by-size is usually close); any reuse across separate invocations (the arena holds no
 * state between calls); placement of graph outputs (they live in the caller's buffers, see
 * model.h). Graph inputs are the caller's buffers too unless `BufferOptions.inputs` puts them
 * in the arena, either kept intact for the whole invocation or free once read (the code
 * generator takes whichever gives the smaller arena, the kept one on a tie).
 *
 * State that persists between invocations never enters the arena: variable tensors (LSTM and
 * SVDF state), resource variables and CALL_ONCE flags get their own static region
 * (`stateLayout`), laid out one after another, each 16-byte aligned, and counted apart from the
 * arena in the RAM figure.
 *
 * `LinearPlanner` gives every buffer its own range (no reuse) — the baseline the greedy
 * planner's saving is measured against, and a second implementation for the shared tests.
 */
import type { Graph } from '../ir/graph.js';
import { isConstant, tensorBytes } from '../ir/graph.js';
import { opDef } from '../ops/registry.js';
import { resourceVariables, subgraphList } from '../ops/resource-variables.js';

export const ARENA_ALIGNMENT = 16;

/** One buffer to place: `size` bytes live from op `firstUse` to op `lastUse` (inclusive). */
export interface BufferRequest {
  /** Tensor index that owns the buffer (the first of an alias chain); -1 - op index for an op's scratch. */
  tensor: number;
  size: number;
  firstUse: number;
  lastUse: number;
}

export interface Placement extends BufferRequest {
  offset: number;
}

export interface MemoryPlan {
  planner: string;
  alignment: number;
  /** Exact bytes the arena needs: max(offset + size). */
  arenaBytes: number;
  /** One per request, in the order the requests were given. */
  placements: Placement[];
}

/**
 * Contract for a memory planner:
 * - every request gets an offset that is a multiple of `alignment`;
 * - two requests whose lifetimes overlap (`a.firstUse <= b.lastUse && b.firstUse <= a.lastUse`)
 *   never overlap in memory;
 * - `arenaBytes` equals the maximum `offset + size` (0 with no requests);
 * - the result depends only on the requests (deterministic).
 */
export interface MemoryPlanner {
  readonly id: string;
  plan(requests: readonly BufferRequest[], alignment?: number): MemoryPlan;
}

export function alignUp(n: number, a: number): number {
  return Math.ceil(n / a) * a;
}

export function lifetimesOverlap(a: BufferRequest, b: BufferRequest): boolean {
  return a.firstUse <= b.lastUse && b.firstUse <= a.lastUse;
}

function finish(planner: string, alignment: number, placements: Placement[]): MemoryPlan {
  let arenaBytes = 0;
  for (const p of placements) arenaBytes = Math.max(arenaBytes, p.offset + p.size);
  return { planner, alignment, arenaBytes, placements };
}

export class GreedyBySizePlanner implements MemoryPlanner {
  readonly id = 'greedy-by-size';
  plan(requests: readonly BufferRequest[], alignment = ARENA_ALIGNMENT): MemoryPlan {
    const order = requests
      .map((r, i) => ({ r, i }))
      .sort((a, b) => b.r.size - a.r.size || a.r.firstUse - b.r.firstUse || a.r.tensor - b.r.tensor || a.i - b.i);
    const placed: Placement[] = [];
    const offsets = new Array<number>(requests.length);
    for (const { r, i } of order) {
      const conflicts = placed.filter((p) => lifetimesOverlap(p, r)).sort((a, b) => a.offset - b.offset);
      let candidate = 0;
      for (const p of conflicts) {
        if (candidate + r.size <= p.offset) break; // fits in the gap before p
        candidate = Math.max(candidate, alignUp(p.offset + p.size, alignment));
      }
      const placement = { ...r, offset: candidate };
      placed.push(placement);
      offsets[i] = candidate;
    }
    return finish(
      this.id,
      alignment,
      requests.map((r, i) => ({ ...r, offset: offsets[i]! })),
    );
  }
}

export class LinearPlanner implements MemoryPlanner {
  readonly id = 'linear';
  plan(requests: readonly BufferRequest[], alignment = ARENA_ALIGNMENT): MemoryPlan {
    let next = 0;
    const placements: Placement[] = [];
    const order = requests.map((r, i) => ({ r, i })).sort((a, b) => a.r.firstUse - b.r.firstUse || a.r.tensor - b.r.tensor);
    const offsets = new Array<number>(requests.length);
    for (const { r, i } of order) {
      offsets[i] = next;
      next = alignUp(next + r.size, alignment);
    }
    for (let i = 0; i < requests.length; i++) placements.push({ ...requests[i]!, offset: offsets[i]! });
    return finish(this.id, alignment, placements);
  }
}

export const PLANNERS: Record<string, MemoryPlanner> = {
  'greedy-by-size': new GreedyBySizePlanner(),
  linear: new LinearPlanner(),
};

/** One item of the state region. */
export interface StateEntry {
  /** 'tensor': a variable tensor; 'variable': a resource variable's storage; 'flag': a CALL_ONCE's has-run byte. */
  kind: 'tensor' | 'variable' | 'flag';
  /** Subgraph of the tensor or op (0 = the graph itself); -1 for resource variables (shared by all). */
  subgraph: number;
  /** Tensor index ('tensor'), op index ('flag'), -1 for a resource variable. */
  index: number;
  name: string;
  offset: number;
  size: number;
  /** Byte every element holds at start and after tinyml_reset() (an int8 tensor's zero point, else 0). */
  fill: number;
}

/**
 * The static state region: what must survive from one invocation to the next. Zero-initialized
 * (.bss); entries with a non-zero `fill` are set by tinyml_reset(), which the first invocation
 * calls (`needsInit`).
 */
export interface StateLayout {
  bytes: number;
  entries: StateEntry[];
  /** Some entry starts non-zero: the generated code fills the region before the first invocation. */
  needsInit: boolean;
  /** Resource variable key → entry index. */
  variables: Map<string, number>;
}

/**
 * Lays out the state region of `g` and its subgraphs: variable tensors (subgraphs in order,
 * tensors in order), then resource variables (TFLM's creation order), then one flag byte per
 * CALL_ONCE. Tensor entries are 16-byte aligned; the total is exact.
 */
export function stateLayout(g: Graph): StateLayout {
  const entries: StateEntry[] = [];
  let at = 0;
  const add = (e: Omit<StateEntry, 'offset'>, align: number) => {
    at = alignUp(at, align);
    entries.push({ ...e, offset: at });
    at += e.size;
  };
  const used = (sg: Graph) => {
    const s = new Set<number>();
    for (const op of sg.ops) for (const t of op.inputs) if (t >= 0) s.add(t);
    return s;
  };
  subgraphList(g).forEach((sg, si) => {
    const u = used(sg);
    sg.tensors.forEach((t, i) => {
      if (!t.variable || !u.has(i)) return;
      const fill = t.dtype === 'int8' ? ((t.quant?.zeroPoint[0] ?? 0) << 24) >> 24 : 0;
      add({ kind: 'tensor', subgraph: si, index: i, name: t.name, size: tensorBytes(t), fill }, ARENA_ALIGNMENT);
    });
  });
  const variables = new Map<string, number>();
  for (const v of resourceVariables(g)) {
    variables.set(v.key, entries.length);
    add({ kind: 'variable', subgraph: -1, index: -1, name: v.sharedName, size: v.bytes, fill: v.fill }, ARENA_ALIGNMENT);
  }
  subgraphList(g).forEach((sg, si) => {
    sg.ops.forEach((op, oi) => {
      if (op.kind === 'CallOnce') add({ kind: 'flag', subgraph: si, index: oi, name: `${op.name} has run`, size: 1, fill: 0 }, 1);
    });
  });
  const needsInit = entries.some((e) => e.fill !== 0 && e.size > 0);
  // With a non-zero initial value somewhere, one more byte records that the region was filled.
  if (needsInit) add({ kind: 'flag', subgraph: -1, index: -1, name: 'state initialized', size: 1, fill: 0 }, 1);
  return { bytes: at, entries, needsInit, variables };
}

/** Where a tensor's bytes are at run time. */
export type TensorHome =
  | { kind: 'input' } // the caller's input buffer
  | { kind: 'output' } // the caller's output buffer
  | { kind: 'arena'; request: number } // placements[request] of the plan
  | { kind: 'const' } // a weight array in flash
  | { kind: 'state'; entry: number }; // StateLayout.entries[entry]: a variable tensor or a resource variable's storage

export interface GraphBuffers {
  requests: BufferRequest[];
  /** The static state region (variable tensors, resource variables, CALL_ONCE flags). */
  state: StateLayout;
  /** Per tensor index (undefined for tensors no op touches). */
  homes: (TensorHome | undefined)[];
  /** Tensor indices whose reshape-like op is free (output aliased to the input's buffer). */
  aliasedReshapeOutputs: Set<number>;
  /** Per op index: the request of its kernel scratch (undefined when it needs none). */
  scratch: (number | undefined)[];
  /** Ops whose output is planned on their input's bytes (the kernel runs in place). */
  inPlaceOps: Set<number>;
  /** Where the graph inputs live (BufferOptions.inputs). */
  inputs: 'caller' | 'kept' | 'reused';
  /** Layers run a row at a time (BufferOptions.streaming), in op order. */
  streams: StreamGroup[];
}

/** Row geometry of a conv-like layer (batch 1) for streaming: what its output rows read. */
export interface RowGeometry {
  inH: number;
  outH: number;
  strideH: number;
  padH: number;
  /** Filter height with dilation: rows one output row reads. */
  spanH: number;
  /** Bytes of one input row and of one output row. */
  inRowBytes: number;
  outRowBytes: number;
}

/**
 * Layers the generated code runs together, a row of `layer`'s output at a time:
 * - with a `producer` (the op before `layer`, whose output only `layer` reads), that output is
 *   never whole: it is computed a row at a time into a window of `windowRows` rows, just before
 *   `layer` needs them;
 * - with an `add` (the ADD after `layer`, whose other operand `residual` dies there and has the
 *   ADD's shape), `layer`'s output is never whole either: each row goes through a one-row
 *   buffer into the ADD, whose result overwrites the residual's same row, which nothing reads
 *   any more (checked row by row).
 * Every tensor a grouped op touches is live for the whole group.
 */
export interface StreamGroup {
  producer: number;
  layer: number;
  add: number;
  windowRows: number;
  residual: number;
  /** Row geometry of `layer`. */
  rows: RowGeometry;
  /** First and last op of the group. */
  first: number;
  last: number;
}

export interface BufferOptions {
  /** Scratch bytes of op `i`'s kernel, given whether it runs in place (default 0). */
  scratchBytes?: (i: number, inPlace: boolean) => number;
  /** Whether op `i`'s kernel may write its output over its input (default never). */
  inPlace?: (i: number) => boolean;
  /**
   * Run conv-like layers a row at a time where that is possible (StreamGroup): `conv(i)` is the
   * row geometry of op i when its kernel can compute some output rows from some input rows
   * (int8 Conv2D / DepthwiseConv2D, batch 1), `add(i)` whether op i is an int8 ADD of two
   * same-shape operands, `allow(i)` (default: always) whether op i may be a group's layer.
   */
  streaming?: { conv: (i: number) => RowGeometry | undefined; add: (i: number) => boolean; allow?: (i: number) => boolean };
  /**
   * Graph inputs in the arena (default: in the caller's buffers). 'kept': each input's bytes
   * stay untouched for the whole invocation (live from the first op to the last), so the same
   * input can be run again; 'reused': an input's bytes are free once its last reader is done,
   * like any activation (the generated code copies a caller's buffer in first). An input that
   * is also an output, or lives in the state region, stays outside.
   */
  inputs?: 'caller' | 'kept' | 'reused';
}

/** Homes of the tensors of subgraph `si` of `model` that live in the state region (variable tensors, resource handles). */
export function stateHomes(model: Graph, si: number, state: StateLayout): Map<number, TensorHome> {
  const homes = new Map<number, TensorHome>();
  state.entries.forEach((e, k) => {
    if (e.kind === 'tensor' && e.subgraph === si) homes.set(e.index, { kind: 'state', entry: k });
  });
  const vars = resourceVariables(model);
  for (const v of vars) for (const h of v.handles) if (h.subgraph === si) homes.set(h.tensor, { kind: 'state', entry: state.variables.get(v.key)! });
  return homes;
}

/**
 * Lifetimes of every activation tensor of `g` (one op index per step), with reshape aliasing,
 * plus one scratch request per op whose `scratchBytes[op]` is > 0. Graph outputs are not in
 * the arena: they are the caller's buffers; graph inputs are too unless `options.inputs` says
 * otherwise. Variable tensors and resource handles are not either: they live in the state
 * region (`stateLayout`).
 */
export function bufferRequests(g: Graph, options: readonly number[] | BufferOptions = {}): GraphBuffers {
  const opts: BufferOptions = Array.isArray(options) ? { scratchBytes: (i) => (options as readonly number[])[i] ?? 0 } : (options as BufferOptions);
  const state = stateLayout(g);
  const inState = stateHomes(g, 0, state);
  const n = g.tensors.length;
  const first = new Array<number>(n).fill(-1);
  const last = new Array<number>(n).fill(-1);
  const outputs = new Set(g.outputs);
  const inputMode = opts.inputs ?? 'caller';
  // Graph inputs that stay the caller's buffers.
  const inputs = new Set(inputMode === 'caller' ? g.inputs : g.inputs.filter((t) => outputs.has(t) || inState.has(t) || isConstant(g.tensors[t]!)));
  g.ops.forEach((op, i) => {
    for (const t of op.inputs) {
      if (t < 0) continue;
      if (first[t] === -1) first[t] = i;
      last[t] = i;
    }
    for (const t of op.outputs) {
      if (first[t] === -1) first[t] = i;
      last[t] = Math.max(last[t]!, i);
    }
  });
  // An input in the arena is written before the first op runs.
  for (const t of g.inputs) {
    if (inputs.has(t) || first[t] === -1) continue;
    first[t] = 0;
    if (inputMode === 'kept') last[t] = g.ops.length - 1;
  }
  const homes: (TensorHome | undefined)[] = new Array(n);
  const isArena = (t: number) => t >= 0 && !inputs.has(t) && !outputs.has(t) && !isConstant(g.tensors[t]!) && !inState.has(t);
  const streams = opts.streaming ? findStreams(g, opts.streaming, last, isArena) : [];
  const grouped = new Set<number>();
  for (const sg of streams) for (let i = sg.first; i <= sg.last; i++) grouped.add(i);
  // Alias chains: owner[t] is the tensor whose buffer t uses.
  const owner = new Array<number>(n);
  for (let t = 0; t < n; t++) owner[t] = t;
  const aliased = new Set<number>();
  const inPlaceOps = new Set<number>();
  // State (variable tensors, resource handles) never joins the arena: no alias, never in place.
  g.ops.forEach((op, i) => {
    if (grouped.has(i)) return;
    const src = op.inputs[0]!;
    const dst = op.outputs[0]!;
    if (op.outputs.length !== 1 || !isArena(src) || !isArena(dst) || last[src] !== i) return;
    if (opDef(op).aliasesInput && tensorBytes(g.tensors[src]!) === tensorBytes(g.tensors[dst]!)) {
      owner[dst] = owner[src]!;
      aliased.add(dst);
    } else if (opts.inPlace?.(i) && !op.inputs.slice(1).some((t) => t >= 0 && owner[t] === owner[src])) {
      owner[dst] = owner[src]!;
      inPlaceOps.add(i);
    }
  });
  // A streamed group is one step: whatever its ops touch is live from its first op to its last;
  // the ADD's result takes the residual's bytes.
  const streamedBytes = new Map<number, number>();
  for (const sg of streams) {
    const touched = new Set<number>();
    for (let i = sg.first; i <= sg.last; i++) for (const t of [...g.ops[i]!.inputs, ...g.ops[i]!.outputs]) if (t >= 0) touched.add(t);
    for (const t of touched) {
      if (first[t]! >= sg.first && first[t]! <= sg.last) first[t] = sg.first;
      if (last[t]! >= sg.first && last[t]! <= sg.last) last[t] = sg.last;
    }
    if (sg.producer >= 0) streamedBytes.set(g.ops[sg.layer]!.inputs[0]!, sg.windowRows * sg.rows.inRowBytes);
    if (sg.add >= 0) {
      streamedBytes.set(g.ops[sg.layer]!.outputs[0]!, sg.rows.outRowBytes);
      owner[g.ops[sg.add]!.outputs[0]!] = owner[sg.residual]!;
    }
  }
  const requestOf = new Map<number, number>();
  const requests: BufferRequest[] = [];
  for (let t = 0; t < n; t++) {
    if (first[t] === -1) continue;
    const tensor = g.tensors[t]!;
    if (isConstant(tensor)) {
      homes[t] = { kind: 'const' };
      continue;
    }
    const st = inState.get(t);
    if (st) {
      homes[t] = st;
      continue;
    }
    if (inputs.has(t)) {
      homes[t] = { kind: 'input' };
      continue;
    }
    if (outputs.has(t)) {
      homes[t] = { kind: 'output' };
      continue;
    }
    const o = owner[t]!;
    let r = requestOf.get(o);
    if (r === undefined) {
      r = requests.length;
      requestOf.set(o, r);
      requests.push({ tensor: o, size: streamedBytes.get(t) ?? tensorBytes(tensor), firstUse: first[t]!, lastUse: last[t]! });
    } else {
      const req = requests[r]!;
      req.firstUse = Math.min(req.firstUse, first[t]!);
      req.lastUse = Math.max(req.lastUse, last[t]!);
      req.size = Math.max(req.size, tensorBytes(tensor));
    }
    homes[t] = { kind: 'arena', request: r };
  }
  const scratch: (number | undefined)[] = g.ops.map((_, i) => {
    if (grouped.has(i)) return undefined;
    const size = opts.scratchBytes?.(i, inPlaceOps.has(i)) ?? 0;
    if (size <= 0) return undefined;
    requests.push({ tensor: -1 - i, size, firstUse: i, lastUse: i });
    return requests.length - 1;
  });
  // The layers of a group take turns: one scratch for both, live through the group.
  for (const sg of streams) {
    const ops = [sg.producer, sg.layer].filter((i) => i >= 0);
    const size = Math.max(0, ...ops.map((i) => opts.scratchBytes?.(i, false) ?? 0));
    if (size <= 0) continue;
    requests.push({ tensor: -1 - sg.first, size, firstUse: sg.first, lastUse: sg.last });
    for (const i of ops) scratch[i] = requests.length - 1;
  }
  return { requests, homes, aliasedReshapeOutputs: aliased, scratch, inPlaceOps, state, inputs: inputMode, streams };
}

/**
 * Sum of the bytes of every activation tensor (inputs and outputs included): what no planning
 * costs. State (variable tensors, resource handles) is not an activation: it is counted apart
 * (`stateLayout`).
 */
export function activationBytes(g: Graph): number {
  const used = new Set<number>();
  for (const op of g.ops) for (const t of [...op.inputs, ...op.outputs]) if (t >= 0) used.add(t);
  let sum = 0;
  for (const t of used) {
    const tensor = g.tensors[t]!;
    if (!isConstant(tensor) && !tensor.variable) sum += tensorBytes(tensor);
  }
  return sum;
}

/** The plan as an aligned text table (per tensor: offset, size, first/last use). */
export function formatPlan(g: Graph, plan: MemoryPlan, buffers: GraphBuffers): string {
  const rows: string[][] = [['tensor', 'offset', 'size', 'first', 'last', 'name']];
  g.tensors.forEach((t, i) => {
    const h = buffers.homes[i];
    if (!h || h.kind === 'const') return;
    if (h.kind === 'arena') {
      const p = plan.placements[h.request]!;
      const alias = p.tensor !== i ? ` (shares t${p.tensor}${g.ops.some((op, k) => buffers.inPlaceOps.has(k) && op.outputs[0] === i) ? ', in place' : ''})` : '';
      const sg = buffers.streams.find((x) => (x.producer >= 0 && g.ops[x.layer]!.inputs[0] === i) || (x.add >= 0 && g.ops[x.layer]!.outputs[0] === i));
      const streamed = sg ? ` (streamed: ${sg.producer >= 0 && g.ops[sg.layer]!.inputs[0] === i ? `a ${sg.windowRows}-row window` : 'one row'} of ${tensorBytes(t)} bytes)` : '';
      rows.push([`t${i}`, String(p.offset), String(sg ? p.size : tensorBytes(t)), String(p.firstUse), String(p.lastUse), t.name + alias + streamed]);
    } else if (h.kind === 'state') {
      const e = buffers.state.entries[h.entry]!;
      rows.push([`t${i}`, `state+${e.offset}`, String(e.size), '-', '-', e.kind === 'variable' ? `${t.name} (variable '${e.name}')` : t.name]);
    } else {
      rows.push([`t${i}`, h.kind, String(tensorBytes(t)), '-', '-', t.name]);
    }
  });
  buffers.scratch.forEach((r, i) => {
    if (r === undefined) return;
    const p = plan.placements[r]!;
    rows.push([`s${i}`, String(p.offset), String(p.size), String(i), String(i), `scratch of layer ${i} '${g.ops[i]!.name}'`]);
  });
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  const lines = rows.map((r) => r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]!))).join('  ').trimEnd());
  lines.push(`arena: ${plan.arenaBytes} bytes (${plan.planner}, ${plan.alignment}-byte aligned offsets)`);
  if (buffers.state.bytes > 0) {
    lines.push(`state: ${buffers.state.bytes} bytes kept between invocations (${buffers.state.entries.map((e) => `${e.kind} '${e.name}' ${e.size} B at ${e.offset}`).join(', ')})`);
  }
  return lines.join('\n');
}

/**
 * The stream groups of `g` (StreamGroup), in op order, disjoint: for each conv-like op, the
 * conv-like op before it when that one's output is its alone, and the ADD after it when its
 * other operand dies there, has its shape and is read by no later row of the group once that
 * row of the result is written.
 */
function findStreams(g: Graph, s: NonNullable<BufferOptions['streaming']>, last: readonly number[], isArena: (t: number) => boolean): StreamGroup[] {
  const readers = new Array<number>(g.tensors.length).fill(0);
  for (const op of g.ops) for (const t of op.inputs) if (t >= 0) readers[t]!++;
  const groups: StreamGroup[] = [];
  let free = 0; // first op not yet in a group
  for (let b = 0; b < g.ops.length; b++) {
    const rb = b >= free && (s.allow?.(b) ?? true) ? s.conv(b) : undefined;
    if (!rb) continue;
    const opB = g.ops[b]!;
    let producer = -1;
    let ra: RowGeometry | undefined;
    const t = opB.inputs[0]!;
    if (b - 1 >= free && g.ops[b - 1]!.outputs[0] === t && readers[t] === 1 && isArena(t) && (ra = s.conv(b - 1))) producer = b - 1;
    // Rows of the producer's output computed once `layer`'s row r is done.
    const hi = (r: number) => Math.min(rb.inH, r * rb.strideH - rb.padH + rb.spanH);
    let add = -1;
    let residual = -1;
    const y = opB.outputs[0]!;
    if (b + 1 < g.ops.length && s.add(b + 1) && readers[y] === 1 && isArena(y)) {
      const opAdd = g.ops[b + 1]!;
      const other = opAdd.inputs[0] === y ? opAdd.inputs[1]! : opAdd.inputs[0]!;
      const z = opAdd.outputs[0]!;
      const rowDead = (r: number): boolean => {
        // After row r: the producer's next row and the layer's next row must not read row r of the residual.
        if (producer >= 0 && g.ops[producer]!.inputs[0] === other && hi(r) < rb.inH && Math.max(0, hi(r) * ra!.strideH - ra!.padH) <= r) return false;
        if (opB.inputs[0] === other && r + 1 < rb.outH && Math.max(0, (r + 1) * rb.strideH - rb.padH) <= r) return false;
        return true;
      };
      if (other !== y && isArena(other) && isArena(z) && last[other] === b + 1 && tensorBytes(g.tensors[other]!) === tensorBytes(g.tensors[z]!)) {
        let ok = true;
        for (let r = 0; r < rb.outH && ok; r++) ok = rowDead(r);
        if (ok) {
          add = b + 1;
          residual = other;
        }
      }
    }
    if (producer < 0 && add < 0) continue;
    const windowRows = producer >= 0 ? Math.min(rb.spanH, rb.inH) : 0;
    const group = { producer, layer: b, add, windowRows, residual, rows: rb, first: producer >= 0 ? producer : b, last: add >= 0 ? add : b };
    groups.push(group);
    free = group.last + 1;
    b = group.last;
  }
  return groups;
}

/**
 * The graph with each op moved as late as it can go: to just before the first op that reads one
 * of its outputs (an op whose outputs only the graph returns stays). Scanned from the end, so a
 * chain moves together. A branch computed early and joined late (a ResNet shortcut conv before
 * the other branch's convs) then runs right before its join, and its output lives the shortest
 * time. Graphs with state (variable tensors, resource variables, CALL_ONCE) keep their order.
 * Returns undefined when no op moves.
 */
export function latestSchedule(g: Graph): Graph | undefined {
  if (stateLayout(g).entries.length > 0 || (g.subgraphs?.length ?? 0) > 0) return undefined;
  const ops = [...g.ops];
  let moved = false;
  for (let i = ops.length - 2; i >= 0; i--) {
    const op = ops[i]!;
    const outs = new Set(op.outputs);
    let c = i + 1;
    while (c < ops.length && !ops[c]!.inputs.some((t) => outs.has(t))) c++;
    if (c === ops.length || c === i + 1) continue;
    ops.splice(i, 1);
    ops.splice(c - 1, 0, op);
    moved = true;
  }
  return moved ? { ...g, ops } : undefined;
}
