/**
 * Runs one simulator on a fresh socat pty pair until Ctrl-C, for trying clients by hand:
 *
 *   npx tsx test/sim/run-sim.ts stm32|optiboot|esp [--pid 0x410]
 *   stm32flash -m 8n1 -b 115200 -w fw.bin -v <printed path>
 *   avrdude -c arduino -p m328p -P <printed path> -b 115200 -U flash:w:fw.hex:i
 *   npx tsx src/cli/entry.ts flash fw.hex --board arduino-uno --port <printed path>
 */
import { SerialPortTransport } from '../../src/serial/serialport-transport.js';
import { EspRomSim } from './esp-rom-sim.js';
import { OptibootSim } from './optiboot-sim.js';
import { ptyPair } from './pty-pair.js';
import type { Simulator } from './sim-base.js';
import { Stm32Sim } from './stm32-sim.js';

const kind = process.argv[2];
const pidArg = process.argv.indexOf('--pid');
const pid = pidArg > 0 ? parseInt(process.argv[pidArg + 1]!, 16) : undefined;
const sims: Record<string, () => Simulator> = {
  stm32: () => new Stm32Sim(pid !== undefined ? { pid } : {}),
  optiboot: () => new OptibootSim(),
  esp: () => new EspRomSim(),
};
const make = kind ? sims[kind] : undefined;
if (!make) {
  process.stderr.write(`usage: run-sim.ts ${Object.keys(sims).join('|')} [--pid 0x410]\n`);
  process.exitCode = 2;
} else {
  const pair = await ptyPair();
  const dev = new SerialPortTransport(pair.device, { baudRate: 115200 });
  await dev.open();
  const sim = make();
  sim.start(dev);
  process.stdout.write(`${kind} simulator listening; connect a client to ${pair.host}\n`);
  process.on('SIGINT', () => {
    process.stdout.write(`\n${sim.log.length} commands handled\n`);
    void dev.close().then(() => pair.close()).then(() => process.exit(0));
  });
}
