import { assert } from '@seshat/common';
import type { Entry, Snapshot } from './messages.js';

/**
 * The tail of the log not yet persisted: an optional incoming snapshot followed by
 * entries starting at `offset`. Everything below `offset` lives in LogStorage (or is
 * covered by the snapshot). Entries leave through stableTo once the driver has persisted
 * them (RawNode.advance), checked by (index, term) so that entries replaced meanwhile
 * stay unstable.
 */
export class UnstableLog {
  snapshot: Snapshot | null = null;
  entries: Entry[] = [];
  /** Index of entries[0]; equals storage lastIndex + 1 when nothing is unstable. */
  offset: number;

  constructor(offset: number) {
    assert(offset >= 1, 'unstable: offset must be >= 1');
    this.offset = offset;
  }

  /** First index if a snapshot is pending, else undefined (storage knows). */
  maybeFirstIndex(): number | undefined {
    return this.snapshot === null ? undefined : this.snapshot.metadata.index + 1;
  }

  maybeLastIndex(): number | undefined {
    if (this.entries.length > 0) return this.offset + this.entries.length - 1;
    if (this.snapshot !== null) return this.snapshot.metadata.index;
    return undefined;
  }

  /** Term of `index` if this tail knows it, else -1. */
  maybeTerm(index: number): number {
    if (index < this.offset) {
      const snap = this.snapshot;
      if (snap !== null && snap.metadata.index === index) return snap.metadata.term;
      return -1;
    }
    const last = this.offset + this.entries.length - 1;
    if (index > last) return -1;
    return this.entries[index - this.offset]!.term;
  }

  /** Entries up to (index, term) were persisted. */
  stableTo(index: number, term: number): void {
    if (index < this.offset) return;
    if (this.maybeTerm(index) !== term) return;
    const drop = index + 1 - this.offset;
    this.entries = drop === this.entries.length ? [] : this.entries.slice(drop);
    this.offset = index + 1;
  }

  stableSnapTo(index: number): void {
    if (this.snapshot !== null && this.snapshot.metadata.index === index) this.snapshot = null;
  }

  restore(snapshot: Snapshot): void {
    this.offset = snapshot.metadata.index + 1;
    this.entries = [];
    this.snapshot = snapshot;
  }

  /** Append, truncating any unstable entries at or after entries[0].index. */
  truncateAndAppend(entries: readonly Entry[]): void {
    const after = entries[0]!.index;
    const end = this.offset + this.entries.length;
    if (after === end) {
      for (const entry of entries) this.entries.push(entry);
    } else if (after <= this.offset) {
      // Replaces the whole unstable tail; storage entries >= after are overridden by it.
      this.offset = after;
      this.entries = entries.slice();
    } else {
      assert(after < end, `unstable: append at ${after} leaves a gap after ${end - 1}`);
      const kept = this.entries.slice(0, after - this.offset);
      for (const entry of entries) kept.push(entry);
      this.entries = kept;
    }
  }

  /** Entries [lo, hi) which must lie within the unstable tail. */
  slice(lo: number, hi: number): Entry[] {
    assert(
      lo >= this.offset && hi <= this.offset + this.entries.length && lo <= hi,
      `unstable: slice [${lo}, ${hi}) out of [${this.offset}, ${this.offset + this.entries.length})`,
    );
    return this.entries.slice(lo - this.offset, hi - this.offset);
  }
}
