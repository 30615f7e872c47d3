// Lesson 09 — Byzantine faults. Reference solution.
import { crc32, sum8, type ChecksumKind, type Frame, type FrameVerdict } from '../lib/models/corruption';
import type { General, Order } from '../lib/models/byzantine';

export type { ChecksumKind, Frame, FrameVerdict, General, Order };

/** What a lieutenant assumes when no message comes, and what a tie decides. */
export const DEFAULT_ORDER: Order = 'retreat';
/** The commander first. */
export const FOUR_GENERALS: readonly General[] = ['G0', 'G1', 'G2', 'G3'];

/** Delivers one oral message; see the stub for the contract. */
export type Send = (path: readonly General[], to: General, value: Order) => Order | null;

/** Part 1: the order more than half of `values` say; null counts as DEFAULT_ORDER; a tie gives DEFAULT_ORDER. */
export function majority(values: ReadonlyArray<Order | null>): Order {
  const attacks = values.filter((v) => v === 'attack').length;
  return attacks * 2 > values.length ? 'attack' : DEFAULT_ORDER;
}

/** Part 2: OM(1) among `generals`, generals[0] commanding with `order`. */
export function om1(order: Order, send: Send, generals: readonly General[] = FOUR_GENERALS): Record<General, Order> {
  const [commander, ...lieutenants] = generals;
  const received = new Map<General, Order>();
  for (const l of lieutenants) received.set(l, send([commander!], l, order) ?? DEFAULT_ORDER);
  // heard.get(j).get(i): what lieutenant i told lieutenant j it had received.
  const heard = new Map<General, Map<General, Order | null>>(lieutenants.map((l) => [l, new Map()]));
  for (const i of lieutenants) {
    for (const j of lieutenants) if (j !== i) heard.get(j)!.set(i, send([commander!, i], j, received.get(i)!));
  }
  const decisions: Record<General, Order> = {};
  for (const j of lieutenants) decisions[j] = majority(lieutenants.map((i) => (i === j ? received.get(j)! : heard.get(j)!.get(i)!)));
  return decisions;
}

const CHECK_BYTES: Record<ChecksumKind, number> = { none: 0, sum8: 1, crc32: 4 };

/** Part 3: check a frame's checksum, then decode its JSON payload. */
export function verifyFrame(frame: Frame): { verdict: FrameVerdict; body: unknown } {
  const bytes = Buffer.from(frame.hex, 'hex');
  const size = CHECK_BYTES[frame.checksum];
  if (bytes.length < size) return { verdict: 'garbled', body: undefined };
  const payload = bytes.subarray(0, bytes.length - size);
  const tail = bytes.subarray(bytes.length - size);
  const ok =
    frame.checksum === 'none' ||
    (frame.checksum === 'sum8' && tail[0] === sum8(payload)) ||
    (frame.checksum === 'crc32' && tail.readUInt32BE(0) === crc32(payload));
  if (!ok) return { verdict: 'checksum mismatch', body: undefined };
  try {
    return { verdict: 'accepted', body: JSON.parse(payload.toString('utf8')) as unknown };
  } catch {
    return { verdict: 'garbled', body: undefined };
  }
}
