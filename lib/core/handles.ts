// A table of live items addressed by numeric handles (timer ids): add,
// find and remove in O(1) without a hash map. A handle is a slot number plus
// the slot's use count, so a stale handle (a timer that already fired or was
// cancelled) never finds the item that reuses its slot. Freed slots are
// reused last-in first-out: the next item lands in memory that is still warm.

/** Slots per table: at most this many items live at once. */
const SLOTS = 2 ** 22;

export class HandleTable<T> {
  private items: Array<T | undefined> = [];
  private uses: number[] = [];
  private free: number[] = [];

  /** Store `item`; its handle is ≥ 1 and never repeats within the table. */
  add(item: T): number {
    let slot = this.free.pop();
    if (slot === undefined) {
      slot = this.items.length;
      if (slot >= SLOTS) throw new RangeError(`more than ${SLOTS} items alive at once`);
      this.items.push(undefined);
      this.uses.push(0);
    }
    this.items[slot] = item;
    const use = ++this.uses[slot]!;
    return use * SLOTS + slot;
  }

  /** The item `handle` names, if it is still in the table. */
  get(handle: number): T | undefined {
    const slot = handle % SLOTS;
    return this.uses[slot] === Math.floor(handle / SLOTS) ? this.items[slot] : undefined;
  }

  /** Remove the item `handle` names; false if it was not in the table (already removed). */
  remove(handle: number): boolean {
    const slot = handle % SLOTS;
    if (this.items[slot] === undefined || this.uses[slot] !== Math.floor(handle / SLOTS)) return false;
    this.items[slot] = undefined;
    this.free.push(slot);
    return true;
  }
}
