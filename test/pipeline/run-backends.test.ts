import { describe, expect, it } from 'vitest';
import type { BoardProfile } from '../../src/boards/board.js';
import { TinymlError } from '../../src/errors.js';
import { resolveRunBackend, RUN_BACKENDS } from '../../src/pipeline/run-backends.js';

const board = (id: string, template: BoardProfile['template']) => ({ id, name: id, template }) as BoardProfile;

describe('run backends', () => {
  const load = (id: string): BoardProfile => {
    if (id === 'nucleo') return board('nucleo', 'bare-metal-cortex-m');
    if (id === 'pc') return board('pc', 'host');
    if (id === 'uno') return board('uno', 'arduino');
    throw new TinymlError('usage', `unknown board ${id}`);
  };

  it('routes a board id to the backend of its template', async () => {
    expect((await resolveRunBackend('pc', load)).backend).toBe(RUN_BACKENDS.host);
    expect((await resolveRunBackend('nucleo', load)).backend).toBe(RUN_BACKENDS['bare-metal-cortex-m']);
    expect((await resolveRunBackend('pc', load)).board.id).toBe('pc');
  });

  it('refuses a template without a backend, naming the available ones, and passes unknown boards through', async () => {
    await expect(resolveRunBackend('uno', load)).rejects.toThrow(/no run backend for board template 'arduino' \(available: host, bare-metal-cortex-m\)/);
    await expect(resolveRunBackend('uno', load)).rejects.toBeInstanceOf(TinymlError);
    await expect(resolveRunBackend('zzz', load)).rejects.toThrow(/unknown board zzz/);
  });

  it('loads real board files by default', async () => {
    const r = await resolveRunBackend('qemu-mps2-an386');
    expect(r.board.template).toBe('bare-metal-cortex-m');
    expect(r.backend).toBe(RUN_BACKENDS['bare-metal-cortex-m']);
  });
});
