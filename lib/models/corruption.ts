// Corruption on the wire: bits that flip between sender and receiver (a bad
// cable, a flaky NIC, a cosmic ray in a router's memory), and the checksums
// that catch them. The core network delivers bodies intact, so corruption is
// a program wrapper here: `withCorruption` sends every body as a frame (its
// JSON bytes plus a checksum) and, on arrival, flips each bit of the frame
// with probability `bitErrorRate` before the receiver checks and decodes it.
//
//   const p = withCorruption(receiverProgram, { bitErrorRate: 1e-3, checksum: 'crc32' });
//   corruptionExperiment({ seed: 1, messages: 2000, bitErrorRate: 1e-3, checksum: 'sum8' })
import { z } from 'zod';
import { ExperimentSchema, simFromConfig } from './experiment';
import { parseConfig, probability } from '../core/config';
import type { Message, Program } from '../core/node';
import type { Rng } from '../core/random';
import type { NodeId } from '../core/trace';

/** No checksum; an 8-bit sum of the bytes (weak); CRC-32 as in Ethernet, zip and PNG (strong). */
export type ChecksumKind = 'none' | 'sum8' | 'crc32';
export const CHECKSUMS: readonly ChecksumKind[] = ['none', 'sum8', 'crc32'];
/** How many bytes each checksum adds to a frame. */
export const CHECKSUM_BYTES: Readonly<Record<ChecksumKind, number>> = { none: 0, sum8: 1, crc32: 4 };

/** What the receiver concluded about a frame. `accepted` may still be wrong: only an observer who saw both ends knows. */
export type FrameVerdict = 'accepted' | 'checksum mismatch' | 'garbled';

/** A frame as it travels: payload bytes then checksum bytes (big-endian), as hex so traces stay readable JSON. */
export type Frame = { checksum: ChecksumKind; hex: string };

// ---------------------------------------------------------------------------
// Bytes and checksums.

/** The bytes a body becomes on the wire: its JSON text in UTF-8. */
export function encode(body: unknown): Uint8Array {
  const text = JSON.stringify(body);
  if (text === undefined) throw new Error(`cannot encode ${String(body)}: it has no JSON form`);
  return new Uint8Array(Buffer.from(text, 'utf8'));
}

/** JSON text from bytes. Invalid UTF-8 becomes U+FFFD, as in most decoders: it is not an error by itself. */
export function decodeText(bytes: Uint8Array): string {
  return viewOf(bytes).toString('utf8');
}

/** A Buffer over the same memory (no copy), for Node's native hex and UTF-8 codecs. */
const viewOf = (bytes: Uint8Array): Buffer => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

const CRC_TABLE: Uint32Array = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 (IEEE 802.3, reflected, polynomial 0x04C11DB7): crc32(bytes of "123456789") = 0xCBF43926. */
export function crc32(bytes: ArrayLike<number>): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** The sum of the bytes modulo 256: catches every single flipped bit, misses many pairs. */
export function sum8(bytes: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < bytes.length; i++) s = (s + bytes[i]!) & 0xff;
  return s;
}

/** The checksum of `bytes` as its big-endian bytes (none: no bytes). */
export function checksumBytes(kind: ChecksumKind, bytes: ArrayLike<number>): number[] {
  switch (kind) {
    case 'none':
      return [];
    case 'sum8':
      return [sum8(bytes)];
    case 'crc32': {
      const c = crc32(bytes);
      return [(c >>> 24) & 0xff, (c >>> 16) & 0xff, (c >>> 8) & 0xff, c & 0xff];
    }
  }
}

// Frames are made and opened once per message: no intermediate arrays on the way.
const toHex = (bytes: Uint8Array): string => viewOf(bytes).toString('hex');
const fromHex = (hex: string): Uint8Array => Buffer.from(hex, 'hex');
const HEX_BYTE = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));

/** Wrap a body for the wire: its JSON bytes followed by their checksum. */
export function frame(body: unknown, checksum: ChecksumKind = 'crc32'): Frame {
  const payload = encode(body);
  let hex = toHex(payload);
  for (const b of checksumBytes(checksum, payload)) hex += HEX_BYTE[b];
  return { checksum, hex };
}

export function isFrame(body: unknown): body is Frame {
  const f = body as Frame | null;
  return typeof f === 'object' && f !== null && typeof f.hex === 'string' && CHECKSUMS.includes(f.checksum);
}

