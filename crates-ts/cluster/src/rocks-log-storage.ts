/**
 * LogStorage of one Raft group on RocksDB (keys and values: rocks-log-codec.ts).
 *
 * Writes are staged, not written: the driver persists everything one tick produced, for
 * every group, in ONE write batch with one fsync (group commit). So each write method adds
 * its puts/dels to the batch handed over by `stage(batch)` and updates the in-memory view at
 * once, so that reads see staged data immediately (MemoryLogStorage semantics). Protocol:
 *
 *   const batch = storage.batch();
 *   for (const log of logs) log.stage(batch);
 *   ...append / setHardState / applySnapshot / setConfState / createSnapshot / compact...
 *   for (const log of logs) log.unstage();
 *   storage.write(batch, { sync: true });
 *
 * Reads are synchronous: hard state, conf state, snapshot metadata, first/last index and
 * every term live in memory; a byte-bounded cache holds the newest entries (leaders
 * serve followers from it); older entries come from RocksDB with a sync iterator. Entries
 * staged but not yet written are pinned in the cache until the next `stage`, since RocksDB
 * cannot serve them before the write.
 *
 * Deletions (truncated suffix, compaction, log replaced by a snapshot) are batch `del`s of
 * known keys, in the same batch as the record that makes them true ("trunc", "snapmeta"):
 * a crash can never expose a log whose base and entries disagree. Their cost is O(entries
 * dropped), so compact often in small steps (a range tombstone, `clearRange`, is O(1) but
 * not part of a batch; it would have to follow the durable batch and be redone on restart).
 *
 * Snapshot images are not kept here. `createSnapshot`'s data is a small descriptor (at
 * most SNAPSHOT_DATA_BYTES_MAX) naming an image the state machine holds (sm-snapshot.ts).
 * An image lives only in the process that captured it, so `snapshot()` returns null ("being
 * produced") when this process has not called createSnapshot since it opened or installed
 * a snapshot, and raises `wantsSnapshot`: the driver then captures an image at its applied
 * index and calls createSnapshot; the leader retries on its next heartbeat.
 *
 * `storedBytes` is the size of the stored entries (keys + values), kept up to date by every
 * write and computed by the scan at open, so the driver can compact by bytes as well as by
 * entry count without reading RocksDB.
 */
import { assert } from '@seshat/common';
import {
  type ConfState,
  EMPTY_BYTES,
  EMPTY_CONF_STATE,
  EMPTY_HARD_STATE,
  type Entry,
  entrySizeBytes,
  type HardState,
  type LogStorage,
  type Snapshot,
  type SnapshotMetadata,
} from '@seshat/raft';
import type { Storage, WriteBatch } from '@seshat/storage';
import { EntryCache, EntrySizes, TermRuns } from './rocks-log-cache.js';
import {
  decodeConfState,
  decodeEntry,
  decodeHardState,
  decodeSnapshotMeta,
  decodeTrunc,
  encodeConfState,
  encodeEntry,
  encodeHardState,
  encodeSnapshotMeta,
  encodeTrunc,
  LOG_KEY_BYTES,
  logKey,
  logKeyIndex,
  stateKey,
} from './rocks-log-codec.js';

/** Default byte budget of the in-memory entry cache, per group. */
export const ENTRY_CACHE_BYTES_DEFAULT = 4 * 1024 * 1024;
/** Largest `data` createSnapshot / applySnapshot accept: a descriptor, never an image. */
export const SNAPSHOT_DATA_BYTES_MAX = 64 * 1024;
/** Rows per native call when reading entries from RocksDB. */
const READ_ROWS_MAX = 256;

export interface RocksLogStorageOptions {
  groupId: number;
  /** Byte budget of recent entries kept in memory (entrySizeBytes); default 4 MiB. */
  entryCacheBytes?: number;
}

