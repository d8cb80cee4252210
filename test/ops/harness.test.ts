/**
 * The single-op harness on ops whose TFLite agreement is known: it must find host C ==
 * reference, read the op back from the written file, and measure TFLite's difference.
 */
import { describe, expect, it } from 'vitest';
import { checkOp, HAVE_TFLITE } from './harness.js';

describe('single-op harness', () => {
  it('Add with broadcasting: host C = reference, TFLite byte-identical', async () => {
    const r = await checkOp({
      name: 'add_bcast',
      tensors: [
        { shape: [1, 3, 4, 5], dtype: 'int8', q: [0.0731, 5] },
        { shape: [1, 1, 4, 1], dtype: 'int8', q: [0.0213, -7] },
        { shape: [1, 3, 4, 5], dtype: 'int8', q: [0.0917, 3] },
      ],
      op: { kind: 'Add', inputs: [0, 1], outputs: [2], activation: 'none' },
    });
    expect(r.imported.inputs).toHaveLength(2);
    expect(r.host).toHaveLength(10);
    if (HAVE_TFLITE) expect(r.tfliteMaxDiff).toEqual([0]);
  }, 120_000);

  it('refuses a graph whose declared output shape is not what the op produces', async () => {
    await expect(
      checkOp({
        name: 'bad_attr',
        tensors: [
          { shape: [1, 8], dtype: 'int8', q: [0.05, 0] },
          { shape: [1, 8], dtype: 'int8', q: [0.05, 0] },
        ],
        // Reshape to a shape that does not match its output cannot be written at all.
        op: { kind: 'Reshape', inputs: [0], outputs: [1], newShape: [2, 4] } as never,
      }),
    ).rejects.toThrow(/declared \[1,8\] but the op produces \[2,4\]/);
  }, 60_000);
});
