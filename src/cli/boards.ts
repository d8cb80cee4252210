import type { Command } from 'commander';
import { listBoards } from '../boards/load.js';
import { printJson } from './output.js';

const fmtBytes = (n: number) => (n >= 1 << 20 ? `${n / (1 << 20)} MB` : n >= 1024 ? `${Math.round(n / 1024)} KB` : `${n} B`);

export function registerBoards(program: Command): void {
  program
    .command('boards')
    .description('List the boards tinyml knows (boards/*.json, each validated against boards/board.schema.json)')
    .option('--json', 'print the full board profiles as JSON')
    .addHelpText(
      'after',
      `
Examples:
  tinyml boards
  tinyml boards --json | jq '.[] | select(.emulator) | .id'

Adding a board is adding a file boards/<id>.json; an invalid file is reported with its field.`,
    )
    .action((opts: { json?: boolean }) => {
      const boards = listBoards();
      if (opts.json) {
        printJson(boards);
        return;
      }
      const rows = boards.map((b) => [
        b.id,
        b.core,
        b.clockHz ? `${b.clockHz / 1e6} MHz` : '-',
        b.core === 'host' ? '-' : fmtBytes(b.memory.flash.length),
        b.core === 'host' ? '-' : fmtBytes(b.memory.ram.length),
        b.template,
        b.kernels,
        b.emulator ? `qemu ${b.emulator.qemuMachine}` : b.flash.protocol,
      ]);
      const head = ['id', 'core', 'clock', 'flash', 'ram', 'template', 'kernels', 'runs via'];
      const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
      const line = (r: string[]) => r.map((c, i) => c.padEnd(w[i]!)).join('  ').trimEnd();
      process.stdout.write([line(head), ...rows.map(line)].join('\n') + '\n');
    });
}