export class RocksLogStorage implements LogStorage {
  readonly groupId: number;
  private readonly storage: Storage;
  private batch: WriteBatch | null = null;
  private hard: HardState = EMPTY_HARD_STATE;
  private conf: ConfState = EMPTY_CONF_STATE;
  private snap: Snapshot;
  /** Base of the log (compacted up to here): firstIndex - 1 and its term. */
  private offset = 0;
  private offsetTerm = 0;
  private last = 0;
  private readonly terms = new TermRuns();
  private readonly sizes = new EntrySizes();
  private readonly cache: EntryCache;
  /** Whether this process created the current snapshot (its image is held by the driver). */
  private imageLive = false;
  private wanted = false;
  private readonly hardKey: Buffer;
  private readonly confKey: Buffer;
  private readonly snapKey: Buffer;
  private readonly truncKey: Buffer;

  /** Opens the group's log from `storage` (empty state when nothing is stored yet). */
  constructor(storage: Storage, options: RocksLogStorageOptions) {
    assert(Number.isInteger(options.groupId) && options.groupId >= 0, 'log storage: bad group id');
    this.storage = storage;
    this.groupId = options.groupId;
    this.cache = new EntryCache(options.entryCacheBytes ?? ENTRY_CACHE_BYTES_DEFAULT);
    this.hardKey = stateKey(this.groupId, 'hard');
    this.confKey = stateKey(this.groupId, 'conf');
    this.snapKey = stateKey(this.groupId, 'snapmeta');
    this.truncKey = stateKey(this.groupId, 'trunc');
    this.snap = { metadata: { index: 0, term: 0, confState: EMPTY_CONF_STATE }, data: EMPTY_BYTES };
    this.load();
  }

  private load(): void {
    const [hard, conf, snap, trunc] = this.storage.getMany('raft_state', [
      this.hardKey,
      this.confKey,
      this.snapKey,
      this.truncKey,
    ]);
    if (hard !== undefined) this.hard = decodeHardState(hard);
    if (conf !== undefined) this.conf = decodeConfState(conf);
    if (snap !== undefined) this.snap = decodeSnapshotMeta(snap);
    // No "trunc" record: never compacted nor replaced by a snapshot (both write one).
    const base = trunc !== undefined ? decodeTrunc(trunc) : { index: 0, term: 0 };
    assert(base.index <= this.snap.metadata.index, 'log storage: log base beyond the snapshot');
    this.offset = base.index;
    this.offsetTerm = base.term;
    this.last = this.offset;
    this.sizes.reset(this.offset);
    this.loadEntries();
  }

  /** Reads the stored entries once: terms into runs, the newest into the cache. */
  private loadEntries(): void {
    const it = this.storage.iterator('raft_log', {
      gt: logKey(this.groupId, this.offset),
      lte: logKey(this.groupId, Number.MAX_SAFE_INTEGER),
    });
    try {
      for (let rows = it.nextBatch(1024); rows.length > 0; rows = it.nextBatch(1024)) {
        const batch: Entry[] = [];
        for (let i = 0; i < rows.length; i += 2) {
          const index = logKeyIndex(rows[i]!);
          assert(index === this.last + 1, `log storage: group ${this.groupId} gap at ${this.last + 1}`);
          const entry = decodeEntry(index, rows[i + 1]!);
          this.terms.push(index, entry.term);
          this.sizes.push(index, rows[i]!.length + rows[i + 1]!.length);
          batch.push(entry);
          this.last = index;
        }
        this.cache.append(batch);
        this.cache.trim();
      }
    } finally {
      it.close();
    }
  }

  // --- Staging ---------------------------------------------------------------------------

  /**
   * Hand over the tick's write batch; write methods add to it until `unstage`. The previous
   * batch must be written by now (or the process is crashing): entries it pinned in the
   * cache become evictable here, since RocksDB can serve them.
   */
  stage(batch: WriteBatch): void {
    assert(this.batch === null, `log storage ${this.groupId}: stage() while a batch is staged`);
    this.cache.trim();
    this.batch = batch;
  }

  /**
   * End of staging. May come before or after `storage.write(batch)` as long as nothing reads
   * this log in between (the cache keeps the staged entries until the next stage()).
   */
  unstage(): void {
    this.batch = null;
  }

  get staged(): boolean {
    return this.batch !== null;
  }

  private staging(): WriteBatch {
    const b = this.batch;
    assert(b !== null, `log storage ${this.groupId}: write without a staged batch (call stage())`);
    return b;
  }

  // --- Read side -------------------------------------------------------------------------

