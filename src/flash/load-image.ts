/**
 * Reads a firmware image from a file or a project directory, choosing the format by
 * content (ELF magic, UF2 magic, ':' records), not by extension. A raw binary needs a base
 * address (--base, or the board's flash origin).
 */
import { readFile, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { TinymlError } from '../errors.js';
import { isElf, parseElf } from './elf.js';
import { imageFromBinary, type FlashImage } from './image.js';
import { parseIntelHex } from './intel-hex.js';
import { parseUf2, UF2_MAGIC_START0 } from './uf2.js';

export type ImageFormat = 'elf' | 'hex' | 'uf2' | 'bin';

export function detectFormat(bytes: Uint8Array): ImageFormat {
  if (isElf(bytes)) return 'elf';
  if (bytes.length >= 512 && new DataView(bytes.buffer, bytes.byteOffset).getUint32(0, true) === UF2_MAGIC_START0) return 'uf2';
  let i = 0;
  while (i < bytes.length && (bytes[i] === 0x20 || bytes[i] === 0x0a || bytes[i] === 0x0d || bytes[i] === 0x09)) i++;
  if (bytes[i] === 0x3a && bytes.length > i + 10 && /^:[0-9A-Fa-f]{10}/.test(new TextDecoder().decode(bytes.subarray(i, i + 11)))) return 'hex';
  return 'bin';
}

/** Project directories: the build's outputs, best format first. */
const PROJECT_CANDIDATES = ['.elf', '.hex', '.bin'];

export async function resolveImagePath(p: string): Promise<string> {
  const st = await stat(p).catch(() => undefined);
  if (!st) throw new TinymlError('input', `${p}: no such file or directory`);
  if (st.isFile()) return p;
  for (const dir of [path.join(p, 'build'), p]) {
    const names = await readdir(dir).catch(() => [] as string[]);
    for (const ext of PROJECT_CANDIDATES) {
      const hit = names.filter((n) => n.endsWith(ext)).sort();
      if (hit.length === 1) return path.join(dir, hit[0]!);
      if (hit.length > 1) throw new TinymlError('usage', `${dir} has several ${ext} files (${hit.join(', ')})`, 'pass the image file itself');
    }
  }
  throw new TinymlError('input', `${p}: no firmware image (.elf, .hex or .bin) in it or in its build/ directory`, 'run `tinyml build` on the project first');
}

export async function loadImage(p: string, baseAddress: number | undefined): Promise<{ image: FlashImage; format: ImageFormat; file: string }> {
  const file = await resolveImagePath(p);
  const bytes = new Uint8Array(await readFile(file));
  const format = detectFormat(bytes);
  switch (format) {
    case 'elf':
      return { image: parseElf(bytes, file), format, file };
    case 'hex':
      return { image: parseIntelHex(new TextDecoder().decode(bytes), file), format, file };
    case 'uf2':
      return { image: parseUf2(bytes, file), format, file };
    case 'bin':
      if (baseAddress === undefined) throw new TinymlError('usage', `${file} is a raw binary: it needs a base address`, 'pass --base 0x08000000 (or a board whose flash origin is the base)');
      return { image: imageFromBinary(bytes, baseAddress, file), format, file };
  }
}
