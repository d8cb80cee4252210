/**
 * UF2 (Microsoft's USB Flashing Format, github.com/microsoft/uf2, README "File format").
 *
 * Each 512-byte block, all fields little-endian:
 *   0   magicStart0 0x0A324655 ("UF2\n")   4   magicStart1 0x9E5D5157
 *   8   flags (0x00002000 = familyID present)
 *   12  targetAddr   16 payloadSize (256 here)   20 blockNo   24 numBlocks
 *   28  familyID (or file size when the flag is clear)
 *   32  data[476] (payload, rest zero)         508 magicEnd 0x0AB16F30
 * The image is cut at 256-byte aligned addresses; gaps produce no blocks. Reading checks
 * the magics and returns the payloads; blocks of other families are skipped.
 */
import { ModelFormatError } from '../errors.js';
import { normalizeSegments, type FlashImage, type Segment } from './image.js';

export const UF2_MAGIC_START0 = 0x0a324655;
export const UF2_MAGIC_START1 = 0x9e5d5157;
export const UF2_MAGIC_END = 0x0ab16f30;
export const UF2_FLAG_FAMILY_ID_PRESENT = 0x00002000;
export const UF2_FLAG_NOT_MAIN_FLASH = 0x00000001;

export function writeUf2(img: FlashImage, familyId: number | undefined, payloadSize = 256): Uint8Array {
  const chunks: Segment[] = [];
  for (const seg of img.segments) {
    let addr = seg.address;
    const end = seg.address + seg.data.length;
    while (addr < end) {
      const blockStart = addr - (addr % payloadSize);
      const blockEnd = Math.min(end, blockStart + payloadSize);
      const prev = chunks[chunks.length - 1];
      if (prev && prev.address === blockStart) {
        prev.data.set(seg.data.subarray(addr - seg.address, blockEnd - seg.address), addr - blockStart);
      } else {
        // Pad partial blocks with 0x00 per the UF2 reference writer (uf2conv.py pads with zeros).
        const data = new Uint8Array(payloadSize);
        data.set(seg.data.subarray(addr - seg.address, blockEnd - seg.address), addr - blockStart);
        chunks.push({ address: blockStart, data });
      }
      addr = blockEnd;
    }
  }
  const out = new Uint8Array(chunks.length * 512);
  const dv = new DataView(out.buffer);
  chunks.forEach((c, i) => {
    const o = i * 512;
    dv.setUint32(o, UF2_MAGIC_START0, true);
    dv.setUint32(o + 4, UF2_MAGIC_START1, true);
    dv.setUint32(o + 8, familyId !== undefined ? UF2_FLAG_FAMILY_ID_PRESENT : 0, true);
    dv.setUint32(o + 12, c.address, true);
    dv.setUint32(o + 16, payloadSize, true);
    dv.setUint32(o + 20, i, true);
    dv.setUint32(o + 24, chunks.length, true);
    dv.setUint32(o + 28, familyId ?? 0, true);
    out.set(c.data, o + 32);
    dv.setUint32(o + 508, UF2_MAGIC_END, true);
  });
  return out;
}

export function parseUf2(bytes: Uint8Array, file = 'image.uf2', familyId?: number): FlashImage & { familyIds: number[] } {
  if (bytes.length % 512 !== 0) throw new ModelFormatError(file, `size ${bytes.length} is not a multiple of 512`, bytes.length);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const segs: Segment[] = [];
  const families = new Set<number>();
  for (let o = 0; o < bytes.length; o += 512) {
    if (dv.getUint32(o, true) !== UF2_MAGIC_START0 || dv.getUint32(o + 4, true) !== UF2_MAGIC_START1 || dv.getUint32(o + 508, true) !== UF2_MAGIC_END) {
      throw new ModelFormatError(file, `block ${o / 512}: bad UF2 magic`, o);
    }
    const flags = dv.getUint32(o + 8, true);
    if (flags & UF2_FLAG_NOT_MAIN_FLASH) continue;
    const size = dv.getUint32(o + 16, true);
    if (size > 476) throw new ModelFormatError(file, `block ${o / 512}: payload size ${size} > 476`, o + 16);
    if (flags & UF2_FLAG_FAMILY_ID_PRESENT) {
      const fam = dv.getUint32(o + 28, true);
      families.add(fam);
      if (familyId !== undefined && fam !== familyId) continue;
    }
    segs.push({ address: dv.getUint32(o + 12, true), data: bytes.slice(o + 32, o + 32 + size) });
  }
  return { segments: normalizeSegments(segs, file), source: file, familyIds: [...families] };
}
