/**
 * The int16 tables of TFLite's 16x8 kernels (src/numerics/lut16.ts): the interpolating lookup
 * by hand, the generated softmax tables' end points and shape, and the sigmoid table the TS and
 * C kernels each hold (they must be the same 256 numbers).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkedLog2, lutLookup16, lutPopulateInt16, SIGMOID_TABLE_UINT16 } from '../../src/numerics/lut16.js';
import { softmaxInt16Luts } from '../../src/ops/softmax.js';

describe('int16 lookup tables', () => {
  it('LUTLookup interpolates 7 low bits between entries, rounding half up', () => {
    const lut = new Int16Array(513);
    for (let i = 0; i < 513; i++) lut[i] = (i - 256) * 100; // a line through 0 with slope 100 per entry
    expect(lutLookup16(0, lut)).toBe(0); // index 256, offset 0
    expect(lutLookup16(64, lut)).toBe(50); // half way: (100·64 + 64) >> 7 = 50
    expect(lutLookup16(1, lut)).toBe(1); // (100 + 64) >> 7 = 1
    expect(lutLookup16(-1, lut)).toBe(-1); // index 255, offset 127: -100 + 99
    expect(lutLookup16(-32768, lut)).toBe(-25600);
    expect(lutLookup16(32767, lut)).toBe(25500 + 99); // index 511, offset 127
  });

  it('softmax tables: exp over [-10, 0] and 1/(1 + x) over [0, 1], as TFLite builds them', () => {
    const { expLut, oneOverOnePlusXLut } = softmaxInt16Luts();
    expect(expLut.length).toBe(513);
    // exp(0) = 1 is 32768 in Q0.15, clamped to int16; exp(-10) ≈ 4.5e-5 is 1.5 LSB.
    expect(expLut[512]).toBe(32767);
    expect(expLut[0]).toBeGreaterThanOrEqual(1);
    expect(expLut[0]).toBeLessThanOrEqual(2);
    for (let i = 1; i < 513; i++) expect(expLut[i]!).toBeGreaterThanOrEqual(expLut[i - 1]!);
    // 1/(1 + 0) = 1 → 32767; 1/(1 + 1) = 0.5 → 16384; decreasing in between.
    expect(oneOverOnePlusXLut[0]).toBe(32767);
    expect(oneOverOnePlusXLut[512]).toBe(16384);
    for (let i = 1; i < 513; i++) expect(oneOverOnePlusXLut[i]!).toBeLessThanOrEqual(oneOverOnePlusXLut[i - 1]!);
    // Within one LSB of the real function at the entries' sample points.
    for (let i = 0; i < 512; i++) expect(Math.abs(expLut[i]! - 32768 * Math.exp(-10 + (10 * i) / 512))).toBeLessThanOrEqual(1.5);
  });

  it('a table of the identity reads back the identity within one LSB', () => {
    // Input and output scale 1: entries at -32768 + i·65535/512 (a step of 127.998).
    const lut = lutPopulateInt16(1, 0, 1, 0, (x) => x);
    for (let i = 0; i < 512; i++) expect(Math.abs(lut[i]! - (-32768 + (i * 65535) / 512))).toBeLessThanOrEqual(1);
    expect(lut[512]).toBe(32767);
    for (const v of [-32768, -5, 0, 77, 32767]) expect(Math.abs(lutLookup16(v, lut) - v)).toBeLessThanOrEqual(1);
  });

  it('CheckedLog2 accepts powers of two and rejects others', () => {
    expect(checkedLog2(2 ** -15)).toEqual({ log2: -15, exact: true });
    expect(checkedLog2(2 ** -12)).toEqual({ log2: -12, exact: true });
    expect(checkedLog2(0.00037).exact).toBe(false);
  });

  it('the sigmoid table of the C kernels is the TypeScript one (TFLite common.h sigmoid_table_uint16)', () => {
    for (const file of ['sigmoid_s16.c']) {
      const c = readFileSync(new URL(`../../firmware-templates/kernels/reference/${file}`, import.meta.url), 'utf8');
      const body = c.slice(c.indexOf('sigmoid_table_uint16[256] = {'), c.indexOf('};'));
      const values = body.slice(body.indexOf('{') + 1).match(/\d+/g)!.map(Number);
      expect(values, file).toEqual([...SIGMOID_TABLE_UINT16]);
    }
    // Published end points and a few entries of TFLite's table: sigmoid(i/24) in Q0.16.
    expect(SIGMOID_TABLE_UINT16.length).toBe(256);
    expect([SIGMOID_TABLE_UINT16[0], SIGMOID_TABLE_UINT16[1], SIGMOID_TABLE_UINT16[24], SIGMOID_TABLE_UINT16[255]]).toEqual([32768, 33451, 47911, 65535]);
    SIGMOID_TABLE_UINT16.forEach((v, i) => expect(Math.abs(v - 65536 / (1 + Math.exp(-i / 24)))).toBeLessThanOrEqual(1.5));
  });
});
