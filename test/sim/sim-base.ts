/**
 * Device simulators speak the device side of a bootloader protocol over any Transport
 * (a socat pseudo-terminal for the real clients, an in-memory pair for fast tests). Each
 * holds its flash in memory and has fault knobs. A simulator that the real Debian client
 * (stm32flash, avrdude) cannot flash is wrong: test/sim/real-clients.test.ts checks that.
 */
import { TransportClosedError, TransportTimeoutError, type Transport } from '../../src/serial/transport.js';

/** Thrown inside a handler to abandon the current command (the loop goes on). */
export class Abandon extends Error {}

export abstract class Simulator {
  protected t!: Transport;
  private loop: Promise<void> | undefined;
  /** Once true the device never answers again (it "crashed" or jumped to the application). */
  silent = false;
  /** Commands handled, by name, for tests to assert on. */
  readonly log: string[] = [];
  /** Error that ended the loop other than the port closing. */
  error: Error | undefined;

  start(transport: Transport): void {
    this.t = transport;
    this.loop = this.run();
  }

  /** Resolves when the loop ends (the transport closed). */
  done(): Promise<void> {
    return this.loop ?? Promise.resolve();
  }

  /** Reads exactly n bytes, waiting as long as it takes; rejects only when the port closes. */
  protected async rx(n: number): Promise<Uint8Array> {
    for (;;) {
      try {
        return await this.t.read(n, 60_000);
      } catch (e) {
        if (e instanceof TransportTimeoutError) {
          if (e.received.length) throw new Error(`simulator lost ${e.received.length} bytes of a partial read`);
          continue;
        }
        throw e;
      }
    }
  }

  protected async rx1(): Promise<number> {
    return (await this.rx(1))[0]!;
  }

  protected async tx(bytes: ArrayLike<number>): Promise<void> {
    if (this.silent) return;
    await this.t.write(Uint8Array.from(bytes as ArrayLike<number>));
  }

  protected abstract step(): Promise<void>;

  private async run(): Promise<void> {
    try {
      for (;;) {
        try {
          await this.step();
        } catch (e) {
          if (e instanceof Abandon) continue;
          throw e;
        }
      }
    } catch (e) {
      if (!(e instanceof TransportClosedError)) this.error = e as Error;
    }
  }
}

/** Flash memory: erased = 0xFF; programming can only clear bits (like real NOR flash). */
export class SimFlash {
  readonly mem: Uint8Array;
  constructor(readonly base: number, readonly size: number) {
    this.mem = new Uint8Array(size).fill(0xff);
  }
  contains(addr: number, n: number): boolean {
    return addr >= this.base && addr + n <= this.base + this.size;
  }
  program(addr: number, data: Uint8Array): void {
    const o = addr - this.base;
    for (let i = 0; i < data.length; i++) this.mem[o + i]! &= data[i]!;
  }
  erase(addr: number, n: number): void {
    this.mem.fill(0xff, addr - this.base, addr - this.base + n);
  }
  read(addr: number, n: number): Uint8Array {
    return this.mem.slice(addr - this.base, addr - this.base + n);
  }
}
