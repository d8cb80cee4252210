/**
 * `convert`: model file → int8 C project for a board.
 *
 * Steps: import → quantize (float models only) → strip float edges → plan the arena →
 * emit model.h/model.c → lay out the board's template with only the kernels the model uses →
 * (host) measure code size → check the board's flash and RAM → write convert-report.json →
 * move the finished tree into place (written in a temporary sibling directory, then renamed,
 * so a failed convert never leaves half a project).
 */
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { BoardProfile } from '../boards/board.js';
import { writeArmProject } from '../build/arm-project.js';
import { measureCodeSize, type CodeSize } from '../build/host.js';
import { hasTool } from '../build/tools.js';
import { TinymlError } from '../errors.js';
import { importModel, supportedSourceOps } from '../importers/index.js';
import { compact } from '../importers/keras-lowering.js';
import { dropBoundaryOps } from '../ir/boundary-layout.js';
import { graphCost } from '../ops/cost.js';
import type { Graph } from '../ir/graph.js';
import { elementCount, tensorBytes } from '../ir/graph.js';
import type { Logger, ProgressFn } from '../log.js';
import { silentLogger } from '../log.js';
import { loadSamples, syntheticSamples } from '../quantize/calibration-data.js';
import type { ActivationDtype } from '../quantize/params.js';
import { quantizeModel, SYNTHETIC_WARNING, type QuantReport } from '../quantize/quantize.js';
import type { RunGraph } from '../reference/interpreter.js';
import { emitModel, ioLayout, modelRamBytes, type IoLayout } from '../codegen/emit-c.js';
import { opDef } from '../ops/registry.js';
import type { ConvGeometry } from '../ops/conv2d.js';
import { assertSupported } from '../ops/support.js';
import { modelHash } from '../codegen/model-hash.js';
import { templatesDir } from '../codegen/paths.js';
import { activationBytes, bufferRequests, formatPlan, latestSchedule, PLANNERS, type BufferOptions, type GraphBuffers, type MemoryPlan, type MemoryPlanner, type RowGeometry } from '../plan/planner.js';
import { needsQuantization, stripFloatEdges } from '../codegen/prepare.js';

export interface ConvertOptions {
  board: BoardProfile;
  outDir: string;
  runGraph: RunGraph;
  /** Calibration samples for float models (file or folder, see src/quantize/calibration-data.ts). */
  calibration?: string;
  /** Activation type a float model is quantized to: int8 (default) or int16 (16x8). */
  activations?: ActivationDtype;
  planner?: string;
  /**
   * Layers run a row at a time (src/plan/planner.ts StreamGroup): 'auto' (default) where that
   * makes the arena smaller and only there, 'none' never (fewest instructions), 'all' wherever
   * possible.
   */
  streaming?: Streaming;
  /**
   * Layout of the generated code's input and output buffers for models whose own layout is not
   * NHWC (ONNX NCHW): 'model' (default) keeps the model's, through the IR Transpose ops at the
   * boundary; 'nhwc' drops those ops (src/ir/boundary-layout.ts).
   */
  ioLayout?: 'model' | 'nhwc';
  /** Compile to measure code bytes (host template, when a C compiler is present). Default true. */
  measureCode?: boolean;
  logger?: Logger;
  onProgress?: ProgressFn;
}

export interface ConvertIo {
  name: string;
  shape: number[];
  dtype: string;
  scale: number;
  zeroPoint: number;
  bytes: number;
  offset: number;
}

export interface RegionFit {
  needed: number;
  available: number;
}

export interface PlannedTensor {
  tensor: number;
  name: string;
  offset: number;
  size: number;
  firstUse: number;
  lastUse: number;
}

