/**
 * KWS and AD01 (int8) built with arm-none-eabi-gcc, run on qemu-system-arm -M mps2-an386 and
 * driven over the UART's pseudo-terminal with the runtime protocol through serialport — the
 * code path of a real /dev/ttyACM0. Outputs must equal the TypeScript reference interpreter and
 * the host build byte for byte, with the reference and the Cortex-M DSP kernels both.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBoard } from '../../src/boards/load.js';
import { buildArm, missingArmTools } from '../../src/build/arm.js';
import { hasTool } from '../../src/build/tools.js';
import { convertModel } from '../../src/pipeline/convert.js';
import { defaultInput, loadProjectGraph } from '../../src/pipeline/bench.js';
import { openDevice, type DeviceSession } from '../../src/device/session.js';
import { resolveRunBackend } from '../../src/pipeline/run-backends.js';
import { runGraph } from '../../src/reference/interpreter.js';
import { silentLogger } from '../../src/log.js';
import { TinymlError } from '../../src/errors.js';

const MODELS = new URL('../../../shared/models/mlperf-tiny/', import.meta.url);
const board = loadBoard('qemu-mps2-an386');
const available = missingArmTools().length === 0 && hasTool('qemu-system-arm');

const cases = [
  { name: 'kws', model: 'kws_ref_model.tflite', input: () => new Uint8Array(readFileSync(new URL('kws_input_0.int8.bin', MODELS))) },
  { name: 'ad01', model: 'ad01_int8.tflite', input: (n: number) => defaultInput(n, 0xad01) },
];

describe.skipIf(!available)('firmware on qemu-mps2-an386 over a pty', () => {
  const dirs = new Map<string, string>();
  beforeAll(async () => {
    // One project per kernel set: the plan (in-place layers, scratch) belongs to the set.
    for (const c of cases) {
      for (const kernels of ['reference', 'cortex-m']) {
        const dir = path.join(mkdtempSync(path.join(tmpdir(), `tinyml-qemu-${c.name}-`)), 'project');
        await convertModel(new URL(c.model, MODELS).pathname, { board: { ...board, kernels }, outDir: dir, runGraph, measureCode: false, logger: silentLogger });
        dirs.set(`${c.name}-${kernels}`, dir);
      }
    }
  });

  for (const c of cases) {
    for (const kernels of ['reference', 'cortex-m']) {
      it(`${c.name} with ${kernels} kernels equals the reference interpreter and the host build`, async () => {
        const dir = dirs.get(`${c.name}-${kernels}`)!;
        const { graph } = await loadProjectGraph(dir);
        const build = await buildArm(dir, board, { kernels, buildDir: `build-${kernels}` });
        expect(build.kernels).toBe(kernels);
        const session = await openDevice({ board, elf: build.elf });
        try {
          expect(session.provenance).toBe('emulated');
          const info = await session.client.info();
          const input = c.input(info.inputBytes);
          expect(input.length).toBe(info.inputBytes);
          // binary fast path and the standard hex path must load the same bytes
          await session.client.loadHex(input);
          const viaHex = await session.client.infer(1, 0);
          await session.client.loadBinary(input);
          const viaBin = await session.client.infer(2, 1);
          const expected = runGraph(graph, [new Int8Array(input.buffer, input.byteOffset, input.length)])[0] as Int8Array;
          expect(Array.from(viaHex.output)).toEqual(Array.from(expected));
          expect(Array.from(viaBin.output)).toEqual(Array.from(expected));
          expect(viaBin.n).toBe(2);
          expect(viaBin.ticksPerInference).toBeGreaterThan(0);
          const layers = await session.client.layers();
          expect(layers.length).toBe(info.layers);
          if (hasTool('cc') && hasTool('make')) {
            const { board: host, backend } = await resolveRunBackend('host');
            const out = await backend({ graph, modelPath: c.model, board: host, samples: [[new Int8Array(input)]], logger: silentLogger });
            expect(Array.from(out[0]![0] as Int8Array)).toEqual(Array.from(expected));
          }
        } finally {
          await session.close();
        }
      });
    }
  }

  describe('protocol robustness', () => {
    let session: DeviceSession;
    beforeAll(async () => {
      const build = await buildArm(dirs.get('ad01-cortex-m')!, board, { buildDir: 'build-cortex-m' });
      session = await openDevice({ board, elf: build.elf });
    });
    afterAll(async () => session?.close());

    it('answers the MLPerf Tiny identification commands', async () => {
      expect(await session.client.name()).toBe('dut-[tinyml]');
      const profile = await session.client.command('profile');
      expect(profile[0]).toMatch(/^m-profile-\[/);
      expect(profile[1]).toMatch(/^m-model-\[/);
      expect((await session.client.command('timestamp'))[0]).toMatch(/^m-lap-us-\d+$/);
    });

    it('rejects malformed commands with e-[...] and keeps serving', async () => {
      const bad = ['db load 999999', 'db zz', 'db 123', 'infer 0', 'infer x', 'frobnicate', 'a'.repeat(200), 'db bin 0'];
      for (const cmd of bad) {
        const err = await session.client.command(cmd).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(err, cmd).toBeInstanceOf(TinymlError);
        expect((err as Error).message, cmd).toMatch(/e-\[/);
      }
      expect(await session.client.name()).toBe('dut-[tinyml]');
    });
  });
});
