/**
 * The contract of an op definition: everything the project knows about one IR op kind, used by
 * every stage (importers, validation, cost, quantizer, reference interpreter, C emitter, .tflite
 * writer, tfjs runner). TFLM splits each kernel into Prepare and Eval; so does this: `prepare`
 * computes every derived constant once (padding, multipliers and shifts, activation ranges,
 * lookup tables), and both the reference interpreter (`evalQuantized`) and the C emitter
 * (`emitC`) consume the same prepared value, so they cannot disagree about a constant.
 *
 * Contract:
 * - `arity`, `inferShapes`: checked by validateGraph (src/ops/validate.ts); `inferShapes` throws
 *   ShapeError naming the op when inputs do not fit.
 * - `prepare(g, op)` is pure (same graph, same result) and throws TinymlError('unsupported', …)
 *   naming the op and the reason when the quantized path cannot run this op as configured (a
 *   dtype, an option or a parameter TFLM's kernel refuses). `inspect` calls it to say why a
 *   layer is unsupported; it must not throw anything else for a graph that validates.
 * - `evalQuantized` runs the integer semantics of TFLM's reference kernel bit for bit;
 *   `evalFloat` TFLite's float kernel. A kernel reads and writes tensors by index in `bufs`.
 * - `emitC` declares the layer's constants and writes the call(s) of its C kernel(s); the
 *   kernels named must exist in firmware-templates/kernels/reference/.
 * - `tflite` reads the op from a .tflite operator and writes it back: import(write(op)) === op.
 */
import type * as TF from '@tensorflow/tfjs';
import type { Activation, Graph, Op, OpKind, Padding, Tensor, TensorData } from '../ir/graph.js';
import type { OptionRecord, OptionValue } from './tflite-codes.js';

/** The IR op type of one kind (members whose `kind` is a union are narrowed to K). */
export type OpOf<K extends OpKind> = Op extends infer T ? (T extends { kind: infer U } ? (K extends U ? T & { kind: K } : never) : never) : never;

/**
 * What the executor (src/reference/interpreter.ts) gives a kernel that reaches beyond its own
 * tensors: control flow (CALL_ONCE). Plain kernels ignore it.
 */
export interface KernelRuntime {
  /** Runs TFLite subgraph `index` of the model (Graph.subgraphs[index - 1]) in the same session. */
  invokeSubgraph(index: number): void;
  /** True the first time `key` is asked in this session (and again after a reset). */
  firstTime(key: object): boolean;
}

/**
 * A prepared kernel: reads and writes tensors by index in `bufs`. A variable (state) tensor's
 * buffer is the session's persistent one, so a kernel updates state by writing to it; a
 * `resource` tensor's buffer is the storage of the resource variable it names.
 */
export type Kernel = (bufs: TensorData[], rt?: KernelRuntime) => void;

export type TfModule = typeof TF;

export interface AffineParams {
  scale: number;
  zeroPoint: number;
}

/** How the quantizer (src/quantize/rewrite.ts) treats an op's tensors. */
export interface QuantRule<O extends Op = Op> {
  /**
   * Output parameters: `calibrated` from the observed range (clipped by `clip`); `shared` with
   * the listed inputs (TFLite requires equal parameters: pooling, reshape, pad, concatenation);
   * `fixed` as TFLite's kernels require (softmax, logistic, tanh); `none` for outputs that are
   * not quantized (indices, shapes).
   */
  output:
    | { kind: 'calibrated' }
    | { kind: 'shared'; inputs: readonly number[] | 'all' }
    | { kind: 'fixed'; int8: AffineParams; /** Absent where TFLite does not quantize the op to int16 (LOG_SOFTMAX, L2_NORMALIZATION). */ int16?: AffineParams }
    | { kind: 'none' };
  /** The activation that bounds the output range (fused or the op's own). */
  clip?: (op: O) => Activation;
  /** Constant weight inputs, symmetric per channel along `axis`. */
  weights?: readonly { input: number; axis: number }[];
  /** Constant bias input, int32 (int64 for 16x8) at input scale × weight scale. */
  bias?: { input: number; weights: number };
  /** The activation input whose scale the bias scale multiplies (default 0; TRANSPOSE_CONV: 2). */
  activationInput?: number;
  /** Float inputs that are not activations of the graph but attributes (kept as they are). */
  keepInputs?: readonly number[];
  /**
   * The op computes on its operands' stored values, not on the reals they stand for (CAST):
   * a float activation it reads or writes cannot be replaced by int8, so the quantizer refuses
   * such a graph, and the C generator takes those float tensors at the model's boundary.
   */
  rawValues?: boolean;
  /**
   * Ops whose constants and state do not fit `weights`/`bias` (LSTM, SVDF): called once every
   * activation's params are fixed, it quantizes the op's other float operands through `q` and
   * may return the op with new attributes (LSTM intermediates).
   */
  custom?: (op: O, q: QuantCustomContext) => O | void;
}