export interface ConvertReport {
  model: string;
  modelName: string;
  modelHash: string;
  board: string;
  template: string;
  kernelSet: string;
  kernels: string[];
  layers: number;
  /** The first input and output (the whole I/O of most models). */
  input: ConvertIo;
  output: ConvertIo;
  /** Every input and output, with its byte offset in the packed buffers of tinyml_invoke(). */
  inputs: ConvertIo[];
  outputs: ConvertIo[];
  /** Packed sizes (TINYML_INPUT_BYTES, TINYML_OUTPUT_BYTES). */
  ioBytes: { input: number; output: number };
  /**
   * Where the inputs live: in the arena, kept intact through an invocation ('arena-kept') or
   * reused once read ('arena-reused': refill before every call; the runtime takes one
   * inference per load), or the caller's buffers ('caller': an input that is also an output).
   */
  inputHome: 'arena-kept' | 'arena-reused' | 'caller';
  /** Layers run a row at a time, one entry per group: its layer names in order (StreamGroup). */
  streamed: string[][];
  sizes: {
    weightBytes: number;
    /** text + data of model.o and the kernels, compiled for the host; null when not built. */
    codeBytes: number | null;
    arenaBytes: number;
    /** Static state kept between invocations (LSTM/SVDF state, resource variables): not in the arena, inside modelRamBytes. */
    stateBytes: number;
    /** model.c's RAM: the arena (activations + kernel scratch), the state and the layer hook, as the linker map shows it. */
    modelRamBytes: number;
    /** Sum of every activation tensor (what no memory planning would cost). */
    activationBytes: number;
    /** Arena of the linear (no reuse) planner, for comparison. */
    linearArenaBytes: number;
    macs: number;
  };
  fit: { flash: RegionFit; ram: RegionFit; flashEstimated: boolean };
  plan: {
    planner: string;
    alignment: number;
    arenaBytes: number;
    tensors: PlannedTensor[];
    /** Layers whose output is planned on their input (only the kernel set `kernelSet` allows it). */
    inPlaceLayers: number[];
    /** Kernel scratch bytes per layer (0: none), in the arena. */
    scratchBytes: number[];
    /** The state region (variable tensors, resource variables, CALL_ONCE flags), outside the arena. */
    state: { bytes: number; entries: { kind: string; name: string; offset: number; size: number }[] };
  };
  quantization: QuantReport | null;
  files: string[];
}

export interface ConvertResult {
  report: ConvertReport;
  /** The int8 graph the C code implements (float edges stripped). */
  graph: Graph;
  planText: string;
}

async function listFiles(dir: string, base = dir): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await listFiles(p, base)));
    else out.push(p.slice(base.length + 1));
  }
  return out.sort();
}

/** Import and, if needed, quantize: the int8 graph codegen works on. */
export async function loadInt8Graph(
  modelPath: string,
  opts: { runGraph: RunGraph; calibration?: string; activations?: ActivationDtype; logger?: Logger; onProgress?: ProgressFn },
): Promise<{ graph: Graph; quantization: QuantReport | null }> {
  const log = opts.logger ?? silentLogger;
  const imported = await importModel(modelPath);
  assertSupported(imported, supportedSourceOps(imported));
  if (!needsQuantization(imported)) return { graph: stripFloatEdges(imported), quantization: null };
  const inT = imported.tensors[imported.inputs[0]!]!;
  const size = elementCount(inT.shape);
  let calibration;
  if (opts.calibration) {
    calibration = await loadSamples(opts.calibration, size);
    log.info(`quantizing with ${calibration.samples.length} calibration samples from ${opts.calibration}`);
  } else {
    calibration = syntheticSamples(32, size, 1);
    log.warn(SYNTHETIC_WARNING);
  }
  const q = quantizeModel(imported, {
    run: opts.runGraph,
    calibration,
    logger: log,
    ...(opts.activations ? { activations: opts.activations } : {}),
    ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
  });
  return { graph: stripFloatEdges(q.graph), quantization: q.report };
}

function renderTemplate(text: string, kernelSources: string[]): string {
  return text.replace(/@KERNEL_SOURCES@/g, kernelSources.join(' '));
}

