import { describe, expect, it } from 'vitest';
import { median, WindowIntegrator } from '../../src/energy/meters/window-integrator.js';

/** Feed `marker` as a string: '_' inactive, '#' active; each sample carries 1 J. */
function feed(w: WindowIntegrator, s: string): void {
  for (const ch of s) {
    if (ch === '!') w.lose(3);
    else w.push(1, ch === '#');
  }
}

describe('window integrator', () => {
  it('integrates whole low→high→low windows and ignores one already open at the start', () => {
    const w = new WindowIntegrator(0.5);
    feed(w, '###__####___##_');
    expect(w.windows.map((x) => [x.energyJ, x.durationS, x.startSample])).toEqual([
      [4, 2, 5],
      [2, 1, 12],
    ]);
    expect(w.discarded).toBe(0);
  });
  it('discards a window with a gap inside it, or whose opening edge may be in a gap', () => {
    const w = new WindowIntegrator(1);
    feed(w, '__##!##__!###__###_');
    expect(w.lost).toBe(6);
    expect(w.discarded).toBe(2);
    expect(w.windows).toEqual([{ energyJ: 3, durationS: 3, startSample: 19 }]);
  });
  it('event-driven windows (toggle) integrate the samples between edges', () => {
    const w = new WindowIntegrator(1e-3);
    w.push(5, w.markerActive);
    w.toggle();
    for (let i = 0; i < 4; i++) w.push(2, w.markerActive);
    w.toggle();
    w.push(5, w.markerActive);
    expect(w.windows).toEqual([{ energyJ: 8, durationS: 4e-3, startSample: 1 }]);
  });
  it('median of odd and even counts', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });
});
