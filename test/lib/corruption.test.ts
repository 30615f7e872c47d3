import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
  corruptFrame,
  corruptionExperiment,
  countReports,
  crc32,
  encode,
  flipBits,
  frame,
  openFrame,
  payloadText,
  sum8,
  withCorruption,
  type FrameReport,
} from '../../lib/models/corruption';
import { ConfigError } from '../../lib/core/config';
import { createRng } from '../../lib/core/random';
import { createSim } from '../../lib/core/sim';
import { eventsOf } from '../../lib/core/trace';

const bytesOf = (s: string) => new Uint8Array(Buffer.from(s, 'utf8'));
const jsonValue = fc.jsonValue({ maxDepth: 2 }).filter((v) => JSON.stringify(v) !== undefined);

describe('checksums', () => {
  test('does crc32 give the standard check values?', () => {
    expect(crc32(bytesOf('123456789'))).toBe(0xcbf43926);
    expect(crc32(bytesOf(''))).toBe(0);
    expect(crc32(bytesOf('The quick brown fox jumps over the lazy dog'))).toBe(0x414fa339);
  });

  test('is sum8 the byte sum modulo 256?', () => {
    expect(sum8([1, 2, 3])).toBe(6);
    expect(sum8([200, 100])).toBe(44);
    expect(sum8([])).toBe(0);
  });

  test('do both checksums catch every single flipped bit? (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 64 }), fc.nat(), (bytes, k) => {
        const bit = k % (bytes.length * 8);
        const flipped = new Uint8Array(bytes);
        flipped[bit >> 3] ^= 1 << (bit & 7);
        expect(crc32(flipped)).not.toBe(crc32(bytes));
        expect(sum8(flipped)).not.toBe(sum8(bytes));
      }),
    );
  });

  test('does sum8 miss the same bit flipped up in one byte and down in another, where crc32 does not?', () => {
    const bytes = new Uint8Array([0x30, 0x31]); // '0' '1': bit 0 is 0 in the first, 1 in the second
    const swapped = new Uint8Array([0x31, 0x30]);
    expect(sum8(swapped)).toBe(sum8(bytes));
    expect(crc32(swapped)).not.toBe(crc32(bytes));
  });
});

describe('frames', () => {
  test('does an intact frame open to the same body, for every checksum? (property)', () => {
    fc.assert(
      fc.property(jsonValue, fc.constantFrom('none', 'sum8', 'crc32' as const), (body, kind) => {
        const opened = openFrame(frame(body, kind));
        expect(opened.verdict).toBe('accepted');
        expect(JSON.stringify(opened.body)).toBe(JSON.stringify(body));
        expect(payloadText(frame(body, kind))).toBe(JSON.stringify(body));
      }),
    );
  });

  test('does a CRC-32 frame with a few flipped bits never open as accepted? (property)', () => {
    fc.assert(
      fc.property(jsonValue, fc.array(fc.nat(), { minLength: 1, maxLength: 3 }), (body, picks) => {
        const f = frame(body, 'crc32');
        const bytes = new Uint8Array(Buffer.from(f.hex, 'hex'));
        const bits = [...new Set(picks.map((p) => p % (bytes.length * 8)))];
        for (const b of bits) bytes[b >> 3] ^= 1 << (b & 7);
        expect(openFrame({ checksum: 'crc32', hex: Buffer.from(bytes).toString('hex') }).verdict).not.toBe('accepted');
      }),
    );
  });

  test('does a frame without checksum let a digit-to-digit flip through unnoticed?', () => {
    const f = frame({ cents: 31 }, 'none'); // '3' is 0x33; flipping bit 0 gives '2'
    const bytes = new Uint8Array(Buffer.from(f.hex, 'hex'));
    const at = Buffer.from(bytes).toString('utf8').indexOf('3');
    bytes[at] ^= 1;
    const opened = openFrame({ checksum: 'none', hex: Buffer.from(bytes).toString('hex') });
    expect(opened.verdict).toBe('accepted');
    expect(opened.body).toEqual({ cents: 21 });
  });

  test('is a checksum mismatch reported before the payload is parsed?', () => {
    const f = frame({ a: 1 }, 'sum8');
    const bytes = new Uint8Array(Buffer.from(f.hex, 'hex'));
    bytes[0] ^= 0x80; // '{' becomes invalid UTF-8: would be garbled, but the sum no longer matches first
    expect(openFrame({ checksum: 'sum8', hex: Buffer.from(bytes).toString('hex') }).verdict).toBe('checksum mismatch');
  });
});

