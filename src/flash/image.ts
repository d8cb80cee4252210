/**
 * A firmware image as flash sees it: byte runs at absolute addresses. Every image format
 * (raw binary, Intel HEX, ELF, UF2) converts to and from this.
 */
import { TinymlError } from '../errors.js';

export interface Segment {
  address: number;
  data: Uint8Array;
}

export interface FlashImage {
  /** Sorted by address, non-overlapping, adjacent runs merged. */
  segments: Segment[];
  /** Where execution starts, when the format says (HEX record 05, ELF e_entry). */
  entry?: number;
  /** File the image came from, for messages. */
  source?: string;
}

/** Sorts, merges touching runs and rejects overlaps (naming both addresses). */
export function normalizeSegments(segments: Segment[], source = 'image'): Segment[] {
  const sorted = segments.filter((s) => s.data.length > 0).sort((a, b) => a.address - b.address);
  const out: Segment[] = [];
  for (const s of sorted) {
    const last = out[out.length - 1];
    if (last && s.address < last.address + last.data.length) {
      throw new TinymlError(
        'input',
        `${source}: data at 0x${s.address.toString(16)} overlaps data at 0x${last.address.toString(16)}..0x${(last.address + last.data.length - 1).toString(16)}`,
      );
    }
    if (last && s.address === last.address + last.data.length) {
      const merged = new Uint8Array(last.data.length + s.data.length);
      merged.set(last.data);
      merged.set(s.data, last.data.length);
      out[out.length - 1] = { address: last.address, data: merged };
    } else out.push({ address: s.address, data: s.data });
  }
  return out;
}

export function imageFromBinary(data: Uint8Array, baseAddress: number, source?: string): FlashImage {
  return { segments: normalizeSegments([{ address: baseAddress, data }], source), ...(source ? { source } : {}) };
}

export function imageSize(img: FlashImage): number {
  return img.segments.reduce((n, s) => n + s.data.length, 0);
}

/** One contiguous buffer from the lowest to the highest address, gaps filled with `fill` (0xFF = erased flash). */
export function flatten(img: FlashImage, fill = 0xff): { address: number; data: Uint8Array } {
  if (img.segments.length === 0) return { address: 0, data: new Uint8Array(0) };
  const start = img.segments[0]!.address;
  const last = img.segments[img.segments.length - 1]!;
  const data = new Uint8Array(last.address + last.data.length - start).fill(fill);
  for (const s of img.segments) data.set(s.data, s.address - start);
  return { address: start, data };
}

/**
 * Splits the image into blocks of at most `size` bytes aligned to `size`-byte boundaries
 * (relative to address 0), padding each block's partial head/tail with `fill` up to `align`
 * so writes start and end on the alignment a bootloader demands.
 */
export function blocks(img: FlashImage, size: number, align = 1, fill = 0xff): Segment[] {
  const out: Segment[] = [];
  for (const seg of img.segments) {
    let addr = seg.address;
    const end = seg.address + seg.data.length;
    while (addr < end) {
      const blockEnd = Math.min(end, (Math.floor(addr / size) + 1) * size);
      const a0 = addr - (addr % align);
      const a1 = Math.ceil(blockEnd / align) * align;
      const data = new Uint8Array(a1 - a0).fill(fill);
      data.set(seg.data.subarray(addr - seg.address, blockEnd - seg.address), addr - a0);
      // A padded head may overlap the previous block's padded tail: merge them.
      const prev = out[out.length - 1];
      if (prev && a0 < prev.address + prev.data.length) {
        const overlap = prev.address + prev.data.length - a0;
        for (let i = 0; i < overlap; i++) if (data[i] === fill) data[i] = prev.data[prev.data.length - overlap + i]!;
        out[out.length - 1] = { address: prev.address, data: prev.data.subarray(0, prev.data.length - overlap) };
        if (out[out.length - 1]!.data.length === 0) out.pop();
      }
      out.push({ address: a0, data });
      addr = blockEnd;
    }
  }
  return out;
}
