/**
 * Test-only: builds small .tflite files directly with the flatbuffers Builder, independent of
 * src/codegen/tflite-writer.ts, to exercise what the writer never produces (old-style operator
 * codes, unsupported and custom ops).
 */
import { Builder } from 'flatbuffers';
import { fileURLToPath } from 'node:url';

export const MODEL_DIR = fileURLToPath(new URL('../../../shared/models/mlperf-tiny/', import.meta.url));

export interface FixtureOpCode {
  deprecated?: number;
  builtin?: number;
  custom?: string;
}

export interface FixtureModel {
  opcodes: FixtureOpCode[];
  /** Each op reads tensor i and writes tensor i + 1 (all float32 [1, 4]). */
  ops: number[];
  version?: number;
}

export function buildFixture(m: FixtureModel): Uint8Array {
  const b = new Builder(1024);
  const vec32 = (xs: number[]): number => {
    b.startVector(4, xs.length, 4);
    for (let i = xs.length - 1; i >= 0; i--) b.addInt32(xs[i]!);
    return b.endVector();
  };
  const vecOff = (xs: number[]): number => {
    b.startVector(4, xs.length, 4);
    for (let i = xs.length - 1; i >= 0; i--) b.addOffset(xs[i]!);
    return b.endVector();
  };
  b.startObject(1);
  const buf0 = b.endObject();
  const codes = m.opcodes.map((c) => {
    const custom = c.custom !== undefined ? b.createString(c.custom) : 0;
    b.startObject(4);
    if (c.deprecated !== undefined) b.addFieldInt8(0, c.deprecated, 0);
    if (custom) b.addFieldOffset(1, custom, 0);
    if (c.builtin !== undefined) b.addFieldInt32(3, c.builtin, 0);
    return b.endObject();
  });
  const tensors = Array.from({ length: m.ops.length + 1 }, (_, i) => {
    const name = b.createString(`t${i}`);
    const shape = vec32([1, 4]);
    b.startObject(4);
    b.addFieldOffset(0, shape, 0);
    b.addFieldInt8(1, 0, 0);
    b.addFieldInt32(2, 0, 0);
    b.addFieldOffset(3, name, 0);
    return b.endObject();
  });
  const ops = m.ops.map((code, i) => {
    const ins = vec32([i]);
    const outs = vec32([i + 1]);
    b.startObject(3);
    b.addFieldInt32(0, code, 0);
    b.addFieldOffset(1, ins, 0);
    b.addFieldOffset(2, outs, 0);
    return b.endObject();
  });
  const tv = vecOff(tensors);
  const iv = vec32([0]);
  const ov = vec32([m.ops.length]);
  const opv = vecOff(ops);
  b.startObject(4);
  b.addFieldOffset(0, tv, 0);
  b.addFieldOffset(1, iv, 0);
  b.addFieldOffset(2, ov, 0);
  b.addFieldOffset(3, opv, 0);
  const sg = b.endObject();
  const cv = vecOff(codes);
  const sv = vecOff([sg]);
  const bv = vecOff([buf0]);
  b.startObject(5);
  b.addFieldInt32(0, m.version ?? 3, 0);
  b.addFieldOffset(1, cv, 0);
  b.addFieldOffset(2, sv, 0);
  b.addFieldOffset(4, bv, 0);
  b.finish(b.endObject(), 'TFL3');
  return b.asUint8Array().slice();
}
