/**
 * Where the energy code finds its data files, both when run from source (src/energy) and
 * from the build (dist/src/energy): walk up to the directory holding package.json.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export function projectRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(path.join(dir, 'package.json')) && existsSync(path.join(dir, 'data'))) return dir;
    dir = path.dirname(dir);
  }
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
}

/**
 * The MLPerf Tiny results table: $TINYML_MLPERF_TINY_CSV, else the copy shipped in the package
 * (data/mlperf-tiny-energy.csv, sources in data/README.md).
 */
export function mlperfTinyCsvPath(): string {
  return process.env.TINYML_MLPERF_TINY_CSV ?? dataFile('mlperf-tiny-energy.csv');
}

export function dataFile(name: string): string {
  return path.join(projectRoot(), 'data', name);
}
