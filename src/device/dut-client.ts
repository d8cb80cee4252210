/**
 * Host side of the device runtime protocol (MLPerf Tiny / EEMBC DUT commands plus the tinyml
 * extensions; see firmware-templates/runtime/tinyml_runtime.h), over any `Transport`.
 *
 * Every command is `<text>%`; the reply is the lines up to `m-ready`. An `e-[…]` line in a
 * reply becomes a TinymlError naming the command and the port. Replies are bounded: a reply
 * longer than `maxReplyBytes` is an error, not a hang.
 */
import { TinymlError } from '../errors.js';
import type { Transport } from '../serial/transport.js';

export interface DutInfo {
  model: string;
  hash: string;
  arenaBytes: number;
  /** Bytes of state kept between inferences (0 for stateless models; 0 from firmware that predates it). */
  stateBytes: number;
  inputBytes: number;
  /**
   * Whether one load can feed several inferences. False when the model's plan reuses its
   * input's bytes during an inference (the firmware then takes `infer 1 0` per load; `infer`
   * here reloads the last input before each one). True from firmware that predates it.
   */
  inputKept: boolean;
  outputBytes: number;
  layers: number;
  cycleSource: string;
  cycleHz: number;
}

export interface InferResult {
  output: Int8Array;
  /** Counter ticks for all N inferences, and per inference (integer division on the device). */
  totalTicks: number;
  ticksPerInference: number;
  n: number;
  results: number[];
}

const enc = new TextEncoder();
const dec = new TextDecoder();

export class DutClient {
  constructor(
    readonly transport: Transport,
    private readonly opts: { timeoutMs?: number; maxReplyBytes?: number } = {},
  ) {}

  /** From tinyml-info (undefined until asked): whether one load feeds several inferences. */
  private inputKept: boolean | undefined;
  /** The last input loaded, and how, to reload it when the firmware takes one inference per load. */
  private lastLoad: { data: Uint8Array; binary: boolean } | undefined;

