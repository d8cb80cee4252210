/**
 * Resource variables and CALL_ONCE: the state mechanism of streaming models converted from
 * TensorFlow `tf.Variable`s (TFLM var_handle.cc, read_variable.cc, assign_variable.cc,
 * call_once.cc, micro_resource_variable.cc).
 *
 * - VAR_HANDLE names a variable by (container, shared_name); every handle with that name, in
 *   any subgraph, is the same variable (MicroResourceVariables::CreateIdIfNoneFound; an empty
 *   container matches any).
 * - ASSIGN_VARIABLE copies its value into the variable; READ_VARIABLE copies the variable out.
 *   The storage is allocated by the first ASSIGN_VARIABLE TFLM prepares (subgraphs in order,
 *   ops in order) with that value's size, and filled with that value's int8 zero point (0 for
 *   an unquantized value): MicroResourceVariables::Allocate, and ResetAll on a reset.
 * - CALL_ONCE runs its init subgraph on the first invocation only.
 *
 * The variables are resolved statically here (`resourceVariables`): which handle tensors name
 * which variable, and the variable's type and size. The reference interpreter binds each
 * handle tensor's buffer to the variable's storage in its session, and the C emitter places
 * the storage in the static state region, so READ/ASSIGN are plain copies in both.
 */
import { TinymlError } from '../errors.js';
import type { AssignVariableOp, CallOnceOp, DType, Graph, ReadVariableOp, Tensor, VarHandleOp } from '../ir/graph.js';
import { elementCount, tensorBytes } from '../ir/graph.js';
import { input, noMacs, noParams, output, unsupported } from './common.js';
import type { EmitContext, Kernel, OpDef } from './op-def.js';

/** One resource variable of a model. */
export interface ResourceVariable {
  /** `container/shared_name`, unique per variable. */
  key: string;
  container: string;
  sharedName: string;
  dtype: DType;
  shape: number[];
  bytes: number;
  /** Byte the storage is filled with at start and on reset (the first assigned value's int8 zero point). */
  fill: number;
  /** Every handle tensor that names it: subgraph 0 = the graph itself, k = Graph.subgraphs[k - 1]. */
  handles: { subgraph: number; tensor: number }[];
}

/** The graph's subgraphs by TFLite index (0 = the graph itself). */
export function subgraphList(g: Graph): Graph[] {
  return [g, ...(g.subgraphs ?? [])];
}

function where(g: Graph, sg: number): string {
  return sg === 0 ? `'${g.name}'` : `subgraph ${sg} of '${g.name}'`;
}

/**
 * Every resource variable of `g` (main graph and subgraphs), in the order TFLM creates them
 * (subgraphs in order, VAR_HANDLE ops in order). Throws TinymlError when a handle is not made
 * by a VAR_HANDLE, a variable is never assigned, or its reads and writes disagree on type/size.
 */
