import { describe, expect, it } from 'vitest';
import { parseNpy, writeNpy } from '../../src/io/npy.js';

/** Build a .npy by hand (as numpy lays it out), independent of writeNpy. */
function handNpy(version: 1 | 2 | 3, header: string, data: Uint8Array, align = 64): Uint8Array {
  const pre = version === 1 ? 10 : 12;
  const padded = header.padEnd(Math.ceil((pre + header.length + 1) / align) * align - pre - 1, ' ') + '\n';
  const out = new Uint8Array(pre + padded.length + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
  const dv = new DataView(out.buffer);
  if (version === 1) dv.setUint16(8, padded.length, true);
  else dv.setUint32(8, padded.length, true);
  out.set(new TextEncoder().encode(padded), pre);
  out.set(data, pre + padded.length);
  return out;
}

function le(values: number[], bytes: 4 | 8, float: boolean): Uint8Array {
  const out = new Uint8Array(values.length * bytes);
  const dv = new DataView(out.buffer);
  values.forEach((v, i) => {
    if (float && bytes === 4) dv.setFloat32(i * 4, v, true);
    else if (float) dv.setFloat64(i * 8, v, true);
    else dv.setInt32(i * 4, v, true);
  });
  return out;
}

describe('.npy reader', () => {
  it('reads v1 float32 (2, 3) in C order', () => {
    const b = handNpy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", le([1, 2, 3, 4, 5, 6.5], 4, true));
    const a = parseNpy(b, 'x.npy');
    expect(a.dtype).toBe('float32');
    expect(a.shape).toEqual([2, 3]);
    expect(Array.from(a.data)).toEqual([1, 2, 3, 4, 5, 6.5]);
  });
  it('reads v2 float64, v3 int32 and int8 with 1-tuples and odd header alignment', () => {
    const f8 = parseNpy(handNpy(2, "{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }", le([0.1, -2, 1e-300], 8, true)), 'a.npy');
    expect(f8.dtype).toBe('float64');
    expect(Array.from(f8.data)).toEqual([0.1, -2, 1e-300]);
    const i4 = parseNpy(handNpy(3, "{'descr': '<i4', 'fortran_order': False, 'shape': (1, 2), }", le([-7, 2147483647], 4, false), 16), 'b.npy');
    expect(Array.from(i4.data)).toEqual([-7, 2147483647]);
    const i1 = parseNpy(handNpy(1, "{'descr': '|i1', 'fortran_order': False, 'shape': (4,), }", new Uint8Array([0, 255, 128, 127]), 16), 'c.npy');
    expect(Array.from(i1.data)).toEqual([0, -1, -128, 127]);
  });
  it('refuses Fortran order, big-endian and truncated data, naming the file', () => {
    const fortran = handNpy(1, "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }", le([1, 2, 3, 4], 4, true));
    expect(() => parseNpy(fortran, 'f.npy')).toThrow(/f\.npy.*Fortran/);
    const be = handNpy(1, "{'descr': '>f4', 'fortran_order': False, 'shape': (1,), }", le([1], 4, true));
    expect(() => parseNpy(be, 'be.npy')).toThrow(/be\.npy.*'>f4'/);
    const ok = handNpy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (4, 2), }", le([1, 2, 3, 4, 5, 6, 7, 8], 4, true));
    expect(() => parseNpy(ok.subarray(0, ok.length - 3), 't.npy')).toThrow(/t\.npy.*needs 32 bytes, file has 29/);
    expect(() => parseNpy(new Uint8Array([1, 2, 3]), 'z.npy')).toThrow(/z\.npy.*magic/);
  });
  it('writeNpy output parses back and has a 64-byte aligned data offset', () => {
    const data = new Float32Array([1.5, -2.25, 3, 4, 5, 6]);
    const bytes = writeNpy({ dtype: 'float32', shape: [2, 1, 3], data });
    const hlen = new DataView(bytes.buffer).getUint16(8, true);
    expect((10 + hlen) % 64).toBe(0);
    const back = parseNpy(bytes, 'w.npy');
    expect(back.shape).toEqual([2, 1, 3]);
    expect(Array.from(back.data)).toEqual(Array.from(data));
  });
});
