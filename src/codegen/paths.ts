/**
 * Where the package's data lives (boards/, firmware-templates/), found by walking up from
 * this file to the directory holding package.json — the same from src/ (tsx) and dist/.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | undefined;

export function packageRoot(): string {
  if (root) return root;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'firmware-templates'))) return (root = dir);
    const up = dirname(dir);
    if (up === dir) throw new Error('cannot find the tinyml package root (package.json + firmware-templates/)');
    dir = up;
  }
}

export function templatesDir(): string {
  return join(packageRoot(), 'firmware-templates');
}