export function resourceVariables(g: Graph): ResourceVariable[] {
  const vars: ResourceVariable[] = [];
  const byHandle = new Map<string, ResourceVariable>(); // `${subgraph}:${tensor}`
  const find = (container: string, sharedName: string) => vars.find((v) => (container === '' || v.container === container) && v.sharedName === sharedName);
  const graphs = subgraphList(g);
  graphs.forEach((sg, si) => {
    for (const op of sg.ops) {
      if (op.kind !== 'VarHandle') continue;
      let v = find(op.container, op.sharedName);
      if (!v) {
        v = { key: `${op.container}/${op.sharedName}`, container: op.container, sharedName: op.sharedName, dtype: 'opaque', shape: [], bytes: -1, fill: 0, handles: [] };
        vars.push(v);
      }
      v.handles.push({ subgraph: si, tensor: op.outputs[0]! });
      byHandle.set(`${si}:${op.outputs[0]!}`, v);
    }
  });
  const handleOf = (si: number, t: number, what: string): ResourceVariable => {
    const v = byHandle.get(`${si}:${t}`);
    if (!v) throw new TinymlError('unsupported', `${where(g, si)}: ${what} reads resource tensor ${t} '${graphs[si]!.tensors[t]?.name ?? '?'}', which no VAR_HANDLE of that subgraph produces`);
    return v;
  };
  // Sizes: the first ASSIGN_VARIABLE value allocates, in TFLM's prepare order.
  graphs.forEach((sg, si) => {
    for (const op of sg.ops) {
      if (op.kind !== 'AssignVariable') continue;
      const v = handleOf(si, op.inputs[0]!, `ASSIGN_VARIABLE '${op.name}'`);
      const value = sg.tensors[op.inputs[1]!]!;
      if (v.bytes < 0) {
        v.dtype = value.dtype;
        v.shape = [...value.shape];
        v.bytes = tensorBytes(value);
        v.fill = value.quant ? ((value.quant.zeroPoint[0] ?? 0) << 24) >> 24 : 0;
      }
    }
  });
  graphs.forEach((sg, si) => {
    for (const op of sg.ops) {
      if (op.kind !== 'AssignVariable' && op.kind !== 'ReadVariable') continue;
      const v = handleOf(si, op.inputs[0]!, `${op.kind === 'AssignVariable' ? 'ASSIGN' : 'READ'}_VARIABLE '${op.name}'`);
      const t = op.kind === 'AssignVariable' ? sg.tensors[op.inputs[1]!]! : sg.tensors[op.outputs[0]!]!;
      if (v.bytes < 0) throw new TinymlError('unsupported', `${where(g, si)}: variable '${v.sharedName}' is read by '${op.name}' but no ASSIGN_VARIABLE ever gives it a value`);
      if (t.dtype !== v.dtype || elementCount(t.shape) !== elementCount(v.shape)) {
        throw new TinymlError('unsupported', `${where(g, si)}: '${op.name}' uses variable '${v.sharedName}' as ${t.dtype} [${t.shape}], but it holds ${v.dtype} [${v.shape}]`);
      }
    }
  });
  for (const v of vars) if (v.bytes < 0) throw new TinymlError('unsupported', `${where(g, 0)}: variable '${v.sharedName}' has a handle but is never assigned`);
  return vars;
}

/** A byte copy between two buffers of the same size (any dtype). */
function copyInto(dst: number, src: number): Kernel {
  return (bufs) => {
    const d = bufs[dst]!;
    const s = bufs[src]!;
    new Uint8Array(d.buffer, d.byteOffset, d.byteLength).set(new Uint8Array(s.buffer, s.byteOffset, s.byteLength));
  };
}

const noKernel: Kernel = () => {};

function isResource(t: Tensor): boolean {
  return t.dtype === 'resource' || t.dtype === 'int32';
}

export const varHandle: OpDef<VarHandleOp, null> = {
  kind: 'VarHandle',
  arity: { inputs: [0, 0], outputs: [1, 1] },
  inferShapes: (g, op) => [[...output(g, op).shape]],
  params: noParams,
  macs: noMacs,
  quant: { output: { kind: 'none' } },
  usesFloatKernel: () => false,
  prepare(g, op) {
    if (!isResource(output(g, op))) unsupported(op, `output '${output(g, op).name}' is ${output(g, op).dtype}, not a resource handle`);
    if (op.sharedName === '') unsupported(op, 'has no shared_name: the variable cannot be identified');
    return null;
  },
  evalQuantized: () => noKernel,
  emitC(ctx) {
    ctx.call('/* variable handle: resolved when the code was generated */');
    return [];
  },
  tflite: {
    builtin: 'VAR_HANDLE',
    options: 'VarHandleOptions',
    read: (r) => ({ ...r.base, kind: 'VarHandle', container: String(r.opt('container') ?? ''), sharedName: String(r.opt('shared_name') ?? '') }),
    write: (op) => ({ version: 1, options: { ...(op.container ? { container: op.container } : {}), shared_name: op.sharedName } }),
  },
};

