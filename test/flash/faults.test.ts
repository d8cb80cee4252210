/**
 * Faults: the device stops answering mid-write, NACKs a block (retried, then a clear error
 * after the retry budget), noise before sync, a chip ID that contradicts the board, and the
 * port vanishing. Never a false success, never a hang beyond the stated timeout, and the
 * port is always closed afterwards.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { BoardProfile } from '../../src/boards/board.js';
import { TinymlError } from '../../src/errors.js';
import { EspRom } from '../../src/flash/esp-rom.js';
import { flashDevice } from '../../src/flash/flash-device.js';
import type { FlashProtocol } from '../../src/flash/protocol.js';
import { Stk500v1 } from '../../src/flash/stk500v1.js';
import { Stm32An3155 } from '../../src/flash/stm32-an3155.js';
import { createMemoryPair, type MemoryTransport } from '../../src/serial/memory-transport.js';
import { SerialPortTransport } from '../../src/serial/serialport-transport.js';
import { ESP32S3_BOARD, STM32_BOARD, UNO_BOARD } from '../sim/boards.js';
import { EspRomSim } from '../sim/esp-rom-sim.js';
import { hasTool, randomBytes } from '../sim/helpers.js';
import { OptibootSim } from '../sim/optiboot-sim.js';
import { ptyPair } from '../sim/pty-pair.js';
import type { Simulator } from '../sim/sim-base.js';
import { Stm32Sim } from '../sim/stm32-sim.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function session(sim: Simulator, protocol: FlashProtocol, board: BoardProfile, size: number, address = board.memory.flash.origin) {
  const [host, dev] = createMemoryPair();
  await dev.open();
  sim.start(dev);
  cleanups.push(() => dev.close());
  const img = randomBytes(size, size);
  const t0 = performance.now();
  const result = await flashDevice({ board, protocol, transport: host, image: { segments: [{ address, data: img }] } }).then(
    (r) => ({ ok: true as const, r }),
    (e: unknown) => ({ ok: false as const, e: e as TinymlError }),
  );
  return { result, ms: performance.now() - t0, host, img };
}

function expectFailure(res: { ok: boolean; e?: TinymlError }, re: RegExp): TinymlError {
  expect(res.ok, 'must not report success').toBe(false);
  const e = res.e!;
  expect(e).toBeInstanceOf(TinymlError);
  expect(e.code).toBe('device');
  expect(e.message).toMatch(re);
  return e;
}

describe('STM32 AN3155 faults', () => {
  it('device stops answering after 3 blocks: error names the block within the 300 ms reply timeout', async () => {
    const { result, ms, host } = await session(new Stm32Sim({ stopAfterWrites: 3 }), new Stm32An3155({ timeoutMs: 300 }), STM32_BOARD, 4096);
    expectFailure(result, /no answer to Write Memory command .* within 300 ms/);
    expect(ms).toBeLessThan(2000);
    expect(host.isOpen).toBe(false);
  });

  it('NACK twice on block 2 is retried and the image lands intact', async () => {
    const sim = new Stm32Sim({ nackWrite: { block: 2, times: 2 } });
    const { result, img } = await session(sim, new Stm32An3155({ retries: 3 }), STM32_BOARD, 2048);
    expect(result.ok).toBe(true);
    expect(sim.log.filter((l) => l.startsWith('NACK injected'))).toHaveLength(2);
    expect(Buffer.from(sim.flash.read(0x08000000, 2048)).equals(Buffer.from(img))).toBe(true);
  });

  it('NACK beyond the retry budget: clear error naming block and address, no success', async () => {
    const sim = new Stm32Sim({ nackWrite: { block: 2, times: 10 } });
    const { result } = await session(sim, new Stm32An3155({ retries: 3 }), STM32_BOARD, 2048);
    expectFailure(result, /write block 3 of 8 at 0x08000200: NACK .* after 4 tries/);
    expect(sim.log.filter((l) => l.startsWith('NACK injected'))).toHaveLength(4);
  });

  it('noise before the sync ACK and two ignored syncs: still connects and writes', async () => {
    const sim = new Stm32Sim({ noiseBeforeSync: Uint8Array.of(0x00, 0xff, 0x55, 0x0a, 0x0d), ignoreSyncs: 2 });
    const { result, img } = await session(sim, new Stm32An3155({ timeoutMs: 200 }), STM32_BOARD, 1000);
    expect(result.ok).toBe(true);
    expect(Buffer.from(sim.flash.read(0x08000000, 1000)).equals(Buffer.from(img))).toBe(true);
  });

  it('wrong chip ID: refuses before erasing anything', async () => {
    const sim = new Stm32Sim({ pid: 0x413 });
    const { result } = await session(sim, new Stm32An3155(), STM32_BOARD, 1000);
    const e = expectFailure(result, /chip ID 0x413 \(STM32F405\/407\/415\/417\) does not match board test-stm32-an3155, which expects 0x470/);
    expect(e.hint).toMatch(/--board/);
    expect(sim.log.some((l) => l.startsWith('erase'))).toBe(false);
  });

  it('no bootloader at all: "no answer to sync" with the BOOT0 hint, within attempts × timeout', async () => {
    const [host, dev] = createMemoryPair();
    await dev.open();
    cleanups.push(() => dev.close());
    const t0 = performance.now();
    const err = await flashDevice({ board: STM32_BOARD, protocol: new Stm32An3155({ timeoutMs: 100, syncAttempts: 3 }), transport: host, image: { segments: [{ address: 0x08000000, data: new Uint8Array(4) }] } }).catch((e: TinymlError) => e);
    expect(performance.now() - t0).toBeLessThan(1000);
    expect((err as TinymlError).message).toMatch(/no answer to sync \(0x7F\) after 3 attempts/);
    expect((err as TinymlError).hint).toMatch(/BOOT0/);
    expect(host.isOpen).toBe(false);
  });
});

describe('STK500v1 faults', () => {
  it('stops answering after 2 pages', async () => {
    const { result, ms, host } = await session(new OptibootSim({ stopAfterPages: 2 }), new Stk500v1({ timeoutMs: 300 }), UNO_BOARD, 1024);
    expectFailure(result, /no answer to LOAD_ADDRESS 0x0100 within 300 ms/);
    expect(ms).toBeLessThan(2000);
    expect(host.isOpen).toBe(false);
  });
  it('NOSYNC on page 1 twice is retried; five times fails after the budget', async () => {
    const ok = new OptibootSim({ nosyncPage: { page: 1, times: 2 } });
    const r1 = await session(ok, new Stk500v1(), UNO_BOARD, 512);
    expect(r1.result.ok).toBe(true);
    expect(Buffer.from(ok.flash.read(0, 512)).equals(Buffer.from(r1.img))).toBe(true);
    const bad = new OptibootSim({ nosyncPage: { page: 1, times: 5 } });
    const r2 = await session(bad, new Stk500v1({ retries: 3 }), UNO_BOARD, 512);
    expectFailure(r2.result, /write page 2 of 4 at 0x0080: .*NOSYNC.* after 4 tries/);
  });
  it('noise before sync is flushed and sync retried', async () => {
    const sim = new OptibootSim({ noiseBeforeSync: new TextEncoder().encode('hello from the old sketch\r\n') });
    const r = await session(sim, new Stk500v1(), UNO_BOARD, 300);
    expect(r.result.ok).toBe(true);
  });
  it('wrong signature (ATmega2560) vs an Uno board', async () => {
    const r = await session(new OptibootSim({ signature: [0x1e, 0x98, 0x01] }), new Stk500v1(), UNO_BOARD, 300);
    expectFailure(r.result, /signature 0x1e9801 \(ATmega2560\) does not match board .* expects 0x1e950f \(ATmega328P\)/);
  });
});

describe('ESP ROM loader faults', () => {
  it('stops answering after block 2', async () => {
    const r = await session(new EspRomSim({ stopAfterBlocks: 2 }), new EspRom({ timeoutMs: 300 }), ESP32S3_BOARD, 5000, 0);
    expectFailure(r.result, /FLASH_DATA block 3 of 5 at 0x00000800: no answer to command 0x03 within 300 ms/);
    expect(r.ms).toBeLessThan(2500);
  });
  it('block error retried, then budget exhausted', async () => {
    const ok = new EspRomSim({ failBlock: { block: 1, times: 1 } });
    const r1 = await session(ok, new EspRom(), ESP32S3_BOARD, 3000, 0x1000);
    expect(r1.result.ok).toBe(true);
    expect(Buffer.from(ok.flash.read(0x1000, 3000)).equals(Buffer.from(r1.img))).toBe(true);
    const r2 = await session(new EspRomSim({ failBlock: { block: 1, times: 9 } }), new EspRom({ retries: 2 }), ESP32S3_BOARD, 3000, 0x1000);
    expectFailure(r2.result, /FLASH_DATA block 2 of 3 at 0x00001400: .*ROM error 0x07 \(invalid CRC in message\) after 3 tries/);
  });
  it('boot log noise before SYNC', async () => {
    const sim = new EspRomSim({ noiseBeforeSync: new TextEncoder().encode('ESP-ROM:esp32s3-20210327\r\nrst:0x1 (POWERON),boot:0x0 (DOWNLOAD(USB/UART0))\r\n\xc0waiting for download\r\n') });
    const r = await session(sim, new EspRom(), ESP32S3_BOARD, 2000, 0);
    expect(r.result.ok).toBe(true);
  });
  it('wrong chip: ESP32 magic vs an ESP32-S3 board', async () => {
    const r = await session(new EspRomSim({ magic: 0x00f01d83 }), new EspRom(), ESP32S3_BOARD, 100, 0);
    expectFailure(r.result, /chip magic 0xf01d83 \(ESP32\) does not match board .* expects 0x9 \(ESP32-S3\)/);
  });
});

describe('port vanishes mid-write', () => {
  it('in memory: pending read rejects at once, no success, port closed', async () => {
    const [host, dev] = createMemoryPair();
    await dev.open();
    const sim = new Stm32Sim();
    sim.start(dev);
    cleanups.push(() => dev.close());
    const img = randomBytes(60_000, 1);
    let vanished = false;
    const p = flashDevice({
      board: STM32_BOARD,
      protocol: new Stm32An3155({ timeoutMs: 5000 }),
      transport: host,
      image: { segments: [{ address: 0x08000000, data: img }] },
      onWriteProgress: (d) => {
        if (d > 10_000 && !vanished) {
          vanished = true;
          (host as MemoryTransport).vanish();
        }
      },
    });
    const t0 = performance.now();
    await expect(p).rejects.toThrow(/port vanished|disconnected/);
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(host.isOpen).toBe(false);
  });

  it.skipIf(!hasTool('socat'))('over a pty: socat killed mid-write gives a device error well before the reply timeout', async () => {
    const pair = await ptyPair();
    const dev = new SerialPortTransport(pair.device, { baudRate: 115200 });
    await dev.open();
    const sim = new Stm32Sim();
    sim.start(dev);
    cleanups.push(async () => {
      await dev.close();
      await pair.close();
    });
    const host = new SerialPortTransport(pair.host, { baudRate: 115200 });
    let killedAt = 0;
    const err = await flashDevice({
      board: STM32_BOARD,
      protocol: new Stm32An3155({ timeoutMs: 3000 }),
      transport: host,
      image: { segments: [{ address: 0x08000000, data: randomBytes(100_000, 2) }] },
      onWriteProgress: (d) => {
        if (d > 5000 && !killedAt) {
          killedAt = performance.now();
          pair.proc.kill('SIGKILL');
        }
      },
    }).then(
      () => undefined,
      (e: TinymlError) => e,
    );
    expect(err, 'must not report success').toBeInstanceOf(TinymlError);
    expect(err!.code).toBe('device');
    expect(performance.now() - killedAt).toBeLessThan(3500);
    expect(host.isOpen).toBe(false);
  });
});