/** Copy the board's template and the model's kernels (board kernel set over reference, by file name). */
async function layoutProject(dir: string, board: BoardProfile, kernels: string[]): Promise<void> {
  const root = templatesDir();
  const templateDir = join(root, board.template);
  if (!existsSync(templateDir)) throw new TinymlError('input', `board '${board.id}': template directory ${templateDir} does not exist`);
  const kernelDir = join(root, 'kernels', board.kernels);
  if (!existsSync(kernelDir)) {
    throw new TinymlError('input', `board '${board.id}': kernel set '${board.kernels}' does not exist (${kernelDir})`, 'Kernel sets are never silently replaced; fix the board file.');
  }
  const refDir = join(root, 'kernels', 'reference');
  const kernelSources = kernels.map((k) => `kernels/${k}.c`);
  if (board.template === 'bare-metal-cortex-m') {
    // The firmware side lays out its own template around model.h and kernels/ (startup,
    // linker script and board.h from the board file), applying the board's kernel set.
    await copyKernels(dir, kernelDir, refDir, kernels);
    writeArmProject(dir, board);
    return;
  }
  for (const f of await listFiles(templateDir)) {
    const src = join(templateDir, f);
    if (f.endsWith('.in')) {
      const out = join(dir, f.slice(0, -3));
      await mkdir(dirname(out), { recursive: true });
      await writeFile(out, renderTemplate(await readFile(src, 'utf8'), kernelSources));
    } else {
      await mkdir(dirname(join(dir, f)), { recursive: true });
      await cp(src, join(dir, f));
    }
  }
  await copyKernels(dir, kernelDir, refDir, kernels);
}

/** kernels/: the shared header and the model's kernels, the board's set over reference by file name. */
async function copyKernels(dir: string, kernelDir: string, refDir: string, kernels: string[]): Promise<void> {
  await mkdir(join(dir, 'kernels'), { recursive: true });
  for (const name of ['tinyml_kernels.h', ...kernels.map((k) => `${k}.c`)]) {
    const preferred = join(kernelDir, name);
    const src = existsSync(preferred) ? preferred : join(refDir, name);
    if (!existsSync(src)) throw new TinymlError('input', `kernel file ${name} is missing from ${kernelDir} and ${refDir}`);
    await cp(src, join(dir, 'kernels', name));
  }
}

/** Pointer size of the board's C ABI (model.c's layer hook). */
export function pointerBytes(board: BoardProfile): number {
  if (board.core === 'host') return process.arch === 'ia32' || process.arch === 'arm' ? 4 : 8;
  if (board.core === 'avr') return 2;
  return 4;
}

function fmtBytes(n: number): string {
  return n >= 10240 ? `${n} bytes (${(n / 1024).toFixed(1)} KiB)` : `${n} bytes`;
}

/**
 * Buffer requests of `g` for a kernel set: each op's scratch, and its output on its input's
 * bytes where the set's kernel allows it (src/plan/planner.ts bufferRequests).
 */
export function planBuffers(
  g: Graph,
  prepared: readonly unknown[],
  kernelSet: string,
  inputs: BufferOptions['inputs'] = 'caller',
  stream: boolean | ((layer: number) => boolean) = false,
): GraphBuffers {
  const allow = typeof stream === 'function' ? stream : () => true;
  return bufferRequests(g, {
    scratchBytes: (i, inPlace) => opDef(g.ops[i]!).scratchBytes?.(g, g.ops[i]!, prepared[i], kernelSet, inPlace) ?? 0,
    inPlace: (i) => opDef(g.ops[i]!).inPlace?.(g, g.ops[i]!, kernelSet) ?? false,
    inputs,
    ...(stream ? { streaming: { conv: (i: number) => convRows(g, i, prepared[i]), add: (i: number) => sameShapeAddS8(g, i), allow } } : {}),
  });
}

