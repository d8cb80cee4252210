import type { BoardProfile } from '../../src/boards/board.js';

/** Board profiles for tests, built here so tests do not depend on the boards/ data files. */
export function testBoard(flash: BoardProfile['flash'], over: Partial<BoardProfile> = {}): BoardProfile {
  return {
    id: `test-${flash.protocol}`,
    name: `test board (${flash.protocol})`,
    core: 'cortex-m4f',
    clockHz: 80_000_000,
    memory: { flash: { origin: 0x08000000, length: 256 * 1024 }, ram: { origin: 0x20000000, length: 64 * 1024 } },
    uart: { kind: 'stm32-usart', baud: 115200 },
    template: 'bare-metal-cortex-m',
    toolchain: { cc: 'arm-none-eabi-gcc', cflags: [] },
    kernels: 'reference',
    flash,
    ...over,
  };
}

export const STM32_BOARD = testBoard({ protocol: 'stm32-an3155', chipId: '0x470', baud: 115200 });
export const UNO_BOARD = testBoard(
  { protocol: 'stk500v1', chipId: '0x1e950f', baud: 115200, resetSequence: 'D0|R0|W50|D1|R1|W50' },
  { core: 'avr', memory: { flash: { origin: 0, length: 32 * 1024 }, ram: { origin: 0x100, length: 2048 } } },
);
export const ESP32S3_BOARD = testBoard(
  { protocol: 'esp-rom', chipId: '0x9', baud: 115200, resetSequence: 'D0|R1|W100|D1|R0|W50|D0' },
  { core: 'xtensa-lx7', memory: { flash: { origin: 0, length: 8 * 1024 * 1024 }, ram: { origin: 0x3fc88000, length: 512 * 1024 } } },
);
