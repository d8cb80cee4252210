import { describe, expect, it } from 'vitest';
import type { Graph, Op, Tensor } from '../../src/ir/graph.js';
import {
  ARENA_ALIGNMENT,
  GreedyBySizePlanner,
  LinearPlanner,
  activationBytes,
  bufferRequests,
  formatPlan,
  type BufferRequest,
  type MemoryPlan,
  type MemoryPlanner,
} from '../../src/plan/planner.js';
import { mulberry32 } from '../../src/rng.js';

/** Deterministic PRNG (mulberry32) so failures reproduce. */
const rng = mulberry32;

function randomRequests(seed: number, n: number, steps: number): BufferRequest[] {
  const r = rng(seed);
  const out: BufferRequest[] = [];
  for (let i = 0; i < n; i++) {
    const first = Math.floor(r() * steps);
    const last = first + Math.floor(r() * Math.min(5, steps - first));
    out.push({ tensor: i, size: 1 + Math.floor(r() * 3000), firstUse: first, lastUse: last });
  }
  return out;
}

/** Every pair of live-at-the-same-time buffers, checked byte range against byte range. */
function assertValid(reqs: readonly BufferRequest[], plan: MemoryPlan, alignment: number): void {
  expect(plan.placements).toHaveLength(reqs.length);
  let maxEnd = 0;
  plan.placements.forEach((p, i) => {
    expect(p.size).toBe(reqs[i]!.size);
    expect(p.firstUse).toBe(reqs[i]!.firstUse);
    expect(p.offset % alignment).toBe(0);
    expect(p.offset).toBeGreaterThanOrEqual(0);
    maxEnd = Math.max(maxEnd, p.offset + p.size);
  });
  expect(plan.arenaBytes).toBe(maxEnd);
  for (let i = 0; i < plan.placements.length; i++) {
    for (let j = i + 1; j < plan.placements.length; j++) {
      const a = plan.placements[i]!;
      const b = plan.placements[j]!;
      const timeOverlap = a.firstUse <= b.lastUse && b.firstUse <= a.lastUse;
      const memOverlap = a.offset < b.offset + b.size && b.offset < a.offset + a.size;
      if (timeOverlap && memOverlap) {
        throw new Error(`buffers ${i} and ${j} overlap: ${JSON.stringify(a)} ${JSON.stringify(b)}`);
      }
    }
  }
}

/** The lower bound no planner can beat: the most bytes live at any one step. */
function peakLive(reqs: readonly BufferRequest[]): number {
  const steps = Math.max(0, ...reqs.map((r) => r.lastUse)) + 1;
  let peak = 0;
  for (let s = 0; s < steps; s++) {
    peak = Math.max(peak, reqs.filter((r) => r.firstUse <= s && s <= r.lastUse).reduce((a, r) => a + r.size, 0));
  }
  return peak;
}

const planners: MemoryPlanner[] = [new GreedyBySizePlanner(), new LinearPlanner()];

describe.each(planners.map((p) => [p.id, p] as const))('MemoryPlanner contract: %s', (_id, planner) => {
  it('places no two simultaneously live buffers on the same bytes (200 random problems)', () => {
    for (let seed = 1; seed <= 200; seed++) {
      const reqs = randomRequests(seed, 1 + (seed % 30), 1 + (seed % 17));
      const plan = planner.plan(reqs);
      assertValid(reqs, plan, ARENA_ALIGNMENT);
      expect(plan.arenaBytes).toBeGreaterThanOrEqual(peakLive(reqs));
    }
  });

  it('honours other alignments', () => {
    const reqs = randomRequests(7, 25, 9);
    for (const a of [1, 4, 8, 64]) assertValid(reqs, planner.plan(reqs, a), a);
  });

  it('is deterministic and handles the empty problem', () => {
    const reqs = randomRequests(99, 20, 10);
    expect(planner.plan(reqs)).toEqual(planner.plan(reqs));
    expect(planner.plan([]).arenaBytes).toBe(0);
  });
});