/** Row geometry of op i when it is an int8 Conv2D or DepthwiseConv2D of batch 1 (tinyml_conv_rows_s8 can run it). */
function convRows(g: Graph, i: number, prepared: unknown): RowGeometry | undefined {
  const op = g.ops[i]!;
  if (op.kind !== 'Conv2D' && op.kind !== 'DepthwiseConv2D') return undefined;
  const p = prepared as Omit<ConvGeometry, 'filterInC'> & { dtype: string };
  if (p.dtype !== 'int8' || p.batches !== 1) return undefined;
  return { inH: p.inH, outH: p.outH, strideH: op.strideH, padH: p.padH, spanH: (p.kH - 1) * op.dilationH + 1, inRowBytes: p.inW * p.inC, outRowBytes: p.outW * p.outC };
}

/** Op i is an int8 ADD whose operands both have the output's shape. */
function sameShapeAddS8(g: Graph, i: number): boolean {
  const op = g.ops[i]!;
  if (op.kind !== 'Add') return false;
  const y = g.tensors[op.outputs[0]!]!;
  return y.dtype === 'int8' && op.inputs.length === 2 && op.inputs.every((t) => g.tensors[t]!.dtype === 'int8' && g.tensors[t]!.shape.join() === y.shape.join());
}

/**
 * The model's memory plan: graph inputs in the arena, kept intact through the invocation when
 * that costs no arena byte, else free for reuse once read (their bytes are then gone after an
 * invocation: model.h says so with TINYML_INPUT_KEPT 0); and conv-like layers run a row at a
 * time (StreamGroup) when that makes the arena smaller.
 */
export type Streaming = 'auto' | 'none' | 'all';

export function planModel(g: Graph, prepared: readonly unknown[], kernelSet: string, planner: MemoryPlanner, streaming: Streaming = 'auto'): { buffers: GraphBuffers; plan: MemoryPlan } {
  type Planned = { buffers: GraphBuffers; plan: MemoryPlan };
  const planned = (inputs: 'kept' | 'reused', stream: boolean | ((layer: number) => boolean)): Planned => {
    const buffers = planBuffers(g, prepared, kernelSet, inputs, stream);
    return { buffers, plan: planner.plan(buffers.requests) };
  };
  let best: Planned | undefined;
  const consider = (c: Planned) => {
    if (!best || c.plan.arenaBytes < best.plan.arenaBytes) best = c;
  };
  // In order of preference on a tie: the input kept, layers run whole.
  if (streaming !== 'all') for (const inputs of ['kept', 'reused'] as const) consider(planned(inputs, false));
  for (const inputs of ['kept', 'reused'] as const) {
    if (streaming === 'none') break;
    let current = planned(inputs, true);
    if (streaming === 'all') {
      consider(current);
      continue;
    }
    if (current.buffers.streams.length === 0) continue;
    // A streamed layer costs a kernel call per row: keep only the groups the arena needs.
    // Turning one group off can form another (the next layer takes its layer as producer), so
    // go over the groups until none can go.
    const off = new Set<number>();
    for (let changed = true; changed; ) {
      changed = false;
      for (const sg of current.buffers.streams) {
        const trial = planned(inputs, (layer) => layer !== sg.layer && !off.has(layer));
        if (trial.plan.arenaBytes <= current.plan.arenaBytes) {
          off.add(sg.layer);
          current = trial;
          changed = true;
          break;
        }
      }
    }
    if (current.buffers.streams.length > 0) consider(current);
  }
  return best!;
}

