/**
 * The device side of the Espressif ROM serial loader for an ESP32-S3: SLIP framed
 * commands, SYNC (answered several times, like the ROM), READ_REG (chip magic at
 * 0x40001000), SPI_ATTACH, SPI_SET_PARAMS, FLASH_BEGIN/DATA/END with the 0xEF-seeded
 * checksum checked, SPI_FLASH_MD5 answered as 32 hex characters. Status: 4 bytes.
 */
import { createHash } from 'node:crypto';
import { SimFlash, Simulator } from './sim-base.js';
import { SlipDecoder, slipEncode } from '../../src/flash/slip.js';

export interface EspSimOptions {
  magic?: number;
  flashSize?: number;
  /** Fault: go silent after this many FLASH_DATA packets. */
  stopAfterBlocks?: number;
  /** Fault: answer FLASH_DATA number `block` with error 0x07 `times` times. */
  failBlock?: { block: number; times: number };
  /** Fault: boot log text before the first SYNC answer. */
  noiseBeforeSync?: Uint8Array;
  /** How many replies one SYNC gets (the ROM sends several). */
  syncReplies?: number;
}

export class EspRomSim extends Simulator {
  readonly flash: SimFlash;
  private dec = new SlipDecoder();
  private queue: Uint8Array[] = [];
  private begin: { offset: number; size: number; blocks: number; blockSize: number; seq: number } | undefined;
  private dataPackets = 0;
  private failsLeft: number;
  private noiseSent = false;
  rebooted = false;

  constructor(private readonly o: EspSimOptions = {}) {
    super();
    this.flash = new SimFlash(0, o.flashSize ?? 1024 * 1024);
    this.failsLeft = o.failBlock?.times ?? 0;
  }

  private async reply(cmd: number, value: number, data: Uint8Array = new Uint8Array(0), status = 0, error = 0): Promise<void> {
    const body = new Uint8Array(data.length + 4);
    body.set(data);
    body[data.length] = status;
    body[data.length + 1] = error;
    const p = new Uint8Array(8 + body.length);
    const dv = new DataView(p.buffer);
    p[0] = 0x01;
    p[1] = cmd;
    dv.setUint16(2, body.length, true);
    dv.setUint32(4, value >>> 0, true);
    p.set(body, 8);
    await this.tx(slipEncode(p));
  }

  protected async step(): Promise<void> {
    while (this.queue.length === 0) this.queue.push(...this.dec.push(await this.rx(1)));
    const p = this.queue.shift()!;
    if (this.silent || p.length < 8 || p[0] !== 0x00) return;
    const dv = new DataView(p.buffer, p.byteOffset, p.byteLength);
    const cmd = p[1]!;
    const size = dv.getUint16(2, true);
    const checksum = dv.getUint32(4, true);
    const data = p.subarray(8, 8 + size);
    const w = (i: number) => new DataView(data.buffer, data.byteOffset + 4 * i, 4).getUint32(0, true);
    if (data.length !== size) return this.reply(cmd, 0, undefined, 1, 0x05);
    switch (cmd) {
      case 0x08: {
        if (size !== 36 || data[0] !== 0x07 || data[1] !== 0x07 || data[2] !== 0x12 || data[3] !== 0x20 || data.subarray(4).some((b) => b !== 0x55)) return;
        if (this.o.noiseBeforeSync && !this.noiseSent) {
          this.noiseSent = true;
          await this.tx(this.o.noiseBeforeSync);
        }
        this.log.push('sync');
        for (let i = 0; i < (this.o.syncReplies ?? 8); i++) await this.reply(cmd, 0x20120707);
        return;
      }
      case 0x0a: {
        const addr = w(0);
        this.log.push(`read_reg ${addr.toString(16)}`);
        return this.reply(cmd, addr === 0x40001000 ? (this.o.magic ?? 0x9) : 0);
      }
      case 0x0d:
      case 0x0b:
        this.log.push(cmd === 0x0d ? 'spi_attach' : 'spi_set_params');
        return this.reply(cmd, 0);
      case 0x02: {
        // ESP32-S3 ROM: erase size, blocks, block size, offset, encrypted flag.
        if (size !== 20) return this.reply(cmd, 0, undefined, 1, 0x05);
        const [eraseSize, blocks, blockSize, offset] = [w(0), w(1), w(2), w(3)];
        if (offset + eraseSize > this.flash.size) return this.reply(cmd, 0, undefined, 1, 0x06);
        this.flash.erase(offset, eraseSize);
        this.begin = { offset, size: eraseSize, blocks, blockSize, seq: 0 };
        this.log.push(`flash_begin ${offset.toString(16)} ${eraseSize}`);
        return this.reply(cmd, 0);
      }
      case 0x03: {
        const b = this.begin;
        if (!b) return this.reply(cmd, 0, undefined, 1, 0x06);
        const [len, seq] = [w(0), w(1)];
        const payload = data.subarray(16, 16 + len);
        let sum = 0xef;
        for (const x of payload) sum ^= x;
        if (payload.length !== len || sum !== checksum) return this.reply(cmd, 0, undefined, 1, 0x07);
        if (this.o.failBlock && this.dataPackets === this.o.failBlock.block && this.failsLeft > 0) {
          this.failsLeft--;
          this.log.push(`injected error on block ${this.dataPackets}`);
          return this.reply(cmd, 0, undefined, 1, 0x07);
        }
        if (seq !== b.seq) return this.reply(cmd, 0, undefined, 1, 0x05);
        this.flash.program(b.offset + seq * b.blockSize, payload);
        b.seq++;
        this.dataPackets++;
        this.log.push(`flash_data ${seq}`);
        await this.reply(cmd, 0);
        if (this.o.stopAfterBlocks !== undefined && this.dataPackets >= this.o.stopAfterBlocks) this.silent = true;
        return;
      }
      case 0x04: {
        const stay = w(0);
        this.log.push(`flash_end ${stay}`);
        // Record the reboot before the reply leaves: the host may check it as soon as it reads it.
        if (stay === 0) this.rebooted = true;
        await this.reply(cmd, 0);
        if (stay === 0) this.silent = true;
        return;
      }
      case 0x13: {
        const [addr, len] = [w(0), w(1)];
        const md5 = createHash('md5').update(this.flash.read(addr, len)).digest('hex');
        this.log.push(`md5 ${addr.toString(16)} ${len}`);
        return this.reply(cmd, 0, new TextEncoder().encode(md5));
      }
      default:
        return this.reply(cmd, 0, undefined, 1, 0x05);
    }
  }
}
