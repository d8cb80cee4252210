/**
 * Reset sequences as data, in esptool's syntax: steps separated by `|`,
 *   D0 / D1  set DTR false / true
 *   R0 / R1  set RTS false / true
 *   W<ms>    wait that many milliseconds
 *   B<baud>  switch the line to that baud rate (the Arduino "1200-baud touch" is B1200 on a
 *            port that is then closed by the caller; here it is only the speed change)
 * Adjacent D and R steps with no wait between them are applied in one `setSignals` call,
 * because toggling them one at a time would pass through a state the board's auto-reset
 * circuit treats as a reset or boot-mode request (esptool does the same).
 */
import { TinymlError } from '../errors.js';
import type { SerialSignals, Transport } from './transport.js';

export type ResetStep = { kind: 'signals'; signals: SerialSignals } | { kind: 'wait'; ms: number } | { kind: 'baud'; baud: number };

export function parseResetSequence(seq: string): ResetStep[] {
  const steps: ResetStep[] = [];
  const parts = seq.split('|').map((p) => p.trim());
  parts.forEach((p, i) => {
    const m = /^(?:([DR])([01])|W(\d+)|B(\d+))$/.exec(p);
    if (!m) {
      throw new TinymlError(
        'input',
        `reset sequence "${seq}": step ${i + 1} "${p}" is not D0, D1, R0, R1, W<ms> or B<baud>`,
        'example: "D0|R1|W100|D1|R0|W50|D0"',
      );
    }
    if (m[4] !== undefined) {
      steps.push({ kind: 'baud', baud: Number(m[4]) });
      return;
    }
    if (m[3] !== undefined) {
      steps.push({ kind: 'wait', ms: Number(m[3]) });
      return;
    }
    const key = m[1] === 'D' ? 'dtr' : 'rts';
    const last = steps[steps.length - 1];
    if (last?.kind === 'signals' && last.signals[key] === undefined) last.signals[key] = m[2] === '1';
    else steps.push({ kind: 'signals', signals: { [key]: m[2] === '1' } });
  });
  return steps;
}

export async function runResetSequence(transport: Transport, seq: string | ResetStep[]): Promise<void> {
  const steps = typeof seq === 'string' ? parseResetSequence(seq) : seq;
  for (const s of steps) {
    if (s.kind === 'wait') await new Promise((r) => setTimeout(r, s.ms));
    else if (s.kind === 'baud') await transport.setBaud(s.baud);
    else await transport.setSignals(s.signals);
  }
}
