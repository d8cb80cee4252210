/**
 * The real-board path (`--port`): QEMU is started by the test, not by tinyml, and the bench
 * talks to the already-running firmware through the pty as it would to /dev/ttyACM0 —
 * resynchronising on a live line, validating, and labelling the figures "measured".
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadBoard } from '../../src/boards/load.js';
import { buildArm, missingArmTools } from '../../src/build/arm.js';
import { hasTool } from '../../src/build/tools.js';
import { convertModel } from '../../src/pipeline/convert.js';
import { benchProject } from '../../src/pipeline/bench.js';
import { startQemu } from '../../src/device/qemu.js';
import { runGraph } from '../../src/reference/interpreter.js';
import { SerialPortTransport } from '../../src/serial/serialport-transport.js';

const MODEL = new URL('../../../shared/models/mlperf-tiny/ad01_int8.tflite', import.meta.url).pathname;

describe.skipIf(missingArmTools().length > 0 || !hasTool('qemu-system-arm'))('bench --port against running firmware', () => {
  it('resynchronises, validates and reports measured figures', async () => {
    const board = loadBoard('qemu-mps2-an386');
    const dir = path.join(mkdtempSync(path.join(tmpdir(), 'tinyml-port-')), 'p');
    await convertModel(MODEL, { board, outDir: dir, runGraph, measureCode: false });
    const build = await buildArm(dir, board);
    const qemu = await startQemu(board, build.elf);
    try {
      // Someone else had the port open and left half a command on the line.
      const t = new SerialPortTransport(qemu.ptyPath, { baudRate: 115200 });
      await t.open();
      qemu.resume();
      await t.readUntil(new TextEncoder().encode('m-ready\r\n'), 20000);
      await t.write(new TextEncoder().encode('db lo'));
      await t.close();
      const r = await benchProject(dir, { board, port: qemu.ptyPath, write: false });
      expect(r.provenance).toBe('measured');
      expect(r.validated).toBe(true);
      expect(r.clockHz).toBe(board.clockHz);
      expect(r.cycleSource).toBe('systick');
    } finally {
      await qemu.stop();
    }
  });
});
