/**
 * A connection to firmware speaking the runtime protocol: either QEMU (emulated boards; the
 * UART on a pseudo-terminal) or a real port. Both go through SerialPortTransport, so the
 * emulated path exercises exactly the code a /dev/ttyACM0 uses. `close()` always stops QEMU.
 */
import type { BoardProfile } from '../boards/board.js';
import { TinymlError } from '../errors.js';
import type { Logger } from '../log.js';
import { silentLogger } from '../log.js';
import { SerialPortTransport } from '../serial/serialport-transport.js';
import { DutClient } from './dut-client.js';
import { startQemu, type QemuSession } from './qemu.js';

export interface DeviceSession {
  client: DutClient;
  provenance: 'emulated' | 'measured';
  close(): Promise<void>;
}

export interface OpenDeviceOptions {
  board: BoardProfile;
  /** Firmware to run under QEMU (emulated boards). */
  elf?: string;
  /** Real serial port; the firmware must already be flashed and running. */
  port?: string;
  logger?: Logger;
}

export async function openDevice(opts: OpenDeviceOptions): Promise<DeviceSession> {
  const log = opts.logger ?? silentLogger;
  const { board } = opts;
  let qemu: QemuSession | undefined;
  let path = opts.port;
  if (!path) {
    if (!board.emulator || !opts.elf) {
      throw new TinymlError('usage', `board ${board.id} is a real board: pass --port <path> (e.g. /dev/ttyACM0)`, 'Flash the firmware first with `tinyml flash <dir> --port <path>`.');
    }
    qemu = await startQemu(board, opts.elf);
    path = qemu.ptyPath;
    log.info(`qemu-system-arm -M ${board.emulator.qemuMachine}: UART on ${path}`);
  }
  const transport = new SerialPortTransport(path, { baudRate: board.uart.baud || 115200 });
  const close = async () => {
    if (transport.isOpen) await transport.close().catch(() => {});
    if (qemu) await qemu.stop();
  };
  try {
    await transport.open();
    const client = new DutClient(transport);
    if (qemu) {
      qemu.resume();
      await client.waitReady(20000).catch((e: Error) => {
        throw new TinymlError('device', `${board.id}: firmware did not print m-ready after start (${e.message})\n${qemu!.output()}`);
      });
    } else {
      // A running board may be mid-line: an empty command resynchronises on its m-ready.
      await transport.flushInput();
      await client.command('', 5000).catch(() => undefined);
      await client.name();
    }
    return { client, provenance: qemu ? 'emulated' : 'measured', close };
  } catch (e) {
    await close();
    throw e;
  }
}