  initialState(): { hardState: HardState; confState: ConfState } {
    return { hardState: this.hard, confState: this.conf };
  }

  entries(lo: number, hi: number, maxBytes: number): Entry[] {
    assert(lo > this.offset, `storage: entries(${lo}) compacted (first ${this.offset + 1})`);
    assert(hi <= this.last + 1, `storage: entries(${lo}, ${hi}) beyond last ${this.last}`);
    assert(lo < hi, `storage: entries(${lo}, ${hi}) empty range`);
    const out: Entry[] = [];
    const cacheFirst = this.cache.firstIndex(this.last + 1);
    let bytes = 0;
    if (lo < cacheFirst) {
      bytes = this.readStored(lo, Math.min(hi, cacheFirst), maxBytes, out);
      if (bytes < 0) return out;
    }
    for (let i = Math.max(lo, cacheFirst); i < hi; i++) {
      const entry = this.cache.get(i);
      bytes += entrySizeBytes(entry);
      if (out.length > 0 && bytes > maxBytes) break;
      out.push(entry);
    }
    return out;
  }

  /** Entries [lo, hi) from RocksDB into `out`; returns the bytes taken, or -1 if the budget ran out. */
  private readStored(lo: number, hi: number, maxBytes: number, out: Entry[]): number {
    const it = this.storage.iterator('raft_log', {
      gte: logKey(this.groupId, lo),
      lt: logKey(this.groupId, hi),
    });
    let bytes = 0;
    let next = lo;
    try {
      while (next < hi) {
        const rows = it.nextBatch(Math.min(READ_ROWS_MAX, hi - next));
        assert(rows.length > 0, `log storage ${this.groupId}: entry ${next} missing`);
        for (let i = 0; i < rows.length; i += 2) {
          assert(logKeyIndex(rows[i]!) === next, `log storage ${this.groupId}: entry ${next} missing`);
          const entry = decodeEntry(next, rows[i + 1]!);
          bytes += entrySizeBytes(entry);
          if (out.length > 0 && bytes > maxBytes) return -1;
          out.push(entry);
          next++;
        }
      }
    } finally {
      it.close();
    }
    return bytes;
  }

  term(index: number): number {
    assert(index >= this.offset && index <= this.last, `storage: term(${index}) out of range`);
    return index === this.offset ? this.offsetTerm : this.terms.termAt(index);
  }

  firstIndex(): number {
    return this.offset + 1;
  }

  lastIndex(): number {
    return this.last;
  }

  snapshot(): Snapshot | null {
    if (!this.imageLive) {
      this.wanted = true;
      return null;
    }
    return this.snap;
  }

  /**
   * Set when snapshot() answered null: the leader needs a snapshot whose image this process
   * can stream. Capture one at the applied index and call createSnapshot (which clears it).
   */
  get wantsSnapshot(): boolean {
    return this.wanted;
  }

  /** The persisted snapshot (metadata and descriptor), whether or not its image is held. */
  storedSnapshot(): Snapshot {
    return this.snap;
  }

  /** Bytes of the stored entries (keys and values in raft_log), staged ones included. */
  get storedBytes(): number {
    return this.sizes.totalBytes;
  }

  /**
   * The smallest index from which on the entries up to `upTo` hold at most `bytes`
   * (at least the log's base): compacting to it leaves that many bytes before `upTo`.
   */
  indexKeepingBytes(bytes: number, upTo: number): number {
    assert(upTo >= this.offset && upTo <= this.last, `storage: indexKeepingBytes(${upTo}) out of range`);
    return Math.min(upTo, this.sizes.indexKeepingBytes(bytes + this.sizes.bytesAfter(upTo)));
  }

  /** The driver released the image behind the current snapshot: snapshot() answers null again. */
  dropImage(): void {
    this.imageLive = false;
  }

  // --- Write side (staged) ---------------------------------------------------------------

