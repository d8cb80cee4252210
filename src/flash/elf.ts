/**
 * ELF32 executables (System V gABI, ARM ELF): the bytes a loader would place in memory.
 *
 *   1. check the identification: \x7fELF, ELFCLASS32, little-endian (ARM Cortex-M, Xtensa);
 *   2. walk the program header table;
 *   3. each PT_LOAD segment with p_filesz > 0 contributes its file bytes at p_paddr — the
 *      load (flash) address. For initialised data that differs from p_vaddr (the RAM copy);
 *      flashing must use the physical address or the startup code copies garbage.
 * Not promised: big-endian or ELF64 files are rejected; .bss (p_memsz beyond p_filesz) is
 * not written, since startup code zeroes it.
 */
import { ModelFormatError } from '../errors.js';
import { normalizeSegments, type FlashImage, type Segment } from './image.js';

const PT_LOAD = 1;

export function isElf(b: Uint8Array): boolean {
  return b.length >= 4 && b[0] === 0x7f && b[1] === 0x45 && b[2] === 0x4c && b[3] === 0x46;
}

export function parseElf(bytes: Uint8Array, file = 'image.elf'): FlashImage {
  if (!isElf(bytes)) throw new ModelFormatError(file, 'not an ELF file (no \\x7fELF magic)', 0);
  if (bytes.length < 52) throw new ModelFormatError(file, 'ELF header truncated', bytes.length);
  if (bytes[4] !== 1) throw new ModelFormatError(file, `ELF class ${bytes[4]} is not ELFCLASS32 (only 32-bit ELF is supported)`, 4);
  if (bytes[5] !== 1) throw new ModelFormatError(file, 'big-endian ELF is not supported (expected little-endian)', 5);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const entry = dv.getUint32(24, true);
  const phoff = dv.getUint32(28, true);
  const phentsize = dv.getUint16(42, true);
  const phnum = dv.getUint16(44, true);
  if (phnum === 0) throw new ModelFormatError(file, 'ELF has no program headers (is it an object file, not a linked executable?)', 44);
  if (phentsize < 32 || phoff + phnum * phentsize > bytes.length) throw new ModelFormatError(file, 'program header table runs past the end of the file', phoff);
  const segments: Segment[] = [];
  for (let i = 0; i < phnum; i++) {
    const o = phoff + i * phentsize;
    const type = dv.getUint32(o, true);
    if (type !== PT_LOAD) continue;
    const offset = dv.getUint32(o + 4, true);
    const paddr = dv.getUint32(o + 12, true);
    const filesz = dv.getUint32(o + 16, true);
    if (filesz === 0) continue;
    if (offset + filesz > bytes.length) throw new ModelFormatError(file, `PT_LOAD segment ${i} (0x${paddr.toString(16)}) runs past the end of the file`, o);
    segments.push({ address: paddr, data: bytes.slice(offset, offset + filesz) });
  }
  return { segments: normalizeSegments(segments, file), entry, source: file };
}
