/**
 * Real hardware, only when asked for: TEST_PORT=/dev/ttyACM0 TEST_BOARD=arduino-uno
 * TEST_IMAGE=fw.hex npx vitest run test/flash/hardware.test.ts. Writes, verifies and runs.
 */
import { describe, expect, it } from 'vitest';
import { loadBoard } from '../../src/boards/load.js';
import { createProtocol } from '../../src/flash/create-protocol.js';
import { flashDevice } from '../../src/flash/flash-device.js';
import { loadImage } from '../../src/flash/load-image.js';
import { SerialPortTransport } from '../../src/serial/serialport-transport.js';

const { TEST_PORT, TEST_BOARD, TEST_IMAGE } = process.env;

describe.skipIf(!TEST_PORT || !TEST_BOARD || !TEST_IMAGE)('flash real hardware (TEST_PORT, TEST_BOARD, TEST_IMAGE)', () => {
  it(`flashes ${TEST_IMAGE} to ${TEST_BOARD} on ${TEST_PORT} and verifies`, async () => {
    const board = loadBoard(TEST_BOARD!);
    const protocol = createProtocol(board.flash.protocol);
    const { image } = await loadImage(TEST_IMAGE!, board.flash.protocol === 'esp-rom' ? 0 : board.memory.flash.origin);
    const r = await flashDevice({ board, protocol, transport: new SerialPortTransport(TEST_PORT!, protocol.serialSettings(board)), image });
    expect(r.verify?.bytes).toBeGreaterThan(0);
  });
});
