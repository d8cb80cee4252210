/**
 * The C emitter: an int8 Graph + a memory plan → model.h / model.c.
 *
 * Contract of the generated code (documented again in model.h for its users):
 * - `const` weight and bias arrays (16-byte aligned, so they land in flash), per-channel
 *   multiplier/shift tables computed in TypeScript (op-params.ts), one static arena whose
 *   offsets come from the memory planner, and `tinyml_invoke()` calling one kernel per op.
 * - No malloc, no interpreter, no floating point at run time (scales are only returned as
 *   constants by the accessors).
 * - Deterministic: the same graph gives byte-identical files (no timestamps, stable order).
 *
 * Elementwise ops whose int8 result depends on one input value only (Logistic, Tanh, Relu,
 * Relu6, int8→int8 Quantize) become a 256-entry table filled by running the reference
 * interpreter on every int8 value, so they equal the reference by construction.
 */
import type { Graph, Op, Tensor, TensorData } from '../ir/graph.js';
import { elementCount, tensorBytes } from '../ir/graph.js';
import { TinymlError } from '../errors.js';
import type { RunGraph } from '../reference/interpreter.js';
import {
  activationRange,
  addParams,
  fullyConnectedMultipliers,
  meanParams,
  mulParams,
  paddingBefore,
  perChannelMultipliers,
  softmaxParams,
  tensorQuant,
} from './op-params.js';
import { graphScratchBytes, KERNEL_SETS } from './kernel-scratch.js';
import type { GraphBuffers, MemoryPlan } from './planner.js';
import { formatPlan } from './planner.js';

export interface EmitOptions {
  runGraph: RunGraph;
  modelHash: string;
  /**
   * Kernel sets the project must run with: the one scratch buffer is sized for the largest
   * need among them (kernel-scratch.ts). Default: every known set.
   */
  kernelSets?: readonly string[];
}

export interface EmittedModel {
  modelH: string;
  modelC: string;
  /** Kernel file base names used (e.g. 'conv2d_s8'), sorted. */
  kernels: string[];
  weightBytes: number;
  /** Bytes of the kernels' scratch buffer (tinyml_scratch in model.c; 0: none). */
  scratchBytes: number;
}

const LUT_OPS = new Set(['Logistic', 'Tanh', 'Relu', 'Relu6', 'Quantize']);

function cString(s: string): string {
  return '"' + s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/[^\x20-\x7e]/g, '?') + '"';
}

