/**
 * Requests that wait for the entry at their log index (proposals, membership changes), by
 * index. Nearly always one per index; but a leader may propose again at an index where an
 * earlier proposal of its own, from an earlier term, still waits: its log lost that entry
 * (a snapshot replaced the log, or a crash lost the unsynced tail) while another node's log
 * may still hold it and commit it. Neither outcome is known until the index is applied, so
 * both wait: the one whose term matches the applied entry gets it, the others are "not
 * applied". (Keyed by index alone, the later proposal replaced the earlier one, whose
 * waiters were then never answered: found by the simulator, seed 1246.)
 */
export interface IndexedRequest {
  readonly term: number;
  readonly deadlineMs: number;
}

export class PendingByIndex<T extends IndexedRequest> {
  private readonly byIndex = new Map<number, T>();
  /** Earlier requests at an index that got a newer one (rare). */
  private readonly displaced = new Map<number, T[]>();
  private count = 0;

  get size(): number {
    return this.count;
  }

  add(index: number, request: T): void {
    const earlier = this.byIndex.get(index);
    if (earlier !== undefined) {
      const list = this.displaced.get(index);
      if (list === undefined) this.displaced.set(index, [earlier]);
      else list.push(earlier);
    }
    this.byIndex.set(index, request);
    this.count++;
  }

  /** Removes and returns every request waiting for `index` (empty array when none). */
  take(index: number): T[] {
    if (this.count === 0) return [];
    const latest = this.byIndex.get(index);
    if (latest === undefined) return [];
    this.byIndex.delete(index);
    const out = this.displaced.get(index) ?? [];
    this.displaced.delete(index);
    out.push(latest);
    this.count -= out.length;
    return out;
  }

  /** Removes and returns the requests whose deadline is not after `nowMs`, except those at
   * indexes up to `keepUpTo` (committed entries that will apply: not "unknown"). */
  takeExpired(nowMs: number, keepUpTo = 0): T[] {
    const out: T[] = [];
    if (this.count === 0) return out;
    for (const [index, p] of this.byIndex) {
      if (p.deadlineMs > nowMs || index <= keepUpTo) continue;
      this.byIndex.delete(index);
      out.push(p);
    }
    for (const [index, list] of this.displaced) {
      if (index <= keepUpTo) continue;
      const kept = list.filter((p) => p.deadlineMs > nowMs);
      for (const p of list) if (p.deadlineMs <= nowMs) out.push(p);
      if (kept.length === 0) this.displaced.delete(index);
      else this.displaced.set(index, kept);
    }
    // A displaced list whose latest request expired first stays until its index applies or
    // its own deadline passes; take() finds it only through the latest, so re-home it.
    for (const [index, list] of this.displaced) {
      if (this.byIndex.has(index)) continue;
      this.byIndex.set(index, list.pop()!);
      if (list.length === 0) this.displaced.delete(index);
    }
    this.count -= out.length;
    return out;
  }

  /** Removes and returns every request. */
  takeAll(): T[] {
    const out = [...this.byIndex.values()];
    for (const list of this.displaced.values()) out.push(...list);
    this.byIndex.clear();
    this.displaced.clear();
    this.count = 0;
    return out;
  }
}
