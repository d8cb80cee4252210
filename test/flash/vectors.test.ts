/**
 * Byte-exact vectors from the protocol and format references (expected bytes written out
 * by hand from the documents, not produced by the code under test).
 */
import { describe, expect, it } from 'vitest';
import { blocks, flatten, normalizeSegments } from '../../src/flash/image.js';
import { hexRecord, parseIntelHex, writeIntelHex } from '../../src/flash/intel-hex.js';
import { espChecksum, requestPacket, SYNC_PAYLOAD, words, ESP } from '../../src/flash/esp-rom.js';
import { slipDecode, slipEncode, SlipDecoder } from '../../src/flash/slip.js';
import { addressFrame, commandFrame, eraseFrame, extendedEraseFrame, extendedEraseSpecial, writeDataFrame } from '../../src/flash/stm32-an3155.js';
import { loadAddressFrame, progPageFrame, readPageFrame } from '../../src/flash/stk500v1.js';
import { parseUf2, writeUf2 } from '../../src/flash/uf2.js';
import { detectFormat } from '../../src/flash/load-image.js';

const h = (s: string) => Uint8Array.from(s.trim().split(/\s+/).map((x) => parseInt(x, 16)));
const arr = (u: Uint8Array) => Array.from(u);

describe('Intel HEX', () => {
  it('reads the Intel specification / Wikipedia examples', () => {
    const img = parseIntelHex(
      [':020000040800F2', ':10010000214601360121470136007EFE09D2190140', ':04000005000000CD2A', ':00000001FF'].join('\r\n'),
    );
    expect(img.segments).toHaveLength(1);
    expect(img.segments[0]!.address).toBe(0x08000100);
    expect(arr(img.segments[0]!.data)).toEqual(arr(h('21 46 01 36 01 21 47 01 36 00 7E FE 09 D2 19 01')));
    expect(img.entry).toBe(0xcd);
  });
  it('02 extended segment address: base << 4', () => {
    const img = parseIntelHex(':020000021200EA\n:0100000055AA\n:00000001FF\n');
    expect(img.segments[0]!.address).toBe(0x12000);
    expect(img.segments[0]!.data[0]).toBe(0x55);
  });
  it('writes records with the spec checksums', () => {
    expect(hexRecord(0x00, 0x0100, h('21 46 01 36 01 21 47 01 36 00 7E FE 09 D2 19 01'))).toBe(':10010000214601360121470136007EFE09D2190140');
    expect(hexRecord(0x01, 0, [])).toBe(':00000001FF');
    expect(hexRecord(0x04, 0, [0x08, 0x00])).toBe(':020000040800F2');
    expect(hexRecord(0x05, 0, [0, 0, 0, 0xcd])).toBe(':04000005000000CD2A');
  });
  it('writes 04 records when crossing 64 KiB and round-trips', () => {
    const data = Uint8Array.from({ length: 40 }, (_, i) => i);
    const text = writeIntelHex({ segments: [{ address: 0x0800fff0, data }], entry: 0x08000199 });
    expect(text.split('\n').slice(0, 2)).toEqual([':020000040800F2', ':10FFF000000102030405060708090A0B0C0D0E0F89']);
    expect(text).toContain(':020000040801F1');
    const back = parseIntelHex(text);
    expect(back.segments[0]!.address).toBe(0x0800fff0);
    expect(arr(back.segments[0]!.data)).toEqual(arr(data));
    expect(back.entry).toBe(0x08000199);
  });
  it('errors name the line', () => {
    expect(() => parseIntelHex(':020000040800F2\n:10010000214601360121470136007EFE09D2190141\n:00000001FF', 'fw.hex')).toThrow(/fw\.hex: line 2: checksum 0x41 is wrong \(expected 0x40\)/);
    expect(() => parseIntelHex(':00000001FF\n:00000001FF', 'fw.hex')).toThrow(/line 2: data after the end-of-file/);
    expect(() => parseIntelHex(':0100000055AA\n', 'fw.hex')).toThrow(/truncated/);
    expect(() => parseIntelHex('hello\n', 'fw.hex')).toThrow(/line 1: record does not start with ':'/);
    expect(() => parseIntelHex(':0100000655A4\n:00000001FF', 'fw.hex')).toThrow(/line 1: unknown record type 0x06/);
  });
});

