/** Writes report.json, report.md and report.html into a directory, each via a temp file and rename. */
import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { EnergyReport } from './energy-report.js';
import { renderHtml } from './render-html.js';
import { renderMarkdown } from './render-markdown.js';

export function renderJson(r: EnergyReport): string {
  return JSON.stringify(r, null, 2) + '\n';
}

async function atomicWrite(file: string, text: string): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, text, 'utf8');
  await rename(tmp, file);
}

export async function writeReport(r: EnergyReport, outDir: string): Promise<{ json: string; md: string; html: string }> {
  await mkdir(outDir, { recursive: true });
  const files = { json: path.join(outDir, 'report.json'), md: path.join(outDir, 'report.md'), html: path.join(outDir, 'report.html') };
  await atomicWrite(files.json, renderJson(r));
  await atomicWrite(files.md, renderMarkdown(r));
  await atomicWrite(files.html, renderHtml(r));
  return files;
}
