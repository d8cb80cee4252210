/**
 * The RAM `tinyml convert` reports for the model (arena with kernel scratch, the state kept
 * between invocations, and the layer hook) is what the linker map shows for model.o and the
 * kernels on every bare-metal board build: no static buffer hides outside the plan.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listBoards } from '../../src/boards/load.js';
import { buildArm, missingArmTools } from '../../src/build/arm.js';
import { parseLinkerMap, ramOfObjects } from '../../src/build/size.js';
import { writeTflite } from '../../src/codegen/tflite-writer.js';
import { tfliteToGraph } from '../../src/importers/tflite.js';
import { silentLogger } from '../../src/log.js';
import { convertGraph, convertModel } from '../../src/pipeline/convert.js';
import { runGraph } from '../../src/reference/interpreter.js';
import { streamingModel } from '../fixtures/streaming-model.js';

const KWS = new URL('../../examples/mlperf-tiny/kws_ref_model.tflite', import.meta.url).pathname;
const boards = listBoards().filter((b) => b.template === 'bare-metal-cortex-m');

describe.skipIf(missingArmTools().length > 0)("convert's model RAM = model.o + kernels in the linker map", () => {
  it('parses a GNU ld map: placed sections with the object, names on their own line included', () => {
    const map = [
      'Discarded input sections',
      ' .bss           0x00000000        0x8 build/x.o',
      'Linker script and memory map',
      ' .bss.g_short   0x20000000        0x4 build/a.o',
      ' .bss.tinyml_state',
      '                0x20000020     0x2180 build/model.o',
      ' .data          0x20002200       0x10 build/kernels/conv2d_s8.o',
      ' .text          0x00000100       0x40 build/model.o',
    ].join('\n');
    const s = parseLinkerMap(map);
    expect(s.map((x) => [x.section, x.size, x.object])).toEqual([
      ['.bss.g_short', 4, 'build/a.o'],
      ['.bss.tinyml_state', 0x2180, 'build/model.o'],
      ['.data', 0x10, 'build/kernels/conv2d_s8.o'],
      ['.text', 0x40, 'build/model.o'],
    ]);
    expect(ramOfObjects(s, (o) => o.endsWith('model.o') || o.includes('/kernels/'))).toBe(0x2180 + 0x10);
  });

  it.each(boards.map((b) => b.id))('%s', async (id) => {
    const board = boards.find((b) => b.id === id)!;
    const dir = join(mkdtempSync(join(tmpdir(), 'tinyml-ram-')), 'p');
    const { report } = await convertModel(KWS, { board, outDir: dir, runGraph, measureCode: false });
    const build = await buildArm(dir, board);
    const sections = parseLinkerMap(readFileSync(build.map, 'utf8'));
    const modelRam = ramOfObjects(sections, (o) => /(^|\/)model\.o$/.test(o) || /\/kernels\/[^/]+\.o$/.test(o));
    expect(modelRam).toBe(report.sizes.modelRamBytes);
    expect(report.fit.ram.needed).toBe(report.sizes.modelRamBytes + (report.inputHome === 'caller' ? report.ioBytes.input : 0) + report.ioBytes.output);
    // The arena is the model's RAM but for the hook pointer and alignment.
    expect(modelRam - report.sizes.arenaBytes).toBeGreaterThanOrEqual(4);
    expect(modelRam - report.sizes.arenaBytes).toBeLessThan(20);
  }, 300_000);

  // A stateful model (SVDF memory, a resource variable, CALL_ONCE flags): its state is in the
  // same object, so the map still shows exactly the reported model RAM.
  const stateful = tfliteToGraph(writeTflite(streamingModel()), 'streaming_svdf.tflite');
  it.each(boards.map((b) => b.id))('%s, stateful model', async (id) => {
    const board = boards.find((b) => b.id === id)!;
    const dir = join(mkdtempSync(join(tmpdir(), 'tinyml-ram-')), 'p');
    const { report } = await convertGraph(stateful, 'streaming_svdf.tflite', null, { board, outDir: dir, runGraph, measureCode: false, logger: silentLogger });
    expect(report.sizes.stateBytes).toBe(57);
    const build = await buildArm(dir, board);
    const sections = parseLinkerMap(readFileSync(build.map, 'utf8'));
    const modelRam = ramOfObjects(sections, (o) => /(^|\/)model\.o$/.test(o) || /\/kernels\/[^/]+\.o$/.test(o));
    expect(modelRam).toBe(report.sizes.modelRamBytes);
    expect(report.fit.ram.needed).toBe(report.sizes.modelRamBytes + (report.inputHome === 'caller' ? report.ioBytes.input : 0) + report.ioBytes.output);
    // Arena and state, then the hook pointer; alignment adds less than two 16-byte steps.
    const rest = modelRam - report.sizes.arenaBytes - report.sizes.stateBytes;
    expect(rest).toBeGreaterThanOrEqual(4);
    expect(rest).toBeLessThan(36);
  }, 300_000);
});