describe('flipBits', () => {
  test('does it flip exactly the bits it reports, and nothing at rate 0? (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 40 }), fc.double({ min: 0, max: 1, noNaN: true }), fc.integer(), (bytes, rate, seed) => {
        const { bytes: out, flipped } = flipBits(bytes, rate, createRng(seed));
        let diff = 0;
        for (let i = 0; i < bytes.length * 8; i++) if (((bytes[i >> 3]! ^ out[i >> 3]!) >> (i & 7)) & 1) diff++;
        expect(diff).toBe(flipped.length);
        expect(new Set(flipped).size).toBe(flipped.length);
        if (rate === 0) expect(flipped).toEqual([]);
        if (rate === 1) expect(flipped.length).toBe(bytes.length * 8);
      }),
    );
  });

  test('does the number of flips match the rate on average? (seed=3)', () => {
    const rng = createRng(3);
    const bytes = new Uint8Array(1000);
    let flips = 0;
    for (let k = 0; k < 50; k++) flips += flipBits(bytes, 0.01, rng).flipped.length;
    expect(flips / 50).toBeGreaterThan(70); // expected 80
    expect(flips / 50).toBeLessThan(90);
  });

  test('is it deterministic for a seed, and does it leave its input alone?', () => {
    const bytes = encode({ hello: 'world' });
    const copy = new Uint8Array(bytes);
    const a = flipBits(bytes, 0.05, createRng(9));
    const b = flipBits(bytes, 0.05, createRng(9));
    expect(a).toEqual(b);
    expect(bytes).toEqual(copy);
  });

  test('does corruptFrame keep the checksum kind?', () => {
    expect(corruptFrame(frame([1, 2], 'sum8'), 0.5, createRng(1)).frame.checksum).toBe('sum8');
  });
});

describe('withCorruption on the simulator', () => {
  test('does a clean wire deliver every body unchanged, decoded?', () => {
    const sim = createSim({ seed: 1 });
    const got: unknown[] = [];
    sim.addNode('a', withCorruption((ctx) => { for (let i = 0; i < 5; i++) ctx.send('b', { i }); }, { bitErrorRate: 0 }));
    sim.addNode('b', withCorruption(() => ({ onMessage: (m) => void got.push(m.body) }), { bitErrorRate: 0 }));
    sim.run();
    expect((got as Array<{ i: number }>).map((b) => b.i).sort()).toEqual([0, 1, 2, 3, 4]); // latency varies: order may not
    expect(eventsOf(sim.trace, 'send').every((e) => typeof (e.body as { hex?: unknown }).hex === 'string')).toBe(true);
  });

  test('are rejected frames dropped with a note, and never handed to the program? (seed=2)', () => {
    const sim = createSim({ seed: 2 });
    const got: unknown[] = [];
    const reports: FrameReport[] = [];
    sim.addNode('a', withCorruption((ctx) => { for (let i = 0; i < 200; i++) ctx.send('b', { i }); }, { bitErrorRate: 0.01 }));
    sim.addNode('b', withCorruption(() => ({ onMessage: (m) => void got.push(m.body) }), { bitErrorRate: 0.01 }, (r) => reports.push(r)));
    sim.run();
    const c = countReports(reports);
    expect(c.sent).toBe(200);
    expect(c.checksumMismatch).toBeGreaterThan(0);
    expect(c.undetected).toBe(0);
    expect(got.length).toBe(c.intact);
    expect(eventsOf(sim.trace, 'note').filter((n) => n.node === 'b').length).toBe(c.checksumMismatch + c.garbled);
  });

  test('is a bad rate rejected up front with its path?', () => {
    expect(() => withCorruption(() => {}, { bitErrorRate: 2 })).toThrow(ConfigError);
    expect(() => withCorruption(() => {}, { bitErrorRate: 0.1, checksum: 'md5' as never })).toThrow(/corruption\.checksum/);
  });
});

describe('corruptionExperiment', () => {
  test('do the outcomes add up, and is it deterministic? (seed=4)', () => {
    const a = corruptionExperiment({ seed: 4, messages: 500, bitErrorRate: 0.003, checksum: 'none' });
    const b = corruptionExperiment({ seed: 4, messages: 500, bitErrorRate: 0.003, checksum: 'none' });
    expect(a.sent).toBe(500);
    expect(a.intact + a.checksumMismatch + a.garbled + a.undetected).toBe(500);
    expect(a.corrupted).toBe(a.checksumMismatch + a.garbled + a.undetected + a.reports.filter((r) => r.flipped > 0 && !r.wrong && r.verdict === 'accepted').length);
    expect(a.checksumMismatch).toBe(0); // no checksum, nothing to mismatch
    expect(a.undetected).toBeGreaterThan(0);
    expect(countReports(b.reports)).toEqual(countReports(a.reports));
  });

  test('does CRC-32 let fewer wrong messages through than no checksum, and no more than sum8? (seeds 1-3)', () => {
    for (const seed of [1, 2, 3]) {
      const run = (checksum: 'none' | 'sum8' | 'crc32') => corruptionExperiment({ seed, messages: 1000, bitErrorRate: 0.003, checksum }).undetected;
      expect(run('crc32')).toBeLessThanOrEqual(run('sum8'));
      expect(run('sum8')).toBeLessThan(run('none'));
    }
  });
});
