/**
 * Inline SVG charts for the HTML report: pure functions from data to an `<svg>` string, no
 * external assets, no scripts. Horizontal bars, optionally on a log axis (energies span six
 * orders of magnitude between a microcontroller and a data-centre GPU), with an optional
 * range whisker per bar (batched … batch-1) and the provenance tag printed on every bar.
 */
import { formatSi, type Provenance } from '../energy/figure.js';

export interface Bar {
  label: string;
  value: number;
  /** Upper end of a range drawn as a whisker from `value` (e.g. batch-1 energy). */
  high?: number;
  provenance: Provenance;
  /** Text drawn after the bar (formatted value). */
  text: string;
  highlight?: boolean;
}

export interface BarChartOptions {
  title: string;
  log?: boolean;
  width?: number;
  unitLabel?: string;
  /** id attribute for tests and anchors. */
  id: string;
}

export const PROVENANCE_COLOURS: Record<Provenance, string> = {
  measured: '#1b7f3b',
  estimated: '#2f6db5',
  emulated: '#7a4fb0',
  published: '#8a6d1e',
  derived: '#b0502f',
};

export function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function niceLogTicks(lo: number, hi: number): number[] {
  const out: number[] = [];
  for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) out.push(10 ** e);
  return out;
}

function niceLinearTicks(hi: number): number[] {
  const step = 10 ** Math.floor(Math.log10(hi || 1));
  const s = hi / step > 5 ? step * 2 : hi / step > 2 ? step : step / 2;
  const out: number[] = [];
  for (let v = 0; v <= hi * 1.0001; v += s) out.push(v);
  return out;
}

function tickLabel(v: number, log: boolean): string {
  if (v === 0) return '0';
  const e = Math.log10(Math.abs(v));
  if (log && Number.isInteger(e) && (e > 3 || e < -2)) return `1e${e}`;
  if (!log && Math.abs(v) >= 1000) return formatSi(v, '').trim();
  return Number(v.toPrecision(3)).toString();
}

/** Long labels (layer names) keep their start and end; the full text stays in the tooltip. */
function shortLabel(s: string, max = 44): string {
  return s.length <= max ? s : `${s.slice(0, 18)}…${s.slice(-(max - 19))}`;
}

export function barChart(bars: Bar[], o: BarChartOptions): string {
  const width = o.width ?? 960;
  const labelW = 300;
  const textW = 230;
  const plotW = width - labelW - textW;
  const rowH = 26;
  const top = 40;
  const height = top + bars.length * rowH + 40;
  const positive = bars.flatMap((b) => [b.value, b.high ?? b.value]).filter((v) => v > 0);
  const title = `<text x="0" y="20" font-size="15" font-weight="bold">${esc(o.title)}</text>`;
  if (!positive.length) {
    return `<svg xmlns="http://www.w3.org/2000/svg" id="${esc(o.id)}" width="${width}" height="60" role="img">${title}<text x="0" y="45" font-size="12">no data</text></svg>`;
  }
  const log = o.log ?? false;
  const lo = log ? 10 ** Math.floor(Math.log10(Math.min(...positive))) : 0;
  const hi = log ? 10 ** Math.ceil(Math.log10(Math.max(...positive))) : Math.max(...positive) * 1.05;
  const x = (v: number): number => {
    if (log) return labelW + (plotW * (Math.log10(Math.max(v, lo)) - Math.log10(lo))) / (Math.log10(hi) - Math.log10(lo) || 1);
    return labelW + (plotW * v) / (hi || 1);
  };
  const parts: string[] = [title];
  const ticks = log ? niceLogTicks(lo, hi) : niceLinearTicks(hi);
  for (const t of ticks) {
    const tx = x(t).toFixed(1);
    parts.push(`<line x1="${tx}" y1="${top - 6}" x2="${tx}" y2="${top + bars.length * rowH}" stroke="#ddd"/>`);
    parts.push(`<text x="${tx}" y="${top + bars.length * rowH + 16}" font-size="10" text-anchor="middle" fill="#555">${esc(tickLabel(t, log))}</text>`);
  }
  if (o.unitLabel) parts.push(`<text x="${labelW + plotW / 2}" y="${height - 6}" font-size="11" text-anchor="middle" fill="#333">${esc(o.unitLabel)}${log ? ' (log scale)' : ''}</text>`);
  bars.forEach((b, i) => {
    const y = top + i * rowH;
    const x0 = log ? labelW : x(0);
    const w = Math.max(1, x(b.value) - x0);
    const colour = PROVENANCE_COLOURS[b.provenance];
    parts.push(`<text x="${labelW - 8}" y="${y + 16}" font-size="12" text-anchor="end"${b.highlight ? ' font-weight="bold"' : ''}>${esc(shortLabel(b.label))}</text>`);
    parts.push(
      `<rect class="bar" x="${x0.toFixed(1)}" y="${y + 4}" width="${w.toFixed(1)}" height="${rowH - 8}" fill="${colour}"${b.highlight ? ' stroke="#000" stroke-width="2"' : ''}><title>${esc(`${b.label}: ${b.text} [${b.provenance}]`)}</title></rect>`,
    );
    let end = x0 + w;
    if (b.high !== undefined && b.high > b.value) {
      const xh = x(b.high);
      parts.push(`<line x1="${end.toFixed(1)}" y1="${y + rowH / 2}" x2="${xh.toFixed(1)}" y2="${y + rowH / 2}" stroke="${colour}" stroke-width="2" stroke-dasharray="4 2"/>`);
      parts.push(`<line x1="${xh.toFixed(1)}" y1="${y + 6}" x2="${xh.toFixed(1)}" y2="${y + rowH - 6}" stroke="${colour}" stroke-width="2"/>`);
      end = xh;
    }
    parts.push(`<text x="${(end + 6).toFixed(1)}" y="${y + 16}" font-size="11" fill="#222">${esc(b.text)} <tspan fill="${colour}">[${b.provenance}]</tspan></text>`);
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" id="${esc(o.id)}" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${esc(o.title)}" font-family="DejaVu Sans, Arial, sans-serif">${parts.join('')}</svg>`;
}

export function legend(): string {
  const items = Object.entries(PROVENANCE_COLOURS) as Array<[Provenance, string]>;
  const parts = items.map(([p, c], i) => `<rect x="${i * 130}" y="4" width="14" height="14" fill="${c}"/><text x="${i * 130 + 20}" y="16" font-size="12">${p}</text>`);
  return `<svg xmlns="http://www.w3.org/2000/svg" class="legend" width="${items.length * 130}" height="24" font-family="DejaVu Sans, Arial, sans-serif">${parts.join('')}</svg>`;
}