  /** Wait for the boot banner's m-ready (after reset / QEMU `cont`). */
  async waitReady(timeoutMs = 10000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const line = await this.readLine(Math.max(1, deadline - Date.now()));
      if (line === 'm-ready') return;
    }
  }

  private async readLine(timeoutMs: number): Promise<string> {
    const raw = await this.transport.readUntil(0x0a, timeoutMs, 1 << 16);
    return dec.decode(raw).replace(/\r?\n$/, '');
  }

  /** Send one command and return its reply lines (without m-ready). */
  async command(cmd: string, timeoutMs = this.opts.timeoutMs ?? 30000): Promise<string[]> {
    await this.transport.write(enc.encode(`${cmd}%`));
    return this.collect(cmd, timeoutMs);
  }

  private async collect(cmd: string, timeoutMs: number): Promise<string[]> {
    const lines: string[] = [];
    let bytes = 0;
    const max = this.opts.maxReplyBytes ?? 1 << 20;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const line = await this.readLine(Math.max(1, deadline - Date.now()));
      bytes += line.length;
      if (bytes > max) throw new TinymlError('device', `${this.transport.path}: reply to "${cmd}" exceeds ${max} bytes`);
      if (line === 'm-ready') break;
      lines.push(line);
    }
    const err = lines.find((l) => l.startsWith('e-['));
    if (err) throw new TinymlError('device', `${this.transport.path}: "${cmd}" failed: ${err}`);
    return lines;
  }

  async name(): Promise<string> {
    const l = (await this.command('name')).find((x) => x.startsWith('m-name-'));
    if (!l) throw new TinymlError('device', `${this.transport.path}: no m-name line in the reply to "name"`);
    return l.slice('m-name-'.length);
  }

  async info(): Promise<DutInfo> {
    const l = (await this.command('tinyml-info')).find((x) => x.startsWith('m-tinyml-info-['));
    if (!l) throw new TinymlError('device', `${this.transport.path}: firmware does not answer tinyml-info (not tinyml firmware?)`);
    const kv = Object.fromEntries(
      l
        .slice('m-tinyml-info-['.length, -1)
        .split(',')
        .map((p) => p.split('=') as [string, string]),
    );
    this.inputKept = kv['input-kept'] !== '0';
    return {
      model: kv.model ?? '',
      hash: kv.hash ?? '',
      arenaBytes: Number(kv.arena),
      stateBytes: Number(kv.state ?? 0),
      inputBytes: Number(kv.input),
      inputKept: kv['input-kept'] !== '0',
      outputBytes: Number(kv.output),
      layers: Number(kv.layers),
      cycleSource: kv['cycle-source'] ?? '',
      cycleHz: Number(kv['cycle-hz']),
    };
  }

  /** `tinyml-reset%`: the model's state kept between inferences returns to its start (a new stream). */
  async reset(): Promise<void> {
    const lines = await this.command('tinyml-reset');
    if (!lines.includes('m-tinyml-reset-done')) throw new TinymlError('device', `${this.transport.path}: firmware did not confirm tinyml-reset (${lines.join(' | ') || 'no reply'})`);
  }

  /** Load input bytes with the standard hex `db` commands (chunks fit the 80-character limit). */
  async loadHex(data: Uint8Array): Promise<void> {
    this.lastLoad = { data: data.slice(), binary: false };
    await this.command(`db load ${data.length}`);
    const CHUNK = 36; // "db " + 72 hex digits < 80
    for (let i = 0; i < data.length; i += CHUNK) {
      const hex = Buffer.from(data.subarray(i, i + CHUNK)).toString('hex');
      await this.command(`db ${hex}`);
    }
  }

  /** Load input bytes with the binary extension: `db bin N%`, wait for the go-ahead, N raw bytes. */
  async loadBinary(data: Uint8Array, timeoutMs = 30000): Promise<void> {
    this.lastLoad = { data: data.slice(), binary: true };
    await this.transport.write(enc.encode(`db bin ${data.length}%`));
    const first = await this.readLine(timeoutMs);
    if (first.startsWith('e-[')) {
      await this.collect('db bin', timeoutMs);
      throw new TinymlError('device', `${this.transport.path}: "db bin ${data.length}" failed: ${first}`);
    }
    if (!first.startsWith('m-[Expecting')) throw new TinymlError('device', `${this.transport.path}: unexpected reply to db bin: ${first}`);
    await this.transport.write(data);
    const rest = await this.collect('db bin', timeoutMs);
    if (!rest.includes('m-load-done')) throw new TinymlError('device', `${this.transport.path}: binary load of ${data.length} bytes not acknowledged`);
  }

  /**
   * `infer N W`. On firmware whose model reuses its input's bytes (tinyml-info input-kept=0),
   * N + W > 1 runs as N + W rounds of (load the last input again, `infer 1 0`); the ticks are the
   * sum over the N timed ones and the output is the last one's, as `infer N W` would give.
   */
  async infer(n = 1, warmup = 0, timeoutMs = 600000): Promise<InferResult> {
    if (n + warmup > 1) {
      if (this.inputKept === undefined) await this.info();
      if (this.inputKept === false) return this.inferReloading(n, warmup, timeoutMs);
    }
    return this.inferOnce(n, warmup, timeoutMs);
  }

  private async inferReloading(n: number, warmup: number, timeoutMs: number): Promise<InferResult> {
    const load = this.lastLoad;
    if (!load) throw new TinymlError('device', `${this.transport.path}: infer ${n} ${warmup} on firmware that takes one inference per load needs the input loaded through this client first`);
    let total = 0;
    let last: InferResult | undefined;
    for (let i = 0; i < warmup + n; i++) {
      await (load.binary ? this.loadBinary(load.data) : this.loadHex(load.data));
      last = await this.inferOnce(1, 0, timeoutMs);
      if (i >= warmup) total += last.totalTicks;
    }
    return { ...last!, totalTicks: total, n, ticksPerInference: Math.floor(total / n) };
  }

  private async inferOnce(n: number, warmup: number, timeoutMs: number): Promise<InferResult> {
    const lines = await this.command(`infer ${n} ${warmup}`, timeoutMs);
    const cyc = lines.find((l) => l.startsWith('m-tinyml-cycles-['));
    const out = lines.find((l) => l.startsWith('m-tinyml-output-['));
    const res = lines.find((l) => l.startsWith('m-results-['));
    if (!cyc || !out || !res) throw new TinymlError('device', `${this.transport.path}: incomplete reply to infer:\n${lines.join('\n')}`);
    const [total, count, per] = cyc.slice('m-tinyml-cycles-['.length, -1).split(',').map(Number) as [number, number, number];
    const hex = out.slice('m-tinyml-output-['.length, -1);
    return {
      output: new Int8Array(Buffer.from(hex, 'hex')),
      totalTicks: total,
      n: count,
      ticksPerInference: per,
      results: res.slice('m-results-['.length, -1).split(',').map(Number),
    };
  }

  async layers(): Promise<{ name: string; cycles: number }[]> {
    const lines = await this.command('tinyml-layers');
    return lines
      .filter((l) => l.startsWith('m-tinyml-layer-['))
      .map((l) => {
        const [, name, ticks] = l.slice('m-tinyml-layer-['.length, -1).split(',');
        return { name: name ?? '', cycles: Number(ticks) };
      });
  }
}
