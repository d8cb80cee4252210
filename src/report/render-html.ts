/**
 * report object → one self-contained HTML file: inline CSS and inline SVG charts, no
 * scripts, no fonts or images fetched from anywhere. Pure function.
 */
import type { EnergyReport } from './energy-report.js';
import { fmt, fmtDuration, fmtValue, uJ } from './format.js';
import { barChart, esc, legend, type Bar } from './svg-charts.js';

function table(head: string[], rows: string[][]): string {
  return `<table><thead><tr>${head.map((h) => `<th>${h}</th>`).join('')}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`).join('')}</tbody></table>`;
}

const tag = (p: string): string => `<span class="tag ${p}">${p}</span>`;
const fig = (f: Parameters<typeof fmt>[0]): string => (f ? `${esc(fmtValue(f))} ${tag(f.provenance)}` : '—');

export function renderHtml(r: EnergyReport): string {
  const m = r.mcu;
  const sections: string[] = [];

  // 1. energy per inference, MCU vs cloud (log scale; whisker = batched … batch-1)
  const eBars: Bar[] = [];
  if (m.energyJ) eBars.push({ label: `MCU: ${r.board?.id ?? ''}`, value: m.energyJ.value, provenance: m.energyJ.provenance, text: uJ(m.energyJ), highlight: true });
  for (const t of r.cloud.targets) {
    const bar: Bar = { label: t.name, value: t.batchedJ.value, provenance: t.batchedJ.provenance, text: `${uJ(t.batchedJ)}${t.batch1J ? ` … ${uJ(t.batch1J)}` : ''}` };
    if (t.batch1J) bar.high = t.batch1J.value;
    eBars.push(bar);
  }
  if (r.cloud.targets[0]) eBars.push({ label: `upload ${r.model.inputBytes ?? 0} B input`, value: r.cloud.targets[0].uploadJ.value, provenance: 'derived', text: uJ(r.cloud.targets[0].uploadJ) });
  sections.push(
    `<section><h2>Energy per inference</h2><p>Bars start at the fully batched best case; the dashed whisker reaches the batch-1 figure (board power over one request's service time). PUE ${r.cloud.pue.value} (${esc(r.cloud.pue.name)}).</p>${barChart(eBars, { id: 'chart-energy', title: 'Energy per inference (J)', log: true, unitLabel: 'joules per inference' })}</section>`,
  );

  // summary table
  const sumRows: string[][] = [
    ['MCU energy per inference', fig(m.energyJ)],
    ['MCU inference time', fig(m.timeS)],
  ];
  if (m.atRate) sumRows.push([`MCU average power at ${m.ratePerS} inferences/s`, fig(m.atRate.averageW)]);
  if (m.atRate?.batteryLifeS && m.battery) sumRows.push([`Battery life on ${esc(m.battery.name)}`, fig(m.atRate.batteryLifeS)]);
  for (const x of r.ratios) {
    sumRows.push([`${esc(x.name)} ÷ MCU, compute only`, `${fig(x.batched)}${x.batch1 ? ` … ${fig(x.batch1)}` : ''}`]);
    sumRows.push([`${esc(x.name)} ÷ MCU, with the input upload`, `${fig(x.totalBatched)}${x.totalBatch1 ? ` … ${fig(x.totalBatch1)}` : ''}`]);
  }
  for (const u of r.radio.uploads) sumRows.push([`Device radio: sending the ${r.radio.inputBytes} B input over ${esc(u.name)}`, fig(u.uploadJ)]);
  sections.unshift(`<section><h2>Summary</h2>${table(['', 'value'], sumRows)}</section>`);

  // 2. duty cycle
  if (m.sweep.length) {
    const bars: Bar[] = m.sweep.map((p) => ({
      label: `${p.ratePerS} inferences/s${p.ratePerS === m.ratePerS ? ' (selected)' : ''}`,
      value: p.averageW.value,
      provenance: p.averageW.provenance,
      text: `${fmtValue(p.averageW)}${p.batteryLifeS ? `, ${fmtDuration(p.batteryLifeS.value)} on ${m.battery?.id ?? ''}` : ''}`,
      highlight: p.ratePerS === m.ratePerS,
    }));
    sections.push(
      `<section><h2>Average power and battery life</h2><p>${m.battery ? `Battery: ${esc(m.battery.name)}, ${m.battery.capacityMah} mAh at ${m.battery.voltageV} V (${esc(m.battery.source)}).` : 'No battery given (use --battery 2xAA or CR2032).'} Sleep power between inferences: ${fig(r.board?.sleepW)}.</p>${barChart(bars, { id: 'chart-duty', title: 'Average power by inference rate (W)', log: true, unitLabel: 'watts' })}</section>`,
    );
  }

  // 2b. device radio: sending the raw input vs inferring on the MCU
  {
    const rr = r.radio;
    let body: string;
    if (rr.uploads.length) {
      const bars: Bar[] = [];
      if (m.energyJ) bars.push({ label: `MCU inference: ${r.board?.id ?? ''}`, value: m.energyJ.value, provenance: m.energyJ.provenance, text: uJ(m.energyJ), highlight: true });
      // the chart label drops the trailing (chip, band) detail; the table below has the full name
      for (const u of rr.uploads) bars.push({ label: `send over ${u.name.replace(/\s*\([^()]*\)\s*$/, '')}`, value: u.uploadJ.value, provenance: u.uploadJ.provenance, text: uJ(u.uploadJ) });
      const rows = rr.uploads.map((u) => [esc(u.name), esc(u.conditions), `${Number(u.perByte.value.toPrecision(4))} µJ/B ${tag(u.perByte.provenance)}`, fig(u.uploadJ), u.perInference ? fig(u.perInference) : '—', `<small>${esc(u.perByte.source)}${u.perByte.note ? `; ${esc(u.perByte.note)}` : ''}</small>`]);
      body = `${barChart(bars, { id: 'chart-radio', title: 'Device energy: one inference vs sending the input (J)', log: true, unitLabel: 'joules' })}${table(['radio', 'conditions', 'per byte', `upload of ${rr.inputBytes} B`, 'upload ÷ MCU inference', 'source'], rows)}`;
    } else {
      body = '<p>No radio has a cited energy-per-byte figure in data/cloud-baselines.json, so no upload energy is shown.</p>';
    }
    const om = rr.omitted.length ? `<p>Radios without a cited figure:</p><ul>${rr.omitted.map((x) => `<li>${esc(x.what)} — <small>${esc(x.why)}</small></li>`).join('')}</ul>` : '';
    sections.push(`<section><h2>Device radio: sending the input instead of inferring on the MCU</h2><p>Energy the sensor's own radio spends to ship one raw input (${rr.inputBytes} B) = bytes × µJ per payload byte, next to the MCU inference energy ${fig(m.energyJ)}.</p>${body}${om}</section>`);
  }

  // 3. carbon
  const sel = r.carbon.rows.find((x) => x.region.id === r.carbon.selectedRegion);
  const cBars: Bar[] = [];
  for (const row of r.carbon.rows) {
    const region = row.region.name.replace(/\s*\([^)]*\)\s*$/, '');
    if (row.mcuG) cBars.push({ label: `${region}: MCU`, value: row.mcuG.value, provenance: row.mcuG.provenance, text: fmtValue(row.mcuG), highlight: row === sel });
    const best = [...row.cloud].sort((a, b) => a.batchedG.value - b.batchedG.value)[0];
    if (best) {
      const b: Bar = { label: `${region}: ${best.name}`, value: best.batchedG.value, provenance: 'derived', text: `${fmtValue(best.batchedG)}${best.batch1G ? ` … ${fmtValue(best.batch1G)}` : ''}` };
      if (best.batch1G) b.high = best.batch1G.value;
      cBars.push(b);
    }
  }
  sections.push(
    `<section><h2>CO2e per million inferences by region</h2><p>MCU vs the most efficient cloud target in the table (batched … batch-1). Grid intensities: ${r.carbon.rows.map((x) => `${esc(x.region.name)} ${x.region.value} ${esc(x.region.unit)} ${tag(x.region.provenance)}`).join('; ')}.</p>${barChart(cBars, { id: 'chart-carbon', title: 'g CO2e per million inferences', log: true, unitLabel: 'grams CO2e' })}</section>`,
  );

  // 4. per-layer cycles
  if (r.cycles?.perLayer?.length) {
    const prov = r.cycles.perInference.provenance;
    const bars: Bar[] = r.cycles.perLayer.map((l) => ({ label: l.name, value: l.cycles, provenance: prov, text: `${l.cycles.toLocaleString('en-US')} cycles` }));
    sections.push(`<section><h2>Cycles per layer</h2>${barChart(bars, { id: 'chart-layers', title: 'Cycles per layer', unitLabel: 'cycles' })}</section>`);
  }

  // 5. MLPerf Tiny standing
  if (r.mlperfTiny) {
    const bars: Bar[] = r.mlperfTiny.entries.map((e) => ({ label: e.label, value: e.energyJ.value, provenance: e.energyJ.provenance, text: uJ(e.energyJ), highlight: e.isThisBoard }));
    sections.push(
      `<section><h2>Among published MLPerf Tiny ${esc(r.mlperfTiny.benchmark)} results</h2><p>${r.mlperfTiny.rank ? `Rank ${r.mlperfTiny.rank} of ${r.mlperfTiny.entries.length} by energy per inference (lower is better). ` : ''}Latest closed-division result per system (mlcommons/tiny_results).</p>${barChart(bars, { id: 'chart-mlperf', title: `MLPerf Tiny ${r.mlperfTiny.benchmark}: energy per inference (J)`, log: true, unitLabel: 'joules per inference' })}</section>`,
    );
  }

  // details
  const cloudRows = r.cloud.targets.map((t) => [esc(t.name), fig(t.batchedJ), t.batch1J ? fig(t.batch1J) : '—', fig(t.uploadJ), `<small>${esc(t.batchedJ.source ?? '')}; ${esc(t.batchedJ.note ?? '')}</small>`]);
  sections.push(`<section><h2>Cloud targets</h2>${table(['target', 'fully batched', 'batch-1', 'upload', 'source'], cloudRows)}<p><small>Batch-1 service time: ${fig(r.cloud.batch1ServiceTimeS)} — ${esc(r.cloud.batch1ServiceTimeS.source ?? '')}. Network: ${esc(r.cloud.network.name)} ${r.cloud.network.value} ${esc(r.cloud.network.unit)} — ${esc(r.cloud.network.source)}.</small></p></section>`);
  if (r.board) {
    const b = r.board;
    sections.push(
      `<section><h2>Board power model</h2>${table(['', 'value', 'source'], [
        ['clock', `${(b.clockHz / 1e6).toPrecision(4)} MHz`, ''],
        ['active power', fig(b.activeW), `<small>${esc(b.activeW?.source ?? '')}</small>`],
        ['sleep power', fig(b.sleepW), `<small>${esc(b.sleepW?.source ?? '')}</small>`],
        ['wake-up energy', fig(b.wakeJ), ''],
        ['published MLPerf Tiny run power', fig(b.calibratedActiveW), `<small>${esc(b.calibratedActiveW?.source ?? '')}</small>`],
        ['cycles per inference', fig(r.cycles?.perInference), `<small>${esc(r.cycles?.perInference.source ?? '')}</small>`],
      ])}</section>`,
    );
  }
  if (r.notes.length) sections.push(`<section><h2>Notes</h2><ul>${r.notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul></section>`);

  const css = `body{font-family:"DejaVu Sans",Arial,sans-serif;margin:24px;color:#111;max-width:1100px}h1{font-size:22px}h2{font-size:17px;margin-top:28px;border-bottom:1px solid #ccc}table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ccc;padding:4px 8px;font-size:13px;vertical-align:top;text-align:left}.tag{font-size:11px;padding:1px 5px;border-radius:3px;color:#fff}.measured{background:#1b7f3b}.estimated{background:#2f6db5}.emulated{background:#7a4fb0}.published{background:#8a6d1e}.derived{background:#b0502f}small{color:#444}`;
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(`Energy report — ${r.model.name}`)}</title><style>${css}</style></head>
<body><h1>Energy report — ${esc(r.model.name)}${r.board ? ` on ${esc(r.board.name)}` : ''}</h1>
<p>${r.model.macs ? `${esc(fmtValue(r.model.macs))} per inference` : 'MAC count unknown'}${r.model.inputBytes !== undefined ? `, ${r.model.inputBytes} B input` : ''}. Generated ${esc(r.generatedAt)}. Provenance: ${legend()}</p>
${sections.join('\n')}
</body></html>
`;
}