/** What a receiver makes of a frame: the checksum verdict, then (if it passes) the decoded body. */
export type Opened = { verdict: FrameVerdict; body: unknown; text: string };

/**
 * Check and decode a frame. A frame whose checksum does not match is rejected
 * before decoding; one whose text is not JSON is 'garbled'. Without a
 * checksum, the JSON parser is the only line of defence.
 */
export function openFrame(f: Frame): Opened {
  const bytes = fromHex(f.hex);
  const size = CHECKSUM_BYTES[f.checksum];
  if (bytes.length < size) return { verdict: 'garbled', body: undefined, text: '' };
  const payload = bytes.subarray(0, bytes.length - size);
  const text = decodeText(payload);
  const expected = checksumBytes(f.checksum, payload);
  if (expected.some((b, i) => b !== bytes[payload.length + i])) return { verdict: 'checksum mismatch', body: undefined, text };
  // Most garbled frames end here: a SyntaxError without a stack trace costs a fraction of one with it.
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return { verdict: 'accepted', body: JSON.parse(text) as unknown, text };
  } catch {
    return { verdict: 'garbled', body: undefined, text };
  } finally {
    Error.stackTraceLimit = limit;
  }
}

/**
 * A copy of `bytes` with each bit flipped independently with probability
 * `bitErrorRate`, and the positions flipped (bit i is bit i % 8 of byte i / 8).
 * Positions are drawn as geometric gaps, so a low rate costs little.
 */
export function flipBits(bytes: Uint8Array, bitErrorRate: number, rng: Rng): { bytes: Uint8Array; flipped: number[] } {
  if (!(bitErrorRate >= 0 && bitErrorRate <= 1)) throw new Error(`bitErrorRate must be in [0, 1], got ${bitErrorRate}`);
  const out = new Uint8Array(bytes);
  const flipped: number[] = [];
  const bits = bytes.length * 8;
  const logQ = Math.log1p(-bitErrorRate);
  if (logQ === 0) return { bytes: out, flipped }; // a rate of 0 (or too small to tell from 0 in a double)
  for (let i = -1; ; ) {
    // Gap to the next flipped bit: geometric with success probability bitErrorRate.
    i += bitErrorRate === 1 ? 1 : 1 + Math.floor(Math.log(1 - rng.next()) / logQ);
    if (!(i < bits)) break;
    out[i >> 3] = out[i >> 3]! ^ (1 << (i & 7));
    flipped.push(i);
  }
  return { bytes: out, flipped };
}

/** The payload of a frame as text, checksum bytes left off. */
export function payloadText(f: Frame): string {
  const bytes = fromHex(f.hex);
  return decodeText(bytes.subarray(0, Math.max(0, bytes.length - CHECKSUM_BYTES[f.checksum])));
}

/** The frame after crossing a noisy wire: every bit, checksum included, may flip. */
export function corruptFrame(f: Frame, bitErrorRate: number, rng: Rng): { frame: Frame; flipped: number[] } {
  const { bytes, flipped } = flipBits(fromHex(f.hex), bitErrorRate, rng);
  return { frame: { checksum: f.checksum, hex: toHex(bytes) }, flipped };
}

// ---------------------------------------------------------------------------
// Corruption on the simulated network.

export const CorruptionSchema = z
  .object({
    /** Probability that each bit of a frame flips on the way (the bit error rate). */
    bitErrorRate: probability(),
    // CRC-32 by default: what Ethernet and most storage formats use.
    checksum: z.enum(['none', 'sum8', 'crc32']).default('crc32'),
  })
  .strict();
export type CorruptionInput = z.input<typeof CorruptionSchema>;

/** What happened to one frame, as only an observer of both ends can know it. */
export type FrameReport = {
  msg: number;
  from: NodeId;
  to: NodeId;
  time: number;
  /** Bits flipped on the way (0: the frame arrived intact). */
  flipped: number;
  verdict: FrameVerdict;
  /** Accepted, but not what was sent: undetected corruption. */
  wrong: boolean;
  sentText: string;
  receivedText: string;
};

/**
 * `program` on a noisy wire. Everything it sends with `ctx.send` leaves as a
 * frame with a checksum; every frame it receives has crossed the wire (bits
 * flipped with `bitErrorRate`, from a random stream per sending node) and is
 * checked: rejected frames are dropped with a note, accepted ones reach
 * `onMessage` decoded. Wrap every node that talks this way. Request/reply
 * traffic (`ctx.call`) passes through unframed and uncorrupted.
 * `observe` gets a report per frame, for experiments.
 */
