/** Shared text formatting of Figures for the markdown and HTML renderers. */
import { formatSi, type Figure } from '../energy/figure.js';

export function fmtDuration(s: number): string {
  if (!Number.isFinite(s)) return String(s);
  const year = 365.25 * 86400;
  if (s >= year) return `${(s / year).toPrecision(3)} years`;
  if (s >= 86400) return `${(s / 86400).toPrecision(3)} days`;
  if (s >= 3600) return `${(s / 3600).toPrecision(3)} h`;
  if (s >= 1) return `${s.toPrecision(3)} s`;
  return formatSi(s, 's');
}

/** "123 µJ" / "3.2 ms" / "81.2 ×" / "0.0123 g" for a figure, without the tag. */
export function fmtValue(f: Figure): string {
  if (f.unit === 's') return fmtDuration(f.value);
  if (f.unit === '×') return `${f.value >= 1000 ? Math.round(f.value).toLocaleString('en-US') : Number(f.value.toPrecision(3)).toString()} ×`;
  if (f.unit === 'J' || f.unit === 'W' || f.unit === 'cycles' || f.unit === 'MAC') {
    if (f.unit === 'cycles' || f.unit === 'MAC') return `${Math.round(f.value).toLocaleString('en-US')} ${f.unit}`;
    return formatSi(f.value, f.unit);
  }
  if (f.unit.startsWith('gCO2e/1M')) return `${Number(f.value.toPrecision(3))} g`;
  return `${Number(f.value.toPrecision(4))} ${f.unit}`.trim();
}

export function fmt(f: Figure | undefined): string {
  if (!f) return '—';
  return `${fmtValue(f)} [${f.provenance}]`;
}

export function uJ(f: Figure | undefined): string {
  return f ? `${Number((f.value * 1e6).toPrecision(4))} µJ` : '—';
}