/** READ_VARIABLE / ASSIGN_VARIABLE: input 0 must be a resource handle (the variable's storage). */
function requireResourceHandle(g: Graph, op: ReadVariableOp | AssignVariableOp): null {
  if (!isResource(input(g, op, 0))) unsupported(op, `input '${input(g, op, 0).name}' is not a resource handle`);
  return null;
}

/** C of a variable read or write: the bytes of tensor `from` into `to` (as many as `sized` holds). */
function emitByteCopy(ctx: EmitContext, from: number, to: number, sized: number): string[] {
  ctx.call(`tinyml_reshape_s8((const int8_t *)${ctx.ptr(from)}, (int8_t *)${ctx.ptr(to)}, ${tensorBytes(ctx.g.tensors[sized]!)});`);
  return ['reshape_s8'];
}

export const readVariable: OpDef<ReadVariableOp, null> = {
  kind: 'ReadVariable',
  arity: { inputs: [1, 1], outputs: [1, 1] },
  inferShapes: (g, op) => [[...output(g, op).shape]],
  params: noParams,
  macs: noMacs,
  quant: { output: { kind: 'none' } },
  usesFloatKernel: () => false,
  prepare: requireResourceHandle,
  evalQuantized: (_g, op) => copyInto(op.outputs[0]!, op.inputs[0]!),
  emitC: (ctx, op) => emitByteCopy(ctx, op.inputs[0]!, op.outputs[0]!, op.outputs[0]!),
  tflite: {
    builtin: 'READ_VARIABLE',
    options: 'ReadVariableOptions',
    read: (r) => ({ ...r.base, kind: 'ReadVariable' }),
    write: () => ({ version: 1, options: {} }),
  },
};

export const assignVariable: OpDef<AssignVariableOp, null> = {
  kind: 'AssignVariable',
  arity: { inputs: [2, 2], outputs: [0, 0] },
  inferShapes: () => [],
  params: noParams,
  macs: noMacs,
  quant: { output: { kind: 'none' } },
  usesFloatKernel: () => false,
  prepare: requireResourceHandle,
  evalQuantized: (_g, op) => copyInto(op.inputs[0]!, op.inputs[1]!),
  emitC: (ctx, op) => emitByteCopy(ctx, op.inputs[1]!, op.inputs[0]!, op.inputs[1]!),
  tflite: {
    builtin: 'ASSIGN_VARIABLE',
    options: 'AssignVariableOptions',
    read: (r) => ({ ...r.base, kind: 'AssignVariable' }),
    write: () => ({ version: 1, options: {} }),
  },
};

export const callOnce: OpDef<CallOnceOp, null> = {
  kind: 'CallOnce',
  arity: { inputs: [0, 0], outputs: [0, 0] },
  inferShapes: () => [],
  params: noParams,
  macs: noMacs,
  quant: { output: { kind: 'none' } },
  usesFloatKernel: () => false,
  prepare(g, op) {
    const n = g.subgraphs?.length ?? 0;
    if (!(Number.isInteger(op.initSubgraph) && op.initSubgraph >= 1 && op.initSubgraph <= n)) {
      unsupported(op, `init subgraph ${op.initSubgraph} does not exist (the model has ${n + 1} subgraph${n ? 's' : ''})`);
    }
    return null;
  },
  evalQuantized: (_g, op) => (_bufs, rt) => {
    if (!rt) throw new TinymlError('unsupported', `CallOnce '${op.name}': needs an executor that runs subgraphs`);
    if (rt.firstTime(op)) rt.invokeSubgraph(op.initSubgraph);
  },
  emitC(ctx, op) {
    const flag = ctx.onceFlag();
    ctx.call(`if (!${flag}) {`, `  ${flag} = 1;`, `  ${ctx.subgraphCall(op.initSubgraph)}`, `}`);
    return [];
  },
  tflite: {
    builtin: 'CALL_ONCE',
    options: 'CallOnceOptions',
    read: (r) => ({ ...r.base, kind: 'CallOnce', initSubgraph: r.optNumber('init_subgraph_index') }),
    write: (op) => ({ version: 1, options: { init_subgraph_index: op.initSubgraph } }),
  },
};
