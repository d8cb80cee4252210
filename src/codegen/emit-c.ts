/**
 * The C emitter: a quantized Graph + a memory plan → model.h / model.c.
 *
 * Contract of the generated code (documented again in model.h for its users):
 * - `const` weight and bias arrays (16-byte aligned, so they land in flash), per-layer constants
 *   from each op's `prepare` (src/ops/), one static arena whose offsets come from the memory
 *   planner (activations and kernel scratch), and `tinyml_invoke()` calling each op's kernel.
 * - Any number of model inputs and outputs, each in the caller's buffers: one pointer per
 *   tensor (`tinyml_invoke_tensors`) or all of them packed back to back at fixed offsets
 *   (`tinyml_invoke`).
 * - No malloc, no interpreter; floating point only inside the kernels TFLM itself runs in
 *   float (Mean and Concatenation with differing quantization, Cast to or from a float tensor).
 * - Deterministic: the same graph gives byte-identical files (no timestamps, stable order).
 *
 * Each op writes its own layer through its definition's `emitC` (the single definition of its
 * constants is its `prepare`, shared with the reference interpreter).
 */
import type { DType, Graph, Tensor } from '../ir/graph.js';
import { elementCount, tensorBytes } from '../ir/graph.js';
import { TinymlError } from '../errors.js';
import { arrayBody, cComment, cFloat, cInt32, cInt64, cString, cType } from '../ops/common.js';
import type { EmitContext } from '../ops/op-def.js';
import { opDef } from '../ops/registry.js';
import type { GraphBuffers, MemoryPlan, StreamGroup } from '../plan/planner.js';
import { formatPlan, stateHomes } from '../plan/planner.js';

export interface EmitOptions {
  modelHash: string;
  /** The board's kernel set (scratch sizes and kernel variants depend on it). */
  kernelSet: string;
  /** Each op's prepared constants (src/ops `prepare`), by op index. */
  prepared: readonly unknown[];
}

export interface EmittedModel {
  modelH: string;
  modelC: string;
  /** Kernel file base names used (e.g. 'conv2d_s8'), sorted. */
  kernels: string[];
  weightBytes: number;
}

/** Alignment of each tensor inside the packed input/output buffers of `tinyml_invoke`. */
export const IO_ALIGNMENT = 8;

export interface IoLayout {
  /** Per graph input/output: byte offset in the packed buffer and byte size. */
  tensors: { tensor: number; offset: number; bytes: number }[];
  /** Packed size (the last tensor's end; 0 when there are none). */
  bytes: number;
}

/** Where each tensor sits in the packed buffer: in order, each at a multiple of IO_ALIGNMENT. */
export function ioLayout(g: Graph, tensors: readonly number[]): IoLayout {
  let offset = 0;
  const out = tensors.map((t) => {
    const o = Math.ceil(offset / IO_ALIGNMENT) * IO_ALIGNMENT;
    const bytes = tensorBytes(g.tensors[t]!);
    offset = o + bytes;
    return { tensor: t, offset: o, bytes };
  });
  return { tensors: out, bytes: offset };
}

function weightLiteral(t: Tensor): { ctype: string; body: string } {
  const data = t.data!;
  switch (t.dtype) {
    case 'int8':
    case 'uint8':
    case 'bool':
      return { ctype: cType(t.dtype), body: arrayBody(data as ArrayLike<number>, 20) };
    case 'int16':
      return { ctype: 'int16_t', body: arrayBody(data as ArrayLike<number>, 12) };
    case 'int32':
      return { ctype: 'int32_t', body: arrayBody(data as ArrayLike<number>, 8, cInt32) };
    case 'int64': {
      const vals = Array.from(data);
      const lines: string[] = [];
      for (let i = 0; i < vals.length; i += 6) lines.push('  ' + vals.slice(i, i + 6).map(cInt64).join(', '));
      return { ctype: 'int64_t', body: lines.join(',\n') };
    }
    case 'float32':
      return { ctype: 'float', body: arrayBody(data as ArrayLike<number>, 6, cFloat) };
    case 'float16':
    case 'resource':
    case 'opaque':
      throw new TinymlError('unsupported', `constant tensor '${t.name}' is ${t.sourceType ?? t.dtype}; the generated code has no kernels for it`);
  }
}

/** C enum value of a dtype in model.h (TINYML_DTYPE_*). */
function dtypeId(d: DType): string {
  return `TINYML_DTYPE_${d.toUpperCase()}`;
}

/**
 * Bytes of model.c's RAM (its one static object, `tinyml_state`) for an arena of `arenaBytes`
 * and `stateBytes` of state on a target whose pointers take `pointerBytes`: the arena (at least
 * 1 byte), the state region (when there is one) at the next 16-byte boundary, then the hook
 * pointer at its alignment, the whole rounded up to the 16-byte alignment of its members.
 */
