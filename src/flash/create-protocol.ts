/** The one place that maps a board's `flash.protocol` to its implementation. */
import { TinymlError } from '../errors.js';
import { EspRom, type EspRomOptions } from './esp-rom.js';
import type { FlashProtocol, FlashProtocolId } from './protocol.js';
import { Stk500v1, type Stk500Options } from './stk500v1.js';
import { Stm32An3155, type Stm32Options } from './stm32-an3155.js';
import { TinymlBoot } from './tinyml-boot.js';
import { Uf2Drive, type Uf2Options } from './uf2-drive.js';

export type AnyProtocolOptions = Stm32Options & Stk500Options & EspRomOptions & Uf2Options;

export const PROTOCOL_FACTORIES: Partial<Record<FlashProtocolId, (o: AnyProtocolOptions) => FlashProtocol>> = {
  'stm32-an3155': (o) => new Stm32An3155(o),
  stk500v1: (o) => new Stk500v1(o),
  'esp-rom': (o) => new EspRom(o),
  uf2: (o) => new Uf2Drive(o),
  'tinyml-boot': (o) => new TinymlBoot(o),
};

export function createProtocol(id: FlashProtocolId, opts: AnyProtocolOptions = {}): FlashProtocol {
  const f = PROTOCOL_FACTORIES[id];
  if (!f) {
    throw new TinymlError(
      'unsupported',
      `flash protocol "${id}" has no implementation`,
      `known: ${Object.keys(PROTOCOL_FACTORIES).join(', ')}${id === 'none' ? ' (this board is not flashed: run it with `tinyml run`)' : ''}`,
    );
  }
  return f(opts);
}
