import path from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { loadBoard } from '../boards/load.js';
import { TinymlError } from '../errors.js';
import { createProtocol } from '../flash/create-protocol.js';
import { flashDevice } from '../flash/flash-device.js';
import { loadImage } from '../flash/load-image.js';
import { SerialPortTransport } from '../serial/serialport-transport.js';
import { cliLogger, printJson, progressBar } from './output.js';
import { readProjectBoard } from './project.js';

interface FlashCliOptions {
  board?: string;
  port?: string;
  baud?: number;
  parity?: 'none' | 'even';
  base?: number;
  drive?: string;
  verify: boolean;
  run: boolean;
  retries?: number;
  timeout?: number;
  trace?: string;
  json?: boolean;
}

const int = (what: string) => (v: string) => {
  const n = /^0x/i.test(v) ? parseInt(v, 16) : Number(v);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`${what} must be a non-negative integer (decimal or 0x hex), got "${v}"`);
  return n;
};

/** The board of the converted project `p` is, or is inside of. */
function boardFromProject(p: string): string | undefined {
  return readProjectBoard(p) ?? readProjectBoard(path.dirname(p));
}

export function registerFlash(program: Command): void {
  program
    .command('flash')
    .description("Write firmware to a board through its bootloader (STM32 AN3155, Optiboot STK500v1, ESP ROM loader, UF2 drive, tinyml-boot on emulated MPS2), verify and start it")
    .argument('<image>', 'firmware image (.elf, .hex, .uf2 or raw .bin; detected by content) or a project directory (takes its build/*.elf|hex|bin)')
    .option('-b, --board <id>', 'board id (default: the board the project was converted for)')
    .option('-p, --port <path>', 'serial port (see `tinyml ports`)')
    .option('--baud <n>', "baud rate (default: the board's flash.baud, else 115200)", int('--baud'))
    .option('--parity <none|even>', "override the protocol's parity (pseudo-terminals cannot do parity: use none)")
    .option('--base <addr>', "load address of a raw .bin (default: the board's flash origin; 0 for ESP flash offsets)", int('--base'))
    .option('--drive <dir>', 'UF2 bootloader drive mount point (default: the one mounted drive with INFO_UF2.TXT)')
    .option('--no-verify', 'skip the verify pass (read back / MD5)')
    .option('--no-run', 'stay in the bootloader after writing')
    .option('--retries <n>', 'retries per block (default 3)', int('--retries'))
    .option('--timeout <ms>', 'per-reply timeout in ms (default: per protocol, 1000-3000)', int('--timeout'))
    .option('--trace <file>', 'write a byte trace (hex dump with direction and Δms) to this file, even on failure')
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      `
Examples:
  tinyml flash out/ --port /dev/ttyACM0                          (board from out/convert-report.json)
  tinyml flash firmware.hex --board arduino-uno --port /dev/ttyACM0
  tinyml flash app.bin --board esp32-s3-devkitc-1 --port /dev/ttyUSB0 --base 0x10000
  tinyml flash fw.elf --board nucleo-l4r5zi --port /dev/ttyUSB0 --trace flash-trace.txt
  tinyml flash fw.elf --board rpi-pico --drive /media/$USER/RPI-RP2
  tinyml flash out/ --board qemu-mps2-an386 --port /dev/pts/3   (QEMU running firmware-templates/bootloader
                                                                with -serial pty; see its Makefile)

Exit code 7 when the device or port misbehaves; the message says what was seen and what to check.`,
    )
    .action(async (image: string, opts: FlashCliOptions) => {
      const log = cliLogger('FLASH', { quiet: !!opts.json });
      const boardId = opts.board ?? boardFromProject(image);
      if (!boardId) throw new TinymlError('usage', 'which board? pass --board <id>', 'see `tinyml boards` for the ids');
      const board = loadBoard(boardId);
      if (opts.baud) board.flash = { ...board.flash, baud: opts.baud };
      if (opts.parity && opts.parity !== 'none' && opts.parity !== 'even') throw new TinymlError('usage', `--parity must be none or even, got "${opts.parity}"`);
      const protocol = createProtocol(board.flash.protocol, {
        logger: log,
        ...(opts.retries !== undefined ? { retries: opts.retries } : {}),
        ...(opts.timeout !== undefined ? { timeoutMs: opts.timeout } : {}),
        ...(opts.drive ? { drive: opts.drive } : {}),
      });
      const base = opts.base ?? (board.flash.protocol === 'esp-rom' ? 0 : board.memory.flash.origin);
      const { image: img, format, file } = await loadImage(image, base);
      log.info(`${file} (${format}): ${img.segments.map((s) => `${s.data.length} bytes at 0x${s.address.toString(16)}`).join(', ')}`);
      let transport: SerialPortTransport | null = null;
      if (board.flash.protocol !== 'uf2') {
        if (!opts.port) throw new TinymlError('usage', `${board.id} is flashed over a serial port: pass --port`, 'run `tinyml ports` to see which port the board is on');
        const settings = protocol.serialSettings(board);
        transport = new SerialPortTransport(opts.port, { ...settings, ...(opts.parity ? { parity: opts.parity } : {}) });
      }
      const wbar = progressBar('[FLASH] write ', !opts.json);
      const vbar = progressBar('[FLASH] verify', !opts.json);
      try {
        const r = await flashDevice({
          board,
          protocol,
          transport,
          image: img,
          verify: opts.verify,
          run: opts.run,
          ...(opts.trace ? { traceFile: opts.trace } : {}),
          logger: log,
          onWriteProgress: wbar.onProgress,
          onVerifyProgress: (d, t, u) => {
            wbar.stop();
            vbar.onProgress(d, t, u);
          },
        });
        wbar.stop();
        vbar.stop();
        const rate = r.ms.write > 0 ? (r.bytes / 1024 / (r.ms.write / 1000)).toFixed(1) : '-';
        if (opts.json) printJson({ ok: true, file, format, ...r });
        else {
          log.info(`wrote ${r.bytes} bytes in ${(r.ms.write / 1000).toFixed(2)} s (${rate} KiB/s)${r.verify ? `, verified (${r.verify.method})` : ', not verified'}`);
          if (opts.trace) log.info(`byte trace: ${opts.trace}`);
        }
      } finally {
        wbar.stop();
        vbar.stop();
      }
    });
}
