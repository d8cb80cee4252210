import type { Command } from 'commander';
import { formatSi } from '../energy/figure.js';
import { buildEnergyReport, parseRate } from '../report/build-report.js';
import { uJ } from '../report/format.js';
import { writeReport } from '../report/write-report.js';
import { cliLogger, printJson } from './output.js';

/**
 * `tinyml report <dir>`: the energy comparison for a converted model — µJ per inference on
 * the microcontroller (measured, estimated or emulated) next to cloud GPUs / Trainium /
 * Inferentia, average power and battery life at a duty cycle, CO2e by region — written as
 * report.json, report.md and a self-contained report.html.
 */
export function registerReport(program: Command): void {
  program
    .command('report')
    .description('Energy per inference on the MCU vs the cloud, battery life and CO2e: writes report.json, report.md and report.html.')
    .argument('<dir>', 'output directory of `tinyml convert` (reads convert-report.json, and bench.json if present)')
    .option('--rate <rate>', 'inference rate for average power and battery life (e.g. 1/s, 10/s, 6/min)', '1/s')
    .option('--battery <battery>', 'battery preset (2xAA, CR2032) or custom like 1200mAh@3.7V')
    .option('--region <region>', 'grid region for CO2e (world, us, france, germany, canada, india, china, quebec)', 'us')
    .option('--board <id>', 'board whose power model to use (default: the board in convert-report.json)')
    .option('--pue <id>', 'data-centre PUE: aws or industry', 'aws')
    .option('--benchmark <name>', 'MLPerf Tiny benchmark to rank against (kws, ad, vww, ic; default: guessed from the model)')
    .option('-o, --out <dir>', 'where to write the report files (default: <dir>)')
    .option('--json', 'print report.json on stdout')
    .addHelpText(
      'after',
      `
Examples:
  tinyml report out/
  tinyml report out/ --rate 1/s --battery 2xAA --region france
  tinyml report out/ --board nucleo-l4r5zi --battery CR2032 --json | jq .mcu.energyJ

Every figure carries its provenance: measured (power meter, via bench --meter), estimated
(device cycles × board power model), emulated (QEMU cycles × power model), published (cited),
derived (computed from cited figures). Cloud baselines and their sources: data/cloud-baselines.json.`,
    )
    .action(async (dir: string, opts: { rate: string; battery?: string; region: string; board?: string; pue: string; benchmark?: string; out?: string; json?: boolean }) => {
      const log = cliLogger('REPORT', { quiet: !!opts.json });
      const o: Parameters<typeof buildEnergyReport>[0] = { dir, ratePerS: parseRate(opts.rate), region: opts.region, pue: opts.pue };
      if (opts.battery) o.battery = opts.battery;
      if (opts.board) o.boardId = opts.board;
      if (opts.benchmark) o.benchmark = opts.benchmark;
      const report = buildEnergyReport(o);
      const files = await writeReport(report, opts.out ?? dir);
      if (opts.json) {
        printJson(report);
        return;
      }
      const m = report.mcu;
      log.info(`MCU: ${m.energyJ ? `${uJ(m.energyJ)} per inference [${m.energyJ.provenance}]` : 'no energy figure (see notes in report.md)'}`);
      if (m.atRate) log.info(`at ${m.ratePerS}/s: ${formatSi(m.atRate.averageW.value, 'W')} average [${m.atRate.averageW.provenance}]`);
      for (const t of report.cloud.targets) log.info(`${t.name}: ${uJ(t.batchedJ)}${t.batch1J ? ` … ${uJ(t.batch1J)}` : ''} [${t.batchedJ.provenance}]`);
      process.stdout.write(`${files.json}\n${files.md}\n${files.html}\n`);
    });
}