describe('greedy-by-size vs linear', () => {
  it('greedy reuses memory: never worse than linear, strictly better on a chain', () => {
    for (let seed = 1; seed <= 100; seed++) {
      const reqs = randomRequests(seed, 20, 12);
      expect(new GreedyBySizePlanner().plan(reqs).arenaBytes).toBeLessThanOrEqual(new LinearPlanner().plan(reqs).arenaBytes);
    }
    // A chain a→b→c→d: at most two buffers live at once.
    const chain = [0, 1, 2, 3].map((i) => ({ tensor: i, size: 1000, firstUse: i, lastUse: i + 1 }));
    expect(new GreedyBySizePlanner().plan(chain).arenaBytes).toBe(1008 + 1000);
    expect(new LinearPlanner().plan(chain).arenaBytes).toBe(3 * 1008 + 1000);
  });

  it('reuses the bytes of a buffer that is dead', () => {
    const reqs: BufferRequest[] = [
      { tensor: 0, size: 4000, firstUse: 0, lastUse: 1 },
      { tensor: 1, size: 100, firstUse: 0, lastUse: 3 },
      { tensor: 2, size: 3000, firstUse: 2, lastUse: 3 },
    ];
    const plan = new GreedyBySizePlanner().plan(reqs);
    expect(plan.placements[2]!.offset).toBe(0); // reuses tensor 0's bytes
    expect(plan.arenaBytes).toBe(4000 + 100);
  });
});

function t(name: string, shape: number[], data?: Int8Array): Tensor {
  const tensor: Tensor = { name, shape, dtype: 'int8', quant: { scale: [0.1], zeroPoint: [0] } };
  if (data) tensor.data = data;
  return tensor;
}

describe('bufferRequests (lifetimes from a graph)', () => {
  // in → relu(a) → reshape(b) → relu(c) → out ; plus a side tensor d read late.
  const g: Graph = {
    name: 'g',
    tensors: [t('in', [1, 4, 4, 2]), t('a', [1, 4, 4, 2]), t('b', [1, 32]), t('c', [1, 32]), t('out', [1, 32])],
    ops: [
      { kind: 'Relu', name: 'r0', inputs: [0], outputs: [1] },
      { kind: 'Reshape', name: 'flat', inputs: [1], outputs: [2], newShape: [1, 32] },
      { kind: 'Relu', name: 'r1', inputs: [2], outputs: [3] },
      { kind: 'Relu', name: 'r2', inputs: [3], outputs: [4] },
    ] as Op[],
    inputs: [0],
    outputs: [4],
  };

  it('keeps graph inputs/outputs out of the arena and aliases a reshape whose input dies there', () => {
    const b = bufferRequests(g);
    expect(b.homes[0]).toEqual({ kind: 'input' });
    expect(b.homes[4]).toEqual({ kind: 'output' });
    expect(b.aliasedReshapeOutputs.has(2)).toBe(true);
    const ha = b.homes[1]!;
    const hb = b.homes[2]!;
    expect(ha).toEqual(hb); // same request → same bytes
    expect(b.requests).toHaveLength(2);
    const shared = b.requests[(ha as { request: number }).request]!;
    expect([shared.firstUse, shared.lastUse]).toEqual([0, 2]);
    const plan = new GreedyBySizePlanner().plan(b.requests);
    assertValid(b.requests, plan, 16);
    expect(plan.arenaBytes).toBe(32 + 32); // a/b (32 B) and c (32 B) are both live at op 2
    const text = formatPlan(g, plan, b);
    expect(text).toContain('shares t1');
    expect(text).toMatch(/arena: 64 bytes/);
  });

  it('does not alias when the reshape input is still read later', () => {
    const g2: Graph = {
      ...g,
      tensors: [...g.tensors, t('d', [1, 32])],
      ops: [...g.ops.slice(0, 3), { kind: 'Add', name: 'add', inputs: [3, 1], outputs: [5], activation: 'none' } as Op, { kind: 'Relu', name: 'r3', inputs: [5], outputs: [4] } as Op],
    };
    const b = bufferRequests(g2);
    expect(b.aliasedReshapeOutputs.size).toBe(0);
    expect(b.homes[1]).not.toEqual(b.homes[2]);
  });

  it('sums activation bytes over every non-constant tensor an op touches', () => {
    expect(activationBytes(g)).toBe(4 * 32 + 32);
  });
});
