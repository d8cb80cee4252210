#!/usr/bin/env node
// Entry point: runs the compiled CLI (npm ci / npm run build produce dist/).
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const built = join(root, 'dist', 'cli', 'main.js');
if (!existsSync(built)) {
  process.stderr.write(`tinyml: ${built} is missing — run \`npm run build\` in ${root} first.\n`);
  process.exitCode = 70;
} else {
  const { main } = await import(pathToFileURL(built).href);
  await main(process.argv);
}
