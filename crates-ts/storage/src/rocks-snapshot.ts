/**
 * A consistent read view on RocksDB without a snapshot API.
 *
 * The binding exposes no rocksdb::Snapshot, but every native iterator reads at the
 * sequence number current when it was created, and all writes through the binding run
 * synchronously on the JS thread. So the snapshot creates, in one synchronous section,
 * two unbounded cursors per column family (one forward, one reverse) and asserts that
 * the database sequence number did not move meanwhile: all cursors then read at the
 * same point in time, however long the snapshot lives.
 *
 * A cursor's bounds are fixed at creation, so ranges are applied here instead: each
 * read seeks the cursor (forward: first key >= target; reverse: last key <= target)
 * and filters bounds in JS. Any number of iterators and gets share the two cursors:
 * every `nextBatch` re-seeks to just past the last key it returned (one seek per
 * batch), so interleaving them is safe. Cost: get is a seek + one-row read (not a
 * MultiGet), each batch reads at most one row past its end bound, and a reverse
 * iterator without an upper bound first finds the family's last key once.
 */
import { assert } from '@seshat/common';
import { createNativeIterator, type NativeIterator } from './binding.js';
import {
  aboveLower,
  assertBatchMax,
  assertColumnFamily,
  belowUpper,
  checkRange,
  rangeIsEmpty,
} from './range.js';
import type { RocksStorage } from './rocks.js';
import {
  COLUMN_FAMILIES,
  type ColumnFamily,
  type RangeOptions,
  type StorageIterator,
  type StorageSnapshot,
} from './types.js';

/** The smallest non-empty key: keys are never empty, so seeking here is "seek to first". */
const FIRST_KEY_TARGET = Buffer.from([0]);

interface Cursors {
  forward: NativeIterator;
  reverse: NativeIterator;
  /** Largest key of the family in this snapshot; undefined until needed, null if empty. */
  lastKey: Buffer | null | undefined;
}

export class RocksSnapshot implements StorageSnapshot {
  private readonly cursors = new Map<ColumnFamily, Cursors>();
  private released = false;
  /** The sequence number every cursor reads at. */
  readonly sequence: number;

  constructor(private readonly storage: RocksStorage) {
    const before = storage.sequence;
    for (const cf of COLUMN_FAMILIES) {
      const base = {
        column: storage.column(cf),
        keyEncoding: 'buffer',
        valueEncoding: 'buffer',
        limit: -1,
      } as const;
      // Bulk reads for snapshot transfer should not evict the hot working set.
      this.cursors.set(cf, {
        forward: createNativeIterator(storage.db, { ...base, reverse: false, fillCache: false }),
        reverse: createNativeIterator(storage.db, { ...base, reverse: true, fillCache: false }),
        lastKey: undefined,
      });
    }
    assert(storage.sequence === before, 'a write ran while snapshot cursors were being created');
    this.sequence = before;
  }

  get(cf: ColumnFamily, key: Buffer): Buffer | undefined {
    const cursor = this.cursorsOf(cf).forward;
    if (key.length === 0) return undefined;
    cursor._seekSync(key);
    const { rows } = cursor._nextvSync(1);
    return rows.length > 0 && rows[0]!.equals(key) ? rows[1] : undefined;
  }

  getMany(cf: ColumnFamily, keys: Buffer[]): (Buffer | undefined)[] {
    const out: (Buffer | undefined)[] = new Array(keys.length);
    for (let i = 0; i < keys.length; i++) out[i] = this.get(cf, keys[i]!);
    return out;
  }

  iterator(cf: ColumnFamily, range: RangeOptions): StorageIterator {
    this.cursorsOf(cf);
    const limit = checkRange(range);
    return new SnapshotIterator(this, cf, { ...range }, rangeIsEmpty(range, limit) ? 0 : limit);
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    if (this.storage.isOpen) {
      for (const c of this.cursors.values()) {
        c.forward._closeSync();
        c.reverse._closeSync();
      }
    }
    this.cursors.clear();
  }

