/**
 * The device side of STK500 v1 as Optiboot implements it (optiboot.c): every command is
 * checked for its CRC_EOP (0x20) and answered 14 … 10. Optiboot itself resets through the
 * watchdog on a bad CRC_EOP; this simulator answers NOSYNC (0x15) instead, as the original
 * STK500 firmware does, so retries can be tested.
 */
import { Abandon, SimFlash, Simulator } from './sim-base.js';

export interface OptibootSimOptions {
  signature?: [number, number, number];
  flashSize?: number;
  pageSize?: number;
  /** Fault: go silent after this many PROG_PAGE commands. */
  stopAfterPages?: number;
  /** Fault: answer NOSYNC to PROG_PAGE number `page` (0-based) `times` times. */
  nosyncPage?: { page: number; times: number };
  /** Fault: bytes sent before the first GET_SYNC answer. */
  noiseBeforeSync?: Uint8Array;
}

export class OptibootSim extends Simulator {
  readonly flash: SimFlash;
  private address = 0;
  private pages = 0;
  private nosyncLeft: number;
  private noiseSent = false;
  left = false;

  constructor(private readonly o: OptibootSimOptions = {}) {
    super();
    this.flash = new SimFlash(0, o.flashSize ?? 32 * 1024);
    this.nosyncLeft = o.nosyncPage?.times ?? 0;
  }

  private async verifySpace(): Promise<void> {
    const b = await this.rx1();
    if (b !== 0x20) {
      this.log.push(`NOSYNC (got 0x${b.toString(16)})`);
      await this.tx([0x15]);
      throw new Abandon('no CRC_EOP');
    }
    await this.tx([0x14]);
  }

  protected async step(): Promise<void> {
    const c = await this.rx1();
    if (this.silent) return;
    switch (c) {
      case 0x30: // GET_SYNC
        if (this.o.noiseBeforeSync && !this.noiseSent) {
          this.noiseSent = true;
          await this.tx(this.o.noiseBeforeSync);
        }
        await this.verifySpace();
        this.log.push('sync');
        break;
      case 0x41: {
        // GET_PARAMETER: Optiboot 8.0 reports major 8 minor 0, 0x03 for anything else.
        const which = await this.rx1();
        await this.verifySpace();
        await this.tx([which === 0x81 ? 8 : which === 0x82 ? 0 : 0x03]);
        break;
      }
      case 0x42: // SET_DEVICE: 20 parameter bytes, ignored
        await this.rx(20);
        await this.verifySpace();
        break;
      case 0x45: // SET_DEVICE_EXT: 5 bytes, ignored
        await this.rx(5);
        await this.verifySpace();
        break;
      case 0x55: {
        const a = await this.rx(2);
        this.address = ((a[1]! << 8) | a[0]!) * 2;
        await this.verifySpace();
        break;
      }
      case 0x56: // UNIVERSAL: answered with 0 (chip erase, fuse reads)
        await this.rx(4);
        await this.verifySpace();
        await this.tx([0x00]);
        break;
      case 0x64: {
        const h = await this.rx(3);
        const len = (h[0]! << 8) | h[1]!;
        const data = await this.rx(len);
        if (this.o.nosyncPage && this.pages === this.o.nosyncPage.page && this.nosyncLeft > 0) {
          this.nosyncLeft--;
          await this.rx1();
          this.log.push(`injected NOSYNC on page ${this.pages}`);
          await this.tx([0x15]);
          return;
        }
        await this.verifySpace();
        if (h[2] === 0x46) {
          if (!this.flash.contains(this.address, len)) throw new Error(`PROG_PAGE beyond flash at 0x${this.address.toString(16)}`);
          // Optiboot erases the page, then writes it.
          this.flash.erase(this.address, len);
          this.flash.program(this.address, data);
        }
        this.pages++;
        this.log.push(`prog ${this.address.toString(16)} ${len}`);
        if (this.o.stopAfterPages !== undefined && this.pages >= this.o.stopAfterPages) {
          await this.tx([0x10]);
          this.silent = true;
          return;
        }
        break;
      }
      case 0x74: {
        const h = await this.rx(3);
        const len = (h[0]! << 8) | h[1]!;
        await this.verifySpace();
        this.log.push(`read ${this.address.toString(16)} ${len}`);
        await this.tx(h[2] === 0x46 ? this.flash.read(this.address, len) : new Uint8Array(len).fill(0xff));
        break;
      }
      case 0x75: {
        await this.verifySpace();
        await this.tx(this.o.signature ?? [0x1e, 0x95, 0x0f]);
        break;
      }
      case 0x51:
        await this.verifySpace();
        this.log.push('leave');
        this.left = true;
        break;
      default:
        await this.verifySpace();
    }
    await this.tx([0x10]);
  }
}
