import { TinymlError } from '../errors.js';
import { allocTensorData, dataMatchesDtype, elementCount, type Graph, type Op, type TensorData } from '../ir/graph.js';
import type { Kernel, KernelRuntime } from '../ops/op-def.js';
import { opDef, usesFloatKernel } from '../ops/registry.js';
import { resourceVariables, subgraphList, type ResourceVariable } from '../ops/resource-variables.js';

/**
 * The reference interpreter: the numerical ground truth of the project.
 *
 * Contract:
 * - `runGraph(graph, inputs)` runs ONE sample (batch 1): `inputs[i]` holds the data of
 *   `graph.inputs[i]` in that tensor's dtype (Int8Array for int8, Float32Array for float32).
 *   It returns the data of `graph.outputs` in order. It is stateless: a model with state
 *   (variable tensors, resource variables, CALL_ONCE) starts every call from its initial
 *   state, as a freshly created TFLite interpreter does.
 * - `createSession(graph)` keeps that state between runs, as one TFLite / TFLM interpreter
 *   invoked again and again does: `run` processes the next sample of a stream, `reset` returns
 *   to the initial state (TFLM's ResetVariableTensors, and CALL_ONCE runs again).
 * - int8 ops follow TFLite's integer kernels exactly (reference_integer_ops / TFLM), float ops
 *   follow TFLite's float kernels.
 * - `onTensor(index, data)` is called for every tensor an op writes, in execution order: each
 *   output, and each variable (state) input the op updates in place (calibration observers and
 *   per-layer error reports use it). Tensors of called subgraphs are not reported.
 */
export interface RunOptions {
  onTensor?: (tensorIndex: number, data: TensorData) => void;
}

export type RunGraph = (graph: Graph, inputs: TensorData[], opts?: RunOptions) => TensorData[];

/** A stateful run of one graph: state carries over from one `run` to the next. */
export interface Session {
  readonly graph: Graph;
  /** Runs the next sample (same contract as runGraph), updating the state. */
  run(inputs: TensorData[], opts?: RunOptions): TensorData[];
  /** Back to the initial state: variable tensors at their zero point, resource variables at their fill, CALL_ONCE armed. */
  reset(): void;
  /** Copies of the state: each variable tensor of the graph by tensor index, each resource variable by name. */
  state(): { tensors: Map<number, TensorData>; variables: Map<string, TensorData> };
}

/*
 * How it runs:
 *   1. The first run of a graph "prepares" it (like TFLite's Prepare): every op becomes a
 *      closure with its multipliers, shifts, paddings and activation ranges precomputed by its
 *      definition in src/ops/ (`prepare`, then `evalQuantized`; or `evalFloat`). Plans are
 *      cached per Graph object (WeakMap), so a graph must not be mutated between runs.
 *      Subgraphs are prepared with their graph.
 *   2. A session owns the state buffers: one per variable tensor (per subgraph) and one per
 *      resource variable (resolved statically, src/ops/resource-variables.ts). Each run
 *      allocates fresh buffers for the activations (the caller may keep what onTensor and the
 *      return value hand out), binds constants, inputs and the state buffers — a resource
 *      handle tensor is bound to its variable's storage — and calls the kernels in order.
 * An op runs its float kernel when it writes float32 (src/ops/registry.ts usesFloatKernel;
 * Quantize/Dequantize always run their quantized kernels), its quantized kernel otherwise.
 * Ops the kernels cannot run (an unsupported dtype, a fused tanh on an int8 conv, ...) fail at
 * prepare time with the op's name, before any sample runs.
 */

interface Plan {
  kernels: Kernel[];
  /** Variable tensors the graph's ops read (their state buffers). */
  variableTensors: number[];
}

interface ModelPlan {
  /** Per subgraph (0 = the graph). */
  graphs: Plan[];
  variables: ResourceVariable[];
}

const plans = new WeakMap<Graph, ModelPlan>();

function opKernel(g: Graph, op: Op): Kernel {
  const def = opDef(op);
  if (usesFloatKernel(g, op)) {
    if (!def.evalFloat) throw new TinymlError('unsupported', `${op.kind} '${op.name}': no float kernel (TFLM has none either)`);
    return def.evalFloat(g, op);
  }
  return def.evalQuantized(g, op, def.prepare(g, op));
}

function planOf(g: Graph, root: Graph): Plan {
  const used = new Set<number>();
  for (const op of g.ops) for (const t of op.inputs) if (t >= 0) used.add(t);
  return {
    // CallOnce checks its subgraph index against the model (the root graph).
    kernels: g.ops.map((op) => opKernel(op.kind === 'CallOnce' ? root : g, op)),
    variableTensors: [...used].filter((t) => g.tensors[t]!.variable === true).sort((a, b) => a - b),
  };
}

/** Prepare a graph once (validates every op); later runs reuse the plan. */
export function prepareGraph(graph: Graph): void {
  if (plans.has(graph)) return;
  const graphs = subgraphList(graph);
  const variables = graphs.some((sg) => sg.ops.some((op) => op.kind === 'VarHandle')) ? resourceVariables(graph) : [];
  plans.set(graph, { graphs: graphs.map((sg) => planOf(sg, graph)), variables });
}

