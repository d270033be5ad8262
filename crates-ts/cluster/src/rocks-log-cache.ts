/**
 * In-memory views RocksLogStorage keeps over its log so that the Raft core's hot reads
 * (term, lastIndex, recent entries for followers) never touch RocksDB:
 *
 * - TermRuns: the term of every index in the log as runs (first index, term). A log's terms
 *   never decrease and change only at elections, so the runs are few: memory is
 *   O(elections within the retained log), not O(entries).
 * - EntryCache: a byte-bounded suffix of the log. Staged (not yet written) entries are
 *   never evicted, because RocksDB cannot serve them until the batch is written; eviction
 *   runs only when the driver says the batch is durable (`trim`).
 * - EntrySizes: the stored bytes of every entry as running sums, so that the log's total
 *   bytes (the driver's compaction-by-bytes trigger) and the bytes after any index are known
 *   in O(1) / O(log n) without reading RocksDB. 8 bytes per entry of the retained log.
 */
import { assert } from '@seshat/common';
import { type Entry, entrySizeBytes } from '@seshat/raft';

export class TermRuns {
  /** starts[k] = first index of run k; terms[k] its term. starts strictly increasing. */
  private readonly starts: number[] = [];
  private readonly terms: number[] = [];

  get runCount(): number {
    return this.starts.length;
  }

  /** Term of `index`; the caller guarantees index lies within the log the runs cover. */
  termAt(index: number): number {
    const starts = this.starts;
    let hi = starts.length - 1;
    assert(hi >= 0 && index >= starts[0]!, `term runs: ${index} not covered`);
    if (index >= starts[hi]!) return this.terms[hi]!;
    let lo = 0;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (starts[mid]! <= index) lo = mid;
      else hi = mid - 1;
    }
    return this.terms[lo]!;
  }

  /** Record that `index` (the next index after the covered range) has `term`. */
  push(index: number, term: number): void {
    const n = this.terms.length;
    if (n > 0) {
      assert(term >= this.terms[n - 1]!, `term runs: term ${term} at ${index} below the previous`);
      if (term === this.terms[n - 1]) return;
    }
    this.starts.push(index);
    this.terms.push(term);
  }

  /** Forget indexes >= `index`. */
  truncateFrom(index: number): void {
    while (this.starts.length > 0 && this.starts[this.starts.length - 1]! >= index) {
      this.starts.pop();
      this.terms.pop();
    }
  }

  /** Forget indexes <= `index`; `last` is the last covered index. */
  compactTo(index: number, last: number): void {
    if (index >= last) {
      this.clear();
      return;
    }
    let drop = 0;
    while (drop + 1 < this.starts.length && this.starts[drop + 1]! <= index + 1) drop++;
    if (drop > 0) {
      this.starts.splice(0, drop);
      this.terms.splice(0, drop);
    }
    if (this.starts.length > 0 && this.starts[0]! < index + 1) this.starts[0] = index + 1;
  }

  clear(): void {
    this.starts.length = 0;
    this.terms.length = 0;
  }
}

/** Compaction of the backing array once this many dead slots sit at its head. */
const CACHE_HEAD_SLACK = 1024;

export class EntryCache {
  private entries: Entry[] = [];
  /** entries[head] is the first cached entry. */
  private head = 0;
  private bytes = 0;

  constructor(readonly maxBytes: number) {
    assert(maxBytes >= 0, 'entry cache: negative budget');
  }

  get size(): number {
    return this.entries.length - this.head;
  }

  get usedBytes(): number {
    return this.bytes;
  }

  /** Index of the first cached entry, or `fallback` when the cache is empty. */
  firstIndex(fallback: number): number {
    return this.size === 0 ? fallback : this.entries[this.head]!.index;
  }

  /** The cached entry at `index`; the caller checked firstIndex() <= index <= last. */
  get(index: number): Entry {
    const e = this.entries[this.head + index - this.entries[this.head]!.index];
    assert(e !== undefined && e.index === index, `entry cache: ${index} not cached`);
    return e;
  }

