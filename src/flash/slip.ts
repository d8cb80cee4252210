/**
 * SLIP framing (RFC 1055) as used by the Espressif ROM loader: each packet is wrapped in
 * 0xC0; inside it 0xC0 becomes DB DC and 0xDB becomes DB DD.
 */
import { TinymlError } from '../errors.js';

export const SLIP_END = 0xc0;
export const SLIP_ESC = 0xdb;
export const SLIP_ESC_END = 0xdc;
export const SLIP_ESC_ESC = 0xdd;

export function slipEncode(packet: Uint8Array): Uint8Array {
  const out: number[] = [SLIP_END];
  for (const b of packet) {
    if (b === SLIP_END) out.push(SLIP_ESC, SLIP_ESC_END);
    else if (b === SLIP_ESC) out.push(SLIP_ESC, SLIP_ESC_ESC);
    else out.push(b);
  }
  out.push(SLIP_END);
  return Uint8Array.from(out);
}

/** Decodes the body of one frame (without the 0xC0 delimiters). */
export function slipDecode(body: Uint8Array): Uint8Array {
  const out: number[] = [];
  for (let i = 0; i < body.length; i++) {
    const b = body[i]!;
    if (b === SLIP_ESC) {
      const n = body[++i];
      if (n === SLIP_ESC_END) out.push(SLIP_END);
      else if (n === SLIP_ESC_ESC) out.push(SLIP_ESC);
      else throw new TinymlError('device', `SLIP: invalid escape 0xdb 0x${(n ?? 0).toString(16)} at byte ${i}`);
    } else out.push(b);
  }
  return Uint8Array.from(out);
}

/**
 * Incremental decoder: feed arbitrary chunks, get whole packets. Bytes outside a frame
 * (boot messages the ROM prints before it listens) are dropped.
 */
export class SlipDecoder {
  private cur: number[] | undefined;
  push(chunk: Uint8Array): Uint8Array[] {
    const packets: Uint8Array[] = [];
    for (const b of chunk) {
      if (b === SLIP_END) {
        if (this.cur && this.cur.length > 0) {
          packets.push(slipDecode(Uint8Array.from(this.cur)));
          this.cur = undefined;
        } else this.cur = [];
      } else if (this.cur) this.cur.push(b);
    }
    return packets;
  }
}
