import type { Command } from 'commander';
import { listPorts } from '../serial/ports.js';
import { printJson } from './output.js';

export function registerPorts(program: Command): void {
  program
    .command('ports')
    .description('List serial ports with USB VID:PID, serial number, manufacturer and the board each most likely is')
    .option('--json', 'print the ports as JSON')
    .addHelpText(
      'after',
      `
Examples:
  tinyml ports
  tinyml ports --json | jq -r '.[] | select(.boards[0] == "arduino-uno") | .path'

The board guess comes from the USB IDs of the serial bridge (src/serial/usb-ids.ts); a generic
bridge (CH340, CP210x, FTDI) can be behind many boards, so it is marked "bridge".`,
    )
    .action(async (opts: { json?: boolean }) => {
      const ports = await listPorts();
      if (opts.json) {
        printJson(ports);
        return;
      }
      if (ports.length === 0) {
        process.stdout.write('no serial ports found (is the board plugged in? on Linux, is the cdc_acm / ch341 / cp210x driver loaded?)\n');
        return;
      }
      const rows = ports.map((p) => [
        p.path,
        p.vendorId && p.productId ? `${p.vendorId}:${p.productId}` : '-',
        p.serialNumber ?? '-',
        p.manufacturer ?? '-',
        p.boards.length ? `${p.boards.join(' / ')}${p.confidence === 'bridge' ? ' (generic bridge)' : ''}` : (p.device ?? '-'),
      ]);
      const head = ['path', 'vid:pid', 'serial', 'manufacturer', 'likely board'];
      const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
      const line = (r: string[]) => r.map((c, i) => c.padEnd(w[i]!)).join('  ').trimEnd();
      process.stdout.write([line(head), ...rows.map(line)].join('\n') + '\n');
    });
}