/** A tensor's initial/reset value: its int8 zero point (TFLM ResetVariableTensors), else 0. */
function fillVariable(g: Graph, t: number, d: TensorData): void {
  const tensor = g.tensors[t]!;
  d.fill(tensor.dtype === 'int8' ? (tensor.quant?.zeroPoint[0] ?? 0) : 0);
}

export function createSession(graph: Graph): Session {
  prepareGraph(graph);
  const plan = plans.get(graph)!;
  const graphs = subgraphList(graph);
  // State: per subgraph, variable tensor → buffer; per resource variable, its storage.
  const varBufs = graphs.map((sg, si) => new Map(plan.graphs[si]!.variableTensors.map((t) => [t, allocTensorData(sg.tensors[t]!.dtype, elementCount(sg.tensors[t]!.shape))])));
  const resBufs = plan.variables.map((v) => allocTensorData(v.dtype, elementCount(v.shape)));
  const handleBufs = graphs.map(() => new Map<number, TensorData>());
  plan.variables.forEach((v, k) => {
    for (const h of v.handles) handleBufs[h.subgraph]!.set(h.tensor, resBufs[k]!);
  });
  let ran = new WeakSet<object>();

  const reset = () => {
    varBufs.forEach((m, si) => m.forEach((d, t) => fillVariable(graphs[si]!, t, d)));
    plan.variables.forEach((v, k) => {
      const d = resBufs[k]!;
      new Uint8Array(d.buffer, d.byteOffset, d.byteLength).fill(v.fill & 0xff);
    });
    ran = new WeakSet<object>();
  };
  reset();

  const bind = (si: number): TensorData[] => {
    const sg = graphs[si]!;
    const bufs: TensorData[] = new Array(sg.tensors.length);
    sg.tensors.forEach((t, i) => {
      if (t.data) bufs[i] = t.data;
    });
    varBufs[si]!.forEach((d, t) => (bufs[t] = d));
    handleBufs[si]!.forEach((d, t) => (bufs[t] = d));
    return bufs;
  };

  const execute = (si: number, bufs: TensorData[], opts: RunOptions) => {
    const sg = graphs[si]!;
    const kernels = plan.graphs[si]!.kernels;
    const rt: KernelRuntime = {
      invokeSubgraph(index) {
        if (!(index >= 1 && index < graphs.length)) throw new TinymlError('input', `model '${graph.name}' has no subgraph ${index}`);
        const sub = bind(index);
        execute(index, sub, {});
      },
      firstTime(key) {
        if (ran.has(key)) return false;
        ran.add(key);
        return true;
      },
    };
    sg.ops.forEach((op, k) => {
      for (const o of op.outputs) {
        if (varBufs[si]!.has(o) || handleBufs[si]!.has(o)) continue;
        const t = sg.tensors[o]!;
        bufs[o] = allocTensorData(t.dtype, elementCount(t.shape));
      }
      kernels[k]!(bufs, rt);
      if (opts.onTensor) {
        for (const o of op.outputs) opts.onTensor(o, bufs[o]!);
        for (const i of op.inputs) if (i >= 0 && varBufs[si]!.has(i)) opts.onTensor(i, bufs[i]!);
      }
    });
  };

  return {
    graph,
    reset,
    state() {
      const tensors = new Map<number, TensorData>();
      varBufs[0]!.forEach((d, t) => tensors.set(t, d.slice()));
      const variables = new Map<string, TensorData>();
      plan.variables.forEach((v, k) => variables.set(v.sharedName, resBufs[k]!.slice()));
      return { tensors, variables };
    },
    run(inputs, opts = {}) {
      if (inputs.length !== graph.inputs.length) {
        throw new TinymlError('usage', `model '${graph.name}' has ${graph.inputs.length} input(s), ${inputs.length} given`);
      }
      const bufs = bind(0);
      graph.inputs.forEach((ti, k) => {
        const t = graph.tensors[ti]!;
        const data = inputs[k]!;
        if (!dataMatchesDtype(t.dtype, data) || data.length !== elementCount(t.shape)) {
          throw new TinymlError(
            'usage',
            `input ${k} ('${t.name}') of model '${graph.name}' needs ${elementCount(t.shape)} ${t.dtype} values [${t.shape}], got ${data.length} in a ${data.constructor.name}`,
          );
        }
        bufs[ti] = data;
      });
      execute(0, bufs, opts);
      return graph.outputs.map((o) => {
        const d = bufs[o];
        if (!d) throw new TinymlError('input', `model '${graph.name}': output tensor ${o} is never written by any op`);
        // A graph output that is a state buffer is handed out as a copy (the state moves on).
        return varBufs[0]!.has(o) || handleBufs[0]!.has(o) ? d.slice() : d;
      });
    },
  };
}

export const runGraph: RunGraph = (graph, inputs, opts = {}) => createSession(graph).run(inputs, opts);
