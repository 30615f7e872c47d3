// A 4-ary min-heap of scheduled events ordered by (time, seq). `seq` is the
// insertion counter, so events at the same virtual time run in the order they
// were scheduled: the tie-break that makes runs reproducible.
//
// The keys live in two typed arrays beside the items, so sifting compares
// numbers in contiguous memory instead of reading a field of an object
// somewhere on the heap: with tens of thousands of pending events (a timer
// per node) that is most of the cost of a pop. Four children per node halve
// the depth, and their keys share a cache line.

export interface Scheduled {
  time: number;
  seq: number;
}

export class EventHeap<T extends Scheduled> {
  private items: Array<T | undefined> = [];
  private times = new Float64Array(64);
  private seqs = new Float64Array(64);
  private n = 0;

  get size(): number {
    return this.n;
  }

  peek(): T | undefined {
    return this.n > 0 ? this.items[0] : undefined;
  }

  push(item: T): void {
    if (this.n === this.times.length) this.grow();
    const { items, times, seqs } = this;
    const t = item.time;
    const s = item.seq;
    let i = this.n++;
    while (i > 0) {
      const parent = (i - 1) >> 2;
      const pt = times[parent]!;
      if (pt < t || (pt === t && seqs[parent]! < s)) break;
      items[i] = items[parent];
      times[i] = pt;
      seqs[i] = seqs[parent]!;
      i = parent;
    }
    items[i] = item;
    times[i] = t;
    seqs[i] = s;
  }

  pop(): T | undefined {
    if (this.n === 0) return undefined;
    const { items, times, seqs } = this;
    const top = items[0];
    const n = --this.n;
    const last = items[n];
    items[n] = undefined; // let the popped job be collected
    if (n === 0) return top;
    const t = times[n]!;
    const s = seqs[n]!;
    // Sift `last` down from the root.
    let i = 0;
    for (;;) {
      const first = 4 * i + 1;
      if (first >= n) break;
      const end = first + 4 < n ? first + 4 : n;
      let child = first;
      let ct = times[first]!;
      let cs = seqs[first]!;
      for (let k = first + 1; k < end; k++) {
        const kt = times[k]!;
        if (kt < ct || (kt === ct && seqs[k]! < cs)) {
          child = k;
          ct = kt;
          cs = seqs[k]!;
        }
      }
      if (t < ct || (t === ct && s < cs)) break;
      items[i] = items[child];
      times[i] = ct;
      seqs[i] = cs;
      i = child;
    }
    items[i] = last;
    times[i] = t;
    seqs[i] = s;
    return top;
  }

  private grow(): void {
    const times = new Float64Array(this.times.length * 2);
    const seqs = new Float64Array(this.seqs.length * 2);
    times.set(this.times);
    seqs.set(this.seqs);
    this.times = times;
    this.seqs = seqs;
  }
}
