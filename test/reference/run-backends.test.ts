import { describe, expect, it } from 'vitest';
import type { BoardProfile } from '../../src/boards/board.js';
import { TinymlError } from '../../src/errors.js';
import { registerBoardLoader, registerRunBackend, resolveRunBackend } from '../../src/reference/run-backends.js';

const board = (id: string, template: BoardProfile['template']) => ({ id, name: id, template }) as BoardProfile;

describe('run backend registry', () => {
  it('explains that no backend is registered, with a hint to use the reference interpreter', async () => {
    await expect(resolveRunBackend('host')).rejects.toThrow(/no generated-code backend/);
    await expect(resolveRunBackend('host')).rejects.toBeInstanceOf(TinymlError);
  });

  it('routes a board id to the backend of its template', async () => {
    registerBoardLoader(async (id) => {
      if (id === 'nucleo') return board('nucleo', 'bare-metal-cortex-m');
      if (id === 'pc') return board('pc', 'host');
      throw new TinymlError('usage', `unknown board ${id}`);
    });
    const host = async () => [[Int8Array.of(1)]];
    registerRunBackend('host', host);
    const r = await resolveRunBackend('pc');
    expect(r.backend).toBe(host);
    expect(r.board.id).toBe('pc');
    await expect(resolveRunBackend('nucleo')).rejects.toThrow(/no run backend for board template 'bare-metal-cortex-m' \(available: host\)/);
    await expect(resolveRunBackend('zzz')).rejects.toThrow(/unknown board zzz/);
  });
});
