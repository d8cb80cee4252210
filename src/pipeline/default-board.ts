import { hasTool } from '../build/tools.js';

/**
 * The board a new user meets first when they name none: the emulated Cortex-M4
 * (`qemu-mps2-an386`) when the cross compiler and QEMU are installed, otherwise the host,
 * with the reason and the command that would enable the emulated board.
 */
export interface DefaultBoard {
  id: string;
  reason: string;
}

export const EMULATED_DEFAULT = 'qemu-mps2-an386';

export function defaultBoard(has: (tool: string) => boolean = hasTool): DefaultBoard {
  const missing = ['arm-none-eabi-gcc', 'qemu-system-arm'].filter((t) => !has(t));
  if (missing.length === 0) {
    return { id: EMULATED_DEFAULT, reason: `no --board given: using the emulated Cortex-M4 ${EMULATED_DEFAULT} (arm-none-eabi-gcc and qemu-system-arm found)` };
  }
  return {
    id: 'host',
    reason:
      `no --board given: using the host (${missing.join(' and ')} not found; ` +
      'apt-get install gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm to run on the emulated Cortex-M4 instead; `tinyml doctor` shows what is installed)',
  };
}