describe('UF2', () => {
  it('block header fields and magics (microsoft/uf2 README)', () => {
    const data = Uint8Array.from({ length: 300 }, (_, i) => i & 0xff);
    const out = writeUf2({ segments: [{ address: 0x10000000, data }] }, 0xe48bff56);
    expect(out.length).toBe(1024);
    expect(arr(out.subarray(0, 32))).toEqual(
      arr(h('55 46 32 0A  57 51 5D 9E  00 20 00 00  00 00 00 10  00 01 00 00  00 00 00 00  02 00 00 00  56 FF 8B E4')),
    );
    expect(arr(out.subarray(508, 512))).toEqual(arr(h('30 6F B1 0A')));
    expect(arr(out.subarray(512 + 12, 512 + 24))).toEqual(arr(h('00 01 00 10  00 01 00 00  01 00 00 00')));
    expect(out[32 + 255]).toBe(255);
    expect(out[512 + 32 + 43]).toBe(43); // byte 299
    expect(out[512 + 32 + 44]).toBe(0); // padding
    expect(out.subarray(32 + 256, 508).every((b) => b === 0)).toBe(true);
    const back = parseUf2(out, 'x.uf2');
    expect(back.familyIds).toEqual([0xe48bff56]);
    expect(arr(back.segments[0]!.data.subarray(0, 300))).toEqual(arr(data));
  });
  it('unaligned start lands in the right 256-byte block', () => {
    const out = writeUf2({ segments: [{ address: 0x10000080, data: new Uint8Array(256).fill(7) }] }, 0xada52840);
    expect(out.length).toBe(1024);
    const dv = new DataView(out.buffer);
    expect(dv.getUint32(12, true)).toBe(0x10000000);
    expect(out[32 + 0x7f]).toBe(0);
    expect(out[32 + 0x80]).toBe(7);
    expect(dv.getUint32(512 + 12, true)).toBe(0x10000100);
  });
});

describe('SLIP (RFC 1055 as used by esptool)', () => {
  it('escapes C0 and DB', () => {
    expect(arr(slipEncode(h('01 C0 DB 02')))).toEqual(arr(h('C0 01 DB DC DB DD 02 C0')));
    expect(arr(slipDecode(h('01 DB DC DB DD 02')))).toEqual(arr(h('01 C0 DB 02')));
  });
  it('incremental decoder: split at every byte, junk outside frames dropped', () => {
    const stream = h('41 42 C0 01 DB DC DB DD 02 C0 C0 05 C0');
    const d = new SlipDecoder();
    const got: number[][] = [];
    for (const b of stream) for (const p of d.push(Uint8Array.of(b))) got.push(arr(p));
    expect(got).toEqual([[0x01, 0xc0, 0xdb, 0x02], [0x05]]);
  });
});

describe('ESP ROM loader packets', () => {
  it('SYNC frame matches the esptool serial protocol documentation', () => {
    const frame = slipEncode(requestPacket(ESP.SYNC, SYNC_PAYLOAD));
    const want = [0xc0, 0x00, 0x08, 0x24, 0x00, 0x00, 0x00, 0x00, 0x00, 0x07, 0x07, 0x12, 0x20, ...new Array(32).fill(0x55), 0xc0];
    expect(arr(frame)).toEqual(want);
  });
  it('checksum: XOR of data seeded with 0xEF', () => {
    expect(espChecksum(new Uint8Array(0))).toBe(0xef);
    expect(espChecksum(h('00 FF'))).toBe(0x10);
    expect(espChecksum(h('EF'))).toBe(0x00);
    expect(espChecksum(new Uint8Array(1024).fill(0xff))).toBe(0xef); // even count cancels
  });
  it('FLASH_DATA header carries the checksum in bytes 4..7', () => {
    const data = h('01 02 03');
    const p = requestPacket(ESP.FLASH_DATA, new Uint8Array([...words(3, 0, 0, 0), ...data]), espChecksum(data));
    expect(arr(p.subarray(0, 8))).toEqual(arr(h('00 03 13 00 EF 00 00 00')));
  });
});

