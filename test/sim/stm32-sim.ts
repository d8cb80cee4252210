/**
 * The device side of ST AN3155 (STM32 system bootloader over USART), as stm32flash and
 * our flasher expect it: sync on 0x7F, Get/Get Version/Get ID, Read/Write Memory, Erase or
 * Extended Erase, Go. Every phase is checked (complement bytes, XOR checksums, alignment)
 * and answered NACK when wrong, like the real ROM.
 */
import { Abandon, SimFlash, Simulator } from './sim-base.js';

const ACK = 0x79;
const NACK = 0x1f;

export interface Stm32SimOptions {
  pid?: number;
  flashBase?: number;
  flashSize?: number;
  pageSize?: number;
  /** Offer Extended Erase 0x44 (true, default) or legacy Erase 0x43. */
  extendedErase?: boolean;
  /** Fault: go silent after this many successful Write Memory commands. */
  stopAfterWrites?: number;
  /** Fault: NACK the data phase of write number `block` (0-based) `times` times. */
  nackWrite?: { block: number; times: number };
  /** Fault: bytes sent before the ACK of the first sync. */
  noiseBeforeSync?: Uint8Array;
  /** Fault: ignore this many sync bytes before answering. */
  ignoreSyncs?: number;
}

export class Stm32Sim extends Simulator {
  readonly flash: SimFlash;
  readonly pid: number;
  readonly pageSize: number;
  private synced = false;
  private writes = 0;
  private nacksLeft: number;
  /** Address given to Go, when it happened. */
  wentTo: number | undefined;
  readonly commands: number[];

  constructor(private readonly o: Stm32SimOptions = {}) {
    super();
    this.pid = o.pid ?? 0x470;
    this.flash = new SimFlash(o.flashBase ?? 0x08000000, o.flashSize ?? 256 * 1024);
    this.pageSize = o.pageSize ?? 2048;
    this.nacksLeft = o.nackWrite?.times ?? 0;
    this.commands = [0x00, 0x01, 0x02, 0x11, 0x21, 0x31, o.extendedErase === false ? 0x43 : 0x44, 0x63, 0x73, 0x82, 0x92];
  }

  private xor(b: ArrayLike<number>): number {
    let x = 0;
    for (let i = 0; i < b.length; i++) x ^= b[i]!;
    return x;
  }

  private async nack(why: string): Promise<never> {
    this.log.push(`NACK ${why}`);
    await this.tx([NACK]);
    throw new Abandon(why);
  }

  private async address(): Promise<number> {
    const a = await this.rx(5);
    if (this.xor(a.subarray(0, 4)) !== a[4]) await this.nack('address checksum');
    return ((a[0]! << 24) | (a[1]! << 16) | (a[2]! << 8) | a[3]!) >>> 0;
  }

