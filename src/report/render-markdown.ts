/** report object → Markdown. Pure: no I/O, no computation beyond formatting. */
import type { EnergyReport } from './energy-report.js';
import { fmt, fmtValue, uJ } from './format.js';

export function renderMarkdown(r: EnergyReport): string {
  const L: string[] = [];
  const m = r.mcu;
  L.push(`# Energy report — ${r.model.name}${r.board ? ` on ${r.board.id}` : ''}`, '');
  L.push(`Generated ${r.generatedAt} from \`${r.dir}\`. Every figure carries its provenance: measured (power meter), estimated (cycles × board power model), emulated (emulator cycles × power model), published (cited), derived (computed from cited figures).`, '');
  L.push('## Summary', '');
  L.push('| | value |', '|---|---|');
  L.push(`| MCU energy per inference | ${fmt(m.energyJ)} |`);
  if (m.timeS) L.push(`| MCU inference time | ${fmt(m.timeS)} |`);
  if (m.atRate) L.push(`| MCU average power at ${m.ratePerS}/s | ${fmt(m.atRate.averageW)} |`);
  if (m.atRate?.batteryLifeS && m.battery) L.push(`| Battery life on ${m.battery.name} | ${fmt(m.atRate.batteryLifeS)} |`);
  for (const t of r.cloud.targets) {
    L.push(`| ${t.name}, fully batched … batch-1 | ${fmt(t.batchedJ)}${t.batch1J ? ` … ${fmt(t.batch1J)}` : ''} |`);
  }
  if (r.cloud.targets[0]) L.push(`| Uploading the input (${r.model.inputBytes ?? 0} B) | ${fmt(r.cloud.targets[0].uploadJ)} |`);
  for (const u of r.radio.uploads) L.push(`| Device radio, sending the input over ${u.name} | ${fmt(u.uploadJ)} |`);
  L.push('');
  L.push('## Model', '');
  L.push(`- MACs per inference: ${fmt(r.model.macs)}`);
  if (r.model.inputBytes !== undefined) L.push(`- input: ${r.model.inputBytes} bytes`);
  if (r.model.weightBytes !== undefined) L.push(`- weights: ${r.model.weightBytes} bytes; arena: ${r.model.arenaBytes ?? '—'} bytes`);
  if (r.model.benchmark) L.push(`- MLPerf Tiny benchmark: ${r.model.benchmark}`);
  L.push('');
  if (r.board) {
    const b = r.board;
    L.push('## Board', '');
    L.push(`- ${b.name} (${b.id}), ${b.core} at ${(b.clockHz / 1e6).toPrecision(4)} MHz${b.supplyV ? `, ${b.supplyV} V` : ''}`);
    L.push(`- active power: ${fmt(b.activeW)}${b.activeW?.source ? ` — ${b.activeW.source}` : ''}`);
    L.push(`- sleep power: ${fmt(b.sleepW)}; wake-up energy: ${fmt(b.wakeJ)}`);
    if (b.calibratedActiveW) L.push(`- published MLPerf Tiny run power (energy × throughput): ${fmt(b.calibratedActiveW)} — ${b.calibratedActiveW.source}`);
    L.push('');
  }
  if (r.cycles) {
    L.push('## Cycles', '');
    L.push(`- per inference: ${fmt(r.cycles.perInference)} (${r.cycles.perInference.source ?? ''})`);
    if (r.cycles.cyclesPerMac) L.push(`- cycles/MAC: ${fmt(r.cycles.cyclesPerMac)} — ${r.cycles.cyclesPerMac.note ?? ''}`);
    if (r.cycles.perLayer?.length) {
      L.push('', '| layer | cycles | share |', '|---|---:|---:|');
      const tot = r.cycles.perLayer.reduce((s, l) => s + l.cycles, 0);
      for (const l of r.cycles.perLayer) L.push(`| ${l.name} | ${l.cycles.toLocaleString('en-US')} | ${((100 * l.cycles) / (tot || 1)).toFixed(1)}% |`);
    }
    L.push('');
  }
  if (m.sweep.length) {
    L.push('## Duty cycle', '');
    L.push(`| inferences/s | average power | ${m.battery ? `battery life (${m.battery.name})` : 'battery life (no --battery)'} |`, '|---:|---|---|');
    for (const p of m.sweep) L.push(`| ${p.ratePerS} | ${fmt(p.averageW)} | ${fmt(p.batteryLifeS)} |`);
    L.push('');
  }
  L.push('## Cloud', '');
  L.push(`PUE ${r.cloud.pue.value} (${r.cloud.pue.name}; ${r.cloud.pue.source}). Batch-1 service time ${fmtValue(r.cloud.batch1ServiceTimeS)} — ${r.cloud.batch1ServiceTimeS.source}.`, '');
  L.push('| target | fully batched | batch-1 | upload | cloud ÷ MCU (batched … batch-1) | with upload |', '|---|---|---|---|---|---|');
  for (const t of r.cloud.targets) {
    const ratio = r.ratios.find((x) => x.id === t.id);
    L.push(`| ${t.name} | ${uJ(t.batchedJ)} [${t.batchedJ.provenance}] | ${t.batch1J ? `${uJ(t.batch1J)} [${t.batch1J.provenance}]` : '—'} | ${uJ(t.uploadJ)} | ${ratio ? `${fmtValue(ratio.batched)}${ratio.batch1 ? ` … ${fmtValue(ratio.batch1)}` : ''}` : '—'} | ${ratio ? `${fmtValue(ratio.totalBatched)}${ratio.totalBatch1 ? ` … ${fmtValue(ratio.totalBatch1)}` : ''}` : '—'} |`);
  }
  L.push('');
  L.push('Sources:', '');
  for (const t of r.cloud.targets) L.push(`- ${t.name}: ${t.batchedJ.source} (${t.batchedJ.note})`);
  L.push('');
  L.push('## Device radio: sending the input instead of inferring on the MCU', '');
  L.push(`Energy the sensor's own radio spends to ship one raw input (${r.radio.inputBytes} B) = bytes × µJ per payload byte, next to the MCU inference energy ${fmt(m.energyJ)}.`, '');
  if (r.radio.uploads.length) {
    L.push(`| radio | conditions | µJ/byte | upload of ${r.radio.inputBytes} B | upload ÷ MCU inference |`, '|---|---|---|---|---|');
    for (const u of r.radio.uploads) L.push(`| ${u.name} | ${u.conditions} | ${Number(u.perByte.value.toPrecision(4))} [${u.perByte.provenance}] | ${fmt(u.uploadJ)} | ${u.perInference ? fmt(u.perInference) : '—'} |`);
    L.push('', 'Sources:', '');
    for (const u of r.radio.uploads) L.push(`- ${u.name}: ${u.perByte.source}${u.perByte.note ? ` (${u.perByte.note})` : ''}`);
    L.push('');
  } else {
    L.push('No radio has a cited energy-per-byte figure in data/cloud-baselines.json, so no upload energy is shown.', '');
  }
  if (r.radio.omitted.length) {
    L.push('Radios without a cited figure:', '');
    for (const x of r.radio.omitted) L.push(`- ${x.what} — ${x.why}`);
    L.push('');
  }
  L.push('## CO2e per million inferences', '');
  L.push('| region | g CO2e/kWh | MCU | cloud, best batched | cloud batch-1 (worst listed) | upload |', '|---|---:|---|---|---|---|');
  for (const row of r.carbon.rows) {
    const best = [...row.cloud].sort((a, b) => a.batchedG.value - b.batchedG.value)[0];
    const worst = [...row.cloud].filter((c) => c.batch1G).sort((a, b) => b.batch1G!.value - a.batch1G!.value)[0];
    const sel = row.region.id === r.carbon.selectedRegion ? ' **(selected)**' : '';
    L.push(`| ${row.region.name}${sel} | ${row.region.value} [${row.region.provenance}] | ${fmt(row.mcuG)} | ${best ? `${fmt(best.batchedG)} (${best.name})` : '—'} | ${worst?.batch1G ? `${fmt(worst.batch1G)} (${worst.name})` : '—'} | ${best ? fmt(best.uploadG) : '—'} |`);
  }
  L.push('');
  for (const row of r.carbon.rows) L.push(`- ${row.region.name}: ${row.region.source}`);
  L.push('');
  if (r.mlperfTiny) {
    L.push(`## Among published MLPerf Tiny ${r.mlperfTiny.benchmark} results`, '');
    if (r.mlperfTiny.rank) L.push(`This model on this board ranks ${r.mlperfTiny.rank} of ${r.mlperfTiny.entries.length} by energy per inference (lower is better).`, '');
    L.push('| system | energy/inference | inferences/s |', '|---|---|---:|');
    for (const e of r.mlperfTiny.entries) L.push(`| ${e.isThisBoard ? `**${e.label}**` : e.label} | ${uJ(e.energyJ)} [${e.energyJ.provenance}] | ${Number.isFinite(e.throughput) ? e.throughput.toPrecision(4) : '—'} |`);
    L.push('');
  }
  if (r.notes.length) {
    L.push('## Notes', '');
    for (const n of r.notes) L.push(`- ${n}`);
    L.push('');
  }
  return L.join('\n');
}
