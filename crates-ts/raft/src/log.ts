import { assert } from '@seshat/common';
import { UnstableLog } from './log-unstable.js';
import { type Entry, entrySizeBytes, type Snapshot } from './messages.js';
import type { LogStorage } from './storage.js';

/**
 * The node's view of the log: persisted entries (LogStorage) followed by the unstable
 * tail, plus the commit and apply cursors. applied <= committed <= lastIndex always.
 */
export class RaftLog {
  readonly storage: LogStorage;
  readonly unstable: UnstableLog;
  committed: number;
  applied: number;

  constructor(storage: LogStorage, applied: number, committed: number) {
    this.storage = storage;
    const first = storage.firstIndex();
    const last = storage.lastIndex();
    this.unstable = new UnstableLog(last + 1);
    this.committed = Math.max(committed, first - 1);
    this.applied = Math.max(applied, first - 1);
    assert(this.committed <= last, `log: commit ${this.committed} beyond last index ${last}`);
    assert(this.applied <= this.committed, `log: applied ${this.applied} beyond commit ${this.committed}`);
  }

  firstIndex(): number {
    return this.unstable.maybeFirstIndex() ?? this.storage.firstIndex();
  }

  lastIndex(): number {
    return this.unstable.maybeLastIndex() ?? this.storage.lastIndex();
  }

  /** Term of `index`, or 0 if it is compacted away or beyond the last index. */
  term(index: number): number {
    const unstableTerm = this.unstable.maybeTerm(index);
    if (unstableTerm >= 0) return unstableTerm;
    const dummy = this.firstIndex() - 1;
    if (index < dummy || index > this.lastIndex()) return 0;
    if (this.unstable.snapshot !== null) return 0; // below a pending snapshot: gone
    return this.storage.term(index);
  }

  lastTerm(): number {
    return this.term(this.lastIndex());
  }

  matchTerm(index: number, term: number): boolean {
    if (index < this.firstIndex() - 1 || index > this.lastIndex()) return false;
    return this.term(index) === term;
  }

  /** Raft's election restriction (5.4.1): is (lastIndex, term) at least as up-to-date as ours? */
  isUpToDate(lastIndex: number, term: number): boolean {
    const ourTerm = this.lastTerm();
    return term > ourTerm || (term === ourTerm && lastIndex >= this.lastIndex());
  }

  /** Highest index persisted and part of this log: below the unstable tail. */
  lastStableIndex(): number {
    if (this.unstable.snapshot !== null) return 0;
    return this.unstable.offset - 1;
  }

  /**
   * Follower side of Append: if our log has (index, logTerm), append `entries` after it
   * (truncating conflicts) and advance commit; returns the last index covered, or -1.
   */
  maybeAppend(index: number, logTerm: number, commit: number, entries: readonly Entry[]): number {
    if (!this.matchTerm(index, logTerm)) return -1;
    const lastNew = index + entries.length;
    const conflict = this.findConflict(entries);
    if (conflict !== 0) {
      assert(conflict > this.committed, `log: conflict at ${conflict} <= committed ${this.committed}`);
      this.append(entries.slice(conflict - entries[0]!.index));
    }
    this.commitTo(Math.min(commit, lastNew));
    return lastNew;
  }

  /** First entry whose index exists with another term, or the first new one; 0 if all match. */
  findConflict(entries: readonly Entry[]): number {
    for (const entry of entries) {
      if (!this.matchTerm(entry.index, entry.term)) return entry.index;
    }
    return 0;
  }

  /**
   * Fast back-off: the largest index <= `index` whose term is <= `term` (the leader's term
   * at the probe point). Entries above it cannot match, so the leader can skip them.
   */
  findConflictByTerm(index: number, term: number): number {
    const floor = this.firstIndex() - 1;
    let i = Math.min(index, this.lastIndex());
    while (i > floor) {
      if (this.term(i) <= term) return i;
      i--;
    }
    return floor;
  }

  append(entries: readonly Entry[]): number {
    if (entries.length === 0) return this.lastIndex();
    const after = entries[0]!.index - 1;
    assert(after >= this.committed, `log: append after ${after} would overwrite committed ${this.committed}`);
    this.unstable.truncateAndAppend(entries);
    return this.lastIndex();
  }

  /** Entries [lo, hi) up to maxBytes (at least one), from storage and/or the unstable tail. */
  slice(lo: number, hi: number, maxBytes: number): Entry[] {
    assert(lo >= this.firstIndex() && hi <= this.lastIndex() + 1, `log: slice [${lo}, ${hi}) out of range`);
    if (lo >= hi) return [];
    const offset = this.unstable.offset;
    let out: Entry[] = [];
    if (lo < offset) {
      out = this.storage.entries(lo, Math.min(hi, offset), maxBytes);
      if (out.length < Math.min(hi, offset) - lo) return out; // size limit reached in storage
    }
    if (hi > offset) {
      const tail = this.unstable.slice(Math.max(lo, offset), hi);
      return limitSize(out, tail, maxBytes);
    }
    return out;
  }

  commitTo(index: number): void {
    if (index <= this.committed) return;
    assert(index <= this.lastIndex(), `log: commit ${index} beyond last index ${this.lastIndex()}`);
    this.committed = index;
  }

  appliedTo(index: number): void {
    if (index === 0) return;
    assert(index <= this.committed, `log: applied ${index} beyond committed ${this.committed}`);
    assert(index >= this.applied, `log: applied went backwards ${this.applied} -> ${index}`);
    this.applied = index;
  }

  hasNextCommittedEntries(): boolean {
    return this.committed > Math.max(this.applied, this.firstIndex() - 1);
  }

  /** Committed, unapplied entries, up to maxBytes (at least one). */
  nextCommittedEntries(maxBytes: number): Entry[] {
    const lo = Math.max(this.applied + 1, this.firstIndex());
    if (this.committed < lo) return [];
    return this.slice(lo, this.committed + 1, maxBytes);
  }

  snapshot(): Snapshot | null {
    return this.unstable.snapshot ?? this.storage.snapshot();
  }

  /** Replace the log by a snapshot (follower install). */
  restore(snapshot: Snapshot): void {
    const index = snapshot.metadata.index;
    assert(index > this.committed, `log: restore ${index} at or below commit ${this.committed}`);
    this.committed = index;
    this.unstable.restore(snapshot);
  }
}

function limitSize(head: Entry[], tail: Entry[], maxBytes: number): Entry[] {
  let bytes = 0;
  for (const entry of head) bytes += entrySizeBytes(entry);
  for (const entry of tail) {
    bytes += entrySizeBytes(entry);
    if (head.length > 0 && bytes > maxBytes) break;
    head.push(entry);
  }
  return head;
}