export function withCorruption(program: Program, options: CorruptionInput, observe?: (r: FrameReport) => void): Program {
  const cfg = parseConfig(CorruptionSchema, options, 'corruption options', 'corruption');
  return (ctx) => {
    const wires = new Map<NodeId, Rng>();
    const wire = (from: NodeId): Rng => {
      let rng = wires.get(from);
      if (!rng) wires.set(from, (rng = ctx.rng.fork(`wire:${from}->${ctx.id}`)));
      return rng;
    };
    const inner = program({ ...ctx, send: (to, body) => ctx.send(to, frame(body, cfg.checksum)) }) || {};
    return {
      onRequest: inner.onRequest?.bind(inner),
      onMessage(msg: Message) {
        if (!isFrame(msg.body)) return inner.onMessage?.(msg);
        const sentText = payloadText(msg.body);
        const { frame: received, flipped } = corruptFrame(msg.body, cfg.bitErrorRate, wire(msg.from));
        const opened = openFrame(received);
        const wrong = opened.verdict === 'accepted' && opened.text !== sentText;
        observe?.({ msg: msg.id, from: msg.from, to: msg.to, time: ctx.now(), flipped: flipped.length, verdict: opened.verdict, wrong, sentText, receivedText: opened.text });
        if (opened.verdict !== 'accepted') {
          ctx.note(`dropped a frame from ${msg.from}: ${opened.verdict}`);
          return;
        }
        inner.onMessage?.({ ...msg, body: opened.body });
      },
    };
  };
}

// ---------------------------------------------------------------------------
// The experiment of the lesson: one sender, one receiver, a noisy wire.

export const CorruptionExperimentSchema = ExperimentSchema
  .extend({
    // Enough for rates down to 1 in 10^4 bits to show a few corrupted frames.
    messages: z.number().int().min(1).max(1_000_000).default(2000),
    bitErrorRate: probability(),
    checksum: z.enum(['none', 'sum8', 'crc32']).default('crc32'),
  })
  .strict();
export type CorruptionExperimentConfig = z.input<typeof CorruptionExperimentSchema>;

export type CorruptionCounts = {
  sent: number;
  /** Frames with at least one flipped bit. */
  corrupted: number;
  /** Accepted and exactly what was sent. */
  intact: number;
  /** Rejected by the checksum. */
  checksumMismatch: number;
  /** Passed the checksum (or had none) but were not valid JSON. */
  garbled: number;
  /** Accepted, and not what was sent: the ones that hurt. */
  undetected: number;
};

/** A payment-like message: small, mostly digits and short names, like much of what services send each other. */
export function paymentMessage(i: number): { seq: number; from: string; to: string; cents: number } {
  return { seq: i, from: 'alice', to: 'bob', cents: 1000 + ((i * 7919) % 90000) };
}

/** `messages` payment messages from 'sender' to 'receiver', one per ms, over a wire with the given bit error rate. */
export function corruptionExperiment(config: CorruptionExperimentConfig): CorruptionCounts & { reports: FrameReport[] } {
  const cfg = parseConfig(CorruptionExperimentSchema, config, 'corruption experiment', 'experiment');
  const sim = simFromConfig(cfg, { trace: false });
  const reports: FrameReport[] = [];
  const noisy = { bitErrorRate: cfg.bitErrorRate, checksum: cfg.checksum };
  sim.addNode(
    'sender',
    withCorruption((ctx) => {
      let i = 0;
      const next = (): void => {
        ctx.send('receiver', paymentMessage(i++));
        if (i < cfg.messages) ctx.setTimer(1, next, 'send');
      };
      next();
    }, noisy),
  );
  sim.addNode('receiver', withCorruption(() => ({}), noisy, (r) => reports.push(r)));
  sim.run();
  return { ...countReports(reports), reports };
}

/** Tally frame reports into outcomes. */
export function countReports(reports: readonly FrameReport[]): CorruptionCounts {
  const c: CorruptionCounts = { sent: reports.length, corrupted: 0, intact: 0, checksumMismatch: 0, garbled: 0, undetected: 0 };
  for (const r of reports) {
    if (r.flipped > 0) c.corrupted++;
    if (r.verdict === 'checksum mismatch') c.checksumMismatch++;
    else if (r.verdict === 'garbled') c.garbled++;
    else if (r.wrong) c.undetected++;
    else c.intact++;
  }
  return c;
}