describe('STM32 AN3155 frames', () => {
  it('command bytes with complements', () => {
    expect(arr(commandFrame(0x00))).toEqual([0x00, 0xff]);
    expect(arr(commandFrame(0x02))).toEqual([0x02, 0xfd]);
    expect(arr(commandFrame(0x11))).toEqual([0x11, 0xee]);
    expect(arr(commandFrame(0x21))).toEqual([0x21, 0xde]);
    expect(arr(commandFrame(0x31))).toEqual([0x31, 0xce]);
    expect(arr(commandFrame(0x44))).toEqual([0x44, 0xbb]);
  });
  it('address + XOR, MSB first', () => {
    expect(arr(addressFrame(0x08000000))).toEqual(arr(h('08 00 00 00 08')));
    expect(arr(addressFrame(0x08001234))).toEqual(arr(h('08 00 12 34 2E')));
  });
  it('write data: N-1, data, XOR of N-1 and data', () => {
    expect(arr(writeDataFrame(h('01 02 03 04')))).toEqual(arr(h('03 01 02 03 04 07')));
    const full = writeDataFrame(new Uint8Array(256).fill(0xaa));
    expect(full[0]).toBe(0xff);
    expect(full[257]).toBe(0xff); // 0xFF ^ (256 × 0xAA cancels)
    expect(() => writeDataFrame(new Uint8Array(257))).toThrow();
  });
  it('erase frames', () => {
    expect(arr(extendedEraseSpecial(0xffff))).toEqual(arr(h('FF FF 00')));
    expect(arr(extendedEraseSpecial(0xfffe))).toEqual(arr(h('FF FE 01')));
    expect(arr(extendedEraseFrame([0, 1, 2]))).toEqual(arr(h('00 02 00 00 00 01 00 02 01')));
    expect(arr(eraseFrame('global'))).toEqual(arr(h('FF 00')));
    expect(arr(eraseFrame([3, 4]))).toEqual(arr(h('01 03 04 06')));
  });
});

describe('STK500v1 frames', () => {
  it('LOAD_ADDRESS takes a little-endian word address', () => {
    expect(arr(loadAddressFrame(0x0100))).toEqual(arr(h('55 80 00 20')));
    expect(arr(loadAddressFrame(0x7e00))).toEqual(arr(h('55 00 3F 20')));
  });
  it('PROG_PAGE / READ_PAGE', () => {
    expect(arr(progPageFrame(h('0C 94')))).toEqual(arr(h('64 00 02 46 0C 94 20')));
    expect(arr(readPageFrame(128))).toEqual(arr(h('74 00 80 46 20')));
  });
});

describe('image helpers', () => {
  it('blocks() aligns and pads heads and tails, merging shared words', () => {
    const b = blocks({ segments: [{ address: 0x1002, data: h('AA BB CC') }, { address: 0x1005, data: h('DD') }].map((s) => s) }, 256, 4);
    // normalize first: the two runs touch and merge.
    const merged = blocks({ segments: normalizeSegments([{ address: 0x1002, data: h('AA BB CC') }, { address: 0x1005, data: h('DD') }]) }, 256, 4);
    expect(merged).toHaveLength(1);
    expect(merged[0]!.address).toBe(0x1000);
    expect(arr(merged[0]!.data)).toEqual(arr(h('FF FF AA BB CC DD FF FF')));
    expect(b.map((x) => x.address)).toEqual([0x1000, 0x1004]);
    expect(arr(b[0]!.data)).toEqual(arr(h('FF FF AA BB')));
    expect(arr(b[1]!.data)).toEqual(arr(h('CC DD FF FF')));
  });
  it('blocks() splits at block boundaries', () => {
    const b = blocks({ segments: [{ address: 0xf0, data: new Uint8Array(0x120) }] }, 256, 4);
    expect(b.map((x) => [x.address, x.data.length])).toEqual([
      [0xf0, 0x10],
      [0x100, 0x100],
      [0x200, 0x10],
    ]);
  });
  it('overlaps are an error naming both addresses; flatten fills gaps with 0xFF', () => {
    expect(() => normalizeSegments([{ address: 0x10, data: new Uint8Array(8) }, { address: 0x14, data: new Uint8Array(2) }], 'fw')).toThrow(/fw: data at 0x14 overlaps data at 0x10\.\.0x17/);
    expect(arr(flatten({ segments: [{ address: 2, data: h('01') }, { address: 4, data: h('02') }] }).data)).toEqual([1, 0xff, 2]);
  });
  it('detects formats by content', () => {
    expect(detectFormat(h('7F 45 4C 46 01 01 01'))).toBe('elf');
    expect(detectFormat(new TextEncoder().encode('\n:020000040800F2\n'))).toBe('hex');
    expect(detectFormat(writeUf2({ segments: [{ address: 0, data: h('01') }] }, 1))).toBe('uf2');
    expect(detectFormat(h('00 10 00 20 C1 01 00 08'))).toBe('bin');
  });
});
