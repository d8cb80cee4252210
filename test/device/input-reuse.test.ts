/**
 * A model whose memory plan reuses its input's bytes (TINYML_INPUT_KEPT 0): the runtime loads
 * `db` data straight into the input's arena slot, takes one inference per load and says so,
 * and the host client reloads the input for `infer N W`. Built with -DTINYML_RT_KEEP_INPUT the
 * firmware keeps its own copy: N inferences per load, and the ELF's RAM grows by the input.
 * Real firmware on qemu-system-arm -M mps2-an386 over a pty.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Builder } from '../../bench/synthetic-models.js';
import { loadBoard } from '../../src/boards/load.js';
import { buildArm, missingArmTools } from '../../src/build/arm.js';
import { hasTool } from '../../src/build/tools.js';
import { openDevice } from '../../src/device/session.js';
import { TinymlError } from '../../src/errors.js';
import type { Graph } from '../../src/ir/graph.js';
import { silentLogger } from '../../src/log.js';
import { defaultInput } from '../../src/pipeline/bench.js';
import { convertGraph } from '../../src/pipeline/convert.js';
import { stripFloatEdges } from '../../src/codegen/prepare.js';
import { syntheticSamples } from '../../src/quantize/calibration-data.js';
import { quantizeModel } from '../../src/quantize/quantize.js';
import { runGraph } from '../../src/reference/interpreter.js';

const board = loadBoard('qemu-mps2-an386');
const available = missingArmTools().length === 0 && hasTool('qemu-system-arm');

/** A 32x32x3 input read once by a stride-2 conv: its bytes are worth reusing. */
function model(): Graph {
  const b = new Builder(31);
  const x = b.tensor('input', [1, 32, 32, 3]);
  let h = b.conv(x, 8, 3, 2, 'relu6', 'conv0');
  h = b.depthwise(h, 1, 'relu6', 'dw');
  h = b.conv(h, 12, 1, 1, 'relu6', 'pw');
  const f = b.graph('input_reuse', x, b.head(h, 3));
  return stripFloatEdges(quantizeModel(f, { run: runGraph, calibration: syntheticSamples(4, 32 * 32 * 3, 5) }).graph);
}

describe.skipIf(!available)('a model that reuses its input bytes, on qemu-mps2-an386', () => {
  it('one inference per load on the device; the client reloads; -DTINYML_RT_KEEP_INPUT keeps a copy', async () => {
    const graph = model();
    const dir = join(mkdtempSync(join(tmpdir(), 'tinyml-reuse-')), 'p');
    const { report } = await convertGraph(graph, 'input_reuse', null, { board, outDir: dir, runGraph, measureCode: false, logger: silentLogger });
    expect(report.inputHome).toBe('arena-reused');
    expect(readFileSync(join(dir, 'model.h'), 'utf8')).toMatch(/#define TINYML_INPUT_KEPT 0\n/);
    const input = defaultInput(32 * 32 * 3, 0x1234);
    const expected = Array.from(runGraph(graph, [new Int8Array(input.buffer)])[0] as Int8Array);

    const lean = await buildArm(dir, board, { buildDir: 'build-lean' });
    const keep = await buildArm(dir, board, { buildDir: 'build-keep', extraCflags: ['-DTINYML_RT_KEEP_INPUT'] });
    // The runtime's own copy is the input's 3072 bytes, give or take the alignment of sections.
    expect(Math.abs(keep.ramBytes - lean.ramBytes - 3072)).toBeLessThanOrEqual(16);

    const session = await openDevice({ board, elf: lean.elf });
    try {
      const { client } = session;
      expect((await client.info()).inputKept).toBe(false);
      await client.loadBinary(input);
      const refused = await client.command('infer 2 0').then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(refused).toBeInstanceOf(TinymlError);
      expect((refused as Error).message).toMatch(/reuses its input's 3072 bytes.*infer 1 0.*TINYML_RT_KEEP_INPUT/);
      const once = await client.infer(1, 0);
      expect(Array.from(once.output)).toEqual(expected);
      const again = await client.command('infer 1 0').then(
        () => undefined,
        (e: unknown) => e,
      );
      expect((again as Error).message).toMatch(/used up the input.*db load it again/);
      // The client's infer N W reloads before each inference: same bytes, same count per inference.
      const three = await client.infer(3, 1);
      expect(Array.from(three.output)).toEqual(expected);
      expect(three.n).toBe(3);
      expect(Math.abs(three.ticksPerInference - once.ticksPerInference)).toBeLessThanOrEqual(1);
    } finally {
      await session.close();
    }

    const kept = await openDevice({ board, elf: keep.elf });
    try {
      const { client } = kept;
      expect((await client.info()).inputKept).toBe(true);
      await client.loadBinary(input);
      const lines = await client.command('infer 2 1');
      expect(lines.find((l) => l.startsWith('m-tinyml-output-['))).toBe(`m-tinyml-output-[${Buffer.from(Int8Array.from(expected).buffer).toString('hex')}]`);
    } finally {
      await kept.close();
    }
  }, 300_000);
});