/** Generate the project for an already-imported int8 graph. */
export async function convertGraph(graph: Graph, modelPath: string, quantization: QuantReport | null, opts: ConvertOptions): Promise<ConvertResult> {
  const log = opts.logger ?? silentLogger;
  const board = opts.board;
  const plannerId = opts.planner ?? 'greedy-by-size';
  const planner = PLANNERS[plannerId];
  if (!planner) throw new TinymlError('usage', `unknown planner '${plannerId}' (known: ${Object.keys(PLANNERS).join(', ')})`);
  assertSupported(graph);
  const hash = modelHash(graph);
  const preparedOf = (cg: Graph) => cg.ops.map((op) => opDef(op).prepare(cg, op));
  // The no-reuse baseline: every tensor its own bytes, the input kept, layers whole, the model's
  // op order. The linear planner is that baseline, so it takes no other request set.
  const baseline = planBuffers(graph, preparedOf(graph), board.kernels, 'kept');
  const linear = PLANNERS.linear!.plan(baseline.requests);
  // Otherwise the smallest arena of the model's op order and of each op run as late as it can
  // (src/plan/planner.ts latestSchedule); the model's order on a tie.
  let chosen = { g: graph, prepared: preparedOf(graph), buffers: baseline, plan: linear };
  if (plannerId !== 'linear') {
    const late = latestSchedule(graph);
    for (const cg of late ? [graph, late] : [graph]) {
      const prepared = cg === graph ? chosen.prepared : preparedOf(cg);
      const planned = planModel(cg, prepared, board.kernels, planner, opts.streaming);
      if (cg === graph || planned.plan.arenaBytes < chosen.plan.arenaBytes) chosen = { g: cg, prepared, ...planned };
    }
  }
  const { g, prepared, buffers, plan } = chosen;
  const emitted = emitModel(g, plan, buffers, { modelHash: hash, kernelSet: board.kernels, prepared });
  const inLayout = ioLayout(g, g.inputs);
  const outLayout = ioLayout(g, g.outputs);
  const planText = formatPlan(g, plan, buffers);

  const outDir = resolve(opts.outDir);
  await mkdir(dirname(outDir), { recursive: true });
  const tmp = await mkdtemp(join(dirname(outDir), `.${basename(outDir)}.tmp-`));
  try {
    await writeFile(join(tmp, 'model.h'), emitted.modelH);
    await writeFile(join(tmp, 'model.c'), emitted.modelC);
    await layoutProject(tmp, board, emitted.kernels);

    let code: CodeSize | null = null;
    if (board.template === 'host' && opts.measureCode !== false && hasTool(board.toolchain.cc) && hasTool('size')) {
      code = await measureCodeSize(tmp, board.toolchain.cc, ['-std=c99', '-O2']);
    }
    const inputsInArena = g.inputs.every((t) => buffers.homes[t]?.kind === 'arena');
    // The caller's buffers the model needs besides its own RAM: the outputs, and the inputs
    // unless they live in the arena (the runtime loads them there).
    const ioBytes = (inputsInArena ? 0 : inLayout.bytes) + outLayout.bytes;
    const stateBytes = buffers.state.bytes;
    const modelRam = modelRamBytes(plan.arenaBytes, pointerBytes(board), stateBytes);
    const flashNeeded = code ? code.flashBytes : emitted.weightBytes;
    const ramNeeded = modelRam + ioBytes;
    const fit = {
      flash: { needed: flashNeeded, available: board.memory.flash.length },
      ram: { needed: ramNeeded, available: board.memory.ram.length },
      flashEstimated: code === null,
    };
    const over: string[] = [];
    if (fit.flash.needed > fit.flash.available) {
      over.push(`flash: needs ${fmtBytes(fit.flash.needed)}${code ? ' (code + weights)' : ' (weights alone)'}, the board has ${fmtBytes(fit.flash.available)}`);
    }
    if (fit.ram.needed > fit.ram.available) {
      over.push(`RAM: needs ${fmtBytes(fit.ram.needed)} (model ${modelRam}: arena ${plan.arenaBytes} with kernel scratch${stateBytes ? `, state ${stateBytes}` : ''}; + ${inputsInArena ? 'output buffer' : 'input/output buffers'} ${ioBytes}), the board has ${fmtBytes(fit.ram.available)}`);
    }
    if (over.length) {
      throw new TinymlError(
        'does-not-fit',
        `${modelPath} does not fit board '${board.id}':\n  ${over.join('\n  ')}`,
        'Pick a board with more memory, or make the model smaller (tinyml distill).',
      );
    }
    const cost = graphCost(g);
    const io = (l: IoLayout): ConvertReport['inputs'] =>
      l.tensors.map(({ tensor, offset, bytes }) => {
        const t = g.tensors[tensor]!;
        return { name: t.name, shape: [...t.shape], dtype: t.dtype, scale: t.quant?.scale[0] ?? 0, zeroPoint: t.quant?.zeroPoint[0] ?? 0, bytes, offset };
      });
    const inputs = io(inLayout);
    const outputs = io(outLayout);
    const tensors: PlannedTensor[] = [];
    g.tensors.forEach((t, i) => {
      const h = buffers.homes[i];
      if (h?.kind !== 'arena') return;
      const p = plan.placements[h.request]!;
      tensors.push({ tensor: i, name: t.name, offset: p.offset, size: tensorBytes(t), firstUse: p.firstUse, lastUse: p.lastUse });
    });
    const report: ConvertReport = {
      model: modelPath,
      modelName: g.name,
      modelHash: hash,
      board: board.id,
      template: board.template,
      kernelSet: board.kernels,
      kernels: emitted.kernels,
      layers: g.ops.length,
      input: inputs[0]!,
      output: outputs[0]!,
      inputs,
      outputs,
      ioBytes: { input: inLayout.bytes, output: outLayout.bytes },
      inputHome: !inputsInArena ? 'caller' : buffers.inputs === 'reused' ? 'arena-reused' : 'arena-kept',
      streamed: buffers.streams.map((sg) => [sg.producer, sg.layer, sg.add].filter((i) => i >= 0).map((i) => g.ops[i]!.name)),
      sizes: {
        weightBytes: emitted.weightBytes,
        codeBytes: code ? code.flashBytes : null,
        arenaBytes: plan.arenaBytes,
        stateBytes,
        modelRamBytes: modelRam,
        activationBytes: activationBytes(g),
        linearArenaBytes: linear.arenaBytes,
        macs: cost.totals.macs,
      },
      fit,
      plan: {
        planner: plan.planner,
        alignment: plan.alignment,
        arenaBytes: plan.arenaBytes,
        tensors,
        inPlaceLayers: [...buffers.inPlaceOps].sort((a, b) => a - b),
        scratchBytes: buffers.scratch.map((r) => (r === undefined ? 0 : plan.placements[r]!.size)),
        state: { bytes: stateBytes, entries: buffers.state.entries.map((e) => ({ kind: e.kind, name: e.name, offset: e.offset, size: e.size })) },
      },
      quantization,
      files: [],
    };
    report.files = [...(await listFiles(tmp)), 'convert-report.json'].sort();
    await writeFile(join(tmp, 'convert-report.json'), JSON.stringify(report, null, 2) + '\n');

    // Move into place. An existing output must be a previous convert (never clobber other data).
    if (existsSync(outDir)) {
      const entries = await readdir(outDir);
      if (entries.length > 0 && !entries.includes('convert-report.json')) {
        throw new TinymlError('usage', `${opts.outDir} exists and is not a tinyml project (no convert-report.json); refusing to replace it`, 'Choose another -o directory or remove it.');
      }
      const old = `${tmp}.old`;
      await rename(outDir, old);
      await rename(tmp, outDir);
      await rm(old, { recursive: true, force: true });
    } else {
      await rename(tmp, outDir);
    }
    log.info(`wrote ${opts.outDir}: RAM ${modelRam} B (arena ${plan.arenaBytes} B with kernel scratch${stateBytes ? `, state ${stateBytes} B` : ''}${inputsInArena ? ", inputs in it" : ""}) + ${inputsInArena ? 'output' : 'I/O'} ${ioBytes} B, weights ${emitted.weightBytes} B${code ? `, code ${code.flashBytes} B` : ''}`);
    return { report, graph: g, planText };
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err;
  }
}

/** The whole convert: import, quantize if needed, generate. */
export async function convertModel(modelPath: string, opts: ConvertOptions): Promise<ConvertResult> {
  const { graph, quantization } = await loadInt8Graph(modelPath, opts);
  // Calibration ran on the model's own layout; only then do the boundary transposes go.
  const g = opts.ioLayout === 'nhwc' ? compact(dropBoundaryOps(graph)) : graph;
  return convertGraph(g, modelPath, quantization, opts);
}