/** What the quantizer gives a `QuantRule.custom` hook (implemented by src/quantize/rewrite.ts). */
export interface QuantCustomContext {
  /** int8 params of an activation tensor (graph input or op output). */
  params(tensor: number): AffineParams;
  /** Real range the float run saw in a state (variable) tensor, if it was ever written. */
  range(tensor: number): [number, number] | undefined;
  /** Float constant → symmetric per-tensor int8/int16 weights (TFLite's quantizer); returns the scale. */
  weights(tensor: number, bits: 8 | 16): number;
  /** Float constant bias → int32 at `scale`. */
  bias(tensor: number, scale: number): void;
  /** A float state tensor → `dtype` with `params` (no data: it starts at its zero point). */
  state(tensor: number, dtype: 'int8' | 'int16', params: AffineParams): void;
  /** Appends a tensor to the quantized graph; returns its index. */
  add(t: Tensor): number;
}

/** One trainable/constant operand counted as parameters (`inspect`, `distill` budgets). */
export interface ParamInput {
  input: number;
  /** Bytes per element in an int8 deployment (1 for weights, 4 for int32 biases). */
  bytesPerElement: number;
}

export interface TfliteReadContext {
  file: string;
  /** Operator index in the subgraph. */
  index: number;
  base: { name: string; inputs: number[]; outputs: number[] };
  tensors: readonly Tensor[];
  /** True when the operator carries its options table. */
  hasOptions: boolean;
  /**
   * A decoded option: the stored value, the schema default when the field is absent, or
   * `undefined` when the operator has no options table at all.
   */
  opt(field: string): OptionValue | undefined;
  /** A numeric option; `noTable` when the operator has no options table. */
  optNumber(field: string, noTable?: number): number;
  optBool(field: string, noTable?: boolean): boolean;
  /** The fused activation (a format error for codes the IR has no name for). */
  activation(): Activation;
  padding(): Padding;
  /** Values of a constant int32/int64 input, or a format error naming `what`. */
  constInts(k: number, what: string): number[];
  /** True when input k is present and constant. */
  isConstant(k: number): boolean;
  /** The operator's intermediate tensors (TFLite `Operator.intermediates`), usually empty. */
  intermediates: readonly number[];
  bad(what: string): never;
  /**
   * The operator is well-formed but cannot run here (a run-time operand TFLM also refuses, an
   * option no kernel has): the importer keeps it as an Unsupported op with `reason`, so the
   * rest of the model can still be inspected.
   */
  unsupported(reason: string): never;
}

export interface TfliteWriteContext {
  g: Graph;
  /** Appends a constant tensor to the written model and returns its index. */
  addConstant(t: Tensor): number;
}

export interface TfliteCodec<O extends Op> {
  /** BuiltinOperator name, e.g. 'CONV_2D'. */
  builtin: string;
  /** Options table name in the BuiltinOptions union, when the op has one. */
  options?: string;
  read(r: TfliteReadContext): O;
  /** Op version (as TFLite's converter assigns it for the operand dtypes), options, and the
   *  operator's inputs when they differ from `op.inputs` (e.g. an attribute written back as a
   *  constant operand). */
  write(op: O, w: TfliteWriteContext): { version: number; options?: OptionRecord; inputs?: number[]; intermediates?: number[] };
}

