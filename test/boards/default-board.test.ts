import { describe, expect, it } from 'vitest';
import { defaultBoard } from '../../src/pipeline/default-board.js';
import { loadBoard } from '../../src/boards/load.js';

describe('default board', () => {
  it('is the emulated Cortex-M4 when both the cross compiler and QEMU are installed', () => {
    const d = defaultBoard(() => true);
    expect(d.id).toBe('qemu-mps2-an386');
    expect(loadBoard(d.id).core).toBe('cortex-m4f');
  });

  it('falls back to the host and names what is missing and how to install it', () => {
    const d = defaultBoard((t) => t !== 'qemu-system-arm');
    expect(d.id).toBe('host');
    expect(d.reason).toContain('qemu-system-arm not found');
    expect(d.reason).not.toContain('arm-none-eabi-gcc and');
    expect(d.reason).toContain('apt-get install');
    expect(defaultBoard(() => false).reason).toContain('arm-none-eabi-gcc and qemu-system-arm not found');
  });
});
