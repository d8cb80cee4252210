/**
 * Our flasher against the same simulators the real clients validated, over real
 * pseudo-terminals: write, verify (read back or MD5), run; the simulator's flash must then
 * equal the image byte for byte.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { loadBoard } from '../../src/boards/load.js';
import { createProtocol } from '../../src/flash/create-protocol.js';
import { flashDevice } from '../../src/flash/flash-device.js';
import { createMemoryPair } from '../../src/serial/memory-transport.js';
import { EspRom } from '../../src/flash/esp-rom.js';
import { Stk500v1 } from '../../src/flash/stk500v1.js';
import { Stm32An3155 } from '../../src/flash/stm32-an3155.js';
import { SerialPortTransport } from '../../src/serial/serialport-transport.js';
import { ESP32S3_BOARD, STM32_BOARD, UNO_BOARD } from '../sim/boards.js';
import { EspRomSim } from '../sim/esp-rom-sim.js';
import { hasTool, randomBytes } from '../sim/helpers.js';
import { OptibootSim } from '../sim/optiboot-sim.js';
import { ptyPair } from '../sim/pty-pair.js';
import { Stm32Sim } from '../sim/stm32-sim.js';
import type { Simulator } from '../sim/sim-base.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function onPty(sim: Simulator): Promise<string> {
  const pair = await ptyPair();
  const dev = new SerialPortTransport(pair.device, { baudRate: 115200 });
  await dev.open();
  sim.start(dev);
  cleanups.push(async () => {
    await dev.close();
    await pair.close();
  });
  return pair.host;
}

describe.skipIf(!hasTool('socat'))('tinyml flasher against the simulators over a pty', () => {
  it('STM32 AN3155: 70 000 bytes at 0x08000000 (mass erase, 274 blocks), read back equal, Go to the vector table', async () => {
    const sim = new Stm32Sim({ pid: 0x470 });
    const host = await onPty(sim);
    const img = randomBytes(70_000, 3);
    const progress: number[] = [];
    const r = await flashDevice({
      board: STM32_BOARD,
      protocol: new Stm32An3155(),
      transport: new SerialPortTransport(host, { baudRate: 115200, parity: 'none' }),
      image: { segments: [{ address: 0x08000000, data: img }] },
      onWriteProgress: (d) => progress.push(d),
    });
    expect(r.identity.chipId).toBe('0x470');
    expect(r.verify).toEqual({ method: 'read-back', bytes: 70_000 });
    expect(Buffer.from(sim.flash.read(0x08000000, img.length)).equals(Buffer.from(img))).toBe(true);
    expect(sim.log).toContain('erase mass');
    expect(sim.wentTo).toBe(0x08000000);
    expect(progress[progress.length - 1]).toBe(70_000);
  });

  it('STK500v1 (Optiboot): 5 000 bytes with a gap, read back equal, LEAVE_PROGMODE sent', async () => {
    const sim = new OptibootSim();
    const host = await onPty(sim);
    const a = randomBytes(3000, 5);
    const b = randomBytes(2000, 6);
    const r = await flashDevice({
      board: UNO_BOARD,
      protocol: new Stk500v1(),
      transport: new SerialPortTransport(host, { baudRate: 115200 }),
      image: { segments: [{ address: 0, data: a }, { address: 0x2001, data: b }] },
    });
    expect(r.identity.chip).toBe('ATmega328P');
    expect(Buffer.from(sim.flash.read(0, a.length)).equals(Buffer.from(a))).toBe(true);
    expect(Buffer.from(sim.flash.read(0x2001, b.length)).equals(Buffer.from(b))).toBe(true);
    expect(sim.flash.read(0x2000, 1)[0]).toBe(0xff);
    expect(sim.left).toBe(true);
  });

  it('ESP ROM loader: two segments, MD5 verified, FLASH_END reboot', async () => {
    const sim = new EspRomSim();
    const host = await onPty(sim);
    const boot = randomBytes(3000, 8);
    const app = randomBytes(9000, 9);
    // Bytes that SLIP must escape, at the start of a block.
    app.set([0xc0, 0xdb, 0xc0, 0xdb, 0xdc, 0xdd], 1024);
    const r = await flashDevice({
      board: ESP32S3_BOARD,
      protocol: new EspRom(),
      transport: new SerialPortTransport(host, { baudRate: 115200 }),
      image: { segments: [{ address: 0x0, data: boot }, { address: 0x10000, data: app }] },
    });
    expect(r.identity.chip).toBe('ESP32-S3');
    expect(r.verify?.method).toBe('md5');
    expect(Buffer.from(sim.flash.read(0, boot.length)).equals(Buffer.from(boot))).toBe(true);
    expect(Buffer.from(sim.flash.read(0x10000, app.length)).equals(Buffer.from(app))).toBe(true);
    expect(sim.log.filter((l) => l.startsWith('md5'))).toHaveLength(2);
    expect(sim.rebooted).toBe(true);
  });
});

describe('the shipped board files drive the simulators (in memory)', () => {
  it.each([
    ['nucleo-l4r5zi', () => new Stm32Sim({ pid: 0x470 }), 0x08000000],
    ['arduino-uno', () => new OptibootSim(), 0],
    ['esp32-s3-devkitc-1', () => new EspRomSim(), 0x10000],
  ] as const)('%s', async (id, makeSim, address) => {
    const board = loadBoard(id);
    const sim = makeSim();
    const [host, dev] = createMemoryPair();
    await dev.open();
    sim.start(dev);
    cleanups.push(() => dev.close());
    const img = randomBytes(1500, 77);
    const r = await flashDevice({ board, protocol: createProtocol(board.flash.protocol), transport: host, image: { segments: [{ address, data: img }] } });
    expect(r.verify?.bytes).toBe(1500);
    expect(Buffer.from(sim.flash.read(address, 1500)).equals(Buffer.from(img))).toBe(true);
  });
});

describe('STM32 erase variants (in memory)', () => {
  async function withSim(sim: Stm32Sim, proto: Stm32An3155, address: number, size: number) {
    const [host, dev] = createMemoryPair();
    await dev.open();
    sim.start(dev);
    cleanups.push(() => dev.close());
    // Pre-program the whole flash with a pattern so an unerased page would show.
    sim.flash.mem.fill(0x00);
    const img = randomBytes(size, 99);
    await flashDevice({ board: STM32_BOARD, protocol: proto, transport: host, image: { segments: [{ address, data: img }] } });
    return img;
  }
  it('Extended Erase with a page list erases exactly the pages the image touches', async () => {
    const sim = new Stm32Sim({ pageSize: 2048 });
    // 3000 bytes from 0x08000f00 touch pages 1, 2 and 3 (0x0800_0800..0x0800_1fff)
    const img = await withSim(sim, new Stm32An3155({ pageSize: 2048 }), 0x08000f00, 3000);
    expect(sim.log).toContain('erase pages 3');
    expect(Buffer.from(sim.flash.read(0x08000f00, 3000)).equals(Buffer.from(img))).toBe(true);
    expect(sim.flash.read(0x08000000, 0x800).every((b) => b === 0x00)).toBe(true); // page 0 untouched
    expect(sim.flash.read(0x08000800, 0x700).every((b) => b === 0xff)).toBe(true); // page 1 erased before the image
    expect(sim.flash.read(0x08002000, 16).every((b) => b === 0x00)).toBe(true); // page 4 untouched
  });
  it('legacy Erase (0x43) when the bootloader offers no Extended Erase', async () => {
    const sim = new Stm32Sim({ extendedErase: false, pageSize: 1024 });
    const img = await withSim(sim, new Stm32An3155(), 0x08000000, 1500);
    expect(sim.log).toContain('erase global');
    expect(Buffer.from(sim.flash.read(0x08000000, 1500)).equals(Buffer.from(img))).toBe(true);
  });
});
