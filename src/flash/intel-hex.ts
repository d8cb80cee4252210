/**
 * Intel HEX (Intel "Hexadecimal Object File Format Specification", rev A, 1988).
 *
 * Reading, line by line:
 *   1. each record is `:LLAAAATT<data>CC`; the two's-complement checksum of all bytes must be 0;
 *   2. 00 data at (upper address | AAAA), where the upper part comes from the last
 *      02 (segment base << 4) or 04 (linear base << 16) record;
 *   3. 01 ends the file (anything after it is an error); 03/05 give the start address.
 * Writing emits 04 records whenever the upper 16 address bits change, 16 data bytes per
 * record, an optional 05 start address and the 01 end record, lines ending in LF.
 * Not promised: 03 (segment start) is read but never written; data wrapping past a 64 KiB
 * segment inside one 00 record is rejected rather than wrapped (as the spec's 8086 model would).
 */
import { ModelFormatError } from '../errors.js';
import { normalizeSegments, type FlashImage, type Segment } from './image.js';

function hexErr(file: string, line: number, what: string): ModelFormatError {
  return new ModelFormatError(file, `line ${line}: ${what}`, undefined, 'is this an Intel HEX file? (records look like :10000000…)');
}

export function parseIntelHex(text: string, file = 'image.hex'): FlashImage {
  const segments: Segment[] = [];
  let upper = 0;
  let entry: number | undefined;
  let ended = false;
  let run: { address: number; bytes: number[] } | undefined;
  const flush = () => {
    if (run) segments.push({ address: run.address, data: Uint8Array.from(run.bytes) });
    run = undefined;
  };
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const ln = i + 1;
    const line = lines[i]!.trim();
    if (line === '') continue;
    if (ended) throw hexErr(file, ln, 'data after the end-of-file (01) record');
    if (line[0] !== ':') throw hexErr(file, ln, `record does not start with ':' (starts with "${line.slice(0, 8)}")`);
    const body = line.slice(1);
    if (body.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(body)) throw hexErr(file, ln, 'record is not an even number of hex digits');
    const bytes = Array.from({ length: body.length / 2 }, (_, k) => parseInt(body.slice(2 * k, 2 * k + 2), 16));
    if (bytes.length < 5) throw hexErr(file, ln, 'record too short');
    const len = bytes[0]!;
    if (bytes.length !== len + 5) throw hexErr(file, ln, `length byte says ${len} data bytes but the record has ${bytes.length - 5}`);
    const sum = bytes.reduce((a, b) => (a + b) & 0xff, 0);
    if (sum !== 0) {
      const want = (0x100 - (bytes.slice(0, -1).reduce((a, b) => a + b, 0) & 0xff)) & 0xff;
      throw hexErr(file, ln, `checksum 0x${bytes[bytes.length - 1]!.toString(16).padStart(2, '0')} is wrong (expected 0x${want.toString(16).padStart(2, '0')})`);
    }
    const offset = (bytes[1]! << 8) | bytes[2]!;
    const type = bytes[3]!;
    const data = bytes.slice(4, 4 + len);
    switch (type) {
      case 0x00: {
        if (offset + len > 0x10000) throw hexErr(file, ln, 'data record crosses a 64 KiB boundary');
        const addr = upper + offset;
        if (run && run.address + run.bytes.length === addr) run.bytes.push(...data);
        else {
          flush();
          run = { address: addr, bytes: [...data] };
        }
        break;
      }
      case 0x01:
        if (len !== 0) throw hexErr(file, ln, 'end-of-file record with data');
        ended = true;
        break;
      case 0x02:
        if (len !== 2) throw hexErr(file, ln, 'extended segment address record must have 2 data bytes');
        upper = ((data[0]! << 8) | data[1]!) << 4;
        break;
      case 0x03:
        if (len !== 4) throw hexErr(file, ln, 'start segment address record must have 4 data bytes');
        entry = (((data[0]! << 8) | data[1]!) << 4) + ((data[2]! << 8) | data[3]!);
        break;
      case 0x04:
        if (len !== 2) throw hexErr(file, ln, 'extended linear address record must have 2 data bytes');
        upper = (((data[0]! << 8) | data[1]!) << 16) >>> 0;
        break;
      case 0x05:
        if (len !== 4) throw hexErr(file, ln, 'start linear address record must have 4 data bytes');
        entry = ((data[0]! << 24) | (data[1]! << 16) | (data[2]! << 8) | data[3]!) >>> 0;
        break;
      default:
        throw hexErr(file, ln, `unknown record type 0x${type.toString(16).padStart(2, '0')}`);
    }
  }
  flush();
  if (!ended) throw new ModelFormatError(file, 'no end-of-file (01) record: the file is truncated', undefined);
  return { segments: normalizeSegments(segments, file), ...(entry !== undefined ? { entry } : {}), source: file };
}

/** One record line, checksum included. */
export function hexRecord(type: number, offset: number, data: ArrayLike<number>): string {
  const bytes = [data.length, (offset >> 8) & 0xff, offset & 0xff, type, ...Array.from(data)];
  const sum = (0x100 - (bytes.reduce((a, b) => a + b, 0) & 0xff)) & 0xff;
  return ':' + [...bytes, sum].map((b) => b.toString(16).toUpperCase().padStart(2, '0')).join('');
}

export function writeIntelHex(img: FlashImage, bytesPerRecord = 16): string {
  const lines: string[] = [];
  let upper = 0;
  for (const seg of img.segments) {
    let addr = seg.address;
    let off = 0;
    while (off < seg.data.length) {
      const hi = addr >>> 16;
      if (hi !== upper) {
        lines.push(hexRecord(0x04, 0, [(hi >> 8) & 0xff, hi & 0xff]));
        upper = hi;
      }
      const n = Math.min(bytesPerRecord, seg.data.length - off, 0x10000 - (addr & 0xffff));
      lines.push(hexRecord(0x00, addr & 0xffff, seg.data.subarray(off, off + n)));
      off += n;
      addr += n;
    }
  }
  if (img.entry !== undefined) {
    const e = img.entry >>> 0;
    lines.push(hexRecord(0x05, 0, [(e >>> 24) & 0xff, (e >>> 16) & 0xff, (e >>> 8) & 0xff, e & 0xff]));
  }
  lines.push(hexRecord(0x01, 0, []));
  return lines.join('\n') + '\n';
}
