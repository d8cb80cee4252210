import { TinymlError } from '../errors.js';
import type { BoardProfile } from '../boards/board.js';
import type { Graph, TensorData } from '../ir/graph.js';
import type { Logger, ProgressFn } from '../log.js';

/**
 * Where `tinyml run --board <id>` sends samples instead of the reference interpreter.
 *
 * The reference interpreter needs no board. Everything else (the generated C built for the
 * host, the same firmware under QEMU, a real board over serial) is a RunBackend that a later
 * module registers for a board *template* — the `template` field of boards/<id>.json — so
 * adding a backend never edits the `run` command:
 *
 *   // src/build/host-run.ts
 *   registerRunBackend('host', async (req) => { ...build, run, return outputs... });
 *   // and one line in src/reference/backends.ts: import '../build/host-run.js';
 *
 * Board ids become profiles through one board loader, registered the same way by the boards
 * module (`registerBoardLoader(loadBoard)`).
 *
 * Contract for a RunBackend:
 * - it receives every sample at once (`samples[s][i]` = input i of sample s, in the graph's
 *   input dtypes) so it can build/flash once and stream the samples;
 * - it returns `outputs[s][o]` = output o of sample s, in the graph's output dtypes, i.e.
 *   exactly what `runGraph` returns per sample, so callers compare the two byte for byte;
 * - it reports through `logger` / `onProgress` and throws TinymlError (toolchain, device)
 *   with a hint; it never prints or exits.
 */
export interface RunBackendRequest {
  graph: Graph;
  modelPath: string;
  board: BoardProfile;
  samples: TensorData[][];
  logger: Logger;
  onProgress?: ProgressFn;
}

export type RunBackend = (req: RunBackendRequest) => Promise<TensorData[][]>;

export type BoardLoader = (boardId: string) => Promise<BoardProfile>;

const backends = new Map<string, RunBackend>();
let boardLoader: BoardLoader | undefined;

export function registerRunBackend(template: BoardProfile['template'], backend: RunBackend): void {
  backends.set(template, backend);
}

export function registerBoardLoader(loader: BoardLoader): void {
  boardLoader = loader;
}

export function listRunBackends(): string[] {
  return [...backends.keys()];
}

/** Find the backend for a board id, or explain why there is none. */
export async function resolveRunBackend(boardId: string): Promise<{ board: BoardProfile; backend: RunBackend }> {
  if (!boardLoader || backends.size === 0) {
    throw new TinymlError(
      'usage',
      `--board ${boardId}: no generated-code backend is available in this build of tinyml yet; the host C build, QEMU and serial backends register themselves when those modules are installed`,
      'Omit --board to run the TypeScript reference interpreter (the numerical reference the generated code is checked against).',
    );
  }
  const board = await boardLoader(boardId);
  const backend = backends.get(board.template);
  if (!backend) {
    throw new TinymlError(
      'usage',
      `--board ${boardId}: no run backend for board template '${board.template}' (available: ${listRunBackends().join(', ')})`,
      'Pick a board whose template has a backend, or omit --board to use the reference interpreter.',
    );
  }
  return { board, backend };
}
