/**
 * ELF: a real arm-none-eabi-gcc executable with .data placed in RAM but loaded from flash;
 * our PT_LOAD reading must equal what GNU objcopy extracts (-O ihex uses load addresses).
 * UF2 drive: a directory standing in for the mounted bootloader drive.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseElf } from '../../src/flash/elf.js';
import { flatten } from '../../src/flash/image.js';
import { parseIntelHex } from '../../src/flash/intel-hex.js';
import { parseUf2 } from '../../src/flash/uf2.js';
import { Uf2Drive, findUf2Drives } from '../../src/flash/uf2-drive.js';
import { flashDevice } from '../../src/flash/flash-device.js';
import { testBoard } from '../sim/boards.js';
import { hasTool, randomBytes } from '../sim/helpers.js';

describe.skipIf(!hasTool('arm-none-eabi-gcc'))('ELF32 against GNU objcopy', () => {
  it('PT_LOAD segments at physical addresses equal objcopy -O ihex / -O binary', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tinyml-elf-'));
    writeFileSync(
      path.join(dir, 'm.c'),
      `
const unsigned int table[64] = { ${Array.from({ length: 64 }, (_, i) => (i * 2654435761) >>> 0).join(', ')} };
unsigned int counter = 0x11223344u;          /* .data: VMA in RAM, LMA in flash */
static unsigned char zeros[128];             /* .bss: not in the image */
void Reset_Handler(void) { for (;;) { counter += table[counter & 63] + zeros[counter & 127]; } }
__attribute__((section(".vectors"))) const void *vectors[2] = { (void *)0x20001000, (void *)Reset_Handler };
`,
    );
    writeFileSync(
      path.join(dir, 'l.ld'),
      `MEMORY { FLASH (rx) : ORIGIN = 0x08000000, LENGTH = 64K  RAM (rwx) : ORIGIN = 0x20000000, LENGTH = 16K }
ENTRY(Reset_Handler)
SECTIONS {
  .text : { KEEP(*(.vectors)) *(.text*) *(.rodata*) } > FLASH
  .data : { *(.data*) } > RAM AT > FLASH
  .bss : { *(.bss*) *(COMMON) } > RAM
}`,
    );
    const elf = path.join(dir, 'm.elf');
    execFileSync('arm-none-eabi-gcc', ['-mcpu=cortex-m4', '-mthumb', '-O1', '-nostdlib', '-T', path.join(dir, 'l.ld'), '-o', elf, path.join(dir, 'm.c')]);
    execFileSync('arm-none-eabi-objcopy', ['-O', 'ihex', elf, path.join(dir, 'm.hex')]);
    execFileSync('arm-none-eabi-objcopy', ['-O', 'binary', elf, path.join(dir, 'm.bin')]);
    const ours = parseElf(new Uint8Array(readFileSync(elf)), elf);
    const theirs = parseIntelHex(readFileSync(path.join(dir, 'm.hex'), 'utf8'));
    // Everything lands in flash: the .data initialiser right after .text, not at 0x20000000.
    expect(ours.segments.every((s) => s.address >= 0x08000000 && s.address < 0x08010000)).toBe(true);
    const a = flatten(ours);
    const b = flatten(theirs);
    expect(a.address).toBe(0x08000000);
    expect(b.address).toBe(0x08000000);
    expect(Buffer.from(a.data).equals(Buffer.from(b.data))).toBe(true);
    expect(Buffer.from(a.data).equals(readFileSync(path.join(dir, 'm.bin')))).toBe(true);
    // the .data initial value 0x11223344 is inside, little-endian
    expect(Buffer.from(a.data).indexOf(Buffer.from([0x44, 0x33, 0x22, 0x11]))).toBeGreaterThan(0);
    expect(ours.entry! & ~1).toBeGreaterThan(0x08000000);
  });
});

describe('ELF errors', () => {
  it('rejects big-endian and 64-bit files naming the offset', () => {
    const be = new Uint8Array(64);
    be.set([0x7f, 0x45, 0x4c, 0x46, 1, 2]);
    expect(() => parseElf(be, 'x.elf')).toThrow(/x\.elf: big-endian ELF is not supported .*at byte offset 5/);
    const e64 = new Uint8Array(64);
    e64.set([0x7f, 0x45, 0x4c, 0x46, 2, 1]);
    expect(() => parseElf(e64, 'x.elf')).toThrow(/not ELFCLASS32/);
  });
});

describe('UF2 drive', () => {
  it('finds the drive by INFO_UF2.TXT, writes a .uf2 with the board family ID', async () => {
    const media = mkdtempSync(path.join(os.tmpdir(), 'tinyml-media-'));
    mkdirSync(path.join(media, 'user', 'RPI-RP2'), { recursive: true });
    mkdirSync(path.join(media, 'user', 'USBSTICK'), { recursive: true });
    writeFileSync(path.join(media, 'user', 'RPI-RP2', 'INFO_UF2.TXT'), 'UF2 Bootloader v3.0\nModel: Raspberry Pi RP2\nBoard-ID: RPI-RP2\n');
    expect(await findUf2Drives([media])).toEqual([path.join(media, 'user', 'RPI-RP2')]);
    const board = testBoard({ protocol: 'uf2', uf2FamilyId: '0xe48bff56' });
    const img = randomBytes(1000, 4);
    const r = await flashDevice({ board, protocol: new Uf2Drive({ mediaRoots: [media] }), transport: null, image: { segments: [{ address: 0x10000000, data: img }] } });
    expect(r.identity.chip).toBe('RPI-RP2');
    expect(r.verify).toEqual({ method: 'file-compare', bytes: 2048 });
    const written = new Uint8Array(readFileSync(path.join(media, 'user', 'RPI-RP2', 'FIRMWARE.UF2')));
    const back = parseUf2(written, 'FIRMWARE.UF2', 0xe48bff56);
    expect(back.familyIds).toEqual([0xe48bff56]);
    expect(Buffer.from(back.segments[0]!.data.subarray(0, 1000)).equals(Buffer.from(img))).toBe(true);
  });
  it('no drive: error with the BOOTSEL hint', async () => {
    const media = mkdtempSync(path.join(os.tmpdir(), 'tinyml-media-'));
    const p = new Uf2Drive({ mediaRoots: [media] });
    const e = await p.connect(null, testBoard({ protocol: 'uf2', uf2FamilyId: '0xe48bff56' })).catch((x: { message: string; hint: string }) => x);
    expect((e as { message: string }).message).toMatch(/no UF2 bootloader drive found/);
    expect((e as { hint: string }).hint).toMatch(/BOOTSEL/);
  });
});
