import { assert } from '@seshat/common';
import {
  type ConfState,
  EMPTY_BYTES,
  EMPTY_CONF_STATE,
  EMPTY_HARD_STATE,
  type Entry,
  EntryType,
  entrySizeBytes,
  type HardState,
  type Snapshot,
} from './messages.js';

/**
 * Durable state of one Raft group. Every method is synchronous so that a RocksDB
 * implementation (sync reads, one sync write batch per Ready) fits behind it.
 *
 * The log is the snapshot's (index, term) followed by contiguous entries
 * [firstIndex, lastIndex]. firstIndex = snapshot index + 1; an empty log has
 * lastIndex = firstIndex - 1. No gap can exist between snapshot and entries.
 *
 * Read side (the core calls these): initialState, entries, term, firstIndex, lastIndex,
 * snapshot. Write side (only the driver calls these, in Ready order): append,
 * setHardState, applySnapshot, setConfState, createSnapshot, compact.
 */
export interface LogStorage {
  /** Persisted hard state and the membership as of the state machine's applied index. */
  initialState(): { hardState: HardState; confState: ConfState };
  /**
   * Entries [lo, hi) with firstIndex <= lo < hi <= lastIndex + 1, stopping before the
   * total size exceeds maxBytes but always returning at least one entry.
   */
  entries(lo: number, hi: number, maxBytes: number): Entry[];
  /** Term of entry `index`, for firstIndex - 1 <= index <= lastIndex (firstIndex - 1 is the snapshot's). */
  term(index: number): number;
  firstIndex(): number;
  lastIndex(): number;
  /** The latest snapshot, or null if it is being produced and the leader should retry later. */
  snapshot(): Snapshot | null;

  /**
   * Persist entries. entries[0].index may be <= lastIndex: everything from there on is
   * replaced (conflicting suffix truncated). entries[0].index must be <= lastIndex + 1 and
   * > snapshot index.
   */
  append(entries: readonly Entry[]): void;
  setHardState(hardState: HardState): void;
  /** Replace log and snapshot by an incoming snapshot (Ready.snapshot). */
  applySnapshot(snapshot: Snapshot): void;
  /** Persist the membership after applying a conf change (same batch as the applied index). */
  setConfState(confState: ConfState): void;
  /** The state machine reports an image at `index` (<= applied); becomes snapshot(). */
  createSnapshot(index: number, confState: ConfState, data: Uint8Array): Snapshot;
  /**
   * Discard entries up to and including `index`, keeping its term as the log's base
   * (firstIndex becomes index + 1). index <= snapshot index: the log may only be compacted
   * behind a snapshot, so a follower that needs a compacted entry is sent a snapshot that
   * reaches at least firstIndex - 1, never leaving a gap.
   */
  compact(index: number): void;
}

/**
 * In-memory LogStorage for tests, the simulator and the benchmark. `ents[0]` is a dummy
 * entry holding the snapshot's index and term, so term(firstIndex - 1) needs no branch.
 */
export class MemoryLogStorage implements LogStorage {
  private hardState: HardState = EMPTY_HARD_STATE;
  private confState: ConfState = EMPTY_CONF_STATE;
  private snap: Snapshot;
  private ents: Entry[];

  constructor() {
    this.snap = { metadata: { index: 0, term: 0, confState: EMPTY_CONF_STATE }, data: EMPTY_BYTES };
    this.ents = [dummyEntry(0, 0)];
  }

  initialState(): { hardState: HardState; confState: ConfState } {
    return { hardState: this.hardState, confState: this.confState };
  }

  entries(lo: number, hi: number, maxBytes: number): Entry[] {
    const offset = this.ents[0]!.index;
    assert(lo > offset, `storage: entries(${lo}) compacted (first ${offset + 1})`);
    assert(hi <= this.lastIndex() + 1, `storage: entries(${lo}, ${hi}) beyond last ${this.lastIndex()}`);
    assert(lo < hi, `storage: entries(${lo}, ${hi}) empty range`);
    const out: Entry[] = [];
    let bytes = 0;
    for (let i = lo; i < hi; i++) {
      const entry = this.ents[i - offset]!;
      bytes += entrySizeBytes(entry);
      if (out.length > 0 && bytes > maxBytes) break;
      out.push(entry);
    }
    return out;
  }

