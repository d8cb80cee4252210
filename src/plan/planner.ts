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
 * state between calls); placement of graph inputs and outputs (they live in the caller's
 * buffers, see model.h).
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
}

export interface BufferOptions {
  /** Scratch bytes of op `i`'s kernel, given whether it runs in place (default 0). */
  scratchBytes?: (i: number, inPlace: boolean) => number;
  /** Whether op `i`'s kernel may write its output over its input (default never). */
  inPlace?: (i: number) => boolean;
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
 * plus one scratch request per op whose `scratchBytes[op]` is > 0. Graph inputs and outputs
 * are not in the arena: they are the caller's buffers. Variable tensors and resource handles
 * are not either: they live in the state region (`stateLayout`).
 */
export function bufferRequests(g: Graph, options: readonly number[] | BufferOptions = {}): GraphBuffers {
  const opts: BufferOptions = Array.isArray(options) ? { scratchBytes: (i) => (options as readonly number[])[i] ?? 0 } : (options as BufferOptions);
  const state = stateLayout(g);
  const inState = stateHomes(g, 0, state);
  const n = g.tensors.length;
  const first = new Array<number>(n).fill(-1);
  const last = new Array<number>(n).fill(-1);
  const inputs = new Set(g.inputs);
  const outputs = new Set(g.outputs);
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
  const homes: (TensorHome | undefined)[] = new Array(n);
  // Alias chains: owner[t] is the tensor whose buffer t uses.
  const owner = new Array<number>(n);
  for (let t = 0; t < n; t++) owner[t] = t;
  const aliased = new Set<number>();
  const inPlaceOps = new Set<number>();
  // State (variable tensors, resource handles) never joins the arena: no alias, never in place.
  const arenaTensor = (t: number) => t >= 0 && !inputs.has(t) && !outputs.has(t) && !isConstant(g.tensors[t]!) && !inState.has(t);
  g.ops.forEach((op, i) => {
    const src = op.inputs[0]!;
    const dst = op.outputs[0]!;
    if (op.outputs.length !== 1 || !arenaTensor(src) || !arenaTensor(dst) || last[src] !== i) return;
    if (opDef(op).aliasesInput && tensorBytes(g.tensors[src]!) === tensorBytes(g.tensors[dst]!)) {
      owner[dst] = owner[src]!;
      aliased.add(dst);
    } else if (opts.inPlace?.(i) && !op.inputs.slice(1).some((t) => t >= 0 && owner[t] === owner[src])) {
      owner[dst] = owner[src]!;
      inPlaceOps.add(i);
    }
  });
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
      requests.push({ tensor: o, size: tensorBytes(tensor), firstUse: first[t]!, lastUse: last[t]! });
    } else {
      const req = requests[r]!;
      req.firstUse = Math.min(req.firstUse, first[t]!);
      req.lastUse = Math.max(req.lastUse, last[t]!);
      req.size = Math.max(req.size, tensorBytes(tensor));
    }
    homes[t] = { kind: 'arena', request: r };
  }
  const scratch = g.ops.map((_, i) => {
    const size = opts.scratchBytes?.(i, inPlaceOps.has(i)) ?? 0;
    if (size <= 0) return undefined;
    requests.push({ tensor: -1 - i, size, firstUse: i, lastUse: i });
    return requests.length - 1;
  });
  return { requests, homes, aliasedReshapeOutputs: aliased, scratch, inPlaceOps, state };
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
      rows.push([`t${i}`, String(p.offset), String(tensorBytes(t)), String(p.firstUse), String(p.lastUse), t.name + alias]);
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
