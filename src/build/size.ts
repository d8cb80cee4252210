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

/** One input section placed in the output by the GNU linker (from its map file). */
export interface MapSection {
  /** Input section name, e.g. `.bss.tinyml_state`. */
  section: string;
  address: number;
  size: number;
  /** The object it came from, as the map names it (e.g. `build/model.o`). */
  object: string;
}

/**
 * The input sections a GNU ld map file (`-Wl,-Map=`) places, from its "Linker script and memory
 * map" part (discarded sections, listed before it, are not counted). A section whose name is too
 * long for its column has its address, size and object on the next line.
 */
export function parseLinkerMap(map: string): MapSection[] {
  const start = map.indexOf('Linker script and memory map');
  if (start < 0) throw new Error('not a GNU ld map file: no "Linker script and memory map" part');
  const lines = map.slice(start).split('\n');
  const out: MapSection[] = [];
  const row = /^\s+(0x[0-9a-fA-F]+)\s+(0x[0-9a-fA-F]+)\s+(\S.*)$/;
  for (let i = 0; i < lines.length; i++) {
    const m = /^ (\.[^\s]+|COMMON)(?:\s+(0x[0-9a-fA-F]+)\s+(0x[0-9a-fA-F]+)\s+(\S.*))?$/.exec(lines[i]!);
    if (!m) continue;
    let [address, size, object] = [m[2], m[3], m[4]];
    if (address === undefined) {
      const next = row.exec(lines[i + 1] ?? '');
      if (!next) continue;
      [address, size, object] = [next[1], next[2], next[3]];
      i++;
    }
    out.push({ section: m[1]!, address: Number(address), size: Number(size), object: object!.trim() });
  }
  return out;
}

/** RAM (.data* and .bss* input sections, COMMON) the map places for objects matching `objects`. */
export function ramOfObjects(sections: readonly MapSection[], objects: (object: string) => boolean): number {
  return sections.filter((s) => objects(s.object) && (/^\.(data|bss|sbss|sdata)\b/.test(s.section) || s.section === 'COMMON')).reduce((n, s) => n + s.size, 0);
}
