/**
 * Flash throughput of each protocol against its simulator over a socat pseudo-terminal
 * (ptys ignore baud, so this measures protocol round trips and our code, not the line), and
 * of the in-memory pair. Prints KiB/s for write and verify per protocol.
 *
 *   npx tsx bench/flash-throughput.ts
 */
import { EspRom } from '../src/flash/esp-rom.js';
import { flashDevice } from '../src/flash/flash-device.js';
import type { FlashProtocol } from '../src/flash/protocol.js';
import { Stk500v1 } from '../src/flash/stk500v1.js';
import { Stm32An3155 } from '../src/flash/stm32-an3155.js';
import { createMemoryPair } from '../src/serial/memory-transport.js';
import { SerialPortTransport } from '../src/serial/serialport-transport.js';
import type { Transport } from '../src/serial/transport.js';
import { ESP32S3_BOARD, STM32_BOARD, UNO_BOARD } from '../test/sim/boards.js';
import { EspRomSim } from '../test/sim/esp-rom-sim.js';
import { randomBytes } from '../test/sim/helpers.js';
import { OptibootSim } from '../test/sim/optiboot-sim.js';
import { ptyPair } from '../test/sim/pty-pair.js';
import type { Simulator } from '../test/sim/sim-base.js';
import { Stm32Sim } from '../test/sim/stm32-sim.js';

const cases: { name: string; sim: () => Simulator; proto: () => FlashProtocol; board: typeof STM32_BOARD; address: number; size: number }[] = [
  { name: 'stm32-an3155', sim: () => new Stm32Sim(), proto: () => new Stm32An3155(), board: STM32_BOARD, address: 0x08000000, size: 128 * 1024 },
  { name: 'stk500v1', sim: () => new OptibootSim(), proto: () => new Stk500v1(), board: UNO_BOARD, address: 0, size: 30 * 1024 },
  { name: 'esp-rom', sim: () => new EspRomSim(), proto: () => new EspRom(), board: ESP32S3_BOARD, address: 0x10000, size: 256 * 1024 },
];

const rows: string[][] = [['protocol', 'link', 'bytes', 'write KiB/s', 'verify KiB/s']];
for (const c of cases) {
  for (const link of ['memory', 'pty'] as const) {
    const sim = c.sim();
    let host: Transport;
    let cleanup: () => Promise<void>;
    if (link === 'memory') {
      const [a, b] = createMemoryPair();
      await b.open();
      sim.start(b);
      host = a;
      cleanup = () => b.close();
    } else {
      const pair = await ptyPair();
      const dev = new SerialPortTransport(pair.device, { baudRate: 115200 });
      await dev.open();
      sim.start(dev);
      host = new SerialPortTransport(pair.host, { baudRate: 115200 });
      cleanup = async () => {
        await dev.close();
        await pair.close();
      };
    }
    const r = await flashDevice({ board: c.board, protocol: c.proto(), transport: host, image: { segments: [{ address: c.address, data: randomBytes(c.size) }] } });
    await cleanup();
    const kibs = (ms: number) => (c.size / 1024 / (ms / 1000)).toFixed(1);
    rows.push([c.name, link, String(c.size), kibs(r.ms.write), kibs(r.ms.verify)]);
  }
}
const w = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
for (const r of rows) process.stdout.write(r.map((x, i) => x.padEnd(w[i]!)).join('  ') + '\n');