  protected async step(): Promise<void> {
    const c = await this.rx1();
    if (this.silent) return;
    if (!this.synced) {
      if (c !== 0x7f) return; // the autobaud waits for 0x7F and ignores anything else
      if ((this.o.ignoreSyncs ?? 0) > 0) {
        this.o.ignoreSyncs!--;
        return;
      }
      if (this.o.noiseBeforeSync) await this.tx(this.o.noiseBeforeSync);
      this.synced = true;
      this.log.push('sync');
      await this.tx([ACK]);
      return;
    }
    if (c === 0x7f) {
      // Already synced: the ROM takes 0x7F as a command byte and the complement check fails.
      await this.tx([NACK]);
      return;
    }
    const cc = await this.rx1();
    if ((c ^ cc) !== 0xff) await this.nack(`bad complement ${c.toString(16)} ${cc.toString(16)}`);
    if (!this.commands.includes(c)) await this.nack(`unsupported command 0x${c.toString(16)}`);
    switch (c) {
      case 0x00:
        this.log.push('get');
        await this.tx([ACK, this.commands.length, 0x31, ...this.commands, ACK]);
        return;
      case 0x01:
        this.log.push('get-version');
        await this.tx([ACK, 0x31, 0x00, 0x00, ACK]);
        return;
      case 0x02:
        this.log.push('get-id');
        await this.tx([ACK, 0x01, this.pid >> 8, this.pid & 0xff, ACK]);
        return;
      case 0x11: {
        await this.tx([ACK]);
        const addr = await this.address();
        if (!this.flash.contains(addr, 1)) await this.nack(`read address 0x${addr.toString(16)} outside flash`);
        await this.tx([ACK]);
        const nb = await this.rx(2);
        if ((nb[0]! ^ nb[1]!) !== 0xff) await this.nack('read length checksum');
        const n = nb[0]! + 1;
        if (!this.flash.contains(addr, n)) await this.nack('read past the end of flash');
        await this.tx([ACK]);
        this.log.push(`read ${addr.toString(16)} ${n}`);
        await this.tx(this.flash.read(addr, n));
        return;
      }
      case 0x31: {
        await this.tx([ACK]);
        const addr = await this.address();
        if (addr % 4 !== 0 || !this.flash.contains(addr, 1)) await this.nack(`write address 0x${addr.toString(16)}`);
        await this.tx([ACK]);
        const n = (await this.rx1()) + 1;
        const rest = await this.rx(n + 1);
        const data = rest.subarray(0, n);
        if ((this.xor(data) ^ (n - 1)) !== rest[n]) await this.nack('write data checksum');
        if (n % 4 !== 0) await this.nack(`write length ${n} not a multiple of 4`);
        if (!this.flash.contains(addr, n)) await this.nack('write past the end of flash');
        if (this.o.nackWrite && this.writes === this.o.nackWrite.block && this.nacksLeft > 0) {
          this.nacksLeft--;
          await this.nack(`injected NACK on write ${this.writes}`);
        }
        this.flash.program(addr, data);
        this.writes++;
        this.log.push(`write ${addr.toString(16)} ${n}`);
        await this.tx([ACK]);
        if (this.o.stopAfterWrites !== undefined && this.writes >= this.o.stopAfterWrites) this.silent = true;
        return;
      }
      case 0x43: {
        await this.tx([ACK]);
        const n = await this.rx1();
        if (n === 0xff) {
          if ((await this.rx1()) !== 0x00) await this.nack('global erase checksum');
          this.flash.erase(this.flash.base, this.flash.size);
          this.log.push('erase global');
        } else {
          const rest = await this.rx(n + 2);
          if (this.xor([n, ...rest.subarray(0, n + 1)]) !== rest[n + 1]) await this.nack('erase checksum');
          for (const p of rest.subarray(0, n + 1)) this.flash.erase(this.flash.base + p * this.pageSize, this.pageSize);
          this.log.push(`erase pages ${n + 1}`);
        }
        await this.tx([ACK]);
        return;
      }
      case 0x44: {
        await this.tx([ACK]);
        const nb = await this.rx(2);
        const n = (nb[0]! << 8) | nb[1]!;
        if (n >= 0xfff0) {
          if ((await this.rx1()) !== (nb[0]! ^ nb[1]!)) await this.nack('mass erase checksum');
          if (n !== 0xffff && n !== 0xfffe && n !== 0xfffd) await this.nack(`special erase 0x${n.toString(16)}`);
          this.flash.erase(this.flash.base, this.flash.size);
          this.log.push('erase mass');
        } else {
          const pages = await this.rx(2 * (n + 1));
          const sum = await this.rx1();
          if ((this.xor(nb) ^ this.xor(pages)) !== sum) await this.nack('extended erase checksum');
          for (let i = 0; i <= n; i++) {
            const p = (pages[2 * i]! << 8) | pages[2 * i + 1]!;
            if ((p + 1) * this.pageSize > this.flash.size) await this.nack(`erase page ${p} beyond flash`);
            this.flash.erase(this.flash.base + p * this.pageSize, this.pageSize);
          }
          this.log.push(`erase pages ${n + 1}`);
        }
        await this.tx([ACK]);
        return;
      }
      case 0x21: {
        await this.tx([ACK]);
        const addr = await this.address();
        // Record the jump before the last ACK leaves: the host may check it as soon as it reads the ACK.
        this.wentTo = addr;
        this.log.push(`go ${addr.toString(16)}`);
        await this.tx([ACK]);
        this.silent = true;
        return;
      }
      default:
        // Write/readout protect commands: this simulated chip refuses them.
        await this.nack(`command 0x${c.toString(16)} refused`);
    }
  }
}