  /**
   * Append contiguous entries replacing everything from entries[0].index on. The cache is
   * always a suffix of the log, so either it ends at entries[0].index - 1 or further on
   * (truncate), or entries[0].index lies before it (restart the cache there).
   */
  append(entries: readonly Entry[]): void {
    const first = entries[0]!.index;
    if (this.size === 0 || first < this.entries[this.head]!.index) {
      this.clear();
    } else {
      const keep = this.head + first - this.entries[this.head]!.index;
      assert(keep <= this.entries.length, `entry cache: append at ${first} leaves a gap`);
      for (let i = keep; i < this.entries.length; i++) this.bytes -= entrySizeBytes(this.entries[i]!);
      this.entries.length = keep;
    }
    for (const e of entries) {
      this.entries.push(e);
      this.bytes += entrySizeBytes(e);
    }
  }

  /** Drop entries <= index. */
  compactTo(index: number): void {
    while (this.size > 0 && this.entries[this.head]!.index <= index) this.dropHead();
    this.reclaim();
  }

  /** Evict the oldest entries until the budget holds (only once staged entries are durable). */
  trim(): void {
    while (this.size > 0 && this.bytes > this.maxBytes) this.dropHead();
    this.reclaim();
  }

  clear(): void {
    this.entries = [];
    this.head = 0;
    this.bytes = 0;
  }

  private dropHead(): void {
    this.bytes -= entrySizeBytes(this.entries[this.head]!);
    this.entries[this.head] = undefined as unknown as Entry;
    this.head++;
  }

  /** Ring-like head pointer instead of Array.shift(); compact the array now and then. */
  private reclaim(): void {
    if (this.head === this.entries.length) this.clear();
    else if (this.head >= CACHE_HEAD_SLACK && this.head * 2 >= this.entries.length) {
      this.entries = this.entries.slice(this.head);
      this.head = 0;
    }
  }
}

/** Initial capacity of EntrySizes' sum array (grows by doubling). */
const SIZES_CAPACITY_INITIAL = 1024;

export class EntrySizes {
  /** sums[head + k] = bytes of entries base+1 .. base+k, relative to sums[head] (k <= len). */
  private sums = new Float64Array(SIZES_CAPACITY_INITIAL);
  private head = 0;
  /** The index just before the first covered entry (the log's base). */
  private base = 0;
  private len = 0;

  /** Forget everything; the next entry pushed is `base + 1`. */
  reset(base: number): void {
    this.base = base;
    this.head = 0;
    this.len = 0;
    this.sums[0] = 0;
  }

  /** Bytes of every covered entry. */
  get totalBytes(): number {
    return this.sums[this.head + this.len]! - this.sums[this.head]!;
  }

  /** Bytes of the covered entries after `index` (base <= index <= last). */
  bytesAfter(index: number): number {
    assert(index >= this.base && index <= this.base + this.len, `entry sizes: ${index} not covered`);
    return this.sums[this.head + this.len]! - this.sums[this.head + index - this.base]!;
  }

  /** The smallest index (>= base) whose following entries take at most `bytes`. */
  indexKeepingBytes(bytes: number): number {
    const end = this.sums[this.head + this.len]!;
    let lo = 0;
    let hi = this.len;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (end - this.sums[this.head + mid]! <= bytes) hi = mid;
      else lo = mid + 1;
    }
    return this.base + lo;
  }

  /** Record the size of `index`, the entry after the covered range. */
  push(index: number, bytes: number): void {
    assert(index === this.base + this.len + 1, `entry sizes: push(${index}) after ${this.base + this.len}`);
    if (this.head + this.len + 1 >= this.sums.length) this.makeRoom();
    const at = this.head + this.len;
    this.sums[at + 1] = this.sums[at]! + bytes;
    this.len++;
  }

  /** Forget indexes >= `index`. */
  truncateFrom(index: number): void {
    const keep = index - 1 - this.base;
    assert(keep >= 0, `entry sizes: truncate at ${index} before the base ${this.base}`);
    if (keep < this.len) this.len = keep;
  }

  /** Forget indexes <= `index` (index <= last). */
  compactTo(index: number): void {
    if (index <= this.base) return;
    const drop = index - this.base;
    assert(drop <= this.len, `entry sizes: compact to ${index} beyond ${this.base + this.len}`);
    this.head += drop;
    this.len -= drop;
    this.base = index;
  }

  /** Move the live sums to the front (rebased to 0) and grow when more than half is live. */
  private makeRoom(): void {
    const live = this.len + 1;
    const next = live * 2 > this.sums.length ? new Float64Array(this.sums.length * 2) : this.sums;
    const origin = this.sums[this.head]!;
    for (let k = 0; k < live; k++) next[k] = this.sums[this.head + k]! - origin;
    this.sums = next;
    this.head = 0;
  }
}
