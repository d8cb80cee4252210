/**
 * The whole flash session: open → connect → identify → write → verify → run, with the port
 * closed on every path out (try/finally) and an optional byte trace saved even on failure.
 */
import type { BoardProfile } from '../boards/board.js';
import { silentLogger, type Logger, type ProgressFn } from '../log.js';
import { TracingTransport } from '../serial/trace.js';
import type { Transport } from '../serial/transport.js';
import { imageSize, type FlashImage } from './image.js';
import type { DeviceIdentity, FlashProtocol, VerifyResult } from './protocol.js';

export interface FlashSessionOptions {
  board: BoardProfile;
  protocol: FlashProtocol;
  /** An unopened transport (null for UF2 drives); it is opened and always closed here. */
  transport: Transport | null;
  image: FlashImage;
  verify?: boolean;
  run?: boolean;
  traceFile?: string;
  logger?: Logger;
  onWriteProgress?: ProgressFn;
  onVerifyProgress?: ProgressFn;
}

export interface FlashResult {
  board: string;
  protocol: string;
  port: string | null;
  identity: DeviceIdentity;
  bytes: number;
  segments: { address: number; length: number }[];
  verify: VerifyResult | null;
  ms: { connect: number; write: number; verify: number; total: number };
}

export async function flashDevice(o: FlashSessionOptions): Promise<FlashResult> {
  const log = o.logger ?? silentLogger;
  const tracer = o.transport && o.traceFile ? new TracingTransport(o.transport) : undefined;
  const t: Transport | null = tracer ?? o.transport;
  const t0 = performance.now();
  try {
    if (t) await t.open();
    await o.protocol.connect(t, o.board);
    const identity = await o.protocol.identify();
    log.info(`found ${identity.chip} (${identity.chipId})`);
    const t1 = performance.now();
    await o.protocol.write(o.image, o.onWriteProgress);
    const t2 = performance.now();
    let verify: VerifyResult | null = null;
    if (o.verify !== false) {
      verify = await o.protocol.verify(o.onVerifyProgress);
      log.info(`verified ${verify.bytes} bytes (${verify.method})`);
    }
    const t3 = performance.now();
    if (o.run !== false) await o.protocol.run();
    return {
      board: o.board.id,
      protocol: o.protocol.id,
      port: t?.path ?? null,
      identity,
      bytes: imageSize(o.image),
      segments: o.image.segments.map((s) => ({ address: s.address, length: s.data.length })),
      verify,
      ms: { connect: t1 - t0, write: t2 - t1, verify: t3 - t2, total: performance.now() - t0 },
    };
  } catch (e) {
    tracer?.note(`failed: ${(e as Error).message}`);
    throw e;
  } finally {
    if (t) await t.close().catch(() => {});
    if (tracer && o.traceFile) await tracer.save(o.traceFile, `tinyml flash ${o.board.id} via ${o.protocol.id} on ${tracer.path}`).catch((e: Error) => log.warn(`could not write trace ${o.traceFile}: ${e.message}`));
  }
}