  term(index: number): number {
    const offset = this.ents[0]!.index;
    assert(index >= offset && index <= this.lastIndex(), `storage: term(${index}) out of range`);
    return this.ents[index - offset]!.term;
  }

  firstIndex(): number {
    return this.ents[0]!.index + 1;
  }

  lastIndex(): number {
    return this.ents[0]!.index + this.ents.length - 1;
  }

  snapshot(): Snapshot | null {
    return this.snap;
  }

  append(entries: readonly Entry[]): void {
    if (entries.length === 0) return;
    const offset = this.ents[0]!.index;
    const first = entries[0]!.index;
    assert(first > offset, `storage: append at ${first} is behind the snapshot ${offset}`);
    assert(
      first <= this.lastIndex() + 1,
      `storage: append at ${first} leaves a gap after ${this.lastIndex()}`,
    );
    this.ents.length = first - offset;
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[i]!;
      assert(entry.index === first + i, 'storage: appended entries are not contiguous');
      this.ents.push(entry);
    }
  }

  setHardState(hardState: HardState): void {
    assert(hardState.term >= this.hardState.term, 'storage: hard state term went backwards');
    assert(hardState.commit >= this.hardState.commit, 'storage: hard state commit went backwards');
    this.hardState = hardState;
  }

  applySnapshot(snapshot: Snapshot): void {
    const index = snapshot.metadata.index;
    assert(index > this.snap.metadata.index, `storage: snapshot ${index} is not newer`);
    this.snap = snapshot;
    this.confState = snapshot.metadata.confState;
    this.ents = [dummyEntry(index, snapshot.metadata.term)];
  }

  setConfState(confState: ConfState): void {
    this.confState = confState;
  }

  createSnapshot(index: number, confState: ConfState, data: Uint8Array): Snapshot {
    assert(index > this.snap.metadata.index, `storage: snapshot ${index} is not newer`);
    assert(index <= this.lastIndex(), `storage: snapshot ${index} beyond last index`);
    const term = this.term(index);
    this.snap = { metadata: { index, term, confState }, data };
    return this.snap;
  }

  compact(index: number): void {
    const offset = this.ents[0]!.index;
    if (index <= offset) return;
    assert(index <= this.snap.metadata.index, `storage: compact(${index}) beyond the snapshot`);
    const kept = this.ents.slice(index - offset);
    const first = this.ents[index - offset]!;
    kept[0] = dummyEntry(first.index, first.term);
    this.ents = kept;
  }
}

function dummyEntry(index: number, term: number): Entry {
  return { index, term, type: EntryType.Normal, data: EMPTY_BYTES };
}

/** Index and term of the bootstrap snapshot every initial member starts from. */
export const BOOTSTRAP_INDEX = 1;
export const BOOTSTRAP_TERM = 1;

/**
 * Create a group: each initial member's storage starts from the same snapshot at
 * (BOOTSTRAP_INDEX, BOOTSTRAP_TERM) holding the initial membership and state-machine
 * image, with that index committed. A node added later starts with empty storage and
 * learns everything (membership included) from the leader's snapshot: a log that
 * starts at index 1 cannot be replayed by a newcomer without knowing the initial voters.
 */
export function bootstrapStorage(
  storage: LogStorage,
  confState: ConfState,
  data: Uint8Array = EMPTY_BYTES,
): void {
  assert(storage.lastIndex() === 0, 'storage: bootstrap of a non-empty storage');
  assert(confState.voters.length > 0, 'storage: bootstrap without voters');
  storage.applySnapshot({ metadata: { index: BOOTSTRAP_INDEX, term: BOOTSTRAP_TERM, confState }, data });
  storage.setHardState({ term: BOOTSTRAP_TERM, vote: 0, commit: BOOTSTRAP_INDEX });
}