  append(entries: readonly Entry[]): void {
    if (entries.length === 0) return;
    const first = entries[0]!.index;
    assert(first > this.offset, `storage: append at ${first} is behind the snapshot ${this.offset}`);
    assert(first <= this.last + 1, `storage: append at ${first} leaves a gap after ${this.last}`);
    const batch = this.staging();
    this.terms.truncateFrom(first);
    this.sizes.truncateFrom(first);
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[i]!;
      assert(entry.index === first + i, 'storage: appended entries are not contiguous');
      const value = encodeEntry(entry);
      batch.put('raft_log', logKey(this.groupId, entry.index), value);
      this.terms.push(entry.index, entry.term);
      this.sizes.push(entry.index, LOG_KEY_BYTES + value.length);
    }
    const newLast = first + entries.length - 1;
    for (let i = newLast + 1; i <= this.last; i++) batch.del('raft_log', logKey(this.groupId, i));
    this.cache.append(entries);
    this.last = newLast;
  }

  setHardState(hardState: HardState): void {
    assert(hardState.term >= this.hard.term, 'storage: hard state term went backwards');
    assert(hardState.commit >= this.hard.commit, 'storage: hard state commit went backwards');
    this.staging().put('raft_state', this.hardKey, encodeHardState(hardState));
    this.hard = hardState;
  }

  applySnapshot(snapshot: Snapshot): void {
    const { index, term } = snapshot.metadata;
    assert(index > this.snap.metadata.index, `storage: snapshot ${index} is not newer`);
    assert(snapshot.data.byteLength <= SNAPSHOT_DATA_BYTES_MAX, 'storage: snapshot data is not a descriptor');
    const batch = this.staging();
    for (let i = this.offset + 1; i <= this.last; i++) batch.del('raft_log', logKey(this.groupId, i));
    batch.put('raft_state', this.snapKey, encodeSnapshotMeta(snapshot.metadata, snapshot.data));
    batch.put('raft_state', this.confKey, encodeConfState(snapshot.metadata.confState));
    batch.put('raft_state', this.truncKey, encodeTrunc(index, term));
    this.snap = snapshot;
    this.conf = snapshot.metadata.confState;
    this.offset = index;
    this.offsetTerm = term;
    this.last = index;
    this.terms.clear();
    this.sizes.reset(index);
    this.cache.clear();
    this.imageLive = false;
  }

  setConfState(confState: ConfState): void {
    this.staging().put('raft_state', this.confKey, encodeConfState(confState));
    this.conf = confState;
  }

  /**
   * Record a snapshot at `index` whose image the caller holds (data: its descriptor). Also
   * accepted at the current snapshot's index when snapshot() had no image to offer (after a
   * restart or an install): that re-attaches a freshly captured image to the same point.
   */
  createSnapshot(index: number, confState: ConfState, data: Uint8Array): Snapshot {
    const current = this.snap.metadata.index;
    assert(
      index > current || (index === current && !this.imageLive),
      `storage: snapshot ${index} is not newer`,
    );
    assert(index <= this.last, `storage: snapshot ${index} beyond last index`);
    assert(data.byteLength <= SNAPSHOT_DATA_BYTES_MAX, 'storage: snapshot data is not a descriptor');
    const metadata: SnapshotMetadata = { index, term: this.term(index), confState };
    this.staging().put('raft_state', this.snapKey, encodeSnapshotMeta(metadata, data));
    this.snap = { metadata, data };
    this.imageLive = true;
    this.wanted = false;
    return this.snap;
  }

  compact(index: number): void {
    if (index <= this.offset) return;
    assert(index <= this.snap.metadata.index, `storage: compact(${index}) beyond the snapshot`);
    assert(index <= this.last, `storage: compact(${index}) beyond last index ${this.last}`);
    const term = this.term(index);
    const batch = this.staging();
    for (let i = this.offset + 1; i <= index; i++) batch.del('raft_log', logKey(this.groupId, i));
    batch.put('raft_state', this.truncKey, encodeTrunc(index, term));
    this.terms.compactTo(index, this.last);
    this.sizes.compactTo(index);
    this.cache.compactTo(index);
    this.offset = index;
    this.offsetTerm = term;
  }

  /** For tests and metrics: entries and bytes held in memory, term runs. */
  memoryStats(): { cachedEntries: number; cachedBytes: number; termRuns: number } {
    return {
      cachedEntries: this.cache.size,
      cachedBytes: this.cache.usedBytes,
      termRuns: this.terms.runCount,
    };
  }
}