  cursorsOf(cf: ColumnFamily): Cursors {
    assert(!this.released, 'snapshot used after release');
    this.storage.assertOpen();
    assertColumnFamily(cf);
    return this.cursors.get(cf)!;
  }

  /** The family's largest key in this snapshot, read once from the fresh reverse cursor. */
  lastKey(cf: ColumnFamily): Buffer | null {
    const c = this.cursorsOf(cf);
    if (c.lastKey === undefined) {
      // Every reverse read calls this before seeking, so the cursor still sits at SeekToLast.
      const { rows } = c.reverse._nextvSync(1);
      c.lastKey = rows.length > 0 ? rows[0]! : null;
    }
    return c.lastKey;
  }
}

class SnapshotIterator implements StorageIterator {
  /** Last key returned: the next batch resumes strictly past it. */
  private resumeAfter: Buffer | undefined;
  private done: boolean;
  private closed = false;

  constructor(
    private readonly snapshot: RocksSnapshot,
    private readonly cf: ColumnFamily,
    private readonly range: RangeOptions,
    private remaining: number,
  ) {
    this.done = remaining === 0;
  }

  nextBatch(max: number): Buffer[] {
    assertBatchMax(max);
    assert(!this.closed, 'iterator used after close');
    if (this.done) return [];
    const want = Math.min(max, this.remaining);
    const rows = this.range.reverse ? this.readReverse(want) : this.readForward(want);
    if (rows === null) {
      this.done = true;
      return [];
    }
    const out: Buffer[] = [];
    for (let i = 0; i < rows.length && out.length < 2 * want; i += 2) {
      const key = rows[i]!;
      if (!this.pastResume(key)) continue;
      if (!aboveLower(key, this.range) || !belowUpper(key, this.range)) {
        if (this.inSkippableEdge(key)) continue;
        break;
      }
      out.push(key, rows[i + 1]!);
    }
    // One row past `want` was read so that skipping the resume key still fills the batch.
    if (out.length < 2 * want) this.done = true;
    if (out.length > 0) this.resumeAfter = out[out.length - 2];
    this.remaining -= out.length / 2;
    if (this.remaining === 0) this.done = true;
    return out;
  }

  close(): void {
    this.closed = true;
  }

  /** Rows from the forward cursor positioned at the resume point, or null if nothing. */
  private readForward(want: number): Buffer[] | null {
    const cursor = this.snapshot.cursorsOf(this.cf).forward;
    let target = this.resumeAfter ?? this.range.gte ?? this.range.gt ?? FIRST_KEY_TARGET;
    if (target.length === 0) target = FIRST_KEY_TARGET;
    cursor._seekSync(target);
    return cursor._nextvSync(want + 1).rows;
  }

  private readReverse(want: number): Buffer[] | null {
    // Before any seek of the reverse cursor: lastKey reads it where creation left it.
    const last = this.snapshot.lastKey(this.cf);
    if (last === null) return null;
    const cursor = this.snapshot.cursorsOf(this.cf).reverse;
    const target = this.resumeAfter ?? this.range.lte ?? this.range.lt ?? last;
    if (target.length === 0) return null; // nothing is <= the empty key
    cursor._seekSync(target);
    return cursor._nextvSync(want + 1).rows;
  }

  /** False for keys at or before the last key returned (in iteration order). */
  private pastResume(key: Buffer): boolean {
    if (this.resumeAfter === undefined) return true;
    const c = Buffer.compare(key, this.resumeAfter);
    return this.range.reverse ? c < 0 : c > 0;
  }

  /**
   * The seek lands on the exclusive bound itself (gt forward, lt reverse): skip that
   * one row rather than ending the iteration.
   */
  private inSkippableEdge(key: Buffer): boolean {
    if (this.range.reverse) return this.range.lt !== undefined && key.equals(this.range.lt);
    return this.range.gt !== undefined && key.equals(this.range.gt);
  }
}
