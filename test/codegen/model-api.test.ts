/**
 * The generated model API (model.h) as firmware uses it: a C program compiled against the
 * generated model.c checks the layer hook order, layer names, dims, scales/zero points, the
 * return codes and the defines, and prints what it saw for the test to compare with the graph.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hasTool } from '../../src/build/tools.js';
import { convertGraph } from '../../src/pipeline/convert.js';
import { modelHash } from '../../src/codegen/model-hash.js';
import type { Graph } from '../../src/ir/graph.js';
import { runGraph } from '../../src/reference/interpreter.js';
import { host, randomInt8, rng } from './c-harness.js';

function smallGraph(): Graph {
  const r = rng(3);
  return {
    name: 'api "test"',
    tensors: [
      { name: 'x', shape: [1, 4, 4, 2], dtype: 'int8', quant: { scale: [Math.fround(0.0625)], zeroPoint: [-3] } },
      { name: 'w', shape: [3, 1, 1, 2], dtype: 'int8', data: randomInt8(r, 6, -127, 127), quant: { scale: [0.01, 0.02, 0.03].map(Math.fround), zeroPoint: [0, 0, 0], axis: 0 } },
      { name: 'c', shape: [1, 4, 4, 3], dtype: 'int8', quant: { scale: [Math.fround(0.05)], zeroPoint: [1] } },
      { name: 'flat', shape: [1, 48], dtype: 'int8', quant: { scale: [Math.fround(0.05)], zeroPoint: [1] } },
      { name: 'y', shape: [1, 48], dtype: 'int8', quant: { scale: [Math.fround(0.25)], zeroPoint: [7] } },
    ],
    ops: [
      { kind: 'Conv2D', name: 'conv/one', inputs: [0, 1, -1], outputs: [2], strideH: 1, strideW: 1, dilationH: 1, dilationW: 1, padding: 'same', activation: 'relu' },
      { kind: 'Reshape', name: 'flatten', inputs: [2], outputs: [3], newShape: [1, 48] },
      { kind: 'Relu', name: 'relu', inputs: [3], outputs: [4] },
    ],
    inputs: [0],
    outputs: [4],
  };
}

const TEST_MAIN = `
#include <stdio.h>
#include <string.h>
#include "model.h"
static int events[64];
static int n_events;
static void hook(int layer, int phase) { if (n_events < 64) events[n_events++] = layer * 2 + phase; }
int main(void) {
  int8_t in[TINYML_INPUT_BYTES], out[TINYML_OUTPUT_BYTES];
  int32_t dims[4];
  int i, rank;
  for (i = 0; i < TINYML_INPUT_BYTES; ++i) in[i] = (int8_t)(i * 7 - 60);
  if (tinyml_invoke(NULL, out) != -1 || tinyml_invoke(in, NULL) != -1) return 10;
  tinyml_set_layer_hook(hook);
  if (tinyml_invoke(in, out) != 0) return 11;
  tinyml_set_layer_hook(NULL);
  if (tinyml_invoke(in, out) != 0) return 12;
  printf("events");
  for (i = 0; i < n_events; ++i) printf(" %d", events[i]);
  printf("\\nlayers %d", TINYML_NUM_LAYERS);
  for (i = 0; i < TINYML_NUM_LAYERS; ++i) printf(" [%s]", tinyml_layer_name(i));
  printf("\\nout_of_range %d %d\\n", tinyml_layer_name(-1) == NULL, tinyml_layer_name(TINYML_NUM_LAYERS) == NULL);
  rank = tinyml_input_dims(0, dims);
  printf("in %d %ld %ld %ld %ld\\n", rank, (long)dims[0], (long)dims[1], (long)dims[2], (long)dims[3]);
  rank = tinyml_output_dims(0, dims);
  printf("out %d %ld %ld %ld %ld\\n", rank, (long)dims[0], (long)dims[1], (long)dims[2], (long)dims[3]);
  printf("q %.9g %ld %.9g %ld\\n", (double)tinyml_input_scale(0), (long)tinyml_input_zero_point(0), (double)tinyml_output_scale(0), (long)tinyml_output_zero_point(0));
  printf("name [%s] hash %s bytes %d %d arena %d\\n", tinyml_model_name(), tinyml_model_hash(), TINYML_INPUT_BYTES, TINYML_OUTPUT_BYTES, TINYML_ARENA_BYTES);
  printf("y");
  for (i = 0; i < TINYML_OUTPUT_BYTES; ++i) printf(" %d", out[i]);
  printf("\\n");
  return 0;
}
`;

describe.skipIf(!hasTool('cc'))('generated model API (model.h)', () => {
  it('hooks, names, dims, quantization, return codes and defines behave as model.h documents', async () => {
    const g = smallGraph();
    const dir = mkdtempSync(join(tmpdir(), 'tinyml-api-'));
    const { report } = await convertGraph(g, 'api', null, { board: host(), outDir: join(dir, 'p'), runGraph, measureCode: false });
    const p = join(dir, 'p');
    writeFileSync(join(p, 'api_test.c'), TEST_MAIN);
    const kernels = report.kernels.map((k) => join(p, 'kernels', `${k}.c`));
    const cc = spawnSync('cc', ['-std=c99', '-Wall', '-Wextra', '-Werror', '-pedantic', `-I${p}`, `-I${join(p, 'kernels')}`, '-o', join(p, 'api_test'), join(p, 'api_test.c'), join(p, 'model.c'), ...kernels], { encoding: 'utf8' });
    expect(cc.status, cc.stderr).toBe(0);
    const run = spawnSync(join(p, 'api_test'), { encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    const lines = Object.fromEntries(run.stdout.trim().split('\n').map((l) => [l.split(' ')[0], l.slice(l.indexOf(' ') + 1)]));
    expect(lines.events).toBe('0 1 2 3 4 5'); // start/end per layer, in order, only while hooked
    expect(lines.layers).toBe('3 [conv/one] [flatten] [relu]');
    expect(lines.out_of_range).toBe('1 1');
    expect(lines.in).toBe('4 1 4 4 2');
    expect(lines.out).toBe('2 1 48 1 1');
    expect(lines.q).toBe('0.0625 -3 0.25 7');
    expect(lines.name).toBe(`[api "test"] hash ${modelHash(g)} bytes 32 48 arena ${report.sizes.arenaBytes}`);
    expect(modelHash(g)).toMatch(/^[0-9a-f]{16}$/);
    const x = Int8Array.from({ length: 32 }, (_, i) => i * 7 - 60);
    expect(lines.y).toBe(Array.from(runGraph(g, [x])[0]!).join(' '));
    // The reshape was aliased (no copy kernel); the plan table is in model.c.
    const modelC = readFileSync(join(p, 'model.c'), 'utf8');
    expect(report.kernels).not.toContain('reshape_s8');
    expect(modelC).toMatch(/shares t2/);
    expect(modelC).toMatch(/static const int8_t tinyml_w1\[6\] TINYML_ALIGN\(16\)/);
  });
});
