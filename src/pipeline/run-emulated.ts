/**
 * `tinyml run <model> --board <emulated board>`: the generated C built for the board with
 * arm-none-eabi-gcc and run under QEMU, samples sent over the pty through the runtime protocol
 * (binary load, `infer 1 0`, raw output bytes; `tinyml-reset` between independent samples of a
 * stateful model). Registered for the bare-metal-cortex-m
 * template; a real board (no "emulator" field) is refused with a hint to use `tinyml bench
 * --port`. This module also registers the schema-validating board loader.
 */
import { buildArm } from '../build/arm.js';
import { defaultCacheDir } from '../build/host.js';
import { stripFloatEdges } from '../codegen/prepare.js';
import { openDevice } from '../device/session.js';
import { TinymlError } from '../errors.js';
import type { TensorData } from '../ir/graph.js';
import { ioPacker } from './io-pack.js';
import type { RunBackendRequest } from './run-backends.js';
import { cachedProject } from './run-host.js';

export async function runEmulated(req: RunBackendRequest, cacheDir = defaultCacheDir()): Promise<TensorData[][]> {
  const { graph, board, samples, logger } = req;
  if (!board.emulator) {
    throw new TinymlError('usage', `--board ${board.id} is a real board; tinyml run drives emulated boards only`, `Flash it and use \`tinyml bench <dir> --board ${board.id} --port /dev/ttyACM0\`.`);
  }
  const projectDir = await cachedProject(req, cacheDir);
  const io = ioPacker(graph, stripFloatEdges(graph));
  const build = await buildArm(projectDir, board, { logger });
  const session = await openDevice({ board, elf: build.elf, logger });
  try {
    const outputs: TensorData[][] = [];
    // A fresh device is at the initial state; between independent samples of a stateful
    // model the state is reset, within a stream it carries over.
    const stateful = (await session.client.info()).stateBytes > 0;
    for (let k = 0; k < samples.length; k++) {
      if (stateful && !req.stream && k > 0) await session.client.reset();
      await session.client.loadBinary(io.pack(samples[k]!));
      const r = await session.client.infer(1, 0);
      outputs.push(io.unpack(new Uint8Array(r.output.buffer, r.output.byteOffset, r.output.byteLength)));
      req.onProgress?.(k + 1, samples.length, 'samples');
    }
    return outputs;
  } finally {
    await session.close();
  }
}
