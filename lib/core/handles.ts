// A table of live items addressed by numeric handles (timer ids): add,
// find and remove in O(1) without a hash map. A handle is a slot number plus
// the slot's use count, so a stale handle (a timer that already fired or was
// cancelled) never finds the item that reuses its slot. Freed slots are
// reused last-in first-out: the next item lands in memory that is still warm.

/** Slots per table: at most this many items live at once. */
const SLOTS = 2 ** 22;
const SLOT = SLOTS - 1;

// A handle's slot and use, without `%` or Math.floor: past a slot's 512th
// use a handle is above 2^31, a double, and a double `%` is an fmod, a dozen
// ns where a mask takes one. The mask reads the low 32 bits of the integer,
// exact below 2^53; a number that is not a handle (a fraction, NaN, a
// negative) gets a use that no slot has.
const slotOf = (handle: number): number => handle & SLOT;
const useOf = (handle: number, slot: number): number => (handle - slot) / SLOTS;

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
    const slot = slotOf(handle);
    return this.uses[slot] === useOf(handle, slot) ? this.items[slot] : undefined;
  }

  /** Remove the item `handle` names; false if it was not in the table (already removed). */
  remove(handle: number): boolean {
    const slot = slotOf(handle);
    if (this.items[slot] === undefined || this.uses[slot] !== useOf(handle, slot)) return false;
    this.items[slot] = undefined;
    this.free.push(slot);
    return true;
  }
}