export function modelRamBytes(arenaBytes: number, pointerBytes: number, stateBytes = 0): number {
  const alloc = Math.max(arenaBytes, 1);
  const end = stateBytes > 0 ? Math.ceil(alloc / 16) * 16 + stateBytes : alloc;
  const hookAt = Math.ceil(end / pointerBytes) * pointerBytes;
  return Math.ceil((hookAt + pointerBytes) / 16) * 16;
}

export function emitModel(g: Graph, plan: MemoryPlan, buffers: GraphBuffers, opts: EmitOptions): EmittedModel {
  if (g.inputs.length === 0 || g.outputs.length === 0) {
    throw new TinymlError('unsupported', `${g.name}: the model has ${g.inputs.length} inputs and ${g.outputs.length} outputs; the C code generator needs at least one of each`);
  }
  for (const o of g.outputs) {
    if (!g.ops.some((op) => op.outputs.includes(o))) {
      throw new TinymlError('unsupported', `${g.name}: no layer computes the output '${g.tensors[o]!.name}' (an empty or pass-through model)`);
    }
  }
  const inLayout = ioLayout(g, g.inputs);
  const outLayout = ioLayout(g, g.outputs);

  const weightDecls: string[] = [];
  const emittedWeights = new Map<number, string>();
  let weightBytes = 0;
  const kernels = new Set<string>();
  const inputIndex = new Map(g.inputs.map((t, k) => [t, k]));
  const outputIndex = new Map(g.outputs.map((t, k) => [t, k]));

  const weight = (t: number): string => {
    const existing = emittedWeights.get(t);
    if (existing) return existing;
    const tensor = g.tensors[t]!;
    if (!tensor.data) throw new Error(`tensor ${t} '${tensor.name}' is not a constant`);
    const name = `tinyml_w${t}`;
    const { ctype, body } = weightLiteral(tensor);
    weightBytes += tensorBytes(tensor);
    weightDecls.push(`/* ${cComment(tensor.name)} [${tensor.shape.join(', ')}] */\nstatic const ${ctype} ${name}[${Math.max(tensor.data.length, 1)}] TINYML_ALIGN(16) = {\n${body || '  0'}\n};`);
    emittedWeights.set(t, name);
    return name;
  };

  const state = buffers.state;
  const statePtr = (entry: number, ct: string): string => {
    const off = state.entries[entry]!.offset;
    return ct === 'uint8_t' ? `(tinyml_kept + ${off})` : `((${ct} *)(tinyml_kept + ${off}))`;
  };
  const ptr = (t: number): string => {
    const tensor = g.tensors[t]!;
    const ct = cType(tensor.dtype);
    const h = buffers.homes[t];
    if (h?.kind === 'state') return statePtr(h.entry, ct);
    const outK = outputIndex.get(t);
    if (outK !== undefined) return `((${ct} *)outputs[${outK}])`;
    const inK = inputIndex.get(t);
    if (inK !== undefined && h?.kind !== 'arena') return `((const ${ct} *)inputs[${inK}])`;
    if (!h) throw new Error(`tensor ${t} '${tensor.name}' has no home in the memory plan`);
    if (h.kind === 'const') return weight(t);
    if (h.kind !== 'arena') throw new Error(`tensor ${t} '${tensor.name}' is planned as ${h.kind}`);
    const off = plan.placements[h.request]!.offset;
    return ct === 'int8_t' ? `(tinyml_arena + ${off})` : `((${ct} *)(tinyml_arena + ${off}))`;
  };
  const onceFlag = (si: number, i: number, where: string): string => {
    const e = state.entries.find((x) => x.kind === 'flag' && x.subgraph === si && x.index === i);
    if (!e) throw new Error(`${where}: no state flag was laid out for it`);
    return `tinyml_kept[${e.offset}]`;
  };

  const layerDecls: string[] = [];
  const subgraphFns: string[] = [];
  const emitted = new Set<number>();
  const subgraphCall = (k: number, where: string): string => {
    const sg = g.subgraphs?.[k - 1];
    if (!sg) throw new TinymlError('unsupported', `${where}: the model has no subgraph ${k}`);
    if (!emitted.has(k)) {
      emitted.add(k);
      subgraphFns.push(emitSubgraph(sg, k));
    }
    return `tinyml_subgraph${k}();`;
  };
  /**
   * A subgraph as a C function. Its tensors must need no arena (constants, variable tensors and
   * resource variables only) — what TFLite's converter puts in a CALL_ONCE init subgraph.
   */
  const emitSubgraph = (sg: Graph, k: number): string => {
    const homes = stateHomes(g, k, state);
    const body: string[] = [];
    const sgWeights = new Map<number, string>();
    const sgWeight = (t: number): string => {
      const existing = sgWeights.get(t);
      if (existing) return existing;
      const tensor = sg.tensors[t]!;
      if (!tensor.data) throw new Error(`subgraph ${k} tensor ${t} '${tensor.name}' is not a constant`);
      const name = `tinyml_s${k}_w${t}`;
      const { ctype, body: lit } = weightLiteral(tensor);
      weightBytes += tensorBytes(tensor);
      weightDecls.push(`/* subgraph ${k}: ${cComment(tensor.name)} [${tensor.shape.join(', ')}] */\nstatic const ${ctype} ${name}[${Math.max(tensor.data.length, 1)}] TINYML_ALIGN(16) = {\n${lit || '  0'}\n};`);
      sgWeights.set(t, name);
      return name;
    };
    sg.ops.forEach((op, i) => {
      const where = `subgraph ${k} layer ${i} '${op.name}' (${op.kind})`;
      const def = opDef(op);
      const sgPtr = (t: number): string => {
        const tensor = sg.tensors[t]!;
        const h = homes.get(t);
        if (h?.kind === 'state') return statePtr(h.entry, cType(tensor.dtype));
        if (tensor.data) return sgWeight(t);
        throw new TinymlError(
          'unsupported',
          `${where}: tensor '${tensor.name}' is computed at run time; the C generator runs init subgraphs whose values are constants, variable tensors or resource variables only`,
        );
      };
      const prepared = def.prepare(sg, op);
      if ((def.scratchBytes?.(sg, op, prepared, opts.kernelSet, false) ?? 0) > 0) {
        throw new TinymlError('unsupported', `${where}: kernel scratch is not available in an init subgraph`);
      }
      const ctx: EmitContext = {
        g: sg,
        index: i,
        prefix: `s${k}_l${i}`,
        where,
        kernelSet: opts.kernelSet,
        ptr: sgPtr,
        weight: sgWeight,
        scratch: () => 'NULL',
        scratchBytes: 0,
        decl: (...lines) => layerDecls.push(...lines),
        call: (...lines) => body.push(...lines),
        onceFlag: () => {
          throw new TinymlError('unsupported', `${where}: CALL_ONCE inside a called subgraph is not supported`);
        },
        subgraphCall: () => {
          throw new TinymlError('unsupported', `${where}: a called subgraph may not call another`);
        },
      };
      body.push(`/* ${i}: ${cComment(op.name)} (${op.kind}) */`);
      for (const kk of def.emitC(ctx, op, prepared)) kernels.add(kk);
    });
    return `/* subgraph ${k} '${cComment(sg.name)}', run by CALL_ONCE */\nstatic void tinyml_subgraph${k}(void) {\n${body.map((l) => `  ${l}`).join('\n')}\n}`;
  };

  const invokeBody: string[] = [];
  const groupAt = new Map(buffers.streams.map((sg) => [sg.first, sg]));
  const groupOf = new Map<number, StreamGroup>();
  for (const sg of buffers.streams) for (let i = sg.first; i <= sg.last; i++) groupOf.set(i, sg);
  const layerCtx = (i: number, body: string[]): EmitContext => {
    const op = g.ops[i]!;
    const where = `layer ${i} '${op.name}' (${op.kind})`;
    return {
      g,
      index: i,
      prefix: `l${i}`,
      where,
      kernelSet: opts.kernelSet,
      ptr,
      weight,
      scratch: () => {
        const r = buffers.scratch[i];
        return r === undefined ? 'NULL' : `(tinyml_arena + ${plan.placements[r]!.offset})`;
      },
      scratchBytes: buffers.scratch[i] === undefined ? 0 : plan.placements[buffers.scratch[i]!]!.size,
      decl: (...lines) => layerDecls.push(...lines),
      call: (...lines) => body.push(...lines),
      onceFlag: () => onceFlag(0, i, where),
      subgraphCall: (k) => subgraphCall(k, where),
    };
  };
  /**
   * A stream group (src/plan/planner.ts StreamGroup): each op's own constants, then one loop
   * over the rows of the group's layer that computes the producer's rows into the window just
   * before they are needed and passes each output row through the fused ADD.
   */
  const emitGroup = (sg: StreamGroup): string[] => {
    for (let i = sg.first; i <= sg.last; i++) {
      const op = g.ops[i]!;
      for (const k of opDef(op).emitC(layerCtx(i, []), op, opts.prepared[i])) kernels.add(k);
    }
    kernels.add('conv_rows_s8');
    const fn = (i: number) => (g.ops[i]!.kind === 'DepthwiseConv2D' ? 'tinyml_depthwise_conv2d_s8' : 'tinyml_conv2d_s8');
    const scratchR = buffers.scratch[sg.layer];
    const scr = scratchR === undefined ? 'NULL, 0' : `(tinyml_arena + ${plan.placements[scratchR]!.offset}), ${plan.placements[scratchR]!.size}`;
    const rowsCall = (i: number, input: string, row0: string, r0: string, out: string) => {
      const op = g.ops[i]!;
      const b = op.inputs[2] ?? -1;
      return `if (tinyml_conv_rows_s8(${fn(i)}, &l${i}_p, l${i}_mult, l${i}_shift, &l${i}_in, ${input}, ${row0}, &l${i}_w, ${weight(op.inputs[1]!)}, ${b >= 0 ? weight(b) : 'NULL'}, &l${i}_out, ${r0}, ${r0} + 1, ${out}, ${scr}) != TINYML_OK) return -3;`;
    };
    const opB = g.ops[sg.layer]!;
    const { inH, outH, strideH, padH, spanH, inRowBytes: inRow, outRowBytes: outRow } = sg.rows;
    const lines: string[] = [];
    const names = [sg.producer, sg.layer, sg.add].filter((i) => i >= 0).map((i) => `${i}`);
    lines.push(`{ /* layers ${names.join(', ')} streamed: one row of layer ${sg.layer}'s output at a time */`, '  int32_t r;');
    if (sg.add >= 0) lines.push(`  tinyml_shape4_t add_row = l${sg.add}_out; /* one row of the ADD (.h = 1 below) */`);
    let bInput: string;
    let bRow0: string;
    if (sg.producer >= 0) {
      const win = ptr(opB.inputs[0]!);
      lines.push(
        `  int32_t lo, hi, base = 0, have = 0; /* rows [base, have) of layer ${sg.producer}'s output are in its ${sg.windowRows}-row window */`,
        `  int8_t *const win = ${win};`,
      );
      bInput = 'win';
      bRow0 = 'base';
    } else {
      bInput = ptr(opB.inputs[0]!);
      bRow0 = '0';
    }
    if (sg.add >= 0) lines.push('  add_row.h = 1;');
    lines.push(`  for (r = 0; r < ${outH}; ++r) {`);
    if (sg.producer >= 0) {
      lines.push(
        `    lo = r * ${strideH} - ${padH};`,
        `    hi = lo + ${spanH} < ${inH} ? lo + ${spanH} : ${inH};`,
        '    if (lo < 0) lo = 0;',
        '    if (have < lo) have = lo;',
        `    if (lo > base) {`,
        `      memmove(win, win + (lo - base) * ${inRow}, (size_t)((have - lo) * ${inRow}));`,
        '      base = lo;',
        '    }',
        `    for (; have < hi; ++have) {`,
        `      ${rowsCall(sg.producer, ptr(g.ops[sg.producer]!.inputs[0]!), '0', 'have', `win + (have - base) * ${inRow}`)}`,
        '    }',
      );
    }
    if (sg.add >= 0) {
      const opAdd = g.ops[sg.add]!;
      const row = ptr(opB.outputs[0]!);
      const res = `${ptr(sg.residual)} + r * ${outRow}`;
      const [in1, in2] = opAdd.inputs[0] === opB.outputs[0] ? [row, res] : [res, row];
      lines.push(`    ${rowsCall(sg.layer, bInput, bRow0, 'r', row)}`, `    tinyml_add_s8(&l${sg.add}_p, &add_row, l${sg.add}_s1, ${in1}, l${sg.add}_s2, ${in2}, ${ptr(opAdd.outputs[0]!)} + r * ${outRow});`);
    } else {
      lines.push(`    ${rowsCall(sg.layer, bInput, bRow0, 'r', `${ptr(opB.outputs[0]!)} + r * ${outRow}`)}`);
    }
    lines.push('  }', '}');
    return lines;
  };
  g.ops.forEach((op, i) => {
    const group = groupOf.get(i);
    if (group) {
      invokeBody.push(`  /* ${i}: ${cComment(op.name)} (${op.kind}) */`, `  TINYML_LAYER_BEGIN(${i});`);
      if (groupAt.get(i) === group) for (const line of emitGroup(group)) invokeBody.push(`  ${line}`);
      else invokeBody.push(`  /* (in the stream of layers ${group.first}..${group.last}, counted under layer ${group.first}) */`);
      invokeBody.push(`  TINYML_LAYER_END(${i});`);
      return;
    }
    const def = opDef(op);
    const body: string[] = [];
    for (const k of def.emitC(layerCtx(i, body), op, opts.prepared[i])) kernels.add(k);
    invokeBody.push(`  /* ${i}: ${cComment(op.name)} (${op.kind}) */`, `  TINYML_LAYER_BEGIN(${i});`);
    for (const line of body) invokeBody.push(`  ${line}`);
    invokeBody.push(`  TINYML_LAYER_END(${i});`);
  });

  const numLayers = g.ops.length;
  // Arena offset of each input's slot (-1: the caller's buffer).
  const inSlots = g.inputs.map((t) => {
    const h = buffers.homes[t];
    return h?.kind === 'arena' ? plan.placements[h.request]!.offset : -1;
  });
  const allInArena = inSlots.every((o) => o >= 0);
  const inputKept = buffers.inputs !== 'reused';
  const arenaAlloc = Math.max(plan.arenaBytes, 1);
  const ioDefines = (label: 'INPUT' | 'OUTPUT', layout: IoLayout): string =>
    layout.tensors
      .map((io, k) => {
        const t = g.tensors[io.tensor]!;
        return `#define TINYML_${label}${k}_BYTES ${io.bytes}\n#define TINYML_${label}${k}_OFFSET ${io.offset}\n#define TINYML_${label}${k}_TYPE ${cType(t.dtype)}`;
      })
      .join('\n');
  const headerGuard = 'TINYML_MODEL_H';
  const modelH = `/*
 * ${cComment(g.name)}: quantized model compiled by tinyml (model hash ${opts.modelHash}).
 *
 * How to call it (one input, one output):
 *
 *   TINYML_INPUT0_TYPE in[TINYML_INPUT0_BYTES / sizeof(TINYML_INPUT0_TYPE)];
 *   TINYML_OUTPUT0_TYPE out[TINYML_OUTPUT0_BYTES / sizeof(TINYML_OUTPUT0_TYPE)];
 *   // quantize sensor data: q = round(x / tinyml_input_scale(0)) + tinyml_input_zero_point(0)
 *   if (tinyml_invoke(in, out) == 0) {
 *     // dequantize: y = (out[i] - tinyml_output_zero_point(0)) * tinyml_output_scale(0)
 *   }
 *
 * - Several inputs or outputs: tinyml_invoke_tensors(inputs, outputs) takes one pointer per
 *   tensor (in model order); tinyml_invoke(in, out) takes them packed back to back, tensor k at
 *   byte TINYML_INPUTk_OFFSET / TINYML_OUTPUTk_OFFSET (multiples of ${IO_ALIGNMENT}), in buffers of
 *   TINYML_INPUT_BYTES / TINYML_OUTPUT_BYTES aligned to ${IO_ALIGNMENT} bytes.
 * - tinyml_invoke*() return 0 on success, -1 for a NULL buffer, -2 when the arena guard
 *   (compiled in with -DTINYML_ARENA_GUARD) finds the arena overrun, -3 when a layer refuses
 *   its buffers or its run-time input: scratch too small, output on its input where its kernel
 *   set does not allow it (the project built with a kernel set it was not generated for), or a
 *   GATHER index outside its axis (that layer's output is zeroed and the invocation stops there).
 * - Inputs live in the arena: write input k into tinyml_input_buffer(k) (TINYML_INPUTk_BYTES,
 *   aligned) and pass that pointer, and nothing is copied; any other buffer you pass is copied
 *   there first. TINYML_INPUT_KEPT is 1 when an invocation leaves those bytes as they were (run
 *   the same input again without refilling it), 0 when the memory plan reuses them once the
 *   input is read: then refill before every call. (tinyml_input_buffer(k) is NULL for an input
 *   that is also an output: pass your own buffer.) Outputs are the caller's buffers, anywhere in
 *   RAM. The arena (TINYML_ARENA_BYTES, exact: inputs, activations and kernel scratch) is a
 *   static array in model.c.
 * - No malloc. Not re-entrant: one invocation at a time (the arena is shared).
 * - State: models with recurrent state (LSTM, SVDF, resource variables) keep
 *   TINYML_STATE_BYTES bytes (in model.c's static object, beside the arena) that persist from
 *   one invocation to the next, so consecutive calls process a stream. tinyml_reset() returns it to its initial value (a
 *   new stream). TINYML_STATE_BYTES is 0 for stateless models, and tinyml_reset() does nothing.
 * - Per-layer timing: tinyml_set_layer_hook(f) makes tinyml_invoke() call f(layer, 0) before
 *   and f(layer, 1) after each of the TINYML_NUM_LAYERS layers (names: tinyml_layer_name()).
 */
#ifndef ${headerGuard}
#define ${headerGuard}

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TINYML_NUM_INPUTS ${g.inputs.length}
#define TINYML_NUM_OUTPUTS ${g.outputs.length}
#define TINYML_INPUT_BYTES ${inLayout.bytes}
#define TINYML_OUTPUT_BYTES ${outLayout.bytes}
#define TINYML_IO_ALIGNMENT ${IO_ALIGNMENT}
${ioDefines('INPUT', inLayout)}
${ioDefines('OUTPUT', outLayout)}
#define TINYML_ARENA_BYTES ${plan.arenaBytes}
/* Every input in the arena (tinyml_input_buffer), and whether an invocation leaves it intact. */
#define TINYML_INPUTS_IN_ARENA ${allInArena ? 1 : 0}
#define TINYML_INPUT_KEPT ${inputKept ? 1 : 0}
#define TINYML_STATE_BYTES ${state.bytes}
#define TINYML_NUM_LAYERS ${numLayers}

/* Element types of inputs and outputs (tinyml_input_type / tinyml_output_type). */
enum { TINYML_DTYPE_INT8 = 1, TINYML_DTYPE_INT16 = 2, TINYML_DTYPE_INT32 = 3, TINYML_DTYPE_INT64 = 4, TINYML_DTYPE_UINT8 = 5, TINYML_DTYPE_BOOL = 6, TINYML_DTYPE_FLOAT32 = 7, TINYML_DTYPE_FLOAT16 = 8 };

int tinyml_invoke(const void *input, void *output);
int tinyml_invoke_tensors(const void *const *inputs, void *const *outputs);
/* Restore the state kept between invocations to its initial value (start of a new stream). */
void tinyml_reset(void);

const char *tinyml_model_name(void);
/* Hex of the first 8 bytes of the SHA-256 of the model's canonical form. */
const char *tinyml_model_hash(void);

/* Quantization, type and shape of input / output k (0 for out-of-range k). */
float tinyml_input_scale(int k);
int32_t tinyml_input_zero_point(int k);
int tinyml_input_type(int k);
float tinyml_output_scale(int k);
int32_t tinyml_output_zero_point(int k);
int tinyml_output_type(int k);
/* Fill dims[4] (trailing 1s for lower ranks) and return the tensor's rank (-1 out of range). */
int tinyml_input_dims(int k, int32_t *dims);
int tinyml_output_dims(int k, int32_t *dims);
/* Where input k lives in the arena (TINYML_INPUTk_BYTES, aligned), NULL when it is not there. */
void *tinyml_input_buffer(int k);
/* Bytes of input / output k. */
uint32_t tinyml_input_bytes(int k);
uint32_t tinyml_output_bytes(int k);
/* Byte offset of input / output k in the packed buffers of tinyml_invoke(). */
uint32_t tinyml_input_offset(int k);
uint32_t tinyml_output_offset(int k);
/* Elements of input / output k. */
uint32_t tinyml_input_count(int k);
uint32_t tinyml_output_count(int k);

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
  const q = (t: number) => ({ scale: g.tensors[t]!.quant?.scale[0] ?? 0, zeroPoint: g.tensors[t]!.quant?.zeroPoint[0] ?? 0 });
  const dims4 = (t: number) => {
    const s = [...g.tensors[t]!.shape];
    while (s.length < 4) s.push(1);
    return s;
  };
  const ioTables = (label: 'in' | 'out', tensors: readonly number[]): string => {
    const n = Math.max(tensors.length, 1);
    const dims = tensors.map((t) => dims4(t).slice(0, 4));
    const maxRank = 4;
    return [
      `static const float tinyml_${label}_scale[${n}] = {${tensors.map((t) => cFloat(q(t).scale)).join(', ') || '0'}};`,
      `static const int32_t tinyml_${label}_zp[${n}] = {${tensors.map((t) => q(t).zeroPoint).join(', ') || '0'}};`,
      `static const int32_t tinyml_${label}_type[${n}] = {${tensors.map((t) => dtypeId(g.tensors[t]!.dtype)).join(', ') || '0'}};`,
      `static const int32_t tinyml_${label}_rank[${n}] = {${tensors.map((t) => g.tensors[t]!.shape.length).join(', ') || '0'}};`,
      `static const int32_t tinyml_${label}_dims[${n}][${maxRank}] = {${dims.map((d) => `{${[...d, ...new Array(maxRank - d.length).fill(1)].join(', ')}}`).join(', ') || '{0}'}};`,
      `static const uint32_t tinyml_${label}_offset[${n}] = {${(label === 'in' ? inLayout : outLayout).tensors.map((io) => io.offset).join(', ') || '0'}};`,
      `static const uint32_t tinyml_${label}_count[${n}] = {${tensors.map((t) => elementCount(g.tensors[t]!.shape)).join(', ') || '0'}};`,
      `static const uint32_t tinyml_${label}_bytes[${n}] = {${tensors.map((t) => tensorBytes(g.tensors[t]!)).join(', ') || '0'}};`,
    ].join('\n');
  };
  const accessors = (label: 'in' | 'out', name: 'input' | 'output', count: number): string => `float tinyml_${name}_scale(int k) { return k >= 0 && k < ${count} ? tinyml_${label}_scale[k] : 0.0f; }
int32_t tinyml_${name}_zero_point(int k) { return k >= 0 && k < ${count} ? tinyml_${label}_zp[k] : 0; }
int tinyml_${name}_type(int k) { return k >= 0 && k < ${count} ? (int)tinyml_${label}_type[k] : 0; }
int tinyml_${name}_dims(int k, int32_t *dims) {
  int i;
  if (k < 0 || k >= ${count}) return -1;
  for (i = 0; i < 4; ++i) dims[i] = tinyml_${label}_dims[k][i];
  return (int)tinyml_${label}_rank[k];
}
uint32_t tinyml_${name}_offset(int k) { return k >= 0 && k < ${count} ? tinyml_${label}_offset[k] : 0u; }
uint32_t tinyml_${name}_count(int k) { return k >= 0 && k < ${count} ? tinyml_${label}_count[k] : 0u; }
uint32_t tinyml_${name}_bytes(int k) { return k >= 0 && k < ${count} ? tinyml_${label}_bytes[k] : 0u; }`;

  const readyOffset = state.entries.find((e) => e.kind === 'flag' && e.subgraph === -1)?.offset ?? -1;
  const stateDecl =
    state.bytes > 0
      ? `/* State kept between invocations (${state.bytes} bytes, zero-initialized; tinyml_reset() restores it):\n${state.entries
          .map((e) => ` *   ${e.offset}..${e.offset + e.size - 1}: ${e.kind} '${cComment(e.name)}'${e.fill ? `, starts at byte ${e.fill}` : ''}`)
          .join('\n')}\n */\n#define tinyml_kept (tinyml_state.kept)\n`
      : '';
  const stateMember = state.bytes > 0 ? `  uint8_t kept[${state.bytes}] TINYML_ALIGN(16); /* state kept between invocations */\n` : '';
  const fills = state.entries.filter((e) => e.fill !== 0 && e.size > 0);
  const resetFn =
    state.bytes > 0
      ? `void tinyml_reset(void) {\n  size_t i;\n  for (i = 0; i < ${state.bytes}u; ++i) tinyml_kept[i] = 0;\n${fills
          .map((e) => `  for (i = ${e.offset}u; i < ${e.offset + e.size}u; ++i) tinyml_kept[i] = (uint8_t)${e.fill & 0xff}u; /* ${cComment(e.name)} */\n`)
          .join('')}${state.needsInit ? `  tinyml_kept[${readyOffset}] = 1;\n` : ''}}`
      : 'void tinyml_reset(void) {}';
  const modelC = `/*
 * ${cComment(g.name)} (model hash ${opts.modelHash}), compiled by tinyml.
 * Kernels: ${[...kernels].sort().join(', ')}.
 *
 * Memory plan (offsets into tinyml_arena; first/last = layer indices):
${planTable}
 */
#include <stddef.h>
#include <stdint.h>
${buffers.streams.length ? '#include <string.h>\n' : ''}
#include "model.h"
#include "tinyml_kernels.h"

#define TINYML_ARENA_ALLOC ${arenaAlloc}
#ifdef TINYML_ARENA_GUARD
/* 16 canary bytes either side of the arena, checked after every invocation. */
#define TINYML_GUARD_BYTES 16
#else
#define TINYML_GUARD_BYTES 0
#endif
${stateDecl}/*
 * All of the model's RAM is this one object: the arena (activations and kernel scratch), the
 * state kept between invocations (if the model has any) and the layer hook. Its size is what
 * \`tinyml convert\` reports as the model's RAM (src/codegen/emit-c.ts modelRamBytes); the
 * linker map shows it as model.o's .bss.
 */
static struct {
  int8_t storage[TINYML_ARENA_ALLOC + 2 * TINYML_GUARD_BYTES] TINYML_ALIGN(16);
${stateMember}  tinyml_layer_hook_t hook;
} tinyml_state;
#define tinyml_arena_storage (tinyml_state.storage)
#define tinyml_arena (tinyml_state.storage + TINYML_GUARD_BYTES)
#define tinyml_hook (tinyml_state.hook)
#define TINYML_LAYER_BEGIN(i) do { if (tinyml_hook) tinyml_hook((i), 0); } while (0)
#define TINYML_LAYER_END(i) do { if (tinyml_hook) tinyml_hook((i), 1); } while (0)

/* ---- weights and biases (const: placed in flash) ---- */
${weightDecls.join('\n\n')}

/* ---- per-layer parameters ---- */
${layerDecls.join('\n')}
${subgraphFns.length ? `\n/* ---- subgraphs ---- */\n${subgraphFns.join('\n\n')}\n` : ''}
${resetFn}

static const char *const tinyml_layer_names[${Math.max(numLayers, 1)}] = {
${g.ops.length ? g.ops.map((op) => `  ${cString(op.name)}`).join(',\n') : '  ""'}
};

${ioTables('in', g.inputs)}
${ioTables('out', g.outputs)}

const char *tinyml_model_name(void) { return ${cString(g.name)}; }
const char *tinyml_model_hash(void) { return "${opts.modelHash}"; }
${accessors('in', 'input', g.inputs.length)}
${accessors('out', 'output', g.outputs.length)}

/* Arena offset of each input (TINYML_NO_SLOT: the caller's buffer is used as it is). */
#define TINYML_NO_SLOT 0xFFFFFFFFu
static const uint32_t tinyml_in_slot[${Math.max(g.inputs.length, 1)}] = {${inSlots.map((o) => (o < 0 ? 'TINYML_NO_SLOT' : `${o}u`)).join(', ') || 'TINYML_NO_SLOT'}};

void *tinyml_input_buffer(int k) {
  if (k < 0 || k >= TINYML_NUM_INPUTS || tinyml_in_slot[k] == TINYML_NO_SLOT) return NULL;
  return tinyml_arena + tinyml_in_slot[k];
}

/* Input k into its arena slot, unless the caller filled the slot itself. */
static void tinyml_copy_in(int k, const void *src) {
  const uint8_t *s = (const uint8_t *)src;
  uint8_t *d;
  uint32_t i;
  if (tinyml_in_slot[k] == TINYML_NO_SLOT) return;
  d = (uint8_t *)(tinyml_arena + tinyml_in_slot[k]);
  if ((const void *)d == src) return;
  for (i = 0; i < tinyml_in_bytes[k]; ++i) d[i] = s[i];
}

void tinyml_set_layer_hook(tinyml_layer_hook_t hook) { tinyml_hook = hook; }

const char *tinyml_layer_name(int layer) {
  if (layer < 0 || layer >= TINYML_NUM_LAYERS) return NULL;
  return tinyml_layer_names[layer];
}

int tinyml_invoke_tensors(const void *const *inputs, void *const *outputs) {
  int k;
#ifdef TINYML_ARENA_GUARD
  int g;
  for (g = 0; g < TINYML_GUARD_BYTES; ++g) {
    tinyml_arena_storage[g] = (int8_t)(0x5a ^ g);
    tinyml_arena_storage[TINYML_GUARD_BYTES + TINYML_ARENA_ALLOC + g] = (int8_t)(0x3c ^ g);
  }
#endif
  if (inputs == NULL || outputs == NULL) return -1;
  for (k = 0; k < TINYML_NUM_INPUTS; ++k) if (inputs[k] == NULL) return -1;
  for (k = 0; k < TINYML_NUM_OUTPUTS; ++k) if (outputs[k] == NULL) return -1;
  for (k = 0; k < TINYML_NUM_INPUTS; ++k) tinyml_copy_in(k, inputs[k]);
  (void)tinyml_arena; /* a model may keep every tensor in the caller's buffers */
${state.needsInit ? `  if (!tinyml_kept[${readyOffset}]) tinyml_reset();\n` : ''}${invokeBody.join('\n')}
#ifdef TINYML_ARENA_GUARD
  for (g = 0; g < TINYML_GUARD_BYTES; ++g) {
    if (tinyml_arena_storage[g] != (int8_t)(0x5a ^ g)) return -2;
    if (tinyml_arena_storage[TINYML_GUARD_BYTES + TINYML_ARENA_ALLOC + g] != (int8_t)(0x3c ^ g)) return -2;
  }
#endif
  return 0;
}

int tinyml_invoke(const void *input, void *output) {
  const void *inputs[${Math.max(g.inputs.length, 1)}];
  void *outputs[${Math.max(g.outputs.length, 1)}];
  int k;
  if (input == NULL || output == NULL) return -1;
  for (k = 0; k < TINYML_NUM_INPUTS; ++k) inputs[k] = (const uint8_t *)input + tinyml_in_offset[k];
  for (k = 0; k < TINYML_NUM_OUTPUTS; ++k) outputs[k] = (uint8_t *)output + tinyml_out_offset[k];
  return tinyml_invoke_tensors(inputs, outputs);
}
`;
  return { modelH, modelC, kernels: [...kernels].sort(), weightBytes };
}

