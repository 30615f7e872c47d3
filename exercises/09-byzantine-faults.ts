// Lesson 09 — Byzantine faults. Your turn: replace each `throw` with an implementation.
import { crc32, sum8, type ChecksumKind, type Frame, type FrameVerdict } from '../lib/models/corruption';
import type { General, Order } from '../lib/models/byzantine';

export type { ChecksumKind, Frame, FrameVerdict, General, Order };

/** What a lieutenant assumes when no message comes, and what a tie decides. */
export const DEFAULT_ORDER: Order = 'retreat';
/** The commander first. */
export const FOUR_GENERALS: readonly General[] = ['G0', 'G1', 'G2', 'G3'];

/**
 * Delivers one oral message and returns what the recipient gets. `path` is
 * the relay chain, commander first and the sender last: `send(['G0'], 'G2',
 * 'attack')` is the commander telling G2 to attack; `send(['G0', 'G1'], 'G3',
 * v)` is G1 telling G3 "the commander told me v". You always pass the honest
 * value; if the sender is a traitor, `send` changes it (or returns null:
 * nothing arrived). Your code cannot know who the traitors are.
 */
export type Send = (path: readonly General[], to: General, value: Order) => Order | null;

/**
 * Part 1. The order more than half of `values` say. A null (a message that
 * never came) counts as DEFAULT_ORDER. A tie, or an empty list, gives
 * DEFAULT_ORDER. Examples: [attack, attack, retreat] → attack;
 * [attack, retreat] → retreat; [attack, null, attack] → attack.
 */
export function majority(values: ReadonlyArray<Order | null>): Order {
  throw new Error('not implemented: majority');
}

/**
 * Part 2. The oral-messages algorithm OM(1). `generals[0]` is the commander,
 * whose order is `order`; the others are lieutenants. Use `send` for every
 * message, exactly once per message, and no other messages:
 * 1. the commander sends `order` to each lieutenant L: `send([commander], L, order)`.
 *    L's value v_L is what comes back, or DEFAULT_ORDER if null;
 * 2. each lieutenant i passes v_i on to each other lieutenant j:
 *    `send([commander, i], j, v_i)`;
 * 3. each lieutenant j decides `majority` of its own v_j and what it got from
 *    every other lieutenant in step 2 (one value per lieutenant, n - 1 in all).
 * Return every lieutenant's decision, keyed by name (the commander has none).
 * With four generals and one traitor, the loyal lieutenants must agree, and
 * follow the commander if it is loyal.
 */
export function om1(order: Order, send: Send, generals: readonly General[] = FOUR_GENERALS): Record<General, Order> {
  throw new Error('not implemented: om1');
}

/**
 * Part 3. A receiver that checks before it trusts. A frame's `hex` holds the
 * payload bytes (the UTF-8 text of a JSON value) followed by the checksum of
 * the payload: none (0 bytes), 'sum8' (1 byte: `sum8(payload)`) or 'crc32'
 * (4 bytes, big-endian: `crc32(payload)`); both functions are imported above.
 * Return:
 * - `{ verdict: 'checksum mismatch', body: undefined }` if the checksum bytes
 *   do not match the payload (check this first, before parsing);
 * - `{ verdict: 'garbled', body: undefined }` if the frame is shorter than its
 *   checksum, or the payload is not valid JSON;
 * - `{ verdict: 'accepted', body }` with the parsed payload otherwise.
 * Don't use `openFrame` from lib/corruption: this is that function.
 */
export function verifyFrame(frame: Frame): { verdict: FrameVerdict; body: unknown } {
  throw new Error('not implemented: verifyFrame');
}