function cComment(s: string): string {
  return s.replace(/\*\//g, '* /').replace(/[^\x20-\x7e\n]/g, '?');
}

function cFloat(x: number): string {
  const s = Math.fround(x).toPrecision(9);
  return (s.includes('e') || s.includes('.') ? s : s + '.0') + 'f';
}

function cInt32(x: number): string {
  return x === -2147483648 ? '(-2147483647 - 1)' : String(x);
}

function arrayBody(values: ArrayLike<number>, perLine: number, fmt: (v: number) => string = String): string {
  const lines: string[] = [];
  for (let i = 0; i < values.length; i += perLine) {
    const chunk: string[] = [];
    for (let j = i; j < Math.min(values.length, i + perLine); j++) chunk.push(fmt(values[j]!));
    lines.push('  ' + chunk.join(', '));
  }
  return lines.join(',\n');
}

function shape4(shape: readonly number[], where: string): [number, number, number, number] {
  if (shape.length > 4) throw new TinymlError('unsupported', `${where}: rank ${shape.length} tensors are not supported (at most 4)`);
  const s = [...shape];
  while (s.length < 4) s.unshift(1);
  return s as [number, number, number, number];
}

function shapeLit(s: readonly number[]): string {
  return `{${s.join(', ')}}`;
}

/** Row-major strides of `inShape` broadcast to `outShape` (0 on broadcast dimensions), 4-D. */
function broadcastStrides(inShape: readonly number[], outShape: readonly number[], where: string): number[] {
  const i4 = shape4(inShape, where);
  const o4 = shape4(outShape, where);
  const strides = [0, 0, 0, 0];
  let acc = 1;
  for (let d = 3; d >= 0; d--) {
    if (i4[d] === o4[d]) strides[d] = acc;
    else if (i4[d] === 1) strides[d] = 0;
    else throw new TinymlError('unsupported', `${where}: shapes [${inShape}] and [${outShape}] do not broadcast`);
    acc *= i4[d]!;
  }
  return strides;
}

interface Lowered {
  decls: string[];
  body: string[];
  kernel?: string;
}

export function emitModel(g: Graph, plan: MemoryPlan, buffers: GraphBuffers, opts: EmitOptions): EmittedModel {
  if (g.inputs.length !== 1 || g.outputs.length !== 1) {
    throw new TinymlError(
      'unsupported',
      `${g.name}: the C code generator handles one input and one output (this graph has ${g.inputs.length} and ${g.outputs.length})`,
    );
  }
  if (!g.ops.some((op) => op.outputs.includes(g.outputs[0]!))) {
    throw new TinymlError('unsupported', `${g.name}: no layer computes the output '${g.tensors[g.outputs[0]!]!.name}' (an empty or pass-through model)`);
  }
  const inT = g.tensors[g.inputs[0]!]!;
  const outT = g.tensors[g.outputs[0]!]!;
  const inQ = tensorQuant(g, g.inputs[0]!, 'model input');
  const outQ = tensorQuant(g, g.outputs[0]!, 'model output');
  shape4(inT.shape, 'model input');
  shape4(outT.shape, 'model output');

  const weightDecls: string[] = [];
  const emittedWeights = new Map<number, string>();
  let weightBytes = 0;
  const kernels = new Set<string>();

  const ptr = (t: number): string => {
    const h = buffers.homes[t];
    if (!h) throw new Error(`tensor ${t} has no home`);
    switch (h.kind) {
      case 'input':
        return 'input';
      case 'output':
        return 'output';
      case 'arena':
        return `(tinyml_arena + ${plan.placements[h.request]!.offset})`;
      case 'const':
        return weight(t);
    }
  };
  const weight = (t: number): string => {
    const existing = emittedWeights.get(t);
    if (existing) return existing;
    const tensor = g.tensors[t]!;
    const name = `tinyml_w${t}`;
    const data = tensor.data as TensorData;
    const ctype = tensor.dtype === 'int8' ? 'int8_t' : tensor.dtype === 'int32' ? 'int32_t' : undefined;
    if (!ctype) throw new TinymlError('unsupported', `constant tensor '${tensor.name}' is ${tensor.dtype}; int8 code needs int8 weights and int32 biases`);
    weightBytes += tensorBytes(tensor);
    weightDecls.push(
      `/* ${cComment(tensor.name)} [${tensor.shape.join(', ')}] */\nstatic const ${ctype} ${name}[${data.length}] TINYML_ALIGN(16) = {\n${arrayBody(
        data,
        ctype === 'int8_t' ? 20 : 8,
        ctype === 'int32_t' ? cInt32 : String,
      )}\n};`,
    );
    emittedWeights.set(t, name);
    return name;
  };

  const lowerOp = (op: Op, i: number): Lowered => {
    const where = `layer ${i} '${op.name}' (${op.kind})`;
    const L = `l${i}`;
    const decls: string[] = [];
    const body: string[] = [];
    const x = op.inputs[0]!;
    const y = op.outputs[0]!;
    const xT = g.tensors[x]!;
    const yT = g.tensors[y]!;
    switch (op.kind) {
      case 'Conv2D':
      case 'DepthwiseConv2D': {
        const xq = tensorQuant(g, x, where);
        const yq = tensorQuant(g, y, where);
        const w = op.inputs[1]!;
        const b = op.inputs[2] ?? -1;
        const wT = g.tensors[w]!;
        const is = shape4(xT.shape, where);
        const os = shape4(yT.shape, where);
        const ws = shape4(wT.shape, where);
        const outC = os[3];
        const { mult, shift } = perChannelMultipliers(xq.scale, wT, yq.scale, outC);
        const [lo, hi] = activationRange(op.activation, yq);
        const padH = paddingBefore(op.padding, is[1], os[1], ws[1], op.strideH, op.dilationH);
        const padW = paddingBefore(op.padding, is[2], os[2], ws[2], op.strideW, op.dilationW);
        const dm = op.kind === 'DepthwiseConv2D' ? op.depthMultiplier || outC / is[3] : 1;
        decls.push(
          `static const tinyml_conv_params_t ${L}_p = { ${op.strideH}, ${op.strideW}, ${op.dilationH}, ${op.dilationW}, ${padH}, ${padW}, ${dm}, ${-xq.zeroPoint}, ${yq.zeroPoint}, ${lo}, ${hi} };`,
          `static const tinyml_shape4_t ${L}_in = ${shapeLit(is)}, ${L}_w = ${shapeLit(ws)}, ${L}_out = ${shapeLit(os)};`,
          `static const int32_t ${L}_mult[${outC}] = {\n${arrayBody(mult, 8, cInt32)}\n};`,
          `static const int32_t ${L}_shift[${outC}] = {\n${arrayBody(shift, 16)}\n};`,
        );
        const fn = op.kind === 'Conv2D' ? 'conv2d_s8' : 'depthwise_conv2d_s8';
        body.push(
          `if (tinyml_${fn}(&${L}_p, ${L}_mult, ${L}_shift, &${L}_in, ${ptr(x)}, &${L}_w, ${weight(w)}, ${b >= 0 ? weight(b) : 'NULL'}, &${L}_out, ${ptr(y)}, TINYML_SCRATCH, TINYML_SCRATCH_BYTES) != TINYML_OK) return -3;`,
        );
        return { decls, body, kernel: fn };
      }
      case 'FullyConnected': {
        const xq = tensorQuant(g, x, where);
        const yq = tensorQuant(g, y, where);
        const w = op.inputs[1]!;
        const b = op.inputs[2] ?? -1;
        const wT = g.tensors[w]!;
        const [units, inF] = [wT.shape[0]!, wT.shape[1]!];
        const batches = elementCount(xT.shape) / inF;
        const { mult, shift } = fullyConnectedMultipliers(xq.scale, wT, yq.scale, units);
        const [lo, hi] = activationRange(op.activation, yq);
        const wzp = (wT.quant?.scale.length ?? 0) > 1 ? 0 : (wT.quant?.zeroPoint[0] ?? 0);
        decls.push(
          `static const int32_t ${L}_mult[${units}] = {\n${arrayBody(mult, 8, cInt32)}\n};`,
          `static const int32_t ${L}_shift[${units}] = {\n${arrayBody(shift, 16)}\n};`,
        );
        body.push(
          `if (tinyml_fully_connected_s8(${-xq.zeroPoint}, ${-wzp}, ${yq.zeroPoint}, ${lo}, ${hi}, ${L}_mult, ${L}_shift, ${batches}, ${inF}, ${units}, ${ptr(x)}, ${weight(w)}, ${b >= 0 ? weight(b) : 'NULL'}, ${ptr(y)}, TINYML_SCRATCH, TINYML_SCRATCH_BYTES) != TINYML_OK) return -3;`,
        );
        return { decls, body, kernel: 'fully_connected_s8' };
      }
      case 'AveragePool2D':
      case 'MaxPool2D': {
        const yq = tensorQuant(g, y, where);
        tensorQuant(g, x, where);
        const is = shape4(xT.shape, where);
        const os = shape4(yT.shape, where);
        const [lo, hi] = activationRange(op.activation, yq);
        const padH = paddingBefore(op.padding, is[1], os[1], op.filterH, op.strideH, 1);
        const padW = paddingBefore(op.padding, is[2], os[2], op.filterW, op.strideW, 1);
        decls.push(
          `static const tinyml_pool_params_t ${L}_p = { ${op.filterH}, ${op.filterW}, ${op.strideH}, ${op.strideW}, ${padH}, ${padW}, ${lo}, ${hi} };`,
          `static const tinyml_shape4_t ${L}_in = ${shapeLit(is)}, ${L}_out = ${shapeLit(os)};`,
        );
        const fn = op.kind === 'AveragePool2D' ? 'avg_pool_s8' : 'max_pool_s8';
        body.push(`tinyml_${fn}(&${L}_p, &${L}_in, ${ptr(x)}, &${L}_out, ${ptr(y)});`);
        return { decls, body, kernel: fn };
      }
      case 'Mean': {
        const xq = tensorQuant(g, x, where);
        const yq = tensorQuant(g, y, where);
        const rank = xT.shape.length;
        let axes = op.axes;
        if ((!axes || axes.length === 0) && op.inputs[1] !== undefined && op.inputs[1] >= 0) {
          axes = Array.from(g.tensors[op.inputs[1]]!.data ?? []);
        }
        const norm = [...new Set(axes.map((a) => (a < 0 ? a + rank : a)))].sort((a, b) => a - b);
        const reduced = [0, 0, 0, 0];
        for (const a of norm) reduced[4 - rank + a] = 1;
        const same = xq.scale === yq.scale && xq.zeroPoint === yq.zeroPoint;
        const { scale, bias } = meanParams(xq, yq);
        decls.push(
          `static const tinyml_shape4_t ${L}_in = ${shapeLit(shape4(xT.shape, where))};`,
          `static const int32_t ${L}_reduced[4] = {${reduced.join(', ')}};`,
        );
        body.push(`tinyml_mean_s8(${same ? 1 : 0}, ${cFloat(scale)}, ${cFloat(bias)}, ${yq.zeroPoint}, &${L}_in, ${L}_reduced, ${ptr(x)}, ${ptr(y)});`);
        return { decls, body, kernel: 'mean_s8' };
      }
      case 'Reshape': {
        if (buffers.aliasedReshapeOutputs.has(y)) {
          body.push(`/* aliased: the output shares the input's arena bytes */`);
          return { decls, body };
        }
        body.push(`tinyml_reshape_s8(${ptr(x)}, ${ptr(y)}, ${tensorBytes(yT)});`);
        return { decls, body, kernel: 'reshape_s8' };
      }
      case 'Pad': {
        tensorQuant(g, x, where);
        const yq = tensorQuant(g, y, where);
        const rank = xT.shape.length;
        const before = op.paddings.map((p) => p[0]);
        while (before.length < 4) before.unshift(0);
        if (rank > 4) throw new TinymlError('unsupported', `${where}: Pad of rank ${rank}`);
        decls.push(
          `static const tinyml_shape4_t ${L}_in = ${shapeLit(shape4(xT.shape, where))}, ${L}_out = ${shapeLit(shape4(yT.shape, where))};`,
          `static const int32_t ${L}_before[4] = {${before.join(', ')}};`,
        );
        body.push(`tinyml_pad_s8(&${L}_in, ${ptr(x)}, ${L}_before, &${L}_out, ${ptr(y)}, ${yq.zeroPoint});`);
        return { decls, body, kernel: 'pad_s8' };
      }
      case 'Concatenation': {
        const yq = tensorQuant(g, y, where);
        const rank = yT.shape.length;
        const axis = op.axis < 0 ? op.axis + rank : op.axis;
        let outer = 1;
        for (let k = 0; k < axis; k++) outer *= yT.shape[k]!;
        const sizes: number[] = [];
        const same: number[] = [];
        const scales: number[] = [];
        const biases: number[] = [];
        // TFLite's ConcatenationWithScaling constants, in float32 as TFLite computes them.
        const inverseOutScale = Math.fround(1 / yq.scale);
        for (const t of op.inputs) {
          const q = tensorQuant(g, t, where);
          const scale = Math.fround(q.scale * inverseOutScale);
          same.push(q.scale === yq.scale && q.zeroPoint === yq.zeroPoint ? 1 : 0);
          scales.push(scale);
          biases.push(Math.fround(-q.zeroPoint * scale));
          sizes.push(tensorBytes(g.tensors[t]!) / outer);
        }
        const [lo, hi] = activationRange(op.activation, yq);
        const n = op.inputs.length;
        decls.push(
          `static const int32_t ${L}_sizes[${n}] = {${sizes.join(', ')}}, ${L}_same[${n}] = {${same.join(', ')}};`,
          `static const float ${L}_scales[${n}] = {${scales.map(cFloat).join(', ')}}, ${L}_biases[${n}] = {${biases.map(cFloat).join(', ')}};`,
        );
        body.push(`{`, `  const int8_t *const in[${n}] = {${op.inputs.map((t) => ptr(t)).join(', ')}};`);
        body.push(`  tinyml_concat_s8(${n}, in, ${L}_sizes, ${L}_same, ${L}_scales, ${L}_biases, ${outer}, ${yq.zeroPoint}, ${lo}, ${hi}, ${ptr(y)});`, `}`);
        return { decls, body, kernel: 'concat_s8' };
      }
      case 'Add':
      case 'Mul': {
        const a = op.inputs[0]!;
        const b = op.inputs[1]!;
        const aq = tensorQuant(g, a, where);
        const bq = tensorQuant(g, b, where);
        const yq = tensorQuant(g, y, where);
        const [lo, hi] = activationRange(op.activation, yq);
        const s1 = broadcastStrides(g.tensors[a]!.shape, yT.shape, where);
        const s2 = broadcastStrides(g.tensors[b]!.shape, yT.shape, where);
        decls.push(
          `static const tinyml_shape4_t ${L}_out = ${shapeLit(shape4(yT.shape, where))};`,
          `static const int32_t ${L}_s1[4] = {${s1.join(', ')}}, ${L}_s2[4] = {${s2.join(', ')}};`,
        );
        if (op.kind === 'Add') {
          const p = addParams(aq, bq, yq);
          decls.push(
            `static const tinyml_add_params_t ${L}_p = { ${p.left_shift}, ${p.input1_offset}, ${cInt32(p.input1_multiplier)}, ${p.input1_shift}, ${p.input2_offset}, ${cInt32(p.input2_multiplier)}, ${p.input2_shift}, ${p.output_offset}, ${cInt32(p.output_multiplier)}, ${p.output_shift}, ${lo}, ${hi} };`,
          );
        } else {
          const p = mulParams(aq, bq, yq);
          decls.push(
            `static const tinyml_mul_params_t ${L}_p = { ${p.input1_offset}, ${p.input2_offset}, ${p.output_offset}, ${cInt32(p.output_multiplier)}, ${p.output_shift}, ${lo}, ${hi} };`,
          );
        }
        const fn = op.kind === 'Add' ? 'add_s8' : 'mul_s8';
        body.push(`tinyml_${fn}(&${L}_p, &${L}_out, ${L}_s1, ${ptr(a)}, ${L}_s2, ${ptr(b)}, ${ptr(y)});`);
        return { decls, body, kernel: fn };
      }
      case 'Softmax': {
        const xq = tensorQuant(g, x, where);
        const yq = tensorQuant(g, y, where);
        if (Math.fround(yq.scale) !== Math.fround(1 / 256) || yq.zeroPoint !== -128) {
          throw new TinymlError('unsupported', `${where}: int8 Softmax needs output scale 1/256 and zero point -128 (TFLite's requirement); found ${yq.scale}/${yq.zeroPoint}`);
        }
        const depth = xT.shape[xT.shape.length - 1]!;
        const rows = elementCount(xT.shape) / depth;
        const p = softmaxParams(op.beta, xq.scale);
        body.push(`tinyml_softmax_s8(${cInt32(p.multiplier)}, ${p.leftShift}, ${p.diffMin}, ${rows}, ${depth}, ${ptr(x)}, ${ptr(y)});`);
        return { decls, body, kernel: 'softmax_s8' };
      }
      case 'Logistic':
      case 'Tanh':
      case 'Relu':
      case 'Relu6':
      case 'Quantize': {
        const table = elementwiseTable(g, op, opts.runGraph, where);
        decls.push(`static const int8_t ${L}_table[256] = {\n${arrayBody(table, 16)}\n};`);
        body.push(`tinyml_lut_s8(${L}_table, ${ptr(x)}, ${ptr(y)}, ${elementCount(yT.shape)});`);
        return { decls, body, kernel: 'lut_s8' };
      }
      case 'Dequantize':
        throw new TinymlError(
          'unsupported',
          `${where}: Dequantize inside the graph produces float32; int8 firmware only strips it at the model output`,
        );
    }
  };

  const lowered = g.ops.map((op, i) => lowerOp(op, i));
  for (const l of lowered) if (l.kernel) kernels.add(l.kernel);

  const numLayers = g.ops.length;
  const arenaAlloc = Math.max(plan.arenaBytes, 1);
  const scratchBytes = graphScratchBytes(opts.kernelSets ?? KERNEL_SETS, g);
  const inBytes = tensorBytes(inT);
  const outBytes = tensorBytes(outT);
  const dims = (t: Tensor) => {
    const s = [...t.shape];
    while (s.length < 4) s.push(1);
    return s;
  };
  const headerGuard = 'TINYML_MODEL_H';
  const modelH = `/*
 * ${cComment(g.name)}: int8 model compiled by tinyml (model hash ${opts.modelHash}).
 *
 * How to call it:
 *
 *   int8_t in[TINYML_INPUT_BYTES], out[TINYML_OUTPUT_BYTES];
 *   // quantize sensor data: q = round(x / tinyml_input_scale()) + tinyml_input_zero_point()
 *   if (tinyml_invoke(in, out) == 0) {
 *     // dequantize: y = (out[i] - tinyml_output_zero_point()) * tinyml_output_scale()
 *   }
 *
 * - tinyml_invoke() returns 0 on success, -1 for a NULL buffer, -2 when the arena guard
 *   (compiled in with -DTINYML_ARENA_GUARD) finds the arena overrun, -3 when a kernel refuses
 *   its buffers: scratch too small or output on its input where its kernel set does not allow
 *   it (built with a kernel set the project was not generated for).
 * - The input and output buffers are the caller's; they are not part of the arena and may
 *   be anywhere in RAM. The arena (TINYML_ARENA_BYTES, exact) is a static array in model.c.
 * - No malloc, no floating point at run time; the scale accessors only return constants.
 * - Not re-entrant: one invocation at a time (the arena is shared).
 * - Per-layer timing: tinyml_set_layer_hook(f) makes tinyml_invoke() call f(layer, 0) before
 *   and f(layer, 1) after each of the TINYML_NUM_LAYERS layers (names: tinyml_layer_name()).
 */
#ifndef ${headerGuard}
#define ${headerGuard}

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TINYML_INPUT_BYTES ${inBytes}
#define TINYML_OUTPUT_BYTES ${outBytes}
#define TINYML_ARENA_BYTES ${plan.arenaBytes}
#define TINYML_NUM_LAYERS ${numLayers}

int tinyml_invoke(const int8_t *input, int8_t *output);

const char *tinyml_model_name(void);
/* Hex of the first 8 bytes of the SHA-256 of the model's canonical form. */
const char *tinyml_model_hash(void);

float tinyml_input_scale(void);
int32_t tinyml_input_zero_point(void);
float tinyml_output_scale(void);
int32_t tinyml_output_zero_point(void);
/* Fill dims[4] (NHWC; trailing 1s for lower ranks) and return the tensor's rank. */
int tinyml_input_dims(int32_t *dims);
int tinyml_output_dims(int32_t *dims);

typedef void (*tinyml_layer_hook_t)(int layer, int phase /* 0 start, 1 end */);
void tinyml_set_layer_hook(tinyml_layer_hook_t hook);
/* Name of layer 0 .. TINYML_NUM_LAYERS-1, or NULL out of range. */
const char *tinyml_layer_name(int layer);

#ifdef __cplusplus
}
#endif

#endif /* ${headerGuard} */
`;

  const planTable = formatPlan(g, plan, buffers)
    .split('\n')
    .map((l) => ` *   ${cComment(l)}`.trimEnd())
    .join('\n');
  const invokeBody: string[] = [];
  lowered.forEach((l, i) => {
    invokeBody.push(`  /* ${i}: ${cComment(g.ops[i]!.name)} (${g.ops[i]!.kind}) */`);
    invokeBody.push(`  TINYML_LAYER_BEGIN(${i});`);
    for (const line of l.body) invokeBody.push(`  ${line}`);
    invokeBody.push(`  TINYML_LAYER_END(${i});`);
  });
  const layerDecls = lowered.flatMap((l) => l.decls);
  const modelC = `/*
 * ${cComment(g.name)} (model hash ${opts.modelHash}), compiled by tinyml.
 * Kernels: ${[...kernels].sort().join(', ')}.
 *
 * Memory plan (offsets into tinyml_arena; first/last = layer indices):
${planTable}
 */
#include <stddef.h>
#include <stdint.h>

#include "model.h"
#include "tinyml_kernels.h"

#define TINYML_ARENA_ALLOC ${arenaAlloc}
#ifdef TINYML_ARENA_GUARD
/* 16 canary bytes either side of the arena, checked after every invocation. */
#define TINYML_GUARD_BYTES 16
static int8_t tinyml_arena_storage[TINYML_ARENA_ALLOC + 2 * TINYML_GUARD_BYTES] TINYML_ALIGN(16);
#define tinyml_arena (tinyml_arena_storage + TINYML_GUARD_BYTES)
#else
static int8_t tinyml_arena[TINYML_ARENA_ALLOC] TINYML_ALIGN(16);
#endif

/* Kernel working memory (TINYML_*_SCRATCH_* in tinyml_kernels.h), shared by the layers. */
#define TINYML_SCRATCH_BYTES ${scratchBytes}
${scratchBytes > 0 ? `static int8_t tinyml_scratch[TINYML_SCRATCH_BYTES] TINYML_ALIGN(16);
#define TINYML_SCRATCH tinyml_scratch` : '#define TINYML_SCRATCH NULL'}

static tinyml_layer_hook_t tinyml_hook;
#define TINYML_LAYER_BEGIN(i) do { if (tinyml_hook) tinyml_hook((i), 0); } while (0)
#define TINYML_LAYER_END(i) do { if (tinyml_hook) tinyml_hook((i), 1); } while (0)

/* ---- weights and biases (const: placed in flash) ---- */
${weightDecls.join('\n\n')}

/* ---- per-layer parameters ---- */
${layerDecls.join('\n')}

static const char *const tinyml_layer_names[${Math.max(numLayers, 1)}] = {
${g.ops.length ? g.ops.map((op) => `  ${cString(op.name)}`).join(',\n') : '  ""'}
};

static const int32_t tinyml_in_dims[4] = {${dims(inT).join(', ')}};
static const int32_t tinyml_out_dims[4] = {${dims(outT).join(', ')}};

const char *tinyml_model_name(void) { return ${cString(g.name)}; }
const char *tinyml_model_hash(void) { return "${opts.modelHash}"; }
float tinyml_input_scale(void) { return ${cFloat(inQ.scale)}; }
int32_t tinyml_input_zero_point(void) { return ${inQ.zeroPoint}; }
float tinyml_output_scale(void) { return ${cFloat(outQ.scale)}; }
int32_t tinyml_output_zero_point(void) { return ${outQ.zeroPoint}; }

int tinyml_input_dims(int32_t *dims) {
  int i;
  for (i = 0; i < 4; ++i) dims[i] = tinyml_in_dims[i];
  return ${inT.shape.length};
}

int tinyml_output_dims(int32_t *dims) {
  int i;
  for (i = 0; i < 4; ++i) dims[i] = tinyml_out_dims[i];
  return ${outT.shape.length};
}

void tinyml_set_layer_hook(tinyml_layer_hook_t hook) { tinyml_hook = hook; }

const char *tinyml_layer_name(int layer) {
  if (layer < 0 || layer >= TINYML_NUM_LAYERS) return NULL;
  return tinyml_layer_names[layer];
}

int tinyml_invoke(const int8_t *input, int8_t *output) {
#ifdef TINYML_ARENA_GUARD
  int g;
  for (g = 0; g < TINYML_GUARD_BYTES; ++g) {
    tinyml_arena_storage[g] = (int8_t)(0x5a ^ g);
    tinyml_arena_storage[TINYML_GUARD_BYTES + TINYML_ARENA_ALLOC + g] = (int8_t)(0x3c ^ g);
  }
#endif
  if (input == NULL || output == NULL) return -1;
  (void)tinyml_arena; /* a model may keep every tensor in the caller's buffers */
${invokeBody.join('\n')}
#ifdef TINYML_ARENA_GUARD
  for (g = 0; g < TINYML_GUARD_BYTES; ++g) {
    if (tinyml_arena_storage[g] != (int8_t)(0x5a ^ g)) return -2;
    if (tinyml_arena_storage[TINYML_GUARD_BYTES + TINYML_ARENA_ALLOC + g] != (int8_t)(0x3c ^ g)) return -2;
  }
#endif
  return 0;
}
`;
  return { modelH, modelC, kernels: [...kernels].sort(), weightBytes, scratchBytes };
}

/** The 256-entry table of an elementwise int8 op, from the reference interpreter. */
export function elementwiseTable(g: Graph, op: Op, runGraph: RunGraph, where: string): Int8Array {
  const x = g.tensors[op.inputs[0]!]!;
  const y = g.tensors[op.outputs[0]!]!;
  tensorQuant(g, op.inputs[0]!, where);
  tensorQuant(g, op.outputs[0]!, where);
  const mini: Graph = {
    name: `${g.name}/${op.name}`,
    tensors: [
      { name: x.name, shape: [256], dtype: 'int8', quant: x.quant! },
      { name: y.name, shape: [256], dtype: 'int8', quant: y.quant! },
    ],
    ops: [{ ...op, inputs: [0], outputs: [1] } as Op],
    inputs: [0],
    outputs: [1],
  };
  const values = new Int8Array(256);
  for (let i = 0; i < 256; i++) values[i] = i - 128;
  const [out] = runGraph(mini, [values]);
  if (!(out instanceof Int8Array) || out.length !== 256) throw new Error(`${where}: reference returned no int8 table`);
  return out;
}

export const LUT_OP_KINDS = LUT_OPS;
