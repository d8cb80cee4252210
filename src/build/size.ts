/** Parsing of binutils `size` (Berkeley format) output. */

export interface SectionSizes {
  text: number;
  data: number;
  bss: number;
}

/**
 * `size a.o b.o` prints a header line then one `text data bss dec hex filename` row per file;
 * returns one entry per row (filename → sizes). Lines that are not rows are an error, so a
 * changed output format is noticed instead of read as zeros.
 */
export function parseSizeOutput(out: string): Map<string, SectionSizes> {
  const rows = new Map<string, SectionSizes>();
  const lines = out.split('\n').map((l) => l.trim()).filter(Boolean);
  if (lines.length === 0 || !/^text\s+data\s+bss\s+dec\s+hex/.test(lines[0]!)) {
    throw new Error(`unexpected output from size: ${JSON.stringify(out.slice(0, 200))}`);
  }
  for (const line of lines.slice(1)) {
    const m = /^(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+([0-9a-fA-F]+)\s+(.*)$/.exec(line);
    if (!m) throw new Error(`unexpected line from size: ${JSON.stringify(line)}`);
    rows.set(m[6]!, { text: Number(m[1]), data: Number(m[2]), bss: Number(m[3]) });
  }
  return rows;
}

export function sumSizes(sizes: Iterable<SectionSizes>): SectionSizes {
  const total = { text: 0, data: 0, bss: 0 };
  for (const s of sizes) {
    total.text += s.text;
    total.data += s.data;
    total.bss += s.bss;
  }
  return total;
}
