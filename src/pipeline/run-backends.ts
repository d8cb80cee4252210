/**
 * Where `tinyml run --board` sends samples instead of the reference interpreter: the generated
 * C built for the host (`host` template) or the same firmware under QEMU
 * (`bare-metal-cortex-m` template, emulated boards). One table maps a board *template* — the
 * `template` field of boards/<id>.json — to its backend; nothing registers itself at import.
 *
 * Contract for a RunBackend:
 * - it receives every sample at once (`samples[s][i]` = input i of sample s, in the graph's
 *   input dtypes) so it can build/flash once and stream the samples;
 * - it returns `outputs[s][o]` = output o of sample s, in the graph's output dtypes, i.e.
 *   exactly what `runGraph` returns per sample, so callers compare the two byte for byte;
 * - each sample starts from the model's initial state (as runGraph), unless `stream` is set:
 *   then the samples are consecutive steps of one stream and the state (LSTM, SVDF, resource
 *   variables) carries over from one to the next, as a reference `createSession` run does;
 * - it reports through `logger` / `onProgress` and throws TinymlError (toolchain, device)
 *   with a hint; it never prints or exits.
 */
import type { BoardProfile } from '../boards/board.js';
import { resolveBoard } from '../boards/load.js';
import { TinymlError } from '../errors.js';
import type { Graph, TensorData } from '../ir/graph.js';
import type { Logger, ProgressFn } from '../log.js';
import { runEmulated } from './run-emulated.js';
import { runOnHost } from './run-host.js';

export interface RunBackendRequest {
  graph: Graph;
  modelPath: string;
  board: BoardProfile;
  samples: TensorData[][];
  /** Consecutive steps of one stream: keep the model's state between samples. */
  stream?: boolean;
  logger: Logger;
  onProgress?: ProgressFn;
}

export type RunBackend = (req: RunBackendRequest) => Promise<TensorData[][]>;

export const RUN_BACKENDS: Readonly<Partial<Record<BoardProfile['template'], RunBackend>>> = {
  host: (req) => runOnHost(req),
  'bare-metal-cortex-m': (req) => runEmulated(req),
};

export function listRunBackends(): string[] {
  return Object.keys(RUN_BACKENDS);
}

/** The backend for a board id or board file, or an error saying why there is none. */
export async function resolveRunBackend(boardId: string, loadBoard: (id: string) => BoardProfile = resolveBoard): Promise<{ board: BoardProfile; backend: RunBackend }> {
  const board = loadBoard(boardId);
  const backend = RUN_BACKENDS[board.template];
  if (!backend) {
    throw new TinymlError(
      'usage',
      `--board ${boardId}: no run backend for board template '${board.template}' (available: ${listRunBackends().join(', ')})`,
      'Pick a board whose template has a backend, or omit --board to use the reference interpreter.',
    );
  }
  return { board, backend };
}