/** What the C emitter gives an op to write its layer. */
export interface EmitContext {
  readonly g: Graph;
  readonly index: number;
  /** Prefix for this layer's declarations (`l3`), unique in model.c. */
  readonly prefix: string;
  /** "layer 3 'name' (Conv2D)", for error messages. */
  readonly where: string;
  /** The board's kernel set ('reference', 'cortex-m', ...). */
  readonly kernelSet: string;
  /** C expression of a tensor's data as a typed pointer (arena, caller buffer or const array). */
  ptr(tensor: number): string;
  /** Name of a constant tensor's const array in flash (emitted once). */
  weight(tensor: number): string;
  /** C expression (int8_t *) of this layer's scratch buffer in the arena, or NULL when it has none. */
  scratch(): string;
  /** C lvalue (uint8_t) of a flag of this layer kept in the state region: 0 at start and after tinyml_reset(). */
  onceFlag(): string;
  /** C statement that runs TFLite subgraph `index` of the model (Graph.subgraphs[index - 1]). */
  subgraphCall(index: number): string;
  /** Bytes of this layer's scratch buffer (its definition's `scratchBytes`; 0 when none). */
  readonly scratchBytes: number;
  /** File-scope declarations. */
  decl(...lines: string[]): void;
  /** Statements inside tinyml_invoke(). */
  call(...lines: string[]): void;
}

export interface OpDef<O extends Op = Op, P = unknown> {
  readonly kind: O['kind'];
  /**
   * Input counts [min, max], input positions that may be -1 ('all': any, for ops read from a
   * file whose operands are not known), output counts [min, max] (default [1, 1]).
   */
  readonly arity: { inputs: readonly [number, number]; optional?: readonly number[] | 'all'; outputs?: readonly [number, number] };
  inferShapes(g: Graph, op: O): number[][];
  /** Constant operands that count as params. */
  params(g: Graph, op: O): ParamInput[];
  /** Multiply-accumulates of one inference (0 for data movement and elementwise ops). */
  macs(g: Graph, op: O): number;
  readonly quant: QuantRule<O>;
  /** The output is the input's bytes reinterpreted (reshape-like): the planner may alias them. */
  readonly aliasesInput?: boolean;
  /**
   * Constant folding at import (src/ops/fold.ts): `constant-inputs` — when every input is a
   * constant, the pass runs the op's kernel once and its outputs become constants;
   * `static-shape` — the outputs depend on the input shapes only (SHAPE) and always fold.
   * Outputs that are model outputs are never folded (a layer must compute them).
   */
  readonly fold?: 'constant-inputs' | 'static-shape';
  /** When the float kernel runs; default: output 0 is float32 (Quantize/Dequantize never). */
  usesFloatKernel?(g: Graph, op: O): boolean;
  prepare(g: Graph, op: O): P;
  evalQuantized(g: Graph, op: O, p: P): Kernel;
  evalFloat?(g: Graph, op: O): Kernel;
  /** Scratch bytes the C kernel of `kernelSet` needs (planned in the arena); default 0. */
  scratchBytes?(g: Graph, op: O, p: P, kernelSet: string, inPlace: boolean): number;
  /** Whether the C kernel of `kernelSet` may write its output over its input (default never). */
  inPlace?(g: Graph, op: O, kernelSet: string): boolean;
  /** Writes the layer; returns the kernel files (base names in kernels/) it calls. */
  emitC(ctx: EmitContext, op: O, p: P): string[];
  readonly tflite: TfliteCodec<O>;
  /** The op on tfjs, for batched float execution (teacher outputs) where tfjs has it. */
  tf?(tf: TfModule, g: Graph, op: O, get: (tensor: number) => TF.Tensor, batch: number): TF.Tensor | TF.Tensor[];
}
