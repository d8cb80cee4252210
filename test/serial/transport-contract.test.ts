/**
 * One suite, every Transport implementation: the in-memory pair and serialport over a real
 * socat pty pair. Reads are fed in awkward chunks (byte by byte, split delimiters).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { TinymlError } from '../../src/errors.js';
import { createMemoryPair } from '../../src/serial/memory-transport.js';
import { SerialPortTransport } from '../../src/serial/serialport-transport.js';
import { TransportClosedError, TransportTimeoutError, type Transport } from '../../src/serial/transport.js';
import { hasTool } from '../sim/helpers.js';
import { ptyPair } from '../sim/pty-pair.js';

interface Pair {
  a: Transport;
  b: Transport;
  cleanup: () => Promise<void>;
}

const impls: { name: string; available: boolean; make: () => Promise<Pair> }[] = [
  {
    name: 'memory pair',
    available: true,
    make: async () => {
      const [a, b] = createMemoryPair();
      return { a, b, cleanup: async () => {} };
    },
  },
  {
    name: 'serialport over a socat pty pair',
    available: hasTool('socat'),
    make: async () => {
      const pair = await ptyPair();
      const a = new SerialPortTransport(pair.host, { baudRate: 115200 });
      const b = new SerialPortTransport(pair.device, { baudRate: 115200 });
      return {
        a,
        b,
        cleanup: async () => {
          await a.close();
          await b.close();
          await pair.close();
        },
      };
    },
  },
];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

for (const impl of impls) {
  describe.skipIf(!impl.available)(`Transport contract: ${impl.name}`, () => {
    let p: Pair;
    afterEach(async () => p && (await p.cleanup()));
    const openBoth = async () => {
      p = await impl.make();
      await p.b.open();
      await p.a.open();
    };

    it('read(n) resolves with exactly n bytes fed one byte at a time, keeps the rest buffered', async () => {
      await openBoth();
      const r = p.b.read(5, 2000);
      for (const x of [1, 2, 3, 4, 5, 6, 7]) {
        await p.a.write(Uint8Array.of(x));
        await sleep(2);
      }
      expect(Array.from(await r)).toEqual([1, 2, 3, 4, 5]);
      expect(Array.from(await p.b.read(2, 2000))).toEqual([6, 7]);
    });

    it('bytes written before the read are not lost', async () => {
      await openBoth();
      await p.a.write(Uint8Array.of(9, 8, 7));
      await sleep(30);
      expect(Array.from(await p.b.read(3, 1000))).toEqual([9, 8, 7]);
    });

    it('readUntil finds a delimiter split across chunks and leaves what follows', async () => {
      await openBoth();
      const r = p.b.readUntil(new TextEncoder().encode('\r\n'), 2000);
      await p.a.write(new TextEncoder().encode('m-ready\r'));
      await sleep(10);
      await p.a.write(new TextEncoder().encode('\nnext'));
      expect(new TextDecoder().decode(await r)).toBe('m-ready\r\n');
      expect(new TextDecoder().decode(await p.b.read(4, 1000))).toBe('next');
    });

    it('read times out at the deadline with what arrived', async () => {
      await openBoth();
      await p.a.write(Uint8Array.of(0xaa));
      const t0 = performance.now();
      const e = await p.b.read(4, 150).catch((x: unknown) => x);
      const dt = performance.now() - t0;
      expect(e).toBeInstanceOf(TransportTimeoutError);
      expect(Array.from((e as TransportTimeoutError).received)).toEqual([0xaa]);
      expect(dt).toBeGreaterThanOrEqual(140);
      expect(dt).toBeLessThan(600);
    });

    it('readUntil rejects after maxBytes without the delimiter', async () => {
      await openBoth();
      const r = p.b.readUntil(0x0a, 2000, 8);
      await p.a.write(new Uint8Array(10).fill(0x41));
      await expect(r).rejects.toThrow(/without the expected delimiter/);
    });

    it('a second concurrent read is refused', async () => {
      await openBoth();
      const first = p.b.read(1, 500).catch(() => undefined);
      await expect(p.b.read(1, 500)).rejects.toThrow(/already in progress/);
      await first;
    });

    it('close() makes a pending read reject at once, and later calls reject', async () => {
      await openBoth();
      const r = p.b.read(1, 10_000).then(
        () => undefined,
        (e: unknown) => e,
      );
      const t0 = performance.now();
      await sleep(20);
      await p.b.close();
      expect(await r).toBeInstanceOf(TransportClosedError);
      expect(performance.now() - t0).toBeLessThan(1000);
      await expect(p.b.write(Uint8Array.of(1))).rejects.toBeInstanceOf(TinymlError);
      await expect(p.b.read(1, 10)).rejects.toBeInstanceOf(TransportClosedError);
      await p.b.close(); // no-op
    });

    it('flushInput drops buffered bytes', async () => {
      await openBoth();
      await p.a.write(Uint8Array.of(1, 2, 3));
      await sleep(30);
      await p.b.flushInput();
      await p.a.write(Uint8Array.of(4));
      expect(Array.from(await p.b.read(1, 1000))).toEqual([4]);
    });

    it('setBaud on an open port succeeds; operations before open reject', async () => {
      p = await impl.make();
      await expect(p.a.read(1, 10)).rejects.toThrow(/not open/);
      await p.a.open();
      await p.a.setBaud(57600);
    });

    it('64 KiB round trip arrives intact and in order', async () => {
      await openBoth();
      const big = Uint8Array.from({ length: 65536 }, (_, i) => (i * 7 + (i >> 8)) & 0xff);
      const r = p.b.read(big.length, 10_000);
      for (let o = 0; o < big.length; o += 4096) await p.a.write(big.subarray(o, o + 4096));
      expect(Buffer.from(await r).equals(Buffer.from(big))).toBe(true);
    });
  });
}

describe('SerialPortTransport open errors', () => {
  it('ENOENT lists the ports that exist', async () => {
    const t = new SerialPortTransport('/dev/ttyNOPE9', { baudRate: 115200 }, async () => ['/dev/ttyACM0', '/dev/ttyUSB1']);
    const e = (await t.open().catch((x: unknown) => x)) as TinymlError;
    expect(e.message).toBe('no serial port /dev/ttyNOPE9');
    expect(e.hint).toMatch(/available ports: \/dev\/ttyACM0, \/dev\/ttyUSB1/);
    expect(e.code).toBe('device');
  });
  it.skipIf(process.getuid?.() === 0)('EACCES says to join the dialout group', async () => {
    const { mkdtempSync, writeFileSync, chmodSync } = await import('node:fs');
    const dir = mkdtempSync('/tmp/tinyml-perm-');
    writeFileSync(`${dir}/ttyACM0`, '');
    chmodSync(`${dir}/ttyACM0`, 0o000);
    const e = (await new SerialPortTransport(`${dir}/ttyACM0`, { baudRate: 115200 }).open().catch((x: unknown) => x)) as TinymlError;
    expect(e.message).toBe(`permission denied on ${dir}/ttyACM0`);
    expect(e.hint).toMatch(/dialout group/);
  });
});
